//! Task state with compare-and-swap: see [`state`](super) for the state machine.

use crate::loom::{const_fn_unless_loom, AtomicU32, Ordering};

#[cfg(feature = "time")]
use super::TIMER_QUEUED;
use super::{CLAIMED, RUN_QUEUED, SPAWNED};

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

    /// (0) Small pools: claims the slot if it is free. `true`: the caller owns it.
    #[inline]
    pub(crate) fn claim(&self) -> bool {
        // Acquire: the previous owner's drop of its future (before its Release of FREE)
        // happens before the new future is written.
        self.0
            .compare_exchange(0, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// (0') Small pools: gives back a claimed, never spawned slot (its future was
    /// dropped).
    #[inline]
    pub(crate) fn unclaim(&self) {
        // Release: the future's drop happens before the next claim.
        self.0.store(0, Ordering::Release);
    }

    /// (1) Publishes a freshly claimed task as spawned. The caller wakes it right after
    /// (which sets `RUN_QUEUED` and pushes it).
    #[cfg_attr(not(feature = "trace"), allow(dead_code))] // `spawn_queued` without `trace`
    #[inline]
    pub(crate) fn spawn(&self) {
        // Release: the header fields (executor, pool) and the future written before are
        // visible to whoever observes SPAWNED with Acquire (a waker, then the executor).
        self.0.store(SPAWNED, Ordering::Release);
    }

    /// (1+2) Publishes a freshly claimed task as spawned **and queued**: the caller owns
    /// its run-queue entry and pushes it right after; wakers back off from then on.
    #[cfg_attr(feature = "trace", allow(dead_code))]
    #[inline]
    pub(crate) fn spawn_queued(&self) {
        // Release: as in `spawn`.
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

    /// (2) for the critical-section run queue, which the host tests also compile: the
    /// compare-and-swap is just as correct inside a critical section.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn wake_in_cs(&self) -> bool {
        self.wake()
    }

    /// (3) Clears `RUN_QUEUED`. Returns `true` if the task is still spawned (poll it),
    /// `false` if it finished meanwhile (release the slot, don't poll).
    ///
    /// Without `time`, a load and a store, not a read-modify-write: while `RUN_QUEUED` is
    /// set no other context changes the word (`wake` backs off, `spawn` needs a free
    /// slot, `finish` is the executor's own), so nothing can slip in between. With
    /// `time`, another thread may set `TIMER_QUEUED` meanwhile (a timer registered with
    /// the task's waker), so it is a read-modify-write.
    #[inline]
    pub(crate) fn dequeue(&self) -> bool {
        #[cfg(feature = "time")]
        let state = self.0.fetch_and(!RUN_QUEUED, Ordering::AcqRel);
        #[cfg(not(feature = "time"))]
        let state = {
            let state = self.0.load(Ordering::Acquire);
            self.0.store(state & !RUN_QUEUED, Ordering::Release);
            state
        };
        state & SPAWNED != 0
    }

    /// (4) Clears `SPAWNED` after the task's future completed. Returns `true` if the slot
    /// can be released now, `false` if a run-queue entry remains (released at dequeue).
    #[cfg_attr(feature = "time", allow(dead_code))] // `time` has its own finishes
    #[inline]
    pub(crate) fn finish(&self) -> bool {
        self.0.fetch_and(!SPAWNED, Ordering::AcqRel) & RUN_QUEUED == 0
    }

    /// (4) for a small pool, whose slot is free once the state is 0: nothing to release.
    #[cfg_attr(feature = "time", allow(dead_code))] // `time` has its own finishes
    #[inline]
    pub(crate) fn finish_single(&self) {
        self.finish();
    }

    /// (4) for callers holding a critical section (the pool releases the slot in it): the
    /// read-modify-write is just as correct there.
    #[cfg_attr(feature = "time", allow(dead_code))] // `time` has its own finishes
    #[inline]
    pub(crate) fn finish_in_cs(&self) -> bool {
        self.finish()
    }

    /// (T) Inside the timer queue's critical section, before queueing the task's timer
    /// node: sets `TIMER_QUEUED` and returns `true` if the task is alive; `false` (and no
    /// change) for a finished task. One compare-and-swap: its place in the word's
    /// modification order against `finish_single_timed`'s decides which of the two sees
    /// the other.
    #[cfg(feature = "time")]
    #[inline]
    pub(crate) fn mark_timer_queued(&self) -> bool {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur & SPAWNED == 0 {
                return false;
            }
            match self.0.compare_exchange_weak(
                cur,
                cur | TIMER_QUEUED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    /// (T') Inside the timer queue's critical section that popped the task's node.
    #[cfg(feature = "time")]
    #[inline]
    pub(crate) fn timer_unqueued(&self) {
        self.0.fetch_and(!TIMER_QUEUED, Ordering::Relaxed);
    }

    /// (4) for a small pool with `time`: clears `SPAWNED`; `true` if the timer node may
    /// still be queued, and then the state stays non-zero (not claimable) until
    /// [`timer_unlinked`](Self::timer_unlinked).
    #[cfg(feature = "time")]
    #[inline]
    pub(crate) fn finish_single_timed(&self) -> bool {
        self.0.fetch_and(!SPAWNED, Ordering::AcqRel) & TIMER_QUEUED != 0
    }

    /// (4'') After `finish_single_timed` returned `true` and the node was unlinked.
    #[cfg(feature = "time")]
    #[inline]
    pub(crate) fn timer_unlinked(&self) {
        self.0.fetch_and(!TIMER_QUEUED, Ordering::Release);
    }

    /// (4) with `time`, inside the timer queue's critical section after unlinking the
    /// node: clears `SPAWNED` and `TIMER_QUEUED`; `true` if the slot can be released now.
    #[cfg(feature = "time")]
    #[inline]
    pub(crate) fn finish_timed_in_cs(&self) -> bool {
        self.0
            .fetch_and(!(SPAWNED | TIMER_QUEUED), Ordering::AcqRel)
            & RUN_QUEUED
            == 0
    }

    /// Current bits, for tests and diagnostics.
    #[cfg(any(all(test, not(loom)), feature = "trace"))]
    pub(crate) fn bits(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    super::super::state_tests!();
}
