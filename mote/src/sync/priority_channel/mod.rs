//! [`PriorityChannel`]: a bounded MPMC channel that delivers the **greatest** value first
//! (by `Ord`; equal values in sending order). Wrap values in
//! [`core::cmp::Reverse`] for smallest-first.
//!
//! It shares its engine with [`Channel`](crate::sync::channel::Channel), so it keeps the
//! same guarantees for waiting and cancellation: FIFO wait lists without limit, exact
//! wakes with reservations (one freed slot grants one sender, one new value grants one
//! receiver), and a cancelled woken future passes its turn on. Only the order of
//! delivery differs: a receiver gets the greatest value buffered when it completes.
//!
//! Cost: `send` O(N) (insertion into a sorted array), `receive` O(1).

mod futures;
mod sorted;

use core::fmt;

pub use futures::{PriorityReceiveFuture, PrioritySendFuture};
use sorted::Sorted;

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::channel::engine::{self, Core, Queue, State};
use crate::sync::channel::{TryReceiveError, TrySendError};

/// A bounded priority channel of capacity `N` (at least 1), guarded by a raw mutex of
/// kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::priority_channel::PriorityChannel;
///
/// static JOBS: PriorityChannel<CriticalSectionRawMutex, u8, 4> = PriorityChannel::new();
/// for p in [2, 9, 5] {
///     JOBS.try_send(p).unwrap();
/// }
/// assert_eq!(JOBS.try_receive(), Ok(9));
/// assert_eq!(JOBS.try_receive(), Ok(5));
/// assert_eq!(JOBS.try_receive(), Ok(2));
/// ```
pub struct PriorityChannel<M: RawMutex, T: Ord, const N: usize> {
    pub(crate) core: Core<M, Sorted<T, N>>,
}

impl<M: RawMutex, T: Ord, const N: usize> PriorityChannel<M, T, N> {
    /// Creates an empty channel (usable in a `static`). `N == 0` is a compile error.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a PriorityChannel needs a capacity of at least 1") };
        Self {
            core: Core::new(State::new(Sorted::new())),
        }
    }

    /// Sends `value`, waiting while the channel is full.
    ///
    /// Cancel safety: yes (as [`Channel::send`](crate::sync::channel::Channel::send)).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, priority_channel::PriorityChannel};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let ch: PriorityChannel<NoopRawMutex, u8, 1> = PriorityChannel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// assert_eq!(pin!(ch.send(1)).poll(&mut cx), Poll::Ready(()));
    /// assert!(pin!(ch.send(2)).poll(&mut cx).is_pending());
    /// ```
    pub fn send(&self, value: T) -> PrioritySendFuture<'_, M, T, N> {
        PrioritySendFuture::new(self, value)
    }

    /// Queues `value` if a slot is free and not promised to a waiting sender.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        engine::try_send(&self.core, value).map_err(TrySendError::Full)
    }

    /// Receives the greatest buffered value, waiting while none is available.
    ///
    /// Cancel safety: yes (as [`Channel::receive`](crate::sync::channel::Channel::receive)).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, priority_channel::PriorityChannel};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let ch: PriorityChannel<NoopRawMutex, u8, 2> = PriorityChannel::new();
    /// ch.try_send(1).unwrap();
    /// ch.try_send(7).unwrap();
    /// let mut cx = futures_test::task::noop_context();
    /// assert_eq!(pin!(ch.receive()).poll(&mut cx), Poll::Ready(7));
    /// ```
    pub fn receive(&self) -> PriorityReceiveFuture<'_, M, T, N> {
        PriorityReceiveFuture::new(self)
    }

    /// Takes the greatest value if one is buffered and not promised to a waiting receiver.
    pub fn try_receive(&self) -> Result<T, TryReceiveError> {
        engine::try_receive(&self.core).ok_or(TryReceiveError::Empty)
    }

    /// Number of buffered values.
    pub fn len(&self) -> usize {
        self.core.with(|s| s.queue.len())
    }

    /// True when no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.len() == N
    }

    /// The capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Drops every buffered value not promised to a woken receiver (smallest first),
    /// outside the lock, and grants the freed slots to waiting senders.
    pub fn clear(&self) {
        engine::clear(&self.core);
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Default for PriorityChannel<M, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, T: Ord, const N: usize> fmt::Debug for PriorityChannel<M, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PriorityChannel")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}
