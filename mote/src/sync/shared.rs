//! [`Shared`]: the lock-plus-state core of every waiting primitive.
//!
//! Invariants: the state is touched only inside [`Shared::with`] (under the raw mutex and
//! a `RefCell` borrow); wakers returned by [`Grant::grant_one`] (or handed out by
//! [`Shared::with_wake`]'s closure) are woken only after the lock is released.
//!
//! **Checked sections.** Each lock section takes the `RefCell` borrow flag as well as the
//! raw mutex: the raw mutex excludes other execution contexts, the flag excludes the
//! same context. Foreign code that runs under the lock (a waker's `clone`/`drop`, a
//! value's `Clone`/`Drop`/`Ord`) and re-enters the same primitive therefore panics
//! ("already borrowed") instead of making a second `&mut` to the state. No invariant of
//! the callers is needed for soundness, so none is: every primitive is built with
//! [`Shared::new`]. (An earlier unchecked kind skipped the flag and relied on an
//! unenforced rule that no foreign code runs under the lock; it was removed, see
//! `bench/ANALYSIS.md` for what the flag costs.)
//!
//! Cost: [`Shared::update`] takes the lock once when the operation grants nobody or when
//! [`Grant::may_grant`] rules out a second grant (the common case); only then does it
//! re-take the lock to look for further grants, one per lock section. The borrow flag
//! costs about 8 instructions per section on thumbv7m (load, test, branch, set; load,
//! increment, store to release it).

use core::cell::RefCell;
use core::task::Waker;

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::blocking_mutex::Mutex;

/// A primitive's state that can hand its resource to waiting futures.
pub(crate) trait Grant {
    /// Grants one waiter that can progress now (moving the resource to it) and returns
    /// its waker; `None` when no waiter can progress.
    fn grant_one(&mut self) -> Option<Waker>;

    /// False only when [`grant_one`](Self::grant_one) would surely return `None` now (a
    /// cheap check; `true` is always a correct answer, it just costs another lock
    /// section in [`Shared::update`]).
    #[inline]
    fn may_grant(&self) -> bool {
        true
    }
}

/// State `S` behind a raw mutex of kind `M` and a `RefCell` (module docs).
pub(crate) struct Shared<M, S> {
    state: Mutex<M, RefCell<S>>,
}

impl<M: RawMutex, S> Shared<M, S> {
    /// A `Shared` over `state`: re-entrant access from foreign code panics.
    pub(crate) const fn new(state: S) -> Self {
        Self {
            state: Mutex::new(RefCell::new(state)),
        }
    }
}

impl<M: RawMutex, S> Shared<M, S> {
    /// Runs `f` on the state under the lock. Panics if `f` (through foreign code it runs)
    /// re-enters this `Shared`.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        self.state.lock(|cell| f(&mut cell.borrow_mut()))
    }

    /// Runs `f` on the state under the lock and wakes the waker it returns (if any) after
    /// releasing the lock: for operations that know they allow at most one grant.
    #[inline]
    pub(crate) fn with_wake<R>(&self, f: impl FnOnce(&mut S) -> (R, Option<Waker>)) -> R {
        let (result, waker) = self.with(f);
        if let Some(w) = waker {
            w.wake();
        }
        result
    }
}

impl<M: RawMutex, S: Grant> Shared<M, S> {
    /// Runs `f` under the lock, then grants every waiter that can now progress and wakes
    /// them after releasing the lock.
    #[inline]
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let (result, first, more) = self.with(|s| {
            let r = f(s);
            let first = s.grant_one();
            let more = first.is_some() && s.may_grant();
            (r, first, more)
        });
        if let Some(w) = first {
            w.wake();
            if more {
                self.grant_rest();
            }
        }
        result
    }

    /// Like [`update`](Self::update), for operations that make their own grant: `f` returns
    /// its result, the waker of the waiter it granted, and whether a further grant may be
    /// possible. Only then is the lock taken again to grant the rest.
    ///
    /// `f` must leave nothing ungranted that [`Grant::grant_one`] would grant, except when
    /// it returns a waker and `true` (the primitive's invariants usually tell it exactly
    /// which single grant its change allows).
    #[inline]
    pub(crate) fn update_granted<R>(
        &self,
        f: impl FnOnce(&mut S) -> (R, Option<Waker>, bool),
    ) -> R {
        let (result, first, more) = self.with(f);
        if let Some(w) = first {
            w.wake();
            if more {
                self.grant_rest();
            }
        }
        result
    }

    /// Grants (and wakes) the remaining waiters that can progress, one lock section each.
    #[inline(never)]
    fn grant_rest(&self) {
        while let Some(w) = self.with(S::grant_one) {
            w.wake();
        }
    }
}
