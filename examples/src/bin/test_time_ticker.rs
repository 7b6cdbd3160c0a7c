//! Firmware test (issue "Time"): a 200 ms `Ticker` keeps its period, measured by an
//! independent clock.
//!
//! The reference is CMSDK TIMER0 (not used by the time driver, which runs on the dual
//! timer) counting down from `u32::MAX` at 25 MHz: its cycle count at each of 10 ticks,
//! minus the count at tick 0, must be `k · 200 ms` within one Mote tick (25 cycles). The
//! wake-up latency is the same at every tick, so it cancels in the differences. The
//! driver's own clock must agree too: `Instant::now()` at tick `k` is at or after the
//! tick's deadline and less than one tick past the latency seen at tick 0.
//!
//! Needs deterministic time: xtask runs firmware with `-icount shift=0`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, TICK_HZ};
use mote_mps2::testing::Checks;
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>;
});

static EXECUTOR: Executor = Executor::new();

const TICKS: usize = 10;
const PERIOD_MS: u64 = 200;
const CYCLES_PER_TICK: i64 = (mote_mps2::time_driver::CLOCK_HZ / TICK_HZ) as i64;

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_time_ticker");
    let p = mote_mps2::Peripherals::take().unwrap();
    // One period of 2^32 - 1 cycles (171 s): a stopwatch for the whole test.
    let reference = PeriodicTimer::new(p.TIMER0, Irqs, u32::MAX);

    let mut ticker = Ticker::every(Duration::from_millis(PERIOD_MS));
    let mut at_ref = [0u32; TICKS + 1];
    let mut at_now = [Instant::from_ticks(0); TICKS + 1];
    let mut deadlines = [Instant::from_ticks(0); TICKS + 1];
    for k in 0..=TICKS {
        deadlines[k] = ticker.next_deadline();
        ticker.next().await;
        at_ref[k] = reference.elapsed_in_period();
        at_now[k] = Instant::now();
    }

    let expected_step = (PERIOD_MS * mote_mps2::time_driver::CLOCK_HZ / 1000) as i64;
    let mut worst = 0i64;
    for k in 1..=TICKS {
        let measured = i64::from(at_ref[k].wrapping_sub(at_ref[0]));
        let error = measured - k as i64 * expected_step;
        println!("k={} ref={} err={} now-deadline={}", k, measured, error, at_now[k].as_ticks() as i64 - deadlines[k].as_ticks() as i64);
        if error.abs() > worst.abs() {
            worst = error;
        }
    }
    println!("worst deviation from k * 200 ms: {} cycles", worst);
    checks.check(
        "every tick within one tick of k * 200 ms (independent TIMER0)",
        worst.abs() <= CYCLES_PER_TICK,
    );

    let latency0 = at_now[0].as_ticks().saturating_sub(deadlines[0].as_ticks());
    let mut on_time = true;
    for k in 0..=TICKS {
        let now = at_now[k].as_ticks();
        let deadline = deadlines[k].as_ticks();
        on_time &= now >= deadline && now - deadline <= latency0 + 1;
    }
    checks.check("Instant::now() at each tick: at its deadline, never early", on_time);
    checks.check(
        "ticker deadlines are exactly 200 ms apart",
        deadlines
            .windows(2)
            .all(|w| w[1].duration_since(w[0]) == Duration::from_millis(PERIOD_MS)),
    );
    reference.stop();
    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
