//! Future combinators: [`select`], [`join`], [`yield_now`], [`poll_once`] and the
//! blocking runners [`block_on_spin`] (always) and `block_on` (feature `std`).
//!
//! # Guarantees
//!
//! - **No heap, no `Unpin` bound.** Every combinator stores its inner futures in place,
//!   inside its own value; inner futures may be `!Unpin` (for example `async` blocks).
//! - **Deterministic poll order.** Combinators poll their inner futures in argument order
//!   (array order for the `*_array`/`*_slice` forms), every time they are polled.
//!   A `select` returns the *first* future, in that order, that is ready during a poll;
//!   so when several are ready at once, the earliest argument wins.
//! - **Finished futures are not polled again.** A `join` drops each inner future as soon
//!   as it completes and keeps only its output; it never polls a finished future.
//! - **Dropping a combinator drops every inner future it still holds**, in field order.
//!   This is the cancellation behaviour of each combinator: the `select` losers are
//!   cancelled when the `Select` value is dropped (not before), and the unfinished parts
//!   of a `join` are cancelled when the `Join` value is dropped, its finished outputs
//!   dropped with it.
//!
//! # Structural pinning invariant
//!
//! The combinator types ([`Select`], [`Join`], ...) pin their inner futures
//! *structurally*: once the combinator is pinned, each inner future stays at the same
//! address until it is dropped in place. The code keeps this true by:
//!
//! 1. never moving an inner future out of a pinned combinator (outputs of finished
//!    futures may be moved: they are not pinned);
//! 2. not implementing `Drop` on the combinators and not implementing `Unpin` by hand
//!    (the automatic `Unpin` requires every inner future to be `Unpin`);
//! 3. replacing an inner future only with [`Pin::set`](core::pin::Pin::set), which drops
//!    it in place.
//!
//! Each `unsafe` projection in this module cites this invariant as
//! "structural pinning invariant".
//!
//! # Example
//!
//! ```
//! use mote::futures::{block_on_spin, join, select, yield_now, Either};
//!
//! let (a, b) = block_on_spin(join(async { 1 }, async { yield_now().await; 2 }));
//! assert_eq!((a, b), (1, 2));
//!
//! let winner = block_on_spin(select(async { yield_now().await; "slow" }, async { "fast" }));
//! assert_eq!(winner, Either::Second("fast"));
//! ```

mod block_on;
#[cfg(mote_std)]
mod block_on_std;
mod join;
mod maybe_done;
mod poll_once;
mod select;
mod select_array;
mod yield_now;

pub use block_on::block_on_spin;
#[cfg(mote_std)]
pub use block_on_std::block_on;
pub use join::{join, join3, join4, join_array, Join, Join3, Join4, JoinArray};
pub use poll_once::{poll_once, PollOnce};
pub use select::{select, select3, select4, Either, Either3, Either4, Select, Select3, Select4};
pub use select_array::{select_array, select_slice, SelectArray, SelectSlice};
pub use yield_now::{yield_now, YieldNow};
