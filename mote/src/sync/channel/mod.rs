//! [`Channel`]: a bounded multi-producer, multi-consumer FIFO queue of `N` values.
//!
//! # Guarantees
//!
//! - Values come out in the order they went in; each value is received exactly once.
//! - Waiting senders and receivers queue in FIFO wait lists (no limit on their number).
//! - **Exact wakes**: a waiter is woken only when it can progress, and the progress is
//!   reserved for it: one freed slot grants one sender (the oldest waiting), one new value
//!   grants one receiver (grants are counted: whichever granted receiver is polled first
//!   takes the oldest value, so values still leave in FIFO order). A `try_send`/`try_receive` (or a newly arriving future) cannot
//!   steal a slot or value granted to a woken waiter.
//! - **Cancellation passes the turn on**: a send or receive future dropped after being
//!   granted gives its slot or value back, and the next waiter is granted instead.
//! - **A panicking waker loses nothing** (with `std`, where panics unwind): if a
//!   receive's wake of a sender (its FIFO waiter or the `poll_ready_to_send` slot)
//!   panics, the panic reaches the receiver and the value goes back to the front, to be
//!   received next (the sender granted its slot finds the channel full and waits again).
//!   Only a value whose slot a granted sender refilled in between (from another thread)
//!   is dropped instead. Every other waiter owed a wake still gets it
//!   (`sync/defer.rs`). With `panic = abort` none of this costs code.
//!
//! # State and invariants
//!
//! `len` values are buffered; `reserved_slots` free slots are promised to granted
//! senders; `reserved_items` buffered values are promised to granted receivers.
//!
//! - `len + reserved_slots <= N` and `reserved_items <= len`.
//! - A sender waits only while `N - len - reserved_slots == 0`; a receiver waits only
//!   while `len - reserved_items == 0` (grants are made as soon as this changes).
//!
//! ```text
//!  send(v).await                                        receive().await
//!   free slot? ── yes ──► push v ──► grant oldest        value not promised? ── yes ──► pop
//!      │ no               waiting receiver (value          │ no
//!      ▼                  reserved for it)                 ▼
//!   wait in `senders` ◄── pop frees a slot: grant       wait in `receivers`
//!   (reserved slot        oldest sender (slot            (reserved value taken
//!    used on next poll)    reserved for it)               on next poll)
//! ```
//!
//! All state sits behind one raw mutex of kind `M`; wakers are woken after it is released.
//!
//! # Poll-style waiting (`poll_receive`, `poll_ready_to_receive`, `poll_ready_to_send`)
//!
//! The `poll_*` methods take `&self` and a [`Context`], for hand-written futures and
//! drivers that cannot hold a pinned future. Having no wait-list node, they are **not part
//! of the FIFO order**: the channel keeps one waker slot per direction for them, woken
//! whenever a value or a slot may have become unpromised (a send, a receive, `clear`, a
//! cancelled waiter that held a promise). So a poll-style waiter:
//!
//! - may be woken spuriously (for instance when the new value is promised to a waiting
//!   `receive()` future) and must poll again;
//! - only ever takes an unpromised value or slot, so it never steals from a FIFO waiter;
//! - shares its direction's slot with other poll-style waiters: a second one evicts (and
//!   wakes) the first, so they keep waking each other. Use the futures when several
//!   tasks wait on the same side.
//!
//! Their cost when unused: one atomic load per send or receive.
//!
//! # Handles
//!
//! [`Sender`] and [`Receiver`] are copyable typed handles; [`DynamicSender`] and
//! [`DynamicReceiver`] drop the mutex kind and capacity from the type (made with `into()`),
//! for functions that take "a sender of `T`" from any channel or priority channel.

mod dynamic;
pub(crate) mod engine;
mod futures;
pub(crate) mod polled;

use core::fmt;
use core::task::{Context, Poll};

pub use dynamic::{DynamicReceiveFuture, DynamicReceiver, DynamicSendFuture, DynamicSender};
use polled::{Parts, PollSlots};

use crate::sync::ring::Ring;
pub use futures::{ReadyToReceiveFuture, ReceiveFuture, SendFuture};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::quiet::Held;
use engine::QuietCore;

/// Error of [`Channel::try_send`]: the value could not be queued and is handed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TrySendError<T> {
    /// Every slot is taken (or promised to a waiting sender).
    Full(T),
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel full")
    }
}

impl<T: fmt::Debug> core::error::Error for TrySendError<T> {}

/// Error of [`Channel::try_receive`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TryReceiveError {
    /// No value is buffered (or every buffered value is promised to a waiting receiver).
    Empty,
}

impl fmt::Display for TryReceiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel empty")
    }
}

impl core::error::Error for TryReceiveError {}

/// A bounded MPMC channel of capacity `N` (at least 1), guarded by a raw mutex of kind `M`.
///
/// See the [module docs](self) for its guarantees.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::channel::{Channel, TryReceiveError};
///
/// static CH: Channel<CriticalSectionRawMutex, u16, 4> = Channel::new();
///
/// // In a task: `CH.send(7).await; let v = CH.receive().await;`
/// CH.try_send(7).unwrap();
/// assert_eq!(CH.len(), 1);
/// assert_eq!(CH.try_receive(), Ok(7));
/// assert_eq!(CH.try_receive(), Err(TryReceiveError::Empty));
/// ```
pub struct Channel<M: RawMutex, T, const N: usize> {
    /// Quiet lock (`sync/quiet.rs`): the ring only moves values, so no foreign code runs
    /// under it (see `engine`).
    pub(crate) core: QuietCore<M, T, N>,
    slots: PollSlots<M>,
}

impl<M: RawMutex, T, const N: usize> Parts for Channel<M, T, N> {
    type M = M;
    type Q = Ring<Held<T>, N>;
    type Core = QuietCore<M, T, N>;
    fn core(&self) -> &QuietCore<M, T, N> {
        &self.core
    }
    fn slots(&self) -> &PollSlots<M> {
        &self.slots
    }
}

impl<M: RawMutex, T, const N: usize> Channel<M, T, N> {
    /// Creates an empty channel (usable in a `static`). `N == 0` is a compile error.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a Channel needs a capacity of at least 1") };
        Self {
            core: QuietCore::new(engine::State::new(Ring::new())),
            slots: PollSlots::new(),
        }
    }

    /// Sends `value`, waiting while the channel is full.
    ///
    /// Cancel safety: yes. Dropping the future before it completes leaves the channel
    /// unchanged: `value` is dropped with the future, never half-sent; a slot already
    /// granted to it is passed on to the next waiting sender.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::Channel;
    /// use core::{future::Future, pin::pin, task::Poll};
    ///
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// assert_eq!(pin!(ch.send(1)).poll(&mut cx), Poll::Ready(()));
    /// assert!(pin!(ch.send(2)).poll(&mut cx).is_pending()); // full
    /// assert_eq!(ch.try_receive(), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, M, T, N> {
        SendFuture::new(self, value)
    }

    /// Queues `value` if a slot is free and not promised to a waiting sender.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::{Channel, TrySendError};
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// assert_eq!(ch.try_send(1), Ok(()));
    /// assert_eq!(ch.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        polled::try_send(self, value).map_err(TrySendError::Full)
    }

    /// Receives the oldest value, waiting while none is available.
    ///
    /// Cancel safety: yes. A value is removed from the channel only in the poll that
    /// returns it; a value already promised to a dropped future is passed on to the next
    /// waiting receiver (or stays buffered).
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::Channel;
    /// use core::{future::Future, pin::pin, task::Poll};
    ///
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut rx = pin!(ch.receive());
    /// assert!(rx.as_mut().poll(&mut cx).is_pending());
    /// ch.try_send(5).unwrap();
    /// assert_eq!(rx.poll(&mut cx), Poll::Ready(5));
    /// ```
    pub fn receive(&self) -> ReceiveFuture<'_, M, T, N> {
        ReceiveFuture::new(self)
    }

    /// Takes the oldest value if one is buffered and not promised to a waiting receiver.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::{Channel, TryReceiveError};
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
    /// ch.try_send(3).unwrap();
    /// assert_eq!(ch.try_receive(), Ok(3));
    /// ```
    pub fn try_receive(&self) -> Result<T, TryReceiveError> {
        polled::try_receive(self).ok_or(TryReceiveError::Empty)
    }

    /// Completes when a value is available to receive (without taking it).
    ///
    /// Cancel safety: yes (it changes nothing). Another receiver may take the value
    /// between this future's completion and the caller's `try_receive`.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::Channel;
    /// use core::{future::Future, pin::pin, task::Poll};
    ///
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut ready = pin!(ch.ready_to_receive());
    /// assert!(ready.as_mut().poll(&mut cx).is_pending());
    /// ch.try_send(1).unwrap();
    /// assert_eq!(ready.poll(&mut cx), Poll::Ready(()));
    /// assert_eq!(ch.len(), 1);
    /// ```
    pub fn ready_to_receive(&self) -> ReadyToReceiveFuture<'_, M, T, N> {
        ReadyToReceiveFuture::new(self)
    }

    /// Takes the oldest unpromised value, or stores `cx`'s waker to be woken when one may
    /// have arrived: for hand-written futures and drivers that poll with `&self`.
    ///
    /// Not FIFO with the `receive()` futures; may be woken spuriously; one waker slot is
    /// shared by all poll-style receivers (see [poll-style waiting](self#poll-style-waiting-poll_receive-poll_ready_to_receive-poll_ready_to_send)).
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::Channel;
    /// use core::task::Poll;
    /// use futures_test::task::new_count_waker;
    ///
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// let (waker, wakes) = new_count_waker();
    /// let mut cx = core::task::Context::from_waker(&waker);
    /// assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    /// ch.try_send(3).unwrap();
    /// assert_eq!(wakes.get(), 1);
    /// assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(3));
    /// ```
    pub fn poll_receive(&self, cx: &mut Context<'_>) -> Poll<T> {
        polled::poll_receive_unpinned(self, cx)
    }

    /// Ready when an unpromised value is buffered (without taking it); otherwise stores
    /// `cx`'s waker in the receive-side poll slot (see
    /// [`poll_receive`](Self::poll_receive) for the rules).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::Channel};
    /// # use core::task::Poll;
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// assert_eq!(ch.poll_ready_to_receive(&mut cx), Poll::Pending);
    /// ch.try_send(1).unwrap();
    /// assert_eq!(ch.poll_ready_to_receive(&mut cx), Poll::Ready(()));
    /// ```
    pub fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()> {
        polled::poll_ready_to_receive(self, cx)
    }

    /// Ready when a slot is free and not promised to a waiting sender; otherwise stores
    /// `cx`'s waker in the send-side poll slot, woken when a slot may have been freed
    /// (same rules as [`poll_receive`](Self::poll_receive)).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::Channel};
    /// # use core::task::Poll;
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// let mut cx = futures_test::task::noop_context();
    /// ch.try_send(1).unwrap();
    /// assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Pending);
    /// ch.try_receive().unwrap();
    /// assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Ready(()));
    /// ```
    pub fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()> {
        polled::poll_ready_to_send(self, cx)
    }

    /// A [`DynamicSender`]: a sending handle without `M` and `N` in its type.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::Channel};
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// ch.dyn_sender().try_send(1).unwrap();
    /// assert_eq!(ch.dyn_receiver().try_receive(), Ok(1));
    /// ```
    pub fn dyn_sender(&self) -> DynamicSender<'_, T> {
        DynamicSender { channel: self }
    }

    /// A [`DynamicReceiver`]: a receiving handle without `M` and `N` in its type.
    pub fn dyn_receiver(&self) -> DynamicReceiver<'_, T> {
        DynamicReceiver { channel: self }
    }

    /// A copyable handle that can only send.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::Channel;
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// let (tx, rx) = (ch.sender(), ch.receiver());
    /// tx.try_send(4).unwrap();
    /// assert_eq!(rx.try_receive(), Ok(4));
    /// ```
    pub fn sender(&self) -> Sender<'_, M, T, N> {
        Sender { channel: self }
    }

    /// A copyable handle that can only receive (see [`sender`](Self::sender)).
    pub fn receiver(&self) -> Receiver<'_, M, T, N> {
        Receiver { channel: self }
    }

    /// Number of buffered values (including values promised to woken receivers).
    pub fn len(&self) -> usize {
        engine::len(&self.core)
    }

    /// The capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// True when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.len() == N
    }

    /// Slots not holding a value: `N - len()` (some may be promised to woken senders).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::Channel};
    /// let ch: Channel<NoopRawMutex, u8, 3> = Channel::new();
    /// ch.try_send(1).unwrap();
    /// assert_eq!(ch.free_capacity(), 2);
    /// ```
    pub fn free_capacity(&self) -> usize {
        N - self.len()
    }

    /// True when no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every buffered value that is not already promised to a woken receiver (the
    /// newest first), and grants the freed slots to waiting senders. Values are dropped
    /// outside the lock.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::Channel;
    /// let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    /// ch.try_send(1).unwrap();
    /// ch.try_send(2).unwrap();
    /// ch.clear();
    /// assert!(ch.is_empty());
    /// ```
    pub fn clear(&self) {
        polled::clear(self);
    }
}

/// Drops the values still buffered: the ring holds them as `Held` (no drop glue, see
/// `sync/quiet.rs`), so they are released here.
impl<M: RawMutex, T, const N: usize> Drop for Channel<M, T, N> {
    fn drop(&mut self) {
        let (state, after) = self.core.get_mut();
        while let Some(v) = state.queue.pop_front() {
            drop(v.release(&after));
        }
    }
}

impl<M: RawMutex, T, const N: usize> Default for Channel<M, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, T, const N: usize> fmt::Debug for Channel<M, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}

/// A copyable sending handle of a [`Channel`] (see [`Channel::sender`]).
pub struct Sender<'a, M: RawMutex, T, const N: usize> {
    channel: &'a Channel<M, T, N>,
}

impl<M: RawMutex, T, const N: usize> Clone for Sender<'_, M, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, T, const N: usize> Copy for Sender<'_, M, T, N> {}

impl<'a, M: RawMutex, T, const N: usize> Sender<'a, M, T, N> {
    /// See [`Channel::send`] (same cancel safety: yes).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::Channel};
    /// # use core::{future::Future, pin::pin};
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// let tx = ch.sender();
    /// assert!(pin!(tx.send(1)).poll(&mut futures_test::task::noop_context()).is_ready());
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'a, M, T, N> {
        self.channel.send(value)
    }

    /// See [`Channel::try_send`].
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.channel.try_send(value)
    }

    /// See [`Channel::len`].
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// See [`Channel::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// See [`Channel::is_full`].
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// See [`Channel::capacity`].
    pub const fn capacity(&self) -> usize {
        N
    }

    /// See [`Channel::free_capacity`].
    pub fn free_capacity(&self) -> usize {
        self.channel.free_capacity()
    }

    /// See [`Channel::poll_ready_to_send`].
    pub fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.channel.poll_ready_to_send(cx)
    }
}

impl<'a, M: RawMutex, T, const N: usize> From<Sender<'a, M, T, N>> for DynamicSender<'a, T> {
    fn from(s: Sender<'a, M, T, N>) -> Self {
        s.channel.dyn_sender()
    }
}

/// A copyable receiving handle of a [`Channel`] (see [`Channel::receiver`]).
pub struct Receiver<'a, M: RawMutex, T, const N: usize> {
    channel: &'a Channel<M, T, N>,
}

impl<M: RawMutex, T, const N: usize> Clone for Receiver<'_, M, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, T, const N: usize> Copy for Receiver<'_, M, T, N> {}

impl<'a, M: RawMutex, T, const N: usize> Receiver<'a, M, T, N> {
    /// See [`Channel::receive`] (same cancel safety: yes).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, channel::Channel};
    /// # use core::{future::Future, pin::pin, task::Poll};
    /// let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    /// ch.try_send(9).unwrap();
    /// let rx = ch.receiver();
    /// assert_eq!(pin!(rx.receive()).poll(&mut futures_test::task::noop_context()), Poll::Ready(9));
    /// ```
    pub fn receive(&self) -> ReceiveFuture<'a, M, T, N> {
        self.channel.receive()
    }

    /// See [`Channel::try_receive`].
    pub fn try_receive(&self) -> Result<T, TryReceiveError> {
        self.channel.try_receive()
    }

    /// See [`Channel::ready_to_receive`] (cancel safety: yes).
    pub fn ready_to_receive(&self) -> ReadyToReceiveFuture<'a, M, T, N> {
        self.channel.ready_to_receive()
    }

    /// See [`Channel::len`].
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// See [`Channel::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// See [`Channel::is_full`].
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// See [`Channel::capacity`].
    pub const fn capacity(&self) -> usize {
        N
    }

    /// See [`Channel::free_capacity`].
    pub fn free_capacity(&self) -> usize {
        self.channel.free_capacity()
    }

    /// See [`Channel::poll_receive`].
    pub fn poll_receive(&self, cx: &mut Context<'_>) -> Poll<T> {
        self.channel.poll_receive(cx)
    }

    /// See [`Channel::poll_ready_to_receive`].
    pub fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.channel.poll_ready_to_receive(cx)
    }
}

impl<'a, M: RawMutex, T, const N: usize> From<Receiver<'a, M, T, N>> for DynamicReceiver<'a, T> {
    fn from(r: Receiver<'a, M, T, N>) -> Self {
        r.channel.dyn_receiver()
    }
}
