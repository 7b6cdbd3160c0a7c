//! [`Watch`]: a single value that many receivers observe, with change detection.
//!
//! # Guarantees
//!
//! - Every [`send`](Watch::send) bumps a version number. A [`Receiver`] remembers the
//!   version it last saw; [`Receiver::changed`] completes when the version differs, with
//!   a clone of the **latest** value (intermediate values may be skipped).
//! - Any number of receivers (no compile-time limit: each keeps its own version, and
//!   waiting receivers queue in an intrusive list). A send wakes exactly the receivers
//!   that wait, once each.
//!
//! ```text
//!   version v, value x ── send(y) ──► version v+1, value y ── waiting receivers
//!                                                             (seen = v) woken
//!   receiver.changed(): seen != version ? (seen = version, clone value) : wait
//! ```
//!
//! Handles: [`Receiver`] (typed), [`DynReceiver`] and [`DynSender`] (no mutex kind in the
//! type, for functions that take "a receiver of `T`").
//!
//! The version is a wrapping `u32`: a receiver that misses exactly 2^32 sends in a row
//! would not notice a change.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

mod dynamic;
pub use dynamic::{DynChangedFuture, DynReceiver, DynSender};

struct State<T> {
    value: Option<T>,
    version: u32,
    waiters: WaitList,
}

impl<T> Grant for State<T> {
    fn grant_one(&mut self) -> Option<Waker> {
        // Waiters queue with `want` = the version they have seen; those that have not seen
        // the current one are at the front (older), so grant from the front while stale.
        match self.waiters.front_want() {
            Some(seen) if seen != self.version as usize => self.waiters.grant_front(),
            _ => None,
        }
    }
}

/// A watched value, guarded by a raw mutex of kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::watch::Watch;
///
/// static TEMP: Watch<CriticalSectionRawMutex, i16> = Watch::new();
/// let mut rx = TEMP.receiver();
/// assert_eq!(rx.try_changed(), None);
/// TEMP.send(21);
/// TEMP.send(22);
/// assert_eq!(rx.try_changed(), Some(22)); // latest wins
/// assert_eq!(rx.try_changed(), None);     // already seen
/// assert_eq!(rx.try_get(), Some(22));
/// ```
pub struct Watch<M: RawMutex, T: Clone> {
    shared: Shared<M, State<T>>,
}

impl<M: RawMutex, T: Clone> Watch<M, T> {
    /// Creates a watch without a value (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            shared: Shared::new(State {
                value: None,
                version: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Creates a watch holding `value` (version 1: new receivers see it as a change).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, watch::Watch};
    /// let w: Watch<NoopRawMutex, u8> = Watch::new_with(5);
    /// assert_eq!(w.receiver().try_changed(), Some(5));
    /// ```
    pub const fn new_with(value: T) -> Self {
        Self {
            shared: Shared::new(State {
                value: Some(value),
                version: 1,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Replaces the value and wakes every waiting receiver. The old value is dropped
    /// outside the lock.
    pub fn send(&self, value: T) {
        let old = self.shared.update(|s| {
            s.version = s.version.wrapping_add(1);
            s.value.replace(value)
        });
        drop(old);
    }

    /// Changes the value in place with `f` (which gets `None` when there is no value) and
    /// notifies every receiver, as [`send`](Self::send) does. `f` runs under the lock: keep
    /// it short and do not use this watch inside it (that would panic).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, watch::Watch};
    /// let w: Watch<NoopRawMutex, u32> = Watch::new_with(1);
    /// let mut rx = w.receiver();
    /// assert_eq!(rx.try_changed(), Some(1));
    /// w.send_modify(|v| *v.get_or_insert(0) += 10);
    /// assert_eq!(rx.try_changed(), Some(11));
    /// ```
    pub fn send_modify(&self, f: impl FnOnce(&mut Option<T>)) {
        self.send_if_modified(|v| {
            f(v);
            true
        });
    }

    /// Like [`send_modify`](Self::send_modify), but notifies receivers only when `f`
    /// returns true (it says whether it changed the value). Returns `f`'s answer.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, watch::Watch};
    /// let w: Watch<NoopRawMutex, u32> = Watch::new_with(4);
    /// let mut rx = w.receiver();
    /// assert_eq!(rx.try_changed(), Some(4));
    /// let raise_to = |n: u32| move |v: &mut Option<u32>| match v {
    ///     Some(x) if *x >= n => false,
    ///     _ => { *v = Some(n); true }
    /// };
    /// assert!(!w.send_if_modified(raise_to(3)));
    /// assert_eq!(rx.try_changed(), None); // no change, no notification
    /// assert!(w.send_if_modified(raise_to(9)));
    /// assert_eq!(rx.try_changed(), Some(9));
    /// ```
    pub fn send_if_modified(&self, f: impl FnOnce(&mut Option<T>) -> bool) -> bool {
        self.shared.update(|s| {
            let modified = f(&mut s.value);
            if modified {
                s.version = s.version.wrapping_add(1);
            }
            modified
        })
    }

    /// Removes the value without a change notification (receivers then wait for the next
    /// `send`).
    pub fn clear(&self) {
        let old = self.shared.with(|s| s.value.take());
        drop(old);
    }

    /// A clone of the current value.
    pub fn try_get(&self) -> Option<T> {
        self.shared.with(|s| s.value.clone())
    }

    /// True when a value is present.
    pub fn contains_value(&self) -> bool {
        self.shared.with(|s| s.value.is_some())
    }

    /// The value for a receiver that has seen version `*seen`: only a changed one unless
    /// `any`, and only if `accept` says yes (under the lock); marks it seen.
    fn read(&self, seen: &mut u32, any: bool, accept: &mut dyn FnMut(&T) -> bool) -> Option<T> {
        self.shared.with(|s| {
            if !any && s.version == *seen {
                return None;
            }
            let v = s.value.as_ref().filter(|v| accept(v))?.clone();
            *seen = s.version;
            Some(v)
        })
    }

    /// A new receiver. It sees the current value (if any) as a change.
    pub fn receiver(&self) -> Receiver<'_, M, T> {
        Receiver {
            watch: self,
            seen: 0,
        }
    }
}

impl<M: RawMutex, T: Clone> Default for Watch<M, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, T: Clone> fmt::Debug for Watch<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("has_value", &self.contains_value())
            .finish()
    }
}

/// A receiver of a [`Watch`], remembering the version it last saw.
pub struct Receiver<'a, M: RawMutex, T: Clone> {
    watch: &'a Watch<M, T>,
    seen: u32,
}

impl<'a, M: RawMutex, T: Clone> Receiver<'a, M, T> {
    /// Waits for a version this receiver has not seen, and returns the latest value.
    ///
    /// Cancel safety: yes. Nothing is marked seen unless the value is returned.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, watch::Watch};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let w: Watch<NoopRawMutex, u8> = Watch::new();
    /// let mut rx = w.receiver();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut changed = pin!(rx.changed());
    /// assert!(changed.as_mut().poll(&mut cx).is_pending());
    /// w.send(3);
    /// assert_eq!(changed.poll(&mut cx), Poll::Ready(3));
    /// ```
    pub fn changed(&mut self) -> ChangedFuture<'_, 'a, M, T> {
        ChangedFuture {
            receiver: self,
            any: false,
            waiter: Waiter::new(),
        }
    }

    /// Waits until a value is present and returns it (marking it seen).
    ///
    /// Cancel safety: yes.
    pub fn get(&mut self) -> ChangedFuture<'_, 'a, M, T> {
        ChangedFuture {
            receiver: self,
            any: true,
            waiter: Waiter::new(),
        }
    }

    /// The latest value if this receiver has not seen it yet (then marks it seen).
    pub fn try_changed(&mut self) -> Option<T> {
        self.watch.read(&mut self.seen, false, &mut |_| true)
    }

    /// Like [`try_changed`](Self::try_changed), but only a value for which `f` returns
    /// true counts (and is marked seen); any other leaves the receiver as it was.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, watch::Watch};
    /// let w: Watch<NoopRawMutex, i32> = Watch::new_with(-3);
    /// let mut rx = w.receiver();
    /// assert_eq!(rx.try_changed_and(|v| *v > 0), None);
    /// w.send(4);
    /// assert_eq!(rx.try_changed_and(|v| *v > 0), Some(4));
    /// ```
    pub fn try_changed_and(&mut self, f: impl FnOnce(&T) -> bool) -> Option<T> {
        let mut f = Some(f);
        self.watch.read(&mut self.seen, false, &mut |v| {
            f.take().is_some_and(|f| f(v))
        })
    }

    /// Like [`try_get`](Self::try_get), but only a value for which `f` returns true is
    /// returned (and marked seen).
    pub fn try_get_and(&mut self, f: impl FnOnce(&T) -> bool) -> Option<T> {
        let mut f = Some(f);
        self.watch.read(&mut self.seen, true, &mut |v| {
            f.take().is_some_and(|f| f(v))
        })
    }

    /// True when the watch holds a value (then [`get`](Self::get) completes at once).
    pub fn contains_value(&self) -> bool {
        self.watch.contains_value()
    }

    /// The current value, if any (marks it seen).
    pub fn try_get(&mut self) -> Option<T> {
        self.watch.read(&mut self.seen, true, &mut |_| true)
    }
}

/// Future of [`Receiver::changed`] and [`Receiver::get`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct ChangedFuture<'r, 'a, M: RawMutex, T: Clone> {
    receiver: &'r mut Receiver<'a, M, T>,
    /// `get()`: any present value will do, changed or not.
    any: bool,
    waiter: Waiter,
}

impl<M: RawMutex, T: Clone> Future for ChangedFuture<'_, '_, M, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let rx = &mut *this.receiver;
        // SAFETY: `waiter` is pinned inside this future and used only with this watch.
        unsafe { poll_changed(rx.watch, &mut rx.seen, this.any, &mut this.waiter, cx) }
    }
}

/// Polls a wait for a value not seen yet (`any`: any present value) by a receiver that
/// has seen version `*seen`.
///
/// # Safety
///
/// `waiter` is pinned and used only with this watch's waiters (via these functions).
unsafe fn poll_changed<M: RawMutex, T: Clone>(
    watch: &Watch<M, T>,
    seen: &mut u32,
    any: bool,
    waiter: &mut Waiter,
    cx: &mut Context<'_>,
) -> Poll<T> {
    watch.shared.with(|s| {
        // SAFETY: `waiter` is pinned, always used with `s.waiters` (caller); lock held.
        if unsafe { waiter.poll_turn(&mut s.waiters, cx.waker()) } == Turn::Waiting {
            return Poll::Pending;
        }
        if any || s.version != *seen {
            if let Some(v) = s.value.clone() {
                *seen = s.version;
                return Poll::Ready(v);
            }
        }
        // SAFETY: as above; the owner cancels in its `Drop` while queued.
        unsafe { waiter.enqueue(&mut s.waiters, cx.waker(), s.version as usize) };
        Poll::Pending
    })
}

/// Cancels a wait (its future is dropped).
///
/// # Safety
///
/// As for [`poll_changed`]; called once, from the owner's `Drop`.
unsafe fn cancel_changed<M: RawMutex, T: Clone>(watch: &Watch<M, T>, waiter: &mut Waiter) {
    if waiter.is_queued() {
        watch.shared.update(|s| {
            // SAFETY: pinned (queued implies polled), dropped in place (caller); used
            // with `s.waiters`; lock held. A grant reserves nothing: nothing to return,
            // but a stale waiter behind us may now be at the front (`update`).
            let _ = unsafe { waiter.cancel(&mut s.waiters) };
        });
    }
}

impl<M: RawMutex, T: Clone> Drop for ChangedFuture<'_, '_, M, T> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled.
        unsafe { cancel_changed(self.receiver.watch, &mut self.waiter) };
    }
}
