//! Lock-free run queue: an intrusive Treiber stack (one compare-and-swap per push),
//! reversed into FIFO order when the executor takes a batch. See [`run_queue`](super).
//!
//! Cost: push O(1) and lock-free (critical sections on thumbv6m through
//! `portable-atomic`); take_batch O(batch), one reversal pass while the batch is hot.

use core::ptr;

use super::Batch;
use crate::executor::header::{TaskHeader, TaskRef};
use crate::loom::{const_fn_unless_loom, AtomicPtr, Ordering};

/// Intrusive Treiber stack of woken tasks.
pub(crate) struct RunQueue {
    head: AtomicPtr<TaskHeader>,
}

impl RunQueue {
    const_fn_unless_loom! {
        /// An empty queue.
        pub(crate) fn new() -> Self {
            Self {
                head: AtomicPtr::new(ptr::null_mut()),
            }
        }
    }

    /// Pushes a task. Returns `true` if the queue was empty before (the caller must then
    /// signal the executor; otherwise whoever made it non-empty already did).
    ///
    /// # Safety
    /// The caller owns `task`'s run-queue entry: it just set `RUN_QUEUED` (or spawned the
    /// task), so no other context reads or writes `task.run_next` until this push is
    /// taken by [`take_batch`](Self::take_batch).
    #[inline]
    pub(crate) unsafe fn push(&self, task: TaskRef) -> bool {
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: per the contract, this context owns `run_next` until the CAS below
            // publishes the entry (Release orders this write before it).
            unsafe { *task.header().run_next.get() = head };
            match self.head.compare_exchange_weak(
                head,
                task.as_ptr() as *mut TaskHeader,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return head.is_null(),
                Err(now) => head = now,
            }
        }
    }

    /// True if nothing is queued right now (a hint: another context may push at once).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Acquire).is_null()
    }

    /// Detaches every queued task and returns them oldest first.
    ///
    /// # Safety
    /// Called only by the queue's executor (one consumer), which then owns the returned
    /// entries' `run_next` links until it dequeues each task.
    #[inline]
    pub(crate) unsafe fn take_batch(&self) -> Batch {
        // Acquire pairs with the pushers' Release: their `run_next` writes are visible.
        let mut cur = self.head.swap(ptr::null_mut(), Ordering::Acquire) as *const TaskHeader;
        // Reverse the LIFO chain into FIFO order.
        let mut fifo: *const TaskHeader = ptr::null();
        while !cur.is_null() {
            // SAFETY: `cur` came from a push (Header Valid Invariant) and the batch's links
            // now belong to this single consumer.
            let next = unsafe { *(*cur).run_next.get() };
            // SAFETY: as above.
            unsafe { *(*cur).run_next.get() = fifo };
            fifo = cur;
            cur = next;
        }
        Batch { next: fifo }
    }
}

/// Wakes `task`: marks it queued (compare-and-swap on its state) and pushes it on the run
/// queue of its executor (`queue_of`). Returns `None` if the task was not woken (already
/// queued, or not alive), else whether the queue was empty before.
#[inline]
pub(crate) fn wake_and_push<'a>(
    task: TaskRef,
    queue_of: impl FnOnce(TaskRef) -> &'a RunQueue,
) -> Option<bool> {
    if !task.header().state.wake() {
        return None;
    }
    // SAFETY: `wake` set RUN_QUEUED: this context owns the new run-queue entry.
    Some(unsafe { queue_of(task).push(task) })
}

/// [`wake_and_push`] onto `queue`, called inside a critical section (the API of the
/// critical-section run queue; this one needs no section). Returns `None` if the task
/// was not woken, else whether the queue was empty before.
#[cfg(all(feature = "time", not(feature = "trace")))]
#[inline]
pub(crate) fn wake_and_push_in_cs(
    _cs: critical_section::CriticalSection<'_>,
    task: TaskRef,
    queue: &RunQueue,
) -> Option<bool> {
    wake_and_push(task, |_| queue)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::executor::header::TaskHeader;
    super::super::run_queue_tests!();
    super::super::run_queue_concurrent_tests!();
}

/// Model check of the cross-thread push against the consumer's batch take:
/// `RUSTFLAGS="--cfg loom" cargo test -p mote --lib --release loom`.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::executor::header::TaskHeader;
    use loom::sync::Arc;

    fn header() -> TaskRef {
        let h: &'static TaskHeader = Box::leak(Box::new(TaskHeader::new()));
        // SAFETY: leaked, so 'static and never moved.
        unsafe { TaskRef::from_ptr(h) }
    }

    #[test]
    fn loom_two_producers_one_consumer() {
        loom::model(|| {
            let q = Arc::new(RunQueue::new());
            let a = [header(), header()];
            let b = header();
            let qa = q.clone();
            let ta = loom::thread::spawn(move || {
                for t in a {
                    // SAFETY: each task pushed once, by this thread only.
                    unsafe { qa.push(t) };
                }
            });
            let qb = q.clone();
            let tb = loom::thread::spawn(move || {
                // SAFETY: as above.
                unsafe { qb.push(b) };
            });
            // Take concurrently with the pushes, then once more after them.
            // SAFETY: this thread is the only consumer.
            let mut seen: Vec<TaskRef> = unsafe { q.take_batch() }.collect();
            ta.join().unwrap();
            tb.join().unwrap();
            // SAFETY: as above.
            seen.extend(unsafe { q.take_batch() });
            assert_eq!(seen.len(), 3, "every push is taken exactly once");
            let pos = |t| seen.iter().position(|&s| s == t).unwrap();
            assert!(
                pos(a[0]) < pos(a[1]),
                "a producer's pushes keep their order"
            );
            assert!(seen.contains(&b));
        });
    }
}
