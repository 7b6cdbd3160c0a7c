//! The futures returned by [`Channel`]'s async methods. Each embeds a wait-list node, so
//! it is `!Unpin` (pin it, e.g. by `.await`ing it).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::Channel;
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::wait_list::{Turn, Waiter};

/// Future of [`Channel::send`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, M: RawMutex, T, const N: usize> {
    channel: &'a Channel<M, T, N>,
    value: Option<T>,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T, const N: usize> SendFuture<'a, M, T, N> {
    pub(super) fn new(channel: &'a Channel<M, T, N>, value: T) -> Self {
        Self {
            channel,
            value: Some(value),
            waiter: Waiter::new(),
        }
    }
}

impl<M: RawMutex, T, const N: usize> Future for SendFuture<'_, M, T, N> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self` except `value`, which is not structurally
        // pinned; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (channel, value, waiter) = (this.channel, &mut this.value, &mut this.waiter);
        if value.is_none() {
            return Poll::Ready(()); // already completed
        }
        channel.update(|s| {
            // SAFETY: `waiter` is pinned (inside the pinned future), always used with
            // `s.senders`, and we hold the lock.
            let turn = unsafe { waiter.poll_turn(&mut s.senders, cx.waker()) };
            match turn {
                Turn::Granted => s.reserved_slots -= 1,
                Turn::Waiting => return Poll::Pending,
                Turn::Fresh if s.free() == 0 => {
                    // SAFETY: as above; our `Drop` cancels while queued.
                    unsafe { waiter.enqueue(&mut s.senders, cx.waker(), 1) };
                    return Poll::Pending;
                }
                Turn::Fresh => {}
            }
            // A slot is free for us: either granted (reserved, now released) or free() > 0.
            if let Some(v) = value.take() {
                if let Err(v) = s.ring.push_back(v) {
                    // Unreachable by the channel invariants; keep the value, retry later.
                    *value = Some(v);
                    // SAFETY: as above.
                    unsafe { waiter.enqueue(&mut s.senders, cx.waker(), 1) };
                    return Poll::Pending;
                }
            }
            Poll::Ready(())
        })
    }
}

impl<M: RawMutex, T, const N: usize> Drop for SendFuture<'_, M, T, N> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.channel.update(|s| {
                // SAFETY: the future is pinned (it was polled, since it is queued) and
                // being dropped in place; the waiter is used with `s.senders`; lock held.
                if unsafe { waiter.cancel(&mut s.senders) } {
                    // Give the reserved slot back; `update` grants it to the next sender.
                    s.reserved_slots -= 1;
                }
            });
        }
    }
}

/// Future of [`Channel::receive`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct ReceiveFuture<'a, M: RawMutex, T, const N: usize> {
    channel: &'a Channel<M, T, N>,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T, const N: usize> ReceiveFuture<'a, M, T, N> {
    pub(super) fn new(channel: &'a Channel<M, T, N>) -> Self {
        Self {
            channel,
            waiter: Waiter::new(),
        }
    }
}

impl<M: RawMutex, T, const N: usize> Future for ReceiveFuture<'_, M, T, N> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (channel, waiter) = (this.channel, &mut this.waiter);
        channel.update(|s| {
            // SAFETY: `waiter` is pinned, always used with `s.receivers`; lock held.
            let turn = unsafe { waiter.poll_turn(&mut s.receivers, cx.waker()) };
            match turn {
                Turn::Granted => s.reserved_items -= 1,
                Turn::Waiting => return Poll::Pending,
                Turn::Fresh if s.available() == 0 => {
                    // SAFETY: as above; our `Drop` cancels while queued.
                    unsafe { waiter.enqueue(&mut s.receivers, cx.waker(), 1) };
                    return Poll::Pending;
                }
                Turn::Fresh => {}
            }
            match s.ring.pop_front() {
                Some(v) => Poll::Ready(v),
                None => {
                    // Unreachable by the channel invariants; wait again.
                    // SAFETY: as above.
                    unsafe { waiter.enqueue(&mut s.receivers, cx.waker(), 1) };
                    Poll::Pending
                }
            }
        })
    }
}

impl<M: RawMutex, T, const N: usize> Drop for ReceiveFuture<'_, M, T, N> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.channel.update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; the waiter is
                // used with `s.receivers`; lock held.
                if unsafe { waiter.cancel(&mut s.receivers) } {
                    // Un-promise the value; `update` grants it to the next receiver.
                    s.reserved_items -= 1;
                }
            });
        }
    }
}

/// Future of [`Channel::ready_to_receive`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct ReadyToReceiveFuture<'a, M: RawMutex, T, const N: usize> {
    channel: &'a Channel<M, T, N>,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T, const N: usize> ReadyToReceiveFuture<'a, M, T, N> {
    pub(super) fn new(channel: &'a Channel<M, T, N>) -> Self {
        Self {
            channel,
            waiter: Waiter::new(),
        }
    }
}

impl<M: RawMutex, T, const N: usize> Future for ReadyToReceiveFuture<'_, M, T, N> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (channel, waiter) = (this.channel, &mut this.waiter);
        channel.with(|s| {
            // SAFETY: `waiter` is pinned, always used with `s.ready`; lock held.
            let turn = unsafe { waiter.poll_turn(&mut s.ready, cx.waker()) };
            if turn == Turn::Waiting {
                return Poll::Pending;
            }
            if s.available() > 0 {
                return Poll::Ready(());
            }
            // SAFETY: as above; our `Drop` cancels while queued.
            unsafe { waiter.enqueue(&mut s.ready, cx.waker(), 0) };
            Poll::Pending
        })
    }
}

impl<M: RawMutex, T, const N: usize> Drop for ReadyToReceiveFuture<'_, M, T, N> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.channel.with(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `s.ready`; lock held. A grant here reserves nothing: nothing to return.
                let _ = unsafe { waiter.cancel(&mut s.ready) };
            });
        }
    }
}
