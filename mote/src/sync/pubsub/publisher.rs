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
        let (channel, msg, waiter) = (this.channel, &mut this.msg, &mut this.waiter);
        if msg.is_none() {
            return Poll::Ready(()); // already completed
        }
        channel.shared.update(|s| {
            // SAFETY: `waiter` is pinned, always used with `s.publishers`; lock held.
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
                // SAFETY: as above; our `Drop` cancels while queued.
                unsafe { waiter.enqueue_front(&mut s.publishers, cx.waker(), 0) };
            } else {
                // SAFETY: as above; our `Drop` cancels while queued.
                unsafe { waiter.enqueue(&mut s.publishers, cx.waker(), 0) };
            }
            Poll::Pending
        })
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Drop for PublishFuture<'_, M, T, CAP> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.channel.shared.update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `s.publishers`; lock held.
                if unsafe { waiter.cancel(&mut s.publishers) } {
                    s.publisher_granted = false; // `update` passes the turn on
                }
            });
        }
    }
}
