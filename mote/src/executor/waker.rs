//! Task wakers: a `core::task::Waker` whose data pointer is the task header.
//!
//! Guarantees:
//! - Waking is callable from any context (any interrupt priority, any thread): it is one
//!   state transition ([`State::wake`](super::state::State::wake)) and, only if that
//!   queued the task, one lock-free run-queue push and a pend of the executor.
//! - Clone and drop are free: headers are `'static`, wakers hold no reference count.
//! - **Stale wakers.** A waker outlives its task (a driver may keep it). A waker of a
//!   finished task does nothing; one of a slot re-spawned since causes at most a spurious
//!   poll of the new task, which futures must tolerate anyway. The same holds for timers
//!   polled with a stale waker: the node is queued only on the executor of the slot's
//!   live task, checked in the critical section that queues it (`raw::schedule_wake`),
//!   so a stale waker never queues a node twice, never on a dead task's executor, and
//!   never makes another task's timer late or lost (`tests/executor_adversary.rs`).

use core::ptr;
use core::task::{RawWaker, RawWakerVTable, Waker};

use super::header::TaskRef;
use super::raw::RawExecutor;
use super::run_queue::wake_and_push;

// A `static` (not a `const`) so that its address is unique: `task_from_waker` recognises
// Mote wakers by comparing vtable addresses.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

unsafe fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: Mote wakers are only made by `waker_for` from a valid TaskRef.
    wake_task(unsafe { TaskRef::from_ptr(data.cast()) });
}

unsafe fn drop(_: *const ()) {}

/// The waker of a task.
#[inline]
pub(crate) fn waker_for(task: TaskRef) -> Waker {
    // SAFETY: the vtable functions uphold the RawWaker contract: the data pointer is a
    // 'static header (Header Valid Invariant), valid for as long as any clone lives, and
    // waking is thread-safe (state CAS + lock-free push).
    unsafe { Waker::from_raw(RawWaker::new(task.as_ptr().cast(), &VTABLE)) }
}

/// The task behind `waker`, if it is a Mote task waker.
#[inline]
pub(crate) fn task_from_waker(waker: &Waker) -> Option<TaskRef> {
    if ptr::eq(waker.vtable(), &VTABLE) {
        // SAFETY: only `waker_for` builds wakers with this vtable, from valid TaskRefs.
        Some(unsafe { TaskRef::from_ptr(waker.data().cast()) })
    } else {
        None
    }
}

/// Wakes a task: queues it on its executor unless it is queued already or not alive.
#[inline]
pub(crate) fn wake_task(task: TaskRef) {
    wake_task_since(task, None)
}

/// [`wake_task`], for a wake that tracing dates from tick `since` (a timer's deadline)
/// instead of now; `since` is unused without the `trace` feature.
#[inline]
pub(crate) fn wake_task_since(task: TaskRef, since: Option<u64>) {
    wake_inner(task, since, true);
}

/// The wake that queues a freshly spawned task (feature `trace`): as [`wake_task`], but
/// not counted as a wake (`trace::task_trace::spawning` already recorded the spawn).
#[cfg(feature = "trace")]
pub(crate) fn wake_spawned(task: TaskRef) {
    wake_inner(task, None, false);
}

/// The wake path; `traced` (a constant at every call) says whether tracing counts it.
#[inline(always)]
fn wake_inner(task: TaskRef, since: Option<u64>, traced: bool) {
    #[cfg(not(feature = "trace"))]
    let _ = (since, traced);
    let mut executor: Option<&'static RawExecutor> = None;
    let queued = wake_and_push(task, |task| {
        #[cfg(feature = "trace")]
        if traced {
            crate::trace::task_trace::queued(task, since);
        }
        // SAFETY: called only once the task was seen SPAWNED (Acquire, or in the same
        // critical section as its publication's successor), so the executor pointer
        // written before the spawn is visible; executors are 'static.
        let e = unsafe { task.header().executor() };
        executor = Some(e);
        e.run_queue()
    });
    if let (Some(true), Some(e)) = (queued, executor) {
        e.pend();
    }
}
