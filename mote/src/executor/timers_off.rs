//! The executor's timer seam without the `time` feature: the API of `timers_on.rs` as
//! zero-sized types and no-ops (see [`timers`](crate::executor::timers)).

use crate::executor::header::TaskRef;
use crate::executor::raw::RawExecutor;

/// No timer node: zero bytes in the task header.
pub(crate) struct TaskTimer;

impl TaskTimer {
    #[cfg(test)]
    pub(crate) const fn new() -> Self {
        TaskTimer
    }
}

/// No timers: nothing to do around a batch, always free to sleep.
pub(crate) struct Timers;

impl Timers {
    pub(crate) const fn new() -> Self {
        Timers
    }

    #[inline(always)]
    pub(crate) fn batch_begin(&self, _: &'static RawExecutor) {}

    #[inline(always)]
    pub(crate) fn after_batch(&self, _: &'static RawExecutor) {}

    #[allow(dead_code)] // not every backend sleeps
    #[inline(always)]
    pub(crate) fn allow_sleep(&self, _: &'static RawExecutor) -> bool {
        true
    }
}

/// Finishes a task of a small pool: one state change, which also frees the slot.
///
/// # Safety
/// Called by the task's executor right after dropping its completed future.
#[inline(always)]
pub(crate) unsafe fn finish_small(task: TaskRef) {
    task.header().state.finish_single();
}

/// Finishes a task of a large pool inside the critical section that releases its slot;
/// `true` if the slot can be released now.
///
/// # Safety
/// As for [`finish_small`]; the caller holds `_cs`.
#[inline(always)]
pub(crate) unsafe fn finish_in_cs(
    _cs: critical_section::CriticalSection<'_>,
    task: TaskRef,
) -> bool {
    task.header().state.finish_in_cs()
}
