//! The intrusive timer queue: a pairing heap of [`TimerNode`]s keyed by a `u64`
//! deadline. Each task header embeds one `TimerNode`; an executor owns one
//! [`TimerQueue`] and arms one alarm for its [`next_deadline`](TimerQueue::next_deadline).
//!
//! Guarantees:
//! - **No allocation, no capacity.** The links live in the nodes; the queue is one
//!   pointer. It holds 1 or 100 000 timers without configuration.
//! - **All-zero bytes is a valid, unqueued node**, so task storage in zeroed `.bss`
//!   statics needs no initialisation. Null links mean "none"; a node is queued iff it
//!   is the root or has a non-null `prev` link (so no separate flag is stored).
//! - A node is in the queue at most once; [`schedule`](TimerQueue::schedule) only ever
//!   moves its deadline earlier ("fire no later than"), [`remove`](TimerQueue::remove)
//!   and [`pop_due`](TimerQueue::pop_due) unlink it and reset its links to null.
//!
//! Structure (a heap-ordered multiway tree, stored as first-child / next-sibling
//! binary links; `prev` points to the parent for a first child and to the previous
//! sibling otherwise):
//!
//! ```text
//!   root(3)
//!    │child
//!    ▼
//!   (5) ──next──► (4) ──next──► (9)      every child's deadline >= its parent's
//!    │child        ▲prev
//!    ▼
//!   (8)
//! ```
//!
//! Node states:
//!
//! ```text
//!              schedule(at)                 schedule(earlier): decrease-key
//!  UNQUEUED ──────────────────► QUEUED ◄──┐ schedule(later):   no change
//!  (links null) ◄──────────────   │  └────┘
//!              remove / pop_due   │
//! ```
//!
//! Costs (n = queued nodes; amortized, as proven for pairing heaps):
//!
//! | operation | cost |
//! |---|---|
//! | `schedule` of an unqueued node (insert) | O(1) worst case |
//! | `schedule` earlier (decrease-key) | O(1) worst case at call time (amortized bound o(log n)) |
//! | `next_deadline` | O(1) |
//! | `pop_due`, `remove` | O(log n) amortized |
//!
//! Embassy's integrated queue (a sorted linked list) pays O(n) per insert; see the
//! benchmarks for measured numbers. Each node costs 5 words (deadline as two `u32`
//! halves so the node, and the task header around it, need only 4-byte alignment on
//! 32-bit targets): 20 bytes on Cortex-M.
//!
//! # Safety model
//!
//! The operations are `unsafe fn` with one shared contract, cited as the
//! **Queue Access Invariant**:
//!
//! 1. Access to a queue and to every node that is or was in it is serialised by the
//!    caller (the executor calls them inside a critical section, or from the one
//!    thread that owns the queue). No other code reads or writes a node's links.
//! 2. A node stays at the same address and alive while it is queued (task storage is
//!    `'static` and pinned); it is removed before its memory is reused or freed.
//! 3. A node is only ever used with one queue.

use core::cell::Cell;
use core::ptr::{self, NonNull};

/// The timer links and deadline embedded in every task header.
///
/// All-zero bytes is a valid unqueued node ([`TimerNode::new`] is that value).
///
/// ```
/// use core::ptr::NonNull;
/// use mote::time::timer_queue::{TimerNode, TimerQueue};
///
/// let (a, b) = (TimerNode::new(), TimerNode::new());
/// let q = TimerQueue::new();
/// let (pa, pb) = (NonNull::from(&a), NonNull::from(&b));
/// // SAFETY: single thread; the nodes outlive their time in the queue (removed below).
/// unsafe {
///     assert!(q.schedule(pa, 30)); // the first: the root
///     assert!(q.schedule(pb, 10)); // earlier: the new root
///     assert!(!q.schedule(pa, 20)); // earlier (decrease-key), still behind b
///     assert!(!q.schedule(pa, 99)); // later: no change
///     assert_eq!(q.next_deadline(), Some(10));
///     assert_eq!(q.pop_due(15), Some(pb));
///     assert_eq!(q.pop_due(15), None); // a is due at 20
///     q.remove(pa);
///     assert_eq!(q.next_deadline(), None);
/// }
/// ```
#[repr(C)]
pub struct TimerNode {
    deadline_lo: Cell<u32>,
    deadline_hi: Cell<u32>,
    /// Parent (if this is its first child) or previous sibling; null for the root and
    /// for unqueued nodes.
    prev: Cell<*const TimerNode>,
    /// First child; null if none.
    child: Cell<*const TimerNode>,
    /// Next sibling; null if none.
    next: Cell<*const TimerNode>,
}

// SAFETY: the cells of a `TimerNode` are only read or written by the `unsafe` methods
// of `TimerNode` and `TimerQueue`, whose contract (Queue Access Invariant, item 1)
// requires the caller to serialise every access; sharing `&TimerNode` between threads
// therefore cannot produce a data race without breaking that contract.
unsafe impl Sync for TimerNode {}
// SAFETY: a node holds no thread-affine data: only integers and links that are
// followed under the Queue Access Invariant, from whichever thread holds access.
unsafe impl Send for TimerNode {}

impl Default for TimerNode {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for TimerNode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Reading cells here could race with the queue owner; print the address only.
        f.debug_struct("TimerNode")
            .field("addr", &(self as *const Self))
            .finish_non_exhaustive()
    }
}

impl TimerNode {
    /// An unqueued node (all zero bytes).
    pub const fn new() -> TimerNode {
        TimerNode {
            deadline_lo: Cell::new(0),
            deadline_hi: Cell::new(0),
            prev: Cell::new(ptr::null()),
            child: Cell::new(ptr::null()),
            next: Cell::new(ptr::null()),
        }
    }

    /// The deadline this node was last scheduled for (meaningful while queued, and
    /// for a node just returned by [`TimerQueue::pop_due`]).
    ///
    /// # Safety
    ///
    /// Queue Access Invariant (see the module docs): no concurrent queue operation.
    pub unsafe fn deadline(&self) -> u64 {
        (u64::from(self.deadline_hi.get()) << 32) | u64::from(self.deadline_lo.get())
    }

    fn set_deadline(&self, at: u64) {
        self.deadline_lo.set(at as u32);
        self.deadline_hi.set((at >> 32) as u32);
    }

    fn reset_links(&self) {
        self.prev.set(ptr::null());
        self.child.set(ptr::null());
        self.next.set(ptr::null());
    }
}

/// A pairing heap of [`TimerNode`]s, earliest deadline at the root.
///
/// See the [module docs](self) for costs and the Queue Access Invariant that every
/// method's `# Safety` section refers to.
pub struct TimerQueue {
    root: Cell<*const TimerNode>,
}

// SAFETY: the queue holds only a pointer to nodes that are themselves `Send + Sync`
// under the Queue Access Invariant; its methods are `unsafe` and require serialised
// access, so moving or sharing the queue cannot cause a data race by itself.
unsafe impl Send for TimerQueue {}
// SAFETY: as for `Send`: every access to `root` happens in an `unsafe` method whose
// contract serialises it.
unsafe impl Sync for TimerQueue {}

impl Default for TimerQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for TimerQueue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TimerQueue").finish_non_exhaustive()
    }
}

/// Dereferences a non-null link.
///
/// # Safety
///
/// `p` is non-null and points to a node that is queued in (or being linked into) the
/// queue being operated on: alive and pinned by Queue Access Invariant item 2.
unsafe fn node<'a>(p: *const TimerNode) -> &'a TimerNode {
    debug_assert!(!p.is_null());
    // SAFETY: guaranteed by this function's contract.
    unsafe { &*p }
}

impl TimerQueue {
    /// An empty queue.
    pub const fn new() -> TimerQueue {
        TimerQueue {
            root: Cell::new(ptr::null()),
        }
    }

    /// Whether `n` is queued here.
    ///
    /// # Safety
    ///
    /// `n` points to a live node; Queue Access Invariant (module docs).
    pub unsafe fn is_queued(&self, n: NonNull<TimerNode>) -> bool {
        let n = n.as_ptr().cast_const();
        // SAFETY: `n` is live (contract).
        ptr::eq(self.root.get(), n) || !unsafe { node(n) }.prev.get().is_null()
    }

    /// The earliest deadline, or `None` if the queue is empty. O(1).
    ///
    /// # Safety
    ///
    /// Queue Access Invariant (module docs).
    pub unsafe fn next_deadline(&self) -> Option<u64> {
        let r = self.root.get();
        if r.is_null() {
            None
        } else {
            // SAFETY: the root is queued, hence alive (Queue Access Invariant).
            Some(unsafe { node(r).deadline() })
        }
    }

    /// Makes sure `n` fires no later than `at`: inserts it if unqueued (O(1)), moves
    /// its deadline to `at` if it is queued for later (decrease-key, O(1)), and does
    /// nothing if it is queued for `at` or earlier.
    ///
    /// Returns `true` if this call made `n` the root, i.e. `at` the queue's
    /// [`next_deadline`](Self::next_deadline) (the owner then re-arms its alarm);
    /// `false` if nothing changed, or `n` is queued behind an earlier or equal deadline.
    ///
    /// The queue stores `n` itself, so [`pop_due`](Self::pop_due) returns a pointer with
    /// the same provenance: derive `n` from a pointer to the enclosing struct (e.g.
    /// `&raw const (*header).timer`) and the enclosing struct can be recovered from the
    /// popped pointer. Use pointers of the same provenance for one node every time.
    ///
    /// # Safety
    ///
    /// `n` points to a live node; Queue Access Invariant (module docs); in particular
    /// the node must stay alive and pinned until it is removed or popped.
    pub unsafe fn schedule(&self, n: NonNull<TimerNode>, at: u64) -> bool {
        let np = n.as_ptr().cast_const();
        // SAFETY: `n` is live (contract).
        let nr = unsafe { node(np) };
        let is_root = ptr::eq(self.root.get(), np);
        // `is_queued`, with the root test kept for below.
        if is_root || !nr.prev.get().is_null() {
            // SAFETY: `n` is queued, contract forwarded.
            if at >= unsafe { nr.deadline() } {
                return false;
            }
            // Before `detach`, which touches only links.
            nr.set_deadline(at);
            if is_root {
                // Decreasing the root's key keeps heap order.
                return true;
            }
            // SAFETY: `n` is queued and not the root; contract forwarded.
            unsafe { self.detach(np) };
        } else {
            nr.reset_links();
            nr.set_deadline(at);
        }
        // SAFETY: `n` is now a detached tree root; the root is queued; contract forwarded.
        let r = unsafe { meld(self.root.get(), np) };
        self.root.set(r);
        ptr::eq(r, np)
    }

    /// Unlinks `n` if it is queued here; no-op otherwise. O(log n) amortized.
    ///
    /// # Safety
    ///
    /// `n` points to a live node; Queue Access Invariant (module docs).
    pub unsafe fn remove(&self, n: NonNull<TimerNode>) {
        // SAFETY: forwarded contract.
        if !unsafe { self.is_queued(n) } {
            return;
        }
        let np = n.as_ptr().cast_const();
        if ptr::eq(self.root.get(), np) {
            // SAFETY: the queue is non-empty; contract forwarded.
            unsafe { self.pop_root_out_of_line() };
            return;
        }
        // SAFETY: `n` is queued and not the root; contract forwarded.
        unsafe { self.detach(np) };
        // SAFETY: `n` is live (contract).
        let nr = unsafe { node(np) };
        // SAFETY: `n`'s children are queued nodes; contract forwarded.
        let sub = unsafe { merge_pairs(nr.child.get()) };
        nr.reset_links();
        // SAFETY: `sub` is a detached tree of queued nodes (or null).
        let r = unsafe { meld(self.root.get(), sub) };
        self.root.set(r);
    }

    /// Removes and returns one node whose deadline is `<= now` (the earliest), or
    /// `None` if none is due. O(log n) amortized. The returned pointer is the one given
    /// to [`schedule`](Self::schedule); the node is unqueued, and its
    /// [`deadline`](TimerNode::deadline) still tells when it was due.
    ///
    /// # Safety
    ///
    /// Queue Access Invariant (module docs).
    #[inline]
    pub unsafe fn pop_due(&self, now: u64) -> Option<NonNull<TimerNode>> {
        // SAFETY: forwarded contract.
        match unsafe { self.next_deadline() } {
            // SAFETY: the queue is non-empty; contract forwarded.
            Some(d) if d <= now => Some(unsafe { self.pop_root() }),
            _ => None,
        }
    }

    /// Removes the root and returns it.
    ///
    /// # Safety
    ///
    /// The queue is non-empty; Queue Access Invariant.
    #[inline]
    unsafe fn pop_root(&self) -> NonNull<TimerNode> {
        let r = self.root.get();
        // SAFETY: non-empty queue: `r` is a queued node.
        let rn = unsafe { node(r) };
        // SAFETY: the root's children are queued nodes; contract forwarded.
        let new_root = unsafe { merge_pairs(rn.child.get()) };
        self.root.set(new_root);
        rn.reset_links();
        // SAFETY: the root pointer is non-null in a non-empty queue.
        unsafe { NonNull::new_unchecked(r.cast_mut()) }
    }

    /// [`pop_root`](Self::pop_root) not inlined: `remove` (a task's finish) is rare, and
    /// the pop inlined into the executor's due-timer loop stays the only inline copy.
    ///
    /// # Safety
    ///
    /// As for `pop_root`.
    #[inline(never)]
    unsafe fn pop_root_out_of_line(&self) -> NonNull<TimerNode> {
        // SAFETY: forwarded contract.
        unsafe { self.pop_root() }
    }

    /// Cuts `n` (with its subtree) out of its parent's child list.
    ///
    /// # Safety
    ///
    /// `n` is queued here and is not the root; Queue Access Invariant.
    unsafe fn detach(&self, n: *const TimerNode) {
        // SAFETY: `n` is queued, hence live.
        let nr = unsafe { node(n) };
        let p = nr.prev.get();
        let nx = nr.next.get();
        // SAFETY: a queued non-root node has a non-null `prev`, a queued node.
        let pn = unsafe { node(p) };
        if ptr::eq(pn.child.get(), n) {
            pn.child.set(nx);
        } else {
            pn.next.set(nx);
        }
        if !nx.is_null() {
            // SAFETY: a sibling of a queued node is queued.
            unsafe { node(nx) }.prev.set(p);
        }
        nr.prev.set(ptr::null());
        nr.next.set(ptr::null());
    }
}

// Links are always copied from raw pointers the caller handed in (never re-derived
// from a `&TimerNode`), so every stored pointer keeps the caller's provenance.

/// Joins two detached trees (roots with null `prev`/`next`, or null) and returns the
/// new root: the later root becomes the first child of the earlier (ties keep `a` on
/// top, so equal deadlines tend to pop in insertion order).
///
/// # Safety
///
/// `a`, `b` are null or roots of detached trees of live nodes; Queue Access Invariant.
unsafe fn meld(a: *const TimerNode, b: *const TimerNode) -> *const TimerNode {
    if a.is_null() {
        return b;
    }
    if b.is_null() {
        return a;
    }
    // SAFETY: both non-null live nodes (contract).
    let (an, bn) = unsafe { (node(a), node(b)) };
    // SAFETY: contract: no concurrent access.
    let (parent, child) = if unsafe { bn.deadline() < an.deadline() } {
        (b, a)
    } else {
        (a, b)
    };
    // SAFETY: live nodes (contract).
    let (pn, cn) = unsafe { (node(parent), node(child)) };
    let first = pn.child.get();
    cn.next.set(first);
    if !first.is_null() {
        // SAFETY: a child of a live tree node is a live node.
        unsafe { node(first) }.prev.set(child);
    }
    cn.prev.set(parent);
    pn.child.set(child);
    parent
}

/// Two-pass pairing of a sibling list starting at `first` (null: empty): meld pairs
/// left to right, then meld the results right to left. Returns the detached root.
///
/// No allocation: the first pass keeps its results on a stack threaded through the
/// `next` links of the pair roots, so popping it yields them right to left.
///
/// # Safety
///
/// `first` is null or the first node of a sibling list of live nodes; Queue Access
/// Invariant.
unsafe fn merge_pairs(first: *const TimerNode) -> *const TimerNode {
    if first.is_null() {
        return first;
    }
    // SAFETY: `first` is a live node of the sibling list (contract).
    let fnode = unsafe { node(first) };
    if fnode.next.get().is_null() {
        // One sibling (a root with one child: a popped root whose queue held two
        // timers, the common case): it is the result, detached, with no pairing.
        fnode.prev.set(ptr::null());
        return first;
    }
    let mut stack: *const TimerNode = ptr::null();
    let mut cur = first;
    while !cur.is_null() {
        let a = cur;
        // SAFETY: `a` is a live node of the sibling list (contract).
        let an = unsafe { node(a) };
        let b = an.next.get();
        an.prev.set(ptr::null());
        an.next.set(ptr::null());
        let pair = if b.is_null() {
            cur = ptr::null();
            a
        } else {
            // SAFETY: `b` is the next live sibling.
            let bn = unsafe { node(b) };
            cur = bn.next.get();
            bn.prev.set(ptr::null());
            bn.next.set(ptr::null());
            // SAFETY: `a` and `b` are now detached roots of live trees.
            unsafe { meld(a, b) }
        };
        // SAFETY: `pair` is a live detached root; `next` is free to use as stack link.
        unsafe { node(pair) }.next.set(stack);
        stack = pair;
    }
    let mut acc: *const TimerNode = ptr::null();
    while !stack.is_null() {
        let t = stack;
        // SAFETY: stack entries are live detached roots.
        let tn = unsafe { node(t) };
        stack = tn.next.get();
        tn.next.set(ptr::null());
        // SAFETY: `acc` and `t` are detached roots of live trees.
        acc = unsafe { meld(acc, t) };
    }
    acc
}
