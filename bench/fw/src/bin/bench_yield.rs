//! Workload 1: yield round trip between two tasks.
//!
//! `ping(n)` and `pong(n)` each yield `n` times; the measuring task spawns both, reads the
//! clock, and sleeps until both finished. One operation = one round trip (ping polled,
//! yields; pong polled, yields). Runs: warm-up, n = 1000, n = 11000; per-operation cost is
//! the difference, so spawning and the final wake cancel.
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

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::Spawner) {
    bench_fw::calibrate();
    #[cfg(feature = "live")]
    bench_fw::live::start(spawner).await;
    for (i, n) in [1000, 1000, 11000].into_iter().enumerate() {
        let t0 = clock::now();
        spawn!(spawner, ping(n));
        spawn!(spawner, pong(n));
        DONE.wait(2).await;
        let t1 = clock::now();
        if i > 0 {
            bench_fw::report("yield", n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
