//! Firmware test: a task on a high-priority interrupt executor, bound to its line by
//! `mote::interrupt_executor!`, makes progress while a thread-mode task computes for a
//! long time without yielding, and runs at its line's priority.
//!
//! ```text
//! thread mode:  crunch ████████████████████████████████████ (never awaits) ──► checks
//! SysTick (prio 0):   ↑tick   ↑tick   ↑tick   ...  wake `ticks` task
//! I2S (prio 0x40):     ├─poll  ├─poll  ├─poll ...   HIGH executor: `ticks` counts,
//!   crunch spawns `spinner` on HIGH: it yields 20 times, each self-wake re-pends I2S
//! PORT0_1 (prio 0x20), PORT0_2 (prio 0x60): pended by `spinner`; the first preempts it,
//!   the second waits until the I2S handler returns
//! ```
//!
//! Checks: the `ticks` task counted at least `WANTED` SysTick wake-ups while `crunch`
//! ran, and ran inside the I2S handler; the `spinner` task, which only yields, finished
//! its 20 rounds during the computation (self-wakes re-enter the handler without any
//! other interrupt); `spinner` runs at I2S's priority: a line pended from it with a more
//! urgent priority runs before the pend returns, one with a less urgent priority only
//! after the I2S handler has returned (and the line's pends, tail-chained, have run);
//! `crunch` ran in thread mode and its result is right. The computation
//! stops as soon as the counts are reached, or fails after `MAX_ROUNDS`. Exits 0 when every
//! check holds.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::future::poll_fn;
use core::hint::black_box;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::task::{Poll, Waker};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use critical_section::Mutex;
use mote::executor::Executor;
use mote::SendSpawner;
use mote_mps2::{interrupt, println, Interrupt};
use portable_atomic::{AtomicBool, AtomicU32};

static THREAD: Executor = Executor::new();
// The executor and the handler of its line, in one: the vector is its only poller.
mote::interrupt_executor!(static HIGH = Interrupt::I2S);

/// SysTick interrupts so far, and the waker of the task counting them.
static TICKS: AtomicU32 = AtomicU32::new(0);
static TICK_WAKER: Mutex<RefCell<Option<Waker>>> = Mutex::new(RefCell::new(None));

/// Wake-ups the `ticks` task handled, and how many of them found `crunch` running.
static HANDLED: AtomicU32 = AtomicU32::new(0);
static HANDLED_DURING_CRUNCH: AtomicU32 = AtomicU32::new(0);
/// Set when a high-priority task ran outside the I2S handler.
static WRONG_CONTEXT: AtomicBool = AtomicBool::new(false);
static SPINS: AtomicU32 = AtomicU32::new(0);
static SPINS_DURING_CRUNCH: AtomicU32 = AtomicU32::new(0);
static CRUNCHING: AtomicBool = AtomicBool::new(false);

const WANTED: u32 = 10;
const SPINNER_ROUNDS: u32 = 20;
/// Upper bound of the computation (each round is a few hundred instructions): far longer
/// than `WANTED` SysTick periods, so reaching it means the high task was starved.
const MAX_ROUNDS: u32 = 2_000_000;
/// SysTick period: 25 000 cycles, 1 ms of the AN385's 25 MHz clock.
const TICK_CYCLES: u32 = 25_000;

#[exception]
fn SysTick() {
    TICKS.fetch_add(1, Release);
    if let Some(waker) = critical_section::with(|cs| TICK_WAKER.borrow(cs).take()) {
        waker.wake();
    }
}

/// Runs of the more urgent (`PORT0_1`) and less urgent (`PORT0_2`) probe lines.
static URGENT_RUNS: AtomicU32 = AtomicU32::new(0);
static LAX_RUNS: AtomicU32 = AtomicU32::new(0);
/// Set when a probe line ran at the wrong moment relative to `spinner`.
static WRONG_PRIORITY: AtomicBool = AtomicBool::new(false);
const URGENT_PRIORITY: u8 = 0x20;
const HIGH_PRIORITY: u8 = 0x40;
const LAX_PRIORITY: u8 = 0x60;

#[interrupt]
fn PORT0_1() {
    URGENT_RUNS.fetch_add(1, Release);
}

#[interrupt]
fn PORT0_2() {
    LAX_RUNS.fetch_add(1, Release);
}

/// From a task of HIGH: pends both probe lines and checks that only the more urgent one
/// preempted the task.
fn probe_priority() {
    let urgent = URGENT_RUNS.load(Acquire);
    let lax = LAX_RUNS.load(Acquire);
    cortex_m::peripheral::NVIC::pend(Interrupt::PORT0_1);
    cortex_m::peripheral::NVIC::pend(Interrupt::PORT0_2);
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
    if URGENT_RUNS.load(Acquire) != urgent + 1 || LAX_RUNS.load(Acquire) != lax {
        WRONG_PRIORITY.store(true, Relaxed);
    }
}

/// VECTACTIVE: 0 in thread mode, 16 + n in the handler of line n.
fn active_exception() -> u32 {
    // SAFETY: a side-effect-free read of the ICSR register.
    unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) & 0x1FF }
}

fn in_i2s_handler() -> bool {
    active_exception() == 16 + Interrupt::I2S as u32
}

/// Counts SysTick wake-ups on the high-priority executor.
#[mote::task]
async fn ticks() {
    let mut seen = 0;
    loop {
        poll_fn(|cx| {
            let now = TICKS.load(Acquire);
            if now != seen {
                seen = now;
                return Poll::Ready(());
            }
            critical_section::with(|cs| TICK_WAKER.borrow(cs).replace(Some(cx.waker().clone())));
            if TICKS.load(Acquire) != seen {
                seen = TICKS.load(Acquire);
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        if !in_i2s_handler() {
            WRONG_CONTEXT.store(true, Relaxed);
        }
        HANDLED.fetch_add(1, Relaxed);
        if CRUNCHING.load(Acquire) {
            HANDLED_DURING_CRUNCH.fetch_add(1, Relaxed);
        }
    }
}

/// Yields `SPINNER_ROUNDS` times on the high-priority executor. `crunch` spawns it: a
/// task that only yields would starve thread mode if it ran forever, so it stops.
#[mote::task]
async fn spinner() {
    for _ in 0..SPINNER_ROUNDS {
        mote::futures::yield_now().await;
        if !in_i2s_handler() {
            WRONG_CONTEXT.store(true, Relaxed);
        }
        probe_priority();
        SPINS.fetch_add(1, Relaxed);
        if CRUNCHING.load(Acquire) {
            SPINS_DURING_CRUNCH.fetch_add(1, Relaxed);
        }
    }
}

/// A deterministic computation (xorshift32 steps) that never awaits.
fn step(mut x: u32) -> u32 {
    for _ in 0..32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
    }
    x
}

fn check(name: &str, ok: bool, failures: &mut u32) {
    println!("{}: {}", name, if ok { "ok" } else { "FAILED" });
    if !ok {
        *failures += 1;
    }
}

#[mote::task]
async fn crunch(high: SendSpawner) {
    let mut failures = 0;
    let thread_mode = active_exception() == 0;
    CRUNCHING.store(true, Release);
    // Preempts at once: the spawn pends I2S, whose handler runs all 20 rounds (each
    // yield re-pends the line) before this task gets the core back.
    high.must_spawn(spinner());
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
    let spins_after_spawn = SPINS.load(Relaxed);
    let mut x = black_box(1u32);
    let mut rounds = 0;
    while rounds < MAX_ROUNDS
        && (HANDLED_DURING_CRUNCH.load(Relaxed) < WANTED
            || SPINS_DURING_CRUNCH.load(Relaxed) < SPINNER_ROUNDS)
    {
        x = step(x);
        rounds += 1;
    }
    CRUNCHING.store(false, Release);
    // The same computation again, with nothing to preempt it but the same interrupts:
    // preemption must not have disturbed the result.
    let mut y = black_box(1u32);
    for _ in 0..rounds {
        y = step(y);
    }

    check("crunch ran in thread mode", thread_mode, &mut failures);
    check(
        "high task progressed during the computation",
        HANDLED_DURING_CRUNCH.load(Relaxed) >= WANTED,
        &mut failures,
    );
    check(
        "self-waking task re-entered the handler during the computation",
        SPINS_DURING_CRUNCH.load(Relaxed) == SPINNER_ROUNDS,
        &mut failures,
    );
    check(
        "spawn on the high executor preempted at once",
        spins_after_spawn == SPINNER_ROUNDS,
        &mut failures,
    );
    check(
        "high tasks ran in the I2S handler",
        !WRONG_CONTEXT.load(Relaxed),
        &mut failures,
    );
    check(
        "high tasks ran at I2S's priority (a more urgent line preempted them, a less \
         urgent one waited)",
        !WRONG_PRIORITY.load(Relaxed)
            && URGENT_RUNS.load(Relaxed) == SPINNER_ROUNDS
            && LAX_RUNS.load(Relaxed) >= 1,
        &mut failures,
    );
    check(
        "computation stopped before its bound",
        rounds < MAX_ROUNDS,
        &mut failures,
    );
    check(
        "computation result unaffected by preemption",
        x == y && x != 1,
        &mut failures,
    );

    if failures == 0 {
        println!("test_preempt: all checks passed");
        mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
    } else {
        println!(
            "test_preempt: {} check(s) failed (handled {}, spins {}, rounds {})",
            failures,
            HANDLED.load(Relaxed),
            SPINS.load(Relaxed),
            rounds
        );
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
}

#[entry]
fn main() -> ! {
    // SAFETY: the probe lines' handlers only count; no critical section relies on them.
    unsafe {
        let mut core = cortex_m::Peripherals::steal();
        core.NVIC.set_priority(Interrupt::PORT0_1, URGENT_PRIORITY);
        core.NVIC.set_priority(Interrupt::PORT0_2, LAX_PRIORITY);
        cortex_m::peripheral::NVIC::unmask(Interrupt::PORT0_1);
        cortex_m::peripheral::NVIC::unmask(Interrupt::PORT0_2);
    }
    let high = HIGH.start(HIGH_PRIORITY);
    high.must_spawn(ticks());

    // SAFETY: only this code touches SYST, before any interrupt uses it.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(TICK_CYCLES - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    THREAD.run(|spawner| spawner.must_spawn(crunch(high)))
}
