//! Firmware test: the interrupt-driven CMSDK timer driver (`mote_mps2::timer`).
//!
//! Checks: ten `wait`s each complete after at least one period boundary, and together
//! report no more boundaries than the handler counted; the thread-mode executor slept while
//! waiting (woken by the TIMER0 interrupt, not by polling); a task that stays busy for
//! three periods gets all three reported by its next `wait`, at once; the in-period
//! stopwatch stays below the period. Exits 0 when every check holds.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote_mps2::bind_interrupts;
use mote_mps2::testing::Checks;
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};

bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>;
});

static EXECUTOR: Executor = Executor::new();
/// 1 ms of the 25 MHz APB clock.
const PERIOD: u32 = 25_000;
const MAX_SPIN: u32 = 50_000_000;

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_timer");
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut t = PeriodicTimer::new(p.TIMER0, Irqs, PERIOD);

    let start = t.expiries();
    let sleeps = EXECUTOR.sleeps();
    let mut each_at_least_one = true;
    let mut total = 0;
    for _ in 0..10 {
        let passed = t.wait().await;
        each_at_least_one &= passed >= 1;
        total += passed;
    }
    checks.check("each wait saw a period boundary", each_at_least_one);
    // QEMU's timers follow the host clock: a host stall can add boundaries after the last
    // wait, or several during one. None may be invented, and none lost before the last.
    checks.check(
        "waits report the boundaries, none invented",
        total >= 10 && total <= t.expiries().wrapping_sub(start),
    );
    // For the same reason not every wait has to sleep; a polling executor never would.
    checks.check(
        "the executor slept while waiting",
        EXECUTOR.sleeps() != sleeps,
    );

    // Busy for three periods without awaiting: the next wait reports them all at once.
    let before = t.expiries();
    let mut spins = 0;
    while t.expiries().wrapping_sub(before) < 3 && spins < MAX_SPIN {
        spins += 1;
    }
    let passed = t.wait().await;
    checks.check(
        "a late wait reports the missed periods",
        spins < MAX_SPIN && passed >= 3,
    );
    checks.check(
        "stopwatch within the period",
        t.elapsed_in_period() < PERIOD,
    );
    t.stop();

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
