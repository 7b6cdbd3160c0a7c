//! Workload 5: schedule and expire one timer while N = 0, 1, 10, 100, 1000, 5000 other tasks sleep
//! on long timers.
//!
//! Everything runs in an interrupt executor (line `I2S`); thread mode spins in the
//! counting loop of [`bench_fw::busy`], so the figure is the instructions the runtime
//! executed (timer insertion, alarm programming, the alarm interrupt, queue processing,
//! the wake and the polls), not the time spent waiting. One operation =
//! `Timer::after_ticks(100).await` (100 us at 1 MHz; long enough that every runtime arms
//! its alarm before the deadline), measured as warm-up, 100 and 1100 operations; the
//! figure is the difference. Before each N, sleepers are spawned until N of them wait on
//! timers about 11.6 days away (never due during the run).
#![no_std]
#![no_main]

use bench_fw::{busy, done::Done, rt, spawn};
use cortex_m_rt::entry;
#[allow(unused_imports)] // used by the Embassy build's handler
use mote_mps2::interrupt;

/// Sleeping tasks at the last step.
const MAX_SLEEPERS: u32 = 5000;
/// The measured timer's duration, in ticks.
const TIMER_TICKS: u64 = 100;
/// NVIC priority of the executor's line (below the alarm interrupts, at 0).
const EXECUTOR_PRIORITY: u8 = 0x80;

static ASLEEP: Done = Done::new();

#[cfg_attr(feature = "mote", mote::task(pool_size = 5000))]
#[cfg_attr(feature = "embassy", embassy_executor::task(pool_size = 5000))]
async fn sleeper() {
    ASLEEP.finish();
    rt::Timer::after_secs(1_000_000).await;
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::SendSpawner) {
    bench_fw::calibrate();
    let mut asleep = 0;
    for (sleepers, name) in [
        (0, "timer_n0"),
        (1, "timer_n1"),
        (10, "timer_n10"),
        (100, "timer_n100"),
        (1000, "timer_n1000"),
        (MAX_SLEEPERS, "timer_n5000"),
    ] {
        for _ in asleep..sleepers {
            spawn!(spawner, sleeper());
        }
        ASLEEP.wait(sleepers - asleep).await;
        asleep = sleepers;
        for (i, n) in [100, 100, 1100].into_iter().enumerate() {
            let a = busy::mark();
            for _ in 0..n {
                rt::Timer::after_ticks(TIMER_TICKS).await;
            }
            let b = busy::mark();
            if i > 0 {
                bench_fw::report_instr(name, n, busy::busy(a, b));
            }
        }
    }
    bench_fw::exit(0)
}

bench_fw::interrupt_executor!(I2S);

#[entry]
fn main() -> ! {
    bench_fw::clock::start();
    let spawner = start_interrupt_executor(EXECUTOR_PRIORITY);
    spawn!(spawner, measure(spawner));
    busy::spin_forever()
}
