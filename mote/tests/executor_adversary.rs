//! Adversarial tests of the executor's guarantees (issue "soundness and lost wakes"):
//! stale wakers and timers, panicking tasks, spawners in the wrong context.
//!
//! Each test drives `RawExecutor`s by hand on simulated time, so every step is exact.
#![cfg(all(feature = "std", feature = "time"))]

mod executor_support;
use executor_support::{drain, leak_executor};
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use mote::executor::raw::RawExecutor;
use mote::time::drivers::sim::{self, SimDriver};
use mote::time::{Duration, Instant, Timer};
use mote::{SendSpawner, Spawner};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

/// The waker of the current task, for the test to keep after the task is gone.
async fn own_waker() -> Waker {
    poll_fn(|cx| Poll::Ready(cx.waker().clone())).await
}

// ---------------------------------------------------------------------------------------
// Item 5: a stale task waker must not queue a timer node where it does not belong.

static STALE: Mutex<Option<Waker>> = Mutex::new(None);
static WOKE_AT: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

/// One slot, used twice: first it finishes at once leaving its waker behind, then it is
/// spawned again on another executor and sleeps.
#[mote::task]
async fn reused(sleep: Option<u64>, name: &'static str) {
    match sleep {
        None => *STALE.lock().unwrap() = Some(own_waker().await),
        Some(ticks) => {
            Timer::after(Duration::from_ticks(ticks)).await;
            WOKE_AT
                .lock()
                .unwrap()
                .push((name, Instant::now().as_ticks()));
        }
    }
}

#[mote::task(pool_size = 2)]
async fn sleeper(ticks: u64, name: &'static str) {
    Timer::after(Duration::from_ticks(ticks)).await;
    WOKE_AT
        .lock()
        .unwrap()
        .push((name, Instant::now().as_ticks()));
}

/// Polls a timer once with `waker` (the adversary's move) and drops it.
fn poll_timer_with(waker: &Waker, ticks: u64) {
    let mut timer = pin!(Timer::after(Duration::from_ticks(ticks)));
    assert!(timer
        .as_mut()
        .poll(&mut Context::from_waker(waker))
        .is_pending());
}

/// Advances simulated time to `until` one tick at a time, polling both executors at every
/// tick, so each wake is seen at the exact tick it happens.
fn run_until(execs: &[&'static RawExecutor], until: u64) {
    while Instant::now().as_ticks() < until {
        sim::advance(Duration::from_ticks(1));
        for &e in execs {
            drain(e);
        }
    }
}

#[test]
fn stale_waker_timer_poll_then_respawn_elsewhere_loses_no_timer() {
    let (e1, e2) = (leak_executor(), leak_executor());
    // A task on E1 finishes at once; the test keeps its waker.
    e1.spawner().spawn(reused(None, "first")).unwrap();
    drain(e1);
    let stale = STALE.lock().unwrap().take().expect("the task ran");
    // The adversary polls a timer with the finished task's waker (its slot is free).
    poll_timer_with(&stale, 100);
    // The slot is spawned again, on E2, where it sleeps 300 ticks beside another task;
    // E1 has a sleeper of its own.
    e2.spawner().spawn(reused(Some(300), "respawned")).unwrap();
    e2.spawner().spawn(sleeper(200, "other on e2")).unwrap();
    e1.spawner().spawn(sleeper(150, "other on e1")).unwrap();
    drain(e1);
    drain(e2);
    // And once more with the stale waker, now that the slot is live on E2: at most a
    // spurious wake of the new occupant (which sleeps on).
    poll_timer_with(&stale, 50);
    run_until(&[e1, e2], 400);
    let mut log = WOKE_AT.lock().unwrap().clone();
    log.sort_by_key(|&(_, at)| at);
    assert_eq!(
        log,
        [
            ("other on e1", 150),
            ("other on e2", 200),
            ("respawned", 300)
        ],
        "every timer fires exactly on time, none is lost"
    );
}

// ---------------------------------------------------------------------------------------
// Item 8: a panicking task, caught by the caller, leaves the executor consistent.

static RAN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
static DROPPED: AtomicUsize = AtomicUsize::new(0);
static PANICKER_WAKER: Mutex<Option<Waker>> = Mutex::new(None);

struct CountDrop;
impl Drop for CountDrop {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

#[mote::task]
async fn panicker() {
    let _guard = CountDrop;
    *PANICKER_WAKER.lock().unwrap() = Some(own_waker().await);
    // Register a timer first, so the test can check the node leaves the queue; then
    // yield (queued again behind nothing) and panic on the next poll.
    let mut timer = pin!(Timer::after(Duration::from_ticks(10)));
    poll_fn(|cx| {
        let _ = timer.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
    mote::futures::yield_now().await;
    panic!("task panics on purpose");
}

#[mote::task(pool_size = 2)]
async fn bystander(name: &'static str) {
    RAN.lock().unwrap().push(name);
}

#[test]
fn panicking_task_is_finished_and_its_batch_survives() {
    let exec = leak_executor();
    let s = exec.spawner();
    s.spawn(panicker()).unwrap();
    // SAFETY: this test is the only poller of exec.
    assert_eq!(unsafe { exec.poll() }, 1); // registers its timer, yields
                                           // One batch: the panicker (woken by `pending_once`) then two bystanders.
    s.spawn(bystander("a")).unwrap();
    s.spawn(bystander("b")).unwrap();
    // SAFETY: this test is the only poller of exec.
    let caught = catch_unwind(AssertUnwindSafe(|| unsafe { exec.poll() }));
    assert!(caught.is_err(), "the panic reaches the caller of poll");
    assert_eq!(DROPPED.load(Ordering::SeqCst), 1, "its future was dropped");
    assert!(
        RAN.lock().unwrap().is_empty(),
        "the rest of the batch waits"
    );
    // The next poll runs the rest of the batch.
    // SAFETY: as above.
    assert_eq!(unsafe { exec.poll() }, 2);
    assert_eq!(*RAN.lock().unwrap(), ["a", "b"]);
    // The panicked task is finished: a wake does nothing, its slot is free again, and
    // its timer left the queue (nothing fires at tick 10).
    PANICKER_WAKER.lock().unwrap().take().unwrap().wake();
    // SAFETY: as above.
    assert_eq!(unsafe { exec.poll() }, 0, "a finished task is not polled");
    let again = panicker();
    assert!(again.reserved().is_ok(), "the slot was freed");
    drop(again);
    sim::advance(Duration::from_ticks(20));
    // SAFETY: as above.
    assert_eq!(unsafe { exec.poll() }, 0, "no timer of the dead task fires");
}

// ---------------------------------------------------------------------------------------
// Item 1: a `Spawner` cannot be obtained in another context.

static LEAKED_WAKER: Mutex<Option<Waker>> = Mutex::new(None);
static KEEP_ALIVE: AtomicBool = AtomicBool::new(true);

#[mote::task]
async fn lends_its_waker() {
    *LEAKED_WAKER.lock().unwrap() = Some(own_waker().await);
    // Stay alive (spawned) while the other thread tries.
    poll_fn(|_| {
        if KEEP_ALIVE.load(Ordering::SeqCst) {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}

#[test]
fn for_current_executor_refuses_another_thread() {
    let exec = leak_executor();
    exec.spawner().spawn(lends_its_waker()).unwrap();
    drain(exec);
    let waker = LEAKED_WAKER.lock().unwrap().take().unwrap();
    let on_other_thread = std::thread::spawn(move || {
        let mut cx = Context::from_waker(&waker);
        let spawner = catch_unwind(AssertUnwindSafe(|| {
            pin!(Spawner::for_current_executor())
                .as_mut()
                .poll(&mut cx)
                .map(|_| ())
        }));
        // The Send variant is fine anywhere: it spawns Send futures only.
        let send: Poll<SendSpawner> = pin!(SendSpawner::for_current_executor())
            .as_mut()
            .poll(&mut cx);
        (spawner.is_err(), send.is_ready())
    })
    .join()
    .unwrap();
    assert_eq!(
        on_other_thread,
        (true, true),
        "a Spawner is refused on another thread; a SendSpawner is given"
    );
    KEEP_ALIVE.store(false, Ordering::SeqCst);
}

static CHILD_RAN: AtomicU32 = AtomicU32::new(0);

#[mote::task]
async fn child() {
    CHILD_RAN.fetch_add(1, Ordering::SeqCst);
}

#[mote::task]
async fn parent_on_own_executor() {
    Spawner::for_current_executor()
        .await
        .spawn(child())
        .unwrap();
}

#[test]
fn for_current_executor_works_on_its_own_executor() {
    let exec = leak_executor();
    exec.spawner().spawn(parent_on_own_executor()).unwrap();
    drain(exec);
    assert_eq!(CHILD_RAN.load(Ordering::SeqCst), 1);
}
