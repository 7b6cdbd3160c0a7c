//! [`Signal`]: a slot holding the latest signalled value; waiters take it.
//!
//! # Guarantees
//!
//! - **Latest value wins**: `signal(v)` replaces an untaken value (the old one is
//!   dropped, outside the lock).
//! - Each value is taken once, by [`Signal::wait`] or [`Signal::try_take`].
//! - Waiters queue FIFO with no limit; a new value is promised to the oldest waiter and
//!   wakes only it. A waiter dropped after being woken passes the promise on.
//!
//! ```text
//!          signal(v)                         wait() / try_take()
//!   Empty ───────────► Signaled(v) ─────────────────────────────► Empty
//!     ▲                  │   ▲  signal(w): v replaced by w
//!     │    reset()       │   └──┘
//!     └──────────────────┘
//! ```
//!
//! [`Signal::poll_wait`] (for hand-written futures: `&self`, no pinned node) is not part of
//! the FIFO: it takes only an unpromised value, its single waker slot is woken by every
//! `signal` (and by a cancelled waiter that held the promise), so it may be woken
//! spuriously; a second poll-style waiter evicts (and wakes) the first.
//!
//! State behind one raw mutex of kind `M`: the value `Slot` (empty, a free value, or
//! a value promised to a woken waiter, which `try_take` and new waiters leave alone) and
//! a FIFO of waiters.
//!
//! **Quiet lock sections** (`quiet.rs`): every section is one of the `fn`s of
//! `State` below, taking and returning only `Inert` types, so no waker or value code
//! runs under the lock and no re-entry flag is needed. A waiting future clones its
//! waker before the lock and moves it in; values and wakers come out as `Held` and are
//! dropped or woken after the lock. The section bodies call nothing outside this crate.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::defer::Defer;
use crate::sync::poll_slot::PollSlot;
use crate::sync::quiet::{assert_inert, Held, Inert, Quiet};
use crate::sync::wait_list::{QuietList, Turn, Waiter};

struct State<T> {
    value: Slot<T>,
    waiters: QuietList,
}

/// The value, and whether it is promised to a woken waiter (one tag for both).
enum Slot<T> {
    Empty,
    /// Stored, not promised: any waiter or `try_take` may take it.
    Free(Held<T>),
    /// Stored and promised to a woken waiter (which takes it on its next poll).
    Promised(Held<T>),
}

// SAFETY: (quiet.rs, QS2) it holds only `Held` values (checked by `inert_slot`) and adds
// no drop glue or methods that run foreign code.
unsafe impl<T> Inert for Slot<T> {}

/// Fails to compile if a variant of [`Slot`] holds a non-[`Inert`] value.
#[allow(dead_code)]
fn inert_slot<T>(s: &Slot<T>) {
    match s {
        Slot::Empty => {}
        Slot::Free(v) | Slot::Promised(v) => assert_inert(v),
    }
}

impl<T> Slot<T> {
    /// Takes the value, promised or not.
    #[inline(always)]
    fn take(&mut self) -> Option<Held<T>> {
        match core::mem::replace(self, Slot::Empty) {
            Slot::Empty => None,
            Slot::Free(v) | Slot::Promised(v) => Some(v),
        }
    }

    /// Takes the value if it is not promised.
    #[inline(always)]
    fn take_free(&mut self) -> Option<Held<T>> {
        if let Slot::Free(_) = self {
            return self.take();
        }
        None
    }

    /// Marks a stored value promised (`promise`) or free again.
    #[inline(always)]
    fn set_promised(&mut self, promise: bool) {
        *self = match core::mem::replace(self, Slot::Empty) {
            Slot::Free(v) | Slot::Promised(v) if promise => Slot::Promised(v),
            Slot::Free(v) | Slot::Promised(v) => Slot::Free(v),
            Slot::Empty => Slot::Empty,
        };
    }
}

// SAFETY: (quiet.rs, QS2) its fields are `Inert` (checked by `inert_fields`) and it adds no
// drop glue or methods that run foreign code.
unsafe impl<T> Inert for State<T> {}

/// Fails to compile if a field of [`State`] is not [`Inert`] (the pattern is exhaustive,
/// so a new field must be listed here).
#[allow(dead_code)]
fn inert_fields<T>(s: &State<T>) {
    let State { value, waiters } = s;
    assert_inert(value);
    assert_inert(waiters);
}

/// A waker to wake or drop after the lock.
type Woken = Option<Held<Waker>>;

/// The lock sections (quiet: each reaches only its arguments).
impl<T> State<T> {
    /// Promises the value to the oldest waiter (if one waits and the value is there and
    /// unpromised) and returns its waker.
    #[inline(always)]
    fn grant_one(&mut self) -> Woken {
        if let Slot::Free(_) = self.value {
            if !self.waiters.is_empty() {
                self.value.set_promised(true);
                return self.waiters.grant_front();
            }
        }
        None
    }

    /// `signal`: stores `value`, returns the replaced one and the granted waiter's waker.
    /// One section: a grant promises the value, so a second one is never possible.
    #[inline(always)]
    fn store(&mut self, value: Held<T>) -> (Option<Held<T>>, Woken) {
        // Latest value wins; a promise made for the old value holds for the new one.
        let (old, woken) = match core::mem::replace(&mut self.value, Slot::Empty) {
            Slot::Promised(old) => {
                self.value = Slot::Promised(value);
                (Some(old), None)
            }
            Slot::Free(old) => {
                self.value = Slot::Free(value);
                (Some(old), self.grant_one())
            }
            Slot::Empty => {
                self.value = Slot::Free(value);
                (None, self.grant_one())
            }
        };
        (old, woken)
    }

    /// `reset`.
    #[inline(always)]
    fn clear(&mut self, (): ()) -> Option<Held<T>> {
        self.value.take()
    }

    /// `try_take`.
    #[inline(always)]
    fn take_unpromised(&mut self, (): ()) -> Option<Held<T>> {
        self.value.take_free()
    }

    /// `signaled`.
    #[inline(always)]
    fn is_signaled(&mut self, (): ()) -> bool {
        !matches!(self.value, Slot::Empty)
    }

    /// A `WaitFuture` poll: returns the value it takes, if any, the poll's own waker if
    /// it was not stored, and a stored waker it replaced (both to drop after the lock).
    /// No poll can make a grant possible (it takes the value, or leaves value and promise
    /// as they were), so no waker is woken.
    #[inline(always)]
    fn poll_wait(
        &mut self,
        (waiter, waker): (&mut Waiter, Held<Waker>),
    ) -> (Poll<Held<T>>, Woken, Woken) {
        // The three unsafe blocks share one argument, "WF": `waiter` is pinned inside its
        // `WaitFuture` and always used with `self.waiters`; the lock is held; the future's
        // `Drop` cancels while queued.
        // SAFETY: WF.
        let (turn, stale) = unsafe { waiter.poll_turn_quiet(&mut self.waiters, &waker) };
        match turn {
            Turn::Waiting if stale => {
                // SAFETY: WF; `Waiting` per `poll_turn_quiet`.
                let old = unsafe { waiter.swap_waker_quiet(&mut self.waiters, waker) };
                return (Poll::Pending, None, Some(old));
            }
            Turn::Waiting => return (Poll::Pending, Some(waker), None),
            Turn::Granted => {
                if let Some(v) = self.value.take() {
                    return (Poll::Ready(v), Some(waker), None);
                }
                // Reset after the promise: wait for the next signal.
            }
            Turn::Fresh => {
                // `is_some` first: an empty slot is left unwritten.
                if let Some(v) = self.value.take_free() {
                    return (Poll::Ready(v), Some(waker), None);
                }
            }
        }
        // SAFETY: WF; the waiter is not queued (`Fresh`, or `Granted` and acknowledged).
        unsafe { waiter.enqueue_quiet(&mut self.waiters, waker, 0) };
        (Poll::Pending, None, None)
    }

    /// A dropped `WaitFuture`: leaves the list, or passes a promised value on. Returns
    /// the removed waker and the waker of the waiter the value passes to.
    #[inline(always)]
    fn cancel(&mut self, waiter: &mut Waiter) -> (Woken, Woken) {
        // SAFETY: pinned (queued implies polled), dropped in place; used with
        // `self.waiters`; the lock is held.
        let (granted, retired) = unsafe { waiter.cancel_quiet(&mut self.waiters) };
        if granted {
            self.value.set_promised(false); // promised to the next waiter below
        }
        (retired, self.grant_one())
    }
}

/// A latest-value-wins signal, guarded by a raw mutex of kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::signal::Signal;
///
/// static READY: Signal<CriticalSectionRawMutex, u32> = Signal::new();
/// READY.signal(1);
/// READY.signal(2); // replaces 1
/// assert!(READY.signaled());
/// assert_eq!(READY.try_take(), Some(2));
/// assert_eq!(READY.try_take(), None);
/// ```
pub struct Signal<M: RawMutex, T> {
    /// Quiet lock (module docs): no waker or value code runs under it.
    shared: Quiet<M, State<T>>,
    poll: PollSlot<M>,
}

impl<M: RawMutex, T> Signal<M, T> {
    /// Creates an empty signal (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            shared: Quiet::new(State {
                value: Slot::Empty,
                waiters: QuietList::new(),
            }),
            poll: PollSlot::new(),
        }
    }

    /// Stores `value` (replacing an untaken one) and wakes the oldest waiter.
    #[inline]
    pub fn signal(&self, value: T) {
        let ((old, woken), after) = self.shared.with(Held::new(value), State::store);
        // Released now, so that an unwinding wake drops it too.
        let _old = old.map(|v| v.release(&after));
        // Wake-On Invariant (`sync/defer.rs`): the poll waiter is woken even if the
        // waiter's wake unwinds.
        let _poll = Defer::new(|| self.poll.wake());
        if let Some(w) = woken {
            w.release(&after).wake();
        }
        // Here `_poll` wakes the poll waiter, then `_old` is dropped.
    }

    /// Removes the value, if any (even one promised to a woken waiter, which then waits
    /// for the next signal).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, signal::Signal};
    /// let s: Signal<NoopRawMutex, u8> = Signal::new();
    /// s.signal(1);
    /// s.reset();
    /// assert!(!s.signaled());
    /// ```
    pub fn reset(&self) {
        let (old, after) = self.shared.with((), State::clear);
        drop(old.map(|v| v.release(&after)));
    }

    /// Takes the value if one is there and not promised to a woken waiter.
    pub fn try_take(&self) -> Option<T> {
        let (v, after) = self.shared.with((), State::take_unpromised);
        v.map(|v| v.release(&after))
    }

    /// True when a value is stored (taken or not yet by a woken waiter).
    pub fn signaled(&self) -> bool {
        self.shared.with((), State::is_signaled).0
    }

    /// Waits for a value and takes it.
    ///
    /// Cancel safety: yes. The value is taken only in the poll that returns it; a value
    /// promised to a dropped future goes to the next waiter or stays stored.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, signal::Signal};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let s: Signal<NoopRawMutex, u8> = Signal::new();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut w = pin!(s.wait());
    /// assert!(w.as_mut().poll(&mut cx).is_pending());
    /// s.signal(4);
    /// assert_eq!(w.poll(&mut cx), Poll::Ready(4));
    /// ```
    pub fn wait(&self) -> WaitFuture<'_, M, T> {
        WaitFuture {
            signal: self,
            waiter: Waiter::new(),
        }
    }

    /// Takes the value if it is there and unpromised, or stores `cx`'s waker to be woken
    /// by the next `signal`: [`wait`](Self::wait) for hand-written futures that poll with
    /// `&self`. Not FIFO with `wait()` futures; may be woken spuriously; one slot shared
    /// by all poll-style waiters (see the [module docs](self)).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, signal::Signal};
    /// use core::task::{Context, Poll};
    /// use futures_test::task::new_count_waker;
    /// let s: Signal<NoopRawMutex, u8> = Signal::new();
    /// let (waker, wakes) = new_count_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// assert_eq!(s.poll_wait(&mut cx), Poll::Pending);
    /// s.signal(6);
    /// assert_eq!(wakes.get(), 1);
    /// assert_eq!(s.poll_wait(&mut cx), Poll::Ready(6));
    /// ```
    pub fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<T> {
        if let Some(v) = self.try_take() {
            return Poll::Ready(v);
        }
        self.poll.register(cx.waker());
        match self.try_take() {
            Some(v) => Poll::Ready(v),
            None => Poll::Pending,
        }
    }
}

impl<M: RawMutex, T> Default for Signal<M, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, T> fmt::Debug for Signal<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("signaled", &self.signaled())
            .finish()
    }
}

/// Future of [`Signal::wait`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct WaitFuture<'a, M: RawMutex, T> {
    signal: &'a Signal<M, T>,
    waiter: Waiter,
}

impl<M: RawMutex, T> Future for WaitFuture<'_, M, T> {
    type Output = T;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // Cloned before the lock (quiet section); for a Mote task's own waker this is a
        // copy, and dropping the left-over one below is nothing.
        let waker = Held::new(cx.waker().clone());
        let ((poll, unused, replaced), after) = this
            .signal
            .shared
            .with((&mut this.waiter, waker), State::poll_wait);
        if let Some(w) = unused {
            drop(w.release(&after));
        }
        if let Some(w) = replaced {
            drop_cold(w.release(&after));
        }
        match poll {
            Poll::Ready(v) => {
                // SAFETY: a ready poll took a fresh or granted turn and did not enqueue.
                unsafe { this.waiter.restate_idle() };
                Poll::Ready(v.release(&after))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<M: RawMutex, T> WaitFuture<'_, M, T> {
    /// The slow half of `Drop`: leaves the list, or passes a promised value on.
    #[cold]
    #[inline(never)]
    fn cancel(&mut self) {
        let ((retired, woken), after) = self.signal.shared.with(&mut self.waiter, State::cancel);
        drop(retired.map(|w| w.release(&after)));
        // Wake-On Invariant (`sync/defer.rs`).
        let _poll = Defer::new(|| self.signal.poll.wake());
        if let Some(w) = woken {
            w.release(&after).wake();
        }
    }
}

/// Drops a waker replaced by a re-poll with another task's waker (rare), out of line.
#[cold]
#[inline(never)]
fn drop_cold(waker: Waker) {
    drop(waker);
}

impl<M: RawMutex, T> Drop for WaitFuture<'_, M, T> {
    #[inline]
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            self.cancel();
        }
    }
}
