//! [`PriorityChannel`]: a bounded MPMC channel that delivers the **greatest** value first
//! (by `Ord`; equal values in sending order). Wrap values in
//! [`core::cmp::Reverse`] for smallest-first.
//!
//! It shares its engine with [`Channel`](crate::sync::channel::Channel), so it keeps the
//! same guarantees for waiting and cancellation: FIFO wait lists without limit, exact
//! wakes with reservations (one freed slot grants one sender, one new value grants one
//! receiver), and a cancelled woken future passes its turn on. Only the order of
//! delivery differs: a receiver gets the greatest value buffered when it completes.
//! A panicking waker loses no value either (see `Channel`); putting a value back runs
//! `Ord`, so an `Ord` that panics then aborts (a panic while unwinding). A user `Ord`
//! that panics while a woken sender inserts drops that sender's value (the panic
//! reaches the sender) and passes its slot on to the next waiting sender at once.
//!
//! The `poll_*` methods and the dynamic handles ([`DynamicSender`], [`DynamicReceiver`])
//! work as for `Channel` (see its [poll-style waiting](crate::sync::channel#poll-style-waiting-poll_receive-poll_ready_to_receive-poll_ready_to_send)
//! rules: not FIFO, may be woken spuriously, one waker slot per direction).
//!
//! Cost: `send` O(N) (insertion into a sorted array), `receive` O(1).

mod futures;
mod handles;
mod sorted;

use core::fmt;
use core::task::{Context, Poll};

pub use futures::{PriorityReceiveFuture, PrioritySendFuture};
pub use handles::{Receiver, Sender};
use sorted::Sorted;

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::channel::engine::{Core, Queue, State};
use crate::sync::channel::polled::{self, Parts, PollSlots};
use crate::sync::channel::{DynamicReceiver, DynamicSender, TryReceiveError, TrySendError};

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
    slots: PollSlots<M>,
}

impl<M: RawMutex, T: Ord, const N: usize> Parts for PriorityChannel<M, T, N> {
    type M = M;
    type Q = Sorted<T, N>;
    type Core = Core<M, Sorted<T, N>>;
    fn core(&self) -> &Core<M, Sorted<T, N>> {
        &self.core
    }
    fn slots(&self) -> &PollSlots<M> {
        &self.slots
    }
}

impl<M: RawMutex, T: Ord, const N: usize> PriorityChannel<M, T, N> {
    /// Creates an empty channel (usable in a `static`). `N == 0` is a compile error.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a PriorityChannel needs a capacity of at least 1") };
        Self {
            core: Core::new(State::new(Sorted::new())),
            slots: PollSlots::new(),
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
        polled::try_send(self, value).map_err(TrySendError::Full)
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
        polled::try_receive(self).ok_or(TryReceiveError::Empty)
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

    /// Slots not holding a value: `N - len()`.
    pub fn free_capacity(&self) -> usize {
        N - self.len()
    }

    /// Takes the greatest unpromised value, or stores `cx`'s waker in the receive-side
    /// poll slot (rules as [`Channel::poll_receive`](crate::sync::channel::Channel::poll_receive)).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, priority_channel::PriorityChannel};
    /// # use core::task::Poll;
    /// let ch: PriorityChannel<NoopRawMutex, u8, 2> = PriorityChannel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    /// ch.try_send(1).unwrap();
    /// ch.try_send(5).unwrap();
    /// assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(5));
    /// ```
    pub fn poll_receive(&self, cx: &mut Context<'_>) -> Poll<T> {
        polled::poll_receive_unpinned(self, cx)
    }

    /// Ready when an unpromised value is buffered (rules as
    /// [`Channel::poll_ready_to_receive`](crate::sync::channel::Channel::poll_ready_to_receive)).
    pub fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()> {
        polled::poll_ready_to_receive(self, cx)
    }

    /// Ready when an unpromised slot is free (rules as
    /// [`Channel::poll_ready_to_send`](crate::sync::channel::Channel::poll_ready_to_send)).
    pub fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()> {
        polled::poll_ready_to_send(self, cx)
    }

    /// A [`DynamicSender`] for this channel (no `M`, `N` in its type).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, priority_channel::PriorityChannel};
    /// let ch: PriorityChannel<NoopRawMutex, u8, 2> = PriorityChannel::new();
    /// let tx = ch.dyn_sender();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(ch.dyn_receiver().try_receive(), Ok(2));
    /// ```
    pub fn dyn_sender(&self) -> DynamicSender<'_, T> {
        DynamicSender { channel: self }
    }

    /// A [`DynamicReceiver`] for this channel (no `M`, `N` in its type).
    pub fn dyn_receiver(&self) -> DynamicReceiver<'_, T> {
        DynamicReceiver { channel: self }
    }

    /// Drops every buffered value not promised to a woken receiver (smallest first),
    /// outside the lock, and grants the freed slots to waiting senders.
    pub fn clear(&self) {
        polled::clear(self);
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
