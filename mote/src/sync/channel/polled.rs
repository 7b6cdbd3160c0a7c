//! The channel operations as every handle uses them: the engine's operations plus the
//! wake-ups of the `poll_*` waker slots, shared by [`Channel`](super::Channel),
//! [`PriorityChannel`](crate::sync::priority_channel::PriorityChannel) and the dynamic
//! handles.
//!
//! Invariant: every change that may make an unpromised item appear (a push, a cancelled
//! receive that held a promised item) wakes the `receive` slot, and every change that
//! may make an unpromised slot appear (a pop, `clear`, a cancelled send that held a
//! promised slot) wakes the `send` slot, after the engine released its lock. Wakes of a
//! slot may be spurious (the item may be promised to a FIFO waiter).

use core::task::{Context, Poll, Waker};

use super::engine::{self, Core, Queue, State};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::poll_slot::PollSlot;
use crate::sync::quiet::{Inert, Quiet};
use crate::sync::wait_list::Waiter;

/// The two `poll_*` waker slots of a channel.
pub(crate) struct PollSlots<M> {
    receive: PollSlot<M>,
    send: PollSlot<M>,
}

impl<M: RawMutex> PollSlots<M> {
    pub(crate) const fn new() -> Self {
        Self {
            receive: PollSlot::new(),
            send: PollSlot::new(),
        }
    }
}

/// What the shared channel code needs from a channel type.
pub(crate) trait Parts {
    type M: RawMutex;
    type Q: Queue;
    /// The engine core (a FIFO ring for `Channel`, a sorted array for `PriorityChannel`).
    type Core: CoreOps<Q = Self::Q>;
    fn core(&self) -> &Self::Core;
    fn slots(&self) -> &PollSlots<Self::M>;
}

/// The engine's operations on a core, as methods (so that [`Parts`] names one type).
pub(crate) trait CoreOps {
    type Q: Queue;
    fn try_send(&self, item: <Self::Q as Queue>::Item) -> Result<(), <Self::Q as Queue>::Item>;
    fn try_receive(&self) -> Option<<Self::Q as Queue>::Item>;
    fn clear(&self);
    /// # Safety
    ///
    /// As for [`engine::poll_send`].
    unsafe fn poll_send(
        &self,
        item: &mut Option<<Self::Q as Queue>::Item>,
        waiter: &mut Waiter,
        waker: &Waker,
    ) -> Poll<()>;
    /// # Safety
    ///
    /// As for [`engine::cancel_send`].
    unsafe fn cancel_send(&self, waiter: &mut Waiter);
    /// # Safety
    ///
    /// As for [`engine::poll_receive`].
    unsafe fn poll_receive(
        &self,
        waiter: &mut Waiter,
        waker: &Waker,
    ) -> Poll<<Self::Q as Queue>::Item>;
    /// # Safety
    ///
    /// As for [`engine::cancel_receive`].
    unsafe fn cancel_receive(&self, waiter: &mut Waiter);
    /// Buffered items and free slots that are not promised to anyone.
    fn unpromised(&self) -> (usize, usize);
    /// Buffered items.
    fn len(&self) -> usize;
    /// Runs `wake` with `item` just received in hand; puts it back if `wake` unwinds
    /// ([`engine::keeping`]).
    #[cfg(panic = "unwind")]
    fn keeping(
        &self,
        item: Option<<Self::Q as Queue>::Item>,
        wake: impl FnOnce(),
    ) -> Option<<Self::Q as Queue>::Item>;
}

/// `CoreOps` for a core type, by the engine's functions (generic over the lock kind).
macro_rules! core_ops {
    ($core:ty, $($bounds:tt)*) => {
impl<M: RawMutex, Q: $($bounds)*> CoreOps for $core {
    type Q = Q;
    #[inline]
    fn try_send(&self, item: Q::Item) -> Result<(), Q::Item> {
        engine::try_send(self, item)
    }
    #[inline]
    fn try_receive(&self) -> Option<Q::Item> {
        engine::try_receive(self)
    }
    fn clear(&self) {
        engine::clear(self)
    }
    #[inline(always)]
    unsafe fn poll_send(
        &self,
        item: &mut Option<Q::Item>,
        waiter: &mut Waiter,
        waker: &Waker,
    ) -> Poll<()> {
        // SAFETY: this method's contract.
        unsafe { engine::poll_send(self, item, waiter, waker) }
    }
    #[inline]
    unsafe fn cancel_send(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract.
        unsafe { engine::cancel_send(self, waiter) }
    }
    #[inline(always)]
    unsafe fn poll_receive(&self, waiter: &mut Waiter, waker: &Waker) -> Poll<Q::Item> {
        // SAFETY: this method's contract.
        unsafe { engine::poll_receive(self, waiter, waker) }
    }
    #[inline]
    unsafe fn cancel_receive(&self, waiter: &mut Waiter) {
        // SAFETY: this method's contract.
        unsafe { engine::cancel_receive(self, waiter) }
    }
    fn unpromised(&self) -> (usize, usize) {
        engine::unpromised(self)
    }
    fn len(&self) -> usize {
        engine::len(self)
    }
    #[cfg(panic = "unwind")]
    fn keeping(&self, item: Option<Q::Item>, wake: impl FnOnce()) -> Option<Q::Item> {
        engine::keeping(self, item, wake)
    }
}
    };
}

core_ops!(Core<M, Q>, Queue);
core_ops!(Quiet<M, State<Q>>, Queue + Inert);

/// An item of the channel `P`.
pub(crate) type Item<P> = <<P as Parts>::Q as Queue>::Item;

#[inline]
pub(crate) fn try_send<P: Parts>(p: &P, item: Item<P>) -> Result<(), Item<P>> {
    let r = p.core().try_send(item);
    if r.is_ok() {
        p.slots().receive.wake();
    }
    r
}

#[inline]
pub(crate) fn try_receive<P: Parts>(p: &P) -> Option<Item<P>> {
    let r = p.core().try_receive();
    if r.is_some() {
        // A message sent is received exactly once: if the slot's waker unwinds, the
        // item goes back to the queue instead of being dropped with the unwinding.
        #[cfg(panic = "unwind")]
        return p.core().keeping(r, || p.slots().send.wake());
        #[cfg(not(panic = "unwind"))]
        p.slots().send.wake();
    }
    r
}

pub(crate) fn clear<P: Parts>(p: &P) {
    p.core().clear();
    p.slots().send.wake();
}

/// # Safety
///
/// As for [`engine::poll_send`].
#[inline(always)]
pub(crate) unsafe fn poll_send<P: Parts>(
    p: &P,
    item: &mut Option<Item<P>>,
    waiter: &mut Waiter,
    waker: &Waker,
) -> Poll<()> {
    // SAFETY: this function's contract.
    let r = unsafe { p.core().poll_send(item, waiter, waker) };
    if r.is_ready() {
        // (Also after a re-poll of a completed send: a harmless spurious wake.)
        p.slots().receive.wake();
    }
    r
}

/// # Safety
///
/// As for [`engine::cancel_send`].
#[inline]
pub(crate) unsafe fn cancel_send<P: Parts>(p: &P, waiter: &mut Waiter) {
    // The common case (the future completed or never waited) stays inline and tiny.
    if waiter.is_queued() {
        // SAFETY: this function's contract.
        unsafe { cancel_queued_send(p, waiter) };
    }
}

/// # Safety
///
/// As for [`engine::cancel_send`].
#[cold]
#[inline(never)]
unsafe fn cancel_queued_send<P: Parts>(p: &P, waiter: &mut Waiter) {
    // SAFETY: this function's contract.
    unsafe { p.core().cancel_send(waiter) };
    p.slots().send.wake(); // a promised slot may have been freed
}

/// # Safety
///
/// As for [`engine::poll_receive`].
#[inline(always)]
pub(crate) unsafe fn poll_receive<P: Parts>(
    p: &P,
    waiter: &mut Waiter,
    waker: &Waker,
) -> Poll<Item<P>> {
    // SAFETY: this function's contract.
    let r = unsafe { p.core().poll_receive(waiter, waker) };
    // As in `try_receive`: put back if the slot's waker unwinds.
    #[cfg(panic = "unwind")]
    if let Poll::Ready(v) = r {
        return match p.core().keeping(Some(v), || p.slots().send.wake()) {
            Some(v) => Poll::Ready(v),
            None => Poll::Pending,
        };
    }
    #[cfg(not(panic = "unwind"))]
    if r.is_ready() {
        p.slots().send.wake();
    }
    r
}

/// # Safety
///
/// As for [`engine::cancel_receive`].
#[inline]
pub(crate) unsafe fn cancel_receive<P: Parts>(p: &P, waiter: &mut Waiter) {
    if waiter.is_queued() {
        // SAFETY: this function's contract.
        unsafe { cancel_queued_receive(p, waiter) };
    }
}

/// # Safety
///
/// As for [`engine::cancel_receive`].
#[cold]
#[inline(never)]
unsafe fn cancel_queued_receive<P: Parts>(p: &P, waiter: &mut Waiter) {
    // SAFETY: this function's contract.
    unsafe { p.core().cancel_receive(waiter) };
    p.slots().receive.wake(); // a promised item may be unpromised now
}

/// `poll_receive(&self, cx)`: takes an unpromised item, or registers in the slot.
pub(crate) fn poll_receive_unpinned<P: Parts>(p: &P, cx: &mut Context<'_>) -> Poll<Item<P>> {
    if let Some(v) = try_receive(p) {
        return Poll::Ready(v);
    }
    p.slots().receive.register(cx.waker());
    match try_receive(p) {
        Some(v) => Poll::Ready(v),
        None => Poll::Pending,
    }
}

/// `poll_ready_to_receive(&self, cx)`: ready while an unpromised item is buffered.
pub(crate) fn poll_ready_to_receive<P: Parts>(p: &P, cx: &mut Context<'_>) -> Poll<()> {
    poll_until(p, cx, true)
}

/// `poll_ready_to_send(&self, cx)`: ready while an unpromised slot is free.
pub(crate) fn poll_ready_to_send<P: Parts>(p: &P, cx: &mut Context<'_>) -> Poll<()> {
    poll_until(p, cx, false)
}

fn poll_until<P: Parts>(p: &P, cx: &mut Context<'_>, receive: bool) -> Poll<()> {
    let ready = || {
        let (items, slots) = p.core().unpromised();
        if receive {
            items > 0
        } else {
            slots > 0
        }
    };
    if ready() {
        return Poll::Ready(());
    }
    let slot = if receive {
        &p.slots().receive
    } else {
        &p.slots().send
    };
    slot.register(cx.waker());
    if ready() {
        Poll::Ready(())
    } else {
        Poll::Pending
    }
}
