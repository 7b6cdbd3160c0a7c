//! [`select`], [`select3`], [`select4`]: wait for the first of several futures.
//!
//! Guarantees: each poll polls the inner futures in argument order and returns the
//! output of the first one that is ready, tagged with its position ([`Either`],
//! [`Either3`], [`Either4`]). Futures after the winner are not polled in that poll.
//! The other futures (the losers) stay inside the select value, unpolled, until it is
//! dropped; dropping it drops them (that is how they are cancelled).
//!
//! ```text
//!            poll: all Pending
//!             ┌────────┐
//!             ▼        │
//!  select(a, b) ──► Waiting ── poll: a Ready ──► Ready(First(a))   (b is not polled)
//!                      │
//!                      └────── poll: a Pending, b Ready ──► Ready(Second(b))
//! ```
//!
//! A select value does not record that it has finished: polling it again after it
//! returned `Ready` polls the inner futures again, which a finished future may answer
//! with a panic. Do not poll a future after it returned `Ready`.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The result of [`select`]: which of two futures finished first, with its output.
///
/// # Example
///
/// ```
/// use mote::futures::Either;
///
/// let e: Either<u8, &str> = Either::First(3);
/// assert!(matches!(e, Either::First(3)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Either<A, B> {
    /// The first future finished first.
    First(A),
    /// The second future finished first.
    Second(B),
}

/// The result of [`select3`]: which of three futures finished first, with its output.
///
/// # Example
///
/// ```
/// use mote::futures::Either3;
///
/// let e: Either3<u8, u16, u32> = Either3::Third(3);
/// assert_eq!(e, Either3::Third(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Either3<A, B, C> {
    /// The first future finished first.
    First(A),
    /// The second future finished first.
    Second(B),
    /// The third future finished first.
    Third(C),
}

/// The result of [`select4`]: which of four futures finished first, with its output.
///
/// # Example
///
/// ```
/// use mote::futures::Either4;
///
/// let e: Either4<u8, u16, u32, u64> = Either4::Fourth(4);
/// assert_eq!(e, Either4::Fourth(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Either4<A, B, C, D> {
    /// The first future finished first.
    First(A),
    /// The second future finished first.
    Second(B),
    /// The third future finished first.
    Third(C),
    /// The fourth future finished first.
    Fourth(D),
}

/// Waits for the first of two futures to finish.
///
/// Each poll polls `a`, then (if `a` is pending) `b`. When both are ready in the same
/// poll, `a` wins. The inner futures need not be `Unpin`.
///
/// Cancel safety: the select itself holds no state of its own, so dropping it is
/// exactly as cancel-safe as dropping `a` and `b`. When it finishes, the loser is
/// *not* dropped at once: it is dropped with the [`Select`] value (for `.await`, at
/// the end of the `.await` expression). If the loser is not cancel-safe (it may lose
/// data when dropped midway), the data it held is lost.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select, yield_now, Either};
///
/// let out = block_on_spin(select(
///     async { yield_now().await; 1u8 },
///     async { "now" },
/// ));
/// assert_eq!(out, Either::Second("now"));
/// ```
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select { a, b }
}

/// Waits for the first of three futures to finish; see [`select`] for the poll order and
/// cancellation behaviour (argument order wins ties; losers dropped with the value).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select3, yield_now, Either3};
///
/// let out = block_on_spin(select3(
///     async { yield_now().await; 1u8 },
///     async { 2u16 },
///     async { 3u32 },
/// ));
/// assert_eq!(out, Either3::Second(2));
/// ```
pub fn select3<A: Future, B: Future, C: Future>(a: A, b: B, c: C) -> Select3<A, B, C> {
    Select3 { a, b, c }
}

/// Waits for the first of four futures to finish; see [`select`] for the poll order and
/// cancellation behaviour (argument order wins ties; losers dropped with the value).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select4, yield_now, Either4};
///
/// let out = block_on_spin(select4(
///     async { yield_now().await; 1u8 },
///     async { yield_now().await; 2u8 },
///     async { yield_now().await; 3u8 },
///     async { 4u8 },
/// ));
/// assert_eq!(out, Either4::Fourth(4));
/// ```
pub fn select4<A: Future, B: Future, C: Future, D: Future>(
    a: A,
    b: B,
    c: C,
    d: D,
) -> Select4<A, B, C, D> {
    Select4 { a, b, c, d }
}

/// The future returned by [`select`].
///
/// It does not record that it finished: polling it again after `Ready` polls the inner
/// futures again (a finished future may answer that with a panic).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select, Either, Select};
///
/// let fut: Select<_, _> = select(async { 'a' }, async { 'b' });
/// assert_eq!(block_on_spin(fut), Either::First('a'));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Select<A, B> {
    a: A,
    b: B,
}

/// The future returned by [`select3`].
///
/// It does not record that it finished: polling it again after `Ready` polls the inner
/// futures again (a finished future may answer that with a panic).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select3, Either3, Select3};
///
/// let fut: Select3<_, _, _> = select3(async { 'a' }, async { 'b' }, async { 'c' });
/// assert_eq!(block_on_spin(fut), Either3::First('a'));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Select3<A, B, C> {
    a: A,
    b: B,
    c: C,
}

/// The future returned by [`select4`].
///
/// It does not record that it finished: polling it again after `Ready` polls the inner
/// futures again (a finished future may answer that with a panic).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select4, Either4, Select4};
///
/// let fut: Select4<_, _, _, _> =
///     select4(async { 'a' }, async { 'b' }, async { 'c' }, async { 'd' });
/// assert_eq!(block_on_spin(fut), Either4::First('a'));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Select4<A, B, C, D> {
    a: A,
    b: B,
    c: C,
    d: D,
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant (see the module docs of `futures`): the
        // fields are never moved out of a pinned `Select`; `this` is only used to pin
        // each field in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: structural pinning invariant: `a` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.a) }.poll(cx) {
            return Poll::Ready(Either::First(out));
        }
        // SAFETY: structural pinning invariant: `b` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.b) }.poll(cx) {
            return Poll::Ready(Either::Second(out));
        }
        Poll::Pending
    }
}

impl<A: Future, B: Future, C: Future> Future for Select3<A, B, C> {
    type Output = Either3<A::Output, B::Output, C::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant: the fields are never moved out of a
        // pinned `Select3`; `this` is only used to pin each field in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: structural pinning invariant: `a` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.a) }.poll(cx) {
            return Poll::Ready(Either3::First(out));
        }
        // SAFETY: structural pinning invariant: `b` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.b) }.poll(cx) {
            return Poll::Ready(Either3::Second(out));
        }
        // SAFETY: structural pinning invariant: `c` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.c) }.poll(cx) {
            return Poll::Ready(Either3::Third(out));
        }
        Poll::Pending
    }
}

impl<A: Future, B: Future, C: Future, D: Future> Future for Select4<A, B, C, D> {
    type Output = Either4<A::Output, B::Output, C::Output, D::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant: the fields are never moved out of a
        // pinned `Select4`; `this` is only used to pin each field in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: structural pinning invariant: `a` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.a) }.poll(cx) {
            return Poll::Ready(Either4::First(out));
        }
        // SAFETY: structural pinning invariant: `b` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.b) }.poll(cx) {
            return Poll::Ready(Either4::Second(out));
        }
        // SAFETY: structural pinning invariant: `c` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.c) }.poll(cx) {
            return Poll::Ready(Either4::Third(out));
        }
        // SAFETY: structural pinning invariant: `d` stays in place until dropped.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(&mut this.d) }.poll(cx) {
            return Poll::Ready(Either4::Fourth(out));
        }
        Poll::Pending
    }
}
