//! `MaybeDone`: one inner future of a join, stored in place, then its output.
//!
//! ```text
//!  ┌─────────────┐ poll_done: inner Ready  ┌──────────┐ take_output ┌───────┐
//!  │ Running(F)  │ ──────────────────────► │ Done(T)  │ ──────────► │ Taken │
//!  └─────────────┘  (F dropped in place)   └──────────┘             └───────┘
//! ```
//!
//! The future `F` is structurally pinned while `Running` (structural pinning invariant,
//! module docs of `futures`); the output `T` is not pinned and may be moved out.

use core::future::Future;
use core::mem;
use core::pin::Pin;
use core::task::{Context, Poll};

/// One slot of a join: the running future, then its output, then nothing.
pub(crate) enum MaybeDone<F: Future> {
    /// The future has not finished; it is pinned in place.
    Running(F),
    /// The future finished; its output waits to be taken.
    Done(F::Output),
    /// The output was taken (the join finished).
    Taken,
}

impl<F: Future> MaybeDone<F> {
    /// Polls the future if it is still running. Returns `true` once it has finished
    /// (`Done` or `Taken`); a finished future is never polled again.
    pub(crate) fn poll_done(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: structural pinning invariant: the `Running` future is only pinned in
        // place below, and replaced only by assignment, which drops it in place.
        let this = unsafe { self.get_unchecked_mut() };
        let MaybeDone::Running(future) = this else {
            return true;
        };
        // SAFETY: structural pinning invariant: `future` lives inside the pinned slot and
        // is not moved until it is dropped in place by the assignment below.
        match unsafe { Pin::new_unchecked(future) }.poll(cx) {
            Poll::Ready(output) => {
                // Assignment drops the finished future in place, then stores the output.
                *this = MaybeDone::Done(output);
                true
            }
            Poll::Pending => false,
        }
    }

    /// Moves the output out, leaving `Taken`. Returns `None` unless the slot is `Done`.
    pub(crate) fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: structural pinning invariant: we move the slot's value out only in the
        // `Done` state, when it holds no future (outputs are not pinned).
        let this = unsafe { self.get_unchecked_mut() };
        if !matches!(this, MaybeDone::Done(_)) {
            return None;
        }
        match mem::replace(this, MaybeDone::Taken) {
            MaybeDone::Done(output) => Some(output),
            // Unreachable: the slot was checked to be `Done` just above.
            MaybeDone::Running(_) | MaybeDone::Taken => None,
        }
    }
}
