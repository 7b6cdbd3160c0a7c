//! [`Quiet`]: lock sections that, by their types, run no code from outside this crate, so
//! they need no re-entry flag (the [`Shared`](super::shared::Shared) sections check one at
//! run time instead).
//!
//! Why a flag is needed at all: every raw mutex kind is re-entrant in its own execution
//! context, so a section's `&mut S` could be aliased by a second section of the same
//! primitive started *from inside the first*. Only foreign code can start one: a waker's
//! `clone`/`drop`/`wake`, or a user value's `Drop`/`Clone`/`Ord`, re-entering the primitive.
//! A quiet section is built so that it has no foreign code to run:
//!
//! - **QS1 (non-capturing section)**: the section is a `fn` pointer,
//!   `fn(&mut S, A) -> R`, so it reaches no value but its two arguments.
//! - **QS2 (inert arguments)**: `S`, `A` and `R` implement [`Inert`], a sealed `unsafe`
//!   trait implemented only for types with which safe code runs no foreign code: plain
//!   integers and flags, wait-list handles whose safe methods only move wakers
//!   ([`QuietList`](super::wait_list::QuietList), [`Waiter`](super::wait_list::Waiter)),
//!   and [`Held`] values. A primitive's state type implements it by listing its fields in
//!   an exhaustive pattern through [`assert_inert`], so a new field of another type fails
//!   to compile.
//! - **QS3 (held values)**: wakers and user values cross a section only as [`Held`]: it
//!   has no drop glue (a `Held` dropped in a section leaks its value instead of running
//!   its `Drop`) and no safe way to reach the value but [`Held::release`], which needs the
//!   [`Unlocked`] proof that only [`Quiet::with`] makes, after the lock is released. So a
//!   section cannot clone, drop or wake a waker, nor drop or clone a value. Wakers are
//!   cloned before the section (for Mote's own task wakers `clone` and `drop` fold to a
//!   copy and nothing when the task is known) and moved in; a stored waker is replaced by
//!   a move, and the replaced one (or the unused new one) is moved out and dropped after
//!   the lock.
//!
//! Users: [`Signal`](crate::sync::signal::Signal) and [`Channel`](crate::sync::channel::Channel)
//! (`Quiet`). The channel engine's sections are written once in this form and run
//! through [`Section`], also under the checked `Shared` of
//! [`PriorityChannel`](crate::sync::priority_channel::PriorityChannel), whose sorted queue
//! runs the user's `Ord` under the lock (so its state is not `Inert` and cannot be put in
//! a `Quiet`).
//!
//! What is checked, and how: QS1 to QS3 by the compiler (the `fn` pointer type, the
//! `Inert` bounds of [`Quiet::with`], `Held`'s private field and `Unlocked`'s private
//! constructor). Not checked: that a section's body (a private `fn` of the primitive's
//! module, a few lines each) calls no global function that runs user code, such as a
//! time driver or a pender. None does; they touch only their arguments. Nor that a
//! section never panics: the panic hook or handler is user code, and one that re-entered
//! the primitive would run under the lock. The section bodies panic only if an internal
//! invariant is already broken (debug assertions, overflow checks of the counters); a
//! checked `Shared` section would catch such a re-entry on its flag. The unsafe
//! trusted part is this module, the `Inert` impls (each with its argument), and the
//! `Held`-moving methods of `wait_list.rs`. A `Held` that a path forgot to release leaks
//! (sound, but a bug): `tests/sync_signal.rs` and `tests/sync_channel.rs` count wakers and
//! values through every path (`no_waker_or_value_leaks`).
//!
//! Cost: the raw mutex only. Against a checked section this saves the flag's test, set
//! and clear: about 6 instructions per section on thumbv7m, more with register
//! pressure (measured on the firmware benchmark: 20 per Signal hand-off and 22 per channel
//! message, three sections each). Cloning the waker before the lock costs nothing for a
//! Mote task's own waker (its `clone` is a copy and its `drop` nothing once inlined into
//! the task); with another executor's waker a poll that does not store it pays a `clone`
//! and a `drop` call.

use core::cell::UnsafeCell;
use core::mem::ManuallyDrop;
use core::task::{Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::blocking_mutex::Mutex;
use crate::sync::shared::Shared;

/// Types a quiet section may hold, receive or return (module docs, QS2).
///
/// # Safety
///
/// Implement only for a type with which safe code cannot run code from outside this
/// crate: its drop glue runs none, and no safe method (of it or of what it lends out)
/// clones, drops or calls a `Waker` or a user value, or hands out anything that is not
/// `Inert`. An [`Unlocked`] must not be reachable from it.
pub(crate) unsafe trait Inert {}

// SAFETY: plain data, no drop glue, no methods that run foreign code.
unsafe impl Inert for () {}
// SAFETY: as above.
unsafe impl Inert for bool {}
// SAFETY: as above.
unsafe impl Inert for usize {}
// SAFETY: `Held` has no drop glue and opens only with an `Unlocked` (QS3).
unsafe impl<T> Inert for Held<T> {}
// SAFETY: an `Option`'s safe methods only move, compare to `None` or lend the inner value,
// which is `Inert`; it drops only the inner value.
unsafe impl<I: Inert> Inert for Option<I> {}
// SAFETY: as for `Option`.
unsafe impl<I: Inert> Inert for Poll<I> {}
// SAFETY: a pair's parts are `Inert`; it adds no code.
unsafe impl<A: Inert, B: Inert> Inert for (A, B) {}
// SAFETY: as for pairs.
unsafe impl<A: Inert, B: Inert, C: Inert> Inert for (A, B, C) {}
// SAFETY: as for `Option`.
unsafe impl<A: Inert, B: Inert> Inert for Result<A, B> {}
// SAFETY: a reference lends an `Inert` value and drops nothing.
unsafe impl<I: Inert + ?Sized> Inert for &mut I {}

/// Fails to compile unless `I` is [`Inert`]: a primitive's state lists its fields
/// through it (module docs, QS2).
#[inline(always)]
pub(crate) fn assert_inert<I: Inert + ?Sized>(_: &I) {}

/// A value (a waker, a user's value) moving through a quiet section: it has no drop glue
/// and is opened after the lock with [`release`](Held::release) (module docs, QS3).
/// Dropping a `Held` leaks its value, so every path releases it.
#[must_use = "release it after the lock (`Held::release`), or its value leaks"]
pub(crate) struct Held<T>(ManuallyDrop<T>);

impl<T> Held<T> {
    /// Holds `value` (outside a section, or moved there from other storage).
    #[inline(always)]
    pub(crate) const fn new(value: T) -> Self {
        Self(ManuallyDrop::new(value))
    }

    /// The value, once the lock is released (`_after` proves it).
    #[inline(always)]
    pub(crate) fn release(self, _after: &Unlocked) -> T {
        ManuallyDrop::into_inner(self.0)
    }

    /// The value, inside a section.
    ///
    /// # Safety
    ///
    /// Inside a quiet section (a [`Quiet`]), the caller only moves the value into storage
    /// that gives it back as a `Held` (a wait-list node): it does not drop, clone or call
    /// into it. Inside a checked section (a `Shared`, whose busy flag catches re-entry),
    /// the value may be used (the priority channel's queue compares values there).
    #[inline(always)]
    pub(crate) unsafe fn open(self) -> T {
        ManuallyDrop::into_inner(self.0)
    }
}

impl Held<Waker> {
    /// True when both wakers wake the same task (`Waker::will_wake`: it compares the
    /// wakers' pointers and runs no waker code).
    #[inline(always)]
    pub(crate) fn will_wake(&self, other: &Waker) -> bool {
        self.0.will_wake(other)
    }
}

/// Proof that the calling code runs after a quiet section, outside its lock: made only by
/// [`Quiet::with`], never reachable from an [`Inert`] value (module docs, QS3).
pub(crate) struct Unlocked {
    _private: (),
}

/// State `S` behind a raw mutex of kind `M`, changed only by quiet sections.
///
/// Invariant (**QS**): a `&mut S` exists only inside [`Quiet::with`], for the duration
/// of its section.
pub(crate) struct Quiet<M, S> {
    state: Mutex<M, UnsafeCell<S>>,
}

impl<M: RawMutex, S: Inert> Quiet<M, S> {
    /// A `Quiet` over `state`.
    pub(crate) const fn new(state: S) -> Self {
        Self {
            state: Mutex::new(UnsafeCell::new(state)),
        }
    }

    /// Runs the section `f` on the state and `arg` under the lock; returns its result and
    /// the proof that the lock is released again.
    #[inline(always)]
    pub(crate) fn with<A: Inert, R: Inert>(&self, arg: A, f: fn(&mut S, A) -> R) -> (R, Unlocked) {
        let r = self.state.lock(|cell| {
            // SAFETY: (QS) the raw mutex excludes every other execution context while this
            // closure runs. In this context, a second `&mut S` could only come from a
            // nested `with` on this `Quiet` started while `f` runs; `f` captures nothing
            // (QS1), gets only `Inert` values (QS2) from which no foreign code can run and
            // no `Quiet` is reachable, and its body calls no code outside this crate
            // (module docs). So no other `&mut S` exists while this one lives.
            f(unsafe { &mut *cell.get() }, arg)
        });
        (r, Unlocked { _private: () })
    }

    /// The state, through `&mut self` (no section can run), with the proof to release
    /// what it holds (e.g. to drain a queue of `Held` values when the primitive is dropped).
    pub(crate) fn get_mut(&mut self) -> (&mut S, Unlocked) {
        (self.state.get_mut().get_mut(), Unlocked { _private: () })
    }
}

/// A lock whose sections take the quiet form (`fn(&mut S, A) -> R` over `Inert` values),
/// so that one body of code serves a quiet primitive and a checked one (the channel
/// engine: `Channel` is quiet, `PriorityChannel` checked because its queue runs the
/// user's `Ord`).
pub(crate) trait Section<S> {
    /// Runs `f` on the state and `arg` under the lock; returns its result and the proof
    /// that the lock is released.
    fn section<A: Inert, R: Inert>(&self, arg: A, f: fn(&mut S, A) -> R) -> (R, Unlocked);
}

impl<M: RawMutex, S: Inert> Section<S> for Quiet<M, S> {
    #[inline(always)]
    fn section<A: Inert, R: Inert>(&self, arg: A, f: fn(&mut S, A) -> R) -> (R, Unlocked) {
        self.with(arg, f)
    }
}

/// A checked section (`shared.rs`): its state may run foreign code (so it need not be
/// `Inert`), and the busy flag makes a re-entry panic. `Held` values opened inside may be
/// used freely there (see [`Held::open`]).
impl<M: RawMutex, S> Section<S> for Shared<M, S> {
    #[inline(always)]
    fn section<A: Inert, R: Inert>(&self, arg: A, f: fn(&mut S, A) -> R) -> (R, Unlocked) {
        let r = self.with(|s| f(s, arg));
        (r, Unlocked { _private: () })
    }
}
