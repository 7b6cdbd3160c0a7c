//! The run queue: a lock-free multi-producer stack of task headers, drained by its
//! executor one batch at a time in FIFO order.
//!
//! Guarantees:
//! - [`RunQueue::push`] is callable from any context (thread, interrupt, other thread),
//!   is lock-free (one compare-and-swap loop; critical sections on thumbv6m through
//!   `portable-atomic`) and never allocates: the link lives in the task header.
//! - [`RunQueue::take_batch`] detaches everything pushed so far and hands it back oldest
//!   first, so tasks are polled in the order they were woken (invariant 4: a task woken
//!   while the batch runs waits for the next batch, behind everything queued before it).
//! - Each task is pushed at most once per wake (`RUN_QUEUED`, see [`state`](super::state)),
//!   so the intrusive link is never shared by two entries.
//!
//! Cost: push O(1); take_batch O(batch) (one reversal pass, done while the batch is hot).

use core::ptr;

use super::header::{TaskHeader, TaskRef};
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

/// Tasks taken from the run queue, oldest first. The iterator reads a task's link before
/// yielding it, so the caller may re-queue the task (overwriting the link) at once.
pub(crate) struct Batch {
    next: *const TaskHeader,
}

impl Iterator for Batch {
    type Item = TaskRef;

    #[inline]
    fn next(&mut self) -> Option<TaskRef> {
        if self.next.is_null() {
            return None;
        }
        // SAFETY: non-null entries of a batch are valid headers (they were pushed).
        let task = unsafe { TaskRef::from_ptr(self.next) };
        // SAFETY: the batch owns the links of its entries until each is yielded; the link is
        // read before the task is handed out.
        self.next = unsafe { *task.header().run_next.get() };
        Some(task)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::executor::header::TaskHeader;

    fn leak_headers(n: usize) -> Vec<TaskRef> {
        (0..n)
            .map(|_| {
                let h: &'static TaskHeader = Box::leak(Box::new(TaskHeader::new()));
                // SAFETY: leaked, so 'static and never moved.
                unsafe { TaskRef::from_ptr(h) }
            })
            .collect()
    }

    #[test]
    fn batches_are_fifo() {
        let q = RunQueue::new();
        let t = leak_headers(4);
        for (i, &task) in t.iter().enumerate() {
            // SAFETY: each task is pushed once; this test owns all links.
            let was_empty = unsafe { q.push(task) };
            assert_eq!(was_empty, i == 0);
        }
        // SAFETY: single consumer.
        let got: Vec<_> = unsafe { q.take_batch() }.collect();
        assert_eq!(got, t);
        assert!(q.is_empty());
    }

    #[test]
    fn push_during_batch_goes_to_next_batch() {
        let q = RunQueue::new();
        let t = leak_headers(3);
        // SAFETY: single owner of each link at each step.
        unsafe {
            q.push(t[0]);
            q.push(t[1]);
            let mut b = q.take_batch();
            let first = b.next().unwrap();
            assert_eq!(first, t[0]);
            // re-queue the task being "polled": its link is rewritten, the batch goes on
            assert!(q.push(first));
            q.push(t[2]);
            assert_eq!(b.next(), Some(t[1]));
            assert_eq!(b.next(), None);
            let next: Vec<_> = q.take_batch().collect();
            assert_eq!(next, vec![t[0], t[2]]);
        }
    }

    #[test]
    fn concurrent_pushes_lose_nothing() {
        let q: &'static RunQueue = Box::leak(Box::new(RunQueue::new()));
        let per = if cfg!(miri) { 20 } else { 2000 };
        let all: Vec<Vec<TaskRef>> = (0..4).map(|_| leak_headers(per)).collect();
        let mut seen = Vec::new();
        std::thread::scope(|s| {
            for tasks in &all {
                s.spawn(move || {
                    for &t in tasks {
                        // SAFETY: each task pushed once, by this thread only.
                        unsafe { q.push(t) };
                    }
                });
            }
            while seen.len() < 4 * per {
                // SAFETY: this thread is the only consumer.
                seen.extend(unsafe { q.take_batch() });
            }
        });
        // per-producer order is kept and nothing is lost or duplicated
        for tasks in &all {
            let order: Vec<_> = seen.iter().filter(|t| tasks.contains(t)).copied().collect();
            assert_eq!(&order, tasks);
        }
        assert_eq!(seen.len(), 4 * per);
    }
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
