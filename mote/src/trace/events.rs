//! The event seam for external tools (SEGGER SystemView, a logic-analyser pin, a ring
//! buffer dumped by a debugger): three callbacks the executor calls as tasks become
//! ready, start a poll and end it.
//!
//! Guarantees:
//! - No callbacks set (the default): each event costs one atomic pointer load and a
//!   branch. Nothing has to be linked in; no symbol has to be defined.
//! - Every task event names its task by a [`TaskId`], stable for the slot's lifetime
//!   (the header's address) and equal to [`TaskInfo::id`](super::TaskInfo::id), so a
//!   tool can map ids to names with [`for_each_task`](super::for_each_task).
//! - For one task, events come in the order `ready` (spawn or wake) → `poll_begin` →
//!   `poll_end`, each `poll_begin` matched by one `poll_end` (also when the run-queue
//!   entry turned out stale: the task had finished, and its slot is released between
//!   the two). `ready` may come from any context (interrupts, other threads); the poll
//!   events come from the context of the task's executor.
//!
//! ```text
//!   spawn / wake ──► ready(id) ···queued··· poll_begin(id) ──poll── poll_end(id)
//! ```

use crate::loom::{AtomicPtr, Ordering};

/// Identifies a task slot in trace events: the address of its header, the same for every
/// instance spawned in that slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub usize);

/// Callbacks for task events, set once with [`set_event_hooks`]. They run in the
/// context that caused the event, possibly an interrupt handler, sometimes inside a
/// critical section (`ready` on Cortex-M): keep them to a few instructions (record a
/// timestamp and the id in a buffer).
#[derive(Debug, Clone, Copy)]
pub struct EventHooks {
    /// The task was spawned or woken and put in its executor's run queue.
    pub ready: fn(TaskId),
    /// Its executor took the task from the run queue and starts polling it.
    pub poll_begin: fn(TaskId),
    /// The poll returned (or the entry was stale and nothing was polled).
    pub poll_end: fn(TaskId),
}

static HOOKS: AtomicPtr<EventHooks> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the task-event callbacks (replacing any set before). Events already under way
/// in other contexts may still reach the previous callbacks.
///
/// ```
/// use mote::trace::{EventHooks, TaskId};
/// fn ignore(_: TaskId) {}
/// static HOOKS: EventHooks = EventHooks { ready: ignore, poll_begin: ignore, poll_end: ignore };
/// mote::trace::set_event_hooks(&HOOKS);
/// # mote::trace::clear_event_hooks();
/// ```
pub fn set_event_hooks(hooks: &'static EventHooks) {
    HOOKS.store(
        hooks as *const EventHooks as *mut EventHooks,
        Ordering::Release,
    );
}

/// Removes the task-event callbacks.
///
/// ```
/// mote::trace::clear_event_hooks();
/// ```
pub fn clear_event_hooks() {
    HOOKS.store(core::ptr::null_mut(), Ordering::Release);
}

/// The installed callbacks, if any.
#[inline]
pub(crate) fn hooks() -> Option<&'static EventHooks> {
    let p = HOOKS.load(Ordering::Acquire);
    // SAFETY: the pointer is null or came from a `&'static EventHooks` (`set_event_hooks`).
    unsafe { p.cast_const().as_ref() }
}
