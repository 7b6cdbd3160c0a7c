//! `embassy-time` on Mote's clock (feature `embassy-time-driver`): Mote registers the
//! program's [`embassy_time_driver`] implementation, so `embassy_time::{Timer, Ticker,
//! with_timeout, Delay}` (and every driver or stack written against them) run on the one
//! [Mote time driver](super::driver) of the program, with Mote's timer queues and alarms.
//!
//! Guarantees:
//! - `embassy_time_driver::now()` is [`driver::now`]: one clock, the same ticks.
//! - `embassy_time_driver::schedule_wake(at, waker)` with a **Mote task waker** queues the
//!   task's own timer node on its executor (the path Mote's [`Timer`](super::Timer)
//!   takes): O(log n) in the number of sleeping tasks, no capacity, the executor's one
//!   alarm. The node keeps the earliest deadline asked for; a later one changes nothing
//!   (the task is woken at the earlier one, re-polls and registers again, as
//!   embassy-time's futures do on every poll).
//! - With **any other waker** (a foreign executor, `block_on`, the per-future wakers of a
//!   `FuturesUnordered`), embassy-time lends no storage (`schedule_wake` gets only a
//!   `&Waker`), so the wake goes to a fixed table of [`FOREIGN_WAKERS`] entries in this
//!   module, driven by one alarm slot of its own. A waker already in the table (by
//!   [`Waker::will_wake`], which is best-effort: a waker it fails to match takes a second
//!   entry) keeps one entry with the earliest deadline. **When the table is
//!   full the waker is woken at once**: its future polls again, finds its deadline not
//!   reached and registers again, so a wake is never lost; the overflow degrades to
//!   polling, never to a missed deadline. Entries are freed when they fire: embassy-time
//!   tells the driver nothing when a timer is dropped, so a cancelled foreign timer (the
//!   losing side of a `with_timeout`) keeps its entry until its deadline, and its waker is
//!   then woken once for nothing. A deadline of `u64::MAX` (never) takes no entry. A
//!   foreign `wake` that panics (std; the caller catching it) leaves the alarm re-armed
//!   for the entries still in the table, one tick from now at the earliest.
//! - If the driver has no alarm slot left for the table (a driver with a fixed slot set,
//!   such as `mote-mps2`'s, sized for executors and Mote's fallback queue), the table
//!   wakes its entries at once: foreign embassy timers then poll, as Mote's fallback
//!   queue does without a slot. Mote-task timers are unaffected.
//! - The tick rates must agree: a build where `embassy_time_driver::TICK_HZ` differs from
//!   [`TICK_HZ`](super::TICK_HZ) fails to compile with a message naming the features of
//!   both crates to set.
//!
//! ```text
//!   embassy_time::Timer/Ticker/with_timeout/Delay
//!        │ _embassy_time_schedule_wake(at, waker)
//!        ▼
//!   Mote task waker? ──yes──► its task's timer node on its executor's queue (one alarm)
//!        │ no
//!        ▼
//!   foreign table (FOREIGN_WAKERS entries, one alarm slot) ── full? ──► wake now (re-poll)
//! ```
//!
//! Only one `embassy-time-driver` implementation may be linked: a program that enables
//! this feature must not register another one (such as embassy-time's `std` or
//! `mock-driver` features, or a HAL's `time-driver-*` feature); the linker then reports
//! `_embassy_time_now` as defined twice.
//!
//! With the simulated driver (`drivers::sim`, one clock per thread), the foreign table's
//! alarm slot belongs to the clock of the thread that first needed it: use foreign-waker
//! embassy timers from one thread per test binary.
//!
//! Costs: a Mote-task wake is the task-timer path plus one branch. The foreign table is a
//! `static` of `FOREIGN_WAKERS` × 16 bytes (32-bit target: an 8-byte deadline and an
//! 8-byte waker) plus 24 bytes of state, 152 bytes in all on thumbv7m, all zero (`.bss`);
//! each operation on it is a linear pass in a critical section.
//!
//! ```
//! # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
//! // With the feature on, embassy-time reads Mote's clock.
//! mote::time::drivers::sim::advance(mote::time::Duration::from_ticks(42));
//! assert_eq!(embassy_time_driver::now(), mote::time::Instant::now().as_ticks());
//! ```

use core::cell::RefCell;
use core::task::Waker;

use critical_section::{CriticalSection, Mutex};

use super::alarm_slots::AlarmState;
use super::driver::{self, AlarmCallback};

/// Capacity of the table of foreign (non-Mote-task) wakers waiting on embassy-time
/// deadlines. Beyond it, a registration wakes its waker at once (its timer polls again).
pub const FOREIGN_WAKERS: usize = 8;

const _: () = assert!(
    embassy_time_driver::TICK_HZ == super::TICK_HZ,
    "mote's embassy-time-driver bridge: embassy_time_driver::TICK_HZ differs from \
     mote::time::TICK_HZ. Set the same rate in both crates: mote `tick-1mhz` (or none) \
     with embassy-time `tick-hz-1_000_000` (or none), mote `tick-32768hz` with \
     embassy-time `tick-hz-32_768`, mote `tick-1khz` with embassy-time `tick-hz-1_000`."
);

/// The registered `embassy_time_driver::Driver`: Mote's clock and timer queues.
struct MoteClock;

impl embassy_time_driver::Driver for MoteClock {
    fn now(&self) -> u64 {
        driver::now()
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        if !crate::executor::schedule_wake(at, waker) {
            FOREIGN.schedule(at, waker);
        }
    }
}

embassy_time_driver::time_driver_impl!(static EMBASSY_DRIVER: MoteClock = MoteClock);

static FOREIGN: ForeignWakers = ForeignWakers::new();

struct Table {
    /// Deadline of each entry; meaningful only where `wakers` holds `Some`.
    at: [u64; FOREIGN_WAKERS],
    wakers: [Option<Waker>; FOREIGN_WAKERS],
    alarm: AlarmState,
    /// The deadline the alarm is armed for, plus one (wrapping); 0 when not armed, so
    /// the whole table starts all-zero (`.bss`). Use [`Table::armed_at`].
    armed: u64,
}

impl Table {
    /// The deadline the alarm is armed for; `u64::MAX` when not armed.
    fn armed_at(&self) -> u64 {
        self.armed.wrapping_sub(1)
    }

    fn set_armed_at(&mut self, at: u64) {
        self.armed = at.wrapping_add(1);
    }
}

/// The foreign-waker table: a critical-section mutex around plain data. A waker is
/// cloned inside the critical section (as Mote's fallback queue does) but woken and
/// dropped only outside it, since those may run any code.
struct ForeignWakers {
    table: Mutex<RefCell<Table>>,
}

/// What a registration must do after leaving the critical section.
enum Outcome {
    /// Queued; `true`: it is the new earliest deadline, re-arm.
    Queued(bool),
    /// The table is full: wake the waker now.
    Full,
}

impl ForeignWakers {
    const fn new() -> Self {
        ForeignWakers {
            table: Mutex::new(RefCell::new(Table {
                at: [0; FOREIGN_WAKERS],
                wakers: [const { None }; FOREIGN_WAKERS],
                alarm: AlarmState::NOT_YET_ALLOCATED,
                armed: 0,
            })),
        }
    }

    fn schedule(&'static self, at: u64, waker: &Waker) {
        if at == u64::MAX {
            // A deadline that is never reached (`Instant::MAX`): nothing to wake, and no
            // entry to hold for ever.
            return;
        }
        let outcome = critical_section::with(|cs| {
            let mut t = self.table.borrow_ref_mut(cs);
            let t = &mut *t;
            let same = t
                .wakers
                .iter()
                .position(|w| w.as_ref().is_some_and(|w| w.will_wake(waker)));
            let index = match same {
                Some(i) => {
                    t.at[i] = t.at[i].min(at);
                    i
                }
                None => match t.wakers.iter().position(Option::is_none) {
                    Some(i) => {
                        t.wakers[i] = Some(waker.clone());
                        t.at[i] = at;
                        i
                    }
                    None => return Outcome::Full,
                },
            };
            Outcome::Queued(t.at[index] < t.armed_at())
        });
        match outcome {
            Outcome::Full => waker.wake_by_ref(),
            Outcome::Queued(true) => self.process(),
            Outcome::Queued(false) => {}
        }
    }

    /// Wakes every due entry (each outside the critical section) until none is due and
    /// the alarm is armed for the earliest remaining deadline.
    fn process(&'static self) {
        /// Re-arms the alarm if a `wake` panics (foreign code; the caller may catch the
        /// panic): the entries still in the table, due or not, must not be left without
        /// one (the alarm callback marked it unarmed before calling `process`).
        struct RearmOnUnwind(&'static ForeignWakers);
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
        let mut t = self.table.borrow_ref_mut(cs);
        let Some(next) = (0..FOREIGN_WAKERS)
            .filter(|&i| t.wakers[i].is_some())
            .map(|i| t.at[i])
            .min()
        else {
            return;
        };
        let Some(handle) = t.alarm.handle() else {
            return;
        };
        let at = next.max(driver::now().saturating_add(1));
        // SAFETY: as in `step`: `on_alarm` only calls `process` on `self`, `'static`.
        let callback =
            unsafe { AlarmCallback::new(Self::on_alarm, self as *const Self as *const ()) };
        if driver::set_alarm(handle, at, callback) {
            t.set_armed_at(at);
        }
    }

    /// Inside the critical section: takes one due entry's waker, or, when none is due,
    /// arms the alarm for the earliest deadline and returns `None`.
    fn step(&'static self, cs: CriticalSection<'_>) -> Option<Waker> {
        let mut t = self.table.borrow_ref_mut(cs);
        let t = &mut *t;
        loop {
            // Without an alarm, everything is "due": wake it (documented polling).
            let now = if t.alarm.is_unavailable() {
                u64::MAX
            } else {
                driver::now()
            };
            let mut next = u64::MAX;
            for i in 0..FOREIGN_WAKERS {
                if t.wakers[i].is_some() {
                    if t.at[i] <= now {
                        return t.wakers[i].take();
                    }
                    next = next.min(t.at[i]);
                }
            }
            if next == u64::MAX || t.armed_at() == next {
                return None;
            }
            if t.alarm.is_not_yet_allocated() {
                t.alarm = AlarmState::from_allocation(driver::allocate_alarm());
                continue;
            }
            // Unavailable cannot get here: then everything was due and taken above.
            let Some(handle) = t.alarm.handle() else {
                continue;
            };
            // SAFETY: `on_alarm` only calls `process` on `self`, which is `'static` (valid
            // for the rest of the program) and synchronises through its critical-section
            // mutex, so it may run from any thread or interrupt, any number of times.
            let callback =
                unsafe { AlarmCallback::new(Self::on_alarm, self as *const Self as *const ()) };
            if driver::set_alarm(handle, next, callback) {
                t.set_armed_at(next);
                return None;
            }
            t.set_armed_at(u64::MAX);
            if driver::now() < next {
                // Refused although not due: the driver cannot serve this slot. Poll.
                t.alarm = AlarmState::UNAVAILABLE;
            }
            // Otherwise the deadline passed meanwhile: take it on the next pass.
        }
    }

    fn on_alarm(ctx: *const ()) {
        // SAFETY: `ctx` was made from `&'static Self` in `step` (the only place that
        // builds this callback), so it points to a live `ForeignWakers`.
        let this: &'static Self = unsafe { &*(ctx as *const Self) };
        critical_section::with(|cs| this.table.borrow_ref_mut(cs).set_armed_at(u64::MAX));
        this.process();
    }
}
