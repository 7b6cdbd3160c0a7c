//! Mote's time driver for the MPS2 boards (feature `time-driver`, on by default): the
//! CMSDK APB **dual timer** (base `0x4000_2000`, line `DUALTIMER`, 25 MHz) gives
//! `mote::time` a 64-bit clock and [`ALARM_SLOTS`] alarm slots.
//!
//! A firmware that depends on this crate and enables mote's `time` feature gets a working
//! `Instant::now()`, `Timer` and `Ticker` with no extra line: the driver is registered
//! here with `mote::time_driver!`, and the `DUALTIMER` vector is defined here. Turn the
//! feature off (`default-features = false, features = ["panic-handler"]`) to bring your
//! own driver or to use the dual timer yourself.
//!
//! Guarantees:
//! - **Exact, monotonic, never wraps.** The clock is a count of timer cycles: the
//!   free-running 32-bit counter (dual-timer module 1) extended to 64 bits by counting its
//!   wraps. Ticks are computed from cycles on every read (`ticks = cycles * TICK_HZ /
//!   25 MHz`, rounded down), so no rounding error accumulates (1 tick = 25 cycles at the
//!   default 1 MHz).
//! - **Race-free `now()`.** The counter and the wrap count are read inside one critical
//!   section; a wrap that happened but whose interrupt has not run yet is counted by the
//!   reader itself (see [Reading the clock](#reading-the-clock)).
//! - **One comparator, several executors.** Module 2 of the dual timer counts down, one
//!   shot, to the earliest armed deadline of the [`ALARM_SLOTS`] slots (`AlarmSlots`);
//!   when it fires, the handler takes the earliest due slot and re-programs the comparator
//!   for the next deadline in one critical section (one clock reading), then runs that
//!   callback outside the critical section; a further due slot pends the interrupt again,
//!   so every due callback runs once, earliest first.
//!   Deadlines beyond one counter period (about 171 s) are reached in several hops.
//! - An alarm never fires early: the comparator is loaded with `deadline − now` cycles
//!   computed from a clock reading taken before it starts.
//! - The clock starts at 0 on first use (the first `now()`, `allocate_alarm` or
//!   `set_alarm`), not at reset.
//!
//! Resources it takes: the dual timer and its interrupt line (binding `DUALTIMER`
//! yourself, with `bind_interrupts!` or `#[interrupt]`, is a duplicate-symbol link error),
//! at the line's reset priority (0, the most urgent). CMSDK timers 0 and 1 stay free for
//! [`timer::PeriodicTimer`](crate::timer::PeriodicTimer).
//!
//! # Reading the clock
//!
//! QEMU's model (hw/timer/cmsdk-apb-dualtimer.c) raises the interrupt flag when the
//! counter goes from 1 to 0, holds 0 for one cycle, then reloads `0xFFFF_FFFF`. With
//! `wraps` = reloads counted so far and `v` = the counter, `cycles = wraps · 2³² +
//! (0xFFFF_FFFF − v)`. Inside a critical section:
//!
//! ```text
//!   v1 = VALUE; flag = RIS
//!   flag clear ──► no 1→0 before the flag read: v1 is in the counted period
//!   flag set   ──► v2 = VALUE
//!                  v2 == 0 ──► still holding 0: not reloaded yet, cycles = wraps·2³² + MAX
//!                  v2 != 0 ──► reloaded: clear the flag, wraps += 1, use v2
//! ```
//!
//! The interrupt handler runs the same code, so a wrap is counted exactly once, by
//! whoever sees the flag first.
//!
//! Alarm slot use: the thread-mode executor, interrupt executors and mote's fallback
//! queue take one slot each; with [`ALARM_SLOTS`] = 4 that is thread mode, two
//! interrupt executors and the fallback queue (a fifth `allocate_alarm` returns `None`
//! and that executor degrades to polling, as `mote::time` documents).

use core::cell::Cell;
use core::ptr;

use cortex_m::peripheral::NVIC;
use critical_section::{CriticalSection, Mutex};
use mote::time::driver::{AlarmCallback, AlarmHandle, AlarmSlots, Driver};
use mote::time::TICK_HZ;

use crate::Interrupt;

/// Clock of the dual timer (the MPS2 APB clock), in Hz.
pub const CLOCK_HZ: u64 = 25_000_000;

/// Alarm slots the driver offers: one per executor plus mote's fallback queue.
pub const ALARM_SLOTS: usize = 4;

const BASE: usize = 0x4000_2000;
/// Module 1: the free-running counter.
const COUNTER: usize = BASE;
/// Module 2: the one-shot alarm comparator.
const ALARM: usize = BASE + 0x20;

const LOAD: usize = 0x00;
const VALUE: usize = 0x04;
const CONTROL: usize = 0x08;
const INTCLR: usize = 0x0C;
const RIS: usize = 0x10;

const CTRL_ONESHOT: u32 = 1 << 0;
const CTRL_SIZE32: u32 = 1 << 1;
const CTRL_INTEN: u32 = 1 << 5;
const CTRL_PERIODIC: u32 = 1 << 6;
const CTRL_ENABLE: u32 = 1 << 7;

/// Module 1: 32-bit free-running, interrupt on each wrap.
const COUNTER_MODE: u32 = CTRL_SIZE32 | CTRL_INTEN;
/// Module 2: 32-bit one-shot from `LOAD`, interrupt when it reaches 0.
const ALARM_MODE: u32 = CTRL_ONESHOT | CTRL_SIZE32 | CTRL_INTEN | CTRL_PERIODIC;

const MAX: u32 = u32::MAX;

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

const G: u64 = gcd(TICK_HZ, CLOCK_HZ);
/// `NUM` ticks last exactly `DEN` cycles (the reduced ratio `TICK_HZ / CLOCK_HZ`).
const NUM: u64 = TICK_HZ / G;
const DEN: u64 = CLOCK_HZ / G;
const _: () = assert!(
    TICK_HZ <= CLOCK_HZ,
    "mote-mps2's time driver needs TICK_HZ <= 25 MHz"
);

/// The first cycle count at which the clock shows `ticks`: `ceil(ticks · DEN / NUM)`,
/// saturating.
// `NUM` is 1 at the default 1 MHz tick (the `% NUM` then folds away), not at 32 768 Hz.
#[allow(clippy::modulo_one)]
const fn ticks_to_cycles(ticks: u64) -> u64 {
    let low = ((ticks % NUM) * DEN).div_ceil(NUM);
    match (ticks / NUM).checked_mul(DEN) {
        Some(high) => high.saturating_add(low),
        None => u64::MAX,
    }
}

fn read(module: usize, reg: usize) -> u32 {
    // SAFETY: `module + reg` is a word-aligned register of the dual timer, device memory
    // outside any Rust object; this driver owns the dual timer (module docs).
    unsafe { ptr::read_volatile((module + reg) as *const u32) }
}

fn write(module: usize, reg: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { ptr::write_volatile((module + reg) as *mut u32, value) }
}

struct State {
    started: Cell<bool>,
    /// Reloads of the free-running counter counted so far (2³² cycles each).
    wraps: Cell<u32>,
    /// `wraps · 2³²` cycles as `base_div · DEN + base_rem` (`base_rem < DEN`), kept up to
    /// date at each wrap so that reading the clock in ticks needs no 64-bit division
    /// (a library call of ~100 instructions on ARMv7-M, more on ARMv6-M).
    base_div: Cell<u64>,
    base_rem: Cell<u32>,
    slots: AlarmSlots<ALARM_SLOTS>,
}

/// `2³² = WRAP_DIV · DEN + WRAP_REM`.
const WRAP_DIV: u64 = (1u64 << 32) / DEN;
const WRAP_REM: u32 = ((1u64 << 32) % DEN) as u32;
const _: () = assert!(DEN <= u32::MAX as u64 / 2, "DEN must fit 31 bits");

impl State {
    /// Counts one wrap of the free-running counter.
    fn count_wrap(&self) {
        self.wraps.set(self.wraps.get().wrapping_add(1));
        let mut rem = self.base_rem.get() + WRAP_REM;
        let mut div = self.base_div.get() + WRAP_DIV;
        if u64::from(rem) >= DEN {
            rem -= DEN as u32;
            div += 1;
        }
        self.base_rem.set(rem);
        self.base_div.set(div);
    }

    /// The clock in ticks for `low` cycles into the current wrap:
    /// `floor((wraps · 2³² + low) · NUM / DEN)`, with 32-bit divisions only.
    fn ticks(&self, low: u32) -> u64 {
        let den = DEN as u32;
        // low + base_rem may exceed u32: divide the parts separately.
        let rem = low % den + self.base_rem.get();
        let div = self.base_div.get() + u64::from(low / den) + u64::from(rem / den);
        let rem = u64::from(rem % den);
        div * NUM + rem * NUM / DEN
    }
}

static STATE: Mutex<State> = Mutex::new(State {
    started: Cell::new(false),
    wraps: Cell::new(0),
    base_div: Cell::new(0),
    base_rem: Cell::new(0),
    slots: AlarmSlots::new(),
});

/// The driver state, started on first use.
fn state(cs: CriticalSection<'_>) -> &State {
    let s = STATE.borrow(cs);
    if !s.started.get() {
        s.started.set(true);
        // From reset (16-bit free-running), switching to 32 bits makes VALUE 0xFFFF_FFFF;
        // a LOAD write in free-running mode sets the count without changing the limit.
        write(COUNTER, CONTROL, COUNTER_MODE);
        write(COUNTER, LOAD, MAX);
        write(COUNTER, INTCLR, 1);
        write(ALARM, CONTROL, ALARM_MODE);
        write(ALARM, INTCLR, 1);
        write(COUNTER, CONTROL, COUNTER_MODE | CTRL_ENABLE);
        // SAFETY: the line runs `DUALTIMER` below, which only touches this driver's state
        // under a critical section; no critical section relies on the line being masked.
        unsafe { NVIC::unmask(Interrupt::DUALTIMER) };
    }
    s
}

/// Cycles since the driver started; counts a pending wrap (see the module docs).
fn read_cycles(s: &State) -> u64 {
    let v1 = read(COUNTER, VALUE);
    let v = if read(COUNTER, RIS) & 1 == 0 {
        v1
    } else {
        let v2 = read(COUNTER, VALUE);
        if v2 != 0 {
            write(COUNTER, INTCLR, 1);
            s.count_wrap();
        }
        v2
    };
    (u64::from(s.wraps.get()) << 32) + u64::from(MAX - v)
}

/// The clock in ticks for a value `read_cycles` just returned.
fn ticks_of(s: &State, cycles: u64) -> u64 {
    s.ticks(cycles as u32)
}

/// Points the comparator at the earliest armed slot; if that one is already due, pends
/// the interrupt so the handler runs it.
fn program_alarm(s: &State, now_cycles: u64) {
    let Some(at) = s.slots.next_deadline() else {
        write(ALARM, CONTROL, ALARM_MODE);
        write(ALARM, INTCLR, 1);
        return;
    };
    let delta = ticks_to_cycles(at).saturating_sub(now_cycles);
    if delta == 0 {
        NVIC::pend(Interrupt::DUALTIMER);
        return;
    }
    let load = u32::try_from(delta).unwrap_or(MAX);
    write(ALARM, CONTROL, ALARM_MODE);
    write(ALARM, INTCLR, 1);
    write(ALARM, LOAD, load);
    write(ALARM, CONTROL, ALARM_MODE | CTRL_ENABLE);
}

/// The `DUALTIMER` interrupt: counts a wrap, acknowledges the comparator, takes the
/// earliest due slot's callback and re-programs the comparator for the other slots, all in
/// one critical section with one clock reading; then runs the callback outside it (it may
/// re-arm: `set_alarm` re-programs the comparator itself). If another slot is due already,
/// `program_alarm` pends this interrupt again, so each run handles one callback, earliest
/// deadline first, and the common case (one due slot) costs one lock and one reading.
fn on_interrupt() {
    let due = critical_section::with(|cs| {
        let s = state(cs);
        if read(ALARM, RIS) & 1 != 0 {
            write(ALARM, INTCLR, 1);
        }
        let now = read_cycles(s);
        let due = s.slots.take_earliest_due(ticks_of(s, now));
        program_alarm(s, now);
        due
    });
    if let Some((_, callback)) = due {
        callback.call();
    }
}

#[allow(non_snake_case)]
#[no_mangle]
extern "C" fn DUALTIMER() {
    on_interrupt();
}

/// The driver registered with `mote::time_driver!` (its state is a private `static`).
struct Mps2Driver;

impl Driver for Mps2Driver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| {
            let s = state(cs);
            let cycles = read_cycles(s);
            ticks_of(s, cycles)
        })
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        critical_section::with(|cs| state(cs).slots.allocate())
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        critical_section::with(|cs| {
            let s = state(cs);
            let now = read_cycles(s);
            // `at <= floor(now · NUM / DEN)` exactly when `ceil(at · DEN / NUM) <= now`:
            // compared in cycles, with no division.
            let armed = if ticks_to_cycles(at) <= now {
                s.slots.disarm(alarm);
                false
            } else {
                s.slots.arm(alarm, at, callback)
            };
            program_alarm(s, now);
            armed
        })
    }
}

mote::time_driver!(
    static DRIVER: Mps2Driver = Mps2Driver;
);

/// The driver's raw clock: dual-timer cycles (25 MHz) since it started, 64 bits, never
/// wrapping. `mote::time::Instant::now()` is this value converted to ticks.
///
/// ```no_run
/// let a = mote_mps2::time_driver::cycles();
/// let b = mote_mps2::time_driver::cycles();
/// assert!(b >= a);
/// ```
pub fn cycles() -> u64 {
    critical_section::with(|cs| read_cycles(state(cs)))
}

/// Test support: moves the free-running counter forward so that it wraps in
/// `cycles_before_wrap` cycles (no effect if it is already closer to its wrap). Time
/// only moves forward, so `Instant` stays monotonic; armed alarms whose deadline the
/// jump passed fire at once.
#[doc(hidden)]
pub fn skip_to_counter_wrap(cycles_before_wrap: u32) {
    critical_section::with(|cs| {
        let s = state(cs);
        let _ = read_cycles(s);
        // At least 1: the wrap interrupt is raised by the 1 -> 0 step.
        let value = cycles_before_wrap.max(1);
        if value < read(COUNTER, VALUE) {
            write(COUNTER, LOAD, value);
        }
        program_alarm(s, read_cycles(s));
    });
}
