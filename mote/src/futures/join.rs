//! [`join`], [`join3`], [`join4`], [`join_array`]: wait for all of several futures.
//!
//! Guarantees: each poll polls, in argument (or index) order, every inner future that
//! has not finished yet; a finished future is dropped in place at once and never polled
//! again, its output kept until all are done. The result lists the outputs in argument
//! order, whatever order the futures finished in. No heap: the futures and their outputs
//! live inside the join value.
//!
//! Each inner future goes through these states (see `MaybeDone`):
//!
//! ```text
//!  Running(F) ── poll: Ready(out), F dropped ──► Done(out) ── all Done: output taken ──► Taken
//! ```
//!
//! # Panics
//!
//! Polling a join again after it returned `Ready` panics (the outputs are gone), like an
//! `async fn` polled after completion. `join_array` of zero futures is the exception: it
//! holds no output, so it returns `Ready([])` on every poll.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::maybe_done::MaybeDone;

/// The message of the documented panic when a join is polled after it finished.
const POLLED_AFTER_READY: &str = "join future polled after it returned `Ready`";

/// Unwraps an output taken from a slot that `poll_done` reported finished; `None` means
/// the output was taken by an earlier `Ready`, i.e. the join was polled after completion.
fn taken<T>(output: Option<T>) -> T {
    match output {
        Some(output) => output,
        None => panic!("{}", POLLED_AFTER_READY),
    }
}

/// Waits for both futures to finish; returns their outputs in argument order.
///
/// Each poll polls `a` (unless finished), then `b` (unless finished). The futures need
/// not be `Unpin`.
///
/// Cancel safety: no, in general: dropping the join before it finishes drops the
/// unfinished futures midway (each as cancel-safe as it is) *and* the outputs of the
/// finished ones, which are then lost.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join, yield_now};
///
/// let (a, b) = block_on_spin(join(
///     async { yield_now().await; "late" },
///     async { "early" },
/// ));
/// assert_eq!((a, b), ("late", "early"));
/// ```
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: MaybeDone::Running(a),
        b: MaybeDone::Running(b),
    }
}

/// Waits for three futures to finish; see [`join`] for poll order and cancellation.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join3};
///
/// let out = block_on_spin(join3(async { 1u8 }, async { 2u16 }, async { 3u32 }));
/// assert_eq!(out, (1, 2, 3));
/// ```
pub fn join3<A: Future, B: Future, C: Future>(a: A, b: B, c: C) -> Join3<A, B, C> {
    Join3 {
        a: MaybeDone::Running(a),
        b: MaybeDone::Running(b),
        c: MaybeDone::Running(c),
    }
}

/// Waits for four futures to finish; see [`join`] for poll order and cancellation.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join4};
///
/// let out = block_on_spin(join4(async { 1 }, async { 2 }, async { 3 }, async { 4 }));
/// assert_eq!(out, (1, 2, 3, 4));
/// ```
pub fn join4<A: Future, B: Future, C: Future, D: Future>(
    a: A,
    b: B,
    c: C,
    d: D,
) -> Join4<A, B, C, D> {
    Join4 {
        a: MaybeDone::Running(a),
        b: MaybeDone::Running(b),
        c: MaybeDone::Running(c),
        d: MaybeDone::Running(d),
    }
}

/// Waits for all `N` futures to finish; returns their outputs in array order.
///
/// With `N == 0` the join finishes on its first poll with `[]`. See [`join`] for poll
/// order and cancellation.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join_array, yield_now};
///
/// async fn ready_after(polls: u32) -> u32 {
///     for _ in 0..polls {
///         yield_now().await;
///     }
///     polls
/// }
///
/// let out = block_on_spin(join_array([ready_after(2), ready_after(0), ready_after(1)]));
/// assert_eq!(out, [2, 0, 1]);
///
/// let none: [u32; 0] = block_on_spin(join_array::<core::future::Ready<u32>, 0>([]));
/// assert_eq!(none, []);
/// ```
pub fn join_array<F: Future, const N: usize>(futures: [F; N]) -> JoinArray<F, N> {
    JoinArray {
        futures: futures.map(MaybeDone::Running),
    }
}

/// The future returned by [`join`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (the outputs were moved out).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join, Join};
///
/// let fut: Join<_, _> = join(async { 1 }, async { 'b' });
/// assert_eq!(block_on_spin(fut), (1, 'b'));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join<A: Future, B: Future> {
    a: MaybeDone<A>,
    b: MaybeDone<B>,
}

/// The future returned by [`join3`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (the outputs were moved out).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join3, Join3};
///
/// let fut: Join3<_, _, _> = join3(async { 1 }, async { 2 }, async { 3 });
/// assert_eq!(block_on_spin(fut), (1, 2, 3));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join3<A: Future, B: Future, C: Future> {
    a: MaybeDone<A>,
    b: MaybeDone<B>,
    c: MaybeDone<C>,
}

/// The future returned by [`join4`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (the outputs were moved out).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join4, Join4};
///
/// let fut: Join4<_, _, _, _> = join4(async { 1 }, async { 2 }, async { 3 }, async { 4 });
/// assert_eq!(block_on_spin(fut), (1, 2, 3, 4));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join4<A: Future, B: Future, C: Future, D: Future> {
    a: MaybeDone<A>,
    b: MaybeDone<B>,
    c: MaybeDone<C>,
    d: MaybeDone<D>,
}

/// The future returned by [`join_array`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (the outputs were moved out),
/// except when `N == 0`: then every poll returns `Ready([])`.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, join_array, JoinArray};
///
/// let fut: JoinArray<_, 2> = join_array([core::future::ready(1), core::future::ready(2)]);
/// assert_eq!(block_on_spin(fut), [1, 2]);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct JoinArray<F: Future, const N: usize> {
    futures: [MaybeDone<F>; N],
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant (module docs of `futures`): the slots are
        // never moved out of a pinned `Join`; `this` is only used to pin each in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: structural pinning invariant: each slot stays at its address inside the
        // pinned `Join` until it is dropped.
        let (mut a, mut b) = unsafe {
            (
                Pin::new_unchecked(&mut this.a),
                Pin::new_unchecked(&mut this.b),
            )
        };
        // Non-short-circuit `&`: every unfinished future is polled, in argument order.
        let done = a.as_mut().poll_done(cx) & b.as_mut().poll_done(cx);
        if !done {
            return Poll::Pending;
        }
        Poll::Ready((taken(a.take_output()), taken(b.take_output())))
    }
}

impl<A: Future, B: Future, C: Future> Future for Join3<A, B, C> {
    type Output = (A::Output, B::Output, C::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant: the slots are never moved out of a pinned
        // `Join3`; `this` is only used to pin each in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: structural pinning invariant: each slot stays at its address inside the
        // pinned `Join3` until it is dropped.
        let (mut a, mut b, mut c) = unsafe {
            (
                Pin::new_unchecked(&mut this.a),
                Pin::new_unchecked(&mut this.b),
                Pin::new_unchecked(&mut this.c),
            )
        };
        let done = a.as_mut().poll_done(cx) & b.as_mut().poll_done(cx) & c.as_mut().poll_done(cx);
        if !done {
            return Poll::Pending;
        }
        Poll::Ready((
            taken(a.take_output()),
            taken(b.take_output()),
            taken(c.take_output()),
        ))
    }
}

impl<A: Future, B: Future, C: Future, D: Future> Future for Join4<A, B, C, D> {
    type Output = (A::Output, B::Output, C::Output, D::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant: the slots are never moved out of a pinned
        // `Join4`; `this` is only used to pin each in place.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: structural pinning invariant: each slot stays at its address inside the
        // pinned `Join4` until it is dropped.
        let (mut a, mut b, mut c, mut d) = unsafe {
            (
                Pin::new_unchecked(&mut this.a),
                Pin::new_unchecked(&mut this.b),
                Pin::new_unchecked(&mut this.c),
                Pin::new_unchecked(&mut this.d),
            )
        };
        let done = a.as_mut().poll_done(cx)
            & b.as_mut().poll_done(cx)
            & c.as_mut().poll_done(cx)
            & d.as_mut().poll_done(cx);
        if !done {
            return Poll::Pending;
        }
        Poll::Ready((
            taken(a.take_output()),
            taken(b.take_output()),
            taken(c.take_output()),
            taken(d.take_output()),
        ))
    }
}

impl<F: Future, const N: usize> Future for JoinArray<F, N> {
    type Output = [F::Output; N];

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant: the slots are never moved out of a pinned
        // `JoinArray`; `slots` is only used to pin each slot in place.
        let slots = unsafe { &mut self.get_unchecked_mut().futures };
        let mut done = true;
        for slot in slots.iter_mut() {
            // SAFETY: structural pinning invariant: the slot stays at its address inside
            // the pinned array until it is dropped.
            done &= unsafe { Pin::new_unchecked(slot) }.poll_done(cx);
        }
        if !done {
            return Poll::Pending;
        }
        Poll::Ready(core::array::from_fn(|index| {
            // SAFETY: structural pinning invariant: as above, the slot is pinned in place.
            taken(unsafe { Pin::new_unchecked(&mut slots[index]) }.take_output())
        }))
    }
}
