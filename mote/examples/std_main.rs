//! `#[mote::main]` on the host: the main task spawns three workers that take turns
//! (each yields between steps), then the program exits.
//!
//! Run: `cargo run -p mote --features std --example std_main`
use std::sync::atomic::{AtomicU32, Ordering};

use mote::futures::yield_now;
use mote::Spawner;

static FINISHED: AtomicU32 = AtomicU32::new(0);

#[mote::task(pool_size = 3)]
async fn worker(id: u32) {
    for step in 0..3 {
        println!("worker {id}: step {step}");
        yield_now().await;
    }
    if FINISHED.fetch_add(1, Ordering::Relaxed) + 1 == 3 {
        println!("all workers done");
        std::process::exit(0);
    }
}

#[mote::main]
async fn main(spawner: Spawner) {
    for id in 0..3 {
        spawner.must_spawn(worker(id));
    }
}
