//! Firmware test of the SysTick time driver (`mote::time::drivers::systick`) with its
//! full 2^24-cycle period: `Timer::after(100 ms)` in `Instant` and in SysTick cycles, a
//! 10 ms `Ticker` over 20 ticks, a monotonic clock across natural wraps (also with the
//! wrap's interrupt still pending), two alarm slots, and no drift against the
//! independent CMSDK TIMER1. Registers its own driver: it must not be linked with another
//! (e.g. a board crate's). Run with `-icount shift=0,sleep=off` (deterministic virtual time). Exits 0 when
//! every check holds.
#![no_std]
#![no_main]

#[path = "../systick_checks.rs"]
mod systick_checks;

use cortex_m_rt::{entry, exception};
use mote::executor::Executor;
use mote::time::drivers::systick::SysTickDriver;

mote::time_driver!(
    static DRIVER: SysTickDriver<4> = SysTickDriver::new(25_000_000);
);

#[exception]
fn SysTick() {
    DRIVER.on_interrupt()
}

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn scenario() {
    systick_checks::run(&DRIVER, "test_systick", 1, 0).await
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
