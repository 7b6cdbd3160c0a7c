//! Workload 7: footprint of a minimal app with two tasks.
//!
//! `ping` and `pong` yield to each other 100 times; then `pong` ends the run with exit
//! status 0. Sizes are measured on the `--no-default-features --features <rt>,panic-halt`
//! build (no formatting code); with feature `pool2`, `pong` gets `pool_size = 2`, and the
//! `.bss` difference is the static RAM of one more task. With `report-panics` (the
//! default) it also prints `FUTURE <bytes>`, the size of `pong`'s future, so the task
//! header can be told apart from the future in that difference.
#![no_std]
#![no_main]

use bench_fw::{rt, spawn};
use cortex_m_rt::entry;

const ROUNDS: u32 = 100;

async fn pong_body(n: u32) {
    for _ in 0..n {
        rt::yield_now().await;
    }
    bench_fw::exit(0)
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn ping(n: u32) {
    for _ in 0..n {
        rt::yield_now().await;
    }
}

#[cfg_attr(all(feature = "mote", not(feature = "pool2")), mote::task)]
#[cfg_attr(all(feature = "mote", feature = "pool2"), mote::task(pool_size = 2))]
#[cfg_attr(
    all(feature = "embassy", not(feature = "pool2")),
    embassy_executor::task
)]
#[cfg_attr(
    all(feature = "embassy", feature = "pool2"),
    embassy_executor::task(pool_size = 2)
)]
async fn pong(n: u32) {
    pong_body(n).await
}

/// The size of the future an `async fn(u32)` returns.
#[cfg(feature = "report-panics")]
const fn future_size<F>(_: fn(u32) -> F) -> usize {
    core::mem::size_of::<F>()
}

/// `pong`'s body as a plain `async fn`: the same future type the task stores.
#[cfg(feature = "report-panics")]
async fn pong_plain(n: u32) {
    pong_body(n).await
}

#[entry]
fn main() -> ! {
    #[cfg(feature = "report-panics")]
    bench_fw::println!("FUTURE {}", future_size(pong_plain));
    rt::run(|spawner| {
        spawn!(spawner, ping(ROUNDS));
        spawn!(spawner, pong(ROUNDS));
    })
}
