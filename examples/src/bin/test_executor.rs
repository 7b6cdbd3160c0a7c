//! Firmware test of the executor core on real (emulated) Cortex-M: FIFO fairness of
//! self-waking tasks, `SpawnError::Busy` from a full pool without disturbing running
//! tasks, slot reuse after completion, and many tasks from one pool. Runs on thumbv7m and
//! thumbv6m (where every read-modify-write atomic is a critical section). Exits 0 when
//! every check holds.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::Executor;
use mote::futures::yield_now;
use mote::{SpawnError, Spawner};
use mote_mps2::{exit, println, EXIT_FAILURE, EXIT_SUCCESS};
use portable_atomic::{AtomicU32, Ordering};

static EXECUTOR: Executor = Executor::new();

/// Poll order record: task names in the order their bodies ran.
static ORDER: Mutex<RefCell<([u8; 16], usize)>> = Mutex::new(RefCell::new(([0; 16], 0)));

fn record(name: u8) {
    critical_section::with(|cs| {
        let mut o = ORDER.borrow(cs).borrow_mut();
        let i = o.1;
        if i < o.0.len() {
            o.0[i] = name;
        }
        o.1 += 1;
    });
}

fn check(ok: bool, what: &str) {
    if !ok {
        println!("FAIL: {}", what);
        exit(EXIT_FAILURE);
    }
    println!("ok: {}", what);
}

#[mote::task(pool_size = 3)]
async fn yielder(name: u8) {
    for _ in 0..2 {
        record(name);
        yield_now().await;
    }
    record(name);
    DONE.fetch_add(1, Ordering::Relaxed);
}

static DONE: AtomicU32 = AtomicU32::new(0);
static MANY: AtomicU32 = AtomicU32::new(0);

#[mote::task(pool_size = 200)]
async fn many() {
    yield_now().await;
    MANY.fetch_add(1, Ordering::Relaxed);
}

#[mote::task]
async fn main_task(spawner: Spawner) {
    for name in [b'A', b'B', b'C'] {
        spawner.must_spawn(yielder(name));
    }
    check(
        spawner.spawn(yielder(b'D')) == Err(SpawnError::Busy),
        "full pool returns Busy",
    );
    while DONE.load(Ordering::Relaxed) < 3 {
        yield_now().await;
    }
    let (order, len) = critical_section::with(|cs| *ORDER.borrow(cs).borrow());
    check(len == 9, "nine polls recorded, D never ran");
    check(
        &order[..9] == b"ABCABCABC",
        "self-waking tasks run in FIFO turns",
    );

    // finished slots are reused
    spawner.must_spawn(yielder(b'E'));
    while DONE.load(Ordering::Relaxed) < 4 {
        yield_now().await;
    }
    check(true, "a finished task's slot is reused");

    for _ in 0..200 {
        spawner.must_spawn(many());
    }
    while MANY.load(Ordering::Relaxed) < 200 {
        yield_now().await;
    }
    check(true, "200 tasks from one pool ran to completion");
    println!("test_executor: all checks passed");
    exit(EXIT_SUCCESS);
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(main_task(spawner)))
}
