//! Task state for the Cortex-M backend: see [`state`](super) for the state machine.
//!
//! The flags live in one word as separate atomic **bytes**, `SPAWNED`, `RUN_QUEUED`
//! and (feature `time`) `TIMER_QUEUED`, each only ever accessed byte-wide. `CLAIMED` (a small pool's slot held by
//! a spawn token) is stored as `RUN_QUEUED` without `SPAWNED`, a combination every
//! transition already treats as "not free, not to be woken" (it is also a finished
//! task's stale run-queue entry); `dequeue` never sees a claimed slot, which is in no run
//! queue. Transitions that must
//! look at one flag and set another atomically (`wake`, `claim`) run inside a critical
//! section, which on a single-core Cortex-M costs a few instructions (save PRIMASK, mask,
//! restore) instead of an `LDREX`/`STREX` retry loop between barriers. The executor's own
//! transitions need none:
//! - `dequeue` clears `RUN_QUEUED` with a byte store: while it is set no other context
//!   writes the word.
//! - `finish` clears `SPAWNED` with a byte store, then reads `RUN_QUEUED`. The Cortex-M
//!   backend runs on **one core** (invariant 8: there, wakes come from interrupts of that
//!   core), so a wake's critical section runs either wholly before the store (then the
//!   read sees the `RUN_QUEUED` it set: a stale entry remains, released at `dequeue`) or
//!   wholly after it (then it sees `SPAWNED` clear and does nothing). A compiler fence
//!   keeps the store before the read.
//!
//! Orderings are `Relaxed` plus compiler fences: on one core, interrupts see this core's
//! accesses in program order, and the run queue's push (a critical section) and take
//! (compiler fences, `run_queue_cs.rs`) sit between a wake and the executor's poll.

use core::sync::atomic::compiler_fence;

use crate::loom::{AtomicU8, Ordering};

/// One word of task state, as flag bytes. All-zero is `FREE`.
#[repr(C, align(4))]
pub(crate) struct State {
    spawned: AtomicU8,
    /// `RUN_QUEUED`, or `CLAIMED` while `spawned` is 0 and the slot is held by a token.
    queued: AtomicU8,
    /// `TIMER_QUEUED` (feature `time`): the task's timer node may be in its executor's
    /// timer queue. Set and cleared only inside the timer queue's critical sections
    /// (`mark_timer_queued`, `timer_unqueued`, `finish_timed_in_cs`), except by the
    /// executor's own `timer_unlinked` once `SPAWNED` is clear (module docs of
    /// `executor::timers`). Lives in the word's spare byte: no RAM.
    timer: AtomicU8,
}

impl State {
    /// A free slot's state.
    #[cfg(test)]
    pub(crate) const fn new() -> Self {
        Self {
            spawned: AtomicU8::new(0),
            queued: AtomicU8::new(0),
            timer: AtomicU8::new(0),
        }
    }

    /// (0) Small pools: claims the slot if it is free. `true`: the caller owns it.
    #[inline]
    pub(crate) fn claim(&self) -> bool {
        critical_section::with(|_| {
            let busy = self.spawned.load(Ordering::Relaxed) | self.queued.load(Ordering::Relaxed);
            // A slot whose finished task still has a timer node to unlink is busy too.
            #[cfg(feature = "time")]
            let busy = busy | self.timer.load(Ordering::Relaxed);
            if busy != 0 {
                return false;
            }
            // CLAIMED: RUN_QUEUED without SPAWNED (module docs).
            self.queued.store(1, Ordering::Relaxed);
            true
        })
    }

    /// (0') Small pools: gives back a claimed, never spawned slot (its future was
    /// dropped).
    #[inline]
    pub(crate) fn unclaim(&self) {
        // The future's drop happens before the next claim (a critical section, on the
        // same core).
        compiler_fence(Ordering::Release);
        self.queued.store(0, Ordering::Relaxed);
    }

    /// (1+2) Publishes a freshly claimed task as spawned **and queued**: the caller owns
    /// its run-queue entry and pushes it right after. Wakers back off from then on (the
    /// entry is taken), exactly as after [`spawn`](Self::spawn) and a wake, without the
    /// wake's checks: nobody else can have queued a task that was not spawned.
    #[allow(dead_code)] // unused with `trace`, and where host tests compile this file
    #[inline]
    pub(crate) fn spawn_queued(&self) {
        // As in `spawn`: the header and the future are written before; the push's
        // critical section orders them for the executor.
        compiler_fence(Ordering::Release);
        self.queued.store(1, Ordering::Relaxed);
        self.spawned.store(1, Ordering::Relaxed);
    }

    /// (1) Publishes a freshly claimed task as spawned; wake it right after (which sets
    /// `RUN_QUEUED` and pushes it).
    #[cfg_attr(not(feature = "trace"), allow(dead_code))] // `spawn_queued` without `trace`
    #[inline]
    pub(crate) fn spawn(&self) {
        // A waker (the spawner's own wake right after, or a stale waker of the slot's
        // previous task, in an interrupt) that observes SPAWNED reads the executor pointer
        // and pushes the task; the executor then polls the future written before. On one
        // core a compiler fence orders those writes before this store for any interrupt
        // (no barrier instruction); the push's critical section and the take's compiler
        // fences then order them for the executor.
        compiler_fence(Ordering::Release);
        self.spawned.store(1, Ordering::Relaxed);
        // Only now drop CLAIMED (small pool; a no-op for a large one): the slot never
        // looks free in between, and wakers back off until the store (queued set).
        compiler_fence(Ordering::Release);
        self.queued.store(0, Ordering::Relaxed);
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
        if self.spawned.load(Ordering::Relaxed) == 0 || self.queued.load(Ordering::Relaxed) != 0 {
            return false;
        }
        self.queued.store(1, Ordering::Relaxed);
        true
    }

    /// (3) Clears `RUN_QUEUED`; `true` if the task is still spawned (poll it).
    ///
    /// No critical section: while `RUN_QUEUED` is set no other context writes the word
    /// (`wake` backs off, `spawn` and `claim` need a free slot, `finish` is the executor's
    /// own). No barrier: the flags were last written by `wake_in_cs` inside the push's
    /// critical section, which ran wholly before the executor's take (one core), and the
    /// take's compiler fence keeps this access after it.
    #[inline]
    pub(crate) fn dequeue(&self) -> bool {
        let alive = self.spawned.load(Ordering::Relaxed) != 0;
        self.queued.store(0, Ordering::Relaxed);
        alive
    }

    /// (4) Clears `SPAWNED` after completion; `true` if the slot can be released now (no
    /// run-queue entry left). No critical section: see the module docs.
    #[inline]
    pub(crate) fn finish(&self) -> bool {
        // The future's drop (before this call) happens before the slot looks free.
        compiler_fence(Ordering::Release);
        self.spawned.store(0, Ordering::Relaxed);
        // The store stays before the read (a wake in between must be seen).
        compiler_fence(Ordering::SeqCst);
        self.queued.load(Ordering::Relaxed) == 0
    }

    /// (4) for a small pool, whose slot is free once the state is 0 (so there is nothing
    /// to release, and no need to read `RUN_QUEUED` back).
    #[cfg_attr(feature = "time", allow(dead_code))] // `time` has its own finishes
    #[inline]
    pub(crate) fn finish_single(&self) {
        compiler_fence(Ordering::Release);
        self.spawned.store(0, Ordering::Relaxed);
    }

    /// (T) Inside the timer queue's critical section, before queueing the task's timer
    /// node: `true` (and `TIMER_QUEUED` set) if the task is alive, `false` for a finished
    /// task (a stale waker: queue nothing). On one core the executor's `finish` store
    /// runs wholly before or wholly after this critical section.
    #[cfg(feature = "time")]
    #[cfg_attr(not(mote_cortex_m), allow(dead_code))] // host tests compile it too
    #[inline]
    pub(crate) fn mark_timer_queued(&self) -> bool {
        let spawned = self.spawned.load(Ordering::Relaxed) != 0;
        compiler_fence(Ordering::Acquire);
        if spawned {
            self.timer.store(1, Ordering::Relaxed);
        }
        spawned
    }

    /// (T') Inside the timer queue's critical section that popped the task's node: it is
    /// no longer queued.
    #[cfg(feature = "time")]
    #[cfg_attr(not(mote_cortex_m), allow(dead_code))]
    #[inline]
    pub(crate) fn timer_unqueued(&self) {
        self.timer.store(0, Ordering::Relaxed);
    }

    /// (4) for a small pool with `time`: clears `SPAWNED` (no critical section: see the
    /// module docs), then returns `true` if the timer node may still be queued. Then the
    /// slot stays busy (`claim` sees `TIMER_QUEUED`) until the caller has unlinked the
    /// node and called [`timer_unlinked`](Self::timer_unlinked). After the store no wake
    /// and no timer registration touches the word (both check `SPAWNED` in a critical
    /// section), so the byte read is final.
    #[cfg(feature = "time")]
    #[cfg_attr(not(mote_cortex_m), allow(dead_code))]
    #[inline]
    pub(crate) fn finish_single_timed(&self) -> bool {
        compiler_fence(Ordering::Release);
        self.spawned.store(0, Ordering::Relaxed);
        // The store stays before the read (a registration in between must be seen).
        compiler_fence(Ordering::SeqCst);
        self.timer.load(Ordering::Relaxed) != 0
    }

    /// (4'') After [`finish_single_timed`](Self::finish_single_timed) returned `true`
    /// and the node was unlinked: the slot is free (if no run-queue entry is left).
    #[cfg(feature = "time")]
    #[cfg_attr(not(mote_cortex_m), allow(dead_code))]
    #[inline]
    pub(crate) fn timer_unlinked(&self) {
        compiler_fence(Ordering::Release);
        self.timer.store(0, Ordering::Relaxed);
    }

    /// (4) for callers holding a critical section (the pool releases the slot in it).
    #[cfg_attr(feature = "time", allow(dead_code))] // `time` has its own finishes
    #[inline]
    pub(crate) fn finish_in_cs(&self) -> bool {
        self.finish()
    }

    /// (4) with `time`, for callers holding the timer queue's critical section after
    /// unlinking the task's timer node: clears `SPAWNED` and `TIMER_QUEUED`; `true` if
    /// the slot can be released now.
    #[cfg(feature = "time")]
    #[cfg_attr(not(mote_cortex_m), allow(dead_code))]
    #[inline]
    pub(crate) fn finish_timed_in_cs(&self) -> bool {
        self.timer.store(0, Ordering::Relaxed);
        self.finish()
    }

    /// Current bits, for tests and diagnostics (a claimed slot reads as `RUN_QUEUED`).
    #[cfg(any(test, feature = "trace"))]
    pub(crate) fn bits(&self) -> u32 {
        use super::{RUN_QUEUED, SPAWNED};
        let flag = |b: &AtomicU8, bit| {
            if b.load(Ordering::Acquire) != 0 {
                bit
            } else {
                0
            }
        };
        flag(&self.spawned, SPAWNED)
            | flag(&self.queued, RUN_QUEUED)
            | flag(&self.timer, super::TIMER_QUEUED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    super::super::state_tests!();

    #[test]
    fn state_is_one_word() {
        assert_eq!(core::mem::size_of::<State>(), 4);
    }
}
