//! An intrusive FIFO list of waiting futures, for primitives where several waiters are
//! normal (channel senders and receivers, mutex, semaphore, signal).
//!
//! Each waiting future embeds a [`WaitNode`]; the list only links the nodes, so there is
//! no waiter limit and no allocation. The list lives inside the primitive's state, behind
//! the primitive's raw mutex.
//!
//! # Node states
//!
//! ```text
//!            enqueue (future polled,           grant_front (the primitive hands the
//!            resource not available)           resource to the oldest waiter)
//!   Idle ────────────────────────► Waiting ─────────────────────────► Granted
//!    ▲ ▲                              │                                  │
//!    │ └──── remove (future dropped) ─┘                                  │
//!    └──────────── acknowledge (future polled: takes the grant; or dropped:
//!                  gives the grant back, which the primitive passes on) ─┘
//! ```
//!
//! `Granted` means the primitive already moved something to the waiter (a lock, permits,
//! a reserved buffer slot or item): the waiter's next poll completes without re-checking,
//! and a waiter dropped while `Granted` must hand the grant back (so a wake is never
//! lost when a woken future is cancelled).
//!
//! # Invariants (cited by the `SAFETY` comments as "WL1", "WL2" and "WL3")
//!
//! - **WL1 (Link Valid)**: a node linked into a list is alive and pinned until it is
//!   unlinked by [`WaitList::remove`] or [`WaitList::grant_front`]. The owning future
//!   guarantees this: it enqueues only a node inside its own pinned self, and its `Drop`
//!   unlinks a `Waiting` node (under the lock) before the memory goes away.
//! - **WL2 (Lock Covers Node)**: a node's fields are read or written only through
//!   `&mut WaitList` of the list it was enqueued in (so, under the primitive's lock), or
//!   by its owner while it was never enqueued. Hence no two accesses to a node's fields
//!   overlap.
//! - **WL3 (Initialised Only While Waiting)**: a node's links, waker and `want` are
//!   initialised exactly while it is `Waiting`: enqueue writes them all; `grant_front`
//!   and `remove` read the waker out (handing it to the caller, who wakes or drops it
//!   after the lock) as the node leaves `Waiting`. Only `state` is always valid, so a
//!   fresh node costs one store and nodes have no drop glue (a future dropped while
//!   `Waiting` must unlink its node first anyway, WL1). Every read of those fields first
//!   knows the node is `Waiting` (it is linked, or its state says so).
//!
//! With a [`WaitList`], wakers are cloned into a node, replaced and dropped under the
//! primitive's lock, which is checked (`shared.rs`): a foreign waker whose `clone`/`drop`
//! re-enters the same primitive panics on the busy flag instead of aliasing its state.
//! A [`QuietList`] (Channel and Signal, `quiet.rs`) only moves wakers: they enter cloned
//! before the lock and leave as `Held`, dropped or woken after it.
//!
//! Cost: enqueue, remove, grant are O(1).

use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::mem::MaybeUninit;
use core::ptr::NonNull;
use core::task::Waker;

use crate::sync::quiet::{Held, Inert};

/// State of a [`WaitNode`] (see the module diagram).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeState {
    /// Not in a list, no grant held.
    Idle,
    /// Linked in a list, waiting for a grant.
    Waiting,
    /// Unlinked by the primitive, which handed it a grant.
    Granted,
}

/// Every field but `state` is initialised exactly while `Waiting` (WL3), so a fresh node
/// costs one store and nothing is dropped implicitly.
struct NodeData {
    prev: MaybeUninit<Link>,
    next: MaybeUninit<Link>,
    waker: MaybeUninit<Waker>,
    state: NodeState,
    /// What the waiter asks for (e.g. a number of permits); primitive-defined.
    want: MaybeUninit<usize>,
}

/// A link to a neighbour node (`None` at the ends).
type Link = Option<NonNull<WaitNode>>;

/// A list node, embedded in a waiting future. `!Unpin`: once enqueued, it must not move
/// (the future is pinned).
pub(crate) struct WaitNode {
    data: UnsafeCell<NodeData>,
    _pinned: PhantomPinned,
}

// SAFETY: the node's fields are only touched through its list under the primitive's lock
// (WL2), so moving the owning future to another thread cannot race; `Waker` is `Send`.
unsafe impl Send for WaitNode {}
// SAFETY: a shared `&WaitNode` gives no access to the fields except through the list
// under the lock (WL2).
unsafe impl Sync for WaitNode {}

impl WaitNode {
    /// A fresh `Idle` node.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            data: UnsafeCell::new(NodeData {
                prev: MaybeUninit::uninit(),
                next: MaybeUninit::uninit(),
                waker: MaybeUninit::uninit(),
                state: NodeState::Idle,
                want: MaybeUninit::uninit(),
            }),
            _pinned: PhantomPinned,
        }
    }

    /// The node's address, for handing to a list.
    #[inline]
    pub(crate) fn ptr(&self) -> NonNull<WaitNode> {
        NonNull::from(self)
    }
}

/// A FIFO of waiting nodes. See the module docs for the invariants.
pub(crate) struct WaitList {
    head: Option<NonNull<WaitNode>>,
    tail: Option<NonNull<WaitNode>>,
}

// SAFETY: the list only holds pointers to nodes whose fields are accessed through the
// list itself (WL2); moving the list (inside its primitive) moves that access with it.
unsafe impl Send for WaitList {}

/// Returns the fields of `node`.
///
/// # Safety
///
/// `node` must be alive (WL1, or owned by the caller) and the caller must have exclusive
/// access to its fields (WL2) for as long as the returned reference is used.
#[inline(always)]
unsafe fn data<'a>(node: NonNull<WaitNode>) -> &'a mut NodeData {
    // SAFETY: alive and exclusive per this function's contract; the fields are inside an
    // `UnsafeCell`, so writing through a pointer derived from `&WaitNode` is allowed.
    unsafe { &mut *(*node.as_ptr()).data.get() }
}

impl WaitList {
    /// An empty list.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            head: None,
            tail: None,
        }
    }

    /// True when no node waits.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Appends `node` (state `Idle` → `Waiting`) with the waker to wake on grant and what
    /// it asks for.
    ///
    /// # Safety
    ///
    /// `node` is `Idle`, inside a pinned future that will uphold WL1 for this list, and
    /// is accessed only through this list from now on (WL2).
    #[inline]
    pub(crate) unsafe fn enqueue(&mut self, node: NonNull<WaitNode>, waker: Waker, want: usize) {
        // SAFETY: forwarded contract.
        let d = unsafe { arm(node, waker, want) };
        d.next = MaybeUninit::new(None);
        d.prev = MaybeUninit::new(self.tail);
        match self.tail {
            // SAFETY: the tail is linked, hence alive (WL1); `&mut self` gives exclusivity.
            Some(tail) => unsafe { data(tail) }.next = MaybeUninit::new(Some(node)),
            None => self.head = Some(node),
        }
        self.tail = Some(node);
    }

    /// Prepends `node` (state `Idle` → `Waiting`): for a granted waiter that could not use
    /// its turn and keeps its place at the head.
    ///
    /// # Safety
    ///
    /// As for [`enqueue`](Self::enqueue).
    #[inline]
    pub(crate) unsafe fn enqueue_front(
        &mut self,
        node: NonNull<WaitNode>,
        waker: Waker,
        want: usize,
    ) {
        // SAFETY: forwarded contract.
        let d = unsafe { arm(node, waker, want) };
        d.prev = MaybeUninit::new(None);
        d.next = MaybeUninit::new(self.head);
        match self.head {
            // SAFETY: the head is linked, hence alive (WL1); `&mut self` gives exclusivity.
            Some(head) => unsafe { data(head) }.prev = MaybeUninit::new(Some(node)),
            None => self.tail = Some(node),
        }
        self.head = Some(node);
    }

    /// The state of `node`.
    ///
    /// # Safety
    ///
    /// `node` belongs to the caller (so it is alive) and is `Idle` or was enqueued in this
    /// list; the caller holds the primitive's lock (`&mut self`).
    #[inline]
    pub(crate) unsafe fn state(&mut self, node: NonNull<WaitNode>) -> NodeState {
        // SAFETY: alive (caller's own node) and accessed through its list (WL2).
        unsafe { data(node) }.state
    }

    /// Keeps the stored waker of a `Waiting` node if `waker` would wake the same task,
    /// else replaces it with a clone of `waker` (the old one is dropped here, under the
    /// lock: checked, see the module docs).
    ///
    /// # Safety
    ///
    /// As for [`state`](Self::state).
    #[inline]
    pub(crate) unsafe fn update_waker(&mut self, node: NonNull<WaitNode>, waker: &Waker) {
        // SAFETY: alive (caller's own node) and accessed through its list (WL2).
        let d = unsafe { data(node) };
        debug_assert_eq!(d.state, NodeState::Waiting);
        // SAFETY: the caller saw the node `Waiting`, so its waker is initialised (WL3).
        let stored = unsafe { d.waker.assume_init_mut() };
        if !stored.will_wake(waker) {
            replace_waker(stored, waker);
        }
    }

    /// Unlinks a `Waiting` node (→ `Idle`), e.g. because its future is dropped, and
    /// returns its waker (for the caller to drop after releasing the lock).
    ///
    /// # Safety
    ///
    /// `node` is `Waiting` in this list.
    #[inline]
    pub(crate) unsafe fn remove(&mut self, node: NonNull<WaitNode>) -> Option<Waker> {
        // SAFETY: linked in this list, so alive (WL1); `&mut self` gives exclusivity (WL2).
        let d = unsafe { data(node) };
        debug_assert_eq!(d.state, NodeState::Waiting);
        // SAFETY: `Waiting`, so links and waker are initialised (WL3); the waker is read
        // out once, as the state leaves `Waiting` here.
        let (prev, next, waker) = unsafe {
            (
                d.prev.assume_init(),
                d.next.assume_init(),
                d.waker.assume_init_read(),
            )
        };
        d.state = NodeState::Idle;
        match prev {
            // SAFETY: neighbours of a linked node are linked, hence alive (WL1).
            Some(p) => unsafe { data(p) }.next = MaybeUninit::new(next),
            None => self.head = next,
        }
        match next {
            // SAFETY: as above.
            Some(n) => unsafe { data(n) }.prev = MaybeUninit::new(prev),
            None => self.tail = prev,
        }
        Some(waker)
    }

    /// Marks a `Granted` node `Idle` again (its owner took or returned the grant).
    ///
    /// # Safety
    ///
    /// As for [`state`](Self::state).
    #[inline]
    pub(crate) unsafe fn acknowledge(&mut self, node: NonNull<WaitNode>) {
        // SAFETY: alive (caller's own node) and accessed through its list (WL2).
        let d = unsafe { data(node) };
        debug_assert_eq!(d.state, NodeState::Granted);
        d.state = NodeState::Idle;
    }

    /// What the oldest waiter asks for, if any waits.
    #[inline]
    pub(crate) fn front_want(&mut self) -> Option<usize> {
        // SAFETY: the head is linked, hence alive (WL1); `&mut self` gives exclusivity (WL2).
        // SAFETY (want): a linked node is `Waiting`, so `want` is initialised (WL3).
        self.head.map(|h| unsafe { data(h).want.assume_init() })
    }

    /// Unlinks the oldest waiter, marks it `Granted` and returns its waker (to be woken
    /// after the lock is released). `None` when the list is empty.
    #[inline]
    pub(crate) fn grant_front(&mut self) -> Option<Waker> {
        let head = self.head?;
        // SAFETY: the head is linked, hence alive (WL1); `&mut self` gives exclusivity (WL2).
        let d = unsafe { data(head) };
        // SAFETY: a linked node is `Waiting`: links and waker are initialised (WL3).
        self.head = unsafe { d.next.assume_init() };
        match self.head {
            // SAFETY: the new head is linked, hence alive (WL1).
            Some(n) => unsafe { data(n) }.prev = MaybeUninit::new(None),
            None => self.tail = None,
        }
        d.state = NodeState::Granted;
        // SAFETY: as above; read out once, as the state leaves `Waiting` here.
        Some(unsafe { d.waker.assume_init_read() })
    }
}

/// A [`WaitList`] for quiet sections (`quiet.rs`): wakers enter and leave it only as
/// [`Held`] values, so none of its safe methods clones, drops or calls a waker.
pub(crate) struct QuietList(WaitList);

// SAFETY: (quiet.rs, QS2) its safe methods test the links or move a waker out of a node
// into a `Held` (`WaitList::grant_front` reads it out, running no waker code); it has no
// drop glue (nodes own nothing, WL3) and lends out nothing.
unsafe impl Inert for QuietList {}

impl QuietList {
    /// An empty list.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self(WaitList::new())
    }

    /// True when no node waits.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// [`WaitList::grant_front`], its waker held (to be woken after the lock).
    #[inline]
    pub(crate) fn grant_front(&mut self) -> Option<Held<Waker>> {
        self.0.grant_front().map(Held::new)
    }

    /// True when the stored waker of a `Waiting` node wakes the same task as `waker`.
    ///
    /// # Safety
    ///
    /// As for [`WaitList::state`]; the node is `Waiting`.
    #[inline]
    unsafe fn same_waker(&mut self, node: NonNull<WaitNode>, waker: &Held<Waker>) -> bool {
        // SAFETY: alive (caller's own node) and accessed through its list (WL2).
        let d = unsafe { data(node) };
        debug_assert_eq!(d.state, NodeState::Waiting);
        // SAFETY: `Waiting`, so the waker is initialised (WL3).
        waker.will_wake(unsafe { d.waker.assume_init_ref() })
    }

    /// Moves `waker` into a `Waiting` node and returns the waker it replaces, to be dropped
    /// after the lock: nothing is cloned or dropped here.
    ///
    /// # Safety
    ///
    /// As for [`WaitList::state`]; the node is `Waiting`.
    #[inline]
    unsafe fn swap_waker(&mut self, node: NonNull<WaitNode>, waker: Held<Waker>) -> Held<Waker> {
        // SAFETY: alive (caller's own node) and accessed through its list (WL2).
        let d = unsafe { data(node) };
        debug_assert_eq!(d.state, NodeState::Waiting);
        // SAFETY: `Waiting`, so the waker is initialised (WL3); `open`: the new waker
        // moves into the node, which hands it out again only as `Held`.
        let old = unsafe { core::mem::replace(d.waker.assume_init_mut(), waker.open()) };
        Held::new(old)
    }
}

/// Where a [`Waiter`] stands, as seen by its future's poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Not queued: the future may try to take the resource directly, or enqueue.
    Fresh,
    /// Still queued; the stored waker was refreshed.
    Waiting,
    /// The primitive granted the resource; the caller now owns it and the waiter is
    /// `Fresh` again.
    Granted,
}

/// A [`WaitNode`] plus the owner-side knowledge of whether it is in a list: the part of
/// a waiting future that talks to a [`WaitList`].
///
/// Every method must be called with the same list (the primitive's) and only while the
/// owning future is pinned; `queued` is owner-local and tells `Drop` whether it has to
/// take the lock at all.
pub(crate) struct Waiter {
    node: WaitNode,
    queued: bool,
}

// SAFETY: (quiet.rs, QS2) its safe methods (`new`, `is_queued`) touch no waker; the
// methods that clone one take a `&mut WaitList` and a `&Waker`, which no `Inert` value
// lends out; it has no drop glue.
unsafe impl Inert for Waiter {}

impl Waiter {
    /// A waiter that is in no list.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            node: WaitNode::new(),
            queued: false,
        }
    }

    /// True while the node may be in the list or hold a grant (then `Drop` must call
    /// [`cancel`](Self::cancel) under the lock).
    #[inline]
    pub(crate) fn is_queued(&self) -> bool {
        self.queued
    }

    /// Restates, after the lock, that this waiter is in no list (so the compiler can fold
    /// the owner's `Drop` check, which a lock's memory barrier hides from it).
    ///
    /// # Safety
    ///
    /// The waiter is not queued: its last `poll_turn*` under the lock returned `Fresh` or
    /// `Granted` and it was not enqueued again.
    #[inline(always)]
    pub(crate) unsafe fn restate_idle(&mut self) {
        debug_assert!(!self.queued);
        self.queued = false;
    }

    /// Reports this waiter's [`Turn`]; takes the grant if there is one.
    ///
    /// # Safety
    ///
    /// `self` is pinned, `list` is the list used by every call on this waiter, and the
    /// caller holds the primitive's lock (`&mut WaitList` borrowed from its state).
    #[inline]
    pub(crate) unsafe fn poll_turn(&mut self, list: &mut WaitList, waker: &Waker) -> Turn {
        let node = self.node.ptr();
        // The node's state alone tells the turn (`Idle` exactly while not `queued`), so
        // the owner-side flag is not read here; it only spares `Drop` the lock.
        // SAFETY: the node is ours (alive), Idle or enqueued in `list`, and the lock is held.
        match unsafe { list.state(node) } {
            NodeState::Idle => {
                debug_assert!(!self.queued);
                Turn::Fresh
            }
            NodeState::Waiting => {
                // SAFETY: as above.
                unsafe { list.update_waker(node, waker) };
                Turn::Waiting
            }
            NodeState::Granted => {
                // SAFETY: as above.
                unsafe { list.acknowledge(node) };
                self.queued = false;
                Turn::Granted
            }
        }
    }

    /// Appends this waiter to `list`.
    ///
    /// # Safety
    ///
    /// As for [`poll_turn`](Self::poll_turn); the waiter is not queued; the owning future
    /// calls [`cancel`](Self::cancel) in its `Drop` while [`is_queued`](Self::is_queued)
    /// (this upholds WL1).
    #[inline]
    pub(crate) unsafe fn enqueue(&mut self, list: &mut WaitList, waker: &Waker, want: usize) {
        debug_assert!(!self.queued);
        // SAFETY: the node is Idle, pinned inside the owner, and the owner's Drop unlinks
        // it (this function's contract), so WL1 and WL2 hold.
        unsafe { list.enqueue(self.node.ptr(), waker.clone(), want) };
        self.queued = true;
    }

    /// Puts this waiter back at the head of `list` (after a grant it could not use).
    ///
    /// # Safety
    ///
    /// As for [`enqueue`](Self::enqueue).
    #[inline]
    pub(crate) unsafe fn enqueue_front(&mut self, list: &mut WaitList, waker: &Waker, want: usize) {
        debug_assert!(!self.queued);
        // SAFETY: as in `enqueue`.
        unsafe { list.enqueue_front(self.node.ptr(), waker.clone(), want) };
        self.queued = true;
    }

    /// Leaves the list (future dropped). Returns true when the waiter held a grant, which
    /// the caller must give back to the primitive (and pass on).
    ///
    /// # Safety
    ///
    /// As for [`poll_turn`](Self::poll_turn).
    #[inline]
    pub(crate) unsafe fn cancel(&mut self, list: &mut WaitList) -> bool {
        let mut retired = None;
        // SAFETY: forwarded contract. The waker is dropped here, under the (checked) lock.
        unsafe { self.cancel_retire(list, &mut retired) }
    }

    /// [`cancel`](Self::cancel) that moves the node's waker, if any, to `retired`, for
    /// the caller to drop after the lock (so a foreign waker's `drop` runs outside it).
    ///
    /// # Safety
    ///
    /// As for [`poll_turn`](Self::poll_turn).
    #[inline]
    pub(crate) unsafe fn cancel_retire(
        &mut self,
        list: &mut WaitList,
        retired: &mut Option<Waker>,
    ) -> bool {
        if !self.queued {
            return false;
        }
        self.queued = false;
        let node = self.node.ptr();
        // SAFETY: enqueued in `list`, alive (ours), under the lock.
        match unsafe { list.state(node) } {
            NodeState::Waiting => {
                // SAFETY: the node is Waiting in `list`.
                *retired = unsafe { list.remove(node) };
                false
            }
            NodeState::Granted => {
                // SAFETY: enqueued in `list`, alive, under the lock.
                unsafe { list.acknowledge(node) };
                true
            }
            NodeState::Idle => false,
        }
    }

    /// [`poll_turn`](Self::poll_turn) on a [`QuietList`], for a poll whose `waker` was
    /// cloned before the lock. For `Waiting`, also tells whether the stored waker wakes
    /// another task (then the caller swaps `waker` in with
    /// [`swap_waker_quiet`](Self::swap_waker_quiet)); nothing is cloned or dropped here.
    ///
    /// # Safety
    ///
    /// As for [`poll_turn`](Self::poll_turn), with `list` as the list.
    #[inline]
    pub(crate) unsafe fn poll_turn_quiet(
        &mut self,
        list: &mut QuietList,
        waker: &Held<Waker>,
    ) -> (Turn, bool) {
        let node = self.node.ptr();
        // SAFETY: the node is ours (alive), Idle or enqueued in `list`, and the lock is held.
        match unsafe { list.0.state(node) } {
            NodeState::Idle => {
                debug_assert!(!self.queued);
                (Turn::Fresh, false)
            }
            // SAFETY: as above; the node is `Waiting`.
            NodeState::Waiting => (Turn::Waiting, unsafe { !list.same_waker(node, waker) }),
            NodeState::Granted => {
                // SAFETY: as above.
                unsafe { list.0.acknowledge(node) };
                self.queued = false;
                (Turn::Granted, false)
            }
        }
    }

    /// Moves `waker` into this `Waiting` waiter's node and returns the one it replaces
    /// (to drop after the lock).
    ///
    /// # Safety
    ///
    /// As for [`poll_turn`](Self::poll_turn), with `list` as the list; the waiter is
    /// `Waiting` (its last `poll_turn_quiet` said so, under this lock).
    #[inline]
    pub(crate) unsafe fn swap_waker_quiet(
        &mut self,
        list: &mut QuietList,
        waker: Held<Waker>,
    ) -> Held<Waker> {
        // SAFETY: forwarded contract.
        unsafe { list.swap_waker(self.node.ptr(), waker) }
    }

    /// [`enqueue`](Self::enqueue) on a [`QuietList`], moving `waker` into the node.
    ///
    /// # Safety
    ///
    /// As for [`enqueue`](Self::enqueue), with `list` as the list.
    #[inline]
    pub(crate) unsafe fn enqueue_quiet(
        &mut self,
        list: &mut QuietList,
        waker: Held<Waker>,
        want: usize,
    ) {
        debug_assert!(!self.queued);
        // SAFETY: as in `enqueue`; `open`: the waker moves into the node, which hands it
        // out again only as `Held` (`QuietList`).
        unsafe { list.0.enqueue(self.node.ptr(), waker.open(), want) };
        self.queued = true;
    }

    /// [`cancel_retire`](Self::cancel_retire) on a [`QuietList`]: returns whether the
    /// waiter held a grant, and the removed waker (to drop after the lock).
    ///
    /// # Safety
    ///
    /// As for [`poll_turn`](Self::poll_turn), with `list` as the list.
    #[inline]
    pub(crate) unsafe fn cancel_quiet(
        &mut self,
        list: &mut QuietList,
    ) -> (bool, Option<Held<Waker>>) {
        let mut retired = None;
        // SAFETY: forwarded contract; the removed waker is moved to `retired`, not dropped.
        let granted = unsafe { self.cancel_retire(&mut list.0, &mut retired) };
        (granted, retired.map(Held::new))
    }
}

/// The rare half of [`WaitList::update_waker`] (a future re-polled by another task),
/// out of line so that the common path keeps no registers for it.
#[cold]
#[inline(never)]
fn replace_waker(stored: &mut Waker, waker: &Waker) {
    *stored = waker.clone();
}

/// Moves an `Idle` node to `Waiting` with `waker` and its request `want`, and
/// returns its data for the caller to link (the step both enqueue ends share).
///
/// # Safety
///
/// `node` is alive and `Idle`, and the caller has exclusive access to it through its list
/// (`&mut WaitList`, WL2).
#[inline]
unsafe fn arm<'a>(node: NonNull<WaitNode>, waker: Waker, want: usize) -> &'a mut NodeData {
    // SAFETY: alive and exclusive per the contract (WL2).
    let d = unsafe { data(node) };
    debug_assert_eq!(d.state, NodeState::Idle);
    d.state = NodeState::Waiting;
    // No waker to drop: the node is `Idle`, so its waker slot is uninitialised (WL3).
    d.waker = MaybeUninit::new(waker);
    d.want = MaybeUninit::new(want);
    d
}
