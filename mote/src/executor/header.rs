//! The task header: the part of every task's storage the executor works with, and
//! [`TaskRef`], the type-erased pointer to it.
//!
//! Layout (thumbv7m, `time` off): state 4 · run-queue link 4 · executor 4 · poll fn 4 = 16
//! bytes (asserted at compile time). With `time`, the timer-queue node is appended; with
//! `trace`, the task's name and statistics ([`trace`](crate::trace)).
//!
//! Who touches what:
//! - `state`: any context, atomically (see [`state`](super::state)).
//! - `run_next`: the context that owns the task's run-queue entry (the pusher until the
//!   push publishes it, then the executor after it takes the batch); while the slot is
//!   free it links the pool's free list, under the pool's critical section.
//! - `executor`: written once per spawn before the state publishes `SPAWNED` (Release),
//!   read after observing it (Acquire). It is an atomic pointer (plain loads and stores,
//!   `Relaxed`: no cost over a plain field on any target) so that a context holding a
//!   stale waker may read it while the slot is re-spawned without a data race; such a
//!   reader gets the old or the new executor and must check what it got (see
//!   `Spawner::for_current_executor` and `schedule_wake`).
//! - `poll`: written once per spawn before the state publishes `SPAWNED` (Release), read
//!   after observing it (Acquire).
//! - `timer` (feature `time`): only inside the executor's timer-queue critical section.
//! - `embassy_item` (feature `embassy-executor-timer-queue`): never by Mote; only by the
//!   embassy timer queue that asks for it, under that queue's lock
//!   ([`embassy_queue_item`](super::embassy_queue_item)).
//!
//! **Header Valid Invariant**: a `TaskRef` points to a header inside a `'static` task pool
//! (statically allocated, never moved or freed), so it may be dereferenced from any
//! context at any time; only the fields' own access rules above restrict what is read.
//! The one exception is a heap task (feature `alloc`, `heap_task.rs`): its header is
//! freed once its reference count drops to zero, so a `TaskRef` to it is only
//! dereferenced by a holder of one of its references (a waker, its run-queue entry, its
//! executor while it is spawned); such a `TaskRef` never enters the timer queue or the
//! trace registry.

use core::cell::UnsafeCell;
use core::ptr::NonNull;

use super::pool::PollFn;
use super::raw::RawExecutor;
use super::state::State;
use crate::loom::{AtomicPtr, Ordering};

/// The fixed part of each task's storage.
#[repr(C)]
pub(crate) struct TaskHeader {
    pub(crate) state: State,
    pub(crate) run_next: UnsafeCell<*const TaskHeader>,
    executor: AtomicPtr<RawExecutor>,
    pub(crate) poll: UnsafeCell<Option<PollFn>>,
    /// The task's timer node (feature `time`; zero bytes without): the executor's seam
    /// to `time` ([`timers`](super::timers)).
    pub(crate) timer: super::timers::TaskTimer,
    /// Name and statistics (feature `trace`; access rules in `trace/task_trace.rs`).
    #[cfg(feature = "trace")]
    pub(crate) trace: crate::trace::task_trace::TaskTrace,
    /// The `embassy-executor-timer-queue` item (feature `embassy-executor-timer-queue`;
    /// access rules in [`embassy_queue_item`](super::embassy_queue_item)).
    #[cfg(feature = "embassy-executor-timer-queue")]
    pub(crate) embassy_item: super::embassy_queue_item::TaskQueueItem,
}

// The header is paid per task: 16 bytes on 32-bit targets without `time` and `trace`
// (state, run-queue link, executor, poll function).
#[cfg(all(
    target_pointer_width = "32",
    not(feature = "time"),
    not(feature = "trace"),
    not(feature = "embassy-executor-timer-queue")
))]
const _: () = assert!(core::mem::size_of::<TaskHeader>() == 16);

impl TaskHeader {
    /// A free header, as found in zeroed storage. Used by tests; pools start zeroed.
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self {
            state: State::new(),
            run_next: UnsafeCell::new(core::ptr::null()),
            executor: AtomicPtr::new(core::ptr::null_mut()),
            poll: UnsafeCell::new(None),
            timer: super::timers::TaskTimer::new(),
            #[cfg(feature = "trace")]
            trace: crate::trace::task_trace::TaskTrace::new(),
            #[cfg(feature = "embassy-executor-timer-queue")]
            embassy_item: super::embassy_queue_item::TaskQueueItem::new(),
        }
    }
}

impl TaskHeader {
    /// Records the executor a claimed, not yet spawned task is about to be spawned on
    /// (published by the `SPAWNED` store that follows).
    #[inline]
    pub(crate) fn set_executor(&self, executor: &'static RawExecutor) {
        self.executor
            .store(core::ptr::from_ref(executor).cast_mut(), Ordering::Relaxed);
    }

    /// The executor this slot was last spawned on (null if never). Exact for whoever
    /// observed the task `SPAWNED` (Acquire) and keeps it from finishing; anyone else
    /// (a stale waker) may get an old value and must not trust it beyond what the caller
    /// checks.
    #[inline]
    pub(crate) fn executor_ptr(&self) -> *const RawExecutor {
        self.executor.load(Ordering::Relaxed).cast_const()
    }

    /// The executor of a spawned task.
    ///
    /// # Safety
    /// The caller observed the task spawned and it cannot finish meanwhile (it is being
    /// polled by the caller, or its `RUN_QUEUED` entry is owned by the caller, or the
    /// check and the use happen in one critical section with the task's finish), so the
    /// pointer is set, current, and points to a `'static` executor.
    #[inline]
    pub(crate) unsafe fn executor(&self) -> &'static RawExecutor {
        // SAFETY: per the contract the pointer was set by `set_executor` from a
        // `&'static RawExecutor`.
        unsafe { &*self.executor_ptr() }
    }
}

/// A type-erased, copyable pointer to a task header (Header Valid Invariant). Named by the
/// poll functions `#[mote::task]` generates; not a public API.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TaskRef(NonNull<TaskHeader>);

// SAFETY: a TaskRef is only a pointer to a 'static header whose fields are accessed under
// the rules in the module docs; sending the pointer to another context is what wakers do.
unsafe impl Send for TaskRef {}
// SAFETY: as above; sharing a copy of the pointer gives no access beyond those rules.
unsafe impl Sync for TaskRef {}

impl TaskRef {
    /// Wraps a header pointer.
    ///
    /// # Safety
    /// `ptr` satisfies the Header Valid Invariant.
    #[inline]
    pub(crate) unsafe fn from_ptr(ptr: *const TaskHeader) -> Self {
        // SAFETY: the caller promises a valid header, which is non-null.
        Self(unsafe { NonNull::new_unchecked(ptr as *mut TaskHeader) })
    }

    /// The header.
    #[inline]
    pub(crate) fn header(self) -> &'static TaskHeader {
        // SAFETY: Header Valid Invariant: the header lives in a 'static pool and all its
        // fields are interior-mutable, so a shared reference is always valid.
        unsafe { self.0.as_ref() }
    }

    #[inline]
    pub(crate) fn as_ptr(self) -> *const TaskHeader {
        self.0.as_ptr()
    }
}
