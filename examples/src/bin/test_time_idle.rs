//! Firmware test (issue "Time"): idle means asleep. With every task waiting on a 1 s
//! timer, the thread-mode executor sleeps once per wake-up, not in proportion to time.
//!
//! Three tasks each sleep three times for 1 s, at staggered phases (0, 0.3 s and 0.6 s
//! offsets), so there are 9 timer wake-ups plus the scenario's own final one. Checks:
//! all wake-ups happened; `Executor::sleeps()` grew by at least 3 (the executor did go
//! to sleep) and by at most the number of wake-ups plus 2 (a polling or tick-driven
//! idle loop would sleep thousands of times in 3.6 s).
#![no_std]
#![no_main]

use core::sync::atomic::Ordering;

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{Duration, Timer};
use mote_mps2::println;
use mote_mps2::testing::Checks;
use portable_atomic::AtomicU32;

static EXECUTOR: Executor = Executor::new();
static WAKEUPS: AtomicU32 = AtomicU32::new(0);

const ROUNDS: u32 = 3;
const TASKS: u32 = 3;

#[mote::task(pool_size = 3)]
async fn sleeper(phase_ms: u64) {
    Timer::after(Duration::from_millis(phase_ms)).await;
    for _ in 0..ROUNDS {
        Timer::after(Duration::from_secs(1)).await;
        WAKEUPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_time_idle");
    let spawner = mote::Spawner::for_current_executor().await;
    let before = EXECUTOR.sleeps();
    for phase in [0, 300, 600] {
        spawner.must_spawn(sleeper(phase));
    }
    // Phases (3 wake-ups, two of them after a non-zero delay), the rounds, and this one.
    Timer::after(Duration::from_millis(3_700)).await;
    let slept = EXECUTOR.sleeps().wrapping_sub(before);
    let wakeups = WAKEUPS.load(Ordering::Relaxed);
    let events = TASKS * ROUNDS + 2 + 1;
    println!("timer wake-ups: {}, executor sleeps: {}", wakeups, slept);
    checks.check("every sleeper woke 3 times", wakeups == TASKS * ROUNDS);
    checks.check("the executor went to sleep", slept >= ROUNDS);
    checks.check(
        "sleeps bounded by wake-ups, not by elapsed time",
        slept <= events + 2,
    );
    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
