//! The run queue: the tasks woken since the executor last looked, drained one batch at a
//! time in FIFO order.
//!
//! Guarantees (both implementations):
//! - [`RunQueue::push`] is callable from any context (thread, interrupt, other thread) and
//!   never allocates: the link lives in the task header.
//! - [`RunQueue::take_batch`] detaches everything pushed so far and hands it back oldest
//!   first, so tasks are polled in the order they were woken (invariant 4: a task woken
//!   while the batch runs waits for the next batch, behind everything queued before it).
//! - Each task is pushed at most once per wake (`RUN_QUEUED`, see [`state`](super::state)),
//!   so the intrusive link is never shared by two entries.
//!
//! Two implementations with the same API, chosen here once:
//!
//! | file                  | push                         | take                    | used by            |
//! |-----------------------|------------------------------|-------------------------|--------------------|
//! | `run_queue_atomic.rs` | lock-free CAS on a stack     | swap, reverse (O(batch))| host, multi-thread |
//! | `run_queue_cs.rs`     | append at tail, in a CS      | detach list, no CS (one core) | Cortex-M     |
//!
//! On Cortex-M a critical section (save PRIMASK, mask, restore) is cheaper than an
//! `LDREX`/`STREX` loop with barriers, and a tail pointer makes the queue FIFO without a
//! reversal pass; on one core a push in a critical section never interleaves with the
//! consumer, so the take needs none (`run_queue_cs.rs`, Atomic Push Premise; tested by
//! pushing at every point of the take). The lock-free variant is model-checked with loom.

use super::header::{TaskHeader, TaskRef};

#[cfg(not(mote_cortex_m))]
#[path = "run_queue_atomic.rs"]
mod imp;
#[cfg(mote_cortex_m)]
#[path = "run_queue_cs.rs"]
mod imp;

#[cfg(all(feature = "time", not(feature = "trace")))]
pub(crate) use imp::wake_and_push_in_cs;
pub(crate) use imp::{wake_and_push, RunQueue};

// The critical-section variant is also unit-tested on the host (std critical section).
#[cfg(all(test, not(loom), not(mote_cortex_m)))]
#[path = "run_queue_cs.rs"]
mod cs_on_host;

/// Tasks taken from the run queue, oldest first. The iterator reads a task's link before
/// yielding it, so the caller may re-queue the task (overwriting the link) at once.
pub(crate) struct Batch {
    pub(super) next: *const TaskHeader,
}

impl Batch {
    /// True when every task of the batch has been handed out.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.next.is_null()
    }
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

/// Tests shared by both implementations.
#[cfg(all(test, not(loom)))]
macro_rules! run_queue_tests {
    () => {
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
        fn wake_and_push_queues_a_live_task_once() {
            let q = RunQueue::new();
            let t = leak_headers(1)[0];
            assert_eq!(wake_and_push(t, |_| &q), None, "a free task is not queued");
            t.header().state.spawn();
            assert!(t.header().state.dequeue());
            assert_eq!(wake_and_push(t, |_| &q), Some(true));
            assert_eq!(wake_and_push(t, |_| &q), None, "already queued");
            // SAFETY: single consumer.
            let got: Vec<_> = unsafe { q.take_batch() }.collect();
            assert_eq!(got, vec![t]);
        }
    };
}
#[cfg(all(test, not(loom)))]
pub(crate) use run_queue_tests;

/// Multi-threaded pushes against one consumer: for the lock-free variant only (the
/// critical-section variant's take relies on a single core, where a push never
/// interleaves with it; its own test preempts the take at every point instead).
#[cfg(all(test, not(loom)))]
macro_rules! run_queue_concurrent_tests {
    () => {
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
    };
}
#[cfg(all(test, not(loom)))]
pub(crate) use run_queue_concurrent_tests;
