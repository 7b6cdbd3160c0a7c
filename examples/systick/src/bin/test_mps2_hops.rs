//! Firmware test of mote-mps2's dual-timer driver over many consecutive comparator hops,
//! with alarms set from interrupts while a hop is in progress
//! (`time_driver!(alarm_slots = 2)`: the thread-mode executor takes one slot, the
//! interrupt handlers below the other).
//!
//! A deadline beyond the reading's counter period (134.2 s at 1 MHz) is reached one
//! period at a time: the comparator hops to the first cycle of each next period, where
//! the handler reads the clock and loads again. Checks, in virtual time
//! (`-icount shift=0,sleep=off`), each against `Instant` and against an independent
//! clock, the CMSDK TIMER0 counting 2³² − 1 cycle periods (171.8 s):
//! 1. one slot handed out (the handler's no-reading path is live): a `Timer` five
//!    periods and 3 ms away completes at its deadline (not before, at most 50 us after)
//!    after five hops, and SysTick agrees (a lost or doubled period is 134 s);
//! 2. two slots: a `Timer` four periods and 5 ms away; while its comparator hops, the
//!    SysTick handler takes the second slot and arms it 2 ms ahead (A); A's callback (in
//!    the driver's interrupt) arms 1 ms after the next counter wrap (B, a hop then a
//!    final load); B's callback arms 5 ticks before the following wrap (D), and D's
//!    callback, 5 ticks before that wrap, arms 3 ticks after it (E, set while the
//!    executor's hop to that wrap is loaded). Each callback runs at its deadline (at
//!    most 50 us after), and the executor's timer still completes on time.
//!
//! Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::cell::Cell;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use critical_section::Mutex;
use mote::executor::Executor;
use mote::time::driver::{self, AlarmCallback, AlarmHandle};
use mote::time::{Duration, Instant, Timer};
use mote_mps2::testing::Checks;
use mote_mps2::time_driver::{CLOCK_HZ, WRAP_CYCLES};
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>;
});

mote_mps2::time_driver!(alarm_slots = 2);

static EXECUTOR: Executor = Executor::new();

/// Ticks in one counter period (the dual timer's 25 MHz over the tick rate).
const WRAP_TICKS: u64 = WRAP_CYCLES as u64 * mote::time::TICK_HZ / CLOCK_HZ;
/// Core cycles between two SysTick interrupts (the core clock is the 25 MHz APB clock).
const SYSTICK_CYCLES: u64 = 1 << 24;

/// Lateness allowed for a timer or a callback: 50 us.
const SLACK: Duration = Duration::from_micros(50);

/// The interrupt-armed chain's state (tick values; 0: not yet).
struct Chain {
    /// The first SysTick at or after this tick takes the slot and arms A (0: idle).
    start_after: Cell<u64>,
    slot: Cell<Option<AlarmHandle>>,
    /// Deadline and the tick its callback ran, for A, B, D and E.
    at: [Cell<u64>; 4],
    fired: [Cell<u64>; 4],
    /// Every `set_alarm` of the chain returned `true` (armed).
    armed: Cell<bool>,
}

static CHAIN: Mutex<Chain> = Mutex::new(Chain {
    start_after: Cell::new(0),
    slot: Cell::new(None),
    at: [const { Cell::new(0) }; 4],
    fired: [const { Cell::new(0) }; 4],
    armed: Cell::new(true),
});

/// The first tick of the counter period after the one `tick` is in.
fn next_wrap(tick: u64) -> u64 {
    (tick / WRAP_TICKS + 1) * WRAP_TICKS
}

/// Arms the chain's slot for step `i` at `at`, to call `on_step(i)`.
fn arm_step(chain: &Chain, i: usize, at: u64) {
    let Some(slot) = chain.slot.get() else {
        chain.armed.set(false);
        return;
    };
    chain.at[i].set(at);
    // SAFETY: `on_step` only reads the clock, updates `CHAIN` inside a critical section
    // and arms the driver's alarm, all sound from any context; the context pointer is
    // the step index, never dereferenced.
    let callback = unsafe { AlarmCallback::new(on_step, i as *const ()) };
    if !driver::set_alarm(slot, at, callback) {
        chain.armed.set(false);
    }
}

/// An alarm of the chain ran (in the driver's interrupt): records it, arms the next step.
fn on_step(ctx: *const ()) {
    let i = ctx as usize;
    let now = Instant::now().as_ticks();
    critical_section::with(|cs| {
        let chain = CHAIN.borrow(cs);
        chain.fired[i].set(now);
        match i {
            // A: 1 ms after the next wrap (the comparator hops there first).
            0 => arm_step(
                chain,
                1,
                next_wrap(now) + 1_000 * mote::time::TICK_HZ / 1_000_000,
            ),
            // B: 5 ticks before the following wrap.
            1 => arm_step(chain, 2, next_wrap(now) - 5),
            // D: 3 ticks after the wrap 5 ticks ahead (the executor's hop ends there).
            2 => arm_step(chain, 3, next_wrap(now) + 3),
            _ => {}
        }
    });
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let chain = CHAIN.borrow(cs);
        let start = chain.start_after.get();
        if start == 0 {
            return;
        }
        let now = Instant::now().as_ticks();
        if now < start {
            return;
        }
        chain.start_after.set(0);
        // Allocated from an interrupt, while the executor's comparator hops.
        chain.slot.set(driver::allocate_alarm());
        arm_step(chain, 0, now + Duration::from_millis(2).as_ticks());
    });
}

/// The reference clock: TIMER0's cycles since it started (its period boundaries times
/// its period, plus the cycles into the current one).
fn reference_cycles(reference: &PeriodicTimer) -> u64 {
    loop {
        let n = reference.expiries();
        let within = reference.elapsed_in_period();
        if reference.expiries() == n {
            return u64::from(n) * u64::from(u32::MAX) + u64::from(within);
        }
    }
}

fn mark(reference: &PeriodicTimer) -> (Instant, u64) {
    (Instant::now(), reference_cycles(reference))
}

/// `end - t` lasted `d` by `Instant` (at most `SLACK` more) and by TIMER0 (one tick
/// less, `SLACK` more).
fn lasted(checks: &mut Checks, what: &str, d: Duration, t: (Instant, u64), end: (Instant, u64)) {
    let elapsed = end.0.duration_since(t.0);
    let cycles = end.1 - t.1;
    let per_tick = CLOCK_HZ / mote::time::TICK_HZ;
    let expected = d.as_ticks() * per_tick;
    println!(
        "{}: {} us by Instant (deadline {} us), {} TIMER0 cycles (deadline {})",
        what,
        elapsed.as_micros(),
        d.as_micros(),
        cycles,
        expected
    );
    checks.check(what, elapsed >= d && elapsed <= d + SLACK);
    checks.check(
        "TIMER0 agrees (no period lost or counted twice)",
        cycles + per_tick >= expected && cycles <= expected + SLACK.as_ticks() * per_tick,
    );
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_mps2_hops");
    let p = mote_mps2::Peripherals::take().unwrap();
    let reference = PeriodicTimer::new(p.TIMER0, Irqs, u32::MAX);

    // 1. Five hops, one slot handed out.
    let t = mark(&reference);
    let d = Duration::from_ticks(5 * WRAP_TICKS) + Duration::from_millis(3);
    Timer::at(t.0 + d).await;
    lasted(
        &mut checks,
        "one slot: a Timer 5 periods + 3 ms away, on time after five hops",
        d,
        t,
        mark(&reference),
    );

    // 2. Four hops, with the interrupt-armed chain on the second slot.
    let t = mark(&reference);
    let d = Duration::from_ticks(4 * WRAP_TICKS) + Duration::from_millis(5);
    critical_section::with(|cs| {
        CHAIN
            .borrow(cs)
            .start_after
            .set(t.0.as_ticks() + Duration::from_secs(30).as_ticks())
    });
    Timer::at(t.0 + d).await;
    lasted(
        &mut checks,
        "two slots: a Timer 4 periods + 5 ms away, on time with alarms armed from interrupts",
        d,
        t,
        mark(&reference),
    );
    let slack = SLACK.as_ticks();
    critical_section::with(|cs| {
        let chain = CHAIN.borrow(cs);
        checks.check(
            "the SysTick handler got the second slot",
            chain.slot.get().is_some(),
        );
        checks.check("every alarm of the chain was armed", chain.armed.get());
        for (i, what) in [
            "A: 2 ms after the SysTick that armed it, during a hop",
            "B: 1 ms after the next wrap (a hop, then a final load)",
            "D: 5 ticks before a wrap",
            "E: 3 ticks after that wrap, armed in D's callback",
        ]
        .into_iter()
        .enumerate()
        {
            let (at, fired) = (chain.at[i].get(), chain.fired[i].get());
            println!("{}: deadline {}, ran at {}", what, at, fired);
            checks.check(what, at != 0 && fired >= at && fired <= at + slack);
        }
    });
    reference.stop();
    checks.finish()
}

#[entry]
fn main() -> ! {
    // SAFETY: the SysTick handler above and this set-up are the only users of SYST, and
    // the counter is stopped until `enable_counter`, the last step here.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload((SYSTICK_CYCLES - 1) as u32);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
