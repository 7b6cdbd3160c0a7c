//! [`select_array`] and [`select_slice`]: wait for the first of many futures of one type.
//!
//! Guarantees: each poll polls the futures in index order and returns the output of the
//! first ready one together with its index; when several are ready in the same poll, the
//! lowest index wins and the later ones are not polled. The losers stay in place, unpolled,
//! until the select value (for [`select_array`]) or the pinned storage (for
//! [`select_slice`]) is dropped.
//!
//! ```text
//!            poll: all Pending
//!             ┌────────┐
//!             ▼        │
//!  select_array([f0..fN]) ──► Waiting ── poll: fi first Ready ──► Ready((out_i, i))
//! ```
//!
//! Empty inputs: `select_array` of zero futures is rejected at compile time (it could
//! never finish); `select_slice` of an empty slice is a runtime value, so it is accepted
//! and stays `Pending` forever, like [`core::future::pending`].
//!
//! Like [`select`](super::select), these futures do not record that they finished:
//! polling again after `Ready` polls the inner futures again.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Waits for the first of `N` futures to finish; returns its output and its index.
///
/// `N` must be at least 1: `select_array` of an empty array does not compile (a select
/// over nothing could never finish). The futures need not be `Unpin`.
///
/// Cancel safety: as for [`select`](super::select): dropping the select drops every
/// future in the array; when it finishes, the losers are dropped with the
/// [`SelectArray`] value, not before.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select_array};
///
/// async fn ready_after(polls: u32, value: u32) -> u32 {
///     for _ in 0..polls {
///         mote::futures::yield_now().await;
///     }
///     value
/// }
///
/// let (out, index) = block_on_spin(select_array([
///     ready_after(3, 30),
///     ready_after(1, 10),
///     ready_after(2, 20),
/// ]));
/// assert_eq!((out, index), (10, 1));
/// ```
///
/// Zero futures are a compile-time error (when the call is compiled to code, e.g. by
/// `cargo build`; `cargo check` may not report it):
///
/// ```compile_fail,E0080
/// use mote::futures::{block_on_spin, select_array};
///
/// let empty: [core::future::Ready<u8>; 0] = [];
/// let _ = block_on_spin(select_array(empty));
/// ```
pub fn select_array<F: Future, const N: usize>(futures: [F; N]) -> SelectArray<F, N> {
    const {
        assert!(
            N > 0,
            "select_array needs at least one future: a select over none never finishes"
        );
    }
    SelectArray { futures }
}

/// Waits for the first future of a pinned slice to finish; returns its output and its
/// index.
///
/// The slice is borrowed, so the futures outlive the select: after it finishes, the
/// losers are still in the slice (and may be selected again or dropped by the owner).
/// An empty slice gives a future that is `Pending` forever.
///
/// Cancel safety: yes for the select itself: dropping a [`SelectSlice`] drops no future
/// and loses nothing; the futures stay in the slice in whatever state their last poll
/// left them.
///
/// # Example
///
/// ```
/// use core::pin::{pin, Pin};
/// use mote::futures::{block_on_spin, select_slice, yield_now};
///
/// async fn ready_after(polls: u32, value: u32) -> u32 {
///     for _ in 0..polls {
///         yield_now().await;
///     }
///     value
/// }
///
/// let futures = pin!([ready_after(2, 20), ready_after(0, 0), ready_after(1, 10)]);
/// let futures: Pin<&mut [_]> = futures;
/// let (out, index) = block_on_spin(select_slice(futures));
/// assert_eq!((out, index), (0, 1));
/// ```
pub fn select_slice<F: Future>(futures: Pin<&mut [F]>) -> SelectSlice<'_, F> {
    SelectSlice { futures }
}

/// The future returned by [`select_array`].
///
/// It does not record that it finished: polling it again after `Ready` polls the inner
/// futures again (a finished future may answer that with a panic).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, select_array, SelectArray};
///
/// let fut: SelectArray<_, 2> = select_array([core::future::ready(1), core::future::ready(2)]);
/// assert_eq!(block_on_spin(fut), (1, 0));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SelectArray<F, const N: usize> {
    futures: [F; N],
}

/// The future returned by [`select_slice`].
///
/// Polling it again after `Ready` polls the futures of the slice again, the finished one
/// included. Over an empty slice it is `Pending` for ever and never wakes.
///
/// # Example
///
/// ```
/// use core::pin::{pin, Pin};
/// use mote::futures::{block_on_spin, select_slice, SelectSlice};
///
/// let futures: Pin<&mut [_]> = pin!([async { 'x' }]);
/// let fut: SelectSlice<'_, _> = select_slice(futures);
/// assert_eq!(block_on_spin(fut), ('x', 0));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SelectSlice<'a, F> {
    futures: Pin<&'a mut [F]>,
}

/// Polls each pinned element in index order; the first ready one wins.
fn poll_in_order<F: Future>(
    futures: Pin<&mut [F]>,
    cx: &mut Context<'_>,
) -> Poll<(F::Output, usize)> {
    // SAFETY: structural pinning invariant (module docs of `futures`): the elements of a
    // pinned slice are pinned too; this function never moves an element, it only pins
    // each one in place below.
    let futures = unsafe { futures.get_unchecked_mut() };
    for (index, future) in futures.iter_mut().enumerate() {
        // SAFETY: structural pinning invariant: `future` is an element of a pinned slice
        // and stays at its address until it is dropped in place.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(future) }.poll(cx) {
            return Poll::Ready((out, index));
        }
    }
    Poll::Pending
}

impl<F: Future, const N: usize> Future for SelectArray<F, N> {
    type Output = (F::Output, usize);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning invariant: the array is never moved out of a pinned
        // `SelectArray`; we only pin it in place.
        let futures: Pin<&mut [F]> =
            unsafe { self.map_unchecked_mut(|this| &mut this.futures[..]) };
        poll_in_order(futures, cx)
    }
}

impl<F: Future> Future for SelectSlice<'_, F> {
    type Output = (F::Output, usize);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `SelectSlice` is `Unpin` (it holds only a `Pin<&mut [F]>`), so plain access is safe.
        poll_in_order(self.futures.as_mut(), cx)
    }
}
