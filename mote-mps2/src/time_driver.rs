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
//! - **Exact, monotonic, never wraps.** Module 1 of the dual timer counts down,
//!   periodically, over [`WRAP_CYCLES`] cycles: the largest `DEN · 2ᵏ` that fits 32 bits,
//!   where `TICK_HZ / 25 MHz = NUM / DEN` reduced (`DEN` = 25 at the default 1 MHz tick:
//!   a period of 25 · 2²⁷ cycles = 2²⁷ ticks, about 134 s). A period is thus a whole
//!   number of ticks, so the clock is `wraps · NUM · 2ᵏ + floor(cycles_in_period · NUM /
//!   DEN)`: a shift and a 32-bit division by a constant (a multiply), no 64-bit division
//!   or multiplication, and nothing to round or accumulate. The wrap count is 32 bits:
//!   the clock runs for 2³² periods (18 000 years at 1 MHz) before it repeats.
//! - **Race-free `now()`.** The counter and the wrap count are read inside one critical
//!   section; a wrap that happened but whose interrupt has not run yet is counted by the
//!   reader itself (see [Reading the clock](#reading-the-clock)).
//! - **One comparator, several executors.** Module 2 counts down, one shot, to the
//!   earliest armed deadline of the [`ALARM_SLOTS`] slots. When it fires, the handler
//!   takes the earliest due slot and re-programs the comparator for the next deadline in
//!   one critical section (one clock reading), then runs that callback outside the
//!   critical section; a further due slot gets the comparator loaded with one cycle, so
//!   the handler runs again at once: every due callback runs once, earliest first.
//!   Deadlines beyond one counter period are reached in several hops. **No clock reading
//!   when one slot was handed out and the comparator expired at the end of its last hop**
//!   (and no counter wrap is pending): the slot is due by construction (the count ends at
//!   the deadline's first cycle or later), so the handler takes it (`take_only`); and
//!   `set_alarm` of the only slot loads the comparator without a pass over the slots.
//! - **No lost alarm.** `set_alarm` reads the clock, returns `false` if the deadline has
//!   been reached, and otherwise loads the comparator with the exact number of cycles
//!   from that reading to the first cycle of the deadline's tick, all in one critical
//!   section; the comparator starts after the reading, so the alarm fires at the
//!   deadline or later, never early, and never not at all.
//! - Alarms may be set from any context (thread mode, any interrupt priority): every
//!   operation is one critical section.
//! - The clock starts at 0 on first use (the first `now()` or `set_alarm`), not at reset.
//!
//! Costs, measured in `bench/fw`'s `blinky` (release: opt-level `s`, LTO) with
//! `llvm-nm --size-sort`: 900 bytes of code on thumbv7m (`now` 24, `set_alarm` 158,
//! `allocate_alarm` 48, the `DUALTIMER` vector 24 and handler 110, and the four functions
//! they share: the clock reading 104, the comparator pass 242, the comparator load 104,
//! the start-up 86), plus 8 for `mote::time_driver!`'s default `idle`. The one-slot
//! paths without a clock reading or a pass (issue 11) cost 194 of them: before, 706
//! bytes (`set_alarm` 116, handler 42, pass and load in one function of 262; 700 on
//! thumbv6m, which calls the 32-bit `__aeabi_uidiv` for the division by `DEN`), measured
//! in `examples/`' `blinky`; 80 bytes of `.bss` (16 per alarm
//! slot, 12 of clock state, the handler pointer; 84 while the slots' deadlines were
//! `u64` fields, which padded the state to 8-byte alignment) and nothing in `.data`. A firmware that never reads the clock links only the
//! vector (24 bytes) and its handler pointer (4 bytes of `.bss`). The previous version,
//! which counted 2³²-cycle wraps and converted with a running quotient, took 1 130 bytes
//! of code and 96 bytes of `.data`, in every firmware. Time: a clock reading is about 30
//! instructions; the comparator programming about 30 plus 12 per allocated slot (the
//! passes cover the slots handed out so far, not all [`ALARM_SLOTS`]; when only one slot
//! was handed out, the alarm interrupt skips the pass that follows taking it). A timer
//! scheduled and expired on an interrupt executor (`bench/fw` `bench_timer`, n = 1) costs
//! 593 instructions in all, runtime included (687 before `set_alarm`'s one-slot load and
//! the runtime's other issue-11 changes, 715 before the alarm interrupt's path
//! without a clock reading, 748 before the first `Timer` poll stopped reading the clock,
//! 762 before that skip, 788 before the runtime's second issue-11 pass, 903 before the
//! first, 911 with the previous driver).
//!
//! Resources it takes: the dual timer and its interrupt line (binding `DUALTIMER`
//! yourself, with `bind_interrupts!` or `#[interrupt]`, is a duplicate-symbol link error),
//! at the line's reset priority (0, the most urgent). CMSDK timers 0 and 1 stay free for
//! [`timer::PeriodicTimer`](crate::timer::PeriodicTimer).
//!
//! # Reading the clock
//!
//! QEMU's model (hw/timer/cmsdk-apb-dualtimer.c) raises the interrupt flag when the
//! counter goes from 1 to 0, holds 0 for one cycle, then reloads `WRAP_CYCLES − 1`. With
//! `wraps` = reloads counted so far and `v` = the counter, `cycles = wraps · WRAP_CYCLES
//! + (WRAP_CYCLES − 1 − v)`. Inside a critical section:
//!
//! ```text
//!   v1 = VALUE; flag = RIS
//!   flag clear ──► no 1→0 before the flag read: v1 is in the counted period
//!   flag set   ──► v2 = VALUE
//!                  v2 == 0 ──► still holding 0: not reloaded yet, last cycle of the period
//!                  v2 != 0 ──► reloaded: clear the flag, wraps += 1, use v2
//! ```
//!
//! The interrupt handler runs the same code, so a wrap is counted exactly once, by
//! whoever sees the flag first.
//!
//! Alarm slot use: the thread-mode executor, interrupt executors and mote's fallback
//! queue take one slot each, on their first timer; with [`ALARM_SLOTS`] = 4 that is
//! thread mode, two interrupt executors and the fallback queue (a fifth `allocate_alarm`
//! returns `None` and that executor degrades to polling, as `mote::time` documents).
//! A slot costs 16 bytes of RAM and no code (the passes over the slots are loops), and
//! time only once allocated.

use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use cortex_m::peripheral::NVIC;
use critical_section::Mutex;
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
use mote::time::TICK_HZ;

use crate::Interrupt;

/// Clock of the dual timer (the MPS2 APB clock), in Hz.
pub const CLOCK_HZ: u64 = 25_000_000;

/// Alarm slots the driver offers: one per executor plus mote's fallback queue.
pub const ALARM_SLOTS: usize = 4;

const BASE: usize = 0x4000_2000;
/// Module 1: the periodic counter (the clock).
const COUNTER: usize = BASE;
/// Module 2: the one-shot alarm comparator.
const ALARM: usize = BASE + 0x20;

const LOAD: usize = 0x00;
const VALUE: usize = 0x04;
const CONTROL: usize = 0x08;
const INTCLR: usize = 0x0C;
const RIS: usize = 0x10;
const BGLOAD: usize = 0x18;

const CTRL_ONESHOT: u32 = 1 << 0;
const CTRL_SIZE32: u32 = 1 << 1;
const CTRL_INTEN: u32 = 1 << 5;
const CTRL_PERIODIC: u32 = 1 << 6;
const CTRL_ENABLE: u32 = 1 << 7;

/// Module 1: 32-bit periodic (reloads `WRAP_CYCLES − 1`), interrupt on each wrap.
const COUNTER_MODE: u32 = CTRL_SIZE32 | CTRL_INTEN | CTRL_PERIODIC;
/// Module 2: 32-bit one-shot from `LOAD`, interrupt when it reaches 0.
const ALARM_MODE: u32 = CTRL_ONESHOT | CTRL_SIZE32 | CTRL_INTEN | CTRL_PERIODIC;

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
const NUM: u32 = (TICK_HZ / G) as u32;
const DEN: u32 = (CLOCK_HZ / G) as u32;
/// `WRAP_CYCLES = DEN · 2^SHIFT`: the largest such period that fits the 32-bit counter.
const SHIFT: u32 = (u32::MAX / DEN).ilog2();

/// Cycles in one period of the clock's counter: the counter wraps (and the driver counts
/// a wrap) every `WRAP_CYCLES` cycles, 3 355 443 200 (about 134 s) at the default 1 MHz
/// tick. It is a whole number of ticks, so ticks never need a 64-bit division.
pub const WRAP_CYCLES: u32 = DEN << SHIFT;
/// Ticks in one counter period (`2^SHIFT · NUM`, a power of two for every mote tick rate).
const WRAP_TICKS: u32 = NUM << SHIFT;

const _: () = assert!(
    TICK_HZ <= CLOCK_HZ,
    "mote-mps2's time driver needs TICK_HZ <= 25 MHz"
);
// `rem · NUM` for `rem < DEN` is computed in 32 bits.
const _: () = assert!((DEN as u64) * (NUM as u64) <= u32::MAX as u64);
const _: () = assert!(
    WRAP_TICKS.is_power_of_two(),
    "ticks of a period must be a shift"
);

fn read(module: usize, reg: usize) -> u32 {
    // SAFETY: `module + reg` is a word-aligned register of the dual timer, device memory
    // outside any Rust object; this driver owns the dual timer (module docs).
    unsafe { ptr::read_volatile((module + reg) as *const u32) }
}

fn write(module: usize, reg: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { ptr::write_volatile((module + reg) as *mut u32, value) }
}

/// One alarm slot. All-zero is "disarmed": an armed deadline is always at least 1
/// (`set_alarm` arms only deadlines after `now() >= 0`). `repr(C)`: the deadline at
/// offset 0, where the slot pointer points (shorter code than at offset 8).
#[repr(C)]
struct Slot {
    /// The armed deadline in ticks, low and high words ([`Slot::at`]); 0 when disarmed.
    /// Two words, not a `u64`: `State` is then 4-byte aligned and has no padding
    /// (76 bytes, not 80).
    at_lo: Cell<u32>,
    at_hi: Cell<u32>,
    /// The callback of the last arming (meaningful only while `at != 0`).
    callback: Cell<Option<AlarmCallback>>,
}

impl Slot {
    /// The armed deadline; 0 when disarmed.
    fn at(&self) -> u64 {
        (u64::from(self.at_hi.get()) << 32) | u64::from(self.at_lo.get())
    }

    fn set_at(&self, at: u64) {
        self.at_lo.set(at as u32);
        self.at_hi.set((at >> 32) as u32);
    }
}

/// The driver state. All-zero, so it lives in `.bss`.
struct State {
    started: Cell<bool>,
    /// Slots handed out so far.
    allocated: Cell<u8>,
    /// Periods of the counter completed so far (`WRAP_CYCLES` cycles each).
    wraps: Cell<u32>,
    /// Of the last clock reading: cycles since the start of its tick-`NUM` step (below
    /// `DEN`); see [`clock`].
    rem: Cell<u32>,
    /// The comparator was last loaded to expire at the earliest slot's deadline or later
    /// (its last hop, or one cycle for a slot found due); false while it is stopped or on
    /// an intermediate hop. With one slot handed out, the alarm interrupt then knows,
    /// without reading the clock, that the slot is due. Kept true by every write of a
    /// slot's deadline being followed, in the same critical section, by a new comparator
    /// load that sets it ([`program`], [`load`]) or by clearing it ([`take_only`]).
    final_hop: Cell<bool>,
    slots: [Slot; ALARM_SLOTS],
}

static STATE: Mutex<State> = Mutex::new(State {
    started: Cell::new(false),
    allocated: Cell::new(0),
    wraps: Cell::new(0),
    rem: Cell::new(0),
    final_hop: Cell::new(false),
    slots: [const {
        Slot {
            at_lo: Cell::new(0),
            at_hi: Cell::new(0),
            callback: Cell::new(None),
        }
    }; ALARM_SLOTS],
});

/// Starts the counter (the clock reads 0) and unmasks the interrupt line.
#[cold]
#[inline(never)]
fn start(s: &State) {
    s.started.set(true);
    // Inside the caller's critical section: the store is done before the interrupt can
    // run (leaving the critical section is a compiler fence, and PRIMASK holds the line).
    // `black_box`: otherwise LLVM sees the one value ever stored, calls `on_interrupt`
    // directly from the vector and so links the driver into every firmware.
    let handler = core::hint::black_box(on_interrupt as fn() as *mut ());
    HANDLER.store(handler, Ordering::Relaxed);
    // From reset (16-bit free-running, disabled): 32-bit periodic, then LOAD sets the
    // reload value and the count at once (the module is disabled).
    write(COUNTER, CONTROL, COUNTER_MODE);
    write(COUNTER, LOAD, WRAP_CYCLES - 1);
    write(COUNTER, INTCLR, 1);
    write(COUNTER, CONTROL, COUNTER_MODE | CTRL_ENABLE);
    // SAFETY: the line runs `DUALTIMER` below, which only touches this driver's state
    // under a critical section; no critical section relies on the line being masked.
    unsafe { NVIC::unmask(Interrupt::DUALTIMER) };
}

/// Reads the clock in ticks, `floor(cycles · NUM / DEN)`, starting it on first use and
/// counting a pending wrap (module docs). Call inside the critical section that guards
/// `s`. Also leaves in `s.rem` the cycles since the reading's last whole `NUM`-tick step
/// (its "anchor", tick `ticks − rem · NUM / DEN`, whose first cycle is a whole number):
/// what [`program`] needs to load the comparator exactly.
#[inline(never)]
fn clock(s: &State) -> u64 {
    if !s.started.get() {
        start(s);
    }
    let mut v = read(COUNTER, VALUE);
    if read(COUNTER, RIS) & 1 != 0 {
        v = read(COUNTER, VALUE);
        if v != 0 {
            write(COUNTER, INTCLR, 1);
            s.wraps.set(s.wraps.get().wrapping_add(1));
        }
    }
    let cycles = WRAP_CYCLES - 1 - v;
    let q = cycles / DEN;
    let rem = cycles - q * DEN;
    s.rem.set(rem);
    let steps = (u64::from(s.wraps.get()) << WRAP_TICKS.trailing_zeros()) + u64::from(q * NUM);
    if NUM == 1 {
        steps
    } else {
        steps + u64::from(rem * NUM / DEN)
    }
}

/// Points the comparator at the earliest armed slot, for the clock reading `now` (the
/// last [`clock`] call). If that slot is due: with `take`, disarms it, returns its
/// callback and looks again (the interrupt handler); otherwise loads the comparator with
/// one cycle, so that the handler runs at once and takes it.
fn program(s: &State, now: u64, mut take: bool) -> Option<AlarmCallback> {
    // Stop and acknowledge: a stale expiry must not interrupt again.
    write(ALARM, CONTROL, ALARM_MODE);
    write(ALARM, INTCLR, 1);
    s.final_hop.set(false);
    let mut taken = None;
    loop {
        // The earliest armed slot, keyed by `deadline − 1`: a disarmed slot (0) wraps to
        // u64::MAX, never the earliest, never due. Among equal deadlines, the first. Only
        // the slots handed out so far: the others are never armed.
        let key = |slot: &Slot| slot.at().wrapping_sub(1);
        let n = usize::from(s.allocated.get()).min(ALARM_SLOTS);
        let Some((first, rest)) = s.slots[..n].split_first() else {
            break;
        };
        let mut best = (first, key(first));
        for slot in rest {
            let k = key(slot);
            if k < best.1 {
                best = (slot, k);
            }
        }
        let (slot, key) = best;
        // None armed, or one armed for `u64::MAX` (never): nothing to wait for.
        if key >= u64::MAX - 1 {
            break;
        }
        if key < now && take {
            take = false;
            slot.set_at(0);
            taken = slot.callback.get();
            if rest.is_empty() {
                break; // the only slot handed out: nothing left to wait for
            }
            continue;
        }
        load(s, key + 1, now);
        break;
    }
    taken
}

/// Starts the (stopped) comparator for the earliest armed deadline `at`, from the clock
/// reading `now` (the last [`clock`] call): one cycle if `at` has been reached (the
/// interrupt then runs at once), else the exact number of cycles from that reading to the
/// first cycle of `at`'s tick, or one counter period (a hop) if `at` is a period or more
/// away. Records whether this load ends at the deadline ([`State::final_hop`]).
#[inline(never)]
fn load(s: &State, at: u64, now: u64) {
    s.final_hop.set(false);
    // From the anchor (the reading's tick at its last whole `NUM`-tick step, `rem`
    // cycles ago) to the deadline.
    let rem = s.rem.get();
    let anchor = if NUM == 1 {
        now
    } else {
        now - u64::from(rem * NUM / DEN)
    };
    let cycles = if at <= now {
        1
    } else {
        let dt = at - anchor;
        if dt >= u64::from(WRAP_TICKS) {
            if at == u64::MAX {
                // Never (a disarmed slot): leave the comparator stopped.
                return;
            }
            // An intermediate hop: the deadline is not reached when it expires.
            write(ALARM, LOAD, WRAP_CYCLES - rem);
            write(ALARM, CONTROL, ALARM_MODE | CTRL_ENABLE);
            return;
        }
        let cycles = if NUM == 1 {
            dt as u32 * DEN
        } else {
            // The first cycle of tick `anchor + dt`, from the anchor's: `ceil(dt · DEN /
            // NUM)` (`NUM` is a power of two: a shift).
            (dt * u64::from(DEN)).div_ceil(u64::from(NUM)) as u32
        };
        // `cycles > rem`: the deadline's first cycle is after the reading.
        cycles - rem
    };
    write(ALARM, LOAD, cycles);
    write(ALARM, CONTROL, ALARM_MODE | CTRL_ENABLE);
    s.final_hop.set(true);
}

/// The alarm interrupt's path without a clock reading, when one slot was handed out
/// (most firmware: one executor with timers): if the comparator has expired (and the
/// counter has no wrap pending, which only [`clock`] may count) at the end of its last
/// hop, the slot is due (the loaded count ends at its deadline's first cycle or later:
/// never early). Disarms it, stops the comparator and returns the callback. `None`: take
/// the general path.
fn take_only(s: &State) -> Option<Option<AlarmCallback>> {
    if !s.final_hop.get()
        || s.allocated.get() != 1
        || read(ALARM, RIS) & 1 == 0
        || read(COUNTER, RIS) & 1 != 0
    {
        return None;
    }
    write(ALARM, CONTROL, ALARM_MODE);
    write(ALARM, INTCLR, 1);
    s.final_hop.set(false);
    let slot = &s.slots[0];
    slot.set_at(0);
    Some(slot.callback.get())
}

/// The `DUALTIMER` interrupt: counts a wrap, takes the earliest due slot's callback and
/// re-programs the comparator for the other slots, all in one critical section with one
/// clock reading; then runs the callback outside it (it may re-arm: `set_alarm`
/// re-programs the comparator itself). If another slot is due already, `program` loads
/// the comparator with one cycle, so this interrupt comes again at once: each run handles
/// one callback, earliest deadline first, and the common case (one due slot) costs one
/// lock and one reading.
fn on_interrupt() {
    let due = critical_section::with(|cs| {
        let s = STATE.borrow(cs);
        take_only(s).unwrap_or_else(|| program(s, clock(s), true))
    });
    if let Some(callback) = due {
        callback.call();
    }
}

/// [`on_interrupt`], installed by [`start`]. The vector reaches the driver only through
/// this pointer, so a firmware that never reads the clock (the vector table always names
/// `DUALTIMER`) links none of the driver's code or state: 24 bytes of vector and 4 of
/// `.bss` instead of about 440 and 80 (measured in `examples/`' `hello`). Firmware that
/// does use time pays for the indirection: the vector, the pointer and its store in
/// `start`, about 50 bytes.
static HANDLER: AtomicPtr<()> = AtomicPtr::new(ptr::null_mut());

#[allow(non_snake_case)]
#[no_mangle]
extern "C" fn DUALTIMER() {
    let handler = HANDLER.load(Ordering::Relaxed);
    if !handler.is_null() {
        // SAFETY: the only non-null value ever stored in `HANDLER` is `on_interrupt`, a
        // `fn()`, cast to a data pointer of the same size (`start`).
        let handler = unsafe { core::mem::transmute::<*mut (), fn()>(handler) };
        handler();
    }
}

/// The driver registered with `mote::time_driver!` (its state is a private `static`).
struct Mps2Driver;

impl Driver for Mps2Driver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| clock(STATE.borrow(cs)))
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        critical_section::with(|cs| {
            let s = STATE.borrow(cs);
            let n = s.allocated.get();
            if usize::from(n) >= ALARM_SLOTS {
                return None;
            }
            s.allocated.set(n + 1);
            Some(AlarmHandle::new(u32::from(n)))
        })
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        critical_section::with(|cs| {
            let s = STATE.borrow(cs);
            let i = alarm.index();
            let slot = match s.slots.get(i as usize) {
                Some(slot) if i < u32::from(s.allocated.get()) => slot,
                _ => return false,
            };
            let now = clock(s);
            let armed = at > now;
            // A reached deadline leaves the slot disarmed.
            slot.set_at(if armed { at } else { 0 });
            slot.callback.set(Some(callback));
            if armed && s.allocated.get() == 1 {
                // The only slot handed out (most firmware: one executor with timers):
                // load the comparator for it directly, without `program`'s pass.
                write(ALARM, CONTROL, ALARM_MODE);
                write(ALARM, INTCLR, 1);
                load(s, at, now);
            } else {
                program(s, now, false);
            }
            armed
        })
    }
}

mote::time_driver!(
    static DRIVER: Mps2Driver = Mps2Driver;
);

/// The driver's raw clock: dual-timer cycles (25 MHz) since it started, 64 bits, never
/// wrapping. `mote::time::Instant::now()` is this value converted to ticks. The counter
/// behind it wraps every [`WRAP_CYCLES`] cycles.
///
/// ```no_run
/// let a = mote_mps2::time_driver::cycles();
/// let b = mote_mps2::time_driver::cycles();
/// assert!(b >= a);
/// ```
pub fn cycles() -> u64 {
    critical_section::with(|cs| {
        let s = STATE.borrow(cs);
        let ticks = clock(s);
        let rem = s.rem.get();
        // The anchor is a whole number of `NUM`-tick steps (`NUM` is a power of two).
        let steps = (ticks - u64::from(rem * NUM / DEN)) / u64::from(NUM);
        steps * u64::from(DEN) + u64::from(rem)
    })
}

/// Test support: moves the counter forward so that it wraps in `cycles_before_wrap`
/// cycles (no effect if it is already closer to its wrap). Time only moves forward, so
/// `Instant` stays monotonic; armed alarms whose deadline the jump passed fire at once.
#[doc(hidden)]
pub fn skip_to_counter_wrap(cycles_before_wrap: u32) {
    critical_section::with(|cs| {
        let s = STATE.borrow(cs);
        let _ = clock(s);
        // At least 1: the wrap interrupt is raised by the 1 -> 0 step.
        let value = cycles_before_wrap.max(1);
        if value < read(COUNTER, VALUE) {
            // Stopped while LOAD sets the count (QEMU turns a periodic module whose LOAD
            // is written while it runs into a one-shot); BGLOAD restores the period.
            write(COUNTER, CONTROL, COUNTER_MODE);
            write(COUNTER, LOAD, value);
            write(COUNTER, BGLOAD, WRAP_CYCLES - 1);
            write(COUNTER, CONTROL, COUNTER_MODE | CTRL_ENABLE);
        }
        program(s, clock(s), false);
    });
}
