//! Firmware test: an interrupt handler wakes a task through a waker slot, and the
//! thread-mode executor sleeps (WFI) while the task waits.
//!
//! The chain in each timed round:
//!
//! ```text
//! task: arm SysTick, await SIGNAL ──► executor idle: WFI (sleeps += 1)
//!   SysTick handler: executor has slept? ── no ──► tick again (periodic)
//!                                        └─ yes ─► stop SysTick, pend I2S line
//!   I2S handler: SIGNAL.raise() ──► waker.wake() ──► task polled again: Ready
//! ```
//!
//! Checks, with exact counts: the handler ran once per round; the task was polled exactly
//! twice per timed round (Pending, then Ready: no spurious polls) and once when the signal
//! was already raised; events happened in the order SysTick, I2S, task; and the executor
//! slept while waiting. `I2S` is a line QEMU's AN385 drives from no device, so only this
//! test raises it. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::future::{poll_fn, Future};
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::task::{Poll, Waker};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::NVIC;
use cortex_m_rt::{entry, exception};
use critical_section::Mutex;
use mote::executor::Executor;
use mote_mps2::testing::Checks;
use mote_mps2::{interrupt, println};
use portable_atomic::{AtomicBool, AtomicU32};

static EXECUTOR: Executor = Executor::new();

/// A one-slot signal raised from interrupt context (what an AtomicWaker-based driver does).
struct IrqSignal {
    raised: AtomicBool,
    waker: Mutex<RefCell<Option<Waker>>>,
}

impl IrqSignal {
    const fn new() -> Self {
        Self {
            raised: AtomicBool::new(false),
            waker: Mutex::new(RefCell::new(None)),
        }
    }

    /// Marks the signal raised and wakes the registered task, if any.
    fn raise(&self) {
        self.raised.store(true, Release);
        let waker = critical_section::with(|cs| self.waker.borrow(cs).take());
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Completes once the signal has been raised (consuming the raise). Counts its polls.
    fn wait(&'static self) -> impl Future<Output = ()> {
        poll_fn(move |cx| {
            POLLS.fetch_add(1, Relaxed);
            if self.raised.swap(false, AcqRel) {
                return Poll::Ready(());
            }
            critical_section::with(|cs| {
                self.waker.borrow(cs).replace(Some(cx.waker().clone()));
            });
            // Re-check: a raise between the swap and the registration found no waker.
            if self.raised.swap(false, AcqRel) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

static SIGNAL: IrqSignal = IrqSignal::new();
static POLLS: AtomicU32 = AtomicU32::new(0);
static SEQ: AtomicU32 = AtomicU32::new(0);
static IRQ_COUNT: AtomicU32 = AtomicU32::new(0);
static IRQ_STAMP: AtomicU32 = AtomicU32::new(0);
static SYSTICK_STAMP: AtomicU32 = AtomicU32::new(0);
static SLEEPS_AT_ARM: AtomicU32 = AtomicU32::new(0);
/// SysTick interrupts that came before the executor had slept (host stalls make these).
static EARLY_TICKS: AtomicU32 = AtomicU32::new(0);
/// After this many early ticks the executor is taken to spin: the test goes on and fails.
const MAX_EARLY_TICKS: u32 = 100;
/// SysTick period: 250 000 cycles, 10 ms of QEMU's virtual 25 MHz clock.
const TICK_CYCLES: u32 = 250_000;
const ROUNDS: u32 = 3;

/// A fresh number from a global sequence, to order events.
fn stamp() -> u32 {
    SEQ.fetch_add(1, AcqRel) + 1
}

#[interrupt]
fn I2S() {
    IRQ_COUNT.fetch_add(1, Relaxed);
    IRQ_STAMP.store(stamp(), Release);
    SIGNAL.raise();
}

#[exception]
fn SysTick() {
    if EXECUTOR.sleeps() == SLEEPS_AT_ARM.load(Acquire)
        && EARLY_TICKS.fetch_add(1, Relaxed) + 1 < MAX_EARLY_TICKS
    {
        return; // the executor has not gone to sleep yet: wait for the next tick
    }
    // SAFETY: only this handler and `arm_systick` touch SYST; `arm_systick` runs while the
    // counter is stopped, so the two never access it at the same time.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.disable_interrupt();
    syst.disable_counter();
    SYSTICK_STAMP.store(stamp(), Release);
    NVIC::pend(interrupt::I2S);
}

/// Starts SysTick: an interrupt every `cycles` core clock cycles until the handler stops it.
fn arm_systick(cycles: u32) {
    // SAFETY: see `SysTick`: the counter is stopped here (the handler stopped it, or it
    // never ran), so the handler cannot run concurrently with this set-up.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(cycles - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_irq_wake");
    // SAFETY: no critical section in this program relies on the I2S line being masked.
    unsafe { NVIC::unmask(interrupt::I2S) };

    // Raised before the await: pending the line from thread mode runs the handler as soon
    // as the write takes effect, which DSB + ISB guarantee before the next instruction.
    let polls = POLLS.load(Relaxed);
    NVIC::pend(interrupt::I2S);
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
    checks.check(
        "pend runs the handler at once",
        IRQ_COUNT.load(Relaxed) == 1,
    );
    SIGNAL.wait().await;
    checks.check(
        "raised signal: ready on the first poll",
        POLLS.load(Relaxed) - polls == 1,
    );

    for round in 1..=ROUNDS {
        let polls = POLLS.load(Relaxed);
        let irqs = IRQ_COUNT.load(Relaxed);
        SLEEPS_AT_ARM.store(EXECUTOR.sleeps(), Release);
        arm_systick(TICK_CYCLES);
        SIGNAL.wait().await;
        let resumed = stamp();
        println!("round {}:", round);
        checks.check("  handler ran once", IRQ_COUNT.load(Relaxed) == irqs + 1);
        checks.check(
            "  task polled twice (pending, ready)",
            POLLS.load(Relaxed) - polls == 2,
        );
        let (tick, irq) = (SYSTICK_STAMP.load(Acquire), IRQ_STAMP.load(Acquire));
        checks.check("  order SysTick < I2S < task", tick < irq && irq < resumed);
        checks.check(
            "  executor slept while waiting",
            EXECUTOR.sleeps() > SLEEPS_AT_ARM.load(Acquire)
                && EARLY_TICKS.load(Relaxed) < MAX_EARLY_TICKS,
        );
    }

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
