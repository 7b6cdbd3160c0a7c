//! Mote's time on an embassy HAL's clock (feature `time-driver-embassy`): [`EmbassyDriver`]
//! is a Mote [time driver](crate::time::driver) whose clock and alarms are those of the
//! `embassy-time-driver` implementation the program links (a HAL's, such as
//! embassy-nrf's `time-driver-rtc1`), so the firmware has one clock and one hardware
//! alarm, shared by Mote's timers and by crates written against `embassy_time`.
//!
//! ```text
//!   Mote executors / fallback queue ── set_alarm(slot, at, cb) ──► EmbassyDriver
//!        ──► embassy_time_driver::schedule_wake(at, slot waker) ──► HAL queue + RTC alarm
//!   RTC interrupt ──► HAL queue wakes the slot waker ──► cb(ctx) (pend the executor)
//! ```
//!
//! Guarantees:
//! - [`now`](Driver::now) is `embassy_time_driver::now()`; the driver declares
//!   [`FIXED_TICK_HZ`](Driver::FIXED_TICK_HZ) `= embassy_time_driver::TICK_HZ`, so
//!   [`time_driver!`](crate::time_driver) fails to compile unless Mote's `tick-*` feature
//!   gives the same rate (embassy-nrf's RTC: `tick-32768hz`).
//! - [`ALARM_SLOTS`] alarm slots (one per executor that uses timers, plus one for the
//!   [fallback queue](crate::time::fallback)). Each slot is one entry in the HAL's timer
//!   queue: its waker is Mote's own, and its queue item lives in the slot (an
//!   integrated queue asks the executor for one per waker:
//!   [`embassy_queue_item`](crate::executor::embassy_queue_item)).
//! - A slot's callback runs from the HAL's alarm interrupt, once per arming, never
//!   before its deadline except in one case: a slot re-armed for a **later** deadline
//!   while its queue entry is still waiting for the earlier one (embassy's queue keeps
//!   the earliest deadline of an entry) is called back at the earlier deadline, a
//!   spurious alarm, which [`AlarmCallback`] allows; Mote's executors then find nothing
//!   due, or wake tasks whose timers re-check the clock, and re-arm.
//! - **Nothing re-enters the HAL.** An embassy driver wakes its queue's wakers while it
//!   holds its queue (embassy-nrf holds a `RefCell` borrow inside a critical section), so
//!   a callback that re-arms from there (the fallback queue's does) must not call the
//!   HAL. Such an arming is recorded and handed to the HAL later: at the end of the
//!   outermost `set_alarm` in progress, or in [`idle`](Driver::idle), which a thread-mode
//!   executor calls before it sleeps (it then polls once more instead of sleeping). A
//!   program whose only executors are interrupt executors and whose fallback queue is
//!   used (timers polled with foreign wakers) must therefore also run a thread-mode
//!   executor (as `#[mote::main]` does), or its fallback timers may fire late.
//!
//! Use it instead of a Mote driver of its own; register it like any driver:
//!
//! ```ignore
//! // With embassy-nrf (`time-driver-rtc1`) and mote `tick-32768hz`:
//! mote::time_driver!(static DRIVER: mote::time::drivers::embassy::EmbassyDriver =
//!     mote::time::drivers::embassy::EmbassyDriver::new(););
//! ```
//!
//! (`tests/time_on_embassy.rs` runs it over a simulated embassy driver on the host.)
//!
//! Costs: `ALARM_SLOTS` × (a 24-byte queue item and 24 bytes of state) on a 32-bit
//! target, 192 bytes, all zero (`.bss`), plus 24 bytes of shared state; `set_alarm` is a critical section plus one HAL
//! `schedule_wake`; an alarm is the HAL's interrupt plus a critical section.

use core::cell::{Cell, UnsafeCell};
use core::ptr;
use core::task::{RawWaker, RawWakerVTable, Waker};

use critical_section::{CriticalSection, Mutex};
use embassy_executor_timer_queue::TimerQueueItem;

use crate::time::driver::{AlarmCallback, AlarmHandle, Driver};

#[cfg(feature = "embassy-time-driver")]
compile_error!(
    "mote features `embassy-time-driver` and `time-driver-embassy` exclude each other: \
     the first makes Mote's clock serve embassy-time, the second runs Mote's time on the \
     embassy-time driver a HAL registers. Keep `time-driver-embassy` to use a HAL's time \
     driver (e.g. embassy-nrf `time-driver-rtc1`), or `embassy-time-driver` with a Mote \
     driver, not both."
);

/// The number of alarm slots [`EmbassyDriver`] offers: executors that use timers plus
/// one for the fallback queue. An executor or queue that finds none left polls its
/// timers instead of sleeping ([`driver`](crate::time::driver) module docs).
pub const ALARM_SLOTS: usize = 4;

/// Mote's time driver over the program's `embassy-time-driver` ([module docs](self)).
///
/// ```
/// use mote::time::driver::Driver;
/// use mote::time::drivers::embassy::EmbassyDriver;
///
/// // Its counting rate is the embassy driver's, checked by `time_driver!`.
/// assert_eq!(EmbassyDriver::FIXED_TICK_HZ, Some(embassy_time_driver::TICK_HZ));
/// ```
#[derive(Debug, Default)]
pub struct EmbassyDriver {
    _private: (),
}

impl EmbassyDriver {
    /// The driver; register it with [`time_driver!`](crate::time_driver).
    ///
    /// ```
    /// let _driver = mote::time::drivers::embassy::EmbassyDriver::new();
    /// ```
    pub const fn new() -> Self {
        EmbassyDriver { _private: () }
    }
}

/// One alarm slot: its HAL queue item and its arming.
struct Slot {
    /// Lent to the HAL's integrated queue for the slot's waker; Mote never touches it
    /// (the rules of [`executor::embassy_queue_item`](crate::executor::embassy_queue_item)).
    item: UnsafeCell<TimerQueueItem>,
    state: Mutex<Cell<Arming>>,
}

// SAFETY: `state` is a critical-section mutex; `item` is only used by the HAL queue,
// under its lock, through the `&mut` that `__embassy_time_queue_item_from_waker` returns.
unsafe impl Sync for Slot {}

/// A slot's arming. All-zero is [`Arming::IDLE`], so the slots start in `.bss`.
#[derive(Clone, Copy)]
struct Arming {
    /// The armed deadline plus one; 0 when not armed (`u64::MAX` is never armed: it
    /// means "disarm"). Use [`Arming::at`].
    at_plus_one: u64,
    callback: Option<AlarmCallback>,
    /// Armed while the HAL was on the stack: not handed to it yet (see `flush`).
    deferred: bool,
}

impl Arming {
    const IDLE: Arming = Arming {
        at_plus_one: 0,
        callback: None,
        deferred: false,
    };

    /// Armed for `at` (`at < u64::MAX`).
    fn armed(at: u64, callback: AlarmCallback) -> Arming {
        Arming {
            at_plus_one: at + 1,
            callback: Some(callback),
            deferred: false,
        }
    }

    /// The armed deadline; `None` when not armed.
    fn at(self) -> Option<u64> {
        self.at_plus_one.checked_sub(1)
    }
}

/// What the whole driver shares, in one critical-section cell.
#[derive(Clone, Copy)]
struct Shared {
    /// Slots handed out so far.
    allocated: u8,
    /// How many calls into or from the HAL are on the stack (our `schedule_wake`s, the
    /// HAL's wakes of our slots). While non-zero, nothing may call the HAL.
    in_hal: u8,
    /// The index plus one of the slot whose `schedule_wake` is in progress; 0 if none
    /// (so that the whole state starts all-zero, in `.bss`).
    setting: u8,
    /// The HAL woke `setting` during its own `schedule_wake` (its deadline was reached):
    /// the arming did not happen.
    fired_while_setting: bool,
    /// The callback `setting` held then (a deferred arming's, to be called by `flush`).
    fired_callback: Option<AlarmCallback>,
    /// Some slot is `deferred`.
    pending: bool,
}

static SLOTS: [Slot; ALARM_SLOTS] = [const {
    Slot {
        item: UnsafeCell::new(TimerQueueItem::new()),
        state: Mutex::new(Cell::new(Arming::IDLE)),
    }
}; ALARM_SLOTS];

static SHARED: Mutex<Cell<Shared>> = Mutex::new(Cell::new(Shared {
    allocated: 0,
    in_hal: 0,
    setting: 0,
    fired_while_setting: false,
    fired_callback: None,
    pending: false,
}));

fn shared(cs: CriticalSection<'_>) -> &Cell<Shared> {
    SHARED.borrow(cs)
}

fn update(cs: CriticalSection<'_>, f: impl FnOnce(&mut Shared)) {
    let cell = shared(cs);
    let mut s = cell.get();
    f(&mut s);
    cell.set(s);
}

// The slot wakers: data is the slot index, so no pointer provenance is involved.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

unsafe fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    fire(data.addr());
}

unsafe fn drop(_: *const ()) {}

fn slot_waker(index: usize) -> Waker {
    // SAFETY: the vtable functions ignore the data except as an index (checked in
    // `fire`), hold nothing (clone and drop are no-ops) and `fire` synchronises through
    // critical sections, so the waker is sound from any thread or interrupt.
    unsafe { Waker::from_raw(RawWaker::new(ptr::without_provenance(index), &VTABLE)) }
}

/// The queue item of `waker` if it is one of this driver's slot wakers (for
/// [`executor::embassy_queue_item`](crate::executor::embassy_queue_item)).
pub(crate) fn alarm_item(waker: &Waker) -> Option<*mut TimerQueueItem> {
    if !ptr::eq(waker.vtable(), &VTABLE) {
        return None;
    }
    SLOTS.get(waker.data().addr()).map(|slot| slot.item.get())
}

/// The HAL woke slot `index`'s waker: its deadline was reached (or an earlier one it
/// still had queued, module docs). Runs inside the HAL's hold on its queue.
fn fire(index: usize) {
    let Some(slot) = SLOTS.get(index) else {
        return;
    };
    let callback = critical_section::with(|cs| {
        let arming = slot.state.borrow(cs).replace(Arming::IDLE);
        let at = arming.at()?; // `None`: disarmed since it was queued
        let s = shared(cs).get();
        if usize::from(s.setting) == index + 1 && s.in_hal > 0 {
            if at <= embassy_time_driver::now() {
                // Our own `schedule_wake` found the deadline reached: report it to that
                // caller instead of calling back from inside its `set_alarm`.
                update(cs, |s| {
                    s.fired_while_setting = true;
                    s.fired_callback = arming.callback;
                });
            } else {
                // An earlier deadline the entry still held fired during our own
                // `schedule_wake`: queue the entry again once it returns (`flush`).
                slot.state.borrow(cs).set(Arming {
                    deferred: true,
                    ..arming
                });
                update(cs, |s| s.pending = true);
            }
            return None;
        }
        update(cs, |s| s.in_hal += 1);
        Some(arming.callback)
    });
    if let Some(callback) = callback {
        if let Some(cb) = callback {
            cb.call();
        }
        critical_section::with(|cs| update(cs, |s| s.in_hal -= 1));
    }
}

/// How `schedule` went.
enum Scheduled {
    /// Queued in the HAL: the callback will run.
    Armed,
    /// The deadline was reached meanwhile; the callback it held, which did not run.
    Reached(Option<AlarmCallback>),
}

/// Hands slot `index`, armed for `at`, to the HAL. The caller checked that the HAL is
/// not on the stack (`in_hal == 0`) and set `in_hal`/`setting` in the same critical
/// section; this clears them.
fn schedule(index: usize, at: u64) -> Scheduled {
    embassy_time_driver::schedule_wake(at, &slot_waker(index));
    critical_section::with(|cs| {
        let cell = shared(cs);
        let mut s = cell.get();
        s.in_hal -= 1;
        s.setting = 0;
        let outcome = if s.fired_while_setting {
            Scheduled::Reached(s.fired_callback.take())
        } else {
            Scheduled::Armed
        };
        s.fired_while_setting = false;
        cell.set(s);
        outcome
    })
}

/// Hands every deferred arming to the HAL, unless the HAL is on the stack. `true` if it
/// did anything (so an executor about to sleep polls once more).
fn flush() -> bool {
    let mut did = false;
    loop {
        let step = critical_section::with(|cs| {
            let s = shared(cs).get();
            if s.in_hal > 0 || !s.pending {
                return None;
            }
            let found = SLOTS.iter().enumerate().find_map(|(i, slot)| {
                let a = slot.state.borrow(cs).get();
                a.deferred.then_some((i, slot, a))
            });
            let Some((index, slot, mut arming)) = found else {
                update(cs, |s| s.pending = false);
                return None;
            };
            arming.deferred = false;
            let Some(at) = arming.at() else {
                slot.state.borrow(cs).set(Arming::IDLE);
                return Some(Err(None));
            };
            if at <= embassy_time_driver::now() {
                // Reached while deferred: call back now (not from inside the HAL).
                slot.state.borrow(cs).set(Arming::IDLE);
                return Some(Err(arming.callback));
            }
            slot.state.borrow(cs).set(arming);
            update(cs, |s| {
                s.in_hal += 1;
                s.setting = index as u8 + 1;
            });
            Some(Ok((index, at)))
        });
        match step {
            None => return did,
            Some(Ok((index, at))) => {
                if let Scheduled::Reached(Some(cb)) = schedule(index, at) {
                    cb.call();
                }
            }
            Some(Err(callback)) => {
                if let Some(cb) = callback {
                    cb.call();
                }
            }
        }
        did = true;
    }
}

impl Driver for EmbassyDriver {
    const FIXED_TICK_HZ: Option<u64> = Some(embassy_time_driver::TICK_HZ);

    fn now(&self) -> u64 {
        embassy_time_driver::now()
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        critical_section::with(|cs| {
            let cell = shared(cs);
            let mut s = cell.get();
            if usize::from(s.allocated) >= ALARM_SLOTS {
                return None;
            }
            let handle = AlarmHandle::new(u32::from(s.allocated));
            s.allocated += 1;
            cell.set(s);
            Some(handle)
        })
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        let index = alarm.index() as usize;
        let go = critical_section::with(|cs| {
            let s = shared(cs).get();
            if index >= usize::from(s.allocated) {
                return Err(false); // not a slot of ours
            }
            let state = SLOTS[index].state.borrow(cs);
            if at <= embassy_time_driver::now() {
                state.set(Arming::IDLE);
                return Err(false);
            }
            if at == u64::MAX {
                // Disarmed: a queued entry fires for nothing (`fire` ignores it).
                state.set(Arming::IDLE);
                return Err(true);
            }
            let mut arming = Arming::armed(at, callback);
            if s.in_hal > 0 {
                // Called back from inside the HAL: hand it over later (module docs).
                arming.deferred = true;
                state.set(arming);
                update(cs, |s| s.pending = true);
                return Err(true);
            }
            state.set(arming);
            update(cs, |s| {
                s.in_hal += 1;
                s.setting = index as u8 + 1;
            });
            Ok(())
        });
        match go {
            Err(armed) => armed,
            Ok(()) => {
                let armed = matches!(schedule(index, at), Scheduled::Armed);
                flush();
                armed
            }
        }
    }

    fn idle(&self) -> bool {
        flush()
    }
}
