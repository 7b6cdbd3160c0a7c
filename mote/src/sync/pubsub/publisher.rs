//! Publishing side of a [`PubSubChannel`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{PubSubChannel, TryPublishError};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::wait_list::{Turn, Waiter};

/// A copyable publishing handle (see [`PubSubChannel::publisher`]).
pub struct Publisher<'a, M: RawMutex, T: Clone, const CAP: usize> {
    channel: &'a PubSubChannel<M, T, CAP>,
}

impl<M: RawMutex, T: Clone, const CAP: usize> Clone for Publisher<'_, M, T, CAP> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Copy for Publisher<'_, M, T, CAP> {}

impl<'a, M: RawMutex, T: Clone, const CAP: usize> Publisher<'a, M, T, CAP> {
    pub(super) fn new(channel: &'a PubSubChannel<M, T, CAP>) -> Self {
        Self { channel }
    }

    pub(super) fn channel(&self) -> &'a PubSubChannel<M, T, CAP> {
        self.channel
    }

    /// See [`PubSubChannel::publish`] (cancel safety: yes).
    pub fn publish(&self, msg: T) -> PublishFuture<'a, M, T, CAP> {
        self.channel.publish(msg)
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
        self.channel.space()
    }
}

/// Future of [`PubSubChannel::publish`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct PublishFuture<'a, M: RawMutex, T: Clone, const CAP: usize> {
    channel: &'a PubSubChannel<M, T, CAP>,
    msg: Option<T>,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T: Clone, const CAP: usize> PublishFuture<'a, M, T, CAP> {
    pub(super) fn new(channel: &'a PubSubChannel<M, T, CAP>, msg: T) -> Self {
        Self {
            channel,
            msg: Some(msg),
            waiter: Waiter::new(),
        }
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Future for PublishFuture<'_, M, T, CAP> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self` except `msg`, which is not structurally
        // pinned; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a publisher here.
        unsafe { poll_publish(this.channel, &mut this.msg, &mut this.waiter, cx) }
    }
}

/// Polls a publish of `*msg` (taken when published).
///
/// # Safety
///
/// `waiter` is pinned and used only with this channel's publishers (via these functions).
pub(super) unsafe fn poll_publish<M: RawMutex, T: Clone, const CAP: usize>(
    channel: &PubSubChannel<M, T, CAP>,
    msg: &mut Option<T>,
    waiter: &mut Waiter,
    cx: &mut Context<'_>,
) -> Poll<()> {
    if msg.is_none() {
        return Poll::Ready(()); // already completed
    }
    channel.shared.update(|s| {
        // SAFETY: `waiter` is pinned, always used with `s.publishers` (caller); lock held.
        let turn = unsafe { waiter.poll_turn(&mut s.publishers, cx.waker()) };
        let may_publish = match turn {
            Turn::Waiting => return Poll::Pending,
            Turn::Granted => {
                s.publisher_granted = false;
                true
            }
            Turn::Fresh => s.open_to_new_publisher(),
        };
        if may_publish && s.ring.len() < CAP {
            if let Some(m) = msg.take() {
                s.push(m);
            }
            return Poll::Ready(());
        }
        if turn == Turn::Granted {
            // `publish_immediate` took the freed slot: keep our place at the head.
            // SAFETY: as above; the owner cancels in its `Drop` while queued.
            unsafe { waiter.enqueue_front(&mut s.publishers, cx.waker(), 0) };
        } else {
            // SAFETY: as above; the owner cancels in its `Drop` while queued.
            unsafe { waiter.enqueue(&mut s.publishers, cx.waker(), 0) };
        }
        Poll::Pending
    })
}

/// Cancels a publish (its future is dropped): leaves the queue or passes the turn on.
///
/// # Safety
///
/// As for [`poll_publish`]; called once, from the owner's `Drop`.
pub(super) unsafe fn cancel_publish<M: RawMutex, T: Clone, const CAP: usize>(
    channel: &PubSubChannel<M, T, CAP>,
    waiter: &mut Waiter,
) {
    if waiter.is_queued() {
        channel.shared.update(|s| {
            // SAFETY: pinned (queued implies polled), dropped in place (caller); used with
            // `s.publishers`; lock held.
            if unsafe { waiter.cancel(&mut s.publishers) } {
                s.publisher_granted = false; // `update` passes the turn on
            }
        });
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Drop for PublishFuture<'_, M, T, CAP> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; publisher only.
        unsafe { cancel_publish(self.channel, &mut self.waiter) };
    }
}
