//! [`PubSubChannel`]: broadcast of messages of type `T` to every subscriber, with a
//! buffer of `CAP` messages.
//!
//! # Guarantees
//!
//! - Every subscriber receives every message published while it is subscribed, in
//!   publication order, unless it lags: when [`publish_immediate`](PubSubChannel::publish_immediate)
//!   evicts messages a subscriber has not read yet, that subscriber next gets
//!   [`WaitResult::Lagged`]`(n)` with the number of messages it missed, then continues.
//! - No limit on the number of subscribers or publishers (each message keeps a count of
//!   subscribers still to read it; waiters queue in intrusive lists).
//! - A message leaves the buffer as soon as its last subscriber read it. Waiting
//!   publishers (`publish().await` on a full buffer) get their turn FIFO, one at a time;
//!   a woken publisher dropped before its turn passes the turn on. A new message wakes
//!   every waiting subscriber once.
//! - Publishing while nobody is subscribed drops the message (nobody could read it).
//! - If a read's wake of a publisher panics (`std`), the read is undone: the subscriber
//!   gets the message again, or `Lagged(1)` when its read had freed the message (it
//!   was the last reader, which is what grants a publisher); it never misses it
//!   silently.
//!
//! Handles: [`Subscriber`] and [`Publisher`] (typed), [`ImmediatePublisher`] (only
//! publishes immediately: never waits, may evict), [`DynSubscriber`] and [`DynPublisher`]
//! (no mutex kind or capacity in the type, for functions that take "a subscriber of `T`").
//!
//! # State (behind one raw mutex of kind `M`)
//!
//! ```text
//!   seq:   start ............................... end = start + len
//!   ring:  [ (msg, unread count) ... ]            ▲ next message goes here
//!   subscriber.next:   < start: lagged (missed start - next messages)
//!                      in start..end: reads ring[next - start], unread count -= 1
//!                      == end: waits (want = end), woken when end moves
//! ```
//!
//! Invariants: a message's unread count equals the number of subscribers whose `next` is
//! at or before it; counts never decrease from the oldest to the newest message, so only
//! the oldest can reach zero (it is then removed).
//!
//! `T: Clone`: each subscriber gets its own clone (made under the lock). `T`'s `Clone` and
//! `Drop` must not use the same channel (that re-entrant use would panic).

mod dynamic;
mod immediate;
mod publisher;
mod subscriber;

use core::fmt;
use core::task::Waker;

pub use dynamic::{DynNextMessageFuture, DynPublishFuture, DynPublisher, DynSubscriber};
pub use immediate::ImmediatePublisher;
pub use publisher::{PublishFuture, Publisher};
pub use subscriber::{NextMessageFuture, Subscriber};

use crate::sync::blocking_mutex::raw::RawMutex;
#[cfg(panic = "unwind")]
use crate::sync::defer::Defer;
use crate::sync::ring::Ring;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::WaitList;

/// What a subscriber gets next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WaitResult<T> {
    /// The subscriber missed this many messages (evicted by `publish_immediate`).
    Lagged(u64),
    /// The next message.
    Message(T),
}

/// Error of [`PubSubChannel::try_publish`]: the buffer is full (or publishers are waiting);
/// the message is handed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TryPublishError<T>(pub T);

impl<T> fmt::Display for TryPublishError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pub-sub channel full")
    }
}

impl<T: fmt::Debug> core::error::Error for TryPublishError<T> {}

pub(crate) struct State<T, const CAP: usize> {
    ring: Ring<(T, usize), CAP>,
    start: u64,
    subscribers: usize,
    publishers: WaitList,
    publisher_granted: bool,
    readers: WaitList,
}

impl<T: Clone, const CAP: usize> State<T, CAP> {
    fn end(&self) -> u64 {
        self.start + self.ring.len() as u64
    }

    /// May a publisher that does not hold the turn publish now? (FIFO.)
    fn open_to_new_publisher(&self) -> bool {
        !self.publisher_granted && self.publishers.is_empty()
    }

    /// Appends a message for every current subscriber (the caller checked for room).
    fn push(&mut self, msg: T) {
        if self.subscribers == 0 {
            return; // nobody could read it
        }
        let _ = self.ring.push_back((msg, self.subscribers));
    }

    /// Removes the oldest message (subscribers that had not read it will lag).
    fn evict_front(&mut self) {
        if self.ring.pop_front().is_some() {
            self.start += 1;
        }
    }

    /// Removes read-by-everyone messages from the front.
    fn trim(&mut self) {
        while matches!(self.ring.get_mut(0), Some((_, 0))) {
            self.evict_front();
        }
    }

    /// One subscriber at `next` stops reading every message from `next` on.
    fn forget_from(&mut self, next: u64) {
        let from = next.max(self.start);
        for seq in from..self.end() {
            if let Some((_, unread)) = self.ring.get_mut((seq - self.start) as usize) {
                *unread -= 1;
            }
        }
        self.trim();
    }

    /// What the subscriber at `*next` gets now, advancing `*next`; `None` when it is
    /// up to date.
    fn read(&mut self, next: &mut u64) -> Option<WaitResult<T>> {
        if *next < self.start {
            let missed = self.start - *next;
            *next = self.start;
            return Some(WaitResult::Lagged(missed));
        }
        let (msg, unread) = self.ring.get_mut((*next - self.start) as usize)?;
        let msg = msg.clone();
        *unread -= 1;
        *next += 1;
        self.trim();
        Some(WaitResult::Message(msg))
    }

    /// Undoes a read that moved a subscriber from `before` to `after`: the message it
    /// read is unread again if it is still buffered (if it left the buffer, the
    /// subscriber, back at `before`, gets a lag report for it).
    #[cfg(panic = "unwind")]
    fn unread(&mut self, before: u64, after: u64) {
        if after == before + 1 && before >= self.start {
            if let Some((_, unread)) = self.ring.get_mut((before - self.start) as usize) {
                *unread += 1;
            }
        }
    }
}

/// Runs the read section `op` (through `update`, which wakes the publisher a read may
/// grant) for the subscriber at `*next`. Where panics unwind: if a wake unwinds after
/// the read, the read is undone ([`State::unread`]) so the subscriber gets the message
/// again (or, if it already left the buffer, `Lagged(1)`), instead of missing it
/// silently; the panic goes on to the caller.
#[inline(always)]
pub(super) fn read<M: RawMutex, T: Clone, const CAP: usize, R>(
    channel: &PubSubChannel<M, T, CAP>,
    next: &mut u64,
    op: impl FnOnce(&mut State<T, CAP>, &mut u64) -> R,
) -> R {
    #[cfg(panic = "unwind")]
    {
        let before = *next;
        let next = core::cell::Cell::from_mut(next);
        let on_unwind = Defer::new(|| {
            let after = next.get();
            if after != before {
                channel.shared.with(|s| s.unread(before, after));
                next.set(before);
            }
        });
        let r = channel.shared.update(|s| {
            let mut n = next.get();
            let r = op(s, &mut n);
            next.set(n);
            r
        });
        on_unwind.cancel();
        r
    }
    #[cfg(not(panic = "unwind"))]
    channel.shared.update(|s| op(s, next))
}

impl<T: Clone, const CAP: usize> Grant for State<T, CAP> {
    fn grant_one(&mut self) -> Option<Waker> {
        if self.ring.len() < CAP && !self.publisher_granted && !self.publishers.is_empty() {
            self.publisher_granted = true;
            return self.publishers.grant_front();
        }
        // Readers wait with `want` = the `end` they saw; older waiters are at the front.
        match self.readers.front_want() {
            Some(seen) if seen != self.end() as usize => self.readers.grant_front(),
            _ => None,
        }
    }
}

/// A publish-subscribe channel buffering `CAP` messages (at least 1), guarded by a raw
/// mutex of kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::pubsub::{PubSubChannel, WaitResult};
///
/// static EVENTS: PubSubChannel<CriticalSectionRawMutex, u8, 4> = PubSubChannel::new();
/// let mut a = EVENTS.subscriber();
/// let mut b = EVENTS.subscriber();
/// EVENTS.try_publish(1).unwrap();
/// assert_eq!(a.try_next_message(), Some(WaitResult::Message(1)));
/// assert_eq!(b.try_next_message(), Some(WaitResult::Message(1)));
/// assert_eq!(a.try_next_message(), None);
/// ```
pub struct PubSubChannel<M: RawMutex, T: Clone, const CAP: usize> {
    shared: Shared<M, State<T, CAP>>,
}

impl<M: RawMutex, T: Clone, const CAP: usize> PubSubChannel<M, T, CAP> {
    /// Creates an empty channel (usable in a `static`). `CAP == 0` is a compile error.
    pub const fn new() -> Self {
        const { assert!(CAP > 0, "a PubSubChannel needs a capacity of at least 1") };
        Self {
            shared: Shared::new(State {
                ring: Ring::new(),
                start: 0,
                subscribers: 0,
                publishers: WaitList::new(),
                publisher_granted: false,
                readers: WaitList::new(),
            }),
        }
    }

    /// A new subscriber; it receives messages published from now on.
    pub fn subscriber(&self) -> Subscriber<'_, M, T, CAP> {
        let next = self.shared.with(|s| {
            s.subscribers += 1;
            s.end()
        });
        Subscriber::new(self, next)
    }

    /// A copyable publishing handle.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pubsub::{PubSubChannel, WaitResult}};
    /// let ch: PubSubChannel<NoopRawMutex, u8, 2> = PubSubChannel::new();
    /// let mut sub = ch.subscriber();
    /// ch.publisher().publish_immediate(3);
    /// assert_eq!(sub.try_next_message(), Some(WaitResult::Message(3)));
    /// ```
    pub fn publisher(&self) -> Publisher<'_, M, T, CAP> {
        Publisher::new(self)
    }

    /// A copyable handle that only publishes immediately (never waits, evicts the oldest
    /// message when full): see [`ImmediatePublisher`].
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pubsub::{PubSubChannel, WaitResult}};
    /// let ch: PubSubChannel<NoopRawMutex, u8, 1> = PubSubChannel::new();
    /// let mut sub = ch.subscriber();
    /// ch.immediate_publisher().publish_immediate(5);
    /// assert_eq!(sub.try_next_message(), Some(WaitResult::Message(5)));
    /// ```
    pub fn immediate_publisher(&self) -> ImmediatePublisher<'_, M, T, CAP> {
        ImmediatePublisher::new(self)
    }

    /// Publishes `msg`, waiting (FIFO with other publishers) while the buffer is full.
    ///
    /// Cancel safety: yes. `msg` is published only in the poll that completes; a turn
    /// granted to a dropped future passes to the next publisher.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pubsub::{PubSubChannel, WaitResult}};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let ch: PubSubChannel<NoopRawMutex, u8, 1> = PubSubChannel::new();
    /// let mut sub = ch.subscriber();
    /// let mut cx = futures_test::task::noop_context();
    /// assert!(pin!(ch.publish(1)).poll(&mut cx).is_ready());
    /// let mut second = pin!(ch.publish(2));
    /// assert!(second.as_mut().poll(&mut cx).is_pending()); // sub has not read 1 yet
    /// assert_eq!(sub.try_next_message(), Some(WaitResult::Message(1)));
    /// assert!(second.poll(&mut cx).is_ready());
    /// ```
    pub fn publish(&self, msg: T) -> PublishFuture<'_, M, T, CAP> {
        PublishFuture::new(self, msg)
    }

    /// Publishes `msg` if there is room and no publisher is waiting.
    pub fn try_publish(&self, msg: T) -> Result<(), TryPublishError<T>> {
        self.shared.update(|s| {
            if s.open_to_new_publisher() && s.ring.len() < CAP {
                s.push(msg);
                Ok(())
            } else {
                Err(TryPublishError(msg))
            }
        })
    }

    /// Publishes `msg` at once, evicting the oldest message when the buffer is full
    /// (subscribers that had not read it get [`WaitResult::Lagged`]). Overtakes waiting
    /// publishers.
    pub fn publish_immediate(&self, msg: T) {
        self.shared.update(|s| {
            if s.subscribers == 0 {
                return;
            }
            if s.ring.len() == CAP {
                s.evict_front();
            }
            s.push(msg);
        });
    }

    /// Number of buffered messages (not yet read by every subscriber).
    pub fn len(&self) -> usize {
        self.shared.with(|s| s.ring.len())
    }

    /// True when no message is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `len() == CAP`.
    pub fn is_full(&self) -> bool {
        self.len() == CAP
    }

    /// The capacity `CAP`.
    pub const fn capacity(&self) -> usize {
        CAP
    }

    /// Free buffer places: `CAP - len()` (how many messages `try_publish` could add now if
    /// no publisher waits).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pubsub::PubSubChannel};
    /// let ch: PubSubChannel<NoopRawMutex, u8, 3> = PubSubChannel::new();
    /// let _sub = ch.subscriber();
    /// ch.try_publish(1).unwrap();
    /// assert_eq!(ch.space(), 2);
    /// ```
    pub fn space(&self) -> usize {
        CAP - self.len()
    }

    /// Same as [`space`](Self::space) (the name channels use).
    pub fn free_capacity(&self) -> usize {
        self.space()
    }

    /// Number of live subscribers.
    pub fn subscriber_count(&self) -> usize {
        self.shared.with(|s| s.subscribers)
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> Default for PubSubChannel<M, T, CAP> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, T: Clone, const CAP: usize> fmt::Debug for PubSubChannel<M, T, CAP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSubChannel")
            .field("len", &self.len())
            .field("capacity", &CAP)
            .field("subscribers", &self.subscriber_count())
            .finish()
    }
}
