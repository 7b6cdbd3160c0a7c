//! The host driver (real monotonic clock, helper-thread alarms) with blocking delays,
//! a parking `block_on`, and the std executor:
//! `cargo test -p mote --features std,time --test time_std`.
//!
//! Real time is only bounded from below here (a delay lasts at least what was asked);
//! upper bounds would depend on the machine's load.
#![cfg(all(feature = "std", feature = "time"))]

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use mote::time::driver::{self, AlarmCallback};
use mote::time::drivers::std::StdDriver;
use mote::time::{block_for, with_timeout, Delay, Duration, Instant, TimeoutError, Timer};

mote::time_driver!(
    static DRIVER: StdDriver = StdDriver::new();
);

struct Unpark(Thread);
impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// A plain parking executor: the timer futures reach the driver through the fallback
/// queue (a foreign waker), and the helper thread's alarm unparks us.
fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// Our clock floors to whole ticks, so a measured span can read one tick short.
fn at_least(measured: Duration, want: Duration) -> bool {
    measured + Duration::from_ticks(1) >= want
}

#[test]
fn clock_is_monotonic_and_follows_real_time() {
    let t0 = Instant::now();
    let s0 = std::time::Instant::now();
    let mut last = t0;
    while s0.elapsed() < std::time::Duration::from_millis(20) {
        let now = Instant::now();
        assert!(now >= last, "clock went backwards");
        last = now;
    }
    assert!(at_least(t0.elapsed(), Duration::from_millis(20)));
}

#[test]
fn blocking_delays_last_at_least_the_requested_time() {
    use embedded_hal::delay::DelayNs;
    let s0 = std::time::Instant::now();
    block_for(Duration::from_millis(5));
    assert!(s0.elapsed() >= std::time::Duration::from_millis(5));
    let s1 = std::time::Instant::now();
    Delay.delay_ms(3);
    Delay.delay_us(500);
    Delay.delay_ns(1);
    assert!(s1.elapsed() >= std::time::Duration::from_micros(3500));
}

#[test]
fn timer_on_a_foreign_executor_is_woken_by_the_alarm_thread() {
    let s0 = std::time::Instant::now();
    block_on(Timer::after_millis(15));
    // `Timer::after` counts from the tick in progress: up to one tick short in real time.
    let tick: std::time::Duration = Duration::from_ticks(1).into();
    assert!(s0.elapsed() + tick >= std::time::Duration::from_millis(15));
    let r = block_on(with_timeout(
        Duration::from_millis(5),
        Timer::after_secs(3600),
    ));
    assert_eq!(r, Err(TimeoutError));
}

#[test]
fn alarm_callback_runs_at_or_after_its_deadline() {
    static TX: Mutex<Option<mpsc::Sender<u64>>> = Mutex::new(None);
    fn fire(_: *const ()) {
        let now = driver::now();
        if let Some(tx) = TX.lock().unwrap().as_ref() {
            let _ = tx.send(now);
        }
    }
    let (tx, rx) = mpsc::channel();
    *TX.lock().unwrap() = Some(tx);
    let alarm = driver::allocate_alarm().expect("a free alarm slot");
    let at = driver::now() + Duration::from_millis(10).as_ticks();
    // SAFETY: `fire` only uses a static mutex and channel, from any thread.
    let cb = unsafe { AlarmCallback::new(fire, std::ptr::null()) };
    assert!(driver::set_alarm(alarm, at, cb));
    let fired_at = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("alarm never fired");
    assert!(fired_at >= at, "fired at {fired_at}, before {at}");
    assert!(
        !driver::set_alarm(alarm, driver::now(), cb),
        "a reached deadline is refused"
    );
}

static DONE: AtomicBool = AtomicBool::new(false);
static WOKE_AFTER: AtomicU64 = AtomicU64::new(0);

#[mote::task]
async fn sleeper() {
    let t0 = Instant::now();
    Timer::after_millis(12).await;
    WOKE_AFTER.store(t0.elapsed().as_ticks(), Ordering::SeqCst);
    DONE.store(true, Ordering::SeqCst);
}

#[test]
fn task_on_the_std_executor_sleeps_on_a_timer() {
    let executor: &'static mote::executor::Executor =
        Box::leak(Box::new(mote::executor::Executor::new()));
    executor.run_until(
        |spawner| spawner.must_spawn(sleeper()),
        || DONE.load(Ordering::SeqCst),
    );
    let woke_after = Duration::from_ticks(WOKE_AFTER.load(Ordering::SeqCst));
    assert!(
        at_least(woke_after, Duration::from_millis(12)),
        "{woke_after:?}"
    );
}
