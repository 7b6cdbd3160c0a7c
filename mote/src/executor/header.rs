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
//! - `executor`, `poll`: written once per spawn before the state publishes `SPAWNED`
//!   (Release), read after observing it (Acquire).
//! - `timer` (feature `time`): only inside the executor's timer-queue critical section.
//!
//! **Header Valid Invariant**: a `TaskRef` points to a header inside a `'static` task pool
//! (statically allocated, never moved or freed), so it may be dereferenced from any
//! context at any time; only the fields' own access rules above restrict what is read.

use core::cell::UnsafeCell;
use core::ptr::NonNull;

use super::pool::PollFn;
use super::raw::RawExecutor;
use super::state::State;

/// The fixed part of each task's storage.
#[repr(C)]
pub(crate) struct TaskHeader {
    pub(crate) state: State,
    pub(crate) run_next: UnsafeCell<*const TaskHeader>,
    pub(crate) executor: UnsafeCell<*const RawExecutor>,
    pub(crate) poll: UnsafeCell<Option<PollFn>>,
    #[cfg(feature = "time")]
    pub(crate) timer: crate::time::timer_queue::TimerNode,
    /// Name and statistics (feature `trace`; access rules in `trace/task_trace.rs`).
    #[cfg(feature = "trace")]
    pub(crate) trace: crate::trace::task_trace::TaskTrace,
}

// The header is paid per task: 16 bytes on 32-bit targets without `time` and `trace`
// (state, run-queue link, executor, poll function).
#[cfg(all(
    target_pointer_width = "32",
    not(feature = "time"),
    not(feature = "trace")
))]
const _: () = assert!(core::mem::size_of::<TaskHeader>() == 16);

impl TaskHeader {
    /// A free header, as found in zeroed storage. Used by tests; pools start zeroed.
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self {
            state: State::new(),
            run_next: UnsafeCell::new(core::ptr::null()),
            executor: UnsafeCell::new(core::ptr::null()),
            poll: UnsafeCell::new(None),
            #[cfg(feature = "time")]
            timer: crate::time::timer_queue::TimerNode::new(),
            #[cfg(feature = "trace")]
            trace: crate::trace::task_trace::TaskTrace::new(),
        }
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
