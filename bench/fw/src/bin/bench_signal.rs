//! Workload 3: Signal hand-off between two tasks, per hand-off.
//!
//! Two signals of `u32` (each runtime's own: `mote::sync::signal::Signal` /
//! `embassy_sync::signal::Signal`, critical-section raw mutex). `ping` signals `GO` and
//! waits on `BACK`; `pong` waits on `GO` and signals `BACK` with the value plus one; `ping`
//! checks it. One round trip is two hand-offs; the reported operation count is the number
//! of hand-offs. Runs: warm-up, 1000 and 11000 round trips; the per-hand-off cost is the
//! difference.
#![no_std]
#![no_main]

use bench_fw::{clock, done::Done, rt, spawn};
use cortex_m_rt::entry;

static DONE: Done = Done::new();
static GO: rt::Signal<rt::CriticalSectionRawMutex, u32> = rt::Signal::new();
static BACK: rt::Signal<rt::CriticalSectionRawMutex, u32> = rt::Signal::new();

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn ping(n: u32) {
    for i in 0..n {
        GO.signal(i);
        let answer = BACK.wait().await;
        assert_eq!(answer, i.wrapping_add(1), "signal hand-off: wrong answer");
    }
    DONE.finish();
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn pong(n: u32) {
    for _ in 0..n {
        let v = GO.wait().await;
        BACK.signal(v.wrapping_add(1));
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
            bench_fw::report("signal", 2 * n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
