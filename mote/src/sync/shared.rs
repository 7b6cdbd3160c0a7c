//! [`Shared`]: the lock-plus-state core of every waiting primitive.
//!
//! Invariants: the state is touched only inside [`Shared::with`] (under the raw mutex and
//! a busy flag); wakers returned by [`Grant::grant_one`] (or handed out by a
//! section's closure) are woken only after the lock is released, every one of them even
//! if an earlier one's `wake` unwinds (Wake-On Invariant, `defer.rs`).
//!
//! **Checked sections.** Each lock section sets a `busy` flag as well as taking the raw
//! mutex: the raw mutex excludes other execution contexts, the flag excludes the same
//! context. Foreign code that runs under the lock (a waker's `clone`/`drop`, a value's
//! `Clone`/`Drop`/`Ord`) and re-enters the same primitive therefore panics ("re-entered
//! under its lock") instead of making a second `&mut` to the state. The check is made at
//! run time on every section, so no invariant of the callers is needed for soundness.
//! (An earlier unchecked kind skipped the flag and relied on an unenforced rule that no
//! foreign code runs under the lock; it was removed.) Primitives whose sections can be
//! written so that they run no foreign code at all, checked by their types, use
//! `quiet.rs` instead and need no flag: Signal and Channel.
//!
//! **Why not `RefCell`.** The flag is a `Cell<bool>` next to an `UnsafeCell<S>` rather
//! than a `RefCell<S>`: the section needs exclusive access only, never shared borrows, so
//! a byte that is tested, set and cleared does the work of `RefCell`'s signed counter
//! (load, compare, store `-1`; load, add, store) with one instruction fewer on each side.
//! A guard clears the flag on unwinding too, so a primitive whose section panicked (a
//! re-entry, a user's `Ord`) stays usable.
//!
//! Cost: [`Shared::update`] takes the lock once when the operation grants nobody or when
//! [`Grant::may_grant`] rules out a second grant (the common case); only then does it
//! re-take the lock to look for further grants, one per lock section. The busy flag
//! costs about 5 instructions per section on thumbv7m (load, test-and-branch, set;
//! clear).

use core::cell::{Cell, UnsafeCell};
use core::task::Waker;

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::blocking_mutex::Mutex;
use crate::sync::defer::Defer;

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

/// State `S` behind a raw mutex of kind `M` and a busy flag (module docs).
pub(crate) struct Shared<M, S> {
    state: Mutex<M, Checked<S>>,
}

/// The state and its busy flag. Invariant (**SC**): a `&mut S` into `state` exists only
/// inside [`Shared::with`], and only while `busy` is true.
struct Checked<S> {
    busy: Cell<bool>,
    state: UnsafeCell<S>,
}

/// Clears the busy flag when a section ends, also by unwinding.
struct Release<'a>(&'a Cell<bool>);

impl Drop for Release<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// A section was entered while another section of the same `Shared` ran in the same
/// execution context (foreign code under the lock re-entered the primitive).
#[cold]
#[inline(never)]
#[track_caller]
fn reentered() -> ! {
    panic!("sync primitive re-entered under its lock (from a waker or value's code)")
}

impl<M: RawMutex, S> Shared<M, S> {
    /// A `Shared` over `state`: re-entrant access from foreign code panics.
    pub(crate) const fn new(state: S) -> Self {
        Self {
            state: Mutex::new(Checked {
                busy: Cell::new(false),
                state: UnsafeCell::new(state),
            }),
        }
    }
}

impl<M: RawMutex, S> Shared<M, S> {
    /// Runs `f` on the state under the lock. Panics if `f` (through foreign code it runs)
    /// re-enters this `Shared`.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        self.state.lock(|c| {
            if c.busy.get() {
                reentered();
            }
            c.busy.set(true);
            let _release = Release(&c.busy);
            // SAFETY: (SC) the raw mutex excludes every other execution context while this
            // closure runs, and `busy` was false, so no section of this `Shared` is running
            // in this context either: no other `&mut S` exists. Until `_release` clears
            // `busy` (after `f` returned or unwound, when this reference is dead), a nested
            // call from this context panics above instead of making a second one.
            f(unsafe { &mut *c.state.get() })
        })
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
            // Wake-On Invariant (`defer.rs`): the rest is granted even if this wake unwinds.
            let _rest = Defer::new(|| {
                if more {
                    self.grant_rest();
                }
            });
            w.wake();
        }
        result
    }

    /// Grants (and wakes) the remaining waiters that can progress, one lock section each.
    #[inline(never)]
    fn grant_rest(&self) {
        while let Some(w) = self.with(S::grant_one) {
            // Wake-On Invariant (`defer.rs`): if this wake unwinds, the rest is granted.
            let on_unwind = Defer::new(|| self.grant_rest());
            w.wake();
            on_unwind.cancel();
        }
    }
}
