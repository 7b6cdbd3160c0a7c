//! Firmware test of `#[mote::main]` on Cortex-M: the macro provides the reset entry point,
//! a static executor, and runs `main` as the first task; `main` spawns workers that take
//! FIFO turns, then checks their order. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::cell::RefCell;

use critical_section::Mutex;
use mote::futures::yield_now;
use mote::Spawner;
use mote_mps2::testing::Checks;
use portable_atomic::{AtomicU32, Ordering};

static ORDER: Mutex<RefCell<([u8; 6], usize)>> = Mutex::new(RefCell::new(([0; 6], 0)));
static DONE: AtomicU32 = AtomicU32::new(0);

#[mote::task(pool_size = 2)]
async fn worker(name: u8) {
    for _ in 0..3 {
        critical_section::with(|cs| {
            let mut o = ORDER.borrow(cs).borrow_mut();
            let i = o.1;
            o.0[i] = name;
            o.1 += 1;
        });
        yield_now().await;
    }
    DONE.fetch_add(1, Ordering::Relaxed);
}

#[mote::main]
async fn main(spawner: Spawner) {
    let mut checks = Checks::new("test_main_macro");
    checks.check("main runs as a task", true);
    spawner.must_spawn(worker(b'x'));
    spawner.must_spawn(worker(b'y'));
    while DONE.load(Ordering::Relaxed) < 2 {
        yield_now().await;
    }
    let (order, len) = critical_section::with(|cs| *ORDER.borrow(cs).borrow());
    checks.check("six turns recorded", len == 6);
    checks.check("workers alternate", &order == b"xyxyxy");
    checks.finish()
}
