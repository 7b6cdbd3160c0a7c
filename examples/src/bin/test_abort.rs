//! Firmware test: aborting a task from an interrupt handler (`JoinHandle::abort`, then
//! `AbortHandle::abort`).
//!
//! A task holds an async `Mutex` guard and waits forever. Its handle sits in a static
//! `critical_section::Mutex`; the I2S interrupt handler (pended from thread mode) calls
//! `abort` on it. Checks: the abort itself drops nothing (the handler only sets a flag
//! and wakes the task); the task's executor drops the future at the task's next turn,
//! releasing the guard; the handle gives `JoinError::Aborted`; the slot then spawns
//! again.
//!
//! Then through an `AbortHandle` kept in a static, which outlives its task: the task is
//! detached (its `JoinHandle` dropped), the handler aborts it through the static handle
//! (dropping nothing itself), the executor drops the task's future at its next turn and
//! frees the slot; a new spawn reuses the slot, the handler aborts through the same,
//! now stale, handle, and the new task is untouched. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::Ordering::{Acquire, Release};

use cortex_m::peripheral::NVIC;
use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::{AbortHandle, Executor, JoinError, JoinHandle};
use mote::futures::yield_now;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::mutex::Mutex as AsyncMutex;
use mote::Spawner;
use mote_mps2::testing::Checks;
use mote_mps2::{interrupt, Interrupt};
use portable_atomic::{AtomicBool, AtomicU32};

static EXECUTOR: Executor = Executor::new();
static HANDLE: Mutex<RefCell<Option<JoinHandle<u32>>>> = Mutex::new(RefCell::new(None));
static LOCK: AsyncMutex<CriticalSectionRawMutex, u32> = AsyncMutex::new(0);
static ABORTED_IN_HANDLER: AtomicBool = AtomicBool::new(false);
static LOCKED_AFTER_ABORT: AtomicBool = AtomicBool::new(false);
/// An abort handle the handler uses, and may keep after its task is gone.
static ABORT: Mutex<RefCell<Option<AbortHandle>>> = Mutex::new(RefCell::new(None));
static ABORT_HANDLE_USES: AtomicU32 = AtomicU32::new(0);
static SLEEPER_DROPS: AtomicU32 = AtomicU32::new(0);
static DROPS_IN_HANDLER: AtomicU32 = AtomicU32::new(u32::MAX);

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
    // Second part: through the abort handle in the static (cloned out of it, kept).
    if let Some(abort) = critical_section::with(|cs| ABORT.borrow_ref(cs).clone()) {
        abort.abort();
        ABORT_HANDLE_USES.fetch_add(1, Release);
        DROPS_IN_HANDLER.store(SLEEPER_DROPS.load(Acquire), Release);
    }
}

/// Counts its drops in `SLEEPER_DROPS`.
struct CountDrop;

impl Drop for CountDrop {
    fn drop(&mut self) {
        SLEEPER_DROPS.fetch_add(1, Release);
    }
}

#[mote::task]
async fn sleeper(n: u32) -> u32 {
    let _drop = CountDrop;
    core::future::pending::<()>().await;
    n
}

/// Pends the I2S interrupt and returns once its handler ran.
fn interrupt_now() {
    NVIC::pend(Interrupt::I2S);
    // The pended interrupt is taken before the next instruction runs.
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
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
    interrupt_now();
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
    abort_handle_in_a_static(spawner, &mut checks).await;
    checks.finish()
}

/// The second part (module docs).
async fn abort_handle_in_a_static(spawner: Spawner, checks: &mut Checks) {
    let Ok(first) = spawner.spawn_with_handle(sleeper(1)) else {
        return checks.check("spawn the first sleeper", false);
    };
    yield_now().await;
    critical_section::with(|cs| *ABORT.borrow_ref_mut(cs) = Some(first.abort_handle()));
    drop(first); // detached: only the static abort handle names the task now
    interrupt_now();
    checks.check(
        "abort handle used in the handler",
        ABORT_HANDLE_USES.load(Acquire) == 1,
    );
    checks.check(
        "the abort handle dropped nothing in the handler",
        DROPS_IN_HANDLER.load(Acquire) == 0,
    );
    yield_now().await;
    checks.check(
        "detached task dropped at its next turn",
        SLEEPER_DROPS.load(Acquire) == 1,
    );
    // Pool of one: the new sleeper takes the freed slot.
    let Ok(second) = spawner.spawn_with_handle(sleeper(2)) else {
        return checks.check("slot reused by a new spawn", false);
    };
    yield_now().await;
    interrupt_now(); // aborts through the now stale handle
    checks.check(
        "stale abort handle used",
        ABORT_HANDLE_USES.load(Acquire) == 2,
    );
    yield_now().await;
    yield_now().await;
    checks.check(
        "the slot's new task is untouched",
        !second.is_finished() && SLEEPER_DROPS.load(Acquire) == 1,
    );
    let stale_finished = critical_section::with(|cs| {
        ABORT
            .borrow_ref_mut(cs)
            .take()
            .is_some_and(|h| h.is_finished())
    });
    checks.check("the stale handle reports finished", stale_finished);
    second.abort();
    checks.check(
        "the new task aborts through its own handle",
        second.await == Err(JoinError::Aborted),
    );
    checks.check("and is dropped once", SLEEPER_DROPS.load(Acquire) == 2);
}

#[entry]
fn main() -> ! {
    // SAFETY: unmasking a line whose handler is defined above, before any task runs.
    unsafe { NVIC::unmask(Interrupt::I2S) };
    EXECUTOR.run(|spawner| spawner.must_spawn(check_all(spawner)))
}
