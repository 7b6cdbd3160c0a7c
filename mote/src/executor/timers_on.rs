//! The executor's timer seam with the `time` feature (see [`timers`](crate::executor::timers)): the
//! executor's timer queue and alarm slot, the alarm callback, the registration of a
//! task's timer node, and the unlinking of a finished task's node.

use core::ptr::NonNull;
use core::task::Waker;

use crate::executor::header::{TaskHeader, TaskRef};
use crate::executor::raw::RawExecutor;
use crate::loom::const_fn_unless_loom;
use crate::time::driver::AlarmCallback;
use crate::time::executor_timers::{ExecutorTimers, WorkFlags};
use crate::time::timer_queue::TimerNode;

/// The timer node in every task header (20 bytes on 32-bit targets).
pub(crate) type TaskTimer = TimerNode;

/// An executor's timers: its timer queue with its alarm slot.
pub(crate) struct Timers {
    queue: ExecutorTimers,
}

impl Timers {
    const_fn_unless_loom! {
        pub(crate) fn new() -> Self {
            Timers {
                queue: ExecutorTimers::new(),
            }
        }
    }

    /// Before a batch: due timers are popped (their tasks join the batch taken next) if
    /// the alarm fired or a deadline was found passed; otherwise the alarm is armed if a
    /// re-arm was asked for (a registration from another context, or a thread-mode loop's
    /// previous batch). With no timer work, one load: no clock read, no critical section.
    #[inline(always)]
    pub(crate) fn batch_begin(&self, exec: &'static RawExecutor) {
        let work = self.queue.work_flags();
        if work.has_work() {
            begin_work(exec, work);
        }
    }

    /// After a batch (an executor that does not loop back to [`batch_begin`]
    /// (Self::batch_begin) at once: an interrupt executor's handler, std's loop): if a
    /// deadline earlier than the armed one was scheduled, or timers were popped, arm the
    /// alarm for the earliest one now, so it fires on time even if the executor never
    /// goes idle. If that finds a deadline reached (or no alarm slot), pends the
    /// executor, so that it runs again and pops it. One load when there is nothing to do.
    ///
    /// So "the `DUE` flag is set and nobody will run the executor" cannot happen: `DUE`
    /// is set by the alarm callback, which pends the executor itself, and by an arming
    /// that failed, here (pend), at the start of a batch (the batch's end or the loop
    /// runs again) or before sleeping (the loop polls again). A handler needs no check of
    /// its own after the batch.
    #[inline(always)]
    pub(crate) fn after_batch(&self, exec: &'static RawExecutor) {
        if self.queue.has_work() {
            rearm_if_asked(exec);
        }
    }

    /// Before the executor sleeps: arms the alarm for the earliest timer (which answers
    /// any pending re-arm request). `false`: a deadline has passed, or the simulated
    /// driver moved time: poll again instead.
    #[allow(dead_code)] // not every backend sleeps
    pub(crate) fn allow_sleep(&self, exec: &'static RawExecutor) -> bool {
        arm(exec) && !self.queue.idle()
    }
}

/// [`Timers::batch_begin`] with work to do: pops due timers (which clears `DUE` and asks
/// for a re-arm, answered at the batch's end, where the woken tasks' new timers are
/// known), or re-arms.
#[inline(always)]
fn begin_work(exec: &'static RawExecutor, work: WorkFlags) {
    if work.is_due() {
        wake_due(exec);
    } else {
        rearm_if_asked(exec);
    }
}

/// Arms the alarm if a re-arm was asked for (`arm_alarm` clears the request in its
/// critical section), and pends the executor if a deadline was found reached. Out of
/// line: the batch's hot path then needs few registers, which shortens the interrupt
/// executor's handler.
#[inline(never)]
fn rearm_if_asked(exec: &'static RawExecutor) {
    if exec.timers.queue.wants_rearm() && !arm(exec) {
        exec.pend();
    }
}

/// The task's timer node, as a pointer derived from the task pointer (not from a
/// reference to the field), so the header can be recovered from it when it is popped.
fn timer_node(task: TaskRef) -> NonNull<TimerNode> {
    // SAFETY: Header Valid Invariant: `task` points to a live header; taking a field
    // address creates no reference.
    let p = unsafe { &raw const (*task.as_ptr()).timer };
    // SAFETY: a field of a non-null header is non-null.
    unsafe { NonNull::new_unchecked(p.cast_mut()) }
}

/// Wakes every task of `exec` whose timer is due (up to the deadline its alarm fired
/// for, or the clock), in one critical section: each pop
/// clears the task's `TIMER_QUEUED` flag in the section that unlinks its node, and the
/// wake (whose run-queue push nests a critical section, a few instructions) follows
/// in it, so the last, empty pop costs no section of its own.
#[inline(never)]
fn wake_due(exec: &'static RawExecutor) {
    let timers = &exec.timers.queue;
    critical_section::with(|cs| {
        // Clears `DUE` (a deadline reached from now on sets it again) and asks for a
        // re-arm after the pops; pops up to the deadline the alarm fired for (reached:
        // no clock reading), else up to now.
        let Some(now) = timers.take_due_and_fired_in_cs(cs).or_else(|| timers.now()) else {
            return; // no timer ever scheduled here
        };
        while let Some(node) = timers.pop_due_in_cs(cs, now) {
            let offset = core::mem::offset_of!(TaskHeader, timer);
            // SAFETY: every node in this queue is the `timer` field of a 'static task
            // header (only `schedule_wake` queues nodes, and only task headers' nodes),
            // and its pointer was derived from the task pointer (`timer_node`).
            let task = unsafe { TaskRef::from_ptr(node.as_ptr().byte_sub(offset).cast()) };
            task.header().state.timer_unqueued();
            #[cfg(feature = "trace")]
            crate::trace::task_trace::wake_due(task, node);
            // The task is one of `exec`'s (only its live tasks' nodes are in this
            // queue), and the batch taken right after this (in `poll`) includes it: no
            // pend, and the push happens in this critical section.
            #[cfg(not(feature = "trace"))]
            crate::executor::run_queue::wake_and_push_in_cs(cs, task, exec.run_queue());
        }
    });
}

/// Arms `exec`'s alarm for its earliest timer. `false`: a deadline has already passed,
/// poll again instead of sleeping.
fn arm(exec: &'static RawExecutor) -> bool {
    /// The alarm callback: the one way the driver reaches an executor.
    fn fired(ctx: *const ()) {
        // SAFETY: `ctx` is a `&'static RawExecutor` (see below).
        let exec = unsafe { &*(ctx as *const RawExecutor) };
        exec.timers.queue.alarm_fired();
        exec.pend();
    }
    // SAFETY: `fired` only records the alarm (a critical section and a flag) and calls
    // the pender, callable from any context by contract; the executor is 'static.
    let cb = unsafe { AlarmCallback::new(fired, exec as *const RawExecutor as *const ()) };
    exec.timers.queue.arm_alarm(cb)
}

/// Wakes `waker` at tick `at` if it is a Mote task waker, by queueing the task's own
/// timer node on its executor, and returns `true`; returns `false` for any other waker
/// (the caller then uses its own fallback entry).
///
/// A task waker may be stale (its task finished, the slot may be free or re-spawned on
/// another executor). The check that the slot is spawned (which also sets its
/// `TIMER_QUEUED` flag), the read of its executor and the queueing happen in one
/// critical section; a task's finish clears `SPAWNED` before it reads that flag, and
/// unlinks the node (in a critical section) before the slot is free again. So a node is
/// only ever queued on the executor of the slot's live task: a stale waker causes at
/// most a spurious wake of the slot's next occupant, never a node in two queues or a
/// lost timer.
pub(crate) fn schedule_wake(at: u64, waker: &Waker) -> bool {
    match crate::executor::waker::task_from_waker(waker) {
        Some(task) => {
            let pend = critical_section::with(|cs| {
                let header = task.header();
                if !header.state.mark_timer_queued() {
                    return None; // a stale waker of a finished task: nothing to wake
                }
                // SAFETY: spawned, and its finish cannot complete before this critical
                // section ends (it must read `TIMER_QUEUED`, set above, and then unlink
                // the node in a critical section), so the executor pointer is current
                // and 'static.
                let exec = unsafe { header.executor() };
                let timers = &exec.timers;
                // Registered from the executor's own context (one of its tasks' polls):
                // it re-arms after the batch (`after_batch`), no pend needed.
                let busy = || exec.is_current_context();
                // SAFETY: the header is 'static; its node is only queued on the executor
                // of the slot's live task (the check above, and the finish path).
                unsafe { timers.queue.schedule_in_cs(cs, timer_node(task), at, busy) }
                    .then_some(exec)
            });
            if let Some(exec) = pend {
                exec.pend();
            }
            true
        }
        None => false,
    }
}

/// Finishes a task of a small pool (whose slot is free once its state is 0): clears
/// `SPAWNED` with no critical section, and only if the task's timer node may still be
/// queued unlinks it (out of line) before the slot becomes free.
///
/// # Safety
/// Called by the task's executor right after dropping its completed future.
#[inline(always)]
pub(crate) unsafe fn finish_small(task: TaskRef) {
    if task.header().state.finish_single_timed() {
        // SAFETY: forwarded contract; `finish_single_timed` returned `true`.
        unsafe { unlink_finished(task) };
    }
}

/// Unlinks a finished task's timer node, then frees the slot.
///
/// # Safety
/// The task's executor calls it after `finish_single_timed` returned `true` (so the
/// slot stays busy, and no registration queues the node again).
#[cold]
#[inline(never)]
unsafe fn unlink_finished(task: TaskRef) {
    let header = task.header();
    // SAFETY: the slot is busy until `timer_unlinked` below, so the executor pointer is
    // still the one the task ran on (the caller), a 'static executor.
    let exec = unsafe { header.executor() };
    critical_section::with(|cs| {
        // SAFETY: the node is only ever queued on this executor's queue while the task
        // lives (`schedule_wake`), and the header is 'static.
        unsafe { exec.timers.queue.remove_in_cs(cs, timer_node(task)) }
    });
    header.state.timer_unlinked();
}

/// Finishes a task of a large pool inside the critical section that releases its slot:
/// unlinks its timer node (a no-op if not queued) and clears `SPAWNED` and
/// `TIMER_QUEUED`; `true` if the slot can be released now.
///
/// # Safety
/// Called by the task's executor right after dropping its completed future; the caller
/// holds `cs`.
#[inline(always)]
pub(crate) unsafe fn finish_in_cs(
    cs: critical_section::CriticalSection<'_>,
    task: TaskRef,
) -> bool {
    let header = task.header();
    // SAFETY: the caller is the task's executor (so the pointer is set and 'static); the
    // node is only ever queued on this executor's queue while the task lives.
    unsafe {
        header
            .executor()
            .timers
            .queue
            .remove_in_cs(cs, timer_node(task));
    }
    header.state.finish_timed_in_cs()
}
