//! The fallback timer queue (timers polled with wakers that are not Mote task wakers) on
//! the simulated driver: it has no capacity, cancelled timers release their entry and
//! their waker when dropped, and a timer dropped on one thread while the alarm fires on
//! another stays sound (run under Miri too):
//! `cargo test -p mote --features std,time --test time_fallback`.
#![cfg(all(feature = "std", feature = "time"))]

mod time_support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Waker};

use futures_util::stream::{FuturesUnordered, StreamExt};
use mote::time::drivers::sim::{self, SimDriver};
use mote::time::{with_timeout, Duration, Instant, Ticker, TimeoutError, Timer};
use time_support::{block_on, count_waker, counted, register_each, CountWaker};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// More timers than any fixed fallback capacity this crate ever had (the simulated
/// driver's queue held 64 entries, the shared one 8).
const MANY: usize = if cfg!(miri) { 70 } else { 200 };

#[test]
fn many_timers_in_a_futures_unordered_are_polled_twice_each_and_fire_on_time() {
    // Each future of a `FuturesUnordered` is polled with a waker of its own, not the
    // outer one: every timer is a separate fallback registration.
    let polls = AtomicUsize::new(0);
    let limit = 2 * MANY + 1;
    let start = Instant::now();
    let fired: Vec<(u64, Instant)> = block_on(async {
        let mut set: FuturesUnordered<_> = (0..MANY as u64)
            .map(|i| {
                let polls = &polls;
                async move {
                    // Deadlines in a scrambled order, some equal.
                    let d = 1 + (i * 7919) % 97;
                    counted(Timer::after(ms(d)), polls, limit).await;
                    (d, Instant::now())
                }
            })
            .collect();
        let mut out = Vec::new();
        while let Some(x) = set.next().await {
            out.push(x);
        }
        out
    });
    assert_eq!(fired.len(), MANY);
    for &(d, at) in &fired {
        assert_eq!(at, start + ms(d), "a {d} ms timer fired at {at:?}");
    }
    // One poll to register, one when due.
    assert_eq!(polls.load(Ordering::SeqCst), 2 * MANY);
}

static TASK_POLLS: AtomicUsize = AtomicUsize::new(0);
static TASK_FIRED: std::sync::Mutex<Vec<(u64, Instant)>> = std::sync::Mutex::new(Vec::new());
static TASK_DONE: AtomicUsize = AtomicUsize::new(0);

#[mote::task]
async fn unordered_timers(n: u64) {
    let limit = 2 * n as usize + 1;
    let mut set: FuturesUnordered<_> = (0..n)
        .map(|i| async move {
            let d = 1 + (i * 7919) % 97;
            counted(Timer::after(ms(d)), &TASK_POLLS, limit).await;
            (d, Instant::now())
        })
        .collect();
    while let Some(x) = set.next().await {
        TASK_FIRED.lock().unwrap().push(x);
    }
    TASK_DONE.store(1, Ordering::SeqCst);
}

#[test]
fn many_foreign_waker_timers_inside_a_task_fire_on_time_without_busy_polling() {
    // Inside a Mote task, but every timer sees a `FuturesUnordered` waker: all go to the
    // fallback queue, and the executor (whose own timer queue stays empty) still lets
    // the simulated clock jump to the fallback alarm when it idles.
    let start = Instant::now();
    let executor: &'static mote::executor::Executor =
        Box::leak(Box::new(mote::executor::Executor::new()));
    executor.run_until(
        |s| s.must_spawn(unordered_timers(MANY as u64)),
        || TASK_DONE.load(Ordering::SeqCst) == 1,
    );
    let fired = TASK_FIRED.lock().unwrap();
    assert_eq!(fired.len(), MANY);
    for &(d, at) in fired.iter() {
        assert_eq!(at, start + ms(d), "a {d} ms timer fired at {at:?}");
    }
    assert_eq!(TASK_POLLS.load(Ordering::SeqCst), 2 * MANY);
}

#[test]
fn cancelled_timers_release_their_entries_and_wakers_at_once() {
    let start = Instant::now();
    let wakers: Vec<Arc<CountWaker>> = (0..MANY).map(|_| count_waker()).collect();
    {
        // One-hour timers, each registered with a waker of its own, then cancelled.
        let mut timers: Vec<Pin<Box<Timer>>> = (0..MANY)
            .map(|_| Box::pin(Timer::after_secs(3600)))
            .collect();
        register_each(&mut timers, &wakers);
        // Registered: each holds at most one clone besides ours.
        assert!(wakers.iter().all(|w| Arc::strong_count(w) <= 2));
    }
    for w in &wakers {
        assert_eq!(
            Arc::strong_count(w),
            1,
            "a dropped timer kept its waker clone"
        );
    }
    // A 20 ms foreign-waker timer is not disturbed by the cancelled ones: polled once to
    // register and once when due, at exactly 20 ms.
    let polls = AtomicUsize::new(0);
    block_on(counted(Timer::after(ms(20)), &polls, 3));
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    assert_eq!(Instant::now(), start + ms(20));
    // Nothing of the cancelled ones fires later either.
    sim::advance(Duration::from_secs(7200));
    assert!(wakers.iter().all(|w| w.0.load(Ordering::SeqCst) == 0));
}

#[test]
fn ticker_timeout_and_delay_work_with_many_foreign_wakers() {
    use embedded_hal_async::delay::DelayNs;
    let polls = AtomicUsize::new(0);
    // Per future, two polls (register, complete) for each of: 3 ticker ticks, a
    // timeout, a delay.
    let per = 2 * 3 + 2 + 2;
    let limit = per * MANY + 1;
    let start = Instant::now();
    let ends: Vec<Instant> = block_on(async {
        let mut set: FuturesUnordered<_> = (0..MANY as u64)
            .map(|i| {
                let polls = &polls;
                async move {
                    let period = ms(1 + i % 5);
                    let mut ticker = Ticker::every(period);
                    for _ in 0..3 {
                        counted(ticker.next(), polls, limit).await;
                    }
                    let t = Instant::now();
                    assert_eq!(t, start + period * 3);
                    let r = counted(
                        with_timeout(ms(2), std::future::pending::<()>()),
                        polls,
                        limit,
                    )
                    .await;
                    assert_eq!(r, Err(TimeoutError));
                    assert_eq!(Instant::now(), t + ms(2));
                    counted(mote::time::Delay.delay_ms(3), polls, limit).await;
                    Instant::now()
                }
            })
            .collect();
        let mut out = Vec::new();
        while let Some(x) = set.next().await {
            out.push(x);
        }
        out
    });
    assert_eq!(ends.len(), MANY);
    assert_eq!(polls.load(Ordering::SeqCst), per * MANY);
}

#[test]
fn timer_dropped_on_another_thread_while_the_alarm_fires() {
    // The owning thread (this one, whose simulated clock the queue belongs to) fires the
    // fallback alarm while another thread drops timers that are queued there: the drop
    // unlinks under the critical section, the alarm pops under it, and each waker clone
    // is released exactly once, by whichever side got the entry.
    let rounds = if cfg!(miri) { 6 } else { 200 };
    for round in 0..rounds {
        let waker_arcs: Vec<Arc<CountWaker>> = (0..4).map(|_| count_waker()).collect();
        let mut timers: Vec<Pin<Box<Timer>>> = Vec::new();
        for (k, w) in waker_arcs.iter().enumerate() {
            // Two are due within the advance below, two much later.
            let d = if k % 2 == 0 { 1 + round % 3 } else { 3_600_000 };
            let mut t = Box::pin(Timer::after(ms(d)));
            let waker = Waker::from(w.clone());
            assert!(t
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            timers.push(t);
        }
        let barrier = Arc::new(Barrier::new(2));
        let dropper = {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                drop(timers);
            })
        };
        barrier.wait();
        sim::advance(ms(5));
        dropper.join().unwrap();
        for w in &waker_arcs {
            assert_eq!(Arc::strong_count(w), 1, "a waker clone leaked");
            assert!(w.0.load(Ordering::SeqCst) <= 1, "woken twice");
        }
    }
    // The queue is still consistent: a new timer fires on time.
    let start = Instant::now();
    block_on(Timer::after(ms(3)));
    assert_eq!(Instant::now(), start + ms(3));
}

#[test]
fn a_timer_keeps_its_deadline_in_every_fallback_state() {
    // A `Timer` keeps its deadline in the storage of its queue node while it is not
    // queued; `deadline`, `Clone` and `==` must read the same value in every state.
    let start = Instant::now();
    let w = count_waker();
    let waker = Waker::from(w.clone());
    let mut cx = Context::from_waker(&waker);
    let mut near = Box::pin(Timer::after(ms(2)));
    let mut far = Box::pin(Timer::after(ms(40)));
    let expect = |t: &Timer, d: u64, state: &str| {
        assert_eq!(t.deadline(), start + ms(d), "{state}");
        assert!(
            t.clone() == *t && t.clone().deadline() == start + ms(d),
            "{state}"
        );
    };
    expect(&near, 2, "never polled");
    // Queued in the fallback queue (foreign waker): the deadline is in the node.
    assert!(near.as_mut().poll(&mut cx).is_pending());
    assert!(far.as_mut().poll(&mut cx).is_pending());
    expect(&near, 2, "queued");
    expect(&far, 40, "queued behind another");
    // Popped by the alarm (woken, not yet polled again): written back to the slot.
    sim::advance(ms(2));
    assert_eq!(w.0.load(Ordering::SeqCst), 1);
    expect(&near, 2, "popped");
    expect(&far, 40, "still queued after the root was popped");
    assert!(near.as_mut().poll(&mut cx).is_ready());
    expect(&near, 2, "completed");
    // Read on another thread while this thread's alarm pops it (the read and the pop
    // meet in critical sections).
    let mut racer = Box::pin(Timer::after(ms(5)));
    assert!(racer.as_mut().poll(&mut cx).is_pending());
    let barrier = Arc::new(Barrier::new(2));
    let reader = {
        let barrier = barrier.clone();
        let at = start + ms(7);
        std::thread::spawn(move || {
            barrier.wait();
            for _ in 0..if cfg!(miri) { 20 } else { 2_000 } {
                assert_eq!(racer.deadline(), at);
            }
            racer
        })
    };
    barrier.wait();
    sim::advance(ms(5));
    let racer = reader.join().unwrap();
    expect(&racer, 7, "popped while read elsewhere");
    assert_eq!(w.0.load(Ordering::SeqCst), 2);
    // Queued again on another thread's queue (the simulated driver keeps one per
    // thread): unlinked from this one (its deadline written back), linked there, and
    // fired there.
    let far = std::thread::scope(|s| {
        s.spawn(move || {
            let w2 = count_waker();
            let waker2 = Waker::from(w2.clone());
            assert!(far
                .as_mut()
                .poll(&mut Context::from_waker(&waker2))
                .is_pending());
            sim::advance(ms(41));
            assert_eq!(w2.0.load(Ordering::SeqCst), 1, "fired on the other queue");
            expect(&far, 40, "fired on another queue");
            far
        })
        .join()
        .unwrap()
    });
    expect(&far, 40, "moved to another queue, fired there");
    // Dropping it unlinks nothing (already popped there); this queue still works.
    drop(far);
    let t0 = Instant::now();
    block_on(Timer::after(ms(3)));
    assert_eq!(Instant::now(), t0 + ms(3));
}
