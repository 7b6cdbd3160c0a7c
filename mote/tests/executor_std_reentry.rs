//! The std `Executor` cannot be run from inside one of its own tasks. `run_until` is safe
//! and may be called again and again on the executor's thread, and a task can hold the
//! executor (`&'static Executor` is a `'static` argument, and the task, `!Send` for it,
//! is spawned by that thread's own `Spawner`). A call from inside a task's poll would
//! poll the run queue again while a batch is being polled: the running task, if it had
//! woken itself, would be polled inside its own poll (its future resumed while running:
//! its values duplicated and dropped twice, its slot freed twice). Such a call panics
//! instead, before it polls anything.

#![cfg(feature = "std")]

use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;

use mote::executor::Executor;

static ENTERED: AtomicUsize = AtomicUsize::new(0);
static DROPS: AtomicUsize = AtomicUsize::new(0);
static REFUSED: AtomicBool = AtomicBool::new(false);
static FINISHED: AtomicBool = AtomicBool::new(false);

struct Counted;

impl Drop for Counted {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[mote::task]
async fn reenters(exec: &'static Executor, value: Counted) {
    if ENTERED.fetch_add(1, Ordering::Relaxed) == 0 {
        poll_fn(|cx| {
            // Queue this task again, then run its executor from inside its poll.
            cx.waker().wake_by_ref();
            let nested = catch_unwind(AssertUnwindSafe(|| exec.run_until(|_| {}, || true)));
            REFUSED.store(nested.is_err(), Ordering::Relaxed);
            Poll::Ready(())
        })
        .await;
    }
    drop(value);
    FINISHED.store(true, Ordering::Relaxed);
}

#[test]
fn run_until_from_inside_a_task_panics_and_polls_nothing() {
    let exec: &'static Executor = Box::leak(Box::new(Executor::new()));
    exec.run_until(
        |spawner| spawner.must_spawn(reenters(exec, Counted)),
        || FINISHED.load(Ordering::Relaxed),
    );
    assert!(
        REFUSED.load(Ordering::Relaxed),
        "the nested run was not refused"
    );
    // The task's body ran once, and its argument was dropped once.
    assert_eq!(ENTERED.load(Ordering::Relaxed), 1);
    assert_eq!(DROPS.load(Ordering::Relaxed), 1);
    // Not running any more: running it again (its stale wake) is allowed.
    exec.run_until(|_| {}, || true);
    assert_eq!(DROPS.load(Ordering::Relaxed), 1);
}
