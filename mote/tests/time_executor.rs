//! Timers inside Mote tasks on the std executor, on simulated time: the executor's
//! integrated timer queue and its single alarm.
//! `cargo test -p mote --features std,time --test time_executor`.
#![cfg(all(feature = "std", feature = "time"))]

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

use mote::executor::Executor;
use mote::time::drivers::sim::SimDriver;
use mote::time::{with_timeout, Duration, Instant, Ticker, TimeoutError, Timer};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

fn executor() -> &'static Executor {
    Box::leak(Box::new(Executor::new()))
}

const SLEEPERS: usize = if cfg!(miri) { 40 } else { 2000 };
static DONE_SLEEPERS: AtomicUsize = AtomicUsize::new(0);
static SLEEP_POLLS: AtomicU32 = AtomicU32::new(0);
static SLEEP_LOG: Mutex<Vec<(u64, Instant)>> = Mutex::new(Vec::new());

/// Counts its polls around a timer.
struct Counted(Timer);
impl std::future::Future for Counted {
    type Output = ();
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        SLEEP_POLLS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: structural pinning: the timer is never moved out of `Counted`.
        unsafe { self.map_unchecked_mut(|c| &mut c.0) }.poll(cx)
    }
}

#[mote::task(pool_size = 2000)]
async fn sleeper(ticks: u64) {
    Counted(Timer::after(Duration::from_ticks(ticks))).await;
    SLEEP_LOG.lock().unwrap().push((ticks, Instant::now()));
    DONE_SLEEPERS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn thousands_of_sleeping_tasks_wake_in_order_each_polled_twice() {
    let mut x: u64 = 12345;
    let deadlines: Vec<u64> = (0..SLEEPERS)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            1 + (x >> 33) % 1_000_000
        })
        .collect();
    executor().run_until(
        |spawner| {
            for &d in &deadlines {
                spawner.must_spawn(sleeper(d));
            }
        },
        || DONE_SLEEPERS.load(Ordering::SeqCst) == SLEEPERS,
    );
    let log = SLEEP_LOG.lock().unwrap();
    for (ticks, at) in log.iter() {
        assert_eq!(at.as_ticks(), *ticks, "woke at the wrong time");
    }
    assert!(log.windows(2).all(|w| w[0].1 <= w[1].1), "out of order");
    // Integrated queue: one poll to register, one when due. (Through a bounded
    // fallback queue most would have been woken early, again and again.)
    assert_eq!(SLEEP_POLLS.load(Ordering::SeqCst), 2 * SLEEPERS as u32);
}

static TICKS: Mutex<Vec<Instant>> = Mutex::new(Vec::new());
static TICKER_DONE: AtomicUsize = AtomicUsize::new(0);

#[mote::task]
async fn ticking(period: Duration) {
    let mut ticker = Ticker::every(period);
    for _ in 0..50 {
        ticker.next().await;
        TICKS.lock().unwrap().push(Instant::now());
        Timer::after(period * 7 / 10).await; // work for 0.7 periods
    }
    TICKER_DONE.store(1, Ordering::SeqCst);
}

#[test]
fn ticker_grid_holds_in_a_task_working_seven_tenths_of_a_period() {
    let period = Duration::from_millis(10);
    let start = Instant::now();
    executor().run_until(
        |spawner| spawner.must_spawn(ticking(period)),
        || TICKER_DONE.load(Ordering::SeqCst) == 1,
    );
    let want: Vec<Instant> = (1..=50).map(|k| start + period * k).collect();
    assert_eq!(*TICKS.lock().unwrap(), want);
}

static DROPS: AtomicUsize = AtomicUsize::new(0);
/// (result, completion time, drops seen right after the timeout completed)
type TimeoutOutcome = (Result<(), TimeoutError>, Instant, usize);
static TIMEOUT_RESULT: Mutex<Option<TimeoutOutcome>> = Mutex::new(None);

struct DropCount(Timer);
impl Drop for DropCount {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}
impl std::future::Future for DropCount {
    type Output = ();
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        // SAFETY: structural pinning: the timer is never moved out of `DropCount`, and
        // its `Drop` does not move it.
        unsafe { self.map_unchecked_mut(|c| &mut c.0) }.poll(cx)
    }
}

#[mote::task]
async fn timing_out() {
    let r = with_timeout(Duration::from_millis(10), DropCount(Timer::after_secs(60))).await;
    let drops = DROPS.load(Ordering::SeqCst);
    *TIMEOUT_RESULT.lock().unwrap() = Some((r, Instant::now(), drops));
}

#[test]
fn timeout_in_a_task_fires_and_drops_the_inner_future() {
    let start = Instant::now();
    executor().run_until(
        |spawner| spawner.must_spawn(timing_out()),
        || TIMEOUT_RESULT.lock().unwrap().is_some(),
    );
    let (r, at, drops) = TIMEOUT_RESULT.lock().unwrap().take().unwrap();
    assert_eq!(r, Err(TimeoutError));
    assert_eq!(at, start + Duration::from_millis(10));
    assert_eq!(
        drops, 1,
        "the timed-out future must be dropped when the timeout completes"
    );
}

static OTHER_POLLS: AtomicUsize = AtomicUsize::new(0);
static ZERO_DONE: AtomicUsize = AtomicUsize::new(0);
static GAPS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Awaits 1000 timers that are due on their first poll, noting after each how often the
/// other task ran meanwhile.
#[mote::task]
async fn zero_timers() {
    for _ in 0..1000 {
        let before = OTHER_POLLS.load(Ordering::SeqCst);
        Timer::after_ticks(0).await;
        GAPS.lock()
            .unwrap()
            .push(OTHER_POLLS.load(Ordering::SeqCst) - before);
    }
    ZERO_DONE.fetch_add(1, Ordering::SeqCst);
}

/// Counts its polls until `zero_timers` is done, yielding after each.
#[mote::task]
async fn counting_other() {
    while ZERO_DONE.load(Ordering::SeqCst) == 0 {
        OTHER_POLLS.fetch_add(1, Ordering::SeqCst);
        mote::futures::yield_now().await;
    }
    ZERO_DONE.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_due_timer_yields_once_so_another_task_runs_in_between() {
    executor().run_until(
        |spawner| {
            spawner.must_spawn(zero_timers());
            spawner.must_spawn(counting_other());
        },
        || ZERO_DONE.load(Ordering::SeqCst) == 2,
    );
    let gaps = GAPS.lock().unwrap();
    assert_eq!(gaps.len(), 1000);
    // FIFO batches: each yield puts the timer's task behind the other one, which runs
    // exactly once before the timer's second poll completes it.
    assert!(
        gaps.iter().all(|&g| g == 1),
        "the other task ran {} times in all, gaps {:?}",
        OTHER_POLLS.load(Ordering::SeqCst),
        &gaps[..10]
    );
    // And no time passed: the yields armed no alarm and waited for nothing.
    assert_eq!(Instant::now(), Instant::MIN);
}

static PAST_OTHER_POLLS: AtomicUsize = AtomicUsize::new(0);
static PAST_DONE: AtomicUsize = AtomicUsize::new(0);
static PAST_GAPS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Awaits 100 timers whose deadline has passed before their first poll (which then
/// registers them without reading the clock), noting how often the other task ran
/// before each completed.
#[mote::task]
async fn past_timers() {
    for _ in 0..100 {
        let before = PAST_OTHER_POLLS.load(Ordering::SeqCst);
        Timer::at(Instant::MIN).await;
        PAST_GAPS
            .lock()
            .unwrap()
            .push(PAST_OTHER_POLLS.load(Ordering::SeqCst) - before);
    }
    PAST_DONE.fetch_add(1, Ordering::SeqCst);
}

#[mote::task]
async fn past_counting_other() {
    while PAST_DONE.load(Ordering::SeqCst) == 0 {
        PAST_OTHER_POLLS.fetch_add(1, Ordering::SeqCst);
        mote::futures::yield_now().await;
    }
    PAST_DONE.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_timer_already_past_on_its_first_poll_yields_and_is_woken_by_the_queue() {
    executor().run_until(
        |spawner| {
            spawner.must_spawn(past_timers());
            spawner.must_spawn(past_counting_other());
        },
        || PAST_DONE.load(Ordering::SeqCst) == 2,
    );
    let gaps = PAST_GAPS.lock().unwrap();
    assert_eq!(gaps.len(), 100);
    // The first poll registered the passed deadline; the executor found it due when
    // arming after that batch (no waiting) and woke the task behind the other one, which
    // ran once in between; twice for the first timer, whose batch held the other task's
    // first poll after the timer's (a due timer woken by the queue, not by its own poll,
    // queues its task after the batch, as Embassy's does).
    assert_eq!(gaps[0], 2);
    assert!(
        gaps[1..].iter().all(|&g| g == 1),
        "the other task ran {} times in all, gaps {:?}",
        PAST_OTHER_POLLS.load(Ordering::SeqCst),
        &gaps[..10]
    );
    assert_eq!(Instant::now(), Instant::MIN);
}
