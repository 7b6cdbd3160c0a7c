//! [`DynPublisher`] and [`DynSubscriber`]: pub-sub handles without the raw mutex kind and
//! capacity in their type, so a function can take "a subscriber of `T`" from any
//! [`PubSubChannel`]. They behave exactly like the typed handles (same ordering, lag
//! reports, FIFO publishers and cancel safety); each call goes through one virtual call.
//!
//! They are not `Send`: the erased type may be a pub-sub that is not `Sync` (a
//! `NoopRawMutex` one). Move a typed handle to another thread or executor and convert it
//! there.

use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::WaitResult;
use super::{publisher, subscriber, PubSubChannel, Publisher, Subscriber, TryPublishError};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::wait_list::Waiter;

/// The channel operations behind a `dyn` reference.
pub(crate) trait DynPubSub<T> {
    fn try_publish(&self, msg: T) -> Result<(), TryPublishError<T>>;
    fn publish_immediate(&self, msg: T);
    /// # Safety
    ///
    /// As for `publisher::poll_publish`.
    unsafe fn poll_publish(
        &self,
        msg: &mut Option<T>,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<()>;
    /// # Safety
    ///
    /// As for `publisher::cancel_publish`.
    unsafe fn cancel_publish(&self, waiter: &mut Waiter);
    fn try_read(&self, next: &mut u64) -> Option<WaitResult<T>>;
    /// # Safety
    ///
    /// As for `subscriber::poll_read`.
    unsafe fn poll_read(
        &self,
        next: &mut u64,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<WaitResult<T>>;
    /// # Safety
    ///
    /// As for `subscriber::cancel_read`.
    unsafe fn cancel_read(&self, waiter: &mut Waiter);
    fn subscribe(&self) -> u64;
    fn unsubscribe(&self, next: u64);
    fn unread(&self, next: u64) -> u64;
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
}

impl<M: RawMutex, T: Clone, const CAP: usize> DynPubSub<T> for PubSubChannel<M, T, CAP> {
    fn try_publish(&self, msg: T) -> Result<(), TryPublishError<T>> {
        PubSubChannel::try_publish(self, msg)
    }
    fn publish_immediate(&self, msg: T) {
        PubSubChannel::publish_immediate(self, msg)
    }
    unsafe fn poll_publish(
        &self,
        msg: &mut Option<T>,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        // SAFETY: this method's contract is the callee's.
        unsafe { publisher::poll_publish(self, msg, waiter, cx) }
    }
    unsafe fn cancel_publish(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract is the callee's.
        unsafe { publisher::cancel_publish(self, waiter) }
    }
    fn try_read(&self, next: &mut u64) -> Option<WaitResult<T>> {
        super::read(self, next, |s, next| s.read(next))
    }
    unsafe fn poll_read(
        &self,
        next: &mut u64,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
    ) -> Poll<WaitResult<T>> {
        // SAFETY: this method's contract is the callee's.
        unsafe { subscriber::poll_read(self, next, waiter, cx) }
    }
    unsafe fn cancel_read(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract is the callee's.
        unsafe { subscriber::cancel_read(self, waiter) }
    }
    fn subscribe(&self) -> u64 {
        self.shared.with(|s| {
            s.subscribers += 1;
            s.end()
        })
    }
    fn unsubscribe(&self, next: u64) {
        self.shared.update(|s| {
            s.subscribers -= 1;
            s.forget_from(next);
        });
    }
    fn unread(&self, next: u64) -> u64 {
        self.shared.with(|s| s.end() - next)
    }
    fn len(&self) -> usize {
        PubSubChannel::len(self)
    }
    fn capacity(&self) -> usize {
        CAP
    }
}

/// A copyable publishing handle of any [`PubSubChannel`] of `T` (see the
/// [`pubsub`](crate::sync::pubsub) docs): same behaviour as [`Publisher`], one virtual
/// call per operation, not `Send` (convert a typed handle on the thread that uses it).
/// Made with [`PubSubChannel::dyn_publisher`] or from a
/// [`Publisher`] with `into()`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// use mote::sync::pubsub::{DynPublisher, PubSubChannel, WaitResult};
///
/// fn announce(tx: DynPublisher<'_, &'static str>) {
///     tx.publish_immediate("boot");
/// }
///
/// let ch: PubSubChannel<NoopRawMutex, &'static str, 2> = PubSubChannel::new();
/// let mut sub = ch.subscriber();
/// announce(ch.publisher().into());
/// assert_eq!(sub.try_next_message(), Some(WaitResult::Message("boot")));
/// ```
pub struct DynPublisher<'a, T> {
    channel: &'a dyn DynPubSub<T>,
}

impl<T> Clone for DynPublisher<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for DynPublisher<'_, T> {}

impl<T> core::fmt::Debug for DynPublisher<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DynPublisher")
            .field("len", &self.channel.len())
            .field("capacity", &self.channel.capacity())
            .finish()
    }
}

impl<'a, T> DynPublisher<'a, T> {
    /// See [`PubSubChannel::publish`] (cancel safety: yes).
    pub fn publish(&self, msg: T) -> DynPublishFuture<'a, T> {
        DynPublishFuture {
            channel: self.channel,
            msg: Some(msg),
            waiter: Waiter::new(),
        }
    }

    /// See [`PubSubChannel::try_publish`].
    pub fn try_publish(&self, msg: T) -> Result<(), TryPublishError<T>> {
        self.channel.try_publish(msg)
    }

    /// See [`PubSubChannel::publish_immediate`].
    pub fn publish_immediate(&self, msg: T) {
        self.channel.publish_immediate(msg)
    }

    /// See [`PubSubChannel::space`].
    pub fn space(&self) -> usize {
        self.channel.capacity() - self.channel.len()
    }

    /// See [`PubSubChannel::capacity`].
    pub fn capacity(&self) -> usize {
        self.channel.capacity()
    }
}

impl<'a, M: RawMutex, T: Clone, const CAP: usize> From<Publisher<'a, M, T, CAP>>
    for DynPublisher<'a, T>
{
    fn from(p: Publisher<'a, M, T, CAP>) -> Self {
        p.channel().dyn_publisher()
    }
}

/// A subscription to any [`PubSubChannel`] of `T` (see the [`pubsub`](crate::sync::pubsub)
/// docs): same behaviour as [`Subscriber`], not `Send`;
/// unsubscribes when dropped. Made with [`PubSubChannel::dyn_subscriber`] or from a
/// [`Subscriber`] with `into()` (which keeps its place in the stream).
///
/// ```
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// use mote::sync::pubsub::{DynSubscriber, PubSubChannel};
///
/// fn drain(sub: &mut DynSubscriber<'_, u8>) -> u32 {
///     let mut sum = 0;
///     while let Some(v) = sub.try_next_message_pure() {
///         sum += u32::from(v);
///     }
///     sum
/// }
///
/// let ch: PubSubChannel<NoopRawMutex, u8, 4> = PubSubChannel::new();
/// let mut sub = ch.dyn_subscriber();
/// ch.try_publish(2).unwrap();
/// ch.try_publish(3).unwrap();
/// assert_eq!(drain(&mut sub), 5);
/// ```
pub struct DynSubscriber<'a, T> {
    channel: &'a dyn DynPubSub<T>,
    next: u64,
}

impl<T> core::fmt::Debug for DynSubscriber<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DynSubscriber")
            .field("next", &self.next)
            .finish()
    }
}

impl<'a, T> DynSubscriber<'a, T> {
    /// See [`Subscriber::next_message`] (cancel safety: yes).
    pub fn next_message(&mut self) -> DynNextMessageFuture<'_, 'a, T> {
        DynNextMessageFuture {
            subscriber: self,
            waiter: Waiter::new(),
        }
    }

    /// See [`Subscriber::next_message_pure`] (cancel safety: yes).
    pub async fn next_message_pure(&mut self) -> T {
        loop {
            if let WaitResult::Message(m) = self.next_message().await {
                return m;
            }
        }
    }

    /// See [`Subscriber::try_next_message`].
    pub fn try_next_message(&mut self) -> Option<WaitResult<T>> {
        self.channel.try_read(&mut self.next)
    }

    /// See [`Subscriber::try_next_message_pure`].
    pub fn try_next_message_pure(&mut self) -> Option<T> {
        loop {
            match self.try_next_message()? {
                WaitResult::Message(m) => return Some(m),
                WaitResult::Lagged(_) => continue,
            }
        }
    }

    /// See [`Subscriber::available`].
    pub fn available(&self) -> u64 {
        self.channel.unread(self.next)
    }

    /// See [`PubSubChannel::len`].
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// See [`PubSubChannel::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// See [`PubSubChannel::capacity`].
    pub fn capacity(&self) -> usize {
        self.channel.capacity()
    }

    /// See [`PubSubChannel::space`].
    pub fn free_capacity(&self) -> usize {
        self.capacity() - self.len()
    }
}

impl<T> Drop for DynSubscriber<'_, T> {
    fn drop(&mut self) {
        self.channel.unsubscribe(self.next);
    }
}

impl<'a, M: RawMutex, T: Clone, const CAP: usize> From<Subscriber<'a, M, T, CAP>>
    for DynSubscriber<'a, T>
{
    fn from(sub: Subscriber<'a, M, T, CAP>) -> Self {
        // The subscription moves over: the typed handle must not unsubscribe.
        let sub = ManuallyDrop::new(sub);
        let (channel, next) = sub.parts();
        DynSubscriber { channel, next }
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> PubSubChannel<M, T, CAP> {
    /// A [`DynPublisher`]: a publishing handle without `M` and `CAP` in its type.
    pub fn dyn_publisher(&self) -> DynPublisher<'_, T> {
        DynPublisher { channel: self }
    }

    /// A new [`DynSubscriber`] (receives messages published from now on), without `M`
    /// and `CAP` in its type.
    pub fn dyn_subscriber(&self) -> DynSubscriber<'_, T> {
        let next = DynPubSub::subscribe(self);
        DynSubscriber {
            channel: self,
            next,
        }
    }
}

/// Future of [`DynPublisher::publish`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct DynPublishFuture<'a, T> {
    channel: &'a dyn DynPubSub<T>,
    msg: Option<T>,
    waiter: Waiter,
}

impl<T> Future for DynPublishFuture<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self` except `msg`, which is not structurally
        // pinned; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a publisher.
        unsafe {
            this.channel
                .poll_publish(&mut this.msg, &mut this.waiter, cx)
        }
    }
}

impl<T> Drop for DynPublishFuture<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; publisher only.
        unsafe { self.channel.cancel_publish(&mut self.waiter) };
    }
}

/// Future of [`DynSubscriber::next_message`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct DynNextMessageFuture<'s, 'a, T> {
    subscriber: &'s mut DynSubscriber<'a, T>,
    waiter: Waiter,
}

impl<T> Future for DynNextMessageFuture<'_, '_, T> {
    type Output = WaitResult<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WaitResult<T>> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let sub = &mut *this.subscriber;
        // SAFETY: `waiter` is pinned inside this future and used only as a reader.
        unsafe { sub.channel.poll_read(&mut sub.next, &mut this.waiter, cx) }
    }
}

impl<T> Drop for DynNextMessageFuture<'_, '_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; reader only.
        unsafe { self.subscriber.channel.cancel_read(&mut self.waiter) };
    }
}
