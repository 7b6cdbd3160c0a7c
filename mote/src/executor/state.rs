//! The task state word: three documented flags (`SPAWNED`, `RUN_QUEUED`, `CLAIMED`),
//! changed only through the named transitions below, each of which tells its caller what
//! to do next.
//!
//! Two implementations with the same API are chosen here, once: `state_atomic.rs` (bits
//! of one atomic word, compare-and-swap; host and any multi-threaded platform,
//! model-checked with loom) and `state_cs.rs` (one atomic byte per flag in the same word;
//! short critical sections where a transition reads one flag and sets another, plain byte
//! stores for the executor's own transitions: on a single-core Cortex-M that costs fewer
//! instructions than `LDREX`/`STREX` loops with barriers).
//!
//! ```text
//!     (0) claim (small pool)   (1) spawn                 (2) wake
//!   FREE ──────────► CLAIMED ─────────► SPAWNED ──────────────► SPAWNED|QUEUED
//!    ▲ ▲ │ 0 (0') unclaim │              ▲  │ ◄── (3) dequeue: poll it ──┘
//!    │ └─┼────────────────┘              │  │
//!    │   └─── (1) spawn (large pool) ────┘  │ (4) finish
//!    │                                      ▼
//!    └──── release slot ◄── (4) finish: state was SPAWNED ──► FREE
//!          (the caller)     (4') finish while QUEUED ──► QUEUED (a stale run-queue entry)
//!                           (3') dequeue of QUEUED ──► FREE: release slot, do not poll
//! ```
//!
//! - (0) [`State::claim`], small pools only (up to four slots): FREE → CLAIMED
//!   atomically, so the state words are the whole pool bookkeeping (no free list). Larger
//!   pools claim through their free list and leave a claimed slot's state at 0. (0') [`State::unclaim`] gives a
//!   claimed, never spawned slot back (its token was dropped).
//! - (1) [`State::spawn`]: the slot is owned exclusively by a [`SpawnToken`] (claimed from
//!   its pool), so a plain store publishes it; the spawner then wakes it (2), through the
//!   same out-of-line function as every waker, which queues it.
//! - (2) [`State::wake`]: sets `RUN_QUEUED` only if the task is spawned and not queued yet;
//!   returns `true` when the caller must push the task on its executor's run queue. A stale
//!   waker of a finished task therefore does nothing, and a task sits in the run queue at
//!   most once (invariant 3).
//! - (3) [`State::dequeue`]: the executor clears `RUN_QUEUED` before polling; returns
//!   whether the task is still spawned (poll it) or not (release its slot).
//! - (4) [`State::finish`]: the executor clears `SPAWNED` after the future completed;
//!   returns whether the slot may be released now (no run-queue entry left).
//!
//! With `time`, a fourth flag, `TIMER_QUEUED`, says the task's timer node may be in its
//! executor's timer queue: (T) `mark_timer_queued` sets it, only if `SPAWNED`, in the
//! critical section that queues the node; (T') `timer_unqueued` clears it in the one
//! that pops it. A small pool's finish (`finish_single_timed`) clears `SPAWNED` and
//! reports the flag: clear (the task never slept, or its timers fired), the task is
//! finished with no critical section; set, the slot stays busy (not claimable) until
//! the executor has unlinked the node and called `timer_unlinked`. A large pool's
//! finish unlinks the node and clears both flags in one critical section
//! (`finish_timed_in_cs`), where it releases the slot anyway. The executor's side of
//! this is in [`timers`](super::timers).
//!
//! A slot is free exactly when its state is 0 and it has been released to its pool (for a
//! small pool, reaching 0 is the release).
//!
//! [`SpawnToken`]: crate::executor::SpawnToken

/// The task is alive: spawned and not finished.
// The Cortex-M state (`state_cs.rs`) keeps each flag in a byte of its own; these bit
// values are then only used by its tests (`State::bits`).
#[cfg_attr(all(mote_cortex_m, not(test)), allow(dead_code))]
pub(crate) const SPAWNED: u32 = 1 << 0;
/// The task is in its executor's run queue (at most once).
// The Cortex-M state (`state_cs.rs`) keeps each flag in a byte of its own; these bit
// values are then only used by its tests (`State::bits`).
#[cfg_attr(all(mote_cortex_m, not(test)), allow(dead_code))]
pub(crate) const RUN_QUEUED: u32 = 1 << 1;
/// A slot of a small pool is owned by a spawn token (claimed, not spawned yet).
// The Cortex-M state (`state_cs.rs`) keeps each flag in a byte of its own; these bit
// values are then only used by its tests (`State::bits`).
#[cfg_attr(all(mote_cortex_m, not(test)), allow(dead_code))]
pub(crate) const CLAIMED: u32 = 1 << 2;

/// (Feature `time`.) The task's timer node may be queued on its executor: its finish
/// must unlink it (in a critical section) before the slot is free. A task that never
/// slept, or whose timers all fired, finishes without that critical section.
// Without `time`, or in the Cortex-M state (flags in bytes) outside its tests, unused.
#[cfg_attr(
    any(not(feature = "time"), all(mote_cortex_m, not(test))),
    allow(dead_code)
)]
pub(crate) const TIMER_QUEUED: u32 = 1 << 3;

#[cfg(not(mote_cortex_m))]
#[path = "state_atomic.rs"]
mod imp;
#[cfg(mote_cortex_m)]
#[path = "state_cs.rs"]
mod imp;

pub(crate) use imp::State;

// The critical-section variant is also unit-tested on the host (std critical section).
#[cfg(all(test, not(loom), not(mote_cortex_m)))]
#[path = "state_cs.rs"]
mod cs_on_host;

/// Transition tests shared by both implementations.
#[cfg(all(test, not(loom)))]
macro_rules! state_tests {
    () => {
        #[test]
        fn transitions() {
            use crate::executor::state::{RUN_QUEUED, SPAWNED};
            let s = State::new();
            assert!(!s.wake(), "a free task is never queued");
            s.spawn();
            assert_eq!(s.bits(), SPAWNED);
            assert!(s.wake(), "the spawner's wake queues it");
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
        fn claim_is_exclusive_and_spawn_replaces_it() {
            use crate::executor::state::SPAWNED;
            let s = State::new();
            assert!(s.claim());
            assert_ne!(s.bits(), 0, "claimed is not free");
            assert!(!s.claim(), "a claimed slot is not free");
            assert!(!s.wake(), "a claimed task is not alive yet");
            s.unclaim();
            assert_eq!(s.bits(), 0);
            assert!(s.claim());
            s.spawn();
            assert_eq!(s.bits(), SPAWNED);
            assert!(!s.claim(), "a spawned slot is not free");
            assert!(s.wake());
            assert!(s.dequeue());
            assert!(!s.claim(), "a live task's slot is not free");
            s.finish_single();
            assert_eq!(s.bits(), 0);
            assert!(s.claim(), "finishing freed the slot");
        }

        #[cfg(feature = "time")]
        #[test]
        fn a_queued_timer_node_keeps_a_finished_slot_busy() {
            use crate::executor::state::TIMER_QUEUED;
            let s = State::new();
            assert!(!s.mark_timer_queued(), "a free slot queues no timer");
            assert!(s.claim());
            s.spawn();
            assert!(s.mark_timer_queued());
            assert_ne!(s.bits() & TIMER_QUEUED, 0);
            s.timer_unqueued(); // popped: finishing needs no unlink
            assert!(!s.finish_single_timed());
            assert_eq!(s.bits(), 0);
            assert!(s.claim(), "free at once");
            s.spawn();
            assert!(s.mark_timer_queued());
            assert!(s.finish_single_timed(), "still queued: unlink first");
            assert!(
                !s.mark_timer_queued(),
                "finished: a stale waker queues nothing"
            );
            assert!(!s.claim(), "busy until the node is unlinked");
            s.timer_unlinked();
            assert_eq!(s.bits(), 0);
            assert!(s.claim());
            s.spawn();
            assert!(s.mark_timer_queued());
            assert!(
                s.finish_timed_in_cs(),
                "large pool: both flags cleared at once"
            );
            assert_eq!(s.bits(), 0);
        }

        #[test]
        fn finish_unqueued_releases_at_once() {
            let s = State::new();
            s.spawn();
            assert!(s.wake());
            assert!(s.dequeue());
            assert!(s.finish_in_cs());
            assert_eq!(s.bits(), 0);
        }
    };
}
#[cfg(all(test, not(loom)))]
pub(crate) use state_tests;
