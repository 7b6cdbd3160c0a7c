//! Firmware test of Mote's generic SysTick time driver (`mote::time::drivers::systick`)
//! on QEMU's `microbit`, whose Cortex-M0 SysTick counts the 16 MHz core clock (QEMU
//! 7.2 `hw/arm/nrf51_soc.c` feeds the CPU clock only, so `CLKSOURCE` is the core). There
//! the driver's *cut* (shortening the current period for an alarm) used to be lost: QEMU
//! reloads one count after the `CVR` write, and the driver restored the long reload
//! before that, so a 10 ms timer fired two 2^24-cycle periods (2.1 s) late.
//!
//! Reference clock: the nRF51 TIMER0 at 1 MHz (16 MHz / 2^4), which the driver does not
//! touch, captured back to back with `Instant::now()`:
//!
//! 1. `Timer::after(10 ms)` and `Timer::after(100 ms)`: TIMER0 counted the duration, late
//!    by less than [`LATE_US`], and agrees with Mote's span within [`TOLERANCE_US`];
//! 2. a 10 ms `Ticker` over 20 ticks: every tick on the grid, none early (in `Instant`),
//!    late by less than [`LATE_US`], and TIMER0 agrees with the span since the start at
//!    every tick (no drift);
//! 3. the driver cut a period for each of the 22 timers above (the path under test ran).
//!
//! Natural wraps (2^24 cycles, 1.05 s here) are covered by `test_systick` and
//! `test_systick_wraps` on the MPS2 machines: busy virtual time is slow to emulate.
//!
//! Registers its own driver (the board crate's TIMER1 driver is off in this package).
//! Run with `-icount shift=0,sleep=off` (deterministic virtual time). Prints each check;
//! exits 0 when all hold.
//!
//! Why the scenario runs in `block_on_spin` (the CPU busy-waits) rather than on an
//! executor that sleeps in WFI: under `-icount shift=0,sleep=off`, QEMU 7.2 skips one
//! SysTick period each time SysTick wakes the idle CPU — virtual time (and TIMER0) jumps
//! to the *following* SysTick deadline before the CPU runs, so the exception comes a
//! whole period late and `COUNTFLAG` stands for two periods. Measured with a bare
//! SysTick and WFI, no Mote: interrupts at +1 ms (the cut), then every 2^25 cycles
//! instead of 2^24; with `sleep=on`, or without `-icount`, or busy-waiting, every
//! period. No driver can account for time the emulator skips while it cannot run, so
//! this test keeps the CPU busy; real hardware wakes from WFI at the interrupt.
#![no_std]
#![no_main]

use core::ptr::{read_volatile, write_volatile};

use cortex_m_rt::{entry, exception};
use mote::futures::block_on_spin;
use mote::time::drivers::systick::SysTickDriver;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_examples_microbit::{exit, println, EXIT_FAILURE, EXIT_SUCCESS};

mote::time_driver!(
    static DRIVER: SysTickDriver<4> = SysTickDriver::new(16_000_000);
);

#[exception]
fn SysTick() {
    DRIVER.on_interrupt()
}

const TIMER0: usize = 0x4000_8000;
const TASKS_START: usize = 0x000;
const TASKS_CAPTURE0: usize = 0x040;
const MODE: usize = 0x504;
const BITMODE: usize = 0x508;
const PRESCALER: usize = 0x510;
const CC0: usize = 0x540;

/// The most Mote's clock and TIMER0 may disagree over a span, in microseconds.
const TOLERANCE_US: i64 = 2;
/// The most a timer may fire late, in microseconds: the driver's bound is `MIN_CUT`
/// (256 cycles, 16 us at 16 MHz) plus interrupt latency.
const LATE_US: i64 = 20;

fn timer0_write(offset: usize, value: u32) {
    // SAFETY: Reference Timer Invariant: `TIMER0 + offset` is one of the nRF51 TIMER0
    // registers named above (valid MMIO); this test is TIMER0's only user.
    unsafe { write_volatile((TIMER0 + offset) as *mut u32, value) }
}

fn timer0_read(offset: usize) -> u32 {
    // SAFETY: Reference Timer Invariant (see `timer0_write`); reading CC0 has no side
    // effect.
    unsafe { read_volatile((TIMER0 + offset) as *const u32) }
}

/// Starts TIMER0 as a free-running 32-bit timer at 1 MHz.
fn timer0_start() {
    timer0_write(MODE, 0);
    timer0_write(BITMODE, 3);
    timer0_write(PRESCALER, 4);
    timer0_write(TASKS_START, 1);
}

/// Mote's clock and TIMER0 (through a capture), read back to back with interrupts
/// masked so nothing runs between the two.
fn both_clocks() -> (Instant, u32) {
    critical_section::with(|_| {
        let now = Instant::now();
        timer0_write(TASKS_CAPTURE0, 1);
        (now, timer0_read(CC0))
    })
}

/// Microseconds TIMER0 counted between two readings.
fn timer0_us(start: (Instant, u32), now: (Instant, u32)) -> i64 {
    i64::from(now.1.wrapping_sub(start.1))
}

/// Mote's span minus TIMER0's, in microseconds.
fn disagreement(start: (Instant, u32), now: (Instant, u32)) -> i64 {
    (now.0 - start.0).as_micros() as i64 - timer0_us(start, now)
}

struct Checks {
    ok: bool,
}

impl Checks {
    fn check(&mut self, name: &str, pass: bool) {
        println!("{} {}", if pass { "ok  " } else { "FAIL" }, name);
        self.ok &= pass;
    }

    /// `Timer::after(d)`: TIMER0 counted `d` .. `d + LATE_US`, Mote's clock agrees.
    async fn timer(&mut self, d: Duration) {
        let start = both_clocks();
        Timer::after(d).await;
        let now = both_clocks();
        let want = d.as_micros() as i64;
        let got = timer0_us(start, now);
        let off = disagreement(start, now);
        println!(
            "Timer::after({} us): TIMER0 {} us, Mote off by {} us",
            want, got, off
        );
        self.check(
            "timer lasted its duration on TIMER0, late by < LATE_US, clocks agree",
            now.0 - start.0 >= d
                && got >= want - TOLERANCE_US
                && got < want + LATE_US
                && off.abs() <= TOLERANCE_US,
        );
    }
}

async fn scenario() -> bool {
    timer0_start();
    let mut checks = Checks { ok: true };
    println!(
        "SysTick driver: {} Hz, max period {} cycles, cut sequence {} cycles",
        DRIVER.core_hz(),
        DRIVER.max_period(),
        DRIVER.sequence_cycles()
    );
    let cuts0 = DRIVER.cuts();

    checks.timer(Duration::from_millis(10)).await;
    checks.timer(Duration::from_millis(100)).await;

    let start = both_clocks();
    let mut ticker = Ticker::every(Duration::from_millis(10));
    let first = ticker.next_deadline();
    let (mut on_grid, mut worst_late, mut worst_off) = (true, 0i64, 0i64);
    for k in 0..20u64 {
        let deadline = ticker.next_deadline();
        on_grid &= deadline == first + Duration::from_millis(10 * k);
        ticker.next().await;
        let now = both_clocks();
        on_grid &= now.0 >= deadline;
        worst_late = worst_late.max((now.0 - deadline).as_micros() as i64);
        let off = disagreement(start, now);
        if off.abs() > worst_off.abs() {
            worst_off = off;
        }
    }
    println!(
        "ticker: worst lateness {} us, worst TIMER0 disagreement {} us",
        worst_late, worst_off
    );
    checks.check(
        "ticker: 20 ticks on the 10 ms grid, none early, late by < LATE_US, no drift",
        on_grid && worst_late < LATE_US && worst_off.abs() <= TOLERANCE_US,
    );

    let cuts = DRIVER.cuts().wrapping_sub(cuts0);
    println!("{} cuts, {} periods", cuts, DRIVER.periods());
    checks.check(
        "the driver cut a period for each of the 22 timers",
        cuts >= 22,
    );

    checks.ok
}

#[entry]
fn main() -> ! {
    let ok = block_on_spin(scenario());
    exit(if ok { EXIT_SUCCESS } else { EXIT_FAILURE })
}
