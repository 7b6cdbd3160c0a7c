//! [`Shared`]: the lock-plus-state core of every waiting primitive.
//!
//! Invariants: the state is touched only inside [`Shared::with`] (under the raw mutex and
//! a `RefCell` borrow, so re-entrant access panics instead of aliasing); wakers returned
//! by [`Grant::grant_one`] are woken only after the lock is released.

use core::cell::RefCell;
use core::task::Waker;

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::blocking_mutex::Mutex;

/// A primitive's state that can hand its resource to waiting futures.
pub(crate) trait Grant {
    /// Grants one waiter that can progress now (moving the resource to it) and returns
    /// its waker; `None` when no waiter can progress.
    fn grant_one(&mut self) -> Option<Waker>;
}

/// State `S` behind a raw mutex of kind `M`.
pub(crate) struct Shared<M, S> {
    state: Mutex<M, RefCell<S>>,
}

impl<M: RawMutex, S> Shared<M, S> {
    pub(crate) const fn new(state: S) -> Self {
        Self {
            state: Mutex::new(RefCell::new(state)),
        }
    }

    /// Runs `f` on the state under the lock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        self.state.lock(|cell| f(&mut cell.borrow_mut()))
    }
}

impl<M: RawMutex, S: Grant> Shared<M, S> {
    /// Runs `f` under the lock, then grants every waiter that can now progress and wakes
    /// them after releasing the lock.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let (result, first) = self.with(|s| {
            let r = f(s);
            (r, s.grant_one())
        });
        if let Some(w) = first {
            w.wake();
            while let Some(w) = self.with(S::grant_one) {
                w.wake();
            }
        }
        result
    }
}
