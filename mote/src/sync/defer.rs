//! [`Defer`]: the rest of an operation, run even if a foreign waker's `wake` unwinds.
//!
//! An operation that grants several waiters, or wakes a waiter and then a poll slot,
//! wakes them one after the other after its lock. A waker is foreign code: with `std`
//! its `wake` may panic, and the panic unwinds into the operation (and on to its caller,
//! which may catch it). The **Wake-On Invariant**: every wake an operation owes is made
//! even then: the wakes still owed are put in a [`Defer`] before the foreign `wake` runs,
//! so the unwinding makes them. (A second panic during that unwinding aborts, as any
//! panic in a destructor while unwinding does.) Without it, a waiter granted the
//! resource, or a receiver of a changed value, would sleep until some later operation.
//!
//! Cost: none where panics do not unwind (`panic = abort`, the firmware profile): the
//! guard's drop then runs at the end of its scope as a plain call, or is forgotten.

use core::mem::{self, ManuallyDrop};

/// Runs `f` when dropped (at the end of its scope, or while unwinding), unless
/// [`cancel`](Self::cancel)led.
pub(crate) struct Defer<F: FnOnce()>(ManuallyDrop<F>);

impl<F: FnOnce()> Defer<F> {
    /// Arms `f`.
    #[inline(always)]
    pub(crate) fn new(f: F) -> Self {
        Self(ManuallyDrop::new(f))
    }

    /// Disarms: `f` is dropped without running.
    #[inline(always)]
    pub(crate) fn cancel(mut self) {
        // SAFETY: taken once; `self` is forgotten right after, so its `Drop` does not
        // take it again.
        let f = unsafe { ManuallyDrop::take(&mut self.0) };
        mem::forget(self);
        drop(f);
    }
}

impl<F: FnOnce()> Drop for Defer<F> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: taken once, here (`cancel` forgets `self` after taking it).
        let f = unsafe { ManuallyDrop::take(&mut self.0) };
        f();
    }
}
