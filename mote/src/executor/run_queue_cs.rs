//! Run queue for one core: a singly linked FIFO list with head and tail, so pushes append
//! and a batch is already in wake order. See [`run_queue`](super).
//!
//! Cost: push O(1), one critical section (on Cortex-M: save PRIMASK, mask, restore:
//! cheaper than a compare-and-swap loop with barriers); take_batch O(1), a load, a
//! branch and two stores, no critical section.
//!
//! **Atomic Push Premise** (the one of the Cortex-M backend, which is single-core; see
//! `state_cs.rs` for the same argument about task state): a push runs
//! inside a critical section, which masks this core's interrupts, and no other core
//! touches the queue. So, seen from the executor's context (the only one that takes), a
//! push happens wholly between two of its instructions, never interleaved with them.
//! Then the take needs no section of its own; it does, in this order:
//!
//! ```text
//!  (1) head = head.load()      empty (null): return an empty batch, touch nothing; a push
//!                              after (1) finds tail null, sets head and tail, pends
//!  (2) head.store(null)        a push between (1) and (3) finds tail non-null (the batch's
//!  (3) tail.store(null)        last task) and links behind it: the batch holds it (its
//!                              link is read when the batch reaches it), and the push
//!                              returns "was not empty" (no pend needed: it runs now)
//!      after (3)               a push finds tail null: a new list, and it pends
//! ```
//!
//! A push that sees tail null always sets head too, and (2) precedes (3), so outside a
//! take `head` is null exactly when `tail` is. Compiler fences keep (1), (2), (3) in
//! this order. The host test `take_with_a_push_at_every_point` pushes at each point.
//! On several cores (or with a critical section that leaves some interrupts unmasked)
//! the premise fails and so would this take: the atomic variant serves those.

use core::ptr;
use core::sync::atomic::compiler_fence;

use super::Batch;
use crate::executor::header::{TaskHeader, TaskRef};
use crate::loom::{AtomicPtr, Ordering};

/// FIFO list of woken tasks; pushes change `head`/`tail` inside critical sections, the
/// single consumer's take clears them (module docs).
pub(crate) struct RunQueue {
    head: AtomicPtr<TaskHeader>,
    /// The last queued task, null when empty. Atomic (relaxed loads and stores: plain
    /// word accesses) because the take clears it outside a critical section.
    tail: AtomicPtr<TaskHeader>,
}

impl RunQueue {
    /// An empty queue.
    pub(crate) const fn new() -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            tail: AtomicPtr::new(ptr::null_mut()),
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
        // SAFETY: the entry is ours (contract); the queued tasks' links are written only
        // by pushes (in critical sections) and read by the consumer, which a push never
        // interleaves with (Atomic Push Premise, module docs).
        unsafe {
            *task.header().run_next.get() = ptr::null();
            let tail = self.tail.load(Ordering::Relaxed);
            if tail.is_null() {
                self.head.store(task.as_ptr() as *mut _, Ordering::Relaxed);
            } else {
                *(*tail).run_next.get() = task.as_ptr();
            }
            self.tail.store(task.as_ptr() as *mut _, Ordering::Relaxed);
            tail.is_null()
        }
    }

    /// True if nothing is queued right now (a hint: another context may push at once).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }

    /// Detaches every queued task, oldest first, without a critical section (module docs:
    /// steps (1) to (3) under the Atomic Push Premise).
    ///
    /// # Safety
    /// Called only by the queue's executor (one consumer), which then owns the returned
    /// entries' links until it dequeues each task.
    #[inline]
    pub(crate) unsafe fn take_batch(&self) -> Batch {
        // SAFETY: forwarded contract.
        unsafe { self.take_batch_preempted(|_| {}) }
    }

    /// [`take_batch`](Self::take_batch), calling `preempt(k)` before step `k` (1 to 3, and
    /// 4 after the last): the host test pushes there, as an interrupt would. The calls
    /// compile to nothing for the real take.
    ///
    /// # Safety
    /// As for `take_batch`.
    #[inline(always)]
    unsafe fn take_batch_preempted(&self, mut preempt: impl FnMut(u8)) -> Batch {
        preempt(1);
        let head = self.head.load(Ordering::Relaxed);
        if !head.is_null() {
            // (2) and (3) stay after (1) and in this order (module docs).
            compiler_fence(Ordering::SeqCst);
            preempt(2);
            self.head.store(ptr::null_mut(), Ordering::Relaxed);
            compiler_fence(Ordering::SeqCst);
            preempt(3);
            self.tail.store(ptr::null_mut(), Ordering::Relaxed);
        }
        // The batch's links, written by pushes up to now, are read after the take.
        compiler_fence(Ordering::SeqCst);
        preempt(4);
        Batch { next: head }
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

    /// Every single-core interleaving of a take with pushes: for 0, 1 and 2 tasks queued
    /// before, one or two pushes (an interrupt, atomic under the Atomic Push Premise) at
    /// each point of the take. Nothing is lost or taken twice, order is kept, and a task
    /// left in the queue was pushed by a push that said "was empty" (so the executor was
    /// pended for it); the queue stays consistent for the next push and take.
    #[test]
    fn take_with_a_push_at_every_point() {
        for before in 0..3 {
            for point in 1..=4u8 {
                for during in 1..3 {
                    let q = RunQueue::new();
                    let t = leak_headers(before + during + 1);
                    for &task in &t[..before] {
                        // SAFETY: each task pushed once; this test owns all links.
                        unsafe { q.push(task) };
                    }
                    let mut pended_after = None;
                    let mut pushed = false;
                    let interrupt = |pended_after: &mut Option<usize>| {
                        for (i, &task) in t[before..before + during].iter().enumerate() {
                            // SAFETY: each task pushed once; this test owns all links.
                            if unsafe { q.push(task) } && pended_after.is_none() {
                                *pended_after = Some(before + i);
                            }
                        }
                    };
                    // SAFETY: single consumer.
                    let batch: Vec<_> = unsafe {
                        q.take_batch_preempted(|k| {
                            if k == point {
                                interrupt(&mut pended_after);
                                pushed = true;
                            }
                        })
                    }
                    .collect();
                    // An empty take has no points 2 and 3: the interrupt comes after it.
                    if !pushed {
                        interrupt(&mut pended_after);
                    }
                    // SAFETY: as above.
                    unsafe { q.push(t[before + during]) };
                    // SAFETY: single consumer.
                    let rest: Vec<_> = unsafe { q.take_batch() }.collect();
                    let mut all = batch.clone();
                    all.extend(&rest);
                    assert_eq!(all, t, "before {before}, point {point}, during {during}");
                    assert!(q.is_empty());
                    // What the take missed waits in the queue only behind a pend.
                    if rest.len() > 1 {
                        assert_eq!(pended_after, Some(t.len() - rest.len()), "{before} {point}");
                    }
                    if (before > 0 && point < 4) || point == 1 {
                        assert_eq!(
                            batch.len(),
                            before + during,
                            "a non-empty take keeps the pushes"
                        );
                    }
                }
            }
        }
    }
}
