//! Firmware test of mote-mps2's one-slot dual-timer driver (`time_driver!(alarm_slots =
//! 1)`) at a comparator hop that expires while a reader holds a critical section.
//!
//! With one slot handed out, the alarm interrupt takes the slot without reading the clock
//! when the comparator has expired and no counter wrap is pending: the comparator proves
//! the deadline reached, but only if it was loaded for the deadline, not for a hop to the
//! next counter period (the driver's final-load flag). A wrap pending is the usual sign of
//! a hop's expiry (the hop ends at the first cycle of the next period); this test removes
//! it. No executor: the firmware takes the only slot itself and arms it through
//! `mote::time::driver::set_alarm`, so nothing above the driver re-checks the deadline
//! (Mote's executors do, and would hide an early callback).
//!
//! 1. The slot is armed for 10 ms after the counter's first wrap (134.2 s after start):
//!    a later period than the reading's, so the comparator hops to the wrap first.
//! 2. SysTick interrupts every 2²⁴ core cycles (0.67 s); the one that comes within 1 s of
//!    the wrap spins inside one critical section, reading `Instant::now()`, until 1 ms
//!    after it. That reader counts the wrap (and clears the counter's flag) while the
//!    hop's expiry waits behind the critical section.
//! 3. The alarm's callback must then run at its deadline (not before, at most 50 us
//!    after), not when the hop's expiry is handled 1 ms after the wrap.
//!
//! Exits 0 when every check holds. Needs `-icount shift=0,sleep=off` (the 134 s pass in
//! virtual time).
#![no_std]
#![no_main]

use core::cell::Cell;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use critical_section::Mutex;
use mote::time::driver::{self, AlarmCallback};
use mote::time::{Duration, Instant};
use mote_mps2::testing::Checks;
use mote_mps2::time_driver::WRAP_CYCLES;

mote_mps2::time_driver!(alarm_slots = 1);

/// Ticks in one counter period (the dual timer's 25 MHz over the tick rate).
const WRAP_TICKS: u64 = WRAP_CYCLES as u64 * mote::time::TICK_HZ / mote_mps2::time_driver::CLOCK_HZ;

/// Lateness allowed for the callback: 50 us.
const SLACK: Duration = Duration::from_micros(50);

/// The tick at which the alarm's callback ran (0: not yet).
static FIRED_AT: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
/// The first and last tick the SysTick reader saw inside its critical section (0: it
/// has not spun).
static SPUN: Mutex<Cell<(u64, u64)>> = Mutex::new(Cell::new((0, 0)));

fn on_alarm(_: *const ()) {
    let now = Instant::now().as_ticks();
    critical_section::with(|cs| FIRED_AT.borrow(cs).set(now));
}

#[exception]
fn SysTick() {
    let near = Duration::from_secs(1).as_ticks();
    critical_section::with(|cs| {
        let spun = SPUN.borrow(cs);
        let first = Instant::now().as_ticks();
        if spun.get().0 != 0 || first + near < WRAP_TICKS {
            return;
        }
        let until = WRAP_TICKS + Duration::from_millis(1).as_ticks();
        let mut last = first;
        while last < until {
            last = Instant::now().as_ticks();
        }
        spun.set((first, last));
    });
}

#[entry]
fn main() -> ! {
    let mut checks = Checks::new("test_mps2_one_slot_hop");
    let slot = driver::allocate_alarm();
    checks.check("the firmware holds the only slot", slot.is_some());
    let at = WRAP_TICKS + Duration::from_millis(10).as_ticks();
    // SAFETY: `on_alarm` only reads the clock and writes a `Mutex`-guarded static, which
    // is sound from any context; its context pointer is unused.
    let callback = unsafe { AlarmCallback::new(on_alarm, core::ptr::null()) };
    let armed = slot.is_some_and(|slot| driver::set_alarm(slot, at, callback));
    checks.check("armed for 10 ms after the first counter wrap", armed);

    // SAFETY: the handler above and this set-up are the only users of SYST, and the
    // counter is stopped until `enable_counter`, the last step here.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload((1 << 24) - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    let deadline = at + Duration::from_secs(2).as_ticks();
    let fired = loop {
        let fired = critical_section::with(|cs| FIRED_AT.borrow(cs).get());
        if fired != 0 || !armed || Instant::now().as_ticks() > deadline {
            break fired;
        }
        cortex_m::asm::wfi();
    };
    syst.disable_interrupt();
    syst.disable_counter();

    let (first, last) = critical_section::with(|cs| SPUN.borrow(cs).get());
    mote_mps2::println!(
        "reader spun from tick {} to {} (wrap at {}); alarm for {} ran at {}",
        first,
        last,
        WRAP_TICKS,
        at,
        fired
    );
    checks.check(
        "the SysTick reader held the critical section across the wrap",
        first < WRAP_TICKS && last > WRAP_TICKS,
    );
    checks.check(
        "the callback ran at its deadline, not at the hop's expiry",
        fired >= at && fired <= at + SLACK.as_ticks(),
    );
    checks.finish()
}
