//! Firmware test: aborting a task from an interrupt handler (`JoinHandle::abort`).
//!
//! A task holds an async `Mutex` guard and waits forever. Its handle sits in a static
//! `critical_section::Mutex`; the I2S interrupt handler (pended from thread mode) calls
//! `abort` on it. Checks: the abort itself drops nothing (the handler only sets a flag
//! and wakes the task); the task's executor drops the future at the task's next turn,
//! releasing the guard; the handle gives `JoinError::Aborted`; the slot then spawns
//! again. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::Ordering::{Acquire, Release};

use cortex_m::peripheral::NVIC;
use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::{Executor, JoinError, JoinHandle};
use mote::futures::yield_now;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::mutex::Mutex as AsyncMutex;
use mote::Spawner;
use mote_mps2::testing::Checks;
use mote_mps2::{interrupt, Interrupt};
use portable_atomic::AtomicBool;

static EXECUTOR: Executor = Executor::new();
static HANDLE: Mutex<RefCell<Option<JoinHandle<u32>>>> = Mutex::new(RefCell::new(None));
static LOCK: AsyncMutex<CriticalSectionRawMutex, u32> = AsyncMutex::new(0);
static ABORTED_IN_HANDLER: AtomicBool = AtomicBool::new(false);
static LOCKED_AFTER_ABORT: AtomicBool = AtomicBool::new(false);

#[interrupt]
fn I2S() {
    critical_section::with(|cs| {
        if let Some(handle) = HANDLE.borrow_ref(cs).as_ref() {
            handle.abort();
            ABORTED_IN_HANDLER.store(true, Release);
        }
    });
    // The abort only asked: the guard is still held.
    LOCKED_AFTER_ABORT.store(LOCK.try_lock().is_err(), Release);
}

#[mote::task]
async fn holder() -> u32 {
    let guard = LOCK.lock().await;
    core::future::pending::<()>().await;
    *guard
}

#[mote::task]
async fn check_all(spawner: Spawner) {
    let mut checks = Checks::new("test_abort");
    let Ok(handle) = spawner.spawn_with_handle(holder()) else {
        checks.check("spawn with a handle", false);
        checks.finish()
    };
    yield_now().await;
    checks.check("the task holds the guard", LOCK.try_lock().is_err());
    critical_section::with(|cs| *HANDLE.borrow_ref_mut(cs) = Some(handle));
    NVIC::pend(Interrupt::I2S);
    // The pended interrupt is taken before the next instruction runs.
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
    checks.check("aborted in the handler", ABORTED_IN_HANDLER.load(Acquire));
    checks.check(
        "the handler's abort dropped nothing",
        LOCKED_AFTER_ABORT.load(Acquire),
    );
    yield_now().await;
    checks.check(
        "guard released at the task's next turn",
        LOCK.try_lock().is_ok(),
    );
    let handle = critical_section::with(|cs| HANDLE.borrow_ref_mut(cs).take());
    match handle {
        Some(handle) => checks.check(
            "joiner sees Aborted",
            handle.await == Err(JoinError::Aborted),
        ),
        None => checks.check("handle back", false),
    }
    yield_now().await;
    checks.check("slot free again", spawner.spawn(holder()).is_ok());
    checks.finish()
}

#[entry]
fn main() -> ! {
    // SAFETY: unmasking a line whose handler is defined above, before any task runs.
    unsafe { NVIC::unmask(Interrupt::I2S) };
    EXECUTOR.run(|spawner| spawner.must_spawn(check_all(spawner)))
}
