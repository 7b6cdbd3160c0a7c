//! The std driver at scale, on the real clock: any number of executors get an alarm
//! each, and timers polled with foreign wakers (a `FuturesUnordered` inside a task, a
//! parking `block_on`) neither busy-poll nor keep the wakers of cancelled timers. The
//! driver is the std one wrapped to count the clock reads of each thread:
//! `cargo test -p mote --features std,time --test time_std_scale`.
#![cfg(all(feature = "std", feature = "time"))]

#[path = "time_support/mod.rs"]
mod time_support;

use std::cell::Cell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use futures_util::stream::{FuturesUnordered, StreamExt};
use mote::executor::Executor;
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
use mote::time::drivers::std::StdDriver;
use mote::time::{Duration, Instant, Timer};
use time_support::{counted, register_each};

/// The std driver, counting `now()` calls per thread.
struct CountingStd;

thread_local! {
    static READS: Cell<u64> = const { Cell::new(0) };
}

fn reads() -> u64 {
    READS.with(Cell::get)
}

impl Driver for CountingStd {
    fn now(&self) -> u64 {
        READS.with(|r| r.set(r.get() + 1));
        StdDriver::new().now()
    }
    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        StdDriver::new().allocate_alarm()
    }
    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        StdDriver::new().set_alarm(alarm, at, callback)
    }
}

mote::time_driver!(
    static DRIVER: CountingStd = CountingStd;
);

fn executor() -> &'static Executor {
    Box::leak(Box::new(Executor::new()))
}

/// Small counts under Miri, whose clock and threads are slow.
const SCALE: usize = if cfg!(miri) { 1 } else { 4 };

/// A waker that counts its wakes and unparks a thread; `Arc::strong_count` of it counts
/// the live clones.
struct CountWaker {
    wakes: AtomicUsize,
    woken: AtomicBool,
    thread: Thread,
}
impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}
fn count_waker() -> Arc<CountWaker> {
    Arc::new(CountWaker {
        wakes: AtomicUsize::new(0),
        woken: AtomicBool::new(false),
        thread: thread::current(),
    })
}

/// A parking executor that polls again only after a wake; counts polls.
fn block_on<F: Future>(fut: F, polls: &mut usize) -> F::Output {
    let w = count_waker();
    let waker = Waker::from(w.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        *polls += 1;
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        while !w.woken.swap(false, Ordering::SeqCst) {
            thread::park();
        }
    }
}

static SLEPT: AtomicBool = AtomicBool::new(false);

#[mote::task(pool_size = 4)]
async fn sleep_once(d: Duration) {
    Timer::after(d).await;
    SLEPT.store(true, Ordering::SeqCst);
}

#[test]
fn twenty_executors_each_sleep_on_an_alarm_without_busy_polling() {
    // Every executor takes an alarm slot of its own and keeps it (std executors are
    // leaked): the driver must not run out. Other tests of this binary run executors
    // too, at the same time.
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for i in 0..5 * SCALE {
        let d = Duration::from_millis(3);
        let before = reads();
        let t0 = std::time::Instant::now();
        SLEPT.store(false, Ordering::SeqCst);
        executor().run_until(
            |s| s.must_spawn(sleep_once(d)),
            || SLEPT.load(Ordering::SeqCst),
        );
        let n = reads() - before;
        assert!(t0.elapsed() + std::time::Duration::from(Duration::from_ticks(1)) >= d.into());
        assert!(
            n <= 40,
            "executor {i}: {n} clock reads for one 3 ms timer (busy polling)"
        );
    }
}

/// The executor test runs alone: its per-thread clock-read count must not include
/// anything else, and the 3 ms wakes must not queue behind a loaded machine.
static SERIAL: Mutex<()> = Mutex::new(());

static UNORDERED_POLLS: AtomicUsize = AtomicUsize::new(0);
static UNORDERED_LATE: Mutex<Vec<(u64, Instant)>> = Mutex::new(Vec::new());
static UNORDERED_DONE: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn unordered(n: u64) {
    let start = Instant::now();
    let limit = 2 * n as usize;
    let mut set: FuturesUnordered<_> = (1..=n)
        .map(|ms| async move {
            counted(Timer::after_millis(ms), &UNORDERED_POLLS, limit).await;
            (ms, Instant::now())
        })
        .collect();
    while let Some((ms, at)) = set.next().await {
        if at < start + Duration::from_millis(ms) {
            UNORDERED_LATE.lock().unwrap().push((ms, at));
        }
    }
    UNORDERED_DONE.store(true, Ordering::SeqCst);
}

#[test]
fn thirty_two_timers_in_a_futures_unordered_inside_a_task_do_not_busy_poll() {
    // The inner futures see `FuturesUnordered`'s wakers, not the task's: each timer is a
    // fallback registration. The old fixed 8-entry queue polled these 2 890 times.
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let n = 8 * SCALE as u64;
    executor().run_until(
        |s| s.must_spawn(unordered(n)),
        || UNORDERED_DONE.load(Ordering::SeqCst),
    );
    assert_eq!(*UNORDERED_LATE.lock().unwrap(), vec![], "fired early");
    // One poll to register and one when due (a timer already due when first polled
    // yields once: two polls as well).
    let polls = UNORDERED_POLLS.load(Ordering::SeqCst);
    assert!(polls <= 2 * n as usize, "{polls} polls for {n} timers");
}

#[test]
fn cancelled_one_hour_timers_release_their_wakers_and_disturb_nothing() {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let wakers: Vec<Arc<CountWaker>> = (0..10 * SCALE).map(|_| count_waker()).collect();
    {
        let mut timers: Vec<Pin<Box<Timer>>> = wakers
            .iter()
            .map(|_| Box::pin(Timer::after_secs(3600)))
            .collect();
        register_each(&mut timers, &wakers);
    }
    for w in &wakers {
        assert_eq!(Arc::strong_count(w), 1, "a dropped timer kept its waker");
    }
    let mut polls = 0;
    let t0 = std::time::Instant::now();
    block_on(Timer::after_millis(20), &mut polls);
    assert!(
        t0.elapsed() + std::time::Duration::from(Duration::from_ticks(1))
            >= std::time::Duration::from_millis(20)
    );
    assert!(polls <= 2, "{polls} polls for one 20 ms timer");
}

#[test]
fn timers_dropped_while_the_alarm_thread_fires_them() {
    // The helper thread pops due entries while this thread drops them: whichever side
    // gets an entry releases its waker clone, exactly once.
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rounds = if cfg!(miri) { 12 } else { 300 };
    for round in 0..rounds {
        let w = count_waker();
        // Every fifth timer is a one-hour one: it must hold its waker clone until dropped.
        let long = round % 5 == 4;
        let d = if long {
            Duration::from_secs(3600)
        } else {
            Duration::from_micros(200)
        };
        let mut t = Box::pin(Timer::after(d));
        let waker = Waker::from(w.clone());
        let pending = t
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending();
        // A short one may be due already on a slow machine (or under Miri).
        assert!(pending || !long);
        drop(waker);
        if long {
            assert_eq!(Arc::strong_count(&w), 2, "round {round}: not registered");
        }
        // Drop before, around, or after the deadline.
        let wait = std::time::Duration::from_micros(100 * (round % 4));
        let s = std::time::Instant::now();
        while s.elapsed() < wait {
            std::hint::spin_loop();
        }
        drop(t);
        // If the alarm thread popped the entry first, it holds the clone until its
        // `wake` (outside the queue's lock) returns: give it a bounded moment.
        let s = std::time::Instant::now();
        while Arc::strong_count(&w) > 1 && s.elapsed() < std::time::Duration::from_secs(2) {
            std::thread::yield_now();
        }
        assert_eq!(Arc::strong_count(&w), 1, "round {round}: waker clone kept");
        assert!(w.wakes.load(Ordering::SeqCst) <= 1);
    }
}
