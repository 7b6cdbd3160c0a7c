//! The generic Cortex-M time driver: the core's SysTick timer, run tickless.
//!
//! Guarantees:
//! - `now()` is a 64-bit count of SysTick cycles since the driver started (first use),
//!   converted to ticks as `floor(cycles · TICK_HZ / core_hz)` from the *total* each
//!   time: the conversion never drifts, whatever the ratio (25 MHz → 1 MHz, 32 768 Hz…).
//! - `now()` never decreases, across any number of 24-bit wraps, including a wrap whose
//!   interrupt is still pending (it reads the counter, `COUNTFLAG`, and the counter again,
//!   inside a critical section, and folds the wrap itself).
//! - Tickless: with no alarm armed the only interrupt is one per *max period*
//!   (2^24 cycles, 0.67 s at 25 MHz) to count the wrap; an alarm gets one interrupt at
//!   its deadline (never before it, late by at most [`MIN_CUT`] cycles plus interrupt
//!   latency).
//! - An alarm callback runs from [`SysTickDriver::on_interrupt`], i.e. in the `SysTick`
//!   exception, after the driver's critical section is released, at most once per arming.
//! - Requirement: interrupts are never masked for a whole max period (0.67 s at 25 MHz,
//!   or the cap given to [`SysTickDriver::with_max_period`]); otherwise a wrap is lost.
//!
//! # Design: a fixed long reload, and a *cut* when an alarm falls inside the period
//!
//! SysTick counts down from `RVR` to 0 at the core clock, sets `COUNTFLAG`, pends the
//! `SysTick` exception and reloads `RVR` on the next cycle: a period is `RVR + 1` cycles.
//! There is no compare register, so the only way to get an interrupt at an arbitrary
//! instant is to make a period end there. Only two things change the period:
//!
//! - writing `RVR` — takes effect at the next reload, exact but one period late;
//! - writing `CVR` — clears the counter now, which reloads `RVR` on the next SysTick clock
//!   edge: this *cuts* the current period short, and the cycles counted so far must be
//!   accounted. The reload takes whatever `RVR` holds *at that edge*, not at the store.
//!
//! Invariant (**Long Reload Invariant**): outside a cut, `RVR` holds the max period. A
//! cut writes the short reload `Rc`, stores to `CVR`, **waits until the counter has
//! reloaded** (reads nonzero), and only then writes the max period back. So every period that starts unattended (by a natural wrap) is a
//! max period, only the current period can be short, and a late handler (masked
//! interrupts, higher-priority work) loses nothing unless it is a whole max period late.
//!
//! ```text
//!  cycles ──►   base                         cut at s        next wrap = alarm
//!  counter   R ┐                          ┌ Rc ─┐             ┌ R ────────────┐
//!              └─╲───────────────────────╲┘     ╲──────────── ┘╲ …            ╲ wrap:
//!                 ╲ (max period, R=RVR)   │      ╲ (cut period) │ max period  base += R+1
//!                                          set_alarm(at < end):   on_interrupt: fire
//!                 RVR:  R                 Rc │ R  (restored)     slots ≤ now, re-arm
//!
//!  a cut, in order:  RVR := Rc ─► CVR := 0 ─► wait: CVR != 0 ─► RVR := R
//!                    (CVR = 0 until the next SysTick clock edge, which loads Rc)
//! ```
//!
//! Why the wait: the store to `CVR` leaves the counter at 0 until the next SysTick clock
//! edge, and that edge loads `RVR` as it is then. Restoring `R` before the edge would turn
//! the cut period into a max period (the alarm a whole period late, and the driver's
//! accounting off by it). On hardware with the core clock the edge is the next cycle, so
//! the wait is over by the time the counter is read back; on QEMU the reload happens one
//! count period of virtual time after the store (62.5 ns at 16 MHz on `microbit`, about
//! 60 instructions under `-icount shift=0`), so the read-back often sees 0 and the wait
//! spins until QEMU's timer callback has reloaded. The wait ends at the first nonzero read:
//! the cut period is at least [`MIN_CUT`] cycles, so the counter cannot reach 0 again
//! before that read. It changes no accounting below: when the read-back was 0, the period
//! is taken to start one cycle after it, as before.
//!
//! Per period the state is `(base, reload)`: the cycle count at the reload that started
//! it and the value it started from. `now = base + reload − CVR`. At a wrap (seen through
//! `COUNTFLAG` by whoever reads first: `now()`, `set_alarm` or the interrupt)
//! `base += reload + 1; reload = R` (Long Reload Invariant).
//!
//! ## Why the cut is exact
//!
//! A cut is one function (`sample`): read `CVR` (`v1`), read `CSR` (consume
//! `COUNTFLAG`), read `CVR` (`v1b`), store to a register, read `CVR` (`v2`). The cut
//! stores to `CVR`; the counter restarts from the new `RVR` (`Rc`). The cycles lost
//! between the `v1b` read and the restart are never measured; instead the driver knows
//! `D`, the cycles from the `v1b` read to the `v2` read, because at start-up it runs the
//! *same machine code* storing to `RVR` (its own value, no effect) on a free-running
//! counter and reads `D = v1b − v2`. Then, with `t(v1b) = base + reload − v1b`:
//!
//! ```text
//!   t(v2)    = t(v1b) + D
//!   new base = t(v2) − (Rc − v2)        (the new period has counted Rc − v2 so far)
//! ```
//!
//! where only `D` is calibrated, and the split of `D` before/after the restart does not
//! matter. The error of a cut is the variation of that instruction sequence's timing:
//! zero on an in-order core running from zero-wait-state memory with interrupts masked
//! (the critical section), at most a few cycles with flash wait states. **Bounded error:**
//! on QEMU, SysTick counts virtual nanoseconds (40 ns per count at 25 MHz) independent of
//! the instructions, and the store restarts the count at the exact nanosecond, so a cut
//! loses the fraction of a count in progress: less than one count (40 ns) per cut.
//!
//! **Why it does not accumulate in practice:** cuts happen only when an alarm is armed
//! *earlier than the end of the current period* — at most one per `set_alarm` that moves
//! the earliest deadline into the current period, i.e. about one per alarm firing. Wraps
//! (the only events while nothing is armed) never cut, so an idle clock or a clock with
//! far alarms is exact; the error is at most `cuts() × per-cut error` (zero on hardware
//! with deterministic timing). The alternative, a fixed reload with one interrupt per
//! `RVR` change (no cuts at all), would delay a new alarm by up to a whole period or force
//! a periodic tick; a periodic tick costs an interrupt per tick forever. This design pays
//! one cut per alarm instead.
//!
//! A cut is skipped when the current period ends within [`MIN_CUT`] cycles anyway (so the
//! `RVR` write cannot race the natural reload), and a cut period is at least `MIN_CUT`
//! cycles (so the driver restores `RVR` after its reload and before its end).
//!
//! QEMU caveat (not the driver's): under `-icount shift=0,sleep=off`, QEMU 7.2 skips one
//! SysTick period each time SysTick wakes the CPU from WFI (virtual time jumps to the
//! following deadline before the CPU runs; measured on `microbit` with a bare SysTick
//! and no Mote), so `COUNTFLAG` then stands for two periods and the clock falls a period
//! behind virtual time. With `sleep=on`, without `-icount`, or busy-waiting, every
//! period is seen.
//!
//! Costs: `now()` is a critical section with four register reads, a store and a 64-bit
//! multiply-divide; the interrupt is a linear pass over the `N` slots; a cut adds, inside
//! the critical section, the wait for one SysTick clock edge (one core cycle on hardware).

use core::cell::Cell;
use core::ptr::{read_volatile, write_volatile};

use critical_section::{CriticalSection, Mutex};

use crate::time::driver::{AlarmCallback, AlarmHandle, AlarmSlots, Driver};
use crate::time::tick::{mul_div_ceil, mul_div_floor, ratio};

const SYST_CSR: *mut u32 = 0xE000_E010 as *mut u32;
const SYST_RVR: *mut u32 = 0xE000_E014 as *mut u32;
const SYST_CVR: *mut u32 = 0xE000_E018 as *mut u32;
const ICSR: *mut u32 = 0xE000_ED04 as *mut u32;

const CSR_ENABLE: u32 = 1 << 0;
const CSR_TICKINT: u32 = 1 << 1;
const CSR_CLKSOURCE_CORE: u32 = 1 << 2;
const CSR_COUNTFLAG: u32 = 1 << 16;
const ICSR_PENDSTSET: u32 = 1 << 26;

/// The longest SysTick period: `RVR` is 24 bits, a period is `RVR + 1` cycles.
pub const MAX_PERIOD: u32 = 1 << 24;

/// The shortest cut period and the margin before a natural wrap inside which the driver
/// does not cut, in cycles (10 µs at 25 MHz). An alarm closer than this to now, or to
/// the end of the current period, fires up to this many cycles late (never early).
pub const MIN_CUT: u32 = 256;

/// The smallest period [`SysTickDriver::with_max_period`] accepts.
pub const MIN_MAX_PERIOD: u32 = 4 * MIN_CUT;

/// One register sample, the only code besides [`wait_reload`] that touches `CVR`, `CSR`
/// during operation:
/// `(v1, csr, v1b, v2)` around a store of `value` to `store` .
///
/// Named invariant, cited as **SysTick Register Invariant**: `store` is `SYST_RVR` or
/// `SYST_CVR` and the four addresses are the architecturally defined SysTick registers,
/// present on every Cortex-M core this driver is built for (`cortex-m` feature); reads
/// have no side effect except clearing `COUNTFLAG` (which this driver owns).
///
/// `#[inline(never)]` keeps one copy of the machine code, so the calibration measures
/// the very instructions a cut runs.
#[inline(never)]
fn sample(store: *mut u32, value: u32) -> (u32, u32, u32, u32) {
    // SAFETY: SysTick Register Invariant.
    unsafe {
        let v1 = read_volatile(SYST_CVR);
        let csr = read_volatile(SYST_CSR);
        let v1b = read_volatile(SYST_CVR);
        write_volatile(store, value);
        let v2 = read_volatile(SYST_CVR);
        (v1, csr, v1b, v2)
    }
}

/// Waits until the counter has reloaded after a store to `CVR` (start or cut): spins
/// while `CVR` reads 0. The architecture reloads on the next SysTick clock edge (one
/// core cycle with the core clock this driver selects); QEMU reloads one count period
/// of virtual time after the store (62.5 ns at 16 MHz), in its timer callback.
///
/// Only called right after a store to `CVR` with `RVR` at least `MIN_CUT − 1`: the
/// counter reads 0 only until that reload, then not again for at least `MIN_CUT − 1`
/// counts, so the first nonzero read ends the wait.
fn wait_reload() {
    // SAFETY: SysTick Register Invariant.
    while unsafe { read_volatile(SYST_CVR) } == 0 {
        core::hint::spin_loop();
    }
}

fn pend_systick() {
    // SAFETY: ICSR is always present; writing PENDSTSET only pends SysTick, other
    // write-one bits are written as 0 (no effect).
    unsafe { write_volatile(ICSR, ICSR_PENDSTSET) }
}

/// Driver state, only touched inside the driver's critical section.
struct State<const N: usize> {
    started: Cell<bool>,
    /// Cycles at the reload that started the current period.
    base: Cell<u64>,
    /// The value the current period started from (period = `reload + 1` cycles).
    reload: Cell<u32>,
    /// Calibrated cycles from the `v1b` read to the `v2` read of [`sample`].
    seq_cycles: Cell<u32>,
    periods: Cell<u32>,
    cuts: Cell<u32>,
    slots: AlarmSlots<N>,
}

/// The SysTick time driver with `N` alarm slots (one per executor, plus one for the
/// fallback queue if timers are polled outside Mote executors).
///
/// Register it with [`time_driver!`](crate::time_driver) and call
/// [`on_interrupt`](Self::on_interrupt) from the `SysTick` exception handler:
///
/// ```ignore
/// use cortex_m_rt::exception;
/// use mote::time::drivers::systick::SysTickDriver;
///
/// mote::time_driver!(static DRIVER: SysTickDriver<4> = SysTickDriver::new(25_000_000););
///
/// #[exception]
/// fn SysTick() {
///     DRIVER.on_interrupt()
/// }
/// ```
///
/// The driver takes SysTick over on first use (the first `Instant::now()` or timer):
/// it sets `RVR`, `CVR` and `CSR` (core clock, interrupt on), and owns them from then on.
/// Nothing else may use SysTick.
pub struct SysTickDriver<const N: usize> {
    core_hz: u32,
    max_reload: u32,
    /// `TICK_HZ / core_hz`, reduced: ticks = cycles · num / den.
    num: u64,
    den: u64,
    state: Mutex<State<N>>,
}

impl<const N: usize> SysTickDriver<N> {
    /// A driver for a core clocked at `core_hz` (SysTick counts core cycles), with the
    /// longest period (2^24 cycles). `core_hz == 0` is treated as 1.
    ///
    /// ```
    /// use mote::time::drivers::systick::SysTickDriver;
    /// static DRIVER: SysTickDriver<4> = SysTickDriver::new(25_000_000);
    /// assert_eq!(DRIVER.core_hz(), 25_000_000);
    /// assert_eq!(DRIVER.max_period(), 1 << 24);
    /// ```
    pub const fn new(core_hz: u32) -> Self {
        Self::with_max_period(core_hz, MAX_PERIOD)
    }

    /// As [`new`](Self::new) with the period capped at `max_period` cycles, clamped to
    /// [`MIN_MAX_PERIOD`]`..=`[`MAX_PERIOD`]. Meant for tests: a small cap forces
    /// frequent wraps. Costs one interrupt per `max_period` while idle.
    ///
    /// ```
    /// use mote::time::drivers::systick::{SysTickDriver, MIN_MAX_PERIOD};
    /// let d: SysTickDriver<2> = SysTickDriver::with_max_period(25_000_000, 5_000);
    /// assert_eq!(d.max_period(), 5_000);
    /// let tiny: SysTickDriver<2> = SysTickDriver::with_max_period(25_000_000, 1);
    /// assert_eq!(tiny.max_period(), MIN_MAX_PERIOD);
    /// ```
    pub const fn with_max_period(core_hz: u32, max_period: u32) -> Self {
        let core_hz = if core_hz == 0 { 1 } else { core_hz };
        let max_period = if max_period < MIN_MAX_PERIOD {
            MIN_MAX_PERIOD
        } else if max_period > MAX_PERIOD {
            MAX_PERIOD
        } else {
            max_period
        };
        let (num, den) = ratio(core_hz as u64);
        SysTickDriver {
            core_hz,
            max_reload: max_period - 1,
            num,
            den,
            state: Mutex::new(State {
                started: Cell::new(false),
                base: Cell::new(0),
                reload: Cell::new(0),
                seq_cycles: Cell::new(0),
                periods: Cell::new(0),
                cuts: Cell::new(0),
                slots: AlarmSlots::new(),
            }),
        }
    }

    /// The core clock rate given to the constructor.
    pub const fn core_hz(&self) -> u32 {
        self.core_hz
    }

    /// The longest period in cycles (the wrap interval while no alarm is near).
    pub const fn max_period(&self) -> u32 {
        self.max_reload + 1
    }

    /// Converts a cycle count to ticks, rounding down (exact, no drift).
    fn cycles_to_ticks(&self, cycles: u64) -> u64 {
        mul_div_floor(cycles, self.num, self.den)
    }

    /// The first cycle count at which the tick count reaches `ticks`.
    fn ticks_to_cycles(&self, ticks: u64) -> u64 {
        mul_div_ceil(ticks, self.den, self.num)
    }

    /// Takes SysTick over if not done yet: max reload, restart, core clock, interrupt
    /// on, waits for the first reload; then calibrates the cut sequence. Time 0 is the
    /// restart.
    fn start(&self, st: &State<N>) {
        if st.started.get() {
            return;
        }
        // SAFETY: SysTick Register Invariant; the driver owns SysTick from now on.
        unsafe {
            write_volatile(SYST_CSR, 0);
            write_volatile(SYST_RVR, self.max_reload);
            write_volatile(SYST_CVR, 0);
            write_volatile(SYST_CSR, CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE_CORE);
        }
        // Calibrate on a running counter, not on the 0 it holds until the first reload.
        wait_reload();
        // Calibrate on the free-running counter: store RVR's own value (no effect).
        // Keep the smallest of a few clean runs (no wrap inside): on hardware they are
        // all equal; on QEMU, where counts are coarser than instructions, the smallest
        // is the typical one.
        let mut best = u32::MAX;
        for _ in 0..8 {
            let (v1, csr, v1b, v2) = sample(SYST_RVR, self.max_reload);
            if csr & CSR_COUNTFLAG == 0 && v1 >= v1b && v1b >= v2 && v2 != 0 {
                best = best.min(v1b - v2);
            }
        }
        st.seq_cycles.set(if best == u32::MAX { 0 } else { best });
        // Restart: time 0 is this store, time 1 the reload that follows it.
        // SAFETY: SysTick Register Invariant.
        unsafe { write_volatile(SYST_CVR, 0) };
        st.base.set(1);
        st.reload.set(self.max_reload);
        st.started.set(true);
    }

    /// Folds the wrap seen in a [`sample`] (if any) into `st` and returns the cycle
    /// count at the `v1b` read (possibly `base − 1`: the counter at 0 after `COUNTFLAG`,
    /// one cycle before the reload).
    fn observe(&self, st: &State<N>, v1: u32, csr: u32, v1b: u32) -> u64 {
        let flag = csr & CSR_COUNTFLAG != 0;
        // `v1 == 0` without the flag: a store to CVR (start or cut) cleared the counter
        // and the reload has not happened yet; `base` already names that reload.
        let fresh = !flag && v1 == 0;
        // Otherwise no flag at the CSR read means v1 was in the current period (v1 > 0),
        // and a larger v1b means a reload happened between the two reads.
        let wrapped = flag || (!fresh && v1b > v1);
        if wrapped {
            st.base
                .set(st.base.get().saturating_add(u64::from(st.reload.get()) + 1));
            // Long Reload Invariant: a natural wrap reloads the max period.
            st.reload.set(self.max_reload);
            st.periods.set(st.periods.get().wrapping_add(1));
            if !flag {
                // The wrap after our CSR read left COUNTFLAG set: consume it now so it
                // is not folded twice (the next wrap is a max period away).
                // SAFETY: SysTick Register Invariant.
                let _ = unsafe { read_volatile(SYST_CSR) };
            }
        }
        if (wrapped || fresh) && v1b == 0 {
            // Counter at 0, one cycle before the reload that starts the period at `base`
            // (base >= 1: it starts at 1 and only grows).
            st.base.get() - 1
        } else {
            st.base.get() + u64::from(st.reload.get().saturating_sub(v1b))
        }
    }

    /// The current cycle count, folding a pending wrap.
    fn sync(&self, st: &State<N>) -> u64 {
        self.start(st);
        let (v1, csr, v1b, _) = sample(SYST_RVR, self.max_reload);
        self.observe(st, v1, csr, v1b)
    }

    /// Makes the next SysTick interrupt come no later than the earliest armed alarm
    /// (plus [`MIN_CUT`]): cuts the current period if the alarm falls inside it, pends
    /// the exception if the alarm is already due.
    fn schedule(&self, st: &State<N>) {
        let Some(at) = st.slots.next_deadline() else {
            return; // the wrap at the end of this period comes anyway
        };
        let at = self.ticks_to_cycles(at);
        let now = self.sync(st);
        let end = st.base.get() + u64::from(st.reload.get()) + 1;
        if at >= end || end - now <= u64::from(MIN_CUT) {
            return; // the wrap comes first, or soon enough
        }
        if at <= now {
            pend_systick();
            return;
        }
        // The new period must end at or after `at`; its reload happens after `now`, so
        // measuring from `now` errs late.
        let len = (at - now).clamp(u64::from(MIN_CUT), u64::from(self.max_reload));
        let cut_reload = len as u32 - 1;
        // SAFETY: SysTick Register Invariant. No wrap can happen before the store below
        // (the period has more than MIN_CUT cycles left and we are in a critical
        // section), so the new RVR is loaded only by the cut.
        unsafe { write_volatile(SYST_RVR, cut_reload) };
        let (v1, csr, v1b, v2) = sample(SYST_CVR, 0);
        let t_v1b = self.observe(st, v1, csr, v1b);
        if v2 == 0 {
            // The reload that starts the cut period has not happened yet: it will load
            // whatever RVR holds then, so RVR keeps `cut_reload` until it has.
            wait_reload();
        }
        // SAFETY: SysTick Register Invariant. Restores the Long Reload Invariant: the
        // cut period has started (v2 != 0, or the wait above saw the reload), so it
        // runs from `cut_reload`; it lasts at least MIN_CUT cycles, so it cannot end
        // (and reload again) before this write.
        unsafe { write_volatile(SYST_RVR, self.max_reload) };
        let t_v2 = t_v1b + u64::from(st.seq_cycles.get());
        let counted = if v2 == 0 {
            0 // not reloaded yet at the read: the period starts one cycle later
        } else {
            u64::from(cut_reload.saturating_sub(v2)) + 1
        };
        st.base.set(t_v2 + 1 - counted);
        st.reload.set(cut_reload);
        st.cuts.set(st.cuts.get().wrapping_add(1));
    }

    /// Call from the `SysTick` exception handler (and only there): folds the wrap, calls
    /// the callbacks of every due slot (earliest first, outside the critical section),
    /// and reprograms SysTick for the next alarm. Spurious calls are harmless.
    pub fn on_interrupt(&self) {
        loop {
            let due = critical_section::with(|cs| {
                let st = self.state.borrow(cs);
                let now = self.sync(st);
                st.slots.take_earliest_due(self.cycles_to_ticks(now))
            });
            match due {
                Some((_, cb)) => cb.call(),
                None => break,
            }
        }
        critical_section::with(|cs| self.schedule(self.state.borrow(cs)));
    }

    /// The clock in SysTick cycles since the driver started (the value `now()` converts
    /// to ticks). Starts the driver if needed.
    pub fn now_cycles(&self) -> u64 {
        critical_section::with(|cs| self.sync(self.state.borrow(cs)))
    }

    /// How many periods have ended (wraps and cut periods), for diagnostics and tests.
    pub fn periods(&self) -> u32 {
        critical_section::with(|cs| self.state.borrow(cs).periods.get())
    }

    /// How many times a period was cut short for an alarm (each may lose less than one
    /// count on QEMU; see the module docs).
    pub fn cuts(&self) -> u32 {
        critical_section::with(|cs| self.state.borrow(cs).cuts.get())
    }

    /// The calibrated cycles of the cut sequence (see the module docs).
    pub fn sequence_cycles(&self) -> u32 {
        critical_section::with(|cs| {
            let st = self.state.borrow(cs);
            self.start(st);
            st.seq_cycles.get()
        })
    }

    fn with_state<R>(&self, f: impl FnOnce(CriticalSection<'_>, &State<N>) -> R) -> R {
        critical_section::with(|cs| f(cs, self.state.borrow(cs)))
    }
}

impl<const N: usize> Driver for SysTickDriver<N> {
    fn now(&self) -> u64 {
        self.cycles_to_ticks(self.now_cycles())
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        self.with_state(|_, st| st.slots.allocate())
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        self.with_state(|_, st| {
            let now = self.cycles_to_ticks(self.sync(st));
            if at <= now {
                st.slots.disarm(alarm);
                return false;
            }
            let armed = st.slots.arm(alarm, at, callback);
            if armed {
                self.schedule(st);
            }
            armed
        })
    }
}
