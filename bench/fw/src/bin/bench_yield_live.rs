//! Workload 1, as users run it: the yield round trip of `bench_yield` inside a firmware
//! with time on, a ticking task alive (every 1 ms) and ten other tasks asleep on long
//! timers, measured after timers have fired (configuration (c) of the bench report).
//!
//! The ticker fires about once per measured run of 11 000 round trips (each tick is a
//! few hundred instructions, under 0.1 instruction per round trip of noise); the
//! sleepers never wake during the run. Runs: warm-up, n = 1000, n = 11000; the figure is
//! the difference, as in `bench_yield`.
#![no_std]
#![no_main]

use bench_fw::{clock, done::Done, rt, spawn};
use cortex_m_rt::entry;

static DONE: Done = Done::new();

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn ping(n: u32) {
    for _ in 0..n {
        rt::yield_now().await;
    }
    DONE.finish();
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn pong(n: u32) {
    for _ in 0..n {
        rt::yield_now().await;
    }
    DONE.finish();
}

/// A task ticking every millisecond for the whole run (a blinky's ticker).
#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn ticker() {
    loop {
        rt::Timer::after_ticks(1000).await;
    }
}

/// Tasks asleep on timers that never come due during the run.
#[cfg_attr(feature = "mote", mote::task(pool_size = 10))]
#[cfg_attr(feature = "embassy", embassy_executor::task(pool_size = 10))]
async fn sleeper() {
    rt::Timer::after_secs(1_000_000).await;
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::Spawner) {
    bench_fw::calibrate();
    spawn!(spawner, ticker());
    for _ in 0..10 {
        spawn!(spawner, sleeper());
    }
    // Let timers fire first: the ticker's alarm has gone off several times.
    rt::Timer::after_ticks(5500).await;
    for (i, n) in [1000, 1000, 11000].into_iter().enumerate() {
        let t0 = clock::now();
        spawn!(spawner, ping(n));
        spawn!(spawner, pong(n));
        DONE.wait(2).await;
        let t1 = clock::now();
        if i > 0 {
            bench_fw::report("yield_live", n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
