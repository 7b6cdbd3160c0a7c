//! Adversarial uses of the executor's timer seam (review12 of issue 11's `glue2` pass:
//! `wake_due` pushing woken tasks inside its critical section, the task's timer node, the
//! `Timer` whose deadline lives in its fallback entry): one `Timer` polled by its task,
//! then by a foreign waker, then by its task again; a `Timer` handed from a task of one
//! executor to a task of another; a task aborted while its node is queued, and while its
//! node is due, its slot then reused on another executor; a pinned, boxed `Timer`
//! leaked (`mem::forget`) by a task that then finishes, and (feature `alloc`) by a heap
//! task; a task woken by another thread while its executor pops its due timer. Each
//! asserts the poll order and the virtual tick of every completion.
//!
//! Run under Miri too: `cargo +nightly miri test -p mote --features std,time --test
//! time_seam_adversary` (and `--features std,time,alloc`, and `--features
//! std,time,trace` for the traced `wake_due` path; the cross-thread test with several
//! seeds: `MIRI_SEEDED_TESTS` in `xtask/src/host.rs`).
#![cfg(all(feature = "std", feature = "time"))]

mod time_support;

mod executor_support;
use executor_support::{drain, leak_executor};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use mote::executor::raw::{Pender, RawExecutor};
use mote::executor::JoinError;
use mote::time::drivers::sim::{self, SimDriver};
use mote::time::{Duration, Instant, Timer};
use time_support::count_waker;

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

/// Advances this thread's simulated clock one tick at a time up to `until`, draining
/// every executor after each tick.
fn run_until(until: u64, execs: &[&'static RawExecutor]) {
    while Instant::now().as_ticks() < until {
        sim::advance(Duration::from_ticks(1));
        for &e in execs {
            drain(e);
        }
    }
}

fn now() -> u64 {
    Instant::now().as_ticks()
}

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let w = Waker::from(count_waker());
    Pin::new(fut).poll(&mut Context::from_waker(&w))
}

// --- 1. Task waker, then a foreign waker, then the task again ---------------------------

static MIXED_LOG: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());
static MIXED_FOREIGN: Mutex<Option<Arc<time_support::CountWaker>>> = Mutex::new(None);

#[mote::task]
async fn mixed_wakers(at: u64) {
    let deadline = Instant::from_ticks(at);
    let mut t = Box::pin(Timer::at(deadline));
    // 1. The task's waker: the task's own node is queued, the entry stays unused.
    poll_fn(|cx| {
        assert!(t.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    // 2. A foreign waker: the entry is linked into the fallback queue (its slot becomes
    //    the queue node; the deadline is read back from the node).
    let foreign = count_waker();
    *MIXED_FOREIGN.lock().unwrap() = Some(foreign.clone());
    let fw = Waker::from(foreign);
    assert!(t.as_mut().poll(&mut Context::from_waker(&fw)).is_pending());
    assert_eq!(t.deadline(), deadline, "deadline while linked");
    // 3. The task again, to completion.
    MIXED_LOG.lock().unwrap().push(("awaiting", now()));
    t.as_mut().await;
    assert_eq!(
        t.deadline(),
        deadline,
        "deadline after the fallback popped it"
    );
    MIXED_LOG.lock().unwrap().push(("done", now()));
}

#[test]
fn a_timer_polled_by_its_task_then_a_foreign_waker_then_its_task_completes_on_time() {
    let exec = leak_executor();
    exec.spawner().spawn(mixed_wakers(30)).unwrap();
    drain(exec);
    assert_eq!(*MIXED_LOG.lock().unwrap(), [("awaiting", 0)]);
    run_until(29, &[exec]);
    assert_eq!(
        *MIXED_LOG.lock().unwrap(),
        [("awaiting", 0)],
        "not before the deadline (spurious wakes re-check the clock)"
    );
    let foreign = MIXED_FOREIGN.lock().unwrap().take().unwrap();
    assert_eq!(
        foreign.0.load(Ordering::SeqCst),
        0,
        "foreign waker woken early"
    );
    run_until(40, &[exec]);
    assert_eq!(*MIXED_LOG.lock().unwrap(), [("awaiting", 0), ("done", 30)]);
    assert_eq!(
        foreign.0.load(Ordering::SeqCst),
        1,
        "the fallback queue woke the foreign waker once, at the deadline"
    );
    assert_eq!(
        Arc::strong_count(&foreign),
        1,
        "the fallback queue released its waker clone"
    );
}

// --- 2. A Timer handed from a task of one executor to a task of another -----------------

type SharedTimer = Mutex<Option<Pin<Box<Timer>>>>;
static HANDED: SharedTimer = Mutex::new(None);
static HAND_LOG: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());
static HAND_OVER: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn first_holder(at: u64) {
    let mut t = Box::pin(Timer::at(Instant::from_ticks(at)));
    // Registers this task's node on the first executor, then hands the timer over and
    // waits for ever (polled again only by spurious wakes).
    poll_fn(|cx| {
        assert!(t.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    *HANDED.lock().unwrap() = Some(t);
    HAND_OVER.store(true, Ordering::SeqCst);
    poll_fn(|_| {
        HAND_LOG.lock().unwrap().push(("first polled", now()));
        Poll::<()>::Pending
    })
    .await;
}

#[mote::task]
async fn second_holder() {
    let mut t = HANDED.lock().unwrap().take().expect("handed over");
    t.as_mut().await;
    HAND_LOG.lock().unwrap().push(("second done", now()));
}

#[test]
fn a_timer_moved_to_a_task_of_another_executor_completes_there_on_time() {
    let (a, b) = (leak_executor(), leak_executor());
    a.spawner().spawn(first_holder(20)).unwrap();
    drain(a);
    assert!(HAND_OVER.load(Ordering::SeqCst));
    b.spawner().spawn(second_holder()).unwrap();
    drain(b);
    assert_eq!(*HAND_LOG.lock().unwrap(), [("first polled", 0)]);
    run_until(30, &[a, b]);
    // The first task's node, queued for tick 20 on the first executor, wakes it once
    // (spurious); the timer completes on the second executor at its deadline.
    let log = HAND_LOG.lock().unwrap().clone();
    assert!(log.contains(&("second done", 20)), "{log:?}");
    assert_eq!(
        log.iter().filter(|e| e.0 == "first polled").count(),
        2,
        "{log:?}"
    );
    assert!(log.iter().all(|e| e.1 == 0 || e.1 == 20), "{log:?}");
}

// --- 3. Abort while the node is queued, and while it is due; the slot reused -----------

static ABORT_LOG: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

#[mote::task]
async fn sleeper_once(at: u64) -> u64 {
    Timer::at(Instant::from_ticks(at)).await;
    ABORT_LOG.lock().unwrap().push((at, now()));
    now()
}

#[test]
fn a_task_aborted_with_its_timer_queued_or_due_leaves_no_node_behind() {
    let (a, b) = (leak_executor(), leak_executor());

    // Queued: aborted at tick 0 with its node queued for 50 on `a`.
    let h = a.spawner().spawn_with_handle(sleeper_once(50)).unwrap();
    drain(a);
    h.abort();
    assert_eq!(
        drain(a),
        1,
        "the abort's wake polls it once (drops the body)"
    );
    assert_eq!(poll_once(&mut { h }), Poll::Ready(Err(JoinError::Aborted)));
    drain(a); // the turn that frees the slot once the output was taken

    // The slot (pool of one) respawned on `b`, sleeping until 100: `a`'s old deadline
    // (50) pops nothing and wakes nothing.
    let h = b.spawner().spawn_with_handle(sleeper_once(100)).unwrap();
    drain(b);
    let mut polls_a = 0;
    while now() < 99 {
        sim::advance(Duration::from_ticks(1));
        polls_a += drain(a);
        assert_eq!(drain(b), 0, "woken before its deadline at tick {}", now());
    }
    assert_eq!(polls_a, 0, "the aborted task's node woke something on `a`");
    run_until(100, &[a, b]);
    assert_eq!(poll_once(&mut { h }), Poll::Ready(Ok(100)));
    drain(b);

    // Due: the slot respawned on `a` until 120; the alarm fires (tick 120, `a` not
    // polled yet: its node is due), then the abort comes before `a` pops it.
    let h = a.spawner().spawn_with_handle(sleeper_once(120)).unwrap();
    drain(a);
    sim::advance(Duration::from_ticks(20));
    assert_eq!(now(), 120);
    h.abort();
    assert_eq!(
        drain(a),
        1,
        "one poll: the due pop finds it queued by the abort"
    );
    assert_eq!(poll_once(&mut { h }), Poll::Ready(Err(JoinError::Aborted)));
    drain(a);
    assert_eq!(
        *ABORT_LOG.lock().unwrap(),
        [(100, 100)],
        "no aborted body ran on"
    );

    // The slot again, on `b`: sleeps on time, nothing stale in either queue.
    let h = b.spawner().spawn_with_handle(sleeper_once(130)).unwrap();
    drain(b);
    while now() < 129 {
        sim::advance(Duration::from_ticks(1));
        assert_eq!(drain(a) + drain(b), 0, "spurious poll at tick {}", now());
    }
    run_until(130, &[a, b]);
    assert_eq!(poll_once(&mut { h }), Poll::Ready(Ok(130)));
}

// --- 4. A boxed, pinned Timer leaked by a task that then finishes -----------------------

static LEAK_FOREIGN: Mutex<Option<Arc<time_support::CountWaker>>> = Mutex::new(None);
static LEAK_LOG: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

#[mote::task(pool_size = 2)]
async fn leaks_its_timers(at: u64, name: &'static str) {
    // Registered with the task's waker (the task's node), then with a foreign waker
    // (the entry, linked in the fallback queue), then leaked: never dropped, so the
    // fallback entry stays linked in memory that is never freed (the `Pin` guarantee
    // holds); the node is unlinked when the task finishes.
    let mut t = Box::pin(Timer::at(Instant::from_ticks(at)));
    poll_fn(|cx| {
        assert!(t.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    let foreign = count_waker();
    *LEAK_FOREIGN.lock().unwrap() = Some(foreign.clone());
    assert!(t
        .as_mut()
        .poll(&mut Context::from_waker(&Waker::from(foreign)))
        .is_pending());
    std::mem::forget(t);
    LEAK_LOG.lock().unwrap().push((name, now()));
}

#[mote::task]
async fn sleeps_until(at: u64) {
    Timer::at(Instant::from_ticks(at)).await;
    LEAK_LOG.lock().unwrap().push(("sleeper", now()));
}

#[test]
fn a_task_that_leaks_a_registered_timer_and_finishes_leaves_its_slot_clean() {
    let exec = leak_executor();
    exec.spawner()
        .spawn(leaks_its_timers(40, "leaker"))
        .unwrap();
    drain(exec);
    assert_eq!(*LEAK_LOG.lock().unwrap(), [("leaker", 0)]);
    let foreign = LEAK_FOREIGN.lock().unwrap().take().unwrap();
    // The finished task's slot sleeps again, with an earlier deadline, and a task of
    // another function with a later one.
    exec.spawner().spawn(leaks_its_timers(10, "again")).unwrap();
    exec.spawner().spawn(sleeps_until(25)).unwrap();
    drain(exec);
    let second = LEAK_FOREIGN.lock().unwrap().take().unwrap();
    let mut polls = 0;
    while now() < 60 {
        sim::advance(Duration::from_ticks(1));
        polls += drain(exec);
    }
    assert_eq!(
        *LEAK_LOG.lock().unwrap(),
        [("leaker", 0), ("again", 0), ("sleeper", 25)]
    );
    assert_eq!(polls, 1, "only the sleeper was polled (at 25)");
    // The leaked entries fired their foreign wakers at their deadlines.
    assert_eq!(foreign.0.load(Ordering::SeqCst), 1);
    assert_eq!(second.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        Arc::strong_count(&foreign),
        1,
        "the popped entry released its clone"
    );
}

#[cfg(feature = "alloc")]
#[test]
fn a_heap_task_that_leaks_a_registered_timer_and_finishes_is_freed_and_the_timer_fires() {
    static HEAP_LOG: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());
    let exec = leak_executor();
    let foreign = count_waker();
    let f = foreign.clone();
    // A heap task's waker is not a static task's: its timers use their fallback entry.
    exec.spawner()
        .spawn_boxed("leaker", async move {
            let mut t = Box::pin(Timer::at(Instant::from_ticks(15)));
            poll_fn(|cx| {
                assert!(t.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            // Another waker: the entry now holds the foreign waker instead of the task's.
            assert!(t
                .as_mut()
                .poll(&mut Context::from_waker(&Waker::from(f)))
                .is_pending());
            std::mem::forget(t);
            HEAP_LOG.lock().unwrap().push(("leaker", now()));
        })
        .unwrap();
    exec.spawner()
        .spawn_boxed("sleeper", async {
            Timer::at(Instant::from_ticks(10)).await;
            HEAP_LOG.lock().unwrap().push(("sleeper", now()));
        })
        .unwrap();
    drain(exec);
    run_until(30, &[exec]);
    assert_eq!(*HEAP_LOG.lock().unwrap(), [("leaker", 0), ("sleeper", 10)]);
    assert_eq!(
        foreign.0.load(Ordering::SeqCst),
        1,
        "the leaked entry fired once"
    );
    assert_eq!(Arc::strong_count(&foreign), 1);
}

// --- 5. Woken by another thread while its executor pops its due timer -------------------

static RACE_WAKER: Mutex<Option<Waker>> = Mutex::new(None);
static RACE_DONE: Mutex<Vec<u64>> = Mutex::new(Vec::new());

#[mote::task]
async fn race_target(rounds: u64) {
    *RACE_WAKER.lock().unwrap() = Some(poll_fn(|cx| Poll::Ready(cx.waker().clone())).await);
    for k in 1..=rounds {
        Timer::at(Instant::from_ticks(3 * k)).await;
        RACE_DONE.lock().unwrap().push(now());
    }
}

#[test]
fn another_thread_wakes_a_task_while_its_executor_pops_its_due_timer() {
    let exec = leak_executor();
    let rounds = if cfg!(miri) { 6 } else { 200 };
    exec.spawner().spawn(race_target(rounds)).unwrap();
    drain(exec);
    let waker = RACE_WAKER.lock().unwrap().take().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let waking = {
        let stop = stop.clone();
        let count = count.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                waker.wake_by_ref();
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::yield_now();
            }
        })
    };
    let mut max_batch = 0;
    while now() < 3 * rounds {
        // Each tick waits for a wake of the other thread, so the two interleave.
        let seen = count.load(Ordering::SeqCst);
        while count.load(Ordering::SeqCst) == seen {
            std::thread::yield_now();
        }
        sim::advance(Duration::from_ticks(1));
        // SAFETY: this thread is the only poller of `exec`.
        max_batch = max_batch.max(unsafe { exec.poll() });
        drain(exec);
    }
    stop.store(true, Ordering::SeqCst);
    waking.join().unwrap();
    assert_eq!(
        max_batch, 1,
        "one task: never two run-queue entries in a batch"
    );
    let done = RACE_DONE.lock().unwrap().clone();
    assert_eq!(
        done,
        (1..=rounds).map(|k| 3 * k).collect::<Vec<_>>(),
        "every timer completed exactly at its deadline, whatever the wakes"
    );
}

// --- 6. A registration in the executor's own context, but outside its poll --------------

static OUTSIDE_PENDS: AtomicUsize = AtomicUsize::new(0);
static OUTSIDE_WAKER: Mutex<Option<Waker>> = Mutex::new(None);
static OUTSIDE_LOG: Mutex<Vec<u64>> = Mutex::new(Vec::new());

unsafe extern "C" fn count_pend(_: *const ()) {
    OUTSIDE_PENDS.fetch_add(1, Ordering::SeqCst);
}

#[mote::task]
async fn sleeps_and_lends_its_waker(at: u64) {
    *OUTSIDE_WAKER.lock().unwrap() = Some(poll_fn(|cx| Poll::Ready(cx.waker().clone())).await);
    let mut t = Box::pin(Timer::at(Instant::from_ticks(at)));
    // Each poll logged with its tick.
    poll_fn(|cx| {
        OUTSIDE_LOG.lock().unwrap().push(now());
        t.as_mut().poll(cx)
    })
    .await;
}

#[test]
fn a_timer_registered_in_the_executors_context_between_polls_pends_it() {
    // A custom backend (`RawExecutor::poll` in a loop that sleeps until pended): the
    // thread that polls the executor registers a timer with one of its task's wakers
    // between two polls (a handler's work after an interrupt executor's batch is the
    // same). The executor re-arms only at its next poll, so the new, earlier deadline
    // must pend it; otherwise its loop sleeps through the deadline (the alarm stays armed
    // for the later one).
    // SAFETY: `count_pend` only increments an atomic: callable from any context.
    let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(unsafe {
        Pender::new(count_pend, std::ptr::null())
    })));
    exec.spawner()
        .spawn(sleeps_and_lends_its_waker(100))
        .unwrap();
    drain(exec);
    assert_eq!(sim::next_alarm(), Some(Instant::from_ticks(100)));
    let waker = OUTSIDE_WAKER.lock().unwrap().take().unwrap();
    let pends = OUTSIDE_PENDS.load(Ordering::SeqCst);
    // This thread is the executor's context (it polls it), and no poll is running.
    let mut t = Box::pin(Timer::at(Instant::from_ticks(10)));
    assert!(t
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    assert_eq!(
        OUTSIDE_PENDS.load(Ordering::SeqCst),
        pends + 1,
        "a registration outside the poll must pend the executor to re-arm"
    );
    // The loop, pended, polls: the alarm is re-armed for 10, and the task is woken then.
    drain(exec);
    assert_eq!(sim::next_alarm(), Some(Instant::from_ticks(10)));
    sim::advance(Duration::from_ticks(10));
    drain(exec);
    assert_eq!(*OUTSIDE_LOG.lock().unwrap(), [0, 10], "woken at 10");
    run_until(100, &[exec]);
    assert_eq!(*OUTSIDE_LOG.lock().unwrap(), [0, 10, 100]);
}
