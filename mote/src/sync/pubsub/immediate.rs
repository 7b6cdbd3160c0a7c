//! [`ImmediatePublisher`]: a publishing handle that never waits.

use super::PubSubChannel;
use crate::sync::blocking_mutex::raw::RawMutex;

/// A copyable handle that can only publish immediately (see
/// [`PubSubChannel::immediate_publisher`]): each message goes in at once, evicting the
/// oldest buffered one when the buffer is full; subscribers that had not read an evicted
/// message get [`WaitResult::Lagged`](super::WaitResult::Lagged) with the number missed.
/// Suits interrupt handlers and producers that must not be held up by slow readers.
///
/// ```
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// use mote::sync::pubsub::{PubSubChannel, WaitResult};
///
/// let ch: PubSubChannel<NoopRawMutex, u8, 2> = PubSubChannel::new();
/// let mut sub = ch.subscriber();
/// let tx = ch.immediate_publisher();
/// for v in 1..=3 {
///     tx.publish_immediate(v); // the third evicts 1
/// }
/// assert_eq!(sub.try_next_message(), Some(WaitResult::Lagged(1)));
/// assert_eq!(sub.try_next_message(), Some(WaitResult::Message(2)));
/// assert_eq!(sub.try_next_message(), Some(WaitResult::Message(3)));
/// ```
pub struct ImmediatePublisher<'a, M: RawMutex, T: Clone, const CAP: usize> {
    channel: &'a PubSubChannel<M, T, CAP>,
}

impl<M: RawMutex, T: Clone, const CAP: usize> Clone for ImmediatePublisher<'_, M, T, CAP> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Copy for ImmediatePublisher<'_, M, T, CAP> {}

impl<M: RawMutex, T: Clone, const CAP: usize> core::fmt::Debug
    for ImmediatePublisher<'_, M, T, CAP>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ImmediatePublisher")
            .field("channel", self.channel)
            .finish()
    }
}

impl<'a, M: RawMutex, T: Clone, const CAP: usize> ImmediatePublisher<'a, M, T, CAP> {
    pub(super) fn new(channel: &'a PubSubChannel<M, T, CAP>) -> Self {
        Self { channel }
    }

    /// See [`PubSubChannel::publish_immediate`].
    pub fn publish_immediate(&self, msg: T) {
        self.channel.publish_immediate(msg)
    }

    /// Publishes `msg` only if there is room and no publisher is waiting (see
    /// [`PubSubChannel::try_publish`]); never evicts.
    pub fn try_publish(&self, msg: T) -> Result<(), super::TryPublishError<T>> {
        self.channel.try_publish(msg)
    }

    /// See [`PubSubChannel::space`].
    pub fn space(&self) -> usize {
        self.channel.space()
    }
}
