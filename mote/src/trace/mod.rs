//! Per-task names and statistics (feature `trace`): find the task that starves the
//! others, and the tasks it starves.
//!
//! Each task header carries the name of its task function (and the static RAM it takes,
//! [`TaskInfo::sizes`], computed at compile time) and counts its polls and wakes; with the `time` feature it also measures, in ticks of the time driver:
//!
//! - **longest poll** and **total poll time**: a long poll is the *cause* of starvation,
//!   a task computing without reaching an `.await` that yields;
//! - **longest wait**, from the moment a task was queued (spawned, woken, or its timer
//!   came due: the wait of a timer wake counts from the timer's deadline) until its
//!   poll began: the *symptom* seen by the starved tasks.
//!
//! With `time`, a [`timeline`] records every task event with its timestamp in a ring
//! buffer, for `cargo xtask trace` to draw.
//!
//! Read them with [`for_each_task`] (or print [`summary`]), clear them with [`reset`],
//! and (with `time`) get called after any long poll with `set_long_poll_hook`. External
//! tools (SystemView and the like) can follow every task's ready / poll-begin / poll-end
//! events through [`set_event_hooks`].
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! static DONE: AtomicBool = AtomicBool::new(false);
//!
//! #[mote::task]
//! async fn twice_yielding() {
//!     mote::futures::yield_now().await;
//!     mote::futures::yield_now().await;
//!     DONE.store(true, Ordering::Relaxed);
//! }
//!
//! # #[cfg(feature = "time")]
//! # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
//! let executor = Box::leak(Box::new(mote::executor::Executor::new()));
//! executor.run_until(|s| s.must_spawn(twice_yielding()), || DONE.load(Ordering::Relaxed));
//! mote::trace::for_each_task(|task| {
//!     if task.name == "twice_yielding" {
//!         assert_eq!((task.polls, task.wakes), (3, 2));
//!         assert_eq!(task.state, mote::trace::TaskState::Free);
//!     }
//! });
//! print!("{}", mote::trace::summary());
//! ```
//!
//! The example of `set_long_poll_hook` (with `time`) measures a poll on simulated time.
//!
//! # Guarantees (invariants)
//!
//! - **Every task ever spawned is listed**, once per pool slot, in first-spawn order: a
//!   slot is linked into a static intrusive list at its first spawn and stays there (its
//!   statistics carry over when the slot is reused by a new instance of the same task
//!   function; the state says `Free` between instances). No heap, no capacity.
//! - **Consistent snapshots**: a task's statistics are written and read inside short
//!   critical sections, so a [`TaskInfo`] never mixes two polls, whichever context
//!   (interrupt, other thread) reads it. No critical section is held while user code
//!   runs ([`for_each_task`]'s closure, the long-poll hook).
//! - **Counting**: `polls` counts polls that ran the task's future (a stale run-queue
//!   entry of a finished task is not a poll). `wakes` counts wakes that put the task in
//!   the run queue; a wake of a task already queued merges with the queued one and is not
//!   counted, and spawning is not a wake. Counters are `u32` and wrap (use [`reset`]).
//! - **Durations** are measured with the time driver's clock around the poll of the
//!   future, so they include interrupts that ran meanwhile. A single poll or wait longer
//!   than `u32::MAX` ticks (71 minutes at 1 MHz) saturates; a wait is measured from the
//!   low 32 bits of the queueing tick, so one longer than that is wrong (wraps).
//! - **Without `time`**, only `polls`, `wakes`, name and state exist (no clock is read),
//!   and there is no long-poll hook.
//! - **With `time`**, the executor reads the clock around every poll, so the program
//!   must register a time driver (`mote::time_driver!`) even if no task
//!   sleeps on a timer.
//!
//! # Cost
//!
//! - Off (the default): nothing. The header stays 16 bytes on 32-bit targets (checked at
//!   compile time on thumbv7m/thumbv6m builds), and the name and sizes the macro passes
//!   are dropped.
//! - On: 20 more bytes per task slot (next-task link, pointer to the task function's name
//!   and sizes, polls, wakes, flags), 40 with `time` (plus longest and total poll,
//!   longest wait, the queueing tick). Per poll: two out-of-line calls and one critical
//!   section, plus two clock reads with `time`; per wake that queues a task: one nested
//!   critical section (plus one clock read with `time`); per first spawn of a slot: one
//!   critical section. Per task function: a 24-byte static in flash (its name and four
//!   size words, on 32-bit targets). Per event (ready, poll begin, poll end) without
//!   [`EventHooks`] set: one pointer load and a branch.
//! - Measured (QEMU `-icount shift=0`, mps2-an385, release build, a `yield_now` round
//!   trip = one wake + one poll, 10 000 of them, no hooks set): thumbv7m 82 instructions
//!   without `trace`, 295 with `time` + `trace`; thumbv6m 144 and 922. Most of the
//!   difference is the three clock reads of the CMSDK dual-timer driver (its
//!   cycles-to-ticks division is a library call on ARMv6-M); a cheaper `now()` makes
//!   tracing cheaper.
//!
//! # Concurrency
//!
//! Everything here may be called from any context. The executor updates a task's
//! statistics before a finished task's slot is released, so a slot re-spawned at once
//! (from an interrupt, on another executor) never mixes two instances' bookkeeping.

mod events;
#[cfg(feature = "time")]
mod long_poll;
pub(crate) mod registry;
mod summary;
pub(crate) mod task_trace;
#[cfg(feature = "time")]
pub mod timeline;

use core::fmt;

pub use events::{clear_event_hooks, set_event_hooks, EventHooks, TaskId};
#[cfg(all(feature = "time", feature = "defmt"))]
pub use long_poll::defmt_long_poll;
#[cfg(all(feature = "time", feature = "log"))]
pub use long_poll::log_long_poll;
#[cfg(feature = "time")]
pub use long_poll::{clear_long_poll_hook, set_long_poll_hook, LongPollHook};
pub use summary::{summary, Summary};

pub use crate::executor::TaskSizes;

#[cfg(feature = "time")]
use crate::time::Duration;

/// The executor events of the [`timeline`] (its module docs), called by the executors
/// in `executor/arch/` (feature `trace`; nothing without `time`, which the timeline
/// needs).
pub(crate) mod executor_events {
    use crate::executor::raw::RawExecutor;

    /// The executor goes to sleep.
    #[inline]
    pub(crate) fn idle(executor: &RawExecutor) {
        #[cfg(feature = "time")]
        super::timeline::executor_event(executor, super::timeline::EventKind::Idle);
        #[cfg(not(feature = "time"))]
        let _ = executor;
    }

    /// A sleeping executor woke up.
    #[inline]
    pub(crate) fn busy(executor: &RawExecutor) {
        #[cfg(feature = "time")]
        super::timeline::executor_event(executor, super::timeline::EventKind::Busy);
        #[cfg(not(feature = "time"))]
        let _ = executor;
    }

    /// An interrupt executor's handler starts a batch.
    #[cfg_attr(not(mote_cortex_m), allow(dead_code))]
    #[inline]
    pub(crate) fn interrupt(executor: &RawExecutor) {
        #[cfg(feature = "time")]
        super::timeline::executor_event(executor, super::timeline::EventKind::Interrupt);
        #[cfg(not(feature = "time"))]
        let _ = executor;
    }
}

/// What a task is doing, as seen when its [`TaskInfo`] was taken.
///
/// ```text
///            spawn / wake                poll begins
///   Free ──────────────────► Queued ─────────────────► Running
///    ▲                         ▲                          │ Pending   │ Ready
///    │                         └── wake ── Sleeping ◄─────┘           │
///    └─────────────────────────────────────────────────────────────────┘
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Being polled right now (by its executor; perhaps preempted by the reader).
    Running,
    /// In its executor's run queue, waiting for its turn.
    Queued,
    /// Spawned, waiting for a wake (an event or a timer).
    Sleeping,
    /// No instance alive in this slot (finished; the slot may be spawned again).
    Free,
}

impl TaskState {
    /// The state as a lowercase word.
    ///
    /// ```
    /// assert_eq!(mote::trace::TaskState::Queued.as_str(), "queued");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskState::Running => "running",
            TaskState::Queued => "queued",
            TaskState::Sleeping => "sleeping",
            TaskState::Free => "free",
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A snapshot of one task slot: its task function's name, statistics and state.
///
/// ```
/// mote::trace::for_each_task(|task: &mote::trace::TaskInfo| {
///     let _ = (task.name, task.polls, task.wakes, task.state);
///     if let Some(sizes) = task.sizes {
///         assert!(sizes.pool_bytes >= sizes.pool_size * sizes.future);
///     }
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The slot's id, as passed to the [`EventHooks`] callbacks.
    pub id: TaskId,
    /// The name of the `#[mote::task]` function (instances of a task with
    /// `pool_size > 1` share it).
    pub name: &'static str,
    /// The static RAM of the task function (its future, slot and pool), computed at
    /// compile time; `None` for a task not made by `#[mote::task]`. The same figures,
    /// for every task function of a firmware, come from `cargo xtask size --tasks`. (A
    /// reference: one word in the snapshot.)
    pub sizes: Option<&'static TaskSizes>,
    /// Polls of the task's future since its slot's first spawn or the last [`reset`].
    pub polls: u32,
    /// Wakes that queued the task (a wake of a queued task is not counted again).
    pub wakes: u32,
    /// The longest single poll.
    #[cfg(feature = "time")]
    pub longest_poll: Duration,
    /// The time spent in all polls.
    #[cfg(feature = "time")]
    pub total_poll: Duration,
    /// The longest wait from being queued (spawn, wake, or timer deadline) to the start
    /// of the poll that followed.
    #[cfg(feature = "time")]
    pub longest_wait: Duration,
    /// What the task was doing when the snapshot was taken.
    pub state: TaskState,
}

/// Calls `f` with a snapshot of every task slot ever spawned, in first-spawn order.
/// `f` runs outside any critical section; it may spawn tasks (those appended before the
/// walk ends are visited too). O(slots ever spawned).
///
/// ```
/// let mut tasks = 0;
/// mote::trace::for_each_task(|_| tasks += 1);
/// # let _ = tasks;
/// ```
pub fn for_each_task(mut f: impl FnMut(&TaskInfo)) {
    registry::walk(|task| f(&task_trace::info(task)));
}

/// Clears the statistics of every task (polls, wakes and durations; names, states and
/// the list stay). A poll running meanwhile is counted after the reset.
///
/// ```
/// mote::trace::reset();
/// mote::trace::for_each_task(|task| assert_eq!(task.polls, 0));
/// ```
pub fn reset() {
    registry::walk(|task| task.header().trace.with_stats(|s| s.clear()));
}
