//! A zero-copy single-producer single-consumer channel that lends the slots of a
//! user-provided buffer: the producer fills a slot in place, the consumer reads it in
//! place, and nothing is copied or moved in between.
//!
//! # Guarantees
//!
//! - Slots are handed out in ring order: the sender gets the slot after the last
//!   published one, the receiver the oldest published one; the two are never the same
//!   slot, so each side has exclusive `&mut T` access to its slot.
//! - [`Sender::send`] / [`Receiver::receive`] change nothing by themselves (cancel-safe);
//!   only [`Sender::send_done`] publishes and [`Receiver::receive_done`] frees a slot.
//! - One sender and one receiver (enforced by `&mut self`), so each side needs one waker
//!   slot.
//!
//! ```text
//!   buffer:  [ free | free | published | published | free ]
//!                             ▲ front (receiver)     ▲ front + len (sender)
//!   send_done:    len += 1 (wakes the receiver)
//!   receive_done: front += 1, len -= 1 (wakes the sender)
//! ```

use core::fmt;
use core::future::poll_fn;
use core::marker::PhantomData;
use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::shared::Shared;
use crate::sync::waker::WakerRegistration;

struct State {
    front: usize,
    len: usize,
    sender: WakerRegistration,
    receiver: WakerRegistration,
}

/// A zero-copy SPSC channel over a borrowed buffer of `T`s, guarded by a raw mutex of
/// kind `M`. Split it into its [`Sender`] and [`Receiver`].
///
/// A zero-length buffer gives a channel that is always full and always empty: sends and
/// receives wait forever.
///
/// ```
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// use mote::sync::zerocopy_channel::Channel;
///
/// let mut buf = [[0u8; 64]; 2]; // two 64-byte frames
/// let mut ch: Channel<'_, NoopRawMutex, [u8; 64]> = Channel::new(&mut buf);
/// let (mut tx, mut rx) = ch.split();
/// let frame = tx.try_send().unwrap(); // in a task: `tx.send().await`
/// frame[0] = 0xAA;
/// tx.send_done();
/// assert_eq!(rx.try_receive().unwrap()[0], 0xAA);
/// rx.receive_done();
/// ```
pub struct Channel<'a, M: RawMutex, T> {
    buf: *mut T,
    cap: usize,
    shared: Shared<M, State>,
    _buf: PhantomData<&'a mut [T]>,
}

// SAFETY: the channel owns a `&mut [T]` borrow; moving it moves that access (`T: Send`).
unsafe impl<M: RawMutex + Send, T: Send> Send for Channel<'_, M, T> {}
// SAFETY: through `&Channel`, slots are reached only by the single `Sender` and single
// `Receiver` (created by `split(&mut self)`), at disjoint indices decided under the raw
// mutex (module invariant); each slot's `&mut T` moves between threads: `T: Send`.
unsafe impl<M: RawMutex + Sync, T: Send> Sync for Channel<'_, M, T> {}

impl<'a, M: RawMutex, T> Channel<'a, M, T> {
    /// Creates a channel over `buf`; its length is the capacity.
    pub fn new(buf: &'a mut [T]) -> Self {
        Self {
            cap: buf.len(),
            buf: buf.as_mut_ptr(),
            shared: Shared::new(State {
                front: 0,
                len: 0,
                sender: WakerRegistration::new(),
                receiver: WakerRegistration::new(),
            }),
            _buf: PhantomData,
        }
    }

    /// The two ends. `&mut self` guarantees there is only one of each.
    pub fn split(&mut self) -> (Sender<'_, M, T>, Receiver<'_, M, T>) {
        (Sender { channel: self }, Receiver { channel: self })
    }

    /// Number of published, not yet received slots.
    pub fn len(&self) -> usize {
        self.shared.with(|s| s.len)
    }

    /// True when no slot is published.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when every slot is published.
    pub fn is_full(&self) -> bool {
        self.len() == self.cap
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Index of the sender's slot, if one is free; otherwise registers `waker`.
    fn sender_slot(&self, waker: Option<&Waker>) -> Option<usize> {
        let cap = self.cap;
        self.shared.with(|s| {
            if s.len < cap {
                Some((s.front + s.len) % cap)
            } else {
                if let Some(w) = waker {
                    s.sender.register(w);
                }
                None
            }
        })
    }

    /// Index of the receiver's slot, if one is published; otherwise registers `waker`.
    fn receiver_slot(&self, waker: Option<&Waker>) -> Option<usize> {
        self.shared.with(|s| {
            if s.len > 0 {
                Some(s.front)
            } else {
                if let Some(w) = waker {
                    s.receiver.register(w);
                }
                None
            }
        })
    }

    /// Pointer to slot `i` (dereferenced only by the side that owns the slot).
    fn slot_ptr(&self, i: usize) -> *mut T {
        self.buf.wrapping_add(i)
    }
}

impl<M: RawMutex, T> fmt::Debug for Channel<'_, M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("zerocopy::Channel")
            .field("len", &self.len())
            .field("capacity", &self.cap)
            .finish()
    }
}

/// The producing end of a zero-copy [`Channel`].
pub struct Sender<'c, M: RawMutex, T> {
    channel: &'c Channel<'c, M, T>,
}

impl<M: RawMutex, T> Sender<'_, M, T> {
    /// Waits for a free slot and lends it for filling; publish it with
    /// [`send_done`](Self::send_done). The slot holds whatever value it held before.
    ///
    /// Cancel safety: yes (nothing is published until `send_done`).
    pub async fn send(&mut self) -> &mut T {
        let channel = self.channel;
        let i = poll_fn(|cx| match channel.sender_slot(Some(cx.waker())) {
            Some(i) => Poll::Ready(i),
            None => Poll::Pending,
        })
        .await;
        // SAFETY: `i < cap` is the sender's slot, reachable by no one else until
        // `send_done` (module invariant), which needs `&mut self` held by the result.
        unsafe { &mut *channel.slot_ptr(i) }
    }

    /// [`send`](Self::send) for hand-written futures: lends the free slot, or stores
    /// `cx`'s waker (the sender's single slot) and returns `Pending`.
    ///
    /// ```
    /// use core::task::Poll;
    /// use mote::sync::blocking_mutex::raw::NoopRawMutex;
    /// use mote::sync::zerocopy_channel::Channel;
    ///
    /// let mut buf = [0u8; 1];
    /// let mut ch: Channel<'_, NoopRawMutex, u8> = Channel::new(&mut buf);
    /// let (mut tx, mut rx) = ch.split();
    /// let mut cx = futures_test::task::noop_context();
    /// if let Poll::Ready(slot) = tx.poll_send(&mut cx) {
    ///     *slot = 5;
    /// }
    /// tx.send_done();
    /// assert!(tx.poll_send(&mut cx).is_pending()); // full
    /// assert_eq!(rx.poll_receive(&mut cx).map(|v| *v), Poll::Ready(5));
    /// ```
    pub fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<&mut T> {
        match self.channel.sender_slot(Some(cx.waker())) {
            // SAFETY: as in `send`.
            Some(i) => Poll::Ready(unsafe { &mut *self.channel.slot_ptr(i) }),
            None => Poll::Pending,
        }
    }

    /// Published slots (see [`Channel::len`]).
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// True when no slot is published.
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// True when every slot is published (the sender would wait).
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.channel.capacity()
    }

    /// Lends the free slot at once, if there is one.
    pub fn try_send(&mut self) -> Option<&mut T> {
        let i = self.channel.sender_slot(None)?;
        // SAFETY: as in `send`.
        Some(unsafe { &mut *self.channel.slot_ptr(i) })
    }

    /// Publishes the sender's slot to the receiver. Does nothing when the channel is full.
    pub fn send_done(&mut self) {
        let cap = self.channel.cap;
        let w = self.channel.shared.with(|s| {
            if s.len < cap {
                s.len += 1;
                s.receiver.take()
            } else {
                None
            }
        });
        if let Some(w) = w {
            w.wake();
        }
    }
}

/// The consuming end of a zero-copy [`Channel`].
pub struct Receiver<'c, M: RawMutex, T> {
    channel: &'c Channel<'c, M, T>,
}

impl<M: RawMutex, T> Receiver<'_, M, T> {
    /// Waits for a published slot and lends it; free it with
    /// [`receive_done`](Self::receive_done).
    ///
    /// Cancel safety: yes (nothing is freed until `receive_done`).
    pub async fn receive(&mut self) -> &mut T {
        let channel = self.channel;
        let i = poll_fn(|cx| match channel.receiver_slot(Some(cx.waker())) {
            Some(i) => Poll::Ready(i),
            None => Poll::Pending,
        })
        .await;
        // SAFETY: `i < cap` is the receiver's slot, reachable by no one else until
        // `receive_done` (module invariant), which needs `&mut self` held by the result.
        unsafe { &mut *channel.slot_ptr(i) }
    }

    /// [`receive`](Self::receive) for hand-written futures: lends the oldest published
    /// slot, or stores `cx`'s waker (the receiver's single slot) and returns `Pending`.
    pub fn poll_receive(&mut self, cx: &mut Context<'_>) -> Poll<&mut T> {
        match self.channel.receiver_slot(Some(cx.waker())) {
            // SAFETY: as in `receive`.
            Some(i) => Poll::Ready(unsafe { &mut *self.channel.slot_ptr(i) }),
            None => Poll::Pending,
        }
    }

    /// Published slots (see [`Channel::len`]).
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// True when no slot is published (the receiver would wait).
    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// True when every slot is published.
    pub fn is_full(&self) -> bool {
        self.channel.is_full()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.channel.capacity()
    }

    /// Lends the oldest published slot at once, if there is one.
    pub fn try_receive(&mut self) -> Option<&mut T> {
        let i = self.channel.receiver_slot(None)?;
        // SAFETY: as in `receive`.
        Some(unsafe { &mut *self.channel.slot_ptr(i) })
    }

    /// Frees the oldest published slot for the sender. Does nothing when none is
    /// published.
    pub fn receive_done(&mut self) {
        let cap = self.channel.cap;
        let w = self.channel.shared.with(|s| {
            if s.len > 0 {
                s.front = (s.front + 1) % cap;
                s.len -= 1;
                s.sender.take()
            } else {
                None
            }
        });
        if let Some(w) = w {
            w.wake();
        }
    }
}
