//! Mote's time on an embassy HAL's time driver (feature `time-driver-embassy`): a fake
//! `embassy_time_driver::Driver` built like embassy-nrf's RTC driver (virtual clock, one
//! alarm, embassy-time-queue-utils' **integrated** queue held in a `RefCell` inside a
//! critical section while it wakes) is the program's embassy driver, and
//! `mote::time::drivers::embassy::EmbassyDriver` is Mote's driver over it. Mote tasks'
//! timers, `embassy_time` timers in Mote tasks (per-task queue items) and Mote timers
//! polled with foreign wakers (the fallback queue, whose alarm re-arms from inside the
//! HAL's wake) all fire at their exact deadlines on the one clock.
//!
//! One test function: the fake clock is global, so scenarios run one after the other on
//! one executor. Virtual time moves only when the executor idles (like `drivers::sim`):
//! to the HAL's alarm, whose "interrupt" runs on the executor's thread. Idling with no
//! alarm armed and work outstanding is a lost wake: the test fails instead of hanging.
//!
//! `cargo test -p mote --features std,time-driver-embassy --test time_on_embassy`.
#![cfg(all(feature = "std", feature = "time-driver-embassy"))]

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};
use mote::executor::Executor;
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
use mote::time::drivers::embassy::{EmbassyDriver, ALARM_SLOTS};
use mote::time::{Duration, Instant, Ticker, Timer};

mod embassy_support;
use embassy_support::{advance_to_alarm, hal};

// ---- Mote's driver: EmbassyDriver, plus virtual time on idle for the test ----

static EMBASSY: EmbassyDriver = EmbassyDriver::new();
static IDLE_WITHOUT_ALARM: AtomicBool = AtomicBool::new(false);

struct TestDriver;

impl Driver for TestDriver {
    const FIXED_TICK_HZ: Option<u64> = EmbassyDriver::FIXED_TICK_HZ;
    fn now(&self) -> u64 {
        EMBASSY.now()
    }
    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        EMBASSY.allocate_alarm()
    }
    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        EMBASSY.set_alarm(alarm, at, callback)
    }
    fn idle(&self) -> bool {
        if EMBASSY.idle() {
            return true;
        }
        if advance_to_alarm() {
            return true;
        }
        // Nothing armed and the executor wants to sleep: a lost wake. Record it and let
        // the executor spin back to `done()`, which reports it.
        IDLE_WITHOUT_ALARM.store(true, Ordering::SeqCst);
        true
    }
}

mote::time_driver!(
    static DRIVER: TestDriver = TestDriver;
);

// ---- scenarios ----

static LOG: Mutex<Vec<(&'static str, u64, u64)>> = Mutex::new(Vec::new());
static FINISHED: AtomicU32 = AtomicU32::new(0);
static EMBASSY_POLLS: AtomicU32 = AtomicU32::new(0);

fn log(what: &'static str, deadline: u64) {
    LOG.lock()
        .unwrap()
        .push((what, deadline, Instant::now().as_ticks()));
}

#[mote::task(pool_size = 64)]
async fn mote_sleeper(ticks: u64) {
    Timer::at(Instant::from_ticks(ticks)).await;
    log("mote timer", ticks);
    FINISHED.fetch_add(1, Ordering::SeqCst);
}

/// Counts the polls of an embassy timer: 2 when the task's queue item is used (register,
/// then due); more would mean the spare item's polling.
struct Counted(embassy_time::Timer);
impl std::future::Future for Counted {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let polls = EMBASSY_POLLS.fetch_add(1, Ordering::SeqCst);
        // Virtual time moves only when the executor idles: a timer that polls instead of
        // sleeping would spin here for ever.
        assert!(
            polls < 10_000,
            "embassy timers are polling instead of sleeping"
        );
        Pin::new(&mut self.0).poll(cx)
    }
}

#[mote::task(pool_size = 64)]
async fn embassy_sleeper(ticks: u64) {
    Counted(embassy_time::Timer::at(embassy_time::Instant::from_ticks(
        ticks,
    )))
    .await;
    log("embassy timer", ticks);
    FINISHED.fetch_add(1, Ordering::SeqCst);
}

/// Mote timers polled with the wakers of a `FuturesUnordered` (not task wakers): the
/// fallback queue, whose alarm callback re-arms from inside the HAL's wake.
#[mote::task]
async fn foreign_sleepers(deadlines: Vec<u64>) {
    let mut set: FuturesUnordered<_> = deadlines
        .into_iter()
        .map(|d| async move {
            Timer::at(Instant::from_ticks(d)).await;
            log("fallback timer", d);
        })
        .collect();
    while set.next().await.is_some() {}
    FINISHED.fetch_add(1, Ordering::SeqCst);
}

#[mote::task]
async fn ticking(period: u64, n: u32) {
    let mut ticker = Ticker::every(Duration::from_ticks(period));
    let start = Instant::now().as_ticks();
    for i in 1..=n {
        ticker.next().await;
        log("ticker", start + period * u64::from(i));
    }
    FINISHED.fetch_add(1, Ordering::SeqCst);
}

fn pseudo_random(n: usize, seed: u64, from: u64, span: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            from + (x >> 33) % span
        })
        .collect()
}

fn run(executor: &'static Executor, init: impl FnOnce(mote::Spawner), expected_finishes: u32) {
    FINISHED.store(0, Ordering::SeqCst);
    LOG.lock().unwrap().clear();
    executor.run_until(init, || {
        FINISHED.load(Ordering::SeqCst) == expected_finishes
            || IDLE_WITHOUT_ALARM.load(Ordering::SeqCst)
    });
    assert!(
        !IDLE_WITHOUT_ALARM.load(Ordering::SeqCst),
        "the executor idled with no alarm armed and work outstanding: a lost wake"
    );
}

fn assert_on_time(what: &str) {
    let log = LOG.lock().unwrap();
    assert!(!log.is_empty(), "{what}: nothing ran");
    for (kind, deadline, at) in log.iter() {
        assert_eq!(
            at, deadline,
            "{what}: a {kind} for {deadline} fired at {at}"
        );
    }
    assert!(
        log.windows(2).all(|w| w[0].2 <= w[1].2),
        "{what}: out of order: {log:?}"
    );
}

#[test]
fn mote_time_runs_on_the_embassy_driver_with_one_clock() {
    // One clock: Mote's `Instant` is the HAL's counter.
    hal().now.store(12_345, Ordering::SeqCst);
    assert_eq!(Instant::now().as_ticks(), 12_345);
    assert_eq!(embassy_time::Instant::now().as_ticks(), 12_345);
    let executor: &'static Executor = Box::leak(Box::new(Executor::new()));

    // 1. Mote timers in 64 tasks: the executor's one alarm slot in the HAL's queue.
    let deadlines = pseudo_random(64, 7, 20_000, 50_000);
    let d = deadlines.clone();
    run(
        executor,
        |s| {
            for t in d {
                s.must_spawn(mote_sleeper(t));
            }
        },
        64,
    );
    assert_on_time("mote timers");
    assert_eq!(LOG.lock().unwrap().len(), 64);

    // 2. embassy_time timers in 64 Mote tasks: the HAL's integrated queue uses each
    //    task's own item (two polls each; the spare item would have polled endlessly).
    let base = Instant::now().as_ticks();
    let deadlines = pseudo_random(64, 11, base + 1, 50_000);
    let d = deadlines.clone();
    EMBASSY_POLLS.store(0, Ordering::SeqCst);
    run(
        executor,
        |s| {
            for t in d {
                s.must_spawn(embassy_sleeper(t));
            }
        },
        64,
    );
    assert_on_time("embassy timers");
    assert_eq!(EMBASSY_POLLS.load(Ordering::SeqCst), 2 * 64);

    // 3. Mote timers with foreign wakers, mixed with task timers: the fallback queue's
    //    slot, re-armed from its callback inside the HAL's wake (handed over later).
    let base = Instant::now().as_ticks();
    let foreign = pseudo_random(40, 13, base + 1, 30_000);
    let tasks = pseudo_random(20, 17, base + 1, 30_000);
    run(
        executor,
        |s| {
            s.must_spawn(foreign_sleepers(foreign));
            for t in tasks {
                s.must_spawn(mote_sleeper(t));
            }
        },
        21,
    );
    assert_on_time("fallback and task timers");
    assert_eq!(LOG.lock().unwrap().len(), 60);

    // 4. A Ticker and embassy timers interleaved on the same alarm.
    let base = Instant::now().as_ticks();
    run(
        executor,
        |s| {
            s.must_spawn(ticking(1_000, 10));
            s.must_spawn(embassy_sleeper(base + 2_500));
            s.must_spawn(embassy_sleeper(base + 7_001));
        },
        3,
    );
    assert_on_time("ticker and embassy timers");
    assert_eq!(LOG.lock().unwrap().len(), 12);

    // The driver offers ALARM_SLOTS slots: one executor and the fallback queue took two.
    let left = (0..).map_while(|_| EMBASSY.allocate_alarm()).count();
    assert_eq!(left, ALARM_SLOTS - 2);
}
