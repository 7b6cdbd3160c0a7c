//! [`Shared`]: the lock-plus-state core of every waiting primitive.
//!
//! Invariants: the state is touched only inside [`Shared::with`] (under the raw mutex);
//! wakers returned by [`Grant::grant_one`] (or handed out by [`Shared::with_wake`]'s
//! closure) are woken only after the lock is released.
//!
//! Two kinds, chosen by the `CHECKED` parameter when the primitive is built:
//!
//! - **Checked** (`Shared<M, S>`, the default): each lock section also takes a `RefCell`
//!   borrow, so foreign code run under the lock (a waker's `clone`/`drop`, a value's
//!   `Clone`/`Ord`) that re-enters the same primitive panics instead of aliasing.
//! - **Unchecked** (`Shared<M, S, false>`, made by the `unsafe`
//!   [`Shared::new_unchecked`]): no borrow flag; sound because of invariant **SH1**.
//!
//! **SH1 (No Foreign Code Under The Lock)**: a primitive built with
//! [`Shared::new_unchecked`] runs no code it does not own inside any of its lock
//! sections: no waker `clone`/`wake`/`drop` and no `Clone`, `Drop`, `Ord` or `Debug` of
//! user values (values are only moved). Wakers go through a `wait_list::WakerStage`: a
//! Mote task waker, whose clone is a copy of two words, is copied under the lock; for
//! any other waker the lock section declines (changes nothing) and the poll retries with
//! the waker cloned before the lock (`wait_list::StagedWaker`); wakers taken out of the
//! state are woken or dropped after the lock. The raw mutex excludes other execution
//! contexts, so with SH1 no second `&mut S` can exist while a section runs: nothing
//! inside a section can call back into the primitive.
//!
//! Cost: [`Shared::update`] takes the lock once when the operation grants nobody or when
//! [`Grant::may_grant`] rules out a second grant (the common case); only then does it
//! re-take the lock to look for further grants, one per lock section. An unchecked
//! section saves the borrow flag's test and updates (8 instructions on thumbv7m).

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

/// State `S` behind a raw mutex of kind `M`; `CHECKED` selects the kind (module docs).
pub(crate) struct Shared<M, S, const CHECKED: bool = true> {
    state: Mutex<M, RefCell<S>>,
}

impl<M: RawMutex, S> Shared<M, S> {
    /// A checked `Shared`: re-entrant access from foreign code panics.
    pub(crate) const fn new(state: S) -> Self {
        Self {
            state: Mutex::new(RefCell::new(state)),
        }
    }
}

impl<M: RawMutex, S> Shared<M, S, false> {
    /// An unchecked `Shared`: lock sections take no borrow flag.
    ///
    /// # Safety
    ///
    /// Every closure the primitive passes to this `Shared`'s methods upholds SH1 (module
    /// docs): it runs no foreign code.
    pub(crate) const unsafe fn new_unchecked(state: S) -> Self {
        Self {
            state: Mutex::new(RefCell::new(state)),
        }
    }
}

impl<M: RawMutex, S, const CHECKED: bool> Shared<M, S, CHECKED> {
    /// Runs `f` on the state under the lock.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        self.state.lock(|cell| {
            if CHECKED {
                f(&mut cell.borrow_mut())
            } else {
                // SAFETY: SH1 (promised by `new_unchecked`, the only way to build an
                // unchecked `Shared`): the raw mutex excludes other contexts and nothing
                // inside a section re-enters it, so this is the only reference to the
                // state while `f` runs; `borrow_mut` is never used on this cell.
                f(unsafe { &mut *cell.as_ptr() })
            }
        })
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

impl<M: RawMutex, S: Grant, const CHECKED: bool> Shared<M, S, CHECKED> {
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
