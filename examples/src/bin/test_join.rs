//! Firmware test: task output and join (`spawn_with_handle`, `JoinHandle`).
//!
//! Checks: a task spawned on an interrupt executor (I2S handler, priority 0x40) runs
//! there and its output is awaited from thread mode; a finished task's untaken output
//! keeps its slot busy (`SpawnError::Busy`), and dropping the handle has the output
//! dropped exactly once, on the task's executor, at its next turn, after which the slot
//! spawns again; a handle dropped before the task finished detaches it. Exits 0 when
//! every check holds.
#![no_std]
#![no_main]

use core::sync::atomic::Ordering::Relaxed;

use cortex_m_rt::entry;
use mote::executor::{Executor, InterruptExecutor, JoinError};
use mote::futures::yield_now;
use mote::{SendSpawner, SpawnError, Spawner};
use mote_mps2::testing::Checks;
use mote_mps2::{interrupt, Interrupt};
use portable_atomic::AtomicU32;

static THREAD: Executor = Executor::new();
static HIGH: InterruptExecutor = InterruptExecutor::new();

static DROPS: AtomicU32 = AtomicU32::new(0);
static RAN_IN_HANDLER: AtomicU32 = AtomicU32::new(0);

#[interrupt]
fn I2S() {
    HIGH.on_interrupt();
}

fn in_i2s_handler() -> bool {
    // SAFETY: a side-effect-free read of the ICSR register.
    let active = unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) & 0x1FF };
    active == 16 + Interrupt::I2S as u32
}

/// Runs on the interrupt executor: a few turns, then its output.
#[mote::task]
async fn square(n: u32) -> u32 {
    for _ in 0..3 {
        yield_now().await;
        if in_i2s_handler() {
            RAN_IN_HANDLER.fetch_add(1, Relaxed);
        }
    }
    n * n
}

/// An output whose drops are counted.
struct Counted(u32);

impl Drop for Counted {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Relaxed);
    }
}

#[mote::task]
async fn counted(turns: u32) -> Counted {
    for _ in 0..turns {
        yield_now().await;
    }
    Counted(turns)
}

#[mote::task]
async fn check_all(spawner: Spawner, high: SendSpawner) {
    let mut checks = Checks::new("test_join");

    // Output of a task on another executor, awaited from thread mode.
    let handle = high.spawn_with_handle(square(6));
    checks.check("spawn on the interrupt executor", handle.is_ok());
    if let Ok(handle) = handle {
        let out: Result<u32, JoinError> = handle.await;
        checks.check("joined output across executors", out == Ok(36));
        checks.check(
            "the task ran in the I2S handler",
            RAN_IN_HANDLER.load(Relaxed) == 3,
        );
    }

    // An untaken output keeps the slot; detaching drops it once, on the task's executor.
    let handle = spawner.spawn_with_handle(counted(2));
    checks.check("spawn with a handle", handle.is_ok());
    if let Ok(handle) = handle {
        for _ in 0..10 {
            yield_now().await;
        }
        checks.check("finished", handle.is_finished());
        checks.check(
            "busy while the output waits",
            spawner.spawn(counted(0)) == Err(SpawnError::Busy),
        );
        drop(handle);
        checks.check("not dropped by the detach", DROPS.load(Relaxed) == 0);
        yield_now().await;
        checks.check("dropped once at its next turn", DROPS.load(Relaxed) == 1);
    }

    // Taken: the taker drops it, and the slot spawns again.
    match spawner.spawn_with_handle(counted(1)) {
        Ok(handle) => {
            let out = handle.await;
            checks.check(
                "taken output",
                matches!(out, Ok(Counted(1))) && DROPS.load(Relaxed) == 1,
            );
            drop(out);
            checks.check("dropped by the taker", DROPS.load(Relaxed) == 2);
        }
        Err(_) => checks.check("slot free after detach", false),
    }

    // Detached before it finished: runs on, its output dropped once.
    yield_now().await;
    match spawner.spawn_with_handle(counted(3)) {
        Ok(handle) => drop(handle),
        Err(_) => checks.check("slot free after take", false),
    }
    for _ in 0..10 {
        yield_now().await;
    }
    checks.check("detached output dropped once", DROPS.load(Relaxed) == 3);
    checks.check(
        "slot free after the detached task finished",
        spawner.spawn(counted(0)).is_ok(),
    );
    checks.finish()
}

#[entry]
fn main() -> ! {
    let high = HIGH.start(Interrupt::I2S, 0x40);
    THREAD.run(|spawner| spawner.must_spawn(check_all(spawner, high)))
}
