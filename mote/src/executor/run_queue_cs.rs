//! Run queue guarded by critical sections: a singly linked FIFO list with head and tail,
//! so pushes append and a batch is already in wake order. See [`run_queue`](super).
//!
//! Cost: push O(1), one critical section (on Cortex-M: save PRIMASK, mask, restore:
//! cheaper than a compare-and-swap loop with barriers); take_batch O(1), one critical
//! section. `head` is an atomic so that [`RunQueue::is_empty`] needs no critical section.

use core::cell::UnsafeCell;
use core::ptr;

use super::Batch;
use crate::executor::header::{TaskHeader, TaskRef};
use crate::loom::{AtomicPtr, Ordering};

/// FIFO list of woken tasks; `head`/`tail` are written only inside critical sections.
pub(crate) struct RunQueue {
    head: AtomicPtr<TaskHeader>,
    tail: UnsafeCell<*const TaskHeader>,
}

// SAFETY: `tail` and the links of queued tasks are only accessed inside critical sections
// (or by the single consumer after `take_batch` handed them over).
unsafe impl Sync for RunQueue {}

impl RunQueue {
    /// An empty queue.
    pub(crate) const fn new() -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            tail: UnsafeCell::new(ptr::null()),
        }
    }

    /// Appends a task. Returns `true` if the queue was empty before (the caller must then
    /// signal the executor).
    ///
    /// # Safety
    /// The caller owns `task`'s run-queue entry (it just set `RUN_QUEUED`).
    ///
    /// Wakes go through [`wake_and_push`]; this direct push queues a task being spawned
    /// (`RawExecutor::spawn`) and puts back a batch that a panicking task interrupted.
    pub(crate) unsafe fn push(&self, task: TaskRef) -> bool {
        // SAFETY: forwarded contract; the critical section is held.
        critical_section::with(|_| unsafe { self.push_in_cs(task) })
    }

    /// [`push`](Self::push) inside a critical section the caller holds.
    ///
    /// # Safety
    /// As for `push`, and the caller holds a critical section.
    #[inline]
    unsafe fn push_in_cs(&self, task: TaskRef) -> bool {
        // SAFETY: the entry is ours (contract) and `tail` plus the queued tasks' links are
        // guarded by the caller's critical section.
        unsafe {
            *task.header().run_next.get() = ptr::null();
            let tail = *self.tail.get();
            if tail.is_null() {
                self.head.store(task.as_ptr() as *mut _, Ordering::Relaxed);
            } else {
                *(*tail).run_next.get() = task.as_ptr();
            }
            *self.tail.get() = task.as_ptr();
            tail.is_null()
        }
    }

    /// True if nothing is queued right now (a hint: another context may push at once).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }

    /// Detaches every queued task, oldest first.
    ///
    /// No emptiness check before the critical section: executors call this when they have
    /// reason to expect work (the thread loop right after seeing a non-empty queue or
    /// waking up, an interrupt executor when its line was pended), so the check would
    /// mostly cost two instructions for nothing.
    ///
    /// # Safety
    /// Called only by the queue's executor (one consumer), which then owns the returned
    /// entries' links until it dequeues each task.
    #[inline]
    pub(crate) unsafe fn take_batch(&self) -> Batch {
        critical_section::with(|_| {
            // SAFETY: `tail` is guarded by this critical section.
            unsafe { *self.tail.get() = ptr::null() };
            let head = self.head.load(Ordering::Relaxed);
            self.head.store(ptr::null_mut(), Ordering::Relaxed);
            Batch { next: head }
        })
    }
}

/// Wakes `task`: marks it queued and appends it to the run queue of its executor
/// (`queue_of`), both in ONE critical section. Returns `None` if the task was not woken
/// (already queued, or not alive), else whether the queue was empty before.
#[inline]
pub(crate) fn wake_and_push<'a>(
    task: TaskRef,
    queue_of: impl FnOnce(TaskRef) -> &'a RunQueue,
) -> Option<bool> {
    critical_section::with(|_| {
        if !task.header().state.wake_in_cs() {
            return None;
        }
        // SAFETY: `wake_in_cs` set RUN_QUEUED: this context owns the entry; the critical
        // section is held.
        Some(unsafe { queue_of(task).push_in_cs(task) })
    })
}

/// [`wake_and_push`] onto `queue`, inside a critical section the caller holds (a due
/// timer's task, woken by its own executor in the critical section of the pop): no
/// section of its own. Returns `None` if the task was not woken, else whether the queue
/// was empty before.
#[cfg(all(feature = "time", not(feature = "trace")))]
#[cfg_attr(not(mote_cortex_m), allow(dead_code))]
#[inline]
pub(crate) fn wake_and_push_in_cs(
    _cs: critical_section::CriticalSection<'_>,
    task: TaskRef,
    queue: &RunQueue,
) -> Option<bool> {
    if !task.header().state.wake_in_cs() {
        return None;
    }
    // SAFETY: `wake_in_cs` set RUN_QUEUED: this context owns the entry; the caller holds
    // the critical section.
    Some(unsafe { queue.push_in_cs(task) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::header::TaskHeader;
    super::super::run_queue_tests!();
}
