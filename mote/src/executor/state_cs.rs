//! Task state with critical sections: see [`state`](super) for the state machine.
//!
//! Each read-modify-write runs inside a critical section as a plain load and store, which
//! on a single-core Cortex-M costs a few instructions (save PRIMASK, mask, restore) instead
//! of an `LDREX`/`STREX` retry loop between two barriers. The critical section orders the
//! accesses (it acts as acquire/release), so the atomics inside it are `Relaxed`; they are
//! atomics only so that the reads outside a critical section (`dequeue`, tests) are
//! race-free. `spawn` and `dequeue` run outside a critical section but need no barrier
//! either: the run queue's critical sections (push, take) sit between them and every
//! write they must see, and the Cortex-M backend runs on one core (see each method).

use core::sync::atomic::compiler_fence;

use crate::loom::{AtomicU32, Ordering};

use super::{CLAIMED, RUN_QUEUED, SPAWNED};

/// One word of task state. All-zero is `FREE`.
#[repr(transparent)]
pub(crate) struct State(AtomicU32);

impl State {
    /// A free slot's state.
    #[cfg(test)]
    pub(crate) const fn new() -> Self {
        Self(AtomicU32::new(0))
    }

    /// (0) Single-slot pools: claims the slot if it is free. `true`: the caller owns it.
    #[inline]
    pub(crate) fn claim(&self) -> bool {
        critical_section::with(|_| {
            if self.0.load(Ordering::Relaxed) != 0 {
                return false;
            }
            self.0.store(CLAIMED, Ordering::Relaxed);
            true
        })
    }

    /// (0') Single-slot pools: gives back a claimed, never spawned slot (its future was
    /// dropped).
    #[inline]
    pub(crate) fn unclaim(&self) {
        // Release: the future's drop happens before the next claim (a critical section,
        // which orders it anyway on a single core).
        self.0.store(0, Ordering::Release);
    }

    /// (1) Publishes a freshly claimed task as spawned; wake it right after (which sets
    /// `RUN_QUEUED` and pushes it).
    #[inline]
    pub(crate) fn spawn(&self) {
        // A waker (the spawner's own wake right after, or a stale waker of the slot's
        // previous task, in an interrupt) that observes SPAWNED reads the executor pointer
        // and pushes the task; the executor then polls the future written before. On the
        // one core of the Cortex-M backend a compiler fence orders those writes before
        // this store for any interrupt (no barrier instruction); the push's and the
        // take's critical sections then order them for the executor.
        compiler_fence(Ordering::Release);
        self.0.store(SPAWNED, Ordering::Relaxed);
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
    /// Relaxed (no barrier): the word was last written by `wake_in_cs` inside the push's
    /// critical section, and the executor took the task from the run queue in a critical
    /// section after that, which orders the write before this load.
    #[inline]
    pub(crate) fn dequeue(&self) -> bool {
        let state = self.0.load(Ordering::Relaxed);
        self.0.store(state & !RUN_QUEUED, Ordering::Relaxed);
        state & SPAWNED != 0
    }

    /// (4) Clears `SPAWNED` after completion; `true` if the slot can be released now.
    #[inline]
    pub(crate) fn finish(&self) -> bool {
        critical_section::with(|_| self.finish_in_cs())
    }

    /// (4) inside a critical section the caller holds (the pool releases the slot in the
    /// same critical section).
    #[inline]
    pub(crate) fn finish_in_cs(&self) -> bool {
        let state = self.0.load(Ordering::Relaxed);
        self.0.store(state & !SPAWNED, Ordering::Relaxed);
        state & RUN_QUEUED == 0
    }

    /// Current bits, for tests and diagnostics.
    #[cfg(test)]
    pub(crate) fn bits(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    super::super::state_tests!();
}
