//! [`Sender`] and [`Receiver`]: copyable one-direction handles of a [`PriorityChannel`].

use core::task::{Context, Poll};

use super::{PriorityChannel, PriorityReceiveFuture, PrioritySendFuture};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::channel::{DynamicReceiver, DynamicSender, TryReceiveError, TrySendError};

/// A copyable sending handle of a [`PriorityChannel`] (see [`PriorityChannel::sender`]).
pub struct Sender<'a, M: RawMutex, T: Ord, const N: usize> {
    channel: &'a PriorityChannel<M, T, N>,
}

impl<M: RawMutex, T: Ord, const N: usize> Clone for Sender<'_, M, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Copy for Sender<'_, M, T, N> {}

impl<M: RawMutex, T: Ord, const N: usize> core::fmt::Debug for Sender<'_, M, T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sender")
            .field("channel", self.channel)
            .finish()
    }
}

impl<'a, M: RawMutex, T: Ord, const N: usize> Sender<'a, M, T, N> {
    /// See [`PriorityChannel::send`] (cancel safety: yes).
    pub fn send(&self, value: T) -> PrioritySendFuture<'a, M, T, N> {
        self.channel.send(value)
    }

    /// See [`PriorityChannel::try_send`].
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.channel.try_send(value)
    }

    /// See [`PriorityChannel::poll_ready_to_send`].
    pub fn poll_ready_to_send(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.channel.poll_ready_to_send(cx)
    }

    /// See [`PriorityChannel::len`].
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// See [`PriorityChannel::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// See [`PriorityChannel::is_full`].
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// See [`PriorityChannel::capacity`].
    pub const fn capacity(&self) -> usize {
        N
    }

    /// See [`PriorityChannel::free_capacity`].
    pub fn free_capacity(&self) -> usize {
        self.channel.free_capacity()
    }
}

impl<'a, M: RawMutex, T: Ord, const N: usize> From<Sender<'a, M, T, N>> for DynamicSender<'a, T> {
    fn from(s: Sender<'a, M, T, N>) -> Self {
        s.channel.dyn_sender()
    }
}

/// A copyable receiving handle of a [`PriorityChannel`] (see [`PriorityChannel::receiver`]).
pub struct Receiver<'a, M: RawMutex, T: Ord, const N: usize> {
    channel: &'a PriorityChannel<M, T, N>,
}

impl<M: RawMutex, T: Ord, const N: usize> Clone for Receiver<'_, M, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, T: Ord, const N: usize> Copy for Receiver<'_, M, T, N> {}

impl<M: RawMutex, T: Ord, const N: usize> core::fmt::Debug for Receiver<'_, M, T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receiver")
            .field("channel", self.channel)
            .finish()
    }
}

impl<'a, M: RawMutex, T: Ord, const N: usize> Receiver<'a, M, T, N> {
    /// See [`PriorityChannel::receive`] (cancel safety: yes).
    pub fn receive(&self) -> PriorityReceiveFuture<'a, M, T, N> {
        self.channel.receive()
    }

    /// See [`PriorityChannel::try_receive`].
    pub fn try_receive(&self) -> Result<T, TryReceiveError> {
        self.channel.try_receive()
    }

    /// See [`PriorityChannel::poll_receive`].
    pub fn poll_receive(&self, cx: &mut Context<'_>) -> Poll<T> {
        self.channel.poll_receive(cx)
    }

    /// See [`PriorityChannel::poll_ready_to_receive`].
    pub fn poll_ready_to_receive(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.channel.poll_ready_to_receive(cx)
    }

    /// See [`PriorityChannel::len`].
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// See [`PriorityChannel::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// See [`PriorityChannel::is_full`].
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// See [`PriorityChannel::capacity`].
    pub const fn capacity(&self) -> usize {
        N
    }

    /// See [`PriorityChannel::free_capacity`].
    pub fn free_capacity(&self) -> usize {
        self.channel.free_capacity()
    }
}

impl<'a, M: RawMutex, T: Ord, const N: usize> From<Receiver<'a, M, T, N>>
    for DynamicReceiver<'a, T>
{
    fn from(r: Receiver<'a, M, T, N>) -> Self {
        r.channel.dyn_receiver()
    }
}

impl<M: RawMutex, T: Ord, const N: usize> PriorityChannel<M, T, N> {
    /// A copyable handle that can only send.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::channel::DynamicSender;
    /// use mote::sync::priority_channel::PriorityChannel;
    ///
    /// let ch: PriorityChannel<NoopRawMutex, u8, 2> = PriorityChannel::new();
    /// let (tx, rx) = (ch.sender(), ch.receiver());
    /// tx.try_send(1).unwrap();
    /// let dyn_tx: DynamicSender<'_, u8> = tx.into();
    /// dyn_tx.try_send(4).unwrap();
    /// assert_eq!(rx.try_receive(), Ok(4));
    /// ```
    pub fn sender(&self) -> Sender<'_, M, T, N> {
        Sender { channel: self }
    }

    /// A copyable handle that can only receive (see [`sender`](Self::sender)).
    pub fn receiver(&self) -> Receiver<'_, M, T, N> {
        Receiver { channel: self }
    }
}
