//! Task state with critical sections: see [`state`](super) for the state machine.
//!
//! Each read-modify-write runs inside a critical section as a plain load and store, which
//! on a single-core Cortex-M costs a few instructions (save PRIMASK, mask, restore) instead
//! of an `LDREX`/`STREX` retry loop between two barriers. The critical section orders the
//! accesses (it acts as acquire/release), so the atomics inside it are `Relaxed`; they are
//! atomics only so that the reads outside a critical section (`dequeue`, tests) are
//! race-free.

use crate::loom::{AtomicU32, Ordering};

use super::{RUN_QUEUED, SPAWNED};

/// One word of task state. All-zero is `FREE`.
#[repr(transparent)]
pub(crate) struct State(AtomicU32);

impl State {
    /// A free slot's state.
    #[cfg(test)]
    pub(crate) const fn new() -> Self {
        Self(AtomicU32::new(0))
    }

    /// (1) Publishes a freshly claimed task as spawned and queued; push it right after.
    #[inline]
    pub(crate) fn spawn(&self) {
        // Release: the future and header fields written before are visible to whoever
        // observes SPAWNED (the executor, after taking the task from the run queue, whose
        // critical section orders it anyway).
        self.0.store(SPAWNED | RUN_QUEUED, Ordering::Release);
    }

    /// (2) Marks the task queued. Returns `true` if the caller must enqueue it.
    #[cfg(test)]
    pub(crate) fn wake(&self) -> bool {
        critical_section::with(|_| self.wake_in_cs())
    }

    /// (2) inside a critical section the caller holds (the run queue's wake path pushes in
    /// the same critical section).
    #[inline]
    pub(crate) fn wake_in_cs(&self) -> bool {
        let state = self.0.load(Ordering::Relaxed);
        if state & (SPAWNED | RUN_QUEUED) != SPAWNED {
            return false;
        }
        self.0.store(state | RUN_QUEUED, Ordering::Relaxed);
        true
    }

    /// (3) Clears `RUN_QUEUED`; `true` if the task is still spawned (poll it).
    ///
    /// No critical section: while `RUN_QUEUED` is set no other context writes the word
    /// (`wake` backs off, `spawn` needs a free slot, `finish` is the executor's own).
    #[inline]
    pub(crate) fn dequeue(&self) -> bool {
        let state = self.0.load(Ordering::Acquire);
        self.0.store(state & !RUN_QUEUED, Ordering::Relaxed);
        state & SPAWNED != 0
    }

    /// (4) Clears `SPAWNED` after completion; `true` if the slot can be released now.
    #[inline]
    pub(crate) fn finish(&self) -> bool {
        critical_section::with(|_| {
            let state = self.0.load(Ordering::Relaxed);
            self.0.store(state & !SPAWNED, Ordering::Relaxed);
            state & RUN_QUEUED == 0
        })
    }

    /// Current bits, for tests and diagnostics.
    #[cfg(any(test, feature = "trace"))]
    pub(crate) fn bits(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    super::super::state_tests!();
}
