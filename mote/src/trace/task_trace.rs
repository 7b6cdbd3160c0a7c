//! The per-task part of tracing: the fields each task header carries behind `trace`, and
//! the hooks through which the executor fills them.
//!
//! Who touches what (each rule is cited by name in the `// SAFETY:` comments):
//! - **Stats Guard**: `stats` and `linked` are read and written only inside a critical
//!   section, by any context (executor, waker, reader, `reset`).
//! - **Entry Owner**: `woken_at` follows the run-queue link's rule: it is written by the
//!   context that owns the task's run-queue entry before it publishes the entry (the
//!   spawner before the spawn, the waker that set `RUN_QUEUED` before its push) and read
//!   by the executor after taking the entry, before it dequeues the task.
//! - `next` (the list of all tasks) is written inside the registry's critical section
//!   only, and read inside a critical section.
//! - `running` is an atomic flag, stored by the executor polling the task.
//!
//! Hooks, in the order a task meets them:
//!
//! ```text
//!  #[mote::task] fn call ─► set_name      (claimed slot, not spawned yet)
//!  Spawner::spawn ────────► spawning      (link into the list once; stamp the queueing)
//!  waker: RUN_QUEUED set ─► queued        (count the wake; stamp it, or the timer deadline)
//!  executor, batch ───────► poll_begin    (before dequeue: read the stamp, start the clock)
//!                           ─ poll ─
//!                           poll_end      (count, durations; long-poll hook)
//! ```

use core::cell::UnsafeCell;

use crate::executor::header::{TaskHeader, TaskRef};
use crate::executor::state::{RUN_QUEUED, SPAWNED};
use crate::executor::task_meta::TaskMeta;
use crate::loom::{AtomicBool, Ordering};

use super::events::{self, TaskId};
use super::{TaskInfo, TaskState};

/// Statistics of one task (Stats Guard). All-zero is "unnamed, nothing counted".
#[derive(Clone, Copy)]
pub(crate) struct Stats {
    /// Points to the task function's name and sizes (a `static` the macro declares), or
    /// null.
    pub(crate) meta: *const TaskMeta,
    pub(crate) polls: u32,
    pub(crate) wakes: u32,
    /// Ticks, saturated at `u32::MAX`.
    #[cfg(feature = "time")]
    pub(crate) longest_poll: u32,
    /// Ticks, low and high word (two words keep the header 4-byte aligned).
    #[cfg(feature = "time")]
    pub(crate) total_poll: [u32; 2],
    /// Ticks, saturated at `u32::MAX`.
    #[cfg(feature = "time")]
    pub(crate) longest_wait: u32,
}

impl Stats {
    /// Zeroes the counters and durations, keeps the name.
    pub(crate) fn clear(&mut self) {
        *self = Stats {
            meta: self.meta,
            polls: 0,
            wakes: 0,
            #[cfg(feature = "time")]
            longest_poll: 0,
            #[cfg(feature = "time")]
            total_poll: [0; 2],
            #[cfg(feature = "time")]
            longest_wait: 0,
        };
    }
}

/// The trace fields of a task header: 20 bytes on 32-bit targets, 40 with `time`.
/// Valid when all-zero (pools start zeroed).
#[repr(C)]
pub(crate) struct TaskTrace {
    /// The next task in the list of all tasks ever spawned (see `registry`).
    pub(crate) next: UnsafeCell<*const TaskHeader>,
    /// Low 32 bits of the tick at which the task was queued (Entry Owner).
    #[cfg(feature = "time")]
    woken_at: UnsafeCell<u32>,
    stats: UnsafeCell<Stats>,
    running: AtomicBool,
    /// Set once the header is in the list (Stats Guard).
    linked: UnsafeCell<bool>,
}

// The per-task cost stated in the module docs of `trace`, checked on 32-bit targets.
#[cfg(all(target_pointer_width = "32", not(feature = "time")))]
const _: () = assert!(core::mem::size_of::<TaskTrace>() == 20);
#[cfg(all(target_pointer_width = "32", feature = "time"))]
const _: () = assert!(core::mem::size_of::<TaskTrace>() == 40);

impl TaskTrace {
    /// An all-zero trace part (tests build headers by hand; pools start zeroed).
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self {
            next: UnsafeCell::new(core::ptr::null()),
            #[cfg(feature = "time")]
            woken_at: UnsafeCell::new(0),
            stats: UnsafeCell::new(Stats {
                meta: core::ptr::null(),
                polls: 0,
                wakes: 0,
                #[cfg(feature = "time")]
                longest_poll: 0,
                #[cfg(feature = "time")]
                total_poll: [0; 2],
                #[cfg(feature = "time")]
                longest_wait: 0,
            }),
            running: AtomicBool::new(false),
            linked: UnsafeCell::new(false),
        }
    }

    /// Runs `f` on the statistics inside a critical section (Stats Guard). `f` must not
    /// reach this task's statistics again.
    #[inline]
    pub(crate) fn with_stats<R>(&self, f: impl FnOnce(&mut Stats) -> R) -> R {
        critical_section::with(|_| {
            // SAFETY: Stats Guard: the statistics are only accessed inside critical
            // sections, and this is the only reference made in this one (`f` does not
            // come back here).
            f(unsafe { &mut *self.stats.get() })
        })
    }
}

/// The trace part of a task's header.
#[inline]
fn trace_of(task: TaskRef) -> &'static TaskTrace {
    &task.header().trace
}

/// The id external tools see for `task`.
#[inline]
pub(crate) fn id_of(task: TaskRef) -> TaskId {
    TaskId(task.as_ptr().addr())
}

/// The clock, in ticks (a registered time driver is required with `time` + `trace`).
#[cfg(feature = "time")]
#[inline]
fn now() -> u64 {
    crate::time::driver::now()
}

/// Records the task function's name and sizes in a claimed, not yet spawned slot.
pub(crate) fn set_name(task: TaskRef, meta: &'static TaskMeta) {
    trace_of(task).with_stats(|s| s.meta = meta);
}

/// The task is about to be spawned: link it into the list of all tasks (first spawn of
/// this slot only) and stamp its queueing time.
///
/// Called by the owner of a claimed, unspawned slot (its spawn token).
pub(crate) fn spawning(task: TaskRef) {
    let trace = trace_of(task);
    critical_section::with(|_| {
        // SAFETY: Stats Guard: `linked` is only accessed inside critical sections.
        let linked = unsafe { &mut *trace.linked.get() };
        if !*linked {
            *linked = true;
            super::registry::link(task);
        }
    });
    trace.running.store(false, Ordering::Relaxed);
    #[cfg(feature = "time")]
    // SAFETY: Entry Owner: the unspawned slot's first run-queue entry belongs to the
    // spawner until `RawExecutor::spawn` pushes it.
    unsafe {
        *trace.woken_at.get() = now() as u32
    };
    if let Some(h) = events::hooks() {
        (h.ready)(id_of(task));
    }
}

/// A wake just set the task's `RUN_QUEUED` bit and will push it: count the wake and stamp
/// it with `since` (a timer's deadline) or, if `None`, with the current tick.
#[inline(never)]
pub(crate) fn queued(task: TaskRef, since: Option<u64>) {
    let trace = trace_of(task);
    trace.with_stats(|s| s.wakes = s.wakes.wrapping_add(1));
    #[cfg(feature = "time")]
    {
        let at = match since {
            Some(at) => at.min(now()),
            None => now(),
        };
        // SAFETY: Entry Owner: the caller set RUN_QUEUED and has not pushed yet.
        unsafe { *trace.woken_at.get() = at as u32 };
    }
    #[cfg(not(feature = "time"))]
    let _ = since;
    if let Some(h) = events::hooks() {
        (h.ready)(id_of(task));
    }
}

/// The executor popped `task`'s timer `node`, due: wake the task, dating the wake from the
/// timer's deadline (the moment the task became ready), not from now.
#[cfg(feature = "time")]
pub(crate) fn wake_due(
    task: TaskRef,
    node: core::ptr::NonNull<crate::time::timer_queue::TimerNode>,
) {
    let deadline = critical_section::with(|_| {
        // SAFETY: the node is a field of a 'static task header (Header Valid Invariant);
        // queue operations on it run in critical sections, so none runs concurrently
        // with this read (Queue Access Invariant).
        unsafe { node.as_ref().deadline() }
    });
    crate::executor::wake_task_since(task, Some(deadline));
}

/// What [`poll_begin`] measured, handed to [`poll_end`].
#[derive(Clone, Copy)]
pub(crate) struct PollBegin {
    #[cfg(feature = "time")]
    start: u64,
    #[cfg(feature = "time")]
    wait: u32,
}

/// The executor took `task` from its run queue and is about to dequeue and poll it.
/// Called before `dequeue`, while the executor still owns the run-queue entry.
#[inline(never)]
pub(crate) fn poll_begin(task: TaskRef) -> PollBegin {
    let trace = trace_of(task);
    trace.running.store(true, Ordering::Relaxed);
    if let Some(h) = events::hooks() {
        (h.poll_begin)(id_of(task));
    }
    #[cfg(feature = "time")]
    {
        let start = now();
        // SAFETY: Entry Owner: the executor owns the entry it took (RUN_QUEUED is still
        // set, so no waker writes the stamp).
        let woken = unsafe { *trace.woken_at.get() };
        PollBegin {
            start,
            wait: (start as u32).wrapping_sub(woken),
        }
    }
    #[cfg(not(feature = "time"))]
    PollBegin {}
}

/// The executor polled `task` (after [`poll_begin`]); the task is still spawned on it.
/// Updates the statistics and, with `time`, calls the long-poll hook if the poll took
/// longer than its threshold.
#[inline(never)]
pub(crate) fn poll_end(task: TaskRef, begin: PollBegin) {
    let trace = trace_of(task);
    #[cfg(feature = "time")]
    {
        let took = u32::try_from(now().saturating_sub(begin.start)).unwrap_or(u32::MAX);
        let long = critical_section::with(|cs| {
            // SAFETY: Stats Guard (inside a critical section, one reference).
            let s = unsafe { &mut *trace.stats.get() };
            s.polls = s.polls.wrapping_add(1);
            s.longest_poll = s.longest_poll.max(took);
            let total = (u64::from(s.total_poll[1]) << 32 | u64::from(s.total_poll[0]))
                .saturating_add(u64::from(took));
            s.total_poll = [total as u32, (total >> 32) as u32];
            s.longest_wait = s.longest_wait.max(begin.wait);
            let hook = super::long_poll::hook_for(cs, took)?;
            Some((hook, info_in_cs(task, s, TaskState::Running)))
        });
        if let Some(h) = events::hooks() {
            (h.poll_end)(id_of(task));
        }
        if let Some((hook, info)) = long {
            hook(&info, crate::time::Duration::from_ticks(u64::from(took)));
        }
    }
    #[cfg(not(feature = "time"))]
    {
        let _ = begin;
        trace.with_stats(|s| s.polls = s.polls.wrapping_add(1));
        if let Some(h) = events::hooks() {
            (h.poll_end)(id_of(task));
        }
    }
    trace.running.store(false, Ordering::Relaxed);
}

/// The run-queue entry [`poll_begin`] started was stale (the task had finished): nothing
/// was polled, the slot is being released.
#[cold]
pub(crate) fn poll_skipped(task: TaskRef) {
    trace_of(task).running.store(false, Ordering::Relaxed);
    if let Some(h) = events::hooks() {
        (h.poll_end)(id_of(task));
    }
}

/// A snapshot of statistics read inside the caller's critical section.
fn info_in_cs(task: TaskRef, s: &Stats, state: TaskState) -> TaskInfo {
    // SAFETY: a non-null pointer is a `&'static TaskMeta` (`set_name`).
    let meta = unsafe { s.meta.as_ref() };
    TaskInfo {
        id: id_of(task),
        name: meta.map_or("?", |m| m.name),
        sizes: meta.map(|m| &m.sizes),
        polls: s.polls,
        wakes: s.wakes,
        #[cfg(feature = "time")]
        longest_poll: crate::time::Duration::from_ticks(u64::from(s.longest_poll)),
        #[cfg(feature = "time")]
        total_poll: crate::time::Duration::from_ticks(
            u64::from(s.total_poll[1]) << 32 | u64::from(s.total_poll[0]),
        ),
        #[cfg(feature = "time")]
        longest_wait: crate::time::Duration::from_ticks(u64::from(s.longest_wait)),
        state,
    }
}

/// A consistent snapshot of `task`'s name, statistics and state.
pub(crate) fn info(task: TaskRef) -> TaskInfo {
    let trace = trace_of(task);
    trace.with_stats(|s| {
        let bits = task.header().state.bits();
        let state = if bits & SPAWNED == 0 {
            TaskState::Free
        } else if trace.running.load(Ordering::Relaxed) {
            TaskState::Running
        } else if bits & RUN_QUEUED != 0 {
            TaskState::Queued
        } else {
            TaskState::Sleeping
        };
        info_in_cs(task, s, state)
    })
}
