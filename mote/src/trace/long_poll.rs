//! The long-poll hook: one user function called after any poll longer than a threshold.
//!
//! Guarantees:
//! - The hook and its threshold are read and written together inside critical sections,
//!   so a poll never sees a new hook with an old threshold.
//! - The hook runs in the context of the executor that made the poll (thread mode, or
//!   the interrupt handler of an interrupt executor), after the poll, outside any
//!   critical section; the time it takes is not counted in any task's statistics.

use core::cell::UnsafeCell;

use critical_section::CriticalSection;

use super::TaskInfo;
use crate::time::Duration;

/// A long-poll hook: the task (its statistics already include the long poll) and how long
/// that poll took.
pub type LongPollHook = fn(&TaskInfo, Duration);

struct Config {
    hook: UnsafeCell<Option<LongPollHook>>,
    /// Ticks; a poll fires the hook when it took strictly more.
    threshold: UnsafeCell<u32>,
}

// SAFETY: both fields are only accessed inside critical sections.
unsafe impl Sync for Config {}

static CONFIG: Config = Config {
    hook: UnsafeCell::new(None),
    threshold: UnsafeCell::new(u32::MAX),
};

/// The hook to call for a poll of `took` ticks, if one is set and `took` exceeds its
/// threshold.
#[inline]
pub(crate) fn hook_for(_cs: CriticalSection<'_>, took: u32) -> Option<LongPollHook> {
    // SAFETY: the caller holds a critical section (the token proves it), which guards
    // both fields.
    unsafe {
        if took > *CONFIG.threshold.get() {
            *CONFIG.hook.get()
        } else {
            None
        }
    }
}

/// Sets the long-poll hook: from now on, every poll of any task that takes longer than
/// `threshold` calls `hook` once, right after the poll, in the executor's context.
/// Replaces the previous hook. A threshold of `u32::MAX` ticks or more never fires.
///
/// The hook runs where the executor runs (thread mode, or an interrupt executor's
/// handler) and delays every task of that executor while it runs: keep it short (log
/// a line, bump a counter). It may call [`for_each_task`](super::for_each_task) and
/// [`summary`](super::summary).
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::Duration;
/// use mote::trace::TaskInfo;
///
/// fn report(task: &TaskInfo, took: Duration) {
///     println!("task `{}` blocked its executor for {} us", task.name, took.as_micros());
/// }
/// mote::trace::set_long_poll_hook(Duration::from_millis(5), report);
/// # mote::trace::clear_long_poll_hook();
/// ```
pub fn set_long_poll_hook(threshold: Duration, hook: LongPollHook) {
    let ticks = u32::try_from(threshold.as_ticks()).unwrap_or(u32::MAX);
    critical_section::with(|_| {
        // SAFETY: both fields are guarded by the critical section.
        unsafe {
            *CONFIG.threshold.get() = ticks;
            *CONFIG.hook.get() = Some(hook);
        }
    });
}

/// Removes the long-poll hook (polls are still measured).
///
/// ```
/// mote::trace::clear_long_poll_hook();
/// ```
pub fn clear_long_poll_hook() {
    critical_section::with(|_| {
        // SAFETY: both fields are guarded by the critical section.
        unsafe {
            *CONFIG.hook.get() = None;
            *CONFIG.threshold.get() = u32::MAX;
        }
    });
}

/// A ready-made [`LongPollHook`] (feature `log`): reports the long poll as a `log::warn!`
/// record (target `mote::trace`), naming the task, how long the poll took and which poll
/// it was.
///
/// ```
/// # #[cfg(feature = "log")] {
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::Duration;
/// mote::trace::set_long_poll_hook(Duration::from_millis(5), mote::trace::log_long_poll);
/// # mote::trace::clear_long_poll_hook();
/// # }
/// ```
#[cfg(feature = "log")]
pub fn log_long_poll(task: &TaskInfo, took: Duration) {
    log::warn!(
        target: "mote::trace",
        "task `{}` ran {} us without yielding (its poll {})",
        task.name,
        took.as_micros(),
        task.polls
    );
}

/// A ready-made [`LongPollHook`] (feature `defmt`): reports the long poll as a
/// `defmt::warn!` message, naming the task, how long the poll took and which poll it was.
///
/// ```
/// # #[cfg(feature = "defmt")] {
/// use mote::time::Duration;
/// mote::trace::set_long_poll_hook(Duration::from_millis(5), mote::trace::defmt_long_poll);
/// # }
/// ```
#[cfg(feature = "defmt")]
pub fn defmt_long_poll(task: &TaskInfo, took: Duration) {
    defmt::warn!(
        "task `{=str}` ran {=u64} us without yielding (its poll {=u32})",
        task.name,
        took.as_micros(),
        task.polls
    );
}
