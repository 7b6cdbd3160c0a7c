//! [`ExecutorTimers`]: an executor's timer queue together with its one alarm slot —
//! the component an executor embeds to sleep on timers.
//!
//! Guarantees:
//! - All-zero bytes is a valid, empty `ExecutorTimers` (what [`ExecutorTimers::new`]
//!   builds), so an executor that embeds it can still be placed in `.bss`.
//! - Every access to the queue happens inside a critical section, so scheduling from
//!   any context (a task, an interrupt, another thread) is safe.
//! - One alarm slot per `ExecutorTimers`, allocated from the driver on first use and
//!   kept; it is armed for the earliest deadline only, however many timers are queued
//!   (invariant 6).
//! - **No timer, no driver.** The driver is reached only through a table of its entry
//!   points that [`schedule`](ExecutorTimers::schedule) installs; an executor whose tasks
//!   never sleep on a timer makes no driver call, so a program with the `time` feature
//!   but no timers links without registering a driver.
//! - No wake is lost: [`arm_alarm`](ExecutorTimers::arm_alarm) returns `false` when the
//!   earliest deadline has already been reached (the executor must pop again instead of
//!   sleeping). If the driver has no alarm slot left, `arm_alarm` returns `false`
//!   whenever timers are queued: the executor degrades to polling, documented, never
//!   silent.
//!
//! - **Time costs nothing until it is due.** An executor pass touches the clock and the
//!   queue only when [`take_due`](ExecutorTimers::take_due) says a deadline may have been
//!   reached (the alarm fired, or `arm_alarm` found the deadline passed); every other pass
//!   costs one flag load ([`has_work`](ExecutorTimers::has_work): the `DUE` and `REARM`
//!   flags share a byte). It re-arms only when a deadline earlier than the armed one was
//!   scheduled, or after popping ([`take_rearm`](ExecutorTimers::take_rearm)).
//!
//! How an executor uses it (one loop iteration; Mote's own executors check `has_work`
//! first, and clear the flags inside the critical sections they take anyway:
//! [`take_due_in_cs`](ExecutorTimers::take_due_in_cs) in the pop, `arm_alarm` for
//! `REARM`):
//!
//! ```text
//!   if timers.take_due():              // alarm fired / deadline found passed
//!       now = the deadline the alarm fired for (take_fired_in_cs), else timers.now()
//!       while let Some(node) = timers.pop_due(now): wake the task that owns `node`
//!   poll the run-queue batch
//!   if timers.take_rearm(): timers.arm_alarm(pend_me)   // new earliest, or after popping
//!   if the run queue is empty:
//!       (std: announce "parked" first, so an alarm firing from now on unparks us)
//!       if !timers.arm_alarm(pend_me):   continue   // deadline already passed (sets due)
//!       if timers.idle():                continue   // virtual time moved (sim driver)
//!       sleep until pended                           // WFI / park / return from IRQ
//! ```
//!
//! and, when a timer future registers (`schedule_wake` with a task waker):
//! `if timers.schedule(&raw const (*task).timer, at, busy) { pend the task's executor }` (a
//! pointer derived from the task pointer, so the task can be recovered from the popped
//! node), so a sleeping executor re-arms its alarm for the new, earlier deadline (and a
//! busy one re-arms after its batch).

use core::cell::Cell;
use core::ptr::NonNull;

use critical_section::Mutex;

use super::driver::{self, AlarmCallback, AlarmHandle};
use super::fallback::{FallbackQueue, TimerEntry};
use super::timer_queue::{TimerNode, TimerQueue};
use super::word_u64::WordU64;
use crate::loom::{AtomicPtr, AtomicU8, Ordering};

/// The driver entry points an executor needs. The only reference to this table (and so
/// to the driver's symbols) is in [`ExecutorTimers::schedule`].
struct DriverFns {
    now: fn() -> u64,
    allocate_alarm: fn() -> Option<AlarmHandle>,
    set_alarm: fn(AlarmHandle, u64, AlarmCallback) -> bool,
    idle: fn() -> bool,
}

static DRIVER_FNS: DriverFns = DriverFns {
    now: driver::now,
    allocate_alarm: driver::allocate_alarm,
    // The symbol itself, not `driver::set_alarm`, which LLVM links as a 20-byte thunk.
    set_alarm: driver::_mote_time_set_alarm,
    idle: driver::idle,
};

/// What the first link of a fallback entry makes reachable: the driver (for
/// [`ExecutorTimers::idle`]) and the fallback queue's unlink (for a dropped entry).
pub(crate) struct FallbackFns {
    driver: &'static DriverFns,
    /// `FallbackQueue::unlink`: see [`fallback_fns`].
    pub(crate) unlink: fn(&FallbackQueue, &TimerEntry),
}

static FALLBACK_FNS: FallbackFns = FallbackFns {
    driver: &DRIVER_FNS,
    unlink: FallbackQueue::unlink,
};

/// Null until a fallback queue first links an entry; then `&FALLBACK_FNS`. Lets an
/// executor whose own queue never held a timer still offer its idle moment to the
/// driver ([`ExecutorTimers::idle`]) without referring to the driver itself, and is a
/// dropped [`TimerEntry`]'s only way to the unlink code ([`fallback_fns`]).
static FALLBACK: AtomicPtr<FallbackFns> = AtomicPtr::new(core::ptr::null_mut());

/// Called by a fallback queue on the first link of an entry (which already needs the
/// driver), before that entry reads as linked.
pub(crate) fn note_fallback_use() {
    // `black_box`: seeing the one value ever stored, LLVM would otherwise read the table
    // at compile time in `TimerEntry`'s drop, call the unlink code directly, and keep it
    // in every image; through the pointer, an image in which no entry is ever linked
    // (this function is not in it) holds neither the table nor the unlink code (126
    // bytes of the two-LED blinky, thumbv7m, opt-level "s").
    let fns = core::hint::black_box(&FALLBACK_FNS as *const FallbackFns as *mut FallbackFns);
    FALLBACK.store(fns, Ordering::Release);
}

/// `None` until [`note_fallback_use`] ran; always `Some` once any entry was linked
/// (the store is ordered before the entry's link by `Release`/`Acquire`, on this
/// thread or through whatever handed the entry over).
pub(crate) fn fallback_fns() -> Option<&'static FallbackFns> {
    let p = FALLBACK.load(Ordering::Acquire);
    // SAFETY: the pointer is null or `&FALLBACK_FNS`, a `'static` immutable table.
    unsafe { p.cast_const().as_ref() }
}

fn fallback_driver() -> Option<&'static DriverFns> {
    fallback_fns().map(|f| f.driver)
}

/// A timer queue plus the alarm slot that wakes its executor. See the
/// [module docs](self) for the executor loop that drives it.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::driver::AlarmCallback;
/// use mote::time::executor_timers::ExecutorTimers;
/// use mote::time::timer_queue::TimerNode;
/// use mote::time::{drivers::sim, Duration};
///
/// static TIMERS: ExecutorTimers = ExecutorTimers::new();
/// static NODE: TimerNode = TimerNode::new();
/// fn pend(_: *const ()) {}
/// // SAFETY: `pend` does nothing, from any context.
/// let cb = unsafe { AlarmCallback::new(pend, core::ptr::null()) };
///
/// // SAFETY: NODE is a 'static and only used with TIMERS.
/// assert!(unsafe { TIMERS.schedule(core::ptr::NonNull::from(&NODE), 100, || false) }); // new earliest
/// assert!(TIMERS.arm_alarm(cb)); // armed for tick 100
/// assert_eq!(sim::next_alarm().map(|t| t.as_ticks()), Some(100));
/// sim::advance(Duration::from_ticks(100));
/// assert!(TIMERS.pop_due(100).is_some());
/// ```
pub struct ExecutorTimers {
    queue: Mutex<TimerQueue>,
    /// The deadline the alarm is armed for, plus one ([`armed_value`]); 0 when not armed
    /// (all-zero initial state). Lets `arm_alarm` skip the driver when nothing changed,
    /// and `schedule` tell whether a new deadline needs a re-arm at all. Once the alarm
    /// fired ([`FIRED`] in `work`), that deadline has been reached, so the executor pops
    /// up to it without reading the clock ([`take_fired_in_cs`](Self::take_fired_in_cs)).
    /// Two words ([`WordU64`]): a `u64` would make the executor 8-byte aligned and pad
    /// the Cortex-M `Executor` by 8 bytes.
    armed: Mutex<WordU64>,
    /// Null until the first `schedule`; then `&DRIVER_FNS` (immutable, `'static`).
    driver: AtomicPtr<DriverFns>,
    /// The alarm slot ([`slot_field`]): 0 until `arm_alarm` first needs one, then the
    /// driver's answer, kept. 16 bits: with the flag byte it fills the word that the
    /// flag byte alone would pad (20 bytes in all on 32-bit targets, not 24).
    slot: Mutex<Cell<u16>>,
    /// The executor's timer work, as flag bits, so that a pass with none costs one load
    /// ([`has_work`](Self::has_work)): [`DUE`] when a deadline may have been reached (the
    /// alarm fired, or `arm_alarm` found the earliest deadline passed or had no alarm):
    /// the executor pops due timers on its next pass, and only then
    /// ([`take_due`](Self::take_due)); [`REARM`] when `schedule` made a deadline earlier
    /// than the armed one, or timers were popped: the executor re-arms
    /// ([`take_rearm`](Self::take_rearm)), so timers fire on time even on an executor
    /// that never goes idle; [`FIRED`] when the alarm fired for the deadline in `armed`
    /// (set with `DUE` by the alarm callback; cleared with it when the pop takes that
    /// deadline, or when `arm_alarm` programs the driver again).
    ///
    /// Written only inside critical sections, so no bit set by one context is lost to
    /// another's update; read without.
    work: AtomicU8,
}

/// A value of the work flags ([`ExecutorTimers::work_flags`]).
#[derive(Clone, Copy)]
pub(crate) struct WorkFlags(u8);

impl WorkFlags {
    /// [`ExecutorTimers::has_work`] of this value.
    #[inline]
    pub(crate) fn has_work(self) -> bool {
        // `FIRED` is set only with `DUE`, and cleared with it by the pop (alone only
        // between the public `take_due` and `take_fired_in_cs`).
        self.0 != 0
    }

    /// [`ExecutorTimers::is_due`] of this value.
    #[inline]
    pub(crate) fn is_due(self) -> bool {
        self.0 & DUE != 0
    }
}

/// [`ExecutorTimers::work`]: a deadline may have been reached.
const DUE: u8 = 1;
/// [`ExecutorTimers::work`]: the alarm must be armed again.
const REARM: u8 = 2;
/// [`ExecutorTimers::work`]: the alarm fired for the deadline in `armed` (with `DUE`).
const FIRED: u8 = 4;
/// [`ExecutorTimers::slot`] when the driver had no alarm slot for this executor.
const SLOT_NONE: u16 = u16::MAX;

/// The value of [`ExecutorTimers::slot`] after asking the driver for a slot: the index
/// plus one (0 stays "not yet allocated"), or [`SLOT_NONE`], also for an index that
/// does not fit (65 534 and up, which only a host driver hands out, to that many
/// executors: that executor then polls its timers, as when the driver has no slot).
fn slot_field(handle: Option<AlarmHandle>) -> u16 {
    match handle {
        // `index + 1 < SLOT_NONE`: the cast is lossless.
        Some(h) if h.index() < u32::from(SLOT_NONE) - 1 => h.index() as u16 + 1,
        _ => SLOT_NONE,
    }
}

/// The alarm slot a [`ExecutorTimers::slot`] value holds, if one was allocated (not 0,
/// not [`SLOT_NONE`]).
fn slot_handle(field: u16) -> Option<AlarmHandle> {
    let index = u32::from(field).wrapping_sub(1);
    (index < u32::from(SLOT_NONE) - 1).then(|| AlarmHandle::new(index))
}

impl Default for ExecutorTimers {
    fn default() -> Self {
        Self::new()
    }
}

impl ExecutorTimers {
    /// No timers; the alarm slot is allocated on first [`arm_alarm`](Self::arm_alarm).
    pub const fn new() -> Self {
        ExecutorTimers {
            queue: Mutex::new(TimerQueue::new()),
            armed: Mutex::new(WordU64::new(0)),
            driver: AtomicPtr::new(core::ptr::null_mut()),
            slot: Mutex::new(Cell::new(0)),
            work: AtomicU8::new(0),
        }
    }

    /// `Relaxed`, here and in the store in `schedule_in_cs`: the pointer carries no data
    /// to synchronise (it is null or a compile-time constant table), and the readers
    /// that need it set (the pops and `arm_alarm`, which find a queued node) read it in
    /// a critical section that follows the one that stored it.
    fn driver(&self) -> Option<&'static DriverFns> {
        let p = self.driver.load(Ordering::Relaxed);
        // SAFETY: the pointer is null or `&DRIVER_FNS`, a `'static` immutable table.
        unsafe { p.cast_const().as_ref() }
    }

    /// The driver clock, or `None` if no timer was ever scheduled here (then there is
    /// nothing to pop and no driver needs to exist).
    pub fn now(&self) -> Option<u64> {
        self.driver().map(|d| (d.now)())
    }

    /// Lets the driver use the executor's idle moment ([`driver::idle`]); `false`
    /// (sleep) if no timer was ever scheduled, here or in a fallback queue. (A task
    /// whose timers all go to the fallback queue, e.g. inside a `FuturesUnordered`,
    /// still lets the simulated driver move time when its executor idles.)
    pub fn idle(&self) -> bool {
        self.driver()
            .or_else(fallback_driver)
            .is_some_and(|d| (d.idle)())
    }

    /// Makes sure `node` fires no later than `at` ([`TimerQueue::schedule`]; the pointer
    /// [`pop_due`](Self::pop_due) returns is this one, with its provenance). Returns
    /// `true` if the owning executor must be pended to re-arm its alarm: `at` is now the
    /// earliest deadline, earlier than what the alarm is armed for (or it is not armed),
    /// and `busy()` — evaluated in the same critical section — says the executor will
    /// not re-arm by itself (the executor passes "called from my own context", i.e. from
    /// a poll of my batch, after which I re-arm). O(1).
    ///
    /// # Safety
    ///
    /// `node` stays alive and at the same address while queued (task headers are
    /// `'static`), and is only ever used with this `ExecutorTimers`.
    pub unsafe fn schedule(
        &self,
        node: NonNull<TimerNode>,
        at: u64,
        busy: impl FnOnce() -> bool,
    ) -> bool {
        // SAFETY: forwarded contract.
        critical_section::with(|cs| unsafe { self.schedule_in_cs(cs, node, at, busy) })
    }

    /// [`schedule`](Self::schedule) inside a critical section the caller holds (the
    /// executor checks, in the same section, that the node's task is alive).
    ///
    /// # Safety
    ///
    /// As for [`schedule`](Self::schedule).
    pub unsafe fn schedule_in_cs(
        &self,
        cs: critical_section::CriticalSection<'_>,
        node: NonNull<TimerNode>,
        at: u64,
        busy: impl FnOnce() -> bool,
    ) -> bool {
        // Before the node is queued: whoever sees the node (under the critical section,
        // which orders this store before it) also sees the driver table.
        self.driver.store(
            &DRIVER_FNS as *const DriverFns as *mut DriverFns,
            Ordering::Relaxed,
        );
        let q = self.queue.borrow(cs);
        // SAFETY: access is serialised by the critical section; node liveness and
        // single-queue use are this function's contract (Queue Access Invariant).
        let earliest = unsafe { q.schedule(node, at) };
        // Armed for later, or not armed (0, which wraps to `u64::MAX`: later than any
        // deadline that can come). An alarm that fired and was not popped yet has set
        // `DUE`, whose pop asks for a re-arm anyway.
        let earlier_than_armed = at < self.armed.borrow(cs).get().wrapping_sub(1);
        if earliest && earlier_than_armed {
            self.add_work_in_cs(cs, REARM);
            !busy()
        } else {
            false
        }
    }

    /// `true` if the executor has timer work: a deadline may have been reached, or the
    /// alarm must be armed again (one load). Only then does it call
    /// [`take_due`](Self::take_due) and [`take_rearm`](Self::take_rearm).
    #[inline]
    pub fn has_work(&self) -> bool {
        self.work_flags().has_work()
    }

    /// The work flags, as one load (the executor tests [`has_work`](Self::has_work) and
    /// [`is_due`](Self::is_due) on the same value).
    #[inline]
    pub(crate) fn work_flags(&self) -> WorkFlags {
        WorkFlags(self.work.load(Ordering::Relaxed))
    }

    /// `true` (once) if a deadline may have been reached since the last call: the
    /// executor then pops due timers ([`pop_due`](Self::pop_due)); otherwise it need not
    /// read the clock at all. Only the owning executor calls it. A `true` also requests a
    /// re-arm ([`take_rearm`](Self::take_rearm)) for the deadline after the popped ones.
    /// A load, and a critical section only when set (an executor that pops in a critical
    /// section anyway checks [`is_due`](Self::is_due) and clears the flag in it with
    /// [`take_due_in_cs`](Self::take_due_in_cs)).
    #[inline]
    pub fn take_due(&self) -> bool {
        self.is_due() && critical_section::with(|cs| self.take_due_in_cs(cs))
    }

    /// [`take_due`](Self::take_due) inside a critical section the caller holds.
    #[inline]
    pub fn take_due_in_cs(&self, cs: critical_section::CriticalSection<'_>) -> bool {
        let w = self.work.load(Ordering::Relaxed);
        self.set_work_in_cs(cs, (w & !DUE) | REARM);
        w & DUE != 0
    }

    /// `true` if a deadline may have been reached and [`take_due`](Self::take_due) has not
    /// reported it yet (a load; the flag stays set).
    #[inline]
    pub fn is_due(&self) -> bool {
        self.work_flags().is_due()
    }

    /// `true` if a re-arm has been asked for (a load; the flag stays set until
    /// [`arm_alarm`](Self::arm_alarm) or [`take_rearm`](Self::take_rearm)).
    #[inline]
    pub fn wants_rearm(&self) -> bool {
        self.work.load(Ordering::Relaxed) & REARM != 0
    }

    /// `true` (once) if a new earliest deadline was scheduled, or timers were popped,
    /// since the last call: the executor then calls [`arm_alarm`](Self::arm_alarm) (which
    /// clears the request itself: an executor that arms anyway checks
    /// [`wants_rearm`](Self::wants_rearm) instead). Only the owning executor calls it. A
    /// load, and a critical section only when set.
    #[inline]
    pub fn take_rearm(&self) -> bool {
        self.wants_rearm()
            && critical_section::with(|cs| {
                let w = self.work.load(Ordering::Relaxed);
                self.set_work_in_cs(cs, w & !REARM);
                w & REARM != 0
            })
    }

    /// Stores `work`, inside a critical section: every write of `work` holds one, so no
    /// bit one context sets is lost to another's update.
    #[inline]
    fn set_work_in_cs(&self, _cs: critical_section::CriticalSection<'_>, work: u8) {
        self.work.store(work, Ordering::Relaxed);
    }

    /// Sets `bits` of `work`, inside a critical section.
    #[inline]
    fn add_work_in_cs(&self, cs: critical_section::CriticalSection<'_>, bits: u8) {
        let w = self.work.load(Ordering::Relaxed);
        self.set_work_in_cs(cs, w | bits);
    }

    /// Records that the alarm fired (call it from the alarm callback): the next
    /// [`arm_alarm`](Self::arm_alarm) must program the driver again.
    pub fn alarm_fired(&self) {
        // `armed` keeps the deadline it fired for (reached, per the driver contract).
        critical_section::with(|cs| self.add_work_in_cs(cs, DUE | FIRED));
    }

    /// Inside a critical section, before popping: the deadline the alarm was armed for
    /// if it has fired since (a driver never fires early, so the clock has reached it),
    /// now forgotten; `None` otherwise (then read the clock). Popping up to that deadline
    /// instead of the clock saves a clock reading per alarm; a timer due meanwhile but
    /// later than it is found by the re-arm (`arm_alarm` reports it passed).
    ///
    /// Exact when the driver's callback belongs to the arming recorded last, as on one
    /// core where the driver calls back from its interrupt (MPS2, SysTick) or from the
    /// thread that arms (simulated driver). A driver that calls back from a thread of its
    /// own (std) can run a callback of an earlier arming just after a re-arm for a later
    /// deadline: the pop is then bounded by a deadline not reached yet, and its tasks get
    /// a spurious wake. That is all: timer futures re-check the clock when polled and
    /// register again, as for any spurious wake.
    pub fn take_fired_in_cs(&self, cs: critical_section::CriticalSection<'_>) -> Option<u64> {
        let w = self.work.load(Ordering::Relaxed);
        self.set_work_in_cs(cs, w & !FIRED);
        self.fired_bound_in_cs(cs, w)
    }

    /// [`take_due_in_cs`](Self::take_due_in_cs) and then
    /// [`take_fired_in_cs`](Self::take_fired_in_cs), with one update of the flags: what
    /// the executor does in the critical section of its pops.
    pub(crate) fn take_due_and_fired_in_cs(
        &self,
        cs: critical_section::CriticalSection<'_>,
    ) -> Option<u64> {
        let w = self.work.load(Ordering::Relaxed);
        self.set_work_in_cs(cs, (w & !(DUE | FIRED)) | REARM);
        self.fired_bound_in_cs(cs, w)
    }

    /// The deadline the alarm fired for, now forgotten, if `w` (the flags just cleared)
    /// says it fired while armed; `None` otherwise (armed 0: it fired while not known to
    /// be armed, no deadline to trust).
    #[inline]
    fn fired_bound_in_cs(&self, cs: critical_section::CriticalSection<'_>, w: u8) -> Option<u64> {
        let armed = self.armed.borrow(cs);
        let v = armed.get();
        if w & FIRED == 0 || v == 0 {
            return None;
        }
        armed.set(0);
        Some(v - 1)
    }

    /// Unlinks `node` if queued (e.g. when its task finishes). O(log n) amortized.
    ///
    /// # Safety
    ///
    /// As for [`schedule`](Self::schedule).
    pub unsafe fn remove(&self, node: NonNull<TimerNode>) {
        // SAFETY: forwarded contract.
        critical_section::with(|cs| unsafe { self.remove_in_cs(cs, node) })
    }

    /// [`remove`](Self::remove) inside a critical section the caller holds.
    ///
    /// # Safety
    ///
    /// As for [`schedule`](Self::schedule).
    pub unsafe fn remove_in_cs(
        &self,
        cs: critical_section::CriticalSection<'_>,
        node: NonNull<TimerNode>,
    ) {
        // SAFETY: serialised by the critical section; liveness by the contract.
        unsafe { self.queue.borrow(cs).remove(node) }
    }

    /// Removes and returns one node due at `now` (earliest first). O(log n) amortized.
    pub fn pop_due(&self, now: u64) -> Option<NonNull<TimerNode>> {
        critical_section::with(|cs| {
            // SAFETY: serialised by the critical section; every queued node was
            // queued through `schedule`, whose contract keeps it alive.
            unsafe { self.queue.borrow(cs).pop_due(now) }
        })
    }

    /// [`pop_due`](Self::pop_due) inside a critical section the caller holds (the
    /// executor updates the popped task's state in the same section).
    pub fn pop_due_in_cs(
        &self,
        cs: critical_section::CriticalSection<'_>,
        now: u64,
    ) -> Option<NonNull<TimerNode>> {
        // SAFETY: serialised by the critical section; every queued node was queued
        // through `schedule`, whose contract keeps it alive.
        unsafe { self.queue.borrow(cs).pop_due(now) }
    }

    /// The earliest queued deadline. O(1).
    pub fn next_deadline(&self) -> Option<u64> {
        critical_section::with(|cs| {
            // SAFETY: as in `pop_due`.
            unsafe { self.queue.borrow(cs).next_deadline() }
        })
    }

    /// Arms this executor's alarm for the earliest deadline, to call `callback` (which
    /// should pend the executor). Returns `true` if the executor may sleep: the alarm
    /// is armed, or no timer is queued. Returns `false` if the earliest deadline has
    /// already been reached (pop due timers again first), or if the driver had no
    /// alarm slot for this executor (then it must poll its timers).
    pub fn arm_alarm(&self, callback: AlarmCallback) -> bool {
        critical_section::with(|cs| {
            let w = self.work.load(Ordering::Relaxed);
            let (may_sleep, w) = self.arm_alarm_in_cs(cs, w, callback);
            self.set_work_in_cs(cs, w);
            may_sleep
        })
    }

    /// [`arm_alarm`](Self::arm_alarm) with `w` the `work` word: whether the executor may
    /// sleep, and the word to store (one store, which also answers the re-arm request).
    #[inline]
    fn arm_alarm_in_cs(
        &self,
        cs: critical_section::CriticalSection<'_>,
        w: u8,
        callback: AlarmCallback,
    ) -> (bool, u8) {
        // The request is answered here (whatever the outcome).
        let w = w & !REARM;
        // SAFETY: as in `pop_due`.
        let Some(at) = (unsafe { self.queue.borrow(cs).next_deadline() }) else {
            return (true, w);
        };
        // Already armed for exactly this deadline and not fired since: nothing to do.
        // (Also for `at == u64::MAX` and an alarm not armed, value 0: never due.)
        let armed = self.armed.borrow(cs);
        let value = armed_value(at);
        if w & FIRED == 0 && armed.get() == value {
            return (true, w);
        }
        // Recorded before the driver call, so that no 64-bit value is kept across it
        // (nothing reads it before this critical section ends; undone below on failure).
        armed.set(value);
        // A queued node implies `schedule` ran, which installed the table first; without
        // it (not reachable) the executor polls, as with no alarm slot.
        let ok = match self.driver() {
            Some(drv) => {
                let slot = self.slot.borrow(cs);
                if slot.get() == 0 {
                    slot.set(slot_field((drv.allocate_alarm)()));
                }
                match slot_handle(slot.get()) {
                    Some(h) => (drv.set_alarm)(h, at, callback),
                    None => false,
                }
            }
            None => false,
        };
        // The alarm now stands for `at` (or for nothing): a firing seen before is not
        // trusted as a bound any more (`FIRED` cleared).
        if ok {
            (true, w & !FIRED)
        } else {
            armed.set(0);
            (false, (w & !FIRED) | DUE)
        }
    }
}

/// The value of [`ExecutorTimers::armed`] for an alarm armed at `at`: `at + 1`, wrapping
/// to 0 ("not known to be armed") for `u64::MAX`, which no clock reaches (then
/// `schedule` asks for a re-arm that was not needed, and a firing gives no bound).
fn armed_value(at: u64) -> u64 {
    at.wrapping_add(1)
}
