//! Workload 4 with task handles (Mote only: Embassy has neither `JoinHandle` nor abort;
//! the report sets these rows next to Embassy's `spawn` of `bench_spawn.rs`, a task
//! without them). A binary of its own, so that `bench_spawn`'s measuring task, and
//! with it the `spawn` row, stays exactly as it was.
//!
//! - `spawn_join`: spawn `value(k)` (a task returning a `u32`, pool of two) with a
//!   `JoinHandle` and await the handle. One operation = spawn + one poll of `value` to
//!   completion (its output stored, the joiner woken) + one poll of the measuring task
//!   taking the output + the last turn of `value` freeing its slot. (Two slots: the
//!   slot of operation k is freed by that last turn, which runs after operation k + 1
//!   has claimed the other one.)
//! - `spawn_abort`: spawn `stuck()` (a `u32` task that never finishes, pool of two)
//!   with a handle, abort it at once, await the handle (`JoinError::Aborted`). One
//!   operation = spawn + abort + one turn of `stuck` dropping its future + the join +
//!   the last turn freeing the slot.
//!
//! Runs: warm-up, n = 1000, n = 11000; the per-operation cost is the difference.
#![no_std]
#![no_main]

use bench_fw::{clock, rt, spawn};
use cortex_m_rt::entry;

#[cfg(feature = "mote")]
#[mote::task(pool_size = 2)]
async fn value(k: u32) -> u32 {
    k + 1
}

#[cfg(feature = "mote")]
#[mote::task(pool_size = 2)]
async fn stuck() -> u32 {
    core::future::pending::<()>().await;
    0
}

/// The workloads (module docs).
#[cfg(feature = "mote")]
async fn handles(spawner: rt::Spawner) {
    use mote::executor::JoinError;
    for (i, n) in [1000, 1000, 11000].into_iter().enumerate() {
        let t0 = clock::now();
        let mut sum = 0u32;
        for k in 0..n {
            let handle = spawner.spawn_with_handle(value(k)).unwrap();
            sum = sum.wrapping_add(handle.await.unwrap());
        }
        let t1 = clock::now();
        assert_eq!(sum, n * (n + 1) / 2, "every output joined");
        if i > 0 {
            bench_fw::report("spawn_join", n, clock::elapsed(t0, t1));
        }
    }
    for (i, n) in [1000, 1000, 11000].into_iter().enumerate() {
        let t0 = clock::now();
        for _ in 0..n {
            let handle = spawner.spawn_with_handle(stuck()).unwrap();
            handle.abort();
            assert_eq!(handle.await, Err(JoinError::Aborted));
        }
        let t1 = clock::now();
        if i > 0 {
            bench_fw::report("spawn_abort", n, clock::elapsed(t0, t1));
        }
    }
}

/// Embassy has no handles: nothing to measure.
#[cfg(feature = "embassy")]
async fn handles(_spawner: rt::Spawner) {}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::Spawner) {
    bench_fw::calibrate();
    #[cfg(feature = "live")]
    bench_fw::live::start(spawner).await;
    handles(spawner).await;
    bench_fw::exit(0)
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
