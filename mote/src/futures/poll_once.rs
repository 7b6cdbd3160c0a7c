//! [`poll_once`]: poll a future exactly once and report the result, without waiting.
//!
//! Guarantee: each poll of [`PollOnce`] polls the inner future exactly once and returns
//! `Ready` with that poll's result: `Ready(Poll::Ready(out))` or `Ready(Poll::Pending)`.
//! It never returns `Pending` itself.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Polls `future` once, with the caller's waker, and returns the result of that poll.
///
/// To keep a pending future for later, pass a reference: `poll_once(&mut fut)` for an
/// `Unpin` future, or `poll_once(fut.as_mut())` for a pinned one (`Pin<&mut F>`). Passing
/// the future by value drops it (midway, if it was pending) when the `PollOnce` is dropped.
///
/// The inner future registered the caller's waker during the poll, so a `Pending` result
/// still leads to a wake when the inner future can make progress.
///
/// Cancel safety: yes: `PollOnce` finishes on its first poll; before that it has done
/// nothing. (The inner future, if passed by value, is dropped with it.)
///
/// Polling a `PollOnce` again after it returned `Ready` polls the inner future again.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use core::task::Poll;
/// use mote::futures::{block_on_spin, poll_once, yield_now};
///
/// block_on_spin(async {
///     let mut fut = pin!(async {
///         yield_now().await;
///         5
///     });
///     assert_eq!(poll_once(fut.as_mut()).await, Poll::Pending);
///     assert_eq!(poll_once(fut.as_mut()).await, Poll::Ready(5));
/// });
/// ```
pub fn poll_once<F: Future>(future: F) -> PollOnce<F> {
    PollOnce { future }
}

/// The future returned by [`poll_once`].
///
/// # Example
///
/// ```
/// use core::task::Poll;
/// use mote::futures::{block_on_spin, poll_once, PollOnce};
///
/// let fut: PollOnce<_> = poll_once(async { 'x' });
/// assert_eq!(block_on_spin(fut), Poll::Ready('x'));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct PollOnce<F> {
    future: F,
}

impl<F: Future> Future for PollOnce<F> {
    type Output = Poll<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant (module docs of `futures`): `future` is
        // never moved out of a pinned `PollOnce`; it is only pinned in place here.
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        Poll::Ready(future.poll(cx))
    }
}
