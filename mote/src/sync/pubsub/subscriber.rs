//! Subscribing side of a [`PubSubChannel`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{PubSubChannel, WaitResult};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::wait_list::{Turn, Waiter};

/// A subscription (see [`PubSubChannel::subscriber`]); unsubscribes when dropped,
/// releasing the messages it had not read.
pub struct Subscriber<'a, M: RawMutex, T: Clone, const CAP: usize> {
    channel: &'a PubSubChannel<M, T, CAP>,
    next: u64,
}

impl<'a, M: RawMutex, T: Clone, const CAP: usize> Subscriber<'a, M, T, CAP> {
    pub(super) fn new(channel: &'a PubSubChannel<M, T, CAP>, next: u64) -> Self {
        Self { channel, next }
    }

    /// The channel and stream position (for handing the subscription over).
    pub(super) fn parts(&self) -> (&'a PubSubChannel<M, T, CAP>, u64) {
        (self.channel, self.next)
    }

    /// Waits for the next message (or a lag report).
    ///
    /// Cancel safety: yes. Nothing is consumed unless the poll returns it.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pubsub::{PubSubChannel, WaitResult}};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let ch: PubSubChannel<NoopRawMutex, u8, 2> = PubSubChannel::new();
    /// let mut sub = ch.subscriber();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut next = pin!(sub.next_message());
    /// assert!(next.as_mut().poll(&mut cx).is_pending());
    /// ch.try_publish(8).unwrap();
    /// assert_eq!(next.poll(&mut cx), Poll::Ready(WaitResult::Message(8)));
    /// ```
    pub fn next_message(&mut self) -> NextMessageFuture<'_, 'a, M, T, CAP> {
        NextMessageFuture {
            subscriber: self,
            waiter: Waiter::new(),
        }
    }

    /// Waits for the next message, skipping lag reports.
    ///
    /// Cancel safety: yes (as [`next_message`](Self::next_message)).
    pub async fn next_message_pure(&mut self) -> T {
        loop {
            if let WaitResult::Message(m) = self.next_message().await {
                return m;
            }
        }
    }

    /// The next message or lag report, if there is one now.
    pub fn try_next_message(&mut self) -> Option<WaitResult<T>> {
        super::read(self.channel, &mut self.next, |s, next| s.read(next))
    }

    /// The next message if there is one now, skipping lag reports.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pubsub::PubSubChannel};
    /// let ch: PubSubChannel<NoopRawMutex, u8, 1> = PubSubChannel::new();
    /// let mut sub = ch.subscriber();
    /// ch.publish_immediate(1);
    /// ch.publish_immediate(2); // evicts 1: `sub` lagged by one
    /// assert_eq!(sub.try_next_message_pure(), Some(2));
    /// assert_eq!(sub.try_next_message_pure(), None);
    /// ```
    pub fn try_next_message_pure(&mut self) -> Option<T> {
        loop {
            match self.try_next_message()? {
                WaitResult::Message(m) => return Some(m),
                WaitResult::Lagged(_) => continue,
            }
        }
    }

    /// See [`PubSubChannel::len`] (messages buffered for anyone).
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// See [`PubSubChannel::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// See [`PubSubChannel::capacity`].
    pub const fn capacity(&self) -> usize {
        CAP
    }

    /// See [`PubSubChannel::space`].
    pub fn free_capacity(&self) -> usize {
        self.channel.space()
    }

    /// Number of messages this subscriber has not read yet (lagged ones included).
    pub fn available(&self) -> u64 {
        let next = self.next;
        self.channel.shared.with(|s| s.end() - next)
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Drop for Subscriber<'_, M, T, CAP> {
    fn drop(&mut self) {
        let next = self.next;
        self.channel.shared.update(|s| {
            s.subscribers -= 1;
            s.forget_from(next);
        });
    }
}

/// Future of [`Subscriber::next_message`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct NextMessageFuture<'s, 'a, M: RawMutex, T: Clone, const CAP: usize> {
    subscriber: &'s mut Subscriber<'a, M, T, CAP>,
    waiter: Waiter,
}

impl<M: RawMutex, T: Clone, const CAP: usize> Future for NextMessageFuture<'_, '_, M, T, CAP> {
    type Output = WaitResult<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WaitResult<T>> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let sub = &mut *this.subscriber;
        // SAFETY: `waiter` is pinned inside this future and used only as a reader here.
        unsafe { poll_read(sub.channel, &mut sub.next, &mut this.waiter, cx) }
    }
}

/// Polls a read of the subscriber at `*next`.
///
/// # Safety
///
/// `waiter` is pinned and used only with this channel's readers (via these functions).
pub(super) unsafe fn poll_read<M: RawMutex, T: Clone, const CAP: usize>(
    channel: &PubSubChannel<M, T, CAP>,
    next: &mut u64,
    waiter: &mut Waiter,
    cx: &mut Context<'_>,
) -> Poll<WaitResult<T>> {
    super::read(channel, next, |s, next| {
        // SAFETY: `waiter` is pinned, always used with `s.readers` (caller); lock held.
        if unsafe { waiter.poll_turn(&mut s.readers, cx.waker()) } == Turn::Waiting {
            return Poll::Pending;
        }
        if let Some(r) = s.read(next) {
            return Poll::Ready(r);
        }
        let end = s.end() as usize;
        // SAFETY: as above; the owner cancels in its `Drop` while queued.
        unsafe { waiter.enqueue(&mut s.readers, cx.waker(), end) };
        Poll::Pending
    })
}

/// Cancels a read (its future is dropped).
///
/// # Safety
///
/// As for [`poll_read`]; called once, from the owner's `Drop`.
pub(super) unsafe fn cancel_read<M: RawMutex, T: Clone, const CAP: usize>(
    channel: &PubSubChannel<M, T, CAP>,
    waiter: &mut Waiter,
) {
    if waiter.is_queued() {
        channel.shared.update(|s| {
            // SAFETY: pinned (queued implies polled), dropped in place (caller); used with
            // `s.readers`; lock held. A reader grant reserves nothing.
            let _ = unsafe { waiter.cancel(&mut s.readers) };
        });
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Drop for NextMessageFuture<'_, '_, M, T, CAP> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; reader only.
        unsafe { cancel_read(self.subscriber.channel, &mut self.waiter) };
    }
}
