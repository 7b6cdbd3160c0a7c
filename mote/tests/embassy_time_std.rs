//! `embassy_time` timers polled with foreign wakers (not Mote task wakers) on the std
//! driver's real clock (feature `embassy-time-driver`): they go to the bridge's
//! fixed table of `FOREIGN_WAKERS` entries, whose alarm fires on the driver's helper
//! thread; more timers than the table holds all still complete, none early. Also runs
//! under Miri (the alarm thread races the registering one).
//! `cargo test -p mote --features std,time,embassy-time-driver --test embassy_time_std`.
#![cfg(all(feature = "std", feature = "embassy-time-driver"))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use embassy_time::{
    Duration as EDuration, Instant as EInstant, Ticker as ETicker, Timer as ETimer,
};
use futures_util::stream::{FuturesUnordered, StreamExt};
use mote::futures::block_on;
use mote::time::drivers::std::StdDriver;
use mote::time::embassy_driver::FOREIGN_WAKERS;
use mote::time::Instant;

mote::time_driver!(
    static DRIVER: StdDriver = StdDriver::new();
);

/// The foreign-waker table is one `static`, and a full table wakes new registrations at
/// once (documented): tests that use it run one at a time, or one that fills it would make
/// another's timer fire early.
static FOREIGN_TABLE: Mutex<()> = Mutex::new(());

fn foreign_table() -> MutexGuard<'static, ()> {
    FOREIGN_TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn embassy_and_mote_clocks_agree() {
    let a = Instant::now().as_ticks();
    let e = EInstant::now().as_ticks();
    let b = Instant::now().as_ticks();
    assert!(a <= e && e <= b, "{a} {e} {b}");
}

#[test]
fn a_timer_and_a_ticker_polled_by_block_on_complete_no_earlier_than_their_deadlines() {
    let _table = foreign_table();
    let start = EInstant::now();
    block_on(ETimer::after_millis(3));
    assert!(start.elapsed() >= EDuration::from_millis(3));

    let start = EInstant::now();
    let mut ticker = ETicker::every(EDuration::from_millis(2));
    for i in 1..=3u64 {
        block_on(ticker.next());
        assert!(start.elapsed() >= EDuration::from_millis(2 * i));
    }
}

/// Counts its polls.
struct Polls<'a, F> {
    inner: Pin<Box<F>>,
    polls: &'a AtomicUsize,
}
impl<F: Future> Future for Polls<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

#[test]
fn more_foreign_timers_than_the_table_holds_all_complete_none_early() {
    let _table = foreign_table();
    // Each future of a `FuturesUnordered` has a waker of its own: that many separate
    // foreign registrations.
    let n = 3 * FOREIGN_WAKERS;
    let polls = AtomicUsize::new(0);
    let start = EInstant::now();
    let done: Vec<(u64, EDuration)> = block_on(async {
        let mut set: FuturesUnordered<_> = (0..n as u64)
            .map(|i| {
                let d = 1 + (i * 7) % 11;
                Polls {
                    inner: Box::pin(async move {
                        ETimer::after_millis(d).await;
                        (d, start.elapsed())
                    }),
                    polls: &polls,
                }
            })
            .collect();
        let mut out = Vec::new();
        while let Some(v) = set.next().await {
            out.push(v);
        }
        out
    });
    assert_eq!(done.len(), n);
    for (d, elapsed) in &done {
        assert!(*elapsed >= EDuration::from_millis(*d), "{d} ms fired early");
    }
    // Every timer was polled at least once; how often the overflow re-polled depends on
    // real time (`embassy_time_foreign_sim` checks the overflow exactly).
    assert!(polls.load(Ordering::SeqCst) >= n);
}

/// A waker that counts its wakes.
struct CountWaker(AtomicUsize);
impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn the_same_foreign_waker_keeps_its_earliest_deadline() {
    let _table = foreign_table();
    let counter = Arc::new(CountWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let now = embassy_time_driver::now();
    let ms = EDuration::from_millis(1).as_ticks();
    // One waker, two deadlines: one table entry, woken once at the earlier one.
    embassy_time_driver::schedule_wake(now + 60_000 * ms, &waker);
    embassy_time_driver::schedule_wake(now + 2 * ms, &waker);
    let t0 = std::time::Instant::now();
    while counter.0.load(Ordering::SeqCst) == 0 {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(30),
            "never woken"
        );
        std::thread::yield_now();
    }
    assert!(embassy_time_driver::now() >= now + 2 * ms);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
}
