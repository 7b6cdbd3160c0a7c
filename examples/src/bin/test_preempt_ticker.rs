//! Firmware test: a high-priority task on an `InterruptExecutor` keeps a 1 ms `Ticker`
//! on time while a thread-mode task computes for ~60 ms without ever yielding.
//!
//! ```text
//! thread mode:  crunch ██████████████████████████████████████ (no await)
//! I2S (0x40):    ▲tick  ▲tick  ▲tick ...  (50 × 1 ms, Ticker on the HIGH executor)
//! DUALTIMER:     alarm → pends I2S
//! ```
//!
//! The lateness of every tick (`Instant::now()` after `next().await` minus its grid
//! deadline, clock = the CMSDK dual timer) stays within a few ticks, all 50 ticks
//! happen while `crunch` is still running, and `crunch`'s result is right. Exits 0 when
//! every check holds.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker};
use mote_mps2::testing::Checks;
use mote_mps2::Interrupt;
use portable_atomic::{AtomicBool, AtomicU32, Ordering};

static EXECUTOR: Executor = Executor::new();
mote::interrupt_executor!(static HIGH = Interrupt::I2S);

const TICKS: u32 = 50;
/// Lateness allowed per tick, in ticks of 1 µs: interrupt entry, the alarm hand-off to
/// the executor's line, and one poll (a few hundred instructions on the slowest target).
const MAX_LATE_US: u64 = 20;

static DONE_TICKS: AtomicU32 = AtomicU32::new(0);
static WORST_LATE: AtomicU32 = AtomicU32::new(0);
static TICKED_DURING_CRUNCH: AtomicU32 = AtomicU32::new(0);
static CRUNCHING: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn high_ticker() {
    let period = Duration::from_millis(1);
    let start = Instant::now();
    let mut ticker = Ticker::every(period);
    for k in 1..=TICKS {
        ticker.next().await;
        let late = Instant::now().duration_since(start + period * k).as_ticks();
        if late as u32 > WORST_LATE.load(Ordering::Relaxed) {
            WORST_LATE.store(late as u32, Ordering::Relaxed);
        }
        if CRUNCHING.load(Ordering::Relaxed) {
            TICKED_DURING_CRUNCH.fetch_add(1, Ordering::Relaxed);
        }
        DONE_TICKS.store(k, Ordering::Relaxed);
    }
}

/// A step of a long computation (xorshift), opaque to the optimiser.
fn step(x: u32) -> u32 {
    let x = x ^ (x << 13);
    let x = x ^ (x >> 17);
    black_box(x ^ (x << 5))
}

#[mote::task]
async fn crunch() {
    let mut checks = Checks::new("test_preempt_ticker");
    CRUNCHING.store(true, Ordering::Relaxed);
    let mut x = 1u32;
    let mut steps = 0u32;
    // Compute without awaiting until the high-priority ticker is done: it can only make
    // progress by preempting this task.
    while DONE_TICKS.load(Ordering::Relaxed) < TICKS {
        x = step(x);
        steps += 1;
    }
    CRUNCHING.store(false, Ordering::Relaxed);
    // The same number of steps again, to check the result was not disturbed.
    let mut y = 1u32;
    for _ in 0..steps {
        y = step(y);
    }
    checks.check(
        "the computation ran long enough to span the ticks",
        steps > 1000,
    );
    checks.check("preemption left the computation's result intact", x == y);
    checks.check(
        "all 50 high-priority ticks ran while thread mode computed",
        TICKED_DURING_CRUNCH.load(Ordering::Relaxed) == TICKS,
    );
    let worst = u64::from(WORST_LATE.load(Ordering::Relaxed));
    mote_mps2::println!("worst tick lateness: {} us", worst);
    checks.check(
        "every tick within 20 us of its deadline",
        worst <= MAX_LATE_US,
    );
    checks.finish()
}

#[entry]
fn main() -> ! {
    let high = HIGH.start(0x40);
    high.must_spawn(high_ticker());
    EXECUTOR.run(|spawner| spawner.must_spawn(crunch()))
}
