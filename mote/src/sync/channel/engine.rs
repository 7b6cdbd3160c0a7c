//! The queue-independent heart of [`Channel`](super::Channel) and
//! [`PriorityChannel`](crate::sync::priority_channel::PriorityChannel): reservation
//! counters, wait lists, and the poll/cancel logic of their futures. The queue itself
//! (FIFO ring, priority order) is a [`Queue`].
//!
//! Invariants (under the lock): `len + reserved_slots <= capacity`,
//! `reserved_items <= len`; senders wait only while no slot is unpromised, receivers only
//! while no item is unpromised (see the `channel` module docs).
//!
//! **Lock sections.** Every section is one of the `fn`s of [`State`] below, in the
//! quiet form of `quiet.rs` (`fn(&mut State, A) -> R`, values and wakers moved as
//! `Held`, wakers cloned before the lock and dropped or woken after it), run through
//! [`Section`]. `Channel` runs them under a [`Quiet`] lock: its ring only moves values, so
//! no foreign code runs under the lock and no re-entry flag is needed ([`QuietCore`]).
//! `PriorityChannel` runs the same sections under a checked [`Shared`] lock ([`Core`]):
//! its sorted queue runs the user's `Ord` under the lock, and a re-entry from there
//! panics on the busy flag. The section bodies call nothing outside this crate.

use core::task::{Context, Poll, Waker};

use crate::sync::defer::Defer;
use crate::sync::quiet::{assert_inert, Held, Inert, Quiet, Section, Unlocked};
use crate::sync::ring::Ring;
use crate::sync::shared::Shared;
use crate::sync::wait_list::{QuietList, Turn, Waiter};

/// Storage order of a channel. Values enter and leave as `Held` (moved, see `quiet.rs`).
pub(crate) trait Queue {
    type Item;
    const CAPACITY: usize;
    fn len(&self) -> usize;
    /// Adds an item; gives it back when full.
    fn push(&mut self, item: Held<Self::Item>) -> Result<(), Held<Self::Item>>;
    /// Removes the item to be received next.
    fn pop(&mut self) -> Option<Held<Self::Item>>;
    /// Removes the item that would be received last (used by `clear`).
    fn pop_last(&mut self) -> Option<Held<Self::Item>>;
    /// Puts a received item back as the one to be received next (a receive whose wake
    /// unwound, [`put_back`]); gives it back when full.
    #[cfg(panic = "unwind")]
    fn put_back(&mut self, item: Held<Self::Item>) -> Result<(), Held<Self::Item>>;
}

impl<T, const N: usize> Queue for Ring<Held<T>, N> {
    type Item = T;
    const CAPACITY: usize = N;

    #[inline]
    fn len(&self) -> usize {
        Ring::len(self)
    }

    #[inline]
    fn push(&mut self, item: Held<T>) -> Result<(), Held<T>> {
        self.push_back(item)
    }

    #[inline]
    fn pop(&mut self) -> Option<Held<T>> {
        self.pop_front()
    }

    #[inline]
    fn pop_last(&mut self) -> Option<Held<T>> {
        self.pop_back()
    }

    #[cfg(panic = "unwind")]
    fn put_back(&mut self, item: Held<T>) -> Result<(), Held<T>> {
        self.push_front(item)
    }
}

pub(crate) struct State<Q> {
    pub(crate) queue: Q,
    reserved_slots: usize,
    reserved_items: usize,
    senders: QuietList,
    receivers: QuietList,
    ready: QuietList,
}

// SAFETY: (quiet.rs, QS2) its fields are `Inert` when the queue is (checked by
// `inert_fields`); it adds no drop glue or methods that run foreign code.
unsafe impl<Q: Inert> Inert for State<Q> {}

/// Fails to compile if a field of [`State`] is not [`Inert`] (exhaustive pattern).
#[allow(dead_code)]
fn inert_fields<Q: Inert>(s: &State<Q>) {
    let State {
        queue,
        reserved_slots,
        reserved_items,
        senders,
        receivers,
        ready,
    } = s;
    assert_inert(queue);
    assert_inert(reserved_slots);
    assert_inert(reserved_items);
    assert_inert(senders);
    assert_inert(receivers);
    assert_inert(ready);
}

/// A channel's core under a checked lock (`shared.rs`): the priority channel's.
pub(crate) type Core<M, Q> = Shared<M, State<Q>>;

/// A FIFO channel's core under a quiet lock (`quiet.rs`).
pub(crate) type QuietCore<M, T, const N: usize> = Quiet<M, State<Ring<Held<T>, N>>>;

/// A waker to wake or drop after the lock.
type Woken = Option<Held<Waker>>;

/// What a section hands out, to finish after the lock ([`finish`]).
pub(crate) struct Out<R> {
    /// The operation's result.
    r: R,
    /// The waiter granted by the operation.
    woken: Woken,
    /// A further grant may be possible (one more section each, [`grant_rest`]).
    more: bool,
    /// The poll's own waker, not stored (dropped after the lock).
    spare: Woken,
    /// A stored waker replaced or removed (dropped after the lock; rare).
    retired: Woken,
}

// SAFETY: (quiet.rs, QS2) its fields are `Inert` when `R` is (checked by `out_fields`).
unsafe impl<R: Inert> Inert for Out<R> {}

/// Fails to compile if a field of [`Out`] is not [`Inert`] (exhaustive pattern).
#[allow(dead_code)]
fn out_fields<R: Inert>(o: &Out<R>) {
    let Out {
        r,
        woken,
        more,
        spare,
        retired,
    } = o;
    assert_inert(r);
    assert_inert(woken);
    assert_inert(more);
    assert_inert(spare);
    assert_inert(retired);
}

impl<R> Out<R> {
    #[inline(always)]
    fn just(r: R) -> Self {
        Self {
            r,
            woken: None,
            more: false,
            spare: None,
            retired: None,
        }
    }

    /// The same outcome with its result mapped by `f` (the wakers kept as they are).
    #[inline(always)]
    fn map<S>(self, f: impl FnOnce(R) -> S) -> Out<S> {
        Out {
            r: f(self.r),
            woken: self.woken,
            more: self.more,
            spare: self.spare,
            retired: self.retired,
        }
    }
}

/// Finishes an operation after its section: drops left-over wakers, wakes the granted
/// waiter and, if a further grant may be possible, grants the rest.
#[inline(always)]
fn finish<C: Section<State<Q>>, Q: Queue, R>(core: &C, out: Out<R>, after: &Unlocked) -> R {
    if let Some(w) = out.spare {
        drop(w.release(after));
    }
    if let Some(w) = out.retired {
        drop_cold(w.release(after));
    }
    if let Some(w) = out.woken {
        // Wake-On Invariant (`sync/defer.rs`): the rest is granted even if this wake
        // unwinds.
        let more = out.more;
        let _rest = Defer::new(|| {
            if more {
                grant_rest(core);
            }
        });
        w.release(after).wake();
    }
    out.r
}

/// Drops a replaced or removed waker (rare), out of line.
#[cold]
#[inline(never)]
fn drop_cold(waker: Waker) {
    drop(waker);
}

/// Grants (and wakes) the remaining waiters that can progress, one section each.
#[inline(never)]
fn grant_rest<C: Section<State<Q>>, Q: Queue>(core: &C) {
    loop {
        let (w, after) = core.section((), State::grant_one);
        match w {
            Some(w) => {
                // Wake-On Invariant (`sync/defer.rs`): if this wake unwinds, the rest is
                // granted.
                let on_unwind = Defer::new(|| grant_rest(core));
                w.release(&after).wake();
                on_unwind.cancel();
            }
            None => return,
        }
    }
}

impl<Q: Queue> State<Q> {
    pub(crate) const fn new(queue: Q) -> Self {
        Self {
            queue,
            reserved_slots: 0,
            reserved_items: 0,
            senders: QuietList::new(),
            receivers: QuietList::new(),
            ready: QuietList::new(),
        }
    }

    /// Free slots not promised to anyone.
    #[inline]
    fn free(&self) -> usize {
        // A put-back ([`put_back`]) may leave one grant more than free slots (the sender
        // granted the received item's slot finds the queue full and waits again), so
        // where panics unwind the count saturates.
        #[cfg(panic = "unwind")]
        return Q::CAPACITY.saturating_sub(self.queue.len() + self.reserved_slots);
        #[cfg(not(panic = "unwind"))]
        return Q::CAPACITY - self.queue.len() - self.reserved_slots;
    }

    /// Buffered items not promised to anyone.
    #[inline]
    fn available(&self) -> usize {
        self.queue.len() - self.reserved_items
    }

    /// The grant an item just pushed allows: the oldest waiting receiver gets it
    /// reserved, or else ready-waiters are granted (one here, the rest by further
    /// sections). Receivers wait only while no item is unpromised, so one item never
    /// grants two of them.
    #[inline]
    fn grant_pushed(&mut self) -> (Woken, bool) {
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
    fn grant_freed(&mut self) -> Woken {
        if !self.senders.is_empty() {
            self.reserved_slots += 1;
            return self.senders.grant_front();
        }
        None
    }

    /// False only when [`grant_one`](Self::grant_one) would surely grant nobody now.
    #[inline]
    fn may_grant(&self) -> bool {
        (self.free() > 0 && !self.senders.is_empty())
            || (self.available() > 0 && !(self.receivers.is_empty() && self.ready.is_empty()))
    }

    /// Section: grants one waiter that can progress now and returns its waker.
    fn grant_one(&mut self, (): ()) -> Woken {
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

    /// `r` plus every grant the change before it allows (one here, the rest later).
    #[inline]
    fn granting<R>(&mut self, r: R) -> Out<R> {
        let woken = self.grant_one(());
        let more = woken.is_some() && self.may_grant();
        Out {
            woken,
            more,
            ..Out::just(r)
        }
    }

    /// Section of `try_send`.
    #[inline(always)]
    fn try_push(&mut self, item: Held<Q::Item>) -> Out<Result<(), Held<Q::Item>>> {
        if self.free() == 0 {
            return Out::just(Err(item));
        }
        match self.queue.push(item) {
            Ok(()) => {
                let (woken, more) = self.grant_pushed();
                Out {
                    woken,
                    more,
                    ..Out::just(Ok(()))
                }
            }
            Err(item) => Out::just(Err(item)),
        }
    }

    /// Section of `try_receive`.
    #[inline(always)]
    fn try_pop(&mut self, (): ()) -> Out<Option<Held<Q::Item>>> {
        if self.available() == 0 {
            return Out::just(None);
        }
        let v = self.queue.pop();
        let woken = if v.is_some() {
            self.grant_freed()
        } else {
            None
        };
        Out {
            woken,
            ..Out::just(v)
        }
    }

    /// Section of `clear`: removes the last unpromised item.
    fn pop_last_unpromised(&mut self, (): ()) -> Out<Option<Held<Q::Item>>> {
        let v = if self.available() > 0 {
            self.queue.pop_last()
        } else {
            None
        };
        self.granting(v)
    }

    /// Section of a send future's poll: `Ok` when sent, else `Pending` with the item back.
    /// Waiting or enqueueing changes nothing another waiter could use; a push allows
    /// exactly the grant `grant_pushed` makes.
    ///
    /// Relies on the contract of [`poll_send`] (the only caller): `waiter` is pinned
    /// and used only with these senders.
    #[inline(always)]
    fn poll_send(
        &mut self,
        (waiter, item, waker): (&mut Waiter, Held<Q::Item>, Held<Waker>),
    ) -> Out<Result<(), Held<Q::Item>>> {
        // SAFETY: pinned, used with `self.senders` only (`poll_send`'s contract); locked.
        let (turn, stale) = unsafe { waiter.poll_turn_quiet(&mut self.senders, &waker) };
        match turn {
            Turn::Granted => self.reserved_slots -= 1,
            Turn::Waiting if stale => {
                // SAFETY: as above; `Waiting` per `poll_turn_quiet`.
                let old = unsafe { waiter.swap_waker_quiet(&mut self.senders, waker) };
                return Out {
                    retired: Some(old),
                    ..Out::just(Err(item))
                };
            }
            Turn::Waiting => {
                return Out {
                    spare: Some(waker),
                    ..Out::just(Err(item))
                }
            }
            Turn::Fresh if self.free() == 0 => {
                // SAFETY: as above; not queued (`Fresh`); the owner cancels in its `Drop`.
                unsafe { waiter.enqueue_quiet(&mut self.senders, waker, 1) };
                return Out::just(Err(item));
            }
            Turn::Fresh => {}
        }
        // A slot is ours: granted (its reservation just released) or unpromised.
        match self.queue.push(item) {
            Ok(()) => {
                let (woken, more) = self.grant_pushed();
                Out {
                    woken,
                    more,
                    spare: Some(waker),
                    ..Out::just(Ok(()))
                }
            }
            Err(item) => {
                // Only after a put-back (`free` saturates): the granted slot went to the
                // item put back; keep the item and wait again.
                // SAFETY: as above; not queued (`Fresh` or `Granted` and acknowledged).
                unsafe { waiter.enqueue_quiet(&mut self.senders, waker, 1) };
                Out::just(Err(item))
            }
        }
    }

    /// Section of a receive future's poll. Only a pop allows a grant, the one
    /// `grant_freed` makes.
    ///
    /// Relies on the contract of [`poll_receive`] (the only caller).
    #[inline(always)]
    fn poll_receive(
        &mut self,
        (waiter, waker): (&mut Waiter, Held<Waker>),
    ) -> Out<Poll<Held<Q::Item>>> {
        // SAFETY: pinned, used with `self.receivers` only (`poll_receive`'s contract).
        let (turn, stale) = unsafe { waiter.poll_turn_quiet(&mut self.receivers, &waker) };
        match turn {
            Turn::Granted => self.reserved_items -= 1,
            Turn::Waiting if stale => {
                // SAFETY: as above; `Waiting` per `poll_turn_quiet`.
                let old = unsafe { waiter.swap_waker_quiet(&mut self.receivers, waker) };
                return Out {
                    retired: Some(old),
                    ..Out::just(Poll::Pending)
                };
            }
            Turn::Waiting => {
                return Out {
                    spare: Some(waker),
                    ..Out::just(Poll::Pending)
                }
            }
            Turn::Fresh if self.available() == 0 => {
                // SAFETY: as above; not queued (`Fresh`); the owner cancels in its `Drop`.
                unsafe { waiter.enqueue_quiet(&mut self.receivers, waker, 1) };
                return Out::just(Poll::Pending);
            }
            Turn::Fresh => {}
        }
        match self.queue.pop() {
            Some(v) => Out {
                woken: self.grant_freed(),
                spare: Some(waker),
                ..Out::just(Poll::Ready(v))
            },
            None => {
                // Unreachable by the invariants; wait again.
                // SAFETY: as above; not queued (`Fresh` or `Granted` and acknowledged).
                unsafe { waiter.enqueue_quiet(&mut self.receivers, waker, 1) };
                Out::just(Poll::Pending)
            }
        }
    }

    /// Section of a cancelled send: leaves the queue or passes a granted slot on.
    ///
    /// Relies on the contract of [`cancel_send`] (the only caller).
    fn cancel_send(&mut self, waiter: &mut Waiter) -> Out<()> {
        // SAFETY: pinned, used with `self.senders` only (`cancel_send`'s contract).
        let (granted, retired) = unsafe { waiter.cancel_quiet(&mut self.senders) };
        if granted {
            self.reserved_slots -= 1; // granted to the next sender below
        }
        Out {
            retired,
            ..self.granting(())
        }
    }

    /// Section of a cancelled receive: leaves the queue or passes a promised item on.
    ///
    /// Relies on the contract of [`cancel_receive`] (the only caller).
    fn cancel_receive(&mut self, waiter: &mut Waiter) -> Out<()> {
        // SAFETY: pinned, used with `self.receivers` only (`cancel_receive`'s contract).
        let (granted, retired) = unsafe { waiter.cancel_quiet(&mut self.receivers) };
        if granted {
            self.reserved_items -= 1; // promised to the next receiver below
        }
        Out {
            retired,
            ..self.granting(())
        }
    }

    /// Section of a ready-to-receive poll.
    ///
    /// Relies on the contract of [`poll_ready`] (the only caller).
    fn poll_ready(&mut self, (waiter, waker): (&mut Waiter, Held<Waker>)) -> Out<Poll<()>> {
        // SAFETY: pinned, used with `self.ready` only (`poll_ready`'s contract); locked.
        let (turn, stale) = unsafe { waiter.poll_turn_quiet(&mut self.ready, &waker) };
        match turn {
            Turn::Waiting if stale => {
                // SAFETY: as above; `Waiting` per `poll_turn_quiet`.
                let old = unsafe { waiter.swap_waker_quiet(&mut self.ready, waker) };
                return Out {
                    retired: Some(old),
                    ..Out::just(Poll::Pending)
                };
            }
            Turn::Waiting => {
                return Out {
                    spare: Some(waker),
                    ..Out::just(Poll::Pending)
                }
            }
            Turn::Fresh | Turn::Granted => {}
        }
        if self.available() > 0 {
            return Out {
                spare: Some(waker),
                ..Out::just(Poll::Ready(()))
            };
        }
        // SAFETY: as above; not queued; the owner cancels in its `Drop` while queued.
        unsafe { waiter.enqueue_quiet(&mut self.ready, waker, 0) };
        Out::just(Poll::Pending)
    }

    /// Section of a cancelled ready-to-receive wait (a grant there reserves nothing).
    ///
    /// Relies on the contract of [`cancel_ready`] (the only caller).
    fn cancel_ready(&mut self, waiter: &mut Waiter) -> Out<()> {
        // SAFETY: pinned, used with `self.ready` only (`cancel_ready`'s contract).
        let (_, retired) = unsafe { waiter.cancel_quiet(&mut self.ready) };
        Out {
            retired,
            ..Out::just(())
        }
    }

    /// Section of [`put_back`]: the item goes back to the front (its receiver's turn is
    /// over, so nobody holds a promise of it) and may be granted to a waiting receiver;
    /// gives it back when the queue is full.
    #[cfg(panic = "unwind")]
    fn put_back(&mut self, item: Held<Q::Item>) -> Out<Option<Held<Q::Item>>> {
        match self.queue.put_back(item) {
            Ok(()) => self.granting(None),
            Err(item) => Out::just(Some(item)),
        }
    }

    /// Section: unpromised items and free slots.
    fn unpromised(&mut self, (): ()) -> (usize, usize) {
        (self.available(), self.free())
    }

    /// Section: buffered items.
    fn buffered(&mut self, (): ()) -> usize {
        self.queue.len()
    }
}

pub(crate) fn try_send<C: Section<State<Q>>, Q: Queue>(
    core: &C,
    item: Q::Item,
) -> Result<(), Q::Item> {
    let (out, after) = core.section(Held::new(item), State::try_push);
    finish(core, out, &after).map_err(|v| v.release(&after))
}

pub(crate) fn try_receive<C: Section<State<Q>>, Q: Queue>(core: &C) -> Option<Q::Item> {
    let (out, after) = core.section((), State::try_pop);
    #[cfg(panic = "unwind")]
    return finish_keeping(core, out, &after);
    #[cfg(not(panic = "unwind"))]
    return finish(core, out, &after).map(|v| v.release(&after));
}

/// [`finish`] for a section that popped an item: if a wake (or a waker's drop) unwinds,
/// the item goes back to the front of the queue ([`put_back`]) instead of being lost
/// with the unwinding (a message sent is received exactly once).
#[cfg(panic = "unwind")]
#[inline(always)]
fn finish_keeping<C: Section<State<Q>>, Q: Queue>(
    core: &C,
    out: Out<Option<Held<Q::Item>>>,
    after: &Unlocked,
) -> Option<Q::Item> {
    let mut item = None;
    let out = out.map(|r| item = r.map(|v| v.release(after)));
    keeping(core, item, || finish(core, out, after))
}

/// Runs `wake` (foreign code: wakers) while `item`, just received, is in hand; if `wake`
/// unwinds, `item` is put back ([`put_back`]) and the panic goes on to the caller.
#[cfg(panic = "unwind")]
#[inline(always)]
pub(crate) fn keeping<C: Section<State<Q>>, Q: Queue>(
    core: &C,
    item: Option<Q::Item>,
    wake: impl FnOnce(),
) -> Option<Q::Item> {
    let mut item = item;
    let on_unwind = Defer::new(|| {
        if let Some(v) = item.take() {
            put_back(core, v);
        }
    });
    wake();
    on_unwind.cancel();
    item
}

/// Puts `item`, received by an operation that is unwinding, back as the next to be
/// received, and grants it to a waiting receiver if one waits. The slot the receive
/// freed may already be granted to a waiting sender: that sender then finds the queue
/// full when it polls and waits again (`free` saturates meanwhile). Two cases lose the
/// item, where no room is left: a granted sender filled the slot between the receive
/// and the put-back (another thread, or the panicking waker itself sent), then `item`
/// is dropped; and a `PriorityChannel` whose `Ord` panics here aborts (a panic while
/// unwinding).
#[cfg(panic = "unwind")]
#[cold]
#[inline(never)]
fn put_back<C: Section<State<Q>>, Q: Queue>(core: &C, item: Q::Item) {
    let (out, after) = core.section(Held::new(item), State::put_back);
    if let Some(v) = finish(core, out, &after) {
        drop(v.release(&after));
    }
}

/// Drops unpromised items one at a time (outside the lock), last-to-be-received first.
pub(crate) fn clear<C: Section<State<Q>>, Q: Queue>(core: &C) {
    loop {
        let (out, after) = core.section((), State::pop_last_unpromised);
        // Released before the wake, so that an unwinding wake drops it.
        let mut value = None;
        let out = out.map(|r| value = r.map(|v| v.release(&after)));
        // Wake-On Invariant (`sync/defer.rs`): if the sender's wake unwinds, the clear
        // goes on (the other items dropped, their freed slots granted).
        let on_unwind = Defer::new(|| clear(core));
        finish(core, out, &after);
        on_unwind.cancel();
        match value {
            Some(v) => drop(v),
            None => return,
        }
    }
}

/// Polls a send of `*item` (taken when sent) for the task of `waker`.
///
/// # Safety
///
/// `waiter` is pinned and is used only with this core's senders (via these functions).
// Not forced inline: inlined at every `send().await` it made the channel 9 instructions
// per message cheaper (204.5 instead of 213.5 on the firmware bench) but cost 428 bytes
// of flash in the thumbv6m `ported_channel` example.
#[inline]
pub(crate) unsafe fn poll_send<C: Section<State<Q>>, Q: Queue>(
    core: &C,
    item: &mut Option<Q::Item>,
    waiter: &mut Waiter,
    waker: &Waker,
) -> Poll<()> {
    let Some(v) = item.take() else {
        return Poll::Ready(()); // already completed
    };
    // Cloned before the lock (quiet sections); a copy for a Mote task's own waker.
    let waker = Held::new(waker.clone());
    // A `PriorityChannel`'s section runs the user's `Ord`, which may panic after a
    // granted sender took its grant (the slot is then free, its item dropped): the
    // slot goes on to the next waiting sender while the panic unwinds (Wake-On
    // Invariant, `sync/defer.rs`), instead of waiting for the next receive.
    #[cfg(panic = "unwind")]
    let on_unwind = Defer::new(|| grant_rest(core));
    let (out, after) = core.section((waiter, Held::new(v), waker), State::poll_send);
    #[cfg(panic = "unwind")]
    on_unwind.cancel();
    match finish(core, out, &after) {
        Ok(()) => Poll::Ready(()),
        Err(v) => {
            *item = Some(v.release(&after));
            Poll::Pending
        }
    }
}

/// Cancels a send (its future is dropped): leaves the queue or passes a granted slot on.
///
/// # Safety
///
/// As for [`poll_send`].
#[inline]
pub(crate) unsafe fn cancel_send<C: Section<State<Q>>, Q: Queue>(core: &C, waiter: &mut Waiter) {
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
unsafe fn cancel_queued_send<C: Section<State<Q>>, Q: Queue>(core: &C, waiter: &mut Waiter) {
    let (out, after) = core.section(waiter, State::cancel_send);
    finish(core, out, &after);
}

/// Polls a receive for the task of `waker`.
///
/// # Safety
///
/// `waiter` is pinned and is used only with this core's receivers.
#[inline(always)]
pub(crate) unsafe fn poll_receive<C: Section<State<Q>>, Q: Queue>(
    core: &C,
    waiter: &mut Waiter,
    waker: &Waker,
) -> Poll<Q::Item> {
    // Cloned before the lock (quiet sections); a copy for a Mote task's own waker.
    let waker = Held::new(waker.clone());
    let (out, after) = core.section((waiter, waker), State::poll_receive);
    #[cfg(panic = "unwind")]
    {
        let out = out.map(|r| match r {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        });
        match finish_keeping(core, out, &after) {
            Some(v) => Poll::Ready(v),
            None => Poll::Pending,
        }
    }
    #[cfg(not(panic = "unwind"))]
    match finish(core, out, &after) {
        Poll::Ready(v) => Poll::Ready(v.release(&after)),
        Poll::Pending => Poll::Pending,
    }
}

/// Cancels a receive: leaves the queue or passes a promised item on.
///
/// # Safety
///
/// As for [`poll_receive`].
#[inline]
pub(crate) unsafe fn cancel_receive<C: Section<State<Q>>, Q: Queue>(core: &C, waiter: &mut Waiter) {
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
unsafe fn cancel_queued_receive<C: Section<State<Q>>, Q: Queue>(core: &C, waiter: &mut Waiter) {
    let (out, after) = core.section(waiter, State::cancel_receive);
    finish(core, out, &after);
}

/// Polls a wait for an unpromised item.
///
/// # Safety
///
/// `waiter` is pinned and is used only with this core's ready list.
pub(crate) unsafe fn poll_ready<C: Section<State<Q>>, Q: Queue>(
    core: &C,
    waiter: &mut Waiter,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let waker = Held::new(cx.waker().clone());
    let (out, after) = core.section((waiter, waker), State::poll_ready);
    finish(core, out, &after)
}

/// Cancels a wait for an item (a grant here reserves nothing).
///
/// # Safety
///
/// As for [`poll_ready`].
pub(crate) unsafe fn cancel_ready<C: Section<State<Q>>, Q: Queue>(core: &C, waiter: &mut Waiter) {
    if waiter.is_queued() {
        let (out, after) = core.section(waiter, State::cancel_ready);
        finish(core, out, &after);
    }
}

/// Buffered items and free slots that are not promised to anyone (for `poll_*` methods).
pub(crate) fn unpromised<C: Section<State<Q>>, Q: Queue>(core: &C) -> (usize, usize) {
    core.section((), State::unpromised).0
}

/// Buffered items.
pub(crate) fn len<C: Section<State<Q>>, Q: Queue>(core: &C) -> usize {
    core.section((), State::buffered).0
}
