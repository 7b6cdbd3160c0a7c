//! [`DynamicSender`] and [`DynamicReceiver`]: channel handles without the raw mutex kind
//! and capacity in their type, so a function can take "a sender of `T`" from any
//! [`Channel`](super::Channel) or [`PriorityChannel`](crate::sync::priority_channel::PriorityChannel).
//!
//! They behave exactly like the typed handles (same FIFO wait lists, exact wakes and
//! cancel safety); each call goes through one virtual call.
//!
//! They are not `Send`: the erased type may be a channel that is not `Sync` (a
//! `NoopRawMutex` one). Move a typed handle to another thread or executor and convert it
//! there.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::polled::{self, CoreOps, Item, Parts};
use super::{TryReceiveError, TrySendError};
use crate::sync::wait_list::Waiter;

/// The channel operations behind a `dyn` reference (implemented by every [`Parts`]).
pub(crate) trait DynChannel<T> {
    fn try_send(&self, value: T) -> Result<(), TrySendError<T>>;
    fn try_receive(&self) -> Result<T, TryReceiveError>;
    /// # Safety
    ///
    /// As for [`polled::poll_send`].
    unsafe fn poll_send(
        &self,
        item: &mut Option<T>,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<()>;
    /// # Safety
    ///
    /// As for [`polled::cancel_send`].
    unsafe fn cancel_send(&self, waiter: &mut Waiter);
    /// # Safety
    ///
    /// As for [`polled::poll_receive`].
    unsafe fn poll_receive(&self, waiter: &mut Waiter, cx: &mut Context<'_>) -> Poll<T>;
    /// # Safety
    ///
    /// As for [`polled::cancel_receive`].
    unsafe fn cancel_receive(&self, waiter: &mut Waiter);
    fn poll_receive_unpinned(&self, cx: &mut Context<'_>) -> Poll<T>;
    fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()>;
    fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()>;
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
}

impl<P: Parts> DynChannel<Item<P>> for P {
    fn try_send(&self, value: Item<P>) -> Result<(), TrySendError<Item<P>>> {
        polled::try_send(self, value).map_err(TrySendError::Full)
    }
    fn try_receive(&self) -> Result<Item<P>, TryReceiveError> {
        polled::try_receive(self).ok_or(TryReceiveError::Empty)
    }
    unsafe fn poll_send(
        &self,
        item: &mut Option<Item<P>>,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        // SAFETY: this method's contract is the callee's.
        unsafe { polled::poll_send(self, item, waiter, cx.waker()) }
    }
    unsafe fn cancel_send(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract is the callee's.
        unsafe { polled::cancel_send(self, waiter) }
    }
    unsafe fn poll_receive(&self, waiter: &mut Waiter, cx: &mut Context<'_>) -> Poll<Item<P>> {
        // SAFETY: this method's contract is the callee's.
        unsafe { polled::poll_receive(self, waiter, cx.waker()) }
    }
    unsafe fn cancel_receive(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract is the callee's.
        unsafe { polled::cancel_receive(self, waiter) }
    }
    fn poll_receive_unpinned(&self, cx: &mut Context<'_>) -> Poll<Item<P>> {
        polled::poll_receive_unpinned(self, cx)
    }
    fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()> {
        polled::poll_ready_to_receive(self, cx)
    }
    fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()> {
        polled::poll_ready_to_send(self, cx)
    }
    fn len(&self) -> usize {
        self.core().len()
    }
    fn capacity(&self) -> usize {
        <P::Q as super::engine::Queue>::CAPACITY
    }
}

/// A copyable sending handle of any channel of `T`, without the raw mutex kind and
/// capacity in its type. Same behaviour as the typed handles, one virtual call per
/// operation; not `Send` (the erased channel may not be `Sync`: move a typed handle
/// across threads and convert it there).
///
/// Made from a typed handle with `From`/`into()` (or
/// [`Channel::dyn_sender`](super::Channel::dyn_sender)).
///
/// ```
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// use mote::sync::channel::{Channel, DynamicSender};
///
/// // No mutex kind, no capacity in the signature.
/// fn report(tx: DynamicSender<'_, u32>, v: u32) -> bool {
///     tx.try_send(v).is_ok()
/// }
///
/// let ch: Channel<NoopRawMutex, u32, 2> = Channel::new();
/// assert!(report(ch.sender().into(), 7));
/// assert_eq!(ch.try_receive(), Ok(7));
/// ```
pub struct DynamicSender<'a, T> {
    pub(crate) channel: &'a dyn DynChannel<T>,
}

impl<T> Clone for DynamicSender<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for DynamicSender<'_, T> {}

impl<T> core::fmt::Debug for DynamicSender<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DynamicSender")
            .field("len", &self.channel.len())
            .field("capacity", &self.channel.capacity())
            .finish()
    }
}

impl<'a, T> DynamicSender<'a, T> {
    /// Sends `value`, waiting while the channel is full (see
    /// [`Channel::send`](super::Channel::send)).
    ///
    /// Cancel safety: yes (as `Channel::send`).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::{Channel, DynamicSender}};
    /// # use core::{future::Future, pin::pin};
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// let tx: DynamicSender<'_, u8> = ch.sender().into();
    /// assert!(pin!(tx.send(1)).poll(&mut futures_test::task::noop_context()).is_ready());
    /// assert_eq!(ch.try_receive(), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> DynamicSendFuture<'a, T> {
        DynamicSendFuture {
            channel: self.channel,
            value: Some(value),
            waiter: Waiter::new(),
        }
    }

    /// Queues `value` if a slot is free and not promised to a waiting sender.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.channel.try_send(value)
    }

    /// Ready when a slot is free and not promised to a waiting sender; otherwise stores
    /// `cx`'s waker in the channel's single send-side poll slot (see
    /// [`Channel::poll_ready_to_send`](super::Channel::poll_ready_to_send)).
    pub fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.channel.poll_ready_to_send(cx)
    }

    /// Number of buffered values.
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// True when no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when every slot holds a value.
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// The channel's capacity.
    pub fn capacity(&self) -> usize {
        self.channel.capacity()
    }

    /// Slots not holding a value (`capacity() - len()`).
    pub fn free_capacity(&self) -> usize {
        self.capacity() - self.len()
    }
}

/// A copyable receiving handle of any channel of `T`, without the raw mutex kind and
/// capacity in its type (see [`DynamicSender`] for its properties).
///
/// ```
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// use mote::sync::priority_channel::PriorityChannel;
/// use mote::sync::channel::DynamicReceiver;
///
/// fn drain(rx: DynamicReceiver<'_, u8>) -> u32 {
///     let mut sum = 0;
///     while let Ok(v) = rx.try_receive() {
///         sum += u32::from(v);
///     }
///     sum
/// }
///
/// let ch: PriorityChannel<NoopRawMutex, u8, 4> = PriorityChannel::new();
/// ch.try_send(1).unwrap();
/// ch.try_send(2).unwrap();
/// assert_eq!(drain(ch.dyn_receiver()), 3);
/// ```
pub struct DynamicReceiver<'a, T> {
    pub(crate) channel: &'a dyn DynChannel<T>,
}

impl<T> Clone for DynamicReceiver<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for DynamicReceiver<'_, T> {}

impl<T> core::fmt::Debug for DynamicReceiver<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DynamicReceiver")
            .field("len", &self.channel.len())
            .field("capacity", &self.channel.capacity())
            .finish()
    }
}

impl<'a, T> DynamicReceiver<'a, T> {
    /// Receives the next value, waiting while none is available (see
    /// [`Channel::receive`](super::Channel::receive)).
    ///
    /// Cancel safety: yes (as `Channel::receive`).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::{Channel, DynamicReceiver}};
    /// # use core::{future::Future, pin::pin, task::Poll};
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// let rx: DynamicReceiver<'_, u8> = ch.receiver().into();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut next = pin!(rx.receive());
    /// assert!(next.as_mut().poll(&mut cx).is_pending());
    /// ch.try_send(4).unwrap();
    /// assert_eq!(next.poll(&mut cx), Poll::Ready(4));
    /// ```
    pub fn receive(&self) -> DynamicReceiveFuture<'a, T> {
        DynamicReceiveFuture {
            channel: self.channel,
            waiter: Waiter::new(),
        }
    }

    /// Takes the next value if one is buffered and not promised to a waiting receiver.
    pub fn try_receive(&self) -> Result<T, TryReceiveError> {
        self.channel.try_receive()
    }

    /// Takes the next value, or stores `cx`'s waker in the channel's single receive-side
    /// poll slot (see [`Channel::poll_receive`](super::Channel::poll_receive)).
    pub fn poll_receive(&self, cx: &mut Context<'_>) -> Poll<T> {
        self.channel.poll_receive_unpinned(cx)
    }

    /// Ready when a value is buffered and not promised to a waiting receiver (see
    /// [`Channel::poll_ready_to_receive`](super::Channel::poll_ready_to_receive)).
    pub fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.channel.poll_ready_to_receive(cx)
    }

    /// Number of buffered values.
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// True when no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when every slot holds a value.
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// The channel's capacity.
    pub fn capacity(&self) -> usize {
        self.channel.capacity()
    }

    /// Slots not holding a value (`capacity() - len()`).
    pub fn free_capacity(&self) -> usize {
        self.capacity() - self.len()
    }
}

/// Future of [`DynamicSender::send`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct DynamicSendFuture<'a, T> {
    channel: &'a dyn DynChannel<T>,
    value: Option<T>,
    waiter: Waiter,
}

impl<T> Future for DynamicSendFuture<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self` except `value`, which is not structurally
        // pinned; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a sender of this
        // channel.
        unsafe {
            this.channel
                .poll_send(&mut this.value, &mut this.waiter, cx)
        }
    }
}

impl<T> Drop for DynamicSendFuture<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; sender only.
        unsafe { self.channel.cancel_send(&mut self.waiter) };
    }
}

/// Future of [`DynamicReceiver::receive`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct DynamicReceiveFuture<'a, T> {
    channel: &'a dyn DynChannel<T>,
    waiter: Waiter,
}

impl<T> Future for DynamicReceiveFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a receiver of
        // this channel.
        unsafe { this.channel.poll_receive(&mut this.waiter, cx) }
    }
}

impl<T> Drop for DynamicReceiveFuture<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; receiver only.
        unsafe { self.channel.cancel_receive(&mut self.waiter) };
    }
}
