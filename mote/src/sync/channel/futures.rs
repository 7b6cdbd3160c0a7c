//! The futures returned by [`Channel`]'s async methods. Each embeds a wait-list node, so
//! it is `!Unpin` (pin it, e.g. by `.await`ing it). Their logic lives in `engine`.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::polled as chan;
use super::Channel;
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::wait_list::Waiter;

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

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self` except `value`, which is not structurally
        // pinned; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a sender here.
        unsafe { chan::poll_send(this.channel, &mut this.value, &mut this.waiter, cx.waker()) }
    }
}

impl<M: RawMutex, T, const N: usize> Drop for SendFuture<'_, M, T, N> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; sender only.
        unsafe { chan::cancel_send(self.channel, &mut self.waiter) };
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

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` is pinned inside this future and used only as a receiver here.
        unsafe { chan::poll_receive(this.channel, &mut this.waiter, cx.waker()) }
    }
}

impl<M: RawMutex, T, const N: usize> Drop for ReceiveFuture<'_, M, T, N> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; receiver only.
        unsafe { chan::cancel_receive(self.channel, &mut self.waiter) };
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
        // SAFETY: `waiter` is pinned inside this future and used only as a ready-waiter.
        unsafe { super::engine::poll_ready(&this.channel.core, &mut this.waiter, cx) }
    }
}

impl<M: RawMutex, T, const N: usize> Drop for ReadyToReceiveFuture<'_, M, T, N> {
    fn drop(&mut self) {
        // SAFETY: dropped in place, so still pinned if it was ever polled; ready-waiter only.
        unsafe { super::engine::cancel_ready(&self.channel.core, &mut self.waiter) };
    }
}
