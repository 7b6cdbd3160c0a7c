//! Firmware test of the board's time driver (`mote_examples_microbit::time`, TIMER1) on
//! QEMU's `microbit`: Mote's clock agrees with two other timers of the nRF51 that the
//! driver does not touch, TIMER0 at 1 MHz and TIMER2 at 31.25 kHz (16 MHz / 2^9):
//!
//! 1. `Timer::after(100 ms)`: at least 100 ms of `Instant` passed, and TIMER0 counted the
//!    same span within ±2 µs;
//! 2. a 150 ms `Ticker` over 10 ticks: every tick agrees with TIMER0 within ±2 µs of the
//!    span since the start, so no drift builds up;
//! 3. `Timer::after(4 400 s)`, longer than TIMER1's 2^32 µs (71.6 min) wrap and reached
//!    in three compare hops of at most 2^31 µs: the clock counted the wrap exactly once
//!    (TIMER2, which does not wrap for 38 h, agrees within two of its 32 µs counts), and
//!    `Instant::now()` is later than before it.
//!
//! Run with `-icount shift=0,sleep=off`: idle time is skipped, so the 73 virtual minutes
//! take no wall-clock time. Prints each check; exits 0 when all hold.
#![no_std]
#![no_main]

use core::ptr::{read_volatile, write_volatile};

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_examples_microbit::{exit, println, EXIT_FAILURE, EXIT_SUCCESS};

const TIMER0: usize = 0x4000_8000;
const TIMER2: usize = 0x4000_A000;
const TASKS_START: usize = 0x000;
const TASKS_CAPTURE0: usize = 0x040;
const MODE: usize = 0x504;
const BITMODE: usize = 0x508;
const PRESCALER: usize = 0x510;
const CC0: usize = 0x540;

/// The most the two clocks may disagree over a span, in microseconds.
const TOLERANCE_US: i64 = 2;

fn timer_write(timer: usize, offset: usize, value: u32) {
    // SAFETY: Reference Timer Invariant: `timer` is TIMER0 or TIMER2 and `offset` one of
    // the nRF51 TIMER registers named above (valid MMIO); this test is their only user
    // (the time driver uses TIMER1).
    unsafe { write_volatile((timer + offset) as *mut u32, value) }
}

fn timer_read(timer: usize, offset: usize) -> u32 {
    // SAFETY: Reference Timer Invariant (see `timer_write`); reading CC0 has no side
    // effect.
    unsafe { read_volatile((timer + offset) as *const u32) }
}

/// Starts `timer` as a free-running 32-bit timer at 16 MHz / 2^`prescaler`.
fn timer_start(timer: usize, prescaler: u32) {
    timer_write(timer, MODE, 0);
    timer_write(timer, BITMODE, 3);
    timer_write(timer, PRESCALER, prescaler);
    timer_write(timer, TASKS_START, 1);
}

/// Reads Mote's clock and `timer` (through a capture) back to back, with interrupts
/// masked so nothing runs between the two.
fn both_clocks_of(timer: usize) -> (Instant, u32) {
    critical_section::with(|_| {
        let now = Instant::now();
        timer_write(timer, TASKS_CAPTURE0, 1);
        (now, timer_read(timer, CC0))
    })
}

fn both_clocks() -> (Instant, u32) {
    both_clocks_of(TIMER0)
}

/// How far Mote's span `(start, now)` is from the timer's, in microseconds, for a timer
/// counting `us_per_count` microseconds.
fn disagreement_in(start: (Instant, u32), now: (Instant, u32), us_per_count: i64) -> i64 {
    let mote_us = (now.0 - start.0).as_micros() as i64;
    let timer_us = i64::from(now.1.wrapping_sub(start.1)) * us_per_count;
    mote_us - timer_us
}

fn disagreement(start: (Instant, u32), now: (Instant, u32)) -> i64 {
    disagreement_in(start, now, 1)
}

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn scenario() {
    timer_start(TIMER0, 4);
    timer_start(TIMER2, 9);
    let mut ok = true;
    let mut check = |name: &str, pass: bool, detail: i64| {
        println!(
            "{} {} (off by {} us)",
            if pass { "ok  " } else { "FAIL" },
            name,
            detail
        );
        ok &= pass;
    };

    let start = both_clocks();
    Timer::after(Duration::from_millis(100)).await;
    let now = both_clocks();
    let off = disagreement(start, now);
    check(
        "Timer::after(100 ms) lasts 100 ms on TIMER0",
        now.0 - start.0 >= Duration::from_millis(100) && off.abs() <= TOLERANCE_US,
        off,
    );

    let start = both_clocks();
    let mut ticker = Ticker::every(Duration::from_millis(150));
    let mut worst = 0i64;
    for _ in 0..10 {
        ticker.next().await;
        let off = disagreement(start, both_clocks());
        if off.abs() > worst.abs() {
            worst = off;
        }
    }
    let elapsed = start.0.elapsed();
    check(
        "10 ticks of 150 ms agree with TIMER0 (no drift)",
        elapsed >= Duration::from_millis(1_500) && worst.abs() <= TOLERANCE_US,
        worst,
    );

    let start = both_clocks_of(TIMER2);
    Timer::after(Duration::from_secs(4_400)).await;
    let now = both_clocks_of(TIMER2);
    let off = disagreement_in(start, now, 32);
    check(
        "Timer::after(4400 s) across the 2^32 us wrap agrees with TIMER2",
        now.0 - start.0 >= Duration::from_secs(4_400) && now.0 > start.0 && off.abs() <= 64,
        off,
    );

    exit(if ok { EXIT_SUCCESS } else { EXIT_FAILURE })
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
