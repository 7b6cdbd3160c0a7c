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
//! **Choosing the slot count.** Feature `time-driver` registers [`ALARM_SLOTS`] = 4 slots
//! (16 bytes of `.bss` each). A firmware that knows how many executors use timers turns
//! `time-driver` off, keeps `time`, and registers the driver itself with
//! [`time_driver!`](crate::time_driver!)`(alarm_slots = N)`: the state then holds `N`
//! slots, the slot passes are compiled for `N` (for one slot they are gone), and the
//! `DUALTIMER` vector calls the driver directly (no handler pointer). Measured on the
//! bench's two-LED blinky (`bench/fw`, opt-level "s", thumbv7m), one slot against
//! feature `time-driver`: flash 2740 against 2948 bytes, static RAM 308 against 360.
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
//!   the handler runs again at once: every due callback runs once, earliest first. The
//!   comparator is loaded only for a deadline in the reading's counter period; a later
//!   one gets a hop to the first cycle of the next period, where the handler reads the
//!   clock and loads again. `set_alarm` and the handler share that one path
//!   (`program`). **No clock reading when one slot was handed out and the comparator
//!   expired at a deadline, not a hop** (a flag set with each load), and no counter wrap
//!   is pending: the slot is due by construction (the count ends at the deadline's first
//!   cycle or later), so the handler takes it.
//! - **No lost alarm.** `set_alarm` reads the clock, returns `false` if the deadline has
//!   been reached, and otherwise loads the comparator with the exact number of cycles
//!   from that reading to the first cycle of the deadline's tick, all in one critical
//!   section; the comparator starts after the reading, so the alarm fires at the
//!   deadline or later, never early, and never not at all.
//! - Alarms may be set from any context (thread mode, any interrupt priority): every
//!   operation is one critical section.
//! - The clock starts at 0 on first use (the first `now()` or `set_alarm`), not at reset.
//!
//! Costs, measured in `bench/fw`'s `blinky` (one slot, `time_driver!(alarm_slots = 1)`;
//! release: opt-level `s`, LTO; thumbv7m) with `llvm-nm --size-sort`: 564 bytes of code
//! (`now` 32, `set_alarm` 110, `allocate_alarm` 40, `idle` 8, the `DUALTIMER` vector
//! with the handler 94, the clock reading 88, the comparator pass and load 144, the
//! start-up 48); `.bss` 12 bytes of clock state plus 16 per slot, nothing in `.data`.
//! With feature `time-driver` (4 slots, the vector through a handler pointer): 760 bytes
//! (the pass over the slots 268, `on_interrupt` 100, `set_alarm` 120, `start` 76 with the
//! pointer's store, the vector 24); a firmware that never reads the clock links only the
//! vector (24 bytes) and its handler pointer (4 bytes of `.bss`). Before issue 11's
//! `drv11` pass: 848 and 908 bytes (the state split by LLVM into one global per field,
//! each field's address built at each access; comparator hops and loads in a path of
//! their own). The version before that, which counted 2³²-cycle wraps and converted with
//! a running quotient, took 1 130 bytes of code and 96 bytes of `.data`, in every
//! firmware. Time: a clock reading is about 30 instructions; the comparator pass about
//! 30 plus 12 per allocated slot. A timer scheduled and expired on an interrupt executor
//! (`bench/fw` `bench_timer`, n = 1, one slot) costs 598 instructions in all, runtime
//! included (604 before the `drv11` pass, 729 before the one-slot paths and the first
//! `Timer` poll without a clock reading, 748 before the one-slot registration, 788 before
//! the runtime's second issue-11 pass, 903 before the first, 911 with the previous
//! driver).
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
use core::marker::PhantomData;
use core::ptr;
#[cfg(feature = "time-driver")]
use core::sync::atomic::{AtomicPtr, Ordering};

use cortex_m::peripheral::NVIC;
use critical_section::{CriticalSection, Mutex};
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
use mote::time::TICK_HZ;

use crate::Interrupt;

/// Clock of the dual timer (the MPS2 APB clock), in Hz.
pub const CLOCK_HZ: u64 = 25_000_000;

/// Alarm slots of the driver that feature `time-driver` registers: one per executor plus
/// mote's fallback queue (thread mode, two interrupt executors, the fallback queue). A
/// firmware that needs fewer (or more) registers the driver itself with
/// [`time_driver!`](crate::time_driver!) instead.
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
/// Used by [`skip_to_counter_wrap`] (feature `time-driver`).
#[cfg(feature = "time-driver")]
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
// `r · NUM` for `r < DEN` ([`ticks_in_period`]) and `b · DEN` for `b < NUM`
// ([`first_cycle`]) are computed in 32 bits.
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
    /// Two words, not a `u64`: `State` is then 4-byte aligned and has no padding.
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

/// The driver state with `N` alarm slots. All-zero, so it lives in `.bss`. `repr(C)`:
/// the words first, no padding between them.
#[repr(C)]
struct State<const N: usize> {
    /// Periods of the counter completed so far (`WRAP_CYCLES` cycles each).
    wraps: Cell<u32>,
    /// Of the last clock reading ([`clock`]): cycles since the start of its counter
    /// period (below [`WRAP_CYCLES`]), what [`program`] loads the comparator from.
    cycle: Cell<u32>,
    started: Cell<bool>,
    /// The comparator was last loaded for the earliest armed deadline (or one cycle for
    /// a due one), not for a hop: its expiry then proves that deadline reached.
    final_load: Cell<bool>,
    /// Slots handed out so far.
    allocated: Cell<u8>,
    slots: [Slot; N],
}

/// The storage of one registered driver with `N` alarm slots: 12 bytes of clock state
/// plus 16 per slot, all zero (`.bss`). Defined by [`time_driver!`](crate::time_driver!)
/// (or by feature `time-driver`), reached through [`Instance::state`].
///
/// ```
/// use mote_mps2::time_driver::DriverState;
/// static STATE: DriverState<1> = DriverState::new();
/// # let _ = &STATE;
/// ```
pub struct DriverState<const N: usize>(Mutex<State<N>>);

impl<const N: usize> DriverState<N> {
    const CAPACITY_OK: () = assert!(
        N >= 1 && N <= 255,
        "mote-mps2's time driver takes 1 to 255 alarm slots (one per executor that uses timers, plus one for timers polled outside Mote tasks)"
    );

    /// All slots free, the clock not started.
    pub const fn new() -> Self {
        let () = Self::CAPACITY_OK;
        DriverState(Mutex::new(State {
            wraps: Cell::new(0),
            cycle: Cell::new(0),
            started: Cell::new(false),
            final_load: Cell::new(false),
            allocated: Cell::new(0),
            slots: [const {
                Slot {
                    at_lo: Cell::new(0),
                    at_hi: Cell::new(0),
                    callback: Cell::new(None),
                }
            }; N],
        }))
    }
}

impl<const N: usize> Default for DriverState<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a registered driver keeps its state: implemented by
/// [`time_driver!`](crate::time_driver!) for a type of its own, so that the driver's
/// functions (generic over it) reach one `static` without a pointer in RAM.
///
/// ```
/// use mote_mps2::time_driver::{DriverState, Instance};
/// static STATE: DriverState<1> = DriverState::new();
/// struct Board;
/// impl Instance<1> for Board {
///     const INDIRECT_VECTOR: bool = false;
///     fn state() -> &'static DriverState<1> {
///         &STATE
///     }
/// }
/// # let _ = Board::state();
/// ```
pub trait Instance<const N: usize>: 'static {
    /// `true` if the `DUALTIMER` vector reaches the handler through a pointer the driver
    /// installs when it starts (feature `time-driver`: a firmware that never reads the
    /// clock links none of the driver); `false` if the vector calls
    /// [`on_interrupt`] itself (the [`time_driver!`](crate::time_driver!) macro).
    const INDIRECT_VECTOR: bool;
    /// The driver's state.
    fn state() -> &'static DriverState<N>;
}

/// The state of instance `I`, inside the critical section `cs`, reached through an
/// address the optimiser cannot see through: an empty `asm!` block passes it on. Seen
/// through, LLVM splits a small state into one global per field and materialises each
/// field's address (`movw` + `movt`, 8 bytes) at every access; behind the block every
/// access is one base register plus an offset (`ldr r1, [r0, #4]`, 2 bytes). About 130
/// bytes of the one-slot driver, and fewer instructions on every path.
fn state<const N: usize, I: Instance<N>>(cs: CriticalSection<'_>) -> &State<N> {
    let mut p: *const State<N> = I::state().0.borrow(cs);
    #[allow(
        clippy::pointers_in_nomem_asm_block,
        reason = "the block does not touch memory: it only hands the address on"
    )]
    // SAFETY: the template is a comment: no instruction, `p` comes out as it went in,
    // and `nomem` / `nostack` / `preserves_flags` say that nothing else changes.
    unsafe {
        core::arch::asm!(
            "/* {0} */",
            inout(reg) p,
            options(pure, nomem, nostack, preserves_flags)
        );
    }
    // SAFETY: `p` is the address of `I::state()`'s `State`, a `'static` borrowed for
    // `cs` as `Mutex::borrow` allows; the block above did not change it.
    unsafe { &*p }
}

/// Starts the counter (the clock reads 0) and unmasks the interrupt line.
#[cold]
#[inline(never)]
#[cfg_attr(
    not(feature = "time-driver"),
    allow(
        clippy::extra_unused_type_parameters,
        reason = "`I` says whether to install `HANDLER`, which exists with `time-driver` only"
    )
)]
fn start<const N: usize, I: Instance<N>>(s: &State<N>) {
    s.started.set(true);
    #[cfg(feature = "time-driver")]
    if I::INDIRECT_VECTOR {
        // Inside the caller's critical section: the store is done before the interrupt
        // can run (leaving the critical section is a compiler fence, and PRIMASK holds
        // the line). `black_box`: otherwise LLVM sees the one value ever stored, calls
        // `on_interrupt` directly from the vector and so links the driver into every
        // firmware.
        let handler = core::hint::black_box(on_interrupt::<N, I> as fn() as *mut ());
        HANDLER.store(handler, Ordering::Relaxed);
    }
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

/// Ticks of the first `cycle` cycles of a counter period: `floor(cycle · NUM / DEN)`
/// in 32 bits (`cycle = q · DEN + r`, so `q · NUM + floor(r · NUM / DEN)`; for the
/// default 1 MHz tick, `cycle / 25`, a multiply).
const fn ticks_in_period(cycle: u32) -> u32 {
    let q = cycle / DEN;
    if NUM == 1 {
        q
    } else {
        q * NUM + (cycle - q * DEN) * NUM / DEN
    }
}

/// The first cycle of a period whose tick is `tick` or later: `ceil(tick · DEN / NUM)`
/// in 32 bits (`tick = a · NUM + b` with `NUM` a power of two, so `a · DEN + ceil(b ·
/// DEN / NUM)`; at 1 MHz, `tick · 25`). `tick < WRAP_TICKS`, so it is below
/// [`WRAP_CYCLES`].
const fn first_cycle(tick: u32) -> u32 {
    if NUM == 1 {
        tick * DEN
    } else {
        (tick / NUM) * DEN + ((tick & (NUM - 1)) * DEN).div_ceil(NUM)
    }
}

/// Reads the clock in ticks, starting it on first use and counting a pending wrap
/// (module docs). Call inside the critical section that guards `s`. Leaves the cycle of
/// the reading within its period in `s.cycle`, from which [`program`] loads the
/// comparator.
#[inline(never)]
fn clock<const N: usize, I: Instance<N>>(s: &State<N>) -> u64 {
    if !s.started.get() {
        start::<N, I>(s);
    }
    let mut v = read(COUNTER, VALUE);
    if read(COUNTER, RIS) & 1 != 0 {
        v = read(COUNTER, VALUE);
        if v != 0 {
            write(COUNTER, INTCLR, 1);
            s.wraps.set(s.wraps.get().wrapping_add(1));
        }
    }
    let cycle = WRAP_CYCLES - 1 - v;
    s.cycle.set(cycle);
    (u64::from(s.wraps.get()) << WRAP_TICKS.trailing_zeros()) + u64::from(ticks_in_period(cycle))
}

/// Re-programs the comparator for the earliest armed slot, from the clock reading `now`
/// (the last [`clock`] call). With `take` (the interrupt handler), first disarms the
/// earliest slot if it is due and returns its callback.
///
/// The comparator is stopped and acknowledged, then loaded only for a deadline in the
/// reading's counter period: one cycle if it has been reached (the handler then runs at
/// once and takes it), else the exact number of cycles from the reading to the first
/// cycle of the deadline's tick. A later deadline gets a hop: the cycles to the first
/// cycle of the next period, where the handler reads the clock and comes back here (so a
/// far deadline is reached one period at a time). Each load records in
/// [`State::final_load`] whether it ends at a deadline. (Leaving the comparator stopped
/// and waiting for the counter's own wrap interrupt instead was tried: in QEMU it lost a
/// whole period against the independent TIMER0 in `test_time_wrap`.)
///
/// `now == u64::MAX` (the handler, one slot handed out, the comparator expired at the end
/// of a final load and no wrap pending): the comparator proves the slot due without a
/// clock reading, since it is only ever loaded for the earliest armed deadline and
/// expires at that deadline's first cycle or later. Then nothing is loaded: the slot is
/// taken and no other exists.
#[inline(never)]
fn program<const N: usize>(s: &State<N>, mut take: bool, now: u64) -> Option<AlarmCallback> {
    // Stop and acknowledge: a stale expiry must not interrupt again.
    write(ALARM, CONTROL, ALARM_MODE);
    write(ALARM, INTCLR, 1);
    // Only the slots handed out so far (the others are never armed); with one slot,
    // no count to read.
    let n = if N == 1 {
        1
    } else {
        usize::from(s.allocated.get()).min(N)
    };
    let slots = &s.slots[..n];
    let mut taken = None;
    loop {
        // The earliest armed slot, keyed by `deadline − 1`: a disarmed slot (0) wraps to
        // u64::MAX, never the earliest. Among equal deadlines, the first. One armed for
        // `u64::MAX` ("never") is loaded like any deadline: it is never in the reading's
        // period, so it leaves the comparator stopped, and the comparator never expires
        // for it (nor is it taken with `now == u64::MAX`, below).
        let mut best = None;
        let mut best_key = u64::MAX;
        for slot in slots {
            let key = slot.at().wrapping_sub(1);
            if key < best_key {
                best = Some(slot);
                best_key = key;
            }
        }
        let Some(slot) = best else {
            break;
        };
        if take && best_key < now {
            take = false;
            slot.set_at(0);
            taken = slot.callback.get();
            if n == 1 {
                break; // the only slot handed out: nothing left to wait for
            }
            continue;
        }
        let at = best_key + 1;
        let mut final_load = true;
        let cycles = if at <= now {
            1
        } else {
            // Ticks from the start of the reading's period (`now` is in that period, and
            // `at > now`: no underflow).
            let ahead = at - (u64::from(s.wraps.get()) << WRAP_TICKS.trailing_zeros());
            if ahead >= u64::from(WRAP_TICKS) {
                // A later period: a hop to the first cycle of the next one.
                final_load = false;
                WRAP_CYCLES - s.cycle.get()
            } else {
                // `at > now`, so the deadline's first cycle is after the reading's.
                first_cycle(ahead as u32) - s.cycle.get()
            }
        };
        s.final_load.set(final_load);
        write(ALARM, LOAD, cycles);
        write(ALARM, CONTROL, ALARM_MODE | CTRL_ENABLE);
        break;
    }
    taken
}

/// The `DUALTIMER` interrupt (the comparator expired, the counter wrapped, or both):
/// counts a wrap, takes the earliest due slot's callback and re-programs the comparator
/// for the other slots, all in one critical section with one clock reading; then runs
/// the callback outside it (it may re-arm: `set_alarm` re-programs the comparator
/// itself). If another slot is due already, `program` loads the comparator with one
/// cycle, so this interrupt comes again at once: each run handles one callback, earliest
/// deadline first, and the common case (one due slot) costs one lock and one reading.
/// With one slot handed out, the comparator's expiry (no wrap pending) proves it due, and
/// the handler reads no clock at all.
///
/// The `DUALTIMER` vector that [`time_driver!`](crate::time_driver!) defines calls it;
/// calling it from anywhere else only makes the driver look at its alarms early (a
/// spurious interrupt: nothing is due, the comparator is programmed again).
///
/// ```no_run
/// struct Board;
/// # static STATE: mote_mps2::time_driver::DriverState<1> = mote_mps2::time_driver::DriverState::new();
/// # impl mote_mps2::time_driver::Instance<1> for Board {
/// #     const INDIRECT_VECTOR: bool = false;
/// #     fn state() -> &'static mote_mps2::time_driver::DriverState<1> { &STATE }
/// # }
/// mote_mps2::time_driver::on_interrupt::<1, Board>();
/// ```
pub fn on_interrupt<const N: usize, I: Instance<N>>() {
    let due = critical_section::with(|cs| {
        let s = state::<N, I>(cs);
        let expired = (N == 1 || s.allocated.get() == 1)
            && s.final_load.get()
            && read(ALARM, RIS) & 1 != 0
            && read(COUNTER, RIS) & 1 == 0;
        let now = if expired { u64::MAX } else { clock::<N, I>(s) };
        program(s, true, now)
    });
    if let Some(callback) = due {
        callback.call();
    }
}

/// [`on_interrupt`] of the driver that feature `time-driver` registers, installed by
/// [`start`]. The vector reaches the driver only through this pointer, so a firmware
/// that never reads the clock (the vector table always names `DUALTIMER`) links none of
/// the driver's code or state: 24 bytes of vector and 4 of `.bss` instead of about 440
/// and 80 (measured in `examples/`' `hello`). Firmware that does use time pays for the
/// indirection: the vector, the pointer and its store in `start`, about 50 bytes. (A
/// driver registered with [`time_driver!`](crate::time_driver!) has a direct vector.)
#[cfg(feature = "time-driver")]
static HANDLER: AtomicPtr<()> = AtomicPtr::new(ptr::null_mut());

#[cfg(feature = "time-driver")]
#[allow(non_snake_case)]
#[no_mangle]
extern "C" fn DUALTIMER() {
    let handler = HANDLER.load(Ordering::Relaxed);
    if !handler.is_null() {
        // SAFETY: the only non-null value ever stored in `HANDLER` is an `on_interrupt`
        // instance, a `fn()`, cast to a data pointer of the same size (`start`).
        let handler = unsafe { core::mem::transmute::<*mut (), fn()>(handler) };
        handler();
    }
}

/// The driver, with `N` alarm slots and its state where `I` says. Register it with
/// [`time_driver!`](crate::time_driver!) (or feature `time-driver`, which registers
/// `Mps2Driver<ALARM_SLOTS, _>`); it is a zero-sized handle.
///
/// ```
/// use mote::time::driver::Driver;
/// use mote_mps2::time_driver::{DriverState, Instance, Mps2Driver};
/// static STATE: DriverState<2> = DriverState::new();
/// struct Board;
/// impl Instance<2> for Board {
///     const INDIRECT_VECTOR: bool = false;
///     fn state() -> &'static DriverState<2> {
///         &STATE
///     }
/// }
/// // Two slots: two executors with timers, or one and the fallback queue.
/// static DRIVER: Mps2Driver<2, Board> = Mps2Driver::new();
/// assert_eq!(core::mem::size_of_val(&DRIVER), 0); // the state is `STATE`
/// # fn _registered_like_this(d: &Mps2Driver<2, Board>) -> u64 { d.now() }
/// ```
pub struct Mps2Driver<const N: usize, I>(PhantomData<fn() -> I>);

impl<const N: usize, I: Instance<N>> Mps2Driver<N, I> {
    /// The handle (no state of its own).
    pub const fn new() -> Self {
        Mps2Driver(PhantomData)
    }
}

impl<const N: usize, I: Instance<N>> Default for Mps2Driver<N, I> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, I: Instance<N>> Driver for Mps2Driver<N, I> {
    fn now(&self) -> u64 {
        critical_section::with(|cs| clock::<N, I>(state::<N, I>(cs)))
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        critical_section::with(|cs| {
            let s = state::<N, I>(cs);
            let n = s.allocated.get();
            if usize::from(n) >= N {
                return None;
            }
            s.allocated.set(n + 1);
            Some(AlarmHandle::new(u32::from(n)))
        })
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        critical_section::with(|cs| {
            let s = state::<N, I>(cs);
            let i = alarm.index();
            let slot = match s.slots.get(i as usize) {
                Some(slot) if i < u32::from(s.allocated.get()) => slot,
                _ => return false,
            };
            let now = clock::<N, I>(s);
            let armed = at > now;
            // A reached deadline leaves the slot disarmed.
            slot.set_at(if armed { at } else { 0 });
            slot.callback.set(Some(callback));
            program(s, false, now);
            armed
        })
    }
}

/// Registers this crate's time driver with `$n` alarm slots: `time_driver!(alarm_slots
/// = 1);`, once, in a firmware that depends on this crate with feature `time` and
/// without `time-driver` (which registers one with [`ALARM_SLOTS`] = 4 slots; both is a
/// "symbol multiply defined" link error). It defines the driver's state (`.bss`, 12
/// bytes plus 16 per slot), registers it with `mote::time_driver!`, and defines the
/// `DUALTIMER` vector, which calls the driver directly.
///
/// Give it one slot per executor whose tasks use timers, plus one if timers are polled
/// outside Mote tasks (a foreign executor, `block_on`, a `FuturesUnordered` in a task).
/// An executor or queue that finds no slot left does not lose its timers: it polls them
/// instead of sleeping (`mote::time` documents this), so too few slots cost time, never
/// correctness. A blinky with one thread-mode executor needs one slot.
///
/// ```no_run
/// // Cargo.toml: mote-mps2 = { ..., default-features = false, features = ["time", "panic-handler"] }
/// mote_mps2::time_driver!(alarm_slots = 1);
///
/// # fn main() {
/// let t0 = mote::time::Instant::now(); // the dual timer's clock
/// # let _ = t0;
/// # }
/// ```
#[macro_export]
macro_rules! time_driver {
    (alarm_slots = $n:expr) => {
        const _: () = {
            static STATE: $crate::time_driver::DriverState<{ $n }> =
                $crate::time_driver::DriverState::new();
            struct Board;
            impl $crate::time_driver::Instance<{ $n }> for Board {
                const INDIRECT_VECTOR: bool = false;
                fn state() -> &'static $crate::time_driver::DriverState<{ $n }> {
                    &STATE
                }
            }
            $crate::__mote::time_driver!(
                static DRIVER: $crate::time_driver::Mps2Driver<{ $n }, Board> =
                    $crate::time_driver::Mps2Driver::new();
            );
            #[allow(non_snake_case)]
            #[no_mangle]
            extern "C" fn DUALTIMER() {
                $crate::time_driver::on_interrupt::<{ $n }, Board>();
            }
        };
    };
}

/// The driver that feature `time-driver` registers: [`ALARM_SLOTS`] slots, reached
/// through [`HANDLER`].
#[cfg(feature = "time-driver")]
mod registered {
    use super::{DriverState, Instance, Mps2Driver, ALARM_SLOTS};

    static STATE: DriverState<ALARM_SLOTS> = DriverState::new();

    pub(super) struct Default;

    impl Instance<ALARM_SLOTS> for Default {
        const INDIRECT_VECTOR: bool = true;
        fn state() -> &'static DriverState<ALARM_SLOTS> {
            &STATE
        }
    }

    mote::time_driver!(
        static DRIVER: Mps2Driver<ALARM_SLOTS, Default> = Mps2Driver::new();
    );
}

#[cfg(feature = "time-driver")]
use registered::Default as Registered;

/// The driver's raw clock: dual-timer cycles (25 MHz) since it started, 64 bits, never
/// wrapping. `mote::time::Instant::now()` is this value converted to ticks. The counter
/// behind it wraps every [`WRAP_CYCLES`] cycles.
///
/// ```no_run
/// let a = mote_mps2::time_driver::cycles();
/// let b = mote_mps2::time_driver::cycles();
/// assert!(b >= a);
/// ```
#[cfg(feature = "time-driver")]
pub fn cycles() -> u64 {
    critical_section::with(|cs| {
        let s = state::<ALARM_SLOTS, Registered>(cs);
        let _ = clock::<ALARM_SLOTS, Registered>(s);
        u64::from(s.wraps.get()) * u64::from(WRAP_CYCLES) + u64::from(s.cycle.get())
    })
}

/// Test support: moves the counter forward so that it wraps in `cycles_before_wrap`
/// cycles (no effect if it is already closer to its wrap). Time only moves forward, so
/// `Instant` stays monotonic; armed alarms whose deadline the jump passed fire at once.
#[cfg(feature = "time-driver")]
#[doc(hidden)]
pub fn skip_to_counter_wrap(cycles_before_wrap: u32) {
    critical_section::with(|cs| {
        let s = state::<ALARM_SLOTS, Registered>(cs);
        let _ = clock::<ALARM_SLOTS, Registered>(s);
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
        program(s, false, clock::<ALARM_SLOTS, Registered>(s));
    });
}
