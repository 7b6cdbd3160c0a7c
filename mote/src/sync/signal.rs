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
//! State behind one raw mutex of kind `M`: `value`, a FIFO of waiters, and `promised`
//! (true while the value is reserved for a woken waiter; then `try_take` and new
//! waiters leave it alone).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::poll_slot::PollSlot;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

struct State<T> {
    value: Option<T>,
    promised: bool,
    waiters: WaitList,
}

impl<T> Grant for State<T> {
    #[inline]
    fn grant_one(&mut self) -> Option<Waker> {
        if self.value.is_some() && !self.promised && !self.waiters.is_empty() {
            self.promised = true;
            return self.waiters.grant_front();
        }
        None
    }

    /// A grant promises the value, so a second one is never possible at once.
    #[inline]
    fn may_grant(&self) -> bool {
        false
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
    /// Checked lock (`shared.rs`). Replaced values and removed wakers are dropped after
    /// it; foreign code runs inside only as a waker's `clone` (a waiter enqueues) or
    /// `drop` (a waiting future re-polled with another task's waker).
    shared: Shared<M, State<T>>,
    poll: PollSlot<M>,
}

impl<M: RawMutex, T> Signal<M, T> {
    /// Creates an empty signal (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            shared: Shared::new(State {
                value: None,
                promised: false,
                waiters: WaitList::new(),
            }),
            poll: PollSlot::new(),
        }
    }

    /// Stores `value` (replacing an untaken one) and wakes the oldest waiter.
    #[inline]
    pub fn signal(&self, value: T) {
        // One lock section: at most one grant is possible (it promises the value).
        let old = self.shared.with_wake(|s| {
            let old = s.value.replace(value);
            (old, s.grant_one())
        });
        self.poll.wake();
        drop(old);
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
        let old = self.shared.with(|s| {
            s.promised = false;
            s.value.take()
        });
        drop(old);
    }

    /// Takes the value if one is there and not promised to a woken waiter.
    pub fn try_take(&self) -> Option<T> {
        self.shared
            .with(|s| if s.promised { None } else { s.value.take() })
    }

    /// True when a value is stored (taken or not yet by a woken waiter).
    pub fn signaled(&self) -> bool {
        self.shared.with(|s| s.value.is_some())
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
        let waiter = &mut this.waiter;
        let waker = cx.waker();
        // No poll can make a grant possible (it takes the value, or leaves value and
        // promise as they were), so one plain lock section suffices.
        this.signal.shared.with(|s| {
            // SAFETY: `waiter` is pinned, always used with `s.waiters`; lock held.
            match unsafe { waiter.poll_turn(&mut s.waiters, waker) } {
                Turn::Waiting => return Poll::Pending,
                Turn::Granted => {
                    s.promised = false;
                    if let Some(v) = s.value.take() {
                        return Poll::Ready(v);
                    }
                    // Reset after the promise: wait for the next signal.
                }
                Turn::Fresh => {
                    // `is_some` first: an empty slot is left unwritten.
                    if !s.promised && s.value.is_some() {
                        if let Some(v) = s.value.take() {
                            return Poll::Ready(v);
                        }
                    }
                }
            }
            // SAFETY: as above; our `Drop` cancels while queued.
            unsafe { waiter.enqueue(&mut s.waiters, waker, 0) };
            Poll::Pending
        })
    }
}

impl<M: RawMutex, T> WaitFuture<'_, M, T> {
    /// The slow half of `Drop`: leaves the list, or passes a promised value on.
    #[cold]
    #[inline(never)]
    fn cancel(&mut self) {
        let waiter = &mut self.waiter;
        let mut retired = None; // dropped after the lock
        self.signal.shared.update(|s| {
            // SAFETY: pinned (queued implies polled), dropped in place; used with
            // `s.waiters`; lock held.
            if unsafe { waiter.cancel_retire(&mut s.waiters, &mut retired) } {
                s.promised = false; // `update` promises the value to the next waiter
            }
        });
        drop(retired);
        self.signal.poll.wake();
    }
}

impl<M: RawMutex, T> Drop for WaitFuture<'_, M, T> {
    #[inline]
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            self.cancel();
        }
    }
}
