//! Firmware test (issue "Time"): the time driver's 32-bit counter wraps
//! without `Instant` going backwards or a timer misfiring.
//!
//! `time_driver::skip_to_counter_wrap` (test support) moves the counter forward to just
//! before its wrap. Checks:
//! 1. busy-reading `Instant::now()` and the driver's cycle count across the wrap: never
//!    decreasing, and past one counter period (`WRAP_CYCLES`) afterwards (the wrap was
//!    counted once, not lost);
//! 2. a 10 ms `Timer` started 5 ms before the (next) wrap, so the wrap happens while the
//!    executor sleeps: it completes after 10 ms (plus the wake-up latency), measured both by `Instant` and
//!    by the independent CMSDK TIMER0; the cycle count is then past 2 · `WRAP_CYCLES`;
//! 3. a 200 s timer, longer than one counter period (134.2 s), so the comparator reaches
//!    it in two hops: it completes after 200 s (plus the wake-up latency).
//! 4. the period's edge, on a second alarm slot armed directly through
//!    `mote::time::driver::set_alarm` 2 ms before a wrap, for the last tick of the period
//!    (the comparator loaded for it), the wrap's own tick (the first of the next period,
//!    reached by a hop) and the tick after: each callback runs at its tick, not before,
//!    at most 20 us after, with the executor's own slot armed too (the multi-slot pass).
//!
//! Needs deterministic time: xtask runs firmware with `-icount shift=0,sleep=off`, where
//! the 200 s of idle virtual time pass at once.
#![no_std]
#![no_main]

use core::cell::Cell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::Executor;
use mote::time::driver::{self, AlarmCallback};
use mote::time::{Duration, Instant, Timer, TICK_HZ};
use mote_mps2::testing::Checks;
use mote_mps2::time_driver::{self, CLOCK_HZ};
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>;
});

static EXECUTOR: Executor = Executor::new();

const WRAP: u64 = time_driver::WRAP_CYCLES as u64;
const CYCLES_PER_MS: u32 = (CLOCK_HZ / 1000) as u32;
const CYCLES_PER_TICK: u32 = (CLOCK_HZ / TICK_HZ) as u32;
/// Allowed lateness: the wake-up path (alarm interrupt, executor, poll) measured here
/// takes under one tick on thumbv7m and about 3 µs on thumbv6m (software 64-bit
/// division, critical-section atomics) with `-icount shift=0`.
const SLACK: Duration = Duration::from_micros(20);
const SLACK_CYCLES: u32 = 20 * (CLOCK_HZ / 1_000_000) as u32;

/// The tick at which the test alarm's callback ran (0: not yet).
static FIRED_AT: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

fn on_alarm(_: *const ()) {
    let now = Instant::now().as_ticks();
    critical_section::with(|cs| FIRED_AT.borrow(cs).set(now));
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_time_wrap");
    let p = mote_mps2::Peripherals::take().unwrap();
    let reference = PeriodicTimer::new(p.TIMER0, Irqs, u32::MAX);

    // 1. Busy across the first wrap.
    time_driver::skip_to_counter_wrap(2 * CYCLES_PER_MS);
    let start_cycles = time_driver::cycles();
    let mut last_instant = Instant::now();
    let mut last_cycles = time_driver::cycles();
    let mut monotonic = true;
    let mut reads = 0u32;
    while last_cycles < WRAP + u64::from(2 * CYCLES_PER_MS) && reads < 10_000_000 {
        let now = Instant::now();
        let cycles = time_driver::cycles();
        monotonic &= now >= last_instant && cycles >= last_cycles;
        last_instant = now;
        last_cycles = cycles;
        reads += 1;
    }
    println!(
        "busy: {} reads from cycle {} to {}",
        reads, start_cycles, last_cycles
    );
    checks.check(
        "started just before the wrap",
        start_cycles < WRAP && WRAP - start_cycles <= u64::from(2 * CYCLES_PER_MS),
    );
    checks.check(
        "Instant and cycles never decrease across the wrap",
        monotonic,
    );
    checks.check(
        "the wrap is counted: cycles past one period, not back near 0",
        (WRAP..2 * WRAP).contains(&last_cycles),
    );
    checks.check(
        "Instant matches the cycle count after the wrap",
        last_instant.as_ticks() >= (WRAP / u64::from(CYCLES_PER_TICK)),
    );

    // 2. Asleep across the second wrap.
    time_driver::skip_to_counter_wrap(5 * CYCLES_PER_MS);
    let before = time_driver::cycles();
    let t0 = Instant::now();
    let r0 = reference.elapsed_in_period();
    Timer::after(Duration::from_millis(10)).await;
    let r1 = reference.elapsed_in_period();
    let elapsed = t0.elapsed();
    let after = time_driver::cycles();
    let measured = r1.wrapping_sub(r0);
    println!(
        "asleep: cycle {} to {}, Instant {} us, TIMER0 {} cycles",
        before,
        after,
        elapsed.as_micros(),
        measured
    );
    checks.check(
        "slept across the second wrap",
        before < 2 * WRAP && after >= 2 * WRAP,
    );
    checks.check(
        "the timer lasted 10 ms by Instant (+ at most 20 us of wake-up latency)",
        elapsed >= Duration::from_millis(10) && elapsed <= Duration::from_millis(10) + SLACK,
    );
    checks.check(
        "the timer lasted 10 ms by TIMER0 (- 1 tick, + 20 us of wake-up latency)",
        measured + CYCLES_PER_TICK >= 10 * CYCLES_PER_MS
            && measured <= 10 * CYCLES_PER_MS + SLACK_CYCLES,
    );

    // 3. Longer than one counter period.
    let t0 = Instant::now();
    Timer::after(Duration::from_secs(200)).await;
    let elapsed = t0.elapsed();
    println!("long: {} us", elapsed.as_micros());
    checks.check(
        "a 200 s timer lasts 200 s (+ at most 20 us of wake-up latency)",
        elapsed >= Duration::from_secs(200) && elapsed <= Duration::from_secs(200) + SLACK,
    );
    // 4. Alarms at the period's edge, on a slot of their own.
    let slot = driver::allocate_alarm();
    checks.check("a second alarm slot", slot.is_some());
    let slack = SLACK.as_ticks();
    for (what, offset) in [
        ("the period's last tick", -1i64),
        ("the wrap's tick", 0),
        ("the tick after the wrap", 1),
    ] {
        let Some(slot) = slot else { break };
        time_driver::skip_to_counter_wrap(2 * CYCLES_PER_MS);
        let wrap_tick = (time_driver::cycles() / WRAP + 1) * WRAP / u64::from(CYCLES_PER_TICK);
        let at = wrap_tick.saturating_add_signed(offset);
        critical_section::with(|cs| FIRED_AT.borrow(cs).set(0));
        // SAFETY: `on_alarm` only reads the clock and writes a `Mutex`-guarded static,
        // sound from any context; its context pointer is unused.
        let callback = unsafe { AlarmCallback::new(on_alarm, core::ptr::null()) };
        let armed = driver::set_alarm(slot, at, callback);
        // The executor's own slot, for a deadline after the test alarm's.
        Timer::after(Duration::from_millis(3)).await;
        let fired = critical_section::with(|cs| FIRED_AT.borrow(cs).get());
        println!(
            "edge: {} armed {} at tick {}, ran at {}",
            what, armed, at, fired
        );
        checks.check(what, armed && fired >= at && fired <= at + slack);
    }

    reference.stop();
    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
