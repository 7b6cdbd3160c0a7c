//! Mote tasks under an embassy HAL's timer queue (feature `embassy-executor-timer-queue`):
//! Mote implements the [`embassy_executor_timer_queue`] contract, the seam through which
//! a time driver with an **integrated timer queue** (`embassy-time-queue-utils` 0.3
//! without a `generic-queue-*` feature, as embassy-nrf, embassy-rp and embassy-stm32 use
//! it) stores a sleeping task's deadline and waker in memory the executor lends, one
//! item per task, found from the task's waker.
//!
//! Mote defines the symbol `__embassy_time_queue_item_from_waker` that
//! `TimerQueueItem::from_embassy_waker` calls (and, as embassy-executor 0.10 does, the
//! fallible `__try_embassy_time_queue_item_from_waker`, which answers `None` for case 3
//! below and wakes nothing). For a waker it returns:
//!
//! 1. a **Mote task waker** (a task of a static pool, the only kind `#[mote::task]`
//!    makes): the item in that task's header. O(1), no lock, no capacity.
//! 2. with feature `time-driver-embassy`, the waker of one of Mote's own alarm slots
//!    (`time::drivers::embassy`): that slot's item.
//! 3. **any other waker** (a foreign executor, `block_on`, the per-future wakers of a
//!    `FuturesUnordered`, a heap task of feature `alloc`, whose header may be freed while
//!    the queue still points to it): one shared spare item, and the waker is **woken at
//!    once**. The queue links the spare item the first time (it then fires for that
//!    waker at its deadline) and, while it is linked, keeps its waker and only moves its
//!    deadline earlier, so a second foreign waker would not be stored: the immediate
//!    wake makes its future poll again, find its deadline not reached and register
//!    again. A foreign-waker embassy timer therefore **degrades to polling** until its
//!    deadline (its executor does not sleep meanwhile), and never misses it. Embassy's
//!    own executor panics here instead. To time foreign wakers without polling, enable
//!    embassy-time's `generic-queue-N` feature (a queue with its own fixed capacity that
//!    takes any waker; the per-task items are then unused).
//!
//! Who touches an item: only the embassy queue that asked for it, under that queue's
//! lock (the HAL driver's critical-section mutex); the crate's contract makes the caller
//! responsible for creating no second `&mut` to an item while one is in use. Mote never
//! reads or writes it: a task's item starts all-zero (pools are zeroed, which the crate
//! requires to be a valid "not queued" item) and is **not** reset when the task finishes
//! or its slot is spawned again. An item still queued when its task finishes stays
//! queued, holding a waker of the slot: when it fires, that stale waker causes at most a
//! spurious poll of the slot's next occupant, as for any stale Mote waker; a new
//! occupant that registers meanwhile finds the item queued and moves its deadline
//! earlier if needed, which the queue handles as one task's re-registration.
//!
//! ```text
//!   embassy_time::Timer ─► HAL driver schedule_wake(at, waker) ─► Queue::schedule_wake
//!        ─► TimerQueueItem::from_embassy_waker(waker) ─► __embassy_time_queue_item_from_waker
//!             Mote task waker?    ── yes ─► &mut header.embassy_item   (per task)
//!             Mote alarm waker?   ── yes ─► &mut its slot's item       (time-driver-embassy)
//!             otherwise           ────────► &mut SPARE, and waker.wake_by_ref() (polls)
//! ```
//!
//! Costs: the item's size is chosen by the queue crate that enables a
//! `timer-item-size-N-words` feature (`embassy-time-queue-utils` enables 6 words: 24
//! bytes, aligned to 8, on a 32-bit target), in every task header only when this feature
//! is on; plus one spare item. Measured on thumbv7em (`size_of` of the header): 36 bytes
//! with `time`, 64 with `time` and the 6-word item (the item and 4 bytes of alignment
//! padding); 16 without `time`, 40 with the item. Zero bytes and no symbol when the
//! feature is off.
//!
//! Miri (Stacked Borrows) reports undefined behaviour inside the queue crates, not in
//! Mote: `TimerQueueItem::as_mut` (embassy-executor-timer-queue 0.1.0) writes through a
//! pointer derived from `&self` over plain data, which every executor's item hits alike.
//! So the host tests of this module run natively, not under Miri.
//!
//! The symbol is defined once per program: a program that links embassy-executor too
//! fails to link with "symbol multiply defined"; use one executor's feature.
//!
//! ```
//! use core::task::{Context, Poll};
//! use embassy_executor_timer_queue::TimerQueueItem;
//! use futures_test::task::new_count_waker;
//! use mote as _; // links the symbol (a program that runs Mote tasks links it anyway)
//!
//! // A waker that is not a Mote task's gets the spare item and is woken at once, so a
//! // timer polled with it polls again instead of waiting on a wake that cannot come.
//! let (waker, wakes) = new_count_waker();
//! // SAFETY: no other reference to the item is alive.
//! let _item: &mut TimerQueueItem = unsafe { TimerQueueItem::from_embassy_waker(&waker) };
//! assert_eq!(wakes.get(), 1);
//! ```

use core::cell::UnsafeCell;
use core::task::Waker;

use embassy_executor_timer_queue::TimerQueueItem;

/// The item a task header lends to an embassy timer queue.
#[repr(transparent)]
pub(crate) struct TaskQueueItem(UnsafeCell<TimerQueueItem>);

impl TaskQueueItem {
    /// An all-zero item ("not queued"), as found in zeroed pool storage.
    #[allow(dead_code)] // headers are zeroed storage; tests build headers with this
    pub(crate) const fn new() -> Self {
        TaskQueueItem(UnsafeCell::new(TimerQueueItem::new()))
    }

    /// The item, for the queue that asked for it (see the module docs for who may use it).
    pub(crate) fn get(&self) -> *mut TimerQueueItem {
        self.0.get()
    }
}

/// The spare item of every waker that has no item of its own (module docs, case 3).
struct Spare(UnsafeCell<TimerQueueItem>);

// SAFETY: the item is only used through the `&mut` that
// `__embassy_time_queue_item_from_waker` returns, by an embassy timer queue under its
// own lock (the crate's contract: no two `&mut` to one item in use at once); Mote never
// touches it.
unsafe impl Sync for Spare {}

static SPARE: Spare = Spare(UnsafeCell::new(TimerQueueItem::new()));

/// The item of `waker` if it has one of its own (module docs, cases 1 and 2).
fn own_item(waker: &Waker) -> Option<*mut TimerQueueItem> {
    if let Some(task) = super::task_from_waker(waker) {
        return Some(task.header().embassy_item.get());
    }
    #[cfg(feature = "time-driver-embassy")]
    if let Some(item) = crate::time::drivers::embassy::alarm_item(waker) {
        return Some(item);
    }
    None
}

/// The item for `waker` (module docs); wakes `waker` now if it has none of its own.
fn item_for(waker: &Waker) -> *mut TimerQueueItem {
    own_item(waker).unwrap_or_else(|| {
        waker.wake_by_ref();
        SPARE.0.get()
    })
}

/// The `embassy-executor-timer-queue` entry point: the queue item of `waker` (module
/// docs). Called through `TimerQueueItem::from_embassy_waker`, never by name.
///
/// # Safety
///
/// The caller (an embassy timer queue, under its lock) creates no second `&mut` to the
/// returned item while this one is in use.
#[unsafe(no_mangle)]
unsafe fn __embassy_time_queue_item_from_waker(waker: &Waker) -> &'static mut TimerQueueItem {
    // SAFETY: `item_for` returns an item inside a `'static` task header (Header Valid
    // Invariant: static pools only, heap tasks take the spare), a `'static` alarm slot or
    // the `'static` spare, each in an `UnsafeCell` that Mote never accesses; exclusivity
    // is the caller's contract above.
    unsafe { &mut *item_for(waker) }
}

/// The fallible form embassy-executor 0.10 also exports (for queues that handle foreign
/// wakers themselves): the item of a Mote task or alarm waker, `None` for any other
/// waker, which is then neither woken nor given the spare item.
///
/// # Safety
///
/// As for `__embassy_time_queue_item_from_waker`.
#[unsafe(no_mangle)]
unsafe fn __try_embassy_time_queue_item_from_waker(
    waker: &Waker,
) -> Option<&'static mut TimerQueueItem> {
    // SAFETY: as in `__embassy_time_queue_item_from_waker`.
    own_item(waker).map(|item| unsafe { &mut *item })
}
