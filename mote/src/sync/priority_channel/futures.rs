//! The futures of [`PriorityChannel`] (thin wrappers over the channel engine).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::PriorityChannel;
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::channel::polled as chan;
use crate::sync::wait_list::Waiter;

/// Future of [`PriorityChannel::send`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct PrioritySendFuture<'a, M: RawMutex, T: Ord, const N: usize> {
    channel: &'a PriorityChannel<M, T, N>,
    value: Option<T>,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T: Ord, const N: usize> PrioritySendFuture<'a, M, T, N> {
    pub(super) fn new(channel: &'a PriorityChannel<M, T, N>, value: T) -> Self {
        Self {
            channel,
            value: Some(value),
            waiter: Waiter::new(),
        }
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Future for PrioritySendFuture<'_, M, T, N> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self` except `value`, which is not structurally
        // pinned; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a sender here.
        unsafe { chan::poll_send(this.channel, &mut this.value, &mut this.waiter, cx.waker()) }
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Drop for PrioritySendFuture<'_, M, T, N> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; sender only.
        unsafe { chan::cancel_send(self.channel, &mut self.waiter) };
    }
}

/// Future of [`PriorityChannel::receive`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct PriorityReceiveFuture<'a, M: RawMutex, T: Ord, const N: usize> {
    channel: &'a PriorityChannel<M, T, N>,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T: Ord, const N: usize> PriorityReceiveFuture<'a, M, T, N> {
    pub(super) fn new(channel: &'a PriorityChannel<M, T, N>) -> Self {
        Self {
            channel,
            waiter: Waiter::new(),
        }
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Future for PriorityReceiveFuture<'_, M, T, N> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a receiver here.
        unsafe { chan::poll_receive(this.channel, &mut this.waiter, cx.waker()) }
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Drop for PriorityReceiveFuture<'_, M, T, N> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; receiver only.
        unsafe { chan::cancel_receive(self.channel, &mut self.waiter) };
    }
}
