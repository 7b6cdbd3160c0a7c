//! Task state with compare-and-swap: see [`state`](super) for the state machine.

use crate::loom::{const_fn_unless_loom, AtomicU32, Ordering};

use super::{RUN_QUEUED, SPAWNED};

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

    /// (2) for the critical-section run queue, which the host tests also compile: the
    /// compare-and-swap is just as correct inside a critical section.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn wake_in_cs(&self) -> bool {
        self.wake()
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
