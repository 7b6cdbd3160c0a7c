//! Cortex-M backend: the thread-mode executor sleeps with WFI when idle.
//!
//! Guarantees:
//! - No busy loop (invariant 5): when the run queue is empty the core executes WFI.
//! - No lost wake-up: the emptiness check and WFI run with interrupts masked (PRIMASK).
//!   An interrupt arriving in between stays pending, still ends WFI (pending interrupts
//!   wake WFI regardless of PRIMASK), and runs as soon as interrupts are unmasked, before
//!   the queue is checked again. So wakes from any interrupt priority need no signal of
//!   their own: the pender is a no-op, and a wake costs one state CAS and one push.
//! - WFI rather than WFE: on a single core every wake source is an interrupt, and QEMU
//!   implements WFE as a no-op (a WFE idle loop spins); WFI really sleeps there.
//!
//! Premise: **one core** (see [`Executor`]'s "Single core" section, the public statement
//! of it).

use portable_atomic::{AtomicU32, Ordering};

use crate::executor::raw::{Pender, RawExecutor};
use crate::executor::Spawner;

/// The thread-mode executor for Cortex-M. Declare it as a `static` and call
/// [`run`](Self::run) from `main`; `#[mote::main]` does both for you.
///
/// ```ignore
/// static EXECUTOR: mote::executor::Executor = mote::executor::Executor::new();
/// EXECUTOR.run(|spawner| spawner.must_spawn(app()));
/// ```
///
/// # Single core
///
/// The Cortex-M backend (this executor, [`InterruptExecutor`](super::InterruptExecutor),
/// the task wakers and `ThreadModeRawMutex`) supports **one core**. Everything that
/// touches the runtime (polls, wakes, spawns, `ThreadModeRawMutex` locks) must run on the
/// core that runs the executors, in thread mode or in its interrupt handlers:
///
/// - Task state changes that the executor makes on its own are plain byte stores with
///   compiler fences, ordered only by this core's program order; a wake from another
///   core could race with them and lose or corrupt a task's state.
/// - The idle executor sleeps with WFI and is woken by this core's interrupts; a wake
///   from another core sends no event or interrupt here, so the task could sleep forever.
/// - `ThreadModeRawMutex` tells contexts apart by "is this core in thread mode", which
///   both cores of a dual-core chip can be at once.
///
/// On a multi-core chip (RP2040, RP2350, dual-core STM32H7 or LPC55S69, ...), run Mote on
/// one core, and pass data to it from the others through a multi-core-safe mechanism
/// that raises an interrupt on Mote's core (a hardware FIFO or mailbox), whose handler
/// then wakes the task.
///
/// **Nothing checks this**, at build time or at start-up: ARMv6-M, ARMv7-M and ARMv8-M
/// have no architectural core-ID register (`MPIDR` is A-profile only; `CPUID` names the
/// core type, not which core), core-ID registers are vendor-specific (an RP2040's `SIO`
/// block), and no `cfg` tells a multi-core part from a single-core one (an RP2040 is a
/// plain `thumbv6m-none-eabi` target).
pub struct Executor {
    raw: RawExecutor,
    /// Bit 0 ([`STARTED`]): `run` was called. Bits 1-31: the sleep count (one word for
    /// both: 4 bytes of `.bss` fewer than two fields).
    flags: AtomicU32,
}

// SAFETY: the executor is shared (it lives in a `static`) but its context-bound parts are
// guarded: `spawner` checks it runs in thread mode (the one context that runs `run` on
// this single core), `run` checks it runs once, and everything else is the thread-safe
// part of `RawExecutor` (its Shared Fields Invariant) or an atomic.
unsafe impl Sync for Executor {}

/// `flags` bit: `run` was called.
const STARTED: u32 = 1;
/// `flags` increment of one sleep.
const ONE_SLEEP: u32 = 2;

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// A new executor, usable in a `static`.
    pub const fn new() -> Self {
        Self {
            raw: RawExecutor::new(Pender::none()),
            flags: AtomicU32::new(0),
        }
    }

    /// A spawner for this executor, which runs in thread mode.
    ///
    /// # Panics
    /// When called from an interrupt or exception handler: a [`Spawner`] spawns futures
    /// that need not be `Send`, so it must be made where they will run. From a handler,
    /// spawn through a [`SendSpawner`](crate::SendSpawner) made in thread mode
    /// ([`Spawner::make_send`]).
    pub fn spawner(&'static self) -> Spawner {
        assert!(
            in_thread_mode(),
            "Executor::spawner called from an interrupt handler; make a SendSpawner in \
             thread mode (spawner.make_send()) and spawn Send futures with it"
        );
        self.raw.spawner()
    }

    /// How many times the executor went to sleep (WFI) so far, modulo 2^31. With every
    /// task waiting, it grows by one per wake-up event, not with elapsed time. It is
    /// counted as the executor goes to sleep (interrupts masked, just before WFI), so the
    /// count costs nothing on the way from an interrupt to the woken task.
    pub fn sleeps(&self) -> u32 {
        self.flags.load(Ordering::Relaxed) / ONE_SLEEP
    }

    /// Runs `init` with a spawner, then runs tasks forever, sleeping when idle.
    ///
    /// # Panics
    /// If called a second time.
    pub fn run(&'static self, init: impl FnOnce(Spawner)) -> ! {
        // A load and a store, no read-modify-write: on one core, a context that preempts
        // us between the two and calls `run` never returns (nor, then, do we), so two loops
        // can never run; any later call sees STARTED.
        let flags = self.flags.load(Ordering::Relaxed);
        if flags & STARTED != 0 {
            panic!("Executor::run called twice");
        }
        self.flags.store(flags | STARTED, Ordering::Relaxed);
        init(self.raw.spawner());
        // Once here, not in every batch: this loop is the executor's only poller.
        self.raw.record_context();
        loop {
            // SAFETY: `started` makes this loop the executor's only poller, and tasks can't
            // re-enter it; its context is recorded above; it polls again or sleeps
            // through `timers_allow_sleep` below.
            unsafe { self.raw.poll_batch_in_loop() };
            if !self.raw.is_idle() {
                continue;
            }
            cortex_m::interrupt::disable();
            #[cfg(feature = "trace")]
            let mut slept = false;
            if self.raw.is_idle() && self.timers_allow_sleep() {
                // Counted before sleeping: no interrupt can run in between (masked), and
                // the wake-up path stays as short as it can be.
                bump(&self.flags);
                #[cfg(feature = "trace")]
                {
                    crate::trace::executor_events::idle(&self.raw);
                    slept = true;
                }
                cortex_m::asm::wfi();
            }
            // SAFETY: interrupts were enabled when the loop started (thread mode after
            // reset/`main`), so re-enabling them restores that state; the masked window
            // only holds the emptiness check and WFI.
            unsafe { cortex_m::interrupt::enable() };
            // After the interrupt that ended the sleep ran (its wakes come first).
            #[cfg(feature = "trace")]
            if slept {
                crate::trace::executor_events::busy(&self.raw);
            }
        }
    }
}

impl Executor {
    fn timers_allow_sleep(&'static self) -> bool {
        self.raw.timers_allow_sleep()
    }
}

/// Counts one sleep. `flags` is written by the executor loop only once it runs (and
/// here interrupts are masked): a load and a store, no read-modify-write (which thumbv6m
/// would turn into a critical section).
#[inline]
fn bump(flags: &AtomicU32) {
    flags.store(
        flags.load(Ordering::Relaxed).wrapping_add(ONE_SLEEP),
        Ordering::Relaxed,
    );
}

/// Entry point used by `#[mote::main]`.
#[doc(hidden)]
pub fn run_main(init: impl FnOnce(Spawner)) -> ! {
    static EXECUTOR: Executor = Executor::new();
    EXECUTOR.run(init)
}

/// The current execution context's identity for `Spawner::for_current_executor`: the
/// active exception number plus one (1 in thread mode), never 0. On a single core, two
/// code paths with the same number never run at the same time.
#[inline]
pub(crate) fn context_id() -> usize {
    // SAFETY: a read of the always-present ICSR register, without side effects.
    let icsr = unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) };
    context_of_exception(icsr & 0x1FF)
}

/// The [`context_id`] of the handler of exception number `n` (16 + interrupt line).
#[inline]
pub(crate) const fn context_of_exception(n: u32) -> usize {
    n as usize + 1
}

/// True when running in thread mode (no exception or interrupt is active) on this core.
#[inline]
pub(crate) fn in_thread_mode() -> bool {
    // VECTACTIVE (ICSR[8:0]) is 0 in thread mode.
    // SAFETY: a read of the always-present ICSR register, without side effects.
    let icsr = unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) };
    icsr & 0x1FF == 0
}

/// Refuses a `ThreadModeRawMutex` lock from handler mode, saying what to use instead. One
/// string, no formatting: the cost of the message stays a few bytes of `.rodata`.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn not_thread_mode() -> ! {
    panic!(
        "ThreadModeRawMutex locked from an interrupt handler (or a task of an \
         InterruptExecutor); use CriticalSectionRawMutex for data shared with interrupts"
    )
}
