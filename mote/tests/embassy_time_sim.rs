//! `embassy_time` inside Mote tasks on simulated time (feature `embassy-time-driver`):
//! embassy's `Timer`, `Ticker`, `with_timeout` and `Delay` use Mote's clock and each
//! task's timer node on its executor's queue, and fire at exactly their deadlines.
//! `cargo test -p mote --features std,time,embassy-time-driver --test embassy_time_sim`.
#![cfg(all(feature = "std", feature = "embassy-time-driver"))]

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

use embassy_time::{Duration as EDuration, Ticker as ETicker, Timer as ETimer};
use embedded_hal_async::delay::DelayNs;
use mote::executor::Executor;
use mote::futures::{select, Either};
use mote::time::drivers::sim::SimDriver;
use mote::time::{Duration, Instant, Timer};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

fn executor() -> &'static Executor {
    Box::leak(Box::new(Executor::new()))
}

fn now_ms() -> u64 {
    Instant::now().as_millis()
}

/// Well beyond the foreign-waker table (`FOREIGN_WAKERS`): if task wakers went there,
/// most tasks would be woken at once and polled again and again.
const SLEEPERS: usize = if cfg!(miri) { 30 } else { 500 };
static SLEEP_POLLS: AtomicU32 = AtomicU32::new(0);
static SLEEP_LOG: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

/// Counts its polls around an embassy timer.
struct Counted(ETimer);
impl std::future::Future for Counted {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        SLEEP_POLLS.fetch_add(1, Ordering::SeqCst);
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

#[mote::task(pool_size = 500)]
async fn sleeper(ticks: u64) {
    Counted(ETimer::after(EDuration::from_ticks(ticks))).await;
    SLEEP_LOG
        .lock()
        .unwrap()
        .push((ticks, Instant::now().as_ticks()));
}

#[test]
fn embassy_timers_in_many_tasks_use_the_task_nodes_and_wake_on_time_in_order() {
    let mut x: u64 = 777;
    let deadlines: Vec<u64> = (0..SLEEPERS)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            1 + (x >> 33) % 100_000
        })
        .collect();
    executor().run_until(
        |spawner| {
            for &d in &deadlines {
                spawner.must_spawn(sleeper(d));
            }
        },
        || SLEEP_LOG.lock().unwrap().len() == SLEEPERS,
    );
    let log = SLEEP_LOG.lock().unwrap();
    for (ticks, at) in log.iter() {
        assert_eq!(at, ticks, "woke at the wrong time");
    }
    assert!(log.windows(2).all(|w| w[0].1 <= w[1].1), "out of order");
    // One poll to register, one when due: the task node path (the foreign table would
    // have woken all but 8 at once).
    assert_eq!(SLEEP_POLLS.load(Ordering::SeqCst), 2 * SLEEPERS as u32);
}

static SEQ_LOG: Mutex<Vec<(&str, u64)>> = Mutex::new(Vec::new());
static SEQ_DONE: AtomicUsize = AtomicUsize::new(0);

#[mote::task(pool_size = 2)]
async fn seq(name: &'static str, steps: &'static [u64]) {
    for &ms in steps {
        ETimer::after_millis(ms).await;
        SEQ_LOG.lock().unwrap().push((name, now_ms()));
    }
    SEQ_DONE.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn timer_after_and_at_interleave_two_tasks_in_virtual_time() {
    let start = Instant::now();
    executor().run_until(
        |spawner| {
            spawner.must_spawn(seq("a", &[10, 10, 10]));
            spawner.must_spawn(seq("b", &[15, 1, 30]));
        },
        || SEQ_DONE.load(Ordering::SeqCst) == 2,
    );
    assert_eq!(start, Instant::MIN);
    let log = SEQ_LOG.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            ("a", 10),
            ("b", 15),
            ("b", 16),
            ("a", 20),
            ("a", 30),
            ("b", 46)
        ]
    );
}

static TICKS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

#[mote::task]
async fn ticking() {
    let mut ticker = ETicker::every(EDuration::from_millis(10));
    for i in 0..5 {
        if i == 2 {
            // Work that overruns a period: the next tick is late, later ones are back
            // on the grid (embassy's Ticker keeps its schedule).
            ETimer::after_millis(13).await;
        }
        ticker.next().await;
        TICKS.lock().unwrap().push(now_ms());
    }
}

#[test]
fn ticker_fires_on_its_period() {
    executor().run_until(
        |spawner| spawner.must_spawn(ticking()),
        || TICKS.lock().unwrap().len() == 5,
    );
    assert_eq!(*TICKS.lock().unwrap(), vec![10, 20, 33, 40, 50]);
}

static TIMEOUTS: Mutex<Vec<(bool, u64)>> = Mutex::new(Vec::new());

#[mote::task]
async fn timeouts() {
    let r = embassy_time::with_timeout(EDuration::from_millis(5), ETimer::after_millis(10)).await;
    TIMEOUTS.lock().unwrap().push((r.is_ok(), now_ms()));
    let r = embassy_time::with_timeout(EDuration::from_millis(10), async {
        ETimer::after_millis(3).await;
        7u8
    })
    .await;
    TIMEOUTS.lock().unwrap().push((r == Ok(7), now_ms()));
}

#[test]
fn with_timeout_times_out_or_returns_the_value() {
    executor().run_until(
        |spawner| spawner.must_spawn(timeouts()),
        || TIMEOUTS.lock().unwrap().len() == 2,
    );
    // Timed out at 5 ms; then the inner future won at 5 + 3 ms.
    assert_eq!(*TIMEOUTS.lock().unwrap(), vec![(false, 5), (true, 8)]);
}

static DELAYS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

#[mote::task]
async fn delaying() {
    let mut delay = embassy_time::Delay;
    delay.delay_ms(7).await;
    DELAYS.lock().unwrap().push(Instant::now().as_ticks());
    delay.delay_us(250).await;
    DELAYS.lock().unwrap().push(Instant::now().as_ticks());
}

#[test]
fn delay_ns_waits_in_virtual_time() {
    executor().run_until(
        |spawner| spawner.must_spawn(delaying()),
        || DELAYS.lock().unwrap().len() == 2,
    );
    let at = DELAYS.lock().unwrap().clone();
    let ms = Duration::from_millis(1).as_ticks();
    // At least the delay (Delay may add a tick of rounding, never less).
    assert!(at[0] >= 7 * ms && at[0] <= 7 * ms + 1, "{at:?}");
    let us250 = Duration::from_micros(250).as_ticks();
    assert!(
        at[1] - at[0] >= us250 && at[1] - at[0] <= us250 + 1,
        "{at:?}"
    );
}

static SELECTS: Mutex<Vec<(&str, u64)>> = Mutex::new(Vec::new());

#[mote::task]
async fn selecting() {
    let winner = match select(
        Timer::after(Duration::from_millis(20)),
        ETimer::after_millis(10),
    )
    .await
    {
        Either::First(()) => "mote",
        Either::Second(()) => "embassy",
    };
    SELECTS.lock().unwrap().push((winner, now_ms()));
    let winner = match select(
        Timer::after(Duration::from_millis(5)),
        ETimer::after_millis(15),
    )
    .await
    {
        Either::First(()) => "mote",
        Either::Second(()) => "embassy",
    };
    SELECTS.lock().unwrap().push((winner, now_ms()));
}

#[test]
fn a_mote_timer_and_an_embassy_timer_in_one_select() {
    executor().run_until(
        |spawner| spawner.must_spawn(selecting()),
        || SELECTS.lock().unwrap().len() == 2,
    );
    assert_eq!(
        *SELECTS.lock().unwrap(),
        vec![("embassy", 10), ("mote", 15)]
    );
}
