//! The queue-independent heart of [`Channel`](super::Channel) and
//! [`PriorityChannel`](crate::sync::priority_channel::PriorityChannel): reservation
//! counters, wait lists, and the poll/cancel logic of their futures. The queue itself
//! (FIFO ring, priority order) is a [`Queue`].
//!
//! Invariants (under the lock): `len + reserved_slots <= capacity`,
//! `reserved_items <= len`; senders wait only while no slot is unpromised, receivers only
//! while no item is unpromised (see the `channel` module docs).

use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::ring::Ring;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

/// Storage order of a channel.
pub(crate) trait Queue {
    type Item;
    const CAPACITY: usize;
    fn len(&self) -> usize;
    /// Adds an item; gives it back when full.
    fn push(&mut self, item: Self::Item) -> Result<(), Self::Item>;
    /// Removes the item to be received next.
    fn pop(&mut self) -> Option<Self::Item>;
    /// Removes the item that would be received last (used by `clear`).
    fn pop_last(&mut self) -> Option<Self::Item>;
}

impl<T, const N: usize> Queue for Ring<T, N> {
    type Item = T;
    const CAPACITY: usize = N;

    #[inline]
    fn len(&self) -> usize {
        Ring::len(self)
    }

    #[inline]
    fn push(&mut self, item: T) -> Result<(), T> {
        self.push_back(item)
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.pop_front()
    }

    #[inline]
    fn pop_last(&mut self) -> Option<T> {
        self.pop_back()
    }
}

pub(crate) struct State<Q> {
    pub(crate) queue: Q,
    reserved_slots: usize,
    reserved_items: usize,
    senders: WaitList,
    receivers: WaitList,
    ready: WaitList,
}

impl<Q: Queue> State<Q> {
    pub(crate) const fn new(queue: Q) -> Self {
        Self {
            queue,
            reserved_slots: 0,
            reserved_items: 0,
            senders: WaitList::new(),
            receivers: WaitList::new(),
            ready: WaitList::new(),
        }
    }

    /// Free slots not promised to anyone.
    fn free(&self) -> usize {
        Q::CAPACITY - self.queue.len() - self.reserved_slots
    }

    /// Buffered items not promised to anyone.
    fn available(&self) -> usize {
        self.queue.len() - self.reserved_items
    }
}

impl<Q: Queue> State<Q> {
    /// The grant an item just pushed allows, as `Shared::update_granted` wants it: the
    /// oldest waiting receiver gets it reserved, or else ready-waiters are granted (one
    /// here, the rest by a further lock section). Receivers wait only while no item is
    /// unpromised, so one item never grants two of them.
    #[inline]
    fn grant_pushed(&mut self) -> (Option<Waker>, bool) {
        if !self.receivers.is_empty() {
            self.reserved_items += 1;
            return (self.receivers.grant_front(), false);
        }
        let w = self.ready.grant_front();
        (w, !self.ready.is_empty())
    }

    /// The grant a slot just freed allows: the oldest waiting sender gets it reserved.
    /// Senders wait only while no slot is unpromised, so one slot never grants two.
    #[inline]
    fn grant_freed(&mut self) -> (Option<Waker>, bool) {
        if !self.senders.is_empty() {
            self.reserved_slots += 1;
            return (self.senders.grant_front(), false);
        }
        (None, false)
    }
}

impl<Q: Queue> Grant for State<Q> {
    #[inline]
    fn may_grant(&self) -> bool {
        (self.free() > 0 && !self.senders.is_empty())
            || (self.available() > 0 && !(self.receivers.is_empty() && self.ready.is_empty()))
    }

    fn grant_one(&mut self) -> Option<Waker> {
        if self.free() > 0 && !self.senders.is_empty() {
            self.reserved_slots += 1;
            return self.senders.grant_front();
        }
        if self.available() > 0 {
            if !self.receivers.is_empty() {
                self.reserved_items += 1;
                return self.receivers.grant_front();
            }
            return self.ready.grant_front();
        }
        None
    }
}

/// A channel's lock and state. The lock is checked (`shared.rs`): the queue may run the
/// user's code under it (the priority channel's `Ord`), and so may wakers (`clone` when
/// a waiter enqueues or changes waker); re-entering the channel from there panics.
/// Removed wakers are dropped after the lock, values leave the queue only by moves.
pub(crate) type Core<M, Q> = Shared<M, State<Q>>;

pub(crate) fn try_send<M: RawMutex, Q: Queue>(
    core: &Core<M, Q>,
    item: Q::Item,
) -> Result<(), Q::Item> {
    core.update_granted(|s| {
        if s.free() == 0 {
            return (Err(item), None, false);
        }
        match s.queue.push(item) {
            Ok(()) => {
                let (w, more) = s.grant_pushed();
                (Ok(()), w, more)
            }
            Err(item) => (Err(item), None, false),
        }
    })
}

pub(crate) fn try_receive<M: RawMutex, Q: Queue>(core: &Core<M, Q>) -> Option<Q::Item> {
    core.update_granted(|s| {
        if s.available() == 0 {
            return (None, None, false);
        }
        match s.queue.pop() {
            Some(v) => {
                let (w, more) = s.grant_freed();
                (Some(v), w, more)
            }
            None => (None, None, false),
        }
    })
}

/// Drops unpromised items one at a time (outside the lock), last-to-be-received first.
pub(crate) fn clear<M: RawMutex, Q: Queue>(core: &Core<M, Q>) {
    while core
        .update(|s| {
            if s.available() > 0 {
                s.queue.pop_last()
            } else {
                None
            }
        })
        .is_some()
    {}
}

/// Polls a send of `*item` (taken when sent) for the task of `waker`.
///
/// # Safety
///
/// `waiter` is pinned and is used only with this core's senders (via these functions).
#[inline]
pub(crate) unsafe fn poll_send<M: RawMutex, Q: Queue>(
    core: &Core<M, Q>,
    item: &mut Option<Q::Item>,
    waiter: &mut Waiter,
    waker: &Waker,
) -> Poll<()> {
    if item.is_none() {
        return Poll::Ready(()); // already completed
    }
    // Waiting or enqueueing changes nothing another waiter could use; a push allows
    // exactly the grant `grant_pushed` makes.
    core.update_granted(|s| {
        // SAFETY: pinned, used with `s.senders` only (caller); lock held.
        match unsafe { waiter.poll_turn(&mut s.senders, waker) } {
            Turn::Granted => s.reserved_slots -= 1,
            Turn::Waiting => return (Poll::Pending, None, false),
            Turn::Fresh if s.free() == 0 => {
                // SAFETY: as above; the owner cancels in its `Drop` while queued.
                unsafe { waiter.enqueue(&mut s.senders, waker, 1) };
                return (Poll::Pending, None, false);
            }
            Turn::Fresh => {}
        }
        // A slot is ours: granted (its reservation just released) or unpromised.
        if let Some(v) = item.take() {
            if let Err(v) = s.queue.push(v) {
                // Unreachable by the invariants; keep the item and wait again.
                *item = Some(v);
                // SAFETY: as above.
                unsafe { waiter.enqueue(&mut s.senders, waker, 1) };
                return (Poll::Pending, None, false);
            }
        }
        let (w, more) = s.grant_pushed();
        (Poll::Ready(()), w, more)
    })
}

/// Cancels a send (its future is dropped): leaves the queue or passes a granted slot on.
///
/// # Safety
///
/// As for [`poll_send`].
#[inline]
pub(crate) unsafe fn cancel_send<M: RawMutex, Q: Queue>(core: &Core<M, Q>, waiter: &mut Waiter) {
    if waiter.is_queued() {
        // SAFETY: this function's contract.
        unsafe { cancel_queued_send(core, waiter) };
    }
}

/// The slow half of [`cancel_send`], for a queued waiter.
///
/// # Safety
///
/// As for [`poll_send`].
#[cold]
#[inline(never)]
unsafe fn cancel_queued_send<M: RawMutex, Q: Queue>(core: &Core<M, Q>, waiter: &mut Waiter) {
    let mut retired = None; // dropped after the lock
    core.update(|s| {
        // SAFETY: pinned, used with `s.senders` only (caller); lock held.
        if unsafe { waiter.cancel_retire(&mut s.senders, &mut retired) } {
            s.reserved_slots -= 1; // `update` grants it to the next sender
        }
    });
    drop(retired);
}

/// Polls a receive for the task of `waker`.
///
/// # Safety
///
/// `waiter` is pinned and is used only with this core's receivers.
#[inline]
pub(crate) unsafe fn poll_receive<M: RawMutex, Q: Queue>(
    core: &Core<M, Q>,
    waiter: &mut Waiter,
    waker: &Waker,
) -> Poll<Q::Item> {
    // As in `poll_send`: only a pop allows a grant, the one `grant_freed` makes.
    core.update_granted(|s| {
        // SAFETY: pinned, used with `s.receivers` only (caller); lock held.
        match unsafe { waiter.poll_turn(&mut s.receivers, waker) } {
            Turn::Granted => s.reserved_items -= 1,
            Turn::Waiting => return (Poll::Pending, None, false),
            Turn::Fresh if s.available() == 0 => {
                // SAFETY: as above; the owner cancels in its `Drop` while queued.
                unsafe { waiter.enqueue(&mut s.receivers, waker, 1) };
                return (Poll::Pending, None, false);
            }
            Turn::Fresh => {}
        }
        match s.queue.pop() {
            Some(v) => {
                let (w, more) = s.grant_freed();
                (Poll::Ready(v), w, more)
            }
            None => {
                // Unreachable by the invariants; wait again.
                // SAFETY: as above.
                unsafe { waiter.enqueue(&mut s.receivers, waker, 1) };
                (Poll::Pending, None, false)
            }
        }
    })
}

/// Cancels a receive: leaves the queue or passes a promised item on.
///
/// # Safety
///
/// As for [`poll_receive`].
#[inline]
pub(crate) unsafe fn cancel_receive<M: RawMutex, Q: Queue>(core: &Core<M, Q>, waiter: &mut Waiter) {
    if waiter.is_queued() {
        // SAFETY: this function's contract.
        unsafe { cancel_queued_receive(core, waiter) };
    }
}

/// The slow half of [`cancel_receive`], for a queued waiter.
///
/// # Safety
///
/// As for [`poll_receive`].
#[cold]
#[inline(never)]
unsafe fn cancel_queued_receive<M: RawMutex, Q: Queue>(core: &Core<M, Q>, waiter: &mut Waiter) {
    let mut retired = None; // dropped after the lock
    core.update(|s| {
        // SAFETY: pinned, used with `s.receivers` only (caller); lock held.
        if unsafe { waiter.cancel_retire(&mut s.receivers, &mut retired) } {
            s.reserved_items -= 1; // `update` promises it to the next receiver
        }
    });
    drop(retired);
}

/// Polls a wait for an unpromised item.
///
/// # Safety
///
/// `waiter` is pinned and is used only with this core's ready list.
pub(crate) unsafe fn poll_ready<M: RawMutex, Q: Queue>(
    core: &Core<M, Q>,
    waiter: &mut Waiter,
    cx: &mut Context<'_>,
) -> Poll<()> {
    core.with(|s| {
        // SAFETY: pinned, used with `s.ready` only (caller); lock held.
        if unsafe { waiter.poll_turn(&mut s.ready, cx.waker()) } == Turn::Waiting {
            return Poll::Pending;
        }
        if s.available() > 0 {
            return Poll::Ready(());
        }
        // SAFETY: as above; the owner cancels in its `Drop` while queued.
        unsafe { waiter.enqueue(&mut s.ready, cx.waker(), 0) };
        Poll::Pending
    })
}

/// Cancels a wait for an item (a grant here reserves nothing).
///
/// # Safety
///
/// As for [`poll_ready`].
pub(crate) unsafe fn cancel_ready<M: RawMutex, Q: Queue>(core: &Core<M, Q>, waiter: &mut Waiter) {
    if waiter.is_queued() {
        let mut retired = None; // dropped after the lock
        core.with(|s| {
            // SAFETY: pinned, used with `s.ready` only (caller); lock held.
            let _ = unsafe { waiter.cancel_retire(&mut s.ready, &mut retired) };
        });
        drop(retired);
    }
}

/// Buffered items and free slots that are not promised to anyone (for `poll_*` methods).
pub(crate) fn unpromised<M: RawMutex, Q: Queue>(core: &Core<M, Q>) -> (usize, usize) {
    core.with(|s| (s.available(), s.free()))
}
