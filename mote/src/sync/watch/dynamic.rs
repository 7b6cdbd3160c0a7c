//! [`DynReceiver`] and [`DynSender`]: watch handles without the raw mutex kind in their
//! type, so a function can take "a receiver of `T`" from any [`Watch`]. They behave
//! exactly like [`Receiver`] and the `Watch` methods (same versions, same wakes, same
//! cancel safety); each call goes through one virtual call.
//!
//! They are not `Send`: the erased type may be a watch that is not `Sync` (a
//! `NoopRawMutex` one). Move a typed handle to another thread or executor and convert it
//! there.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{cancel_changed, poll_changed, Receiver, Watch};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::wait_list::Waiter;

/// The watch operations behind a `dyn` reference.
pub(crate) trait DynWatch<T> {
    fn read(&self, seen: &mut u32, any: bool, accept: &mut dyn FnMut(&T) -> bool) -> Option<T>;
    /// # Safety
    ///
    /// As for `poll_changed`.
    unsafe fn poll_changed(
        &self,
        seen: &mut u32,
        any: bool,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<T>;
    /// # Safety
    ///
    /// As for `cancel_changed`.
    unsafe fn cancel_changed(&self, waiter: &mut Waiter);
    fn send(&self, value: T);
    fn modify(&self, f: &mut dyn FnMut(&mut Option<T>) -> bool) -> bool;
    fn clear(&self);
    fn current(&self) -> Option<T>;
    fn contains_value(&self) -> bool;
}

impl<M: RawMutex, T: Clone> DynWatch<T> for Watch<M, T> {
    fn read(&self, seen: &mut u32, any: bool, accept: &mut dyn FnMut(&T) -> bool) -> Option<T> {
        Watch::read(self, seen, any, accept)
    }
    unsafe fn poll_changed(
        &self,
        seen: &mut u32,
        any: bool,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<T> {
        // SAFETY: this method's contract is the callee's.
        unsafe { poll_changed(self, seen, any, waiter, cx) }
    }
    unsafe fn cancel_changed(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract is the callee's.
        unsafe { cancel_changed(self, waiter) }
    }
    fn send(&self, value: T) {
        Watch::send(self, value)
    }
    fn modify(&self, f: &mut dyn FnMut(&mut Option<T>) -> bool) -> bool {
        self.send_if_modified(f)
    }
    fn clear(&self) {
        Watch::clear(self)
    }
    fn current(&self) -> Option<T> {
        Watch::try_get(self)
    }
    fn contains_value(&self) -> bool {
        Watch::contains_value(self)
    }
}

impl<M: RawMutex, T: Clone> Watch<M, T> {
    /// A new [`DynReceiver`] (no `M` in its type). Like [`receiver`](Self::receiver), it
    /// sees the current value (if any) as a change.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::watch::{DynReceiver, Watch};
    ///
    /// fn latest(rx: &mut DynReceiver<'_, u8>) -> Option<u8> {
    ///     rx.try_changed()
    /// }
    ///
    /// let w: Watch<NoopRawMutex, u8> = Watch::new_with(1);
    /// let mut rx = w.dyn_receiver();
    /// assert_eq!(latest(&mut rx), Some(1));
    /// assert_eq!(latest(&mut rx), None);
    /// ```
    pub fn dyn_receiver(&self) -> DynReceiver<'_, T> {
        DynReceiver {
            watch: self,
            seen: 0,
        }
    }

    /// A copyable [`DynSender`] (no `M` in its type).
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::watch::{DynSender, Watch};
    ///
    /// fn report(tx: DynSender<'_, u16>, v: u16) {
    ///     tx.send_if_modified(|cur| {
    ///         let changed = *cur != Some(v);
    ///         *cur = Some(v);
    ///         changed
    ///     });
    /// }
    ///
    /// let w: Watch<NoopRawMutex, u16> = Watch::new();
    /// let mut rx = w.receiver();
    /// report(w.dyn_sender(), 7);
    /// assert_eq!(rx.try_changed(), Some(7));
    /// report(w.dyn_sender(), 7);
    /// assert_eq!(rx.try_changed(), None); // same value: no change reported
    /// ```
    pub fn dyn_sender(&self) -> DynSender<'_, T> {
        DynSender { watch: self }
    }
}

/// A receiver of any [`Watch`] of `T`, remembering the version it last saw (see the
/// [`watch`](crate::sync::watch) docs): same behaviour as [`Receiver`], not `Send`.
/// Made with [`Watch::dyn_receiver`] or from a [`Receiver`] with
/// `into()` (which keeps what it has seen).
pub struct DynReceiver<'a, T> {
    watch: &'a dyn DynWatch<T>,
    seen: u32,
}

impl<T> core::fmt::Debug for DynReceiver<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DynReceiver")
            .field("seen", &self.seen)
            .finish()
    }
}

impl<'a, M: RawMutex, T: Clone> From<Receiver<'a, M, T>> for DynReceiver<'a, T> {
    fn from(rx: Receiver<'a, M, T>) -> Self {
        DynReceiver {
            watch: rx.watch,
            seen: rx.seen,
        }
    }
}

impl<'a, T> DynReceiver<'a, T> {
    /// See [`Receiver::changed`] (cancel safety: yes).
    pub fn changed(&mut self) -> DynChangedFuture<'_, 'a, T> {
        DynChangedFuture {
            receiver: self,
            any: false,
            waiter: Waiter::new(),
        }
    }

    /// See [`Receiver::get`] (cancel safety: yes).
    pub fn get(&mut self) -> DynChangedFuture<'_, 'a, T> {
        DynChangedFuture {
            receiver: self,
            any: true,
            waiter: Waiter::new(),
        }
    }

    /// See [`Receiver::try_changed`].
    pub fn try_changed(&mut self) -> Option<T> {
        self.watch.read(&mut self.seen, false, &mut |_| true)
    }

    /// See [`Receiver::try_changed_and`].
    pub fn try_changed_and(&mut self, f: impl FnOnce(&T) -> bool) -> Option<T> {
        let mut f = Some(f);
        self.watch.read(&mut self.seen, false, &mut |v| {
            f.take().is_some_and(|f| f(v))
        })
    }

    /// See [`Receiver::try_get`].
    pub fn try_get(&mut self) -> Option<T> {
        self.watch.read(&mut self.seen, true, &mut |_| true)
    }

    /// See [`Receiver::try_get_and`].
    pub fn try_get_and(&mut self, f: impl FnOnce(&T) -> bool) -> Option<T> {
        let mut f = Some(f);
        self.watch.read(&mut self.seen, true, &mut |v| {
            f.take().is_some_and(|f| f(v))
        })
    }

    /// See [`Receiver::contains_value`].
    pub fn contains_value(&self) -> bool {
        self.watch.contains_value()
    }
}

/// A copyable sending handle of any [`Watch`] of `T` (see [`Watch::dyn_sender`]).
pub struct DynSender<'a, T> {
    watch: &'a dyn DynWatch<T>,
}

impl<T> Clone for DynSender<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for DynSender<'_, T> {}

impl<T> core::fmt::Debug for DynSender<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DynSender")
            .field("has_value", &self.watch.contains_value())
            .finish()
    }
}

impl<T> DynSender<'_, T> {
    /// See [`Watch::send`].
    pub fn send(&self, value: T) {
        self.watch.send(value)
    }

    /// See [`Watch::send_modify`].
    pub fn send_modify(&self, f: impl FnOnce(&mut Option<T>)) {
        let mut f = Some(f);
        self.watch.modify(&mut |v| {
            if let Some(f) = f.take() {
                f(v);
            }
            true
        });
    }

    /// See [`Watch::send_if_modified`].
    pub fn send_if_modified(&self, f: impl FnOnce(&mut Option<T>) -> bool) -> bool {
        let mut f = Some(f);
        self.watch.modify(&mut |v| f.take().is_some_and(|f| f(v)))
    }

    /// See [`Watch::clear`].
    pub fn clear(&self) {
        self.watch.clear()
    }

    /// See [`Watch::try_get`].
    pub fn try_get(&self) -> Option<T> {
        self.watch.current()
    }

    /// See [`Watch::contains_value`].
    pub fn contains_value(&self) -> bool {
        self.watch.contains_value()
    }
}

/// Future of [`DynReceiver::changed`] and [`DynReceiver::get`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct DynChangedFuture<'r, 'a, T> {
    receiver: &'r mut DynReceiver<'a, T>,
    any: bool,
    waiter: Waiter,
}

impl<T> Future for DynChangedFuture<'_, '_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let rx = &mut *this.receiver;
        // SAFETY: `waiter` is pinned inside this future and used only with this watch.
        unsafe {
            rx.watch
                .poll_changed(&mut rx.seen, this.any, &mut this.waiter, cx)
        }
    }
}

impl<T> Drop for DynChangedFuture<'_, '_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled.
        unsafe { self.receiver.watch.cancel_changed(&mut self.waiter) };
    }
}
