//! An embassy-time driver for the MPS2 boards, written for the benchmark (Embassy ships
//! none for them). It uses the same hardware as Mote's driver (mote-mps2's
//! `time_driver`): the CMSDK dual timer, module 1 free-running as the clock, module 2 one
//! shot as the alarm, both on line `DUALTIMER`. The timer queue is
//! embassy-time-queue-utils' integrated queue (its items live in embassy-executor's task
//! headers), kept by the driver as current Embassy expects (embassy-time 0.5,
//! embassy-time-driver 0.2: `Driver::schedule_wake` owns the queue).
//!
//! Guarantees:
//! - 1 MHz ticks (`tick-hz-1_000_000`, Mote's default rate), exact: module 1 runs
//!   periodically over `WRAP_CYCLES` = 25 · 2^27 cycles (2^27 ticks, about 134 s), so a
//!   tick count is `wraps << 27` plus the cycles of the current period divided by 25 (a
//!   32-bit division); the clock never wraps (the periods are counted) and starts at 0 on
//!   first use. The same technique as Mote's driver (mote-mps2's `time_driver`), so that
//!   neither runtime's figures carry a 64-bit division the other avoids.
//! - `now()` is race-free: the counter and the wrap count are read in one critical
//!   section, and a wrap whose interrupt has not run yet is counted by the reader.
//! - An alarm never fires early: module 2 is loaded with `deadline - now` cycles from a
//!   reading taken before it starts; deadlines beyond one 32-bit period are re-armed.
//! - Same structure as Embassy's own drivers (nRF RTC, STM32 timers): `schedule_wake`
//!   inserts into the queue and, when the queue says so, re-computes the next expiration
//!   (`Queue::next_expiration`, which also wakes the due tasks) and arms the alarm; the
//!   alarm interrupt does the same. Everything runs in one critical section.
//!
//! Its cost is part of Embassy's figures, so it does no more work than Mote's driver: one
//! critical section per operation and a 32-bit division per clock read.

use core::cell::{Cell, RefCell};
use core::ptr;
use core::task::Waker;

use cortex_m::peripheral::NVIC;
use critical_section::{CriticalSection, Mutex};
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;
use mote_mps2::Interrupt;

/// Timer cycles per tick: 25 MHz APB clock, 1 MHz ticks.
const CYCLES_PER_TICK: u32 = 25;
/// Ticks per period of module 1, a power of two.
const WRAP_SHIFT: u32 = 27;
/// Cycles per period of module 1: a whole number of ticks that fits 32 bits.
const WRAP_CYCLES: u32 = CYCLES_PER_TICK << WRAP_SHIFT;
const CLOCK: usize = 0x4000_2000; // dual timer, module 1
const ALARM: usize = 0x4000_2020; // dual timer, module 2
const LOAD: usize = 0x00;
const VALUE: usize = 0x04;
const CONTROL: usize = 0x08;
const INTCLR: usize = 0x0C;
const RIS: usize = 0x10;
const ONESHOT: u32 = 1 << 0;
const SIZE32: u32 = 1 << 1;
const INTEN: u32 = 1 << 5;
const PERIODIC: u32 = 1 << 6;
const ENABLE: u32 = 1 << 7;
/// Module 1: 32-bit periodic (reloads `WRAP_CYCLES - 1`), interrupt on each wrap.
const CLOCK_MODE: u32 = SIZE32 | INTEN | PERIODIC;
/// Module 2: 32-bit one-shot from `LOAD`, interrupt when it reaches 0.
const ALARM_MODE: u32 = ONESHOT | SIZE32 | INTEN | PERIODIC;
const MAX: u32 = u32::MAX;

fn read(base: usize, reg: usize) -> u32 {
    // SAFETY: `base + reg` is a word-aligned register of the CMSDK dual timer, device
    // memory outside any Rust object; this driver owns the dual timer.
    unsafe { ptr::read_volatile((base + reg) as *const u32) }
}

fn write(base: usize, reg: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { ptr::write_volatile((base + reg) as *mut u32, value) }
}

struct State {
    started: Cell<bool>,
    /// Periods of module 1 counted so far (`WRAP_CYCLES` cycles each).
    wraps: Cell<u32>,
    /// The deadline module 2 is armed for (ticks), `u64::MAX` when disarmed.
    alarm_at: Cell<u64>,
    queue: RefCell<Queue>,
}

struct Mps2EmbassyDriver {
    state: Mutex<State>,
}

impl Mps2EmbassyDriver {
    /// The state, starting the clock on first use.
    fn state<'a>(&'a self, cs: CriticalSection<'a>) -> &'a State {
        let s = self.state.borrow(cs);
        if !s.started.get() {
            s.started.set(true);
            write(CLOCK, CONTROL, CLOCK_MODE);
            write(CLOCK, LOAD, WRAP_CYCLES - 1);
            write(CLOCK, INTCLR, 1);
            write(ALARM, CONTROL, ALARM_MODE);
            write(ALARM, INTCLR, 1);
            write(CLOCK, CONTROL, CLOCK_MODE | ENABLE);
            // SAFETY: the handler below only touches this driver's state, in a critical
            // section; no critical section relies on the line being masked.
            unsafe { NVIC::unmask(Interrupt::DUALTIMER) };
        }
        s
    }

    /// (periods, cycles into the current period) since the clock started; counts a wrap
    /// whose interrupt is still pending.
    fn cycles(s: &State) -> (u32, u32) {
        let v1 = read(CLOCK, VALUE);
        let v = if read(CLOCK, RIS) & 1 == 0 {
            v1
        } else {
            let v2 = read(CLOCK, VALUE);
            if v2 != 0 {
                write(CLOCK, INTCLR, 1);
                s.wraps.set(s.wraps.get().wrapping_add(1));
            }
            v2
        };
        (s.wraps.get(), WRAP_CYCLES - 1 - v)
    }

    /// Ticks since the clock started.
    fn ticks(s: &State) -> u64 {
        let (wraps, c) = Self::cycles(s);
        (u64::from(wraps) << WRAP_SHIFT) + u64::from(c / CYCLES_PER_TICK)
    }

    /// Arms module 2 for tick `at`; `false` (nothing armed) if `at` has been reached.
    fn set_alarm(s: &State, at: u64) -> bool {
        s.alarm_at.set(at);
        write(ALARM, CONTROL, ALARM_MODE);
        write(ALARM, INTCLR, 1);
        if at == u64::MAX {
            return true;
        }
        let (wraps, c) = Self::cycles(s);
        let now = u64::from(wraps) * u64::from(WRAP_CYCLES) + u64::from(c);
        let at_cycles = at.saturating_mul(u64::from(CYCLES_PER_TICK));
        if at_cycles <= now {
            s.alarm_at.set(u64::MAX);
            return false;
        }
        let delta = at_cycles - now;
        let load = u32::try_from(delta).unwrap_or(MAX);
        write(ALARM, LOAD, load);
        write(ALARM, CONTROL, ALARM_MODE | ENABLE);
        true
    }

    /// Wakes the due tasks and arms the alarm for the next deadline.
    fn dispatch(s: &State) {
        let mut queue = s.queue.borrow_mut();
        loop {
            let now = Self::ticks(s);
            let next = queue.next_expiration(now);
            if Self::set_alarm(s, next) {
                break;
            }
        }
    }

    /// The `DUALTIMER` interrupt: counts a wrap (in `cycles`) and, if the alarm fired,
    /// wakes the due tasks and re-arms.
    fn on_interrupt(&self) {
        critical_section::with(|cs| {
            let s = self.state(cs);
            let now = Self::ticks(s);
            if read(ALARM, RIS) & 1 == 0 {
                return;
            }
            write(ALARM, CONTROL, ALARM_MODE);
            write(ALARM, INTCLR, 1);
            let at = s.alarm_at.get();
            if at == u64::MAX {
                return;
            }
            // A deadline beyond one 32-bit period is reached in several hops.
            if at > now && Self::set_alarm(s, at) {
                return;
            }
            Self::dispatch(s);
        })
    }
}

impl Driver for Mps2EmbassyDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| Self::ticks(self.state(cs)))
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let s = self.state(cs);
            let changed = s.queue.borrow_mut().schedule_wake(at, waker);
            if changed {
                Self::dispatch(s);
            }
        })
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: Mps2EmbassyDriver = Mps2EmbassyDriver {
    state: Mutex::new(State {
        started: Cell::new(false),
        wraps: Cell::new(0),
        alarm_at: Cell::new(u64::MAX),
        queue: RefCell::new(Queue::new()),
    }),
});

#[allow(non_snake_case)]
#[no_mangle]
extern "C" fn DUALTIMER() {
    DRIVER.on_interrupt();
}
