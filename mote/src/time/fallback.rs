//! The fallback timer queue: deadlines of timer futures that are **not** polled by a
//! Mote task (a foreign executor, `block_on`, a `FuturesUnordered` inside a task whose
//! inner wakers are not task wakers), so there is no task timer node to queue.
//!
//! Guarantees:
//! - **No capacity, no heap.** Every timer future ([`Timer`](super::Timer),
//!   [`Ticker::next`](super::Ticker::next), [`with_timeout`](super::with_timeout),
//!   the async [`Delay`](super::Delay)) owns a [`TimerEntry`]: the links, the deadline
//!   and the waker clone. The queue is an intrusive pairing heap of those entries (the
//!   [`TimerQueue`] an executor uses for its tasks), so it holds 1 or 100 000 timers
//!   without configuration, and a registration is always queued: it never degrades
//!   into waking at once and polling.
//! - A registered waker is woken once the driver clock has reached the deadline, never
//!   before, and never lost. Registering again with the same waker keeps one entry
//!   ("fire no later than": an earlier deadline moves it, a later one changes nothing);
//!   with another waker, the entry holds the new one.
//! - **A cancelled timer costs nothing after its drop**: the entry unlinks itself in
//!   `Drop`, inside the critical section, and its waker clone is released then, not at
//!   its deadline.
//! - **A panicking waker loses nothing else** (`panic = unwind`, the caller catching it):
//!   a `clone` that panics during a registration leaves the timer's deadline and the
//!   queue as they were (the clone happens before the entry changes), and a `wake` that
//!   panics while the queue fires re-arms the alarm, at one tick from now at the
//!   earliest, for the entries still queued, which are then woken from that alarm.
//! - Each queue takes one alarm slot of the driver on first use and keeps it armed for
//!   its earliest deadline. If the driver has no slot left (a driver with a fixed slot
//!   count that was not given one for the fallback queue), the queue wakes its entries
//!   at once: the timers degrade to polling, as an executor without a slot does. The
//!   std and simulated drivers never run out of slots.
//!
//! An entry, from its owner's point of view (each arrow names the function that takes
//! it; "CS" is a critical section):
//!
//! ```text
//!            TimerEntry::schedule_wake (foreign waker): CS { store waker clone, link }
//!   UNUSED ─────────────────────────────────────────────────────────► LINKED(at, waker)
//!   (never    ◄── drop: nothing to do                                  │    │   ▲
//!    linked)                                                           │    │   │ schedule_wake
//!                the queue's alarm (or a registration) finds at <= now:│    │   │ again
//!                CS { pop, take the waker out }, wake it after the CS  │    │   │
//!   IDLE (unlinked, no waker) ◄────────────────────────────────────────┘    │   │
//!     │  └─── schedule_wake ────────────────────────────────────────────────┼───┘
//!     │ drop: CS { remove (no-op) }                  drop: CS { remove, take│the waker },
//!     ▼                                              release it after the CS▼
//!   GONE ◄──────────────────────────────────────────────────────────────────┘
//! ```
//!
//! With a Mote task waker, [`TimerEntry::schedule_wake`] queues the task's own timer
//! node on its executor instead and leaves the entry alone.
//!
//! # Safety model
//!
//! Cited as the **Entry Link Invariant**:
//!
//! 1. Once an entry has been linked, its `slot` and `waker` are read and written only
//!    inside a critical section: by its owner (registration, drop, reading its
//!    deadline) and by the queue that pops it. Before (its `queue` is none), only the
//!    owner touches them: it writes its deadline into `slot` when it builds the entry
//!    and reads it back, and the first link initialises `waker` through `&mut`,
//!    before any queue can see the entry.
//! 2. An entry is linked only through `Pin<&mut TimerEntry>`, so it stays at its
//!    address until it is dropped, and its `Drop` unlinks it (inside a critical
//!    section) before the memory can be reused. So every node in a queue belongs to a
//!    live entry, and the queue may take its waker out when it pops it.
//! 3. An entry is in at most one queue, the one its `queue` field names; only the
//!    owner reads or writes that field.
//! 4. A dropped entry reaches the unlink code only through the table that
//!    `executor_timers::fallback_fns` returns, which is published before any entry's
//!    `queue` is `Some` (`link` does it first) and never withdrawn.
//! 5. The entry is queued exactly while its `waker` is `Some` (each link, unlink and
//!    pop changes both in one critical section). While queued, `slot` is the queue's
//!    [`TimerNode`]; otherwise it is the owner's: the deadline the entry was built
//!    with, or the one it was last queued for (a pop writes it back). An unlink does
//!    not write it back: it happens only in the entry's `Drop` or inside `link`, which
//!    holds the entry by `&mut` until it has queued it again.
//!
//! Costs (n = entries queued): registering O(1) (insert or decrease-key) plus, only
//! when it becomes the earliest deadline, one alarm re-arm; dropping a never-linked
//! entry: one load and branch; dropping a linked one: O(log n) amortized, in a critical
//! section; firing: O(log n) amortized per due entry, each woken outside the critical
//! section. RAM: a `TimerEntry` is 32 bytes on a 32-bit target (a 20-byte timer node,
//! an 8-byte waker, the queue pointer), 4-byte aligned, 56 bytes on a 64-bit host, and
//! building one writes only the queue pointer (a `Timer`'s, three words: its deadline
//! lives in the node's storage while the entry is not queued, so a `Timer` is its
//! entry and nothing more); a queue is 16 bytes on a 32-bit target, all zero
//! (`.bss`). The old fixed-capacity queue cost 16 bytes per entry for the whole program
//! and woke every registration beyond its 8 entries at once (busy polling).

use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::marker::PhantomPinned;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::Waker;

use critical_section::{CriticalSection, Mutex};

use super::alarm_slots::AlarmState;
use super::driver::{self, AlarmCallback};
use super::timer_queue::{TimerNode, TimerQueue};
use super::Instant;

/// The shared queue behind the default
/// [`Driver::fallback_queue`](super::driver::Driver::fallback_queue).
pub(crate) static SHARED: FallbackQueue = FallbackQueue::new();

/// The storage a timer future lends to the [fallback queue](self) while it waits with
/// a waker that is not a Mote task waker: the queue links, the deadline and the waker
/// clone. Embed one in a future that sleeps, pin the future, and call
/// [`schedule_wake`](TimerEntry::schedule_wake) from its `poll`.
///
/// It is `!Unpin` (it may be linked into a queue while the future is pending), so a
/// future that contains it is `!Unpin` too: `.await` it, or pin it (`core::pin::pin!`,
/// `Box::pin`) before polling it by reference. Dropping it unlinks it.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use core::future::Future;
/// use core::pin::Pin;
/// use core::task::{Context, Poll};
/// use mote::time::{Instant, TimerEntry};
///
/// /// Completes at `at` (what `Timer` does).
/// struct SleepUntil {
///     at: Instant,
///     entry: TimerEntry,
/// }
///
/// impl Future for SleepUntil {
///     type Output = ();
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
///         // SAFETY: `entry` is pinned structurally: never moved out, no `Drop` here.
///         let this = unsafe { self.get_unchecked_mut() };
///         if Instant::now() >= this.at {
///             return Poll::Ready(());
///         }
///         // SAFETY: see above.
///         let entry = unsafe { Pin::new_unchecked(&mut this.entry) };
///         entry.schedule_wake(this.at, cx.waker());
///         Poll::Pending
///     }
/// }
///
/// let sleep = SleepUntil { at: Instant::from_millis(3), entry: TimerEntry::new() };
/// mote::futures::block_on_spin(async {
///     mote::time::drivers::sim::advance(mote::time::Duration::from_millis(3));
///     sleep.await;
/// });
/// ```
#[repr(C)]
pub struct TimerEntry {
    /// First field (offset 0): the queue's pointer to it is a pointer to the entry.
    /// While the entry is queued (its `waker` is `Some`) this is its [`TimerNode`];
    /// otherwise it holds the owner's deadline (Entry Link Invariant 5), so a `Timer`
    /// keeps its deadline here and needs no field of its own. Uninitialised in an
    /// entry built by [`TimerEntry::new`] until it is first linked.
    slot: UnsafeCell<MaybeUninit<Slot>>,
    /// The waker clone while queued, `None` once popped or unlinked; initialised (by
    /// the first link) whenever `queue` is `Some`.
    waker: UnsafeCell<MaybeUninit<Option<Waker>>>,
    /// The queue this entry was last linked into (owner-only; Entry Link Invariant 3);
    /// none: never linked, `waker` uninitialised. Its two spare low bits are the
    /// owner's "polled once" and "reached when built" flags
    /// ([`DeadlineEntry::poll_state`]).
    queue: QueueLink,
    _pinned: PhantomPinned,
}

/// The first bytes of a [`TimerEntry`]: its queue node while it is queued, the deadline
/// otherwise (as two words: 4-byte alignment, so a `Timer` packs with 32-bit fields).
#[repr(C)]
union Slot {
    node: ManuallyDrop<TimerNode>,
    at: [u32; 2],
}

// SAFETY: once the entry has been linked, `slot` and `waker` are only touched inside a
// critical section (Entry Link Invariant 1); before, only by the owner. `queue` is
// written only through `&mut`/`Pin<&mut>`; reads through `&TimerEntry` (`deadline`)
// read `queue` and, for a never-linked entry, `slot`, which nothing writes then. So
// sharing one between threads cannot race.
unsafe impl Sync for TimerEntry {}

// SAFETY: `queue` is, apart from its flag bit, a `&'static FallbackQueue` (only ever
// set from one), and `FallbackQueue` is `Sync`; the other fields are `Send`.
unsafe impl Send for TimerEntry {}

/// An `Option<&'static FallbackQueue>` with two flags in the pointer's low bits (a queue
/// is at least 4-byte aligned): `Timer`'s "polled once" and "reached when built" states
/// cost no RAM.
#[derive(Clone, Copy)]
struct QueueLink(*const FallbackQueue);

/// The owner has been polled once, or the entry has been linked (the first link sets
/// it): without it, the entry has never been linked.
const POLLED: usize = 1;
/// The owner's deadline had been reached when it was built (`Timer::after` of zero
/// ticks): its first poll need not read the clock.
const REACHED: usize = 2;
const FLAGS: usize = POLLED | REACHED;
const _: () = assert!(core::mem::align_of::<FallbackQueue>() > FLAGS);

impl QueueLink {
    const NONE: QueueLink = QueueLink(ptr::null());

    fn get(self) -> Option<&'static FallbackQueue> {
        // SAFETY: without its flag bits the pointer is null or was made from a
        // `&'static FallbackQueue` (`set`), keeping its provenance (`map_addr`).
        unsafe { self.0.map_addr(|a| a & !FLAGS).as_ref() }
    }

    fn set(&mut self, queue: &'static FallbackQueue) {
        let flags = self.0.addr() & FLAGS;
        self.0 = ptr::from_ref(queue).map_addr(|a| a | flags);
    }
}

impl Default for TimerEntry {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry")
            .field("used", &self.queue.get().is_some())
            .finish_non_exhaustive()
    }
}

impl TimerEntry {
    /// An entry that is not linked anywhere. Building one writes one word.
    pub const fn new() -> TimerEntry {
        TimerEntry {
            slot: UnsafeCell::new(MaybeUninit::uninit()),
            waker: UnsafeCell::new(MaybeUninit::uninit()),
            queue: QueueLink::NONE,
            _pinned: PhantomPinned,
        }
    }

    /// Asks for `waker` to be woken once the clock reaches `at`: the single entry point
    /// of every timer future. A Mote task waker puts the task's own timer node on its
    /// executor's queue (and leaves this entry alone); any other waker links this entry
    /// into the driver's [fallback queue](self).
    ///
    /// Calling it again with an earlier deadline moves the wake earlier; with a later
    /// one it changes nothing (the waker is woken at the earlier deadline, polls, and
    /// registers again). Spurious wakes are possible; a timer future re-checks the
    /// clock when polled. See [`TimerEntry`] for an example.
    pub fn schedule_wake(self: Pin<&mut Self>, at: Instant, waker: &Waker) {
        if !crate::executor::schedule_wake(at.as_ticks(), waker) {
            driver::fallback_queue().link(self, at.as_ticks(), waker);
        }
    }

    /// The node pointer the queue stores, derived from a pointer to the whole entry
    /// (offset 0), so the entry can be recovered from a popped node.
    fn node_ptr(&self) -> NonNull<TimerNode> {
        NonNull::from(self).cast()
    }
}

/// A [`TimerEntry`] that keeps its owner's deadline in the storage of its queue node
/// while it is not queued (Entry Link Invariant 5): a [`Timer`](super::Timer) is one of
/// these and nothing else. Its only constructor writes the deadline, so the slot of
/// an entry that was never linked always holds it.
///
/// The owner passes [`deadline`](Self::deadline) (and no other value) to
/// [`schedule_wake`](Self::schedule_wake), so the deadline the queue writes back when
/// it pops or unlinks the entry is that deadline.
#[repr(transparent)]
pub(crate) struct DeadlineEntry {
    entry: TimerEntry,
}

/// What [`DeadlineEntry::poll_state`] tells its owner.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PollState {
    /// The first poll; the deadline.
    First(Instant),
    /// The first poll, of an entry whose deadline had been reached when it was built.
    FirstReached,
    /// Polled before; the deadline.
    Again(Instant),
}

impl DeadlineEntry {
    /// An entry that keeps `at`. With `reached`, [`poll_state`](Self::poll_state)'s
    /// first answer is [`PollState::FirstReached`]. Building one writes three words.
    pub(crate) const fn new(at: Instant, reached: bool) -> DeadlineEntry {
        let at = at.as_ticks();
        DeadlineEntry {
            entry: TimerEntry {
                slot: UnsafeCell::new(MaybeUninit::new(Slot {
                    at: [at as u32, (at >> 32) as u32],
                })),
                waker: UnsafeCell::new(MaybeUninit::uninit()),
                queue: QueueLink(ptr::without_provenance(if reached { REACHED } else { 0 })),
                _pinned: PhantomPinned,
            },
        }
    }

    /// The deadline. Reads no clock and, unless a foreign waker has linked the entry,
    /// takes no critical section.
    #[inline]
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline_from(self.entry.queue)
    }

    /// The deadline, with `queue` the entry's queue word (already loaded by the caller).
    #[inline(always)]
    fn deadline_from(&self, queue: QueueLink) -> Instant {
        if queue.get().is_none() {
            // SAFETY: never linked: nobody else knows the entry, and the slot holds the
            // deadline it was built with (the only constructor writes it).
            return Instant::from_ticks(unsafe { self.entry.read_at() });
        }
        self.linked_deadline()
    }

    /// [`deadline`](Self::deadline) of an entry that has been linked: in a critical
    /// section, from the node while queued, else from the slot.
    #[cold]
    #[inline(never)]
    fn linked_deadline(&self) -> Instant {
        let e = &self.entry;
        let at = critical_section::with(|_| {
            // SAFETY: Entry Link Invariant 1: inside the critical section; `waker` is
            // initialised (`queue` is `Some`).
            let queued = unsafe { (*e.waker.get()).assume_init_ref().is_some() };
            if queued {
                // SAFETY: queued (Invariant 5: the slot is the node); Queue Access
                // Invariant: serialised by the critical section.
                unsafe { e.node_ptr().as_ref().deadline() }
            } else {
                // SAFETY: linked before and not queued: the slot holds the deadline
                // last written back (Invariant 5), the one it was built with (see the
                // type's docs); inside the critical section (Invariant 1).
                unsafe { e.read_at() }
            }
        });
        Instant::from_ticks(at)
    }

    /// [`PollState::First`] or [`PollState::FirstReached`] (as built) on the first call,
    /// [`PollState::Again`] on every later one (or once the entry has been linked):
    /// the [`Timer`](super::Timer)'s "yielded once" flag, kept in spare bits (no RAM),
    /// and its deadline, read with the same load.
    #[inline]
    pub(crate) fn poll_state(self: Pin<&mut Self>) -> PollState {
        // SAFETY: only the `queue` field (not pinned, a plain pointer) is written.
        let this = unsafe { self.get_unchecked_mut() };
        let queue = this.entry.queue;
        let bits = queue.0.addr();
        if bits & POLLED != 0 {
            return PollState::Again(this.deadline_from(queue));
        }
        this.entry.queue.0 = queue.0.map_addr(|a| (a | POLLED) & !REACHED);
        if bits & REACHED != 0 {
            PollState::FirstReached
        } else {
            // SAFETY: without `POLLED` the entry was never linked (every link sets it),
            // so the slot holds the deadline it was built with and nobody else knows
            // the entry.
            PollState::First(Instant::from_ticks(unsafe { this.entry.read_at() }))
        }
    }

    /// [`TimerEntry::schedule_wake`] for `at`, which is [`deadline`](Self::deadline).
    #[inline]
    pub(crate) fn schedule_wake(self: Pin<&mut Self>, at: Instant, waker: &Waker) {
        // SAFETY: structural pinning: the entry is never moved out of `self`.
        let entry = unsafe { self.map_unchecked_mut(|d| &mut d.entry) };
        entry.schedule_wake(at, waker);
    }
}

impl TimerEntry {
    /// The deadline kept in the slot.
    ///
    /// # Safety
    ///
    /// The slot holds a deadline (Entry Link Invariant 5) and nothing writes it
    /// concurrently (never linked, or inside a critical section).
    #[inline]
    unsafe fn read_at(&self) -> u64 {
        // SAFETY: the slot holds `at` (contract); a `[u32; 2]` at offset 0 of the
        // `repr(C)` union.
        let [lo, hi] = unsafe { self.slot.get().cast::<[u32; 2]>().read() };
        (u64::from(hi) << 32) | u64::from(lo)
    }
}

/// Stores `at` as the deadline in the slot of the entry at `entry`, which is not queued
/// (its node unlinked, or never initialised): the node's storage becomes the deadline
/// again (Entry Link Invariant 5).
///
/// # Safety
///
/// `entry` points to a live entry; inside a critical section (Entry Link Invariant 1),
/// and the entry is not queued.
unsafe fn store_at(entry: *const TimerEntry, at: u64) {
    // SAFETY: live (contract); the slot is an `UnsafeCell`, written only inside a
    // critical section (contract), and no queue refers to it (not queued).
    unsafe {
        UnsafeCell::raw_get(&raw const (*entry).slot)
            .cast::<[u32; 2]>()
            .write([at as u32, (at >> 32) as u32]);
    }
}

/// Makes the slot of the entry at `entry` an unqueued node, ready to be scheduled.
///
/// # Safety
///
/// As [`store_at`].
unsafe fn init_node(entry: *const TimerEntry) {
    // SAFETY: as in `store_at`.
    unsafe {
        UnsafeCell::raw_get(&raw const (*entry).slot)
            .cast::<TimerNode>()
            .write(TimerNode::new());
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.get() {
            // Linked at least once, so the first link published the table before
            // setting `queue` (Entry Link Invariant 4).
            let fns = super::executor_timers::fallback_fns();
            debug_assert!(fns.is_some());
            if let Some(fns) = fns {
                (fns.unlink)(queue, self);
            }
        }
    }
}

/// All-zero bytes is the initial state, so a `static` queue lives in `.bss`.
struct Inner {
    queue: TimerQueue,
    /// Not yet allocated, a handle, or none available (then entries are woken at once:
    /// documented polling).
    alarm: Cell<AlarmState>,
    /// The deadline the alarm is armed for, plus one (wrapping); 0 if not armed. Read
    /// it with [`Inner::armed_at`].
    armed: Cell<u64>,
}

impl Inner {
    /// The deadline the alarm is armed for; `u64::MAX` if not armed (a deadline that
    /// is never reached, so never armed for).
    fn armed_at(&self) -> u64 {
        self.armed.get().wrapping_sub(1)
    }

    fn set_armed_at(&self, at: u64) {
        self.armed.set(at.wrapping_add(1));
    }
}

/// An intrusive queue of [`TimerEntry`]s driven by one alarm slot of the registered
/// driver. See the [module docs](self) for its guarantees.
///
/// The program's queue is the one the driver names
/// ([`Driver::fallback_queue`](super::driver::Driver::fallback_queue)): a shared one
/// by default, one per thread for the simulated driver. A driver that keeps a queue of
/// its own keeps it in a `static` (or leaks it): entries and the alarm point to it.
///
/// ```
/// use mote::time::fallback::FallbackQueue;
/// use mote::time::driver::Driver;
///
/// /// A driver with a queue of its own (the default would use the shared one).
/// struct MyDriver;
/// static MY_QUEUE: FallbackQueue = FallbackQueue::new();
/// # use mote::time::driver::{AlarmCallback, AlarmHandle};
/// impl Driver for MyDriver {
///     fn now(&self) -> u64 { 0 }
///     fn allocate_alarm(&self) -> Option<AlarmHandle> { None }
///     fn set_alarm(&self, _: AlarmHandle, _: u64, _: AlarmCallback) -> bool { false }
///     fn fallback_queue(&self) -> &'static FallbackQueue { &MY_QUEUE }
/// }
/// # let _ = MyDriver.fallback_queue();
/// ```
pub struct FallbackQueue {
    inner: Mutex<Inner>,
}

impl Default for FallbackQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for FallbackQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FallbackQueue").finish_non_exhaustive()
    }
}

impl FallbackQueue {
    /// An empty queue; it allocates its alarm slot on first use.
    pub const fn new() -> Self {
        FallbackQueue {
            inner: Mutex::new(Inner {
                queue: TimerQueue::new(),
                alarm: Cell::new(AlarmState::NOT_YET_ALLOCATED),
                armed: Cell::new(0),
            }),
        }
    }

    /// Links `entry` for `waker` at `at` (or moves it earlier), then makes sure the
    /// alarm covers it.
    fn link(&'static self, entry: Pin<&mut TimerEntry>, at: u64, waker: &Waker) {
        // SAFETY: nothing is moved out of the entry: only its `queue` field (a plain
        // pointer, not pinned) is written through this reference, and `slot`/`waker`
        // are used in place.
        let entry = unsafe { entry.get_unchecked_mut() };
        match entry.queue.get() {
            Some(q) if ptr::eq(q, self) => {}
            Some(old) => {
                // Polled from another clock's context (the simulated driver keeps one
                // queue per thread): leave the old queue first (Invariant 3).
                old.unlink(entry);
                entry.queue.set(self);
            }
            None => {
                // First link: nobody else can see the entry yet. Published before
                // `queue` is set (Entry Link Invariant 4).
                super::executor_timers::note_fallback_use();
                entry.waker.get_mut().write(None);
                entry.queue.set(self);
                // Every linked entry counts as polled: an entry without `POLLED` has
                // never been linked (what `DeadlineEntry::poll_state` relies on).
                entry.queue.0 = entry.queue.0.map_addr(|a| (a | POLLED) & !REACHED);
            }
        }
        let entry: &TimerEntry = entry;
        let node = entry.node_ptr();
        let (replaced, rearm) = critical_section::with(|cs| {
            let inner = self.inner.borrow(cs);
            // SAFETY: Entry Link Invariant 1: inside the critical section, and nobody
            // else holds a reference to the waker slot; initialised above (`queue` is
            // `Some`).
            let held = unsafe { (*entry.waker.get()).assume_init_mut() };
            let replaced = match held {
                Some(w) if w.will_wake(waker) => None,
                _ => {
                    // Cloned before the slot becomes a node: a `clone` that panics (user
                    // code; the caller may catch it) leaves the entry as it was, its
                    // deadline in the slot (Entry Link Invariant 5).
                    let clone = waker.clone();
                    if held.is_none() {
                        // SAFETY: not queued (Entry Link Invariant 5: no waker), so the
                        // slot is the owner's deadline (or uninitialised) and no queue
                        // refers to it; inside the critical section.
                        unsafe { init_node(entry) };
                    }
                    held.replace(clone)
                }
            };
            // SAFETY: Queue Access Invariant: serialised by the critical section; the
            // node stays alive and in place until removed (Entry Link Invariant 2) and
            // is only used with this queue (Invariant 3).
            let earliest = unsafe {
                inner.queue.schedule(node, at);
                inner.queue.next_deadline() == Some(at)
            };
            (replaced, earliest && at < inner.armed_at())
        });
        // Dropped outside the critical section: a waker's drop may run any code.
        drop(replaced);
        if rearm {
            self.process();
        }
    }

    /// Removes `entry` (if queued here) and releases its waker. The alarm may stay
    /// armed for the removed deadline: it then fires once for nothing and re-arms.
    /// A dropped entry reaches it through a table (Entry Link Invariant 4); the only
    /// other caller is `link`, moving an entry between queues (Invariant 5).
    pub(crate) fn unlink(&self, entry: &TimerEntry) {
        let node = entry.node_ptr();
        let waker = critical_section::with(|cs| {
            let inner = self.inner.borrow(cs);
            // SAFETY: Entry Link Invariant 1: inside the critical section; initialised,
            // since only an entry whose `queue` is `Some` is unlinked.
            let waker = unsafe { (*entry.waker.get()).assume_init_mut().take() };
            if waker.is_some() {
                // SAFETY: queued (it held a waker, Entry Link Invariant 5), so the slot
                // is its node; Queue Access Invariant: serialised; the node is alive
                // (its owner is unlinking it) and only used with this queue (Entry Link
                // Invariant 3). The slot is not written back: the entry is being
                // dropped, or `link` re-links it at once (Invariant 5).
                unsafe { inner.queue.remove(node) };
            }
            waker
        });
        drop(waker);
    }

    /// Wakes every due entry, one critical section each (the waker is woken outside it),
    /// until none is due and the alarm is armed for the earliest remaining deadline.
    fn process(&'static self) {
        /// Re-arms the alarm if a `wake` panics (user code; the caller may catch the
        /// panic): the entries still queued, due or not, must not be left without one.
        struct RearmOnUnwind(&'static FallbackQueue);
        impl Drop for RearmOnUnwind {
            fn drop(&mut self) {
                critical_section::with(|cs| self.0.rearm_after_unwind(cs));
            }
        }
        while let Some(waker) = critical_section::with(|cs| self.step(cs)) {
            let guard = RearmOnUnwind(self);
            waker.wake();
            core::mem::forget(guard);
        }
    }

    /// After a `wake` panicked in [`process`](Self::process): arms the alarm for the
    /// earliest entry, one tick from now at the earliest, so a due entry is woken by
    /// that alarm (from the driver's context) rather than during the unwinding.
    #[cold]
    fn rearm_after_unwind(&'static self, cs: CriticalSection<'_>) {
        let inner = self.inner.borrow(cs);
        // SAFETY: Queue Access Invariant: serialised by the critical section.
        let Some(next) = (unsafe { inner.queue.next_deadline() }) else {
            return;
        };
        let Some(handle) = inner.alarm.get().handle() else {
            return;
        };
        let at = next.max(driver::now().saturating_add(1));
        // SAFETY: as in `step`: `on_alarm` only calls `process` on `self`, `'static`.
        let callback =
            unsafe { AlarmCallback::new(Self::on_alarm, self as *const Self as *const ()) };
        if driver::set_alarm(handle, at, callback) {
            inner.set_armed_at(at);
        }
    }

    /// Inside the critical section: pops one due entry and returns its waker, or, when
    /// none is due, arms the alarm for the earliest deadline and returns `None`.
    fn step(&'static self, cs: CriticalSection<'_>) -> Option<Waker> {
        let inner = self.inner.borrow(cs);
        loop {
            // Without an alarm, everything queued is "due": wake it (polling fallback).
            let now = if inner.alarm.get().is_unavailable() {
                u64::MAX
            } else {
                driver::now()
            };
            // SAFETY: Queue Access Invariant: serialised by the critical section; every
            // queued node belongs to a live entry (Entry Link Invariant 2).
            if let Some(node) = unsafe { inner.queue.pop_due(now) } {
                let entry = node.cast::<TimerEntry>().as_ptr();
                // SAFETY: the node is the first field of a live `TimerEntry` (Entry Link
                // Invariant 2) and its pointer was derived from a pointer to the whole
                // entry (`node_ptr`); the slot and the waker are only touched inside a
                // critical section (Invariant 1); the waker is initialised (the entry
                // was linked); just popped, the node is unqueued and still tells its
                // deadline, which becomes the slot's content again (Invariant 5). No
                // reference to the entry is created.
                let waker = unsafe {
                    let at = node.as_ref().deadline();
                    store_at(entry, at);
                    (*UnsafeCell::raw_get(&raw const (*entry).waker))
                        .assume_init_mut()
                        .take()
                };
                match waker {
                    Some(w) => return Some(w),
                    None => continue,
                }
            }
            // SAFETY: as above.
            let next = unsafe { inner.queue.next_deadline() }?;
            if inner.armed_at() == next {
                return None;
            }
            let alarm = inner.alarm.get();
            if alarm.is_not_yet_allocated() {
                inner
                    .alarm
                    .set(AlarmState::from_allocation(driver::allocate_alarm()));
                continue;
            }
            // Unavailable cannot get here: then everything was due and popped above.
            let Some(handle) = alarm.handle() else {
                continue;
            };
            // SAFETY: `on_alarm` only calls `process` on `self`, which is `'static` (so
            // valid for the rest of the program) and synchronises through its
            // critical-section mutex, so it may run from any thread or interrupt.
            let callback =
                unsafe { AlarmCallback::new(Self::on_alarm, self as *const Self as *const ()) };
            if driver::set_alarm(handle, next, callback) {
                inner.set_armed_at(next);
                return None;
            }
            inner.set_armed_at(u64::MAX);
            if driver::now() < next {
                // Refused although not due: the driver cannot serve this slot (its
                // helper thread failed to start, or the handle is stale). Poll.
                inner.alarm.set(AlarmState::UNAVAILABLE);
            }
            // Otherwise the deadline passed meanwhile: pop it.
        }
    }

    fn on_alarm(ctx: *const ()) {
        // SAFETY: `ctx` was made from `&'static Self` in `step` (the only place that
        // builds this callback), so it points to a live `FallbackQueue`.
        let this: &'static Self = unsafe { &*(ctx as *const Self) };
        critical_section::with(|cs| this.inner.borrow(cs).set_armed_at(u64::MAX));
        this.process();
    }
}
