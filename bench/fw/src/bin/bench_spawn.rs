//! Workload 4: spawn and run to completion of a trivial task.
//!
//! The measuring task loops `n` times: spawn `nop()` (pool of one), then sleep until `nop`
//! has run to completion (it counts itself finished and wakes the measuring task), so
//! its slot is free again before the next spawn. Waiting for completion explicitly, not
//! with a yield, keeps the workload independent of the run queue's order (Embassy polls
//! a batch newest-first, Mote oldest-first). One operation = spawn + one poll of `nop` to
//! completion + its wake of the measuring task + one poll of the measuring task.
//! Runs: warm-up, n = 1000, n = 11000; the per-operation cost is the difference.
#![no_std]
#![no_main]

use bench_fw::{clock, done::Done, rt, spawn};

static DONE: Done = Done::new();
use cortex_m_rt::entry;

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn nop() {
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
        for _ in 0..n {
            spawn!(spawner, nop());
            DONE.wait(1).await;
        }
        let t1 = clock::now();
        if i > 0 {
            bench_fw::report("spawn", n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
