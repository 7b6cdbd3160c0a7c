//! The task state word: two documented bits in one atomic, changed only through the
//! named transitions below, each of which tells its caller what to do next.
//!
//! ```text
//!                 (1) spawn                      (2) wake
//!   FREE ─────────────────────────► SPAWNED|QUEUED ◄───────── SPAWNED
//!    ▲   0                                │                     ▲  │
//!    │                                    │ (3) dequeue: poll it │  │ (4) finish
//!    │                                    └──────────────────────┘  │
//!    │                                                              ▼
//!    └──── release slot ◄── (4) finish: state was SPAWNED ──► FREE
//!          (the caller)     (4') finish while QUEUED ──► QUEUED (a stale run-queue entry)
//!                           (3') dequeue of QUEUED ──► FREE: release slot, do not poll
//! ```
//!
//! - (1) [`State::spawn`]: the slot is owned exclusively by a [`SpawnToken`] (claimed from
//!   its pool), so a plain store publishes it; the caller then pushes it on the run queue.
//! - (2) [`State::wake`]: sets `RUN_QUEUED` only if the task is spawned and not queued yet;
//!   returns `true` when the caller must push the task on its executor's run queue. A stale
//!   waker of a finished task therefore does nothing, and a task sits in the run queue at
//!   most once (invariant 3).
//! - (3) [`State::dequeue`]: the executor clears `RUN_QUEUED` before polling; returns
//!   whether the task is still spawned (poll it) or not (release its slot).
//! - (4) [`State::finish`]: the executor clears `SPAWNED` after the future completed;
//!   returns whether the slot may be released now (no run-queue entry left).
//!
//! A slot is free exactly when its state is 0 and it has been released to its pool.
//!
//! [`SpawnToken`]: crate::executor::SpawnToken

use crate::loom::{const_fn_unless_loom, AtomicU32, Ordering};

/// The task is alive: spawned and not finished.
pub(crate) const SPAWNED: u32 = 1 << 0;
/// The task is in its executor's run queue (at most once).
pub(crate) const RUN_QUEUED: u32 = 1 << 1;

/// One atomic word of task state. All-zero is `FREE`.
#[repr(transparent)]
pub(crate) struct State(AtomicU32);

impl State {
    const_fn_unless_loom! {
        /// A free slot's state.
        #[cfg(test)]
        pub(crate) fn new() -> Self {
            Self(AtomicU32::new(0))
        }
    }

    /// (1) Publishes a freshly claimed task as spawned and queued. The caller must push it
    /// on the run queue right after.
    #[inline]
    pub(crate) fn spawn(&self) {
        // Release: the header fields (executor, pool) and the future written before are
        // visible to whoever observes SPAWNED with Acquire.
        self.0.store(SPAWNED | RUN_QUEUED, Ordering::Release);
    }

    /// (2) Marks the task queued. Returns `true` if the caller must enqueue it.
    #[inline]
    pub(crate) fn wake(&self) -> bool {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur & (SPAWNED | RUN_QUEUED) != SPAWNED {
                return false;
            }
            match self.0.compare_exchange_weak(
                cur,
                cur | RUN_QUEUED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    /// (3) Clears `RUN_QUEUED`. Returns `true` if the task is still spawned (poll it),
    /// `false` if it finished meanwhile (release the slot, don't poll).
    ///
    /// A load and a store, not a read-modify-write: while `RUN_QUEUED` is set no other
    /// context changes the word (`wake` backs off, `spawn` needs a free slot, `finish` is
    /// the executor's own), so nothing can slip in between.
    #[inline]
    pub(crate) fn dequeue(&self) -> bool {
        let state = self.0.load(Ordering::Acquire);
        self.0.store(state & !RUN_QUEUED, Ordering::Release);
        state & SPAWNED != 0
    }

    /// (4) Clears `SPAWNED` after the task's future completed. Returns `true` if the slot
    /// can be released now, `false` if a run-queue entry remains (released at dequeue).
    #[inline]
    pub(crate) fn finish(&self) -> bool {
        self.0.fetch_and(!SPAWNED, Ordering::AcqRel) & RUN_QUEUED == 0
    }

    /// Current bits, for tests and diagnostics.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn bits(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        let s = State::new();
        assert!(!s.wake(), "a free task is never queued");
        s.spawn();
        assert_eq!(s.bits(), SPAWNED | RUN_QUEUED);
        assert!(!s.wake(), "already queued: no second entry");
        assert!(s.dequeue());
        assert!(s.wake());
        assert!(!s.wake());
        // finishing while queued leaves the stale entry to the executor
        assert!(!s.finish());
        assert!(!s.wake(), "finished: wakes are ignored");
        assert!(!s.dequeue(), "stale entry: release, don't poll");
        assert_eq!(s.bits(), 0);
    }

    #[test]
    fn finish_unqueued_releases_at_once() {
        let s = State::new();
        s.spawn();
        assert!(s.dequeue());
        assert!(s.finish());
        assert_eq!(s.bits(), 0);
    }
}
