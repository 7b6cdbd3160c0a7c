//! The seam between the executor and `time`: everything the executor does for timers,
//! and nothing else of `time`, goes through this module. With the `time` feature it is
//! `timers_on.rs`; without it `timers_off.rs`, the same API as no-ops and zero-sized
//! types, so the poll loop (`raw.rs`) and the finish path (`pool.rs`) carry no
//! `#[cfg(feature = "time")]`.
//!
//! Time reaches the executor in exactly two places:
//!
//! 1. **The task's timer node** ([`TaskTimer`], a field of every task header: a
//!    [`TimerNode`](crate::time::timer_queue::TimerNode) with `time`, zero bytes
//!    without). A timer future polled by a task registers through `schedule_wake`, which
//!    queues the node on the task's executor; the node leaves the queue when its
//!    deadline is popped or when its task finishes.
//! 2. **The alarm callback**: the executor's one alarm slot, armed for its earliest
//!    deadline, calls back into the executor, which records that a deadline may be due
//!    and pends itself. Timer work then happens at the start of the next batch, and only
//!    then ("time costs nothing until it is due").
//!
//! What the executor calls, and when (`E` is the executor, `T` its [`Timers`]):
//!
//! ```text
//!   RawExecutor::poll:  T.batch_begin(E)   if the alarm fired or a deadline was found
//!                                          passed: pop the due nodes, wake their tasks
//!                                          (no pend: the batch taken next holds them);
//!                                          otherwise one flag load
//!                       poll the batch
//!                       T.after_batch(E)   re-arm if the earliest deadline moved
//!                                          (otherwise one flag load); a deadline
//!                                          found reached: pend E, to run again
//!   before sleeping:    T.allow_sleep(E)   arm the alarm; false: poll again instead
//!   a task finished:    finish_small(task) / finish_in_cs(cs, task), see below
//! ```
//!
//! An interrupt executor's handler is `poll` and nothing more: it returns with the alarm
//! armed for the earliest deadline, or pended to run again (`after_batch`), or with the
//! alarm callback bound to pend it.
//!
//! A timer registered with a task waker pends the task's executor when its deadline is
//! the new earliest one, so that it re-arms, except when it is registered from the
//! executor's own context (`RawExecutor::is_current_context`: one of its tasks' polls,
//! after which the batch re-arms). Only registrations from elsewhere (a task waker
//! handed to code polled in another context) pay the pend. A context is the executor's
//! own for good only where nothing but the executor runs in it, or where its loop arms
//! the alarm before it sleeps (the thread-mode and std executors, a bound interrupt
//! executor's handler); for `RawExecutor::poll` and `InterruptExecutor::on_interrupt`,
//! whose caller may run other code in the same context after the batch, only while the
//! batch runs (review12: a timer registered by a handler after `on_interrupt` was left
//! unarmed until the next interrupt).
//!
//! **Finishing a task that may have a queued timer node.** A finished task's node must
//! not stay queued: its slot may be spawned again, possibly on another executor (one
//! node, one queue), and a stale waker must never queue the node of a reused slot. The
//! task state's `TIMER_QUEUED` flag ([`state`](super::state)) is set in the critical
//! section that queues the node (only while the task is `SPAWNED`) and cleared in the
//! one that pops it. A small pool's finish clears `SPAWNED` first (after which nothing
//! queues the node again) and then reads the flag: clear — the task never slept, or its
//! timers all fired — and the finish is done, with no critical section (the spawn
//! benchmark's trivial task); set, the slot stays busy while the node is unlinked in a
//! critical section, then the flag is cleared and the slot is free. A large pool's
//! finish takes a critical section anyway (its free list), and unlinks the node there.

#[cfg(feature = "time")]
#[path = "timers_on.rs"]
mod imp;
#[cfg(not(feature = "time"))]
#[path = "timers_off.rs"]
mod imp;

#[cfg(feature = "time")]
pub(crate) use imp::schedule_wake;
pub(crate) use imp::{finish_in_cs, finish_small, TaskTimer, Timers};
