//! [`AlarmSlots`]: the bookkeeping a driver with one hardware comparator needs to offer
//! several alarm slots (one per executor).
//!
//! Guarantees: a slot is handed out once ([`AlarmSlots::allocate`]); an armed slot is
//! reported by [`AlarmSlots::next_deadline`] until [`AlarmSlots::take_earliest_due`]
//! removes it, which happens exactly once per arming, earliest deadline first.
//!
//! It is plain data with interior mutability and no locking: the driver wraps it in
//! its own lock (`critical_section::Mutex`, `std::sync::Mutex`, or a thread-local) and
//! calls the callbacks it takes **after** releasing that lock, since a callback may
//! re-arm a slot.
//!
//! Costs: every operation is a linear pass over the slots allocated so far (at most `N`,
//! the number of executors plus one, a handful; one per executor that actually uses
//! timers, so typically one or two).
//!
//! The host drivers (feature `std`) use `AlarmSet` instead (crate-private): the same
//! operations on a growable set, so they never run out of slots however many executors
//! a process creates (std executors are leaked and keep their slot for ever; a test
//! binary creates one per test). Its costs: `allocate` O(1) amortized, `arm`/`disarm`/
//! `take_earliest_due` O(log a), `next_deadline` O(log a), for `a` armed slots; 24 bytes
//! of heap per slot plus a B-tree entry per armed one.

use core::cell::Cell;

use super::driver::{AlarmCallback, AlarmHandle};

#[derive(Clone, Copy)]
struct Slot {
    at: u64,
    callback: Option<AlarmCallback>,
}

impl Slot {
    const IDLE: Slot = Slot {
        at: u64::MAX,
        callback: None,
    };
}

/// `N` alarm slots (`N <= 255`) multiplexed onto one hardware alarm.
///
/// ```
/// use mote::time::driver::{AlarmCallback, AlarmSlots};
///
/// fn noop(_: *const ()) {}
/// // SAFETY: `noop` ignores its context and is callable from anywhere.
/// let cb = unsafe { AlarmCallback::new(noop, core::ptr::null()) };
/// let slots: AlarmSlots<2> = AlarmSlots::new();
/// let a = slots.allocate().unwrap();
/// let b = slots.allocate().unwrap();
/// assert!(slots.allocate().is_none()); // full
/// slots.arm(a, 30, cb);
/// slots.arm(b, 20, cb);
/// assert_eq!(slots.next_deadline(), Some(20)); // program the comparator with this
/// assert_eq!(slots.take_earliest_due(25).map(|(at, _)| at), Some(20));
/// assert!(slots.take_earliest_due(25).is_none()); // slot a (30) not due yet
/// ```
pub struct AlarmSlots<const N: usize> {
    slots: [Cell<Slot>; N],
    allocated: Cell<u8>,
}

impl<const N: usize> Default for AlarmSlots<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> AlarmSlots<N> {
    const CAPACITY_OK: () = assert!(N <= 255, "AlarmSlots supports at most 255 slots");

    /// All slots free.
    pub const fn new() -> Self {
        let () = Self::CAPACITY_OK;
        AlarmSlots {
            slots: [const { Cell::new(Slot::IDLE) }; N],
            allocated: Cell::new(0),
        }
    }

    /// Takes the next free slot, or `None` when all `N` are taken.
    pub fn allocate(&self) -> Option<AlarmHandle> {
        let n = self.allocated.get();
        if usize::from(n) >= N {
            return None;
        }
        self.allocated.set(n + 1);
        Some(AlarmHandle::new(u32::from(n)))
    }

    fn slot(&self, alarm: AlarmHandle) -> Option<&Cell<Slot>> {
        if alarm.index() < u32::from(self.allocated.get()) {
            // `index < allocated <= 255`: the cast is lossless.
            self.slots.get(alarm.index() as usize)
        } else {
            None
        }
    }

    /// Arms `alarm` for `at`, replacing its previous deadline and callback (`u64::MAX`
    /// disarms). Returns `false`, changing nothing, if `alarm` was not allocated here.
    /// Does not look at the clock: the driver checks `at` against `now` itself.
    pub fn arm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        match self.slot(alarm) {
            Some(slot) => {
                let callback = if at == u64::MAX { None } else { Some(callback) };
                slot.set(Slot { at, callback });
                true
            }
            None => false,
        }
    }

    /// Disarms `alarm` (no effect on a handle not allocated here).
    pub fn disarm(&self, alarm: AlarmHandle) {
        if let Some(slot) = self.slot(alarm) {
            slot.set(Slot::IDLE);
        }
    }

    /// The slots handed out so far: the others are never armed, so passes skip them.
    #[inline]
    fn in_use(&self) -> &[Cell<Slot>] {
        let n = usize::from(self.allocated.get()).min(N);
        &self.slots[..n]
    }

    /// The earliest armed deadline: what the hardware comparator should hold.
    pub fn next_deadline(&self) -> Option<u64> {
        self.in_use()
            .iter()
            .filter_map(|s| {
                let s = s.get();
                s.callback.map(|_| s.at)
            })
            .min()
    }

    /// Disarms and returns the armed slot with the earliest deadline `<= now`, if any.
    /// Call it in a loop (releasing the lock around each callback) until `None`.
    pub fn take_earliest_due(&self, now: u64) -> Option<(u64, AlarmCallback)> {
        let mut best: Option<(&Cell<Slot>, u64, AlarmCallback)> = None;
        for cell in self.in_use() {
            let s = cell.get();
            if let Some(cb) = s.callback {
                if s.at <= now && best.is_none_or(|(_, at, _)| s.at < at) {
                    best = Some((cell, s.at, cb));
                }
            }
        }
        best.map(|(cell, at, cb)| {
            cell.set(Slot::IDLE);
            (at, cb)
        })
    }
}

/// The alarm slot of one executor or fallback queue, in one word: all-zero is the
/// initial state (so a `static` that holds it can live in `.bss`), and it costs 4 bytes
/// whatever the handle width. 0 = not yet allocated, `u32::MAX` = the driver had none,
/// otherwise the handle's index plus one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AlarmState(u32);

impl AlarmState {
    pub(crate) const NOT_YET_ALLOCATED: AlarmState = AlarmState(0);
    pub(crate) const UNAVAILABLE: AlarmState = AlarmState(u32::MAX);

    /// The state after asking the driver for a slot.
    pub(crate) fn from_allocation(handle: Option<AlarmHandle>) -> AlarmState {
        match handle.map(|h| h.index().wrapping_add(1)) {
            // Indices u32::MAX - 1 and u32::MAX cannot be encoded: as if no slot.
            Some(v) if v != 0 && v != u32::MAX => AlarmState(v),
            _ => AlarmState::UNAVAILABLE,
        }
    }

    pub(crate) fn is_not_yet_allocated(self) -> bool {
        self == AlarmState::NOT_YET_ALLOCATED
    }

    pub(crate) fn is_unavailable(self) -> bool {
        self == AlarmState::UNAVAILABLE
    }

    /// The allocated handle, if any.
    pub(crate) fn handle(self) -> Option<AlarmHandle> {
        match self.0 {
            0 | u32::MAX => None,
            v => Some(AlarmHandle::new(v - 1)),
        }
    }
}

/// A growable set of alarm slots for the host drivers: [`AlarmSlots`] without the
/// fixed capacity (heap-allocated, so `std` only). Slots are handed out by index and
/// never freed; the armed ones are also kept ordered by `(deadline, index)` so the
/// earliest is found without a pass over all slots.
#[cfg(mote_std)]
pub(crate) struct AlarmSet {
    /// Per slot: the armed deadline and callback, `None` when idle.
    slots: std::vec::Vec<Option<(u64, AlarmCallback)>>,
    /// `(deadline, index)` of every armed slot.
    armed: std::collections::BTreeSet<(u64, u32)>,
}

#[cfg(mote_std)]
impl AlarmSet {
    /// No slots.
    pub(crate) const fn new() -> Self {
        AlarmSet {
            slots: std::vec::Vec::new(),
            armed: std::collections::BTreeSet::new(),
        }
    }

    /// A new slot; `None` only after 2^32 of them.
    pub(crate) fn allocate(&mut self) -> Option<AlarmHandle> {
        let index = u32::try_from(self.slots.len()).ok()?;
        self.slots.push(None);
        Some(AlarmHandle::new(index))
    }

    fn slot(&mut self, alarm: AlarmHandle) -> Option<&mut Option<(u64, AlarmCallback)>> {
        self.slots.get_mut(usize::try_from(alarm.index()).ok()?)
    }

    /// As [`AlarmSlots::arm`]: replaces the slot's deadline and callback (`u64::MAX`
    /// disarms); `false`, changing nothing, for a handle not allocated here.
    pub(crate) fn arm(&mut self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        let index = alarm.index();
        let Some(slot) = self.slot(alarm) else {
            return false;
        };
        let old = slot.take();
        if at != u64::MAX {
            *slot = Some((at, callback));
        }
        if let Some((old_at, _)) = old {
            self.armed.remove(&(old_at, index));
        }
        if at != u64::MAX {
            self.armed.insert((at, index));
        }
        true
    }

    /// Disarms `alarm` (no effect on a handle not allocated here).
    pub(crate) fn disarm(&mut self, alarm: AlarmHandle) {
        if let Some(Some((at, _))) = self.slot(alarm).map(Option::take) {
            self.armed.remove(&(at, alarm.index()));
        }
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.armed.first().map(|&(at, _)| at)
    }

    /// As [`AlarmSlots::take_earliest_due`]: disarms and returns the armed slot with the
    /// earliest deadline `<= now` (lowest index first among equal deadlines).
    pub(crate) fn take_earliest_due(&mut self, now: u64) -> Option<(u64, AlarmCallback)> {
        let &(at, index) = self.armed.first()?;
        if at > now {
            return None;
        }
        self.armed.pop_first();
        self.slot(AlarmHandle::new(index))?.take()
    }
}

#[cfg(all(test, mote_std))]
mod tests {
    use super::*;

    fn noop(_: *const ()) {}

    fn cb() -> AlarmCallback {
        // SAFETY: `noop` ignores its context and is callable from anywhere.
        unsafe { AlarmCallback::new(noop, core::ptr::null()) }
    }

    #[test]
    fn alarm_set_grows_and_fires_earliest_first() {
        let mut set = AlarmSet::new();
        let handles: std::vec::Vec<AlarmHandle> =
            (0..300).map(|_| set.allocate().unwrap()).collect();
        assert_eq!(handles[299].index(), 299, "more than 255 slots");
        assert!(set.arm(handles[299], 50, cb()));
        assert!(set.arm(handles[3], 40, cb()));
        assert!(set.arm(handles[7], 40, cb()));
        assert!(set.arm(handles[3], 60, cb()), "re-arming replaces");
        assert_eq!(set.next_deadline(), Some(40));
        assert!(set.take_earliest_due(39).is_none());
        assert_eq!(set.take_earliest_due(100).map(|(at, _)| at), Some(40)); // slot 7
        assert_eq!(set.take_earliest_due(100).map(|(at, _)| at), Some(50)); // slot 299
        set.disarm(handles[3]);
        assert!(set.take_earliest_due(100).is_none());
        assert_eq!(set.next_deadline(), None);
        assert!(set.arm(handles[5], u64::MAX, cb()), "u64::MAX disarms");
        assert_eq!(set.next_deadline(), None);
        assert!(
            !set.arm(AlarmHandle::new(300), 10, cb()),
            "not allocated here"
        );
    }
}
