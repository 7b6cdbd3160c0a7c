//! Cortex-M interrupt executor: tasks run inside the handler of an NVIC interrupt line that
//! software pends, at the priority of that line, and so preempt the thread-mode
//! [`Executor`](super::Executor) and every executor on a lower-priority line.
//!
//! Two ways to bind an executor to its line (the same executor inside, the same wakes):
//! - [`interrupt_executor!`](crate::interrupt_executor) declares a
//!   [`BoundInterruptExecutor`](super::BoundInterruptExecutor) together with the line's
//!   vector (`cortex_m_interrupt_bound.rs`). The compiler and the linker check once what
//!   this file checks on every interrupt, so its handler only returns before `start` and
//!   polls: about 11 instructions fewer per interrupt (`bench/ANALYSIS.md`, "irqx11").
//! - [`InterruptExecutor`] (this file), for a handler the user writes, which may do other
//!   work too: its safe `on_interrupt` checks, on every interrupt, that it runs in its
//!   line's handler and not inside its own batch (below).
//!
//! Guarantees:
//! - Polls never overlap: [`InterruptExecutor::on_interrupt`] marks the executor `POLLING`
//!   for the length of a batch and refuses (panics) when it finds it so, which is what a
//!   call from inside one of its tasks, or from any context that preempted a batch, would
//!   see. On one core (the Cortex-M backend's premise, as for the thread-mode executor)
//!   preemption nests, so a plain load and store suffice: a context that preempts between
//!   the check and the mark finishes its own batch, and restores `RUNNING`, before the
//!   preempted one goes on.
//! - Tasks run in one context only: `on_interrupt` called from anywhere but the handler
//!   of the executor's line (thread mode, another handler) panics (a read of `ICSR`, about
//!   five instructions per interrupt). Tasks spawned through a `Spawner` of this executor
//!   may hold `!Send` state, which must never be polled from two contexts.
//! - No lost wake-up: a wake that makes the run queue non-empty pends the line
//!   (`NVIC_ISPR`, one store; for lines 0-31 a three-instruction pender). A line pended while its
//!   handler runs is taken again as soon as the handler returns, so work queued during a
//!   batch re-enters the handler.
//! - No busy loop (invariant 5): with an empty run queue the handler returns and the line
//!   stays quiet until the next wake.
//! - Wakes work from any priority (invariant 8): pending a line is a single store to a
//!   write-one-to-set register, safe from any context.
//!
//! ```text
//!            start(irq, prio)                 wake: queue empty → non-empty
//!  NEW ───────────────────────► RUNNING ◄──────────────── pend(irq) (any context)
//!   │ (start again: panic)       │    ▲
//!   └ on_interrupt: no-op        │    │ batch done
//!                 on_interrupt   ▼    │
//!                 (handler of  POLLING ── on_interrupt meanwhile (a task, or a context
//!                  irq)                   that preempted the batch): panic
//! ```
//!
//! Cost per wake from an empty queue: one store to `NVIC_ISPR` plus the interrupt entry
//! and exit (12 cycles each way on a Cortex-M3/M4, with tail-chaining when another
//! interrupt is pending).

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::compiler_fence;

use cortex_m::interrupt::InterruptNumber;
use cortex_m::peripheral::NVIC;

use crate::executor::raw::{Pender, RawExecutor};
use crate::executor::SendSpawner;
use crate::loom::{AtomicU32, Ordering};

const NEW: u32 = 0;
const STARTING: u32 = 1;
const RUNNING: u32 = 2;
/// `RUNNING`, in the middle of a batch.
const POLLING: u32 = 3;

/// An interrupt line number, as stored in the pender's context word.
#[derive(Clone, Copy)]
struct Line(u16);

// SAFETY: a `Line` is only made from the `number()` of a user's `InterruptNumber`, whose
// own contract guarantees a valid line number of the device.
unsafe impl InterruptNumber for Line {
    #[inline]
    fn number(self) -> u16 {
        self.0
    }
}

/// The pender of an interrupt executor on line 0-31: writes the context word (the line's
/// mask) to `NVIC_ISPR0`. Three instructions (load the register address from a literal
/// next to the code, store, return: valid Thumb on ARMv6-M and ARMv7-M alike), so a pend
/// costs what a write to `STIR` (ARMv7-M only) would. Written in assembly because a
/// compiled function would add a frame-pointer prologue and epilogue.
///
/// # Safety
/// The context word is `1 << line` for a valid line `line < 32` of the device. Writing
/// ones to the write-one-to-set `ISPR0` only pends those lines, harmless from any context.
#[unsafe(naked)]
unsafe extern "C" fn pend_low_line(_mask: *const ()) {
    core::arch::naked_asm!(
        "ldr r1, 2f",
        "str r0, [r1]",
        "bx lr",
        ".p2align 2",
        "2: .word 0xE000E200", // NVIC_ISPR0
    )
}

/// The pender of an interrupt executor on line 32 or above: pends the line whose number
/// is the context word (it computes the `ISPR` register and bit: a few instructions more
/// than [`pend_low_line`]; ARMv6-M has no such lines).
///
/// # Safety
/// `context` is a valid interrupt line number of the device (cast to a pointer).
unsafe extern "C" fn pend_line(context: *const ()) {
    NVIC::pend(Line(context as usize as u16));
}

/// An executor whose tasks run in the handler of an interrupt line, at that line's
/// priority. Declare it as a `static`, [`start`](Self::start) it once, and call
/// [`on_interrupt`](Self::on_interrupt) from the line's handler.
///
/// When the handler does nothing but poll the executor, prefer
/// [`interrupt_executor!`](crate::interrupt_executor), which writes the handler and so
/// needs none of `on_interrupt`'s per-interrupt checks.
///
/// Pick a line no device raises (on the MPS2 boards, for instance `I2S` or `TSC`): every
/// interrupt on it runs a batch of tasks. Lower priority numbers are more urgent; tasks
/// on this executor preempt the thread-mode executor and any interrupt executor with a
/// greater priority number, and are themselves preempted by more urgent ones.
///
/// Tasks spawned here must be `Send`: they are handed over through a [`SendSpawner`].
/// Sharing data with tasks of other priorities needs interrupt-safe primitives
/// (atomics, `critical-section`, `mote::sync`).
///
/// **Single core**, like the whole Cortex-M backend: the line must be pended, and its
/// tasks woken, from the core that handles it only. Nothing can check this; see
/// [`Executor`](super::Executor#single-core).
///
/// ```ignore
/// use mote::executor::InterruptExecutor;
/// use mote_mps2::{interrupt, Interrupt};
///
/// static HIGH: InterruptExecutor = InterruptExecutor::new();
///
/// #[interrupt]
/// fn I2S() {
///     HIGH.on_interrupt();
/// }
///
/// #[mote::task]
/// async fn urgent() { /* ... */ }
///
/// // in main, before (or while) running the thread-mode executor:
/// let spawner = HIGH.start(Interrupt::I2S, 0x40);
/// spawner.must_spawn(urgent());
/// ```
pub struct InterruptExecutor {
    /// `NEW`, `STARTING`, `RUNNING` or `POLLING` (see the module docs).
    state: AtomicU32,
    /// The line's exception number (16 + line), written once by `start` before `state`
    /// becomes `RUNNING` (for the check of `on_interrupt`'s caller: stored ready to
    /// compare with the active exception, one instruction fewer per interrupt).
    exception: AtomicU32,
    /// Written once by `start` (state `STARTING`, exclusive), read only once `state` is
    /// `RUNNING` (observed with Acquire after the Release that published it).
    raw: UnsafeCell<MaybeUninit<RawExecutor>>,
}

// SAFETY: `raw` is written once, by the single `start` call that won the NEW → STARTING
// transition, and only read after RUNNING has been published with Release. The executor
// is shared, but only through its thread-safe parts (the Shared Fields Invariant of
// `RawExecutor`): `start` hands out a `SendSpawner` only, and polling is confined to the
// interrupt handler, which `on_interrupt` enforces.
unsafe impl Sync for InterruptExecutor {}

impl Default for InterruptExecutor {
    fn default() -> Self {
        Self::new()
    }
}

impl InterruptExecutor {
    /// A new, not yet started executor, usable in a `static`.
    ///
    /// ```
    /// static HIGH: mote::executor::InterruptExecutor = mote::executor::InterruptExecutor::new();
    /// # let _ = &HIGH;
    /// ```
    pub const fn new() -> Self {
        Self {
            state: AtomicU32::new(NEW),
            exception: AtomicU32::new(0),
            raw: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// Binds the executor to line `irq`, sets the line's NVIC priority to `priority` (the
    /// raw priority byte: lower is more urgent, and the device implements only its top
    /// bits) and unmasks the line. Returns the spawner for this executor.
    ///
    /// The line's handler must call [`on_interrupt`](Self::on_interrupt).
    ///
    /// Changing priorities and unmasking a line is only unsound for code that relies on
    /// that line being masked or on a priority ceiling (BASEPRI-based critical sections),
    /// so pick a line that no such code uses.
    ///
    /// # Panics
    /// If the executor was started before (an executor belongs to one line for good).
    pub fn start(&'static self, irq: impl InterruptNumber, priority: u8) -> SendSpawner {
        let won = self
            .state
            .compare_exchange(NEW, STARTING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        assert!(won, "InterruptExecutor::start called twice");
        let line = irq.number();
        // SAFETY: winning NEW → STARTING makes this call the only writer, and no reader
        // looks at `raw` before RUNNING is published below; `line` comes from an
        // `InterruptNumber`, so it is a valid line.
        unsafe { (*self.raw.get()).write(executor_for_line(line)) };
        self.exception
            .store(u32::from(line) + 16, Ordering::Relaxed);
        self.state.store(RUNNING, Ordering::Release);
        // SAFETY: as above, a valid line.
        unsafe { enable_line(line, priority) };
        self.raw().spawner().make_send()
    }

    /// Polls one batch of this executor's tasks. Call it from the handler of the line given
    /// to [`start`](Self::start), and only there. Tasks woken during the batch pend the line
    /// again, so they run in the next handler invocation.
    ///
    /// Before `start` it does nothing (a stray pend of the line is harmless).
    ///
    /// The handler may go on with other work after it returns: a timer registered there
    /// with the waker of one of this executor's tasks pends the line, so that the
    /// executor runs again and arms its alarm for it.
    ///
    /// Cost: a load, a compare and two stores of the state word around the batch, two
    /// stores of the executor's context (its handler's only while the batch runs), and a
    /// read of `ICSR` to check the calling context.
    ///
    /// # Panics
    /// If called while a batch of this executor runs: from within one of its tasks, or
    /// from a context that preempted its handler. Either would make two polls of one run
    /// queue overlap. Also if called from anywhere but the handler of the executor's line
    /// (thread mode, another handler): its tasks must stay in one context.
    #[inline]
    pub fn on_interrupt(&'static self) {
        // Relaxed plus a compiler fence: on one core the handler is ordered after `start`
        // by the hardware, and the fence keeps the compiler from reading `raw` before the
        // check (a signal-handler style synchronisation, which is what it is).
        let state = self.state.load(Ordering::Relaxed);
        compiler_fence(Ordering::Acquire);
        if state != RUNNING {
            return not_running(state);
        }
        let exception = self.exception.load(Ordering::Relaxed);
        if active_exception() != exception {
            wrong_context();
        }
        // Load and store only (no read-modify-write, which thumbv6m would turn into a
        // critical section): on one core, a context preempting us between the load and
        // this store runs its whole batch and restores RUNNING before we go on.
        self.state.store(POLLING, Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        #[cfg(feature = "trace")]
        crate::trace::executor_events::interrupt(self.raw());
        // The handler is the executor's context only during the batch: the handler may
        // go on with other work, and a timer registered there with one of its tasks'
        // wakers must then pend the line to re-arm (`RawExecutor::poll`).
        self.raw()
            .set_context(super::context_of_exception(exception));
        // SAFETY: state POLLING excludes every other poll until the store below: a nested
        // call (a task, a preempting context) sees POLLING and panics instead of polling;
        // this handler's context is recorded (just above, checked before).
        // `poll` re-arms the alarm for the earliest timer if that changed, and if a
        // deadline has been reached already, pends to run again (module `timers`).
        unsafe { self.raw().poll_batch() };
        self.raw().set_context(0);
        #[cfg(feature = "trace")]
        crate::trace::executor_events::idle(self.raw());
        compiler_fence(Ordering::SeqCst);
        self.state.store(RUNNING, Ordering::Relaxed);
    }

    /// True once [`start`](Self::start) has completed.
    ///
    /// ```
    /// static HIGH: mote::executor::InterruptExecutor = mote::executor::InterruptExecutor::new();
    /// assert!(!HIGH.is_started());
    /// ```
    pub fn is_started(&self) -> bool {
        self.state.load(Ordering::Acquire) == RUNNING
    }

    /// The running executor; only called after observing RUNNING.
    fn raw(&'static self) -> &'static RawExecutor {
        // SAFETY: callers observed `state == RUNNING` (Acquire), which `start` stores
        // (Release) after initialising `raw`; `raw` is never written again.
        unsafe { (*self.raw.get()).assume_init_ref() }
    }
}

/// The executor of an interrupt executor on `line`: its pender pends the line, and its
/// context is the line's handler (recorded here, once: the handler is its only poller,
/// which each executor type enforces in its own way).
///
/// # Safety
/// `line` is a valid interrupt line of the device (the `number()` of an
/// `InterruptNumber`).
pub(super) unsafe fn executor_for_line(line: u16) -> RawExecutor {
    // SAFETY: `line` is a valid line (the contract); each pender gets the context its
    // contract asks for (the mask of a line below 32, or the line
    // number). Either is a single write to a write-one-to-set NVIC register, callable at
    // any time from any priority.
    let pender = unsafe {
        if line < 32 {
            Pender::new(pend_low_line, (1usize << line) as *const ())
        } else {
            Pender::new(pend_line, usize::from(line) as *const ())
        }
    };
    let raw = RawExecutor::new(pender);
    raw.set_context(super::context_of_exception(u32::from(line) + 16));
    raw
}

/// Sets `line`'s NVIC priority to `priority` and unmasks it (the last step of `start`).
///
/// Changing priorities and unmasking a line is only unsound for code that relies on that
/// line being masked or on a priority ceiling (BASEPRI-based critical sections); the
/// `start` functions ask their callers to pick a line no such code uses.
///
/// # Safety
/// `line` is a valid interrupt line of the device (the `number()` of an
/// `InterruptNumber`).
pub(super) unsafe fn enable_line(line: u16, priority: u8) {
    // SAFETY: cortex-m's `Peripherals::steal` only hands out register handles; the
    // priority write touches this valid line's byte alone, which nothing else owns.
    let mut core = unsafe { cortex_m::Peripherals::steal() };
    // SAFETY: see above: changing this line's priority cannot break a critical section
    // that does not rely on it.
    unsafe { core.NVIC.set_priority(Line(line), priority) };
    // SAFETY: as above, for masking.
    unsafe { NVIC::unmask(Line(line)) };
}

/// `on_interrupt` found the executor not `RUNNING`: nothing to do before `start`, a panic
/// in the middle of a batch. Out of line: the hot path is the `RUNNING` case.
#[cold]
#[inline(never)]
fn not_running(state: u32) {
    if state == POLLING {
        panic!("InterruptExecutor::on_interrupt called while its batch runs (from a task?)");
    }
}

#[cold]
#[inline(never)]
fn wrong_context() -> ! {
    panic!("InterruptExecutor::on_interrupt called outside the handler of its interrupt line");
}

/// The exception number being handled (ICSR.VECTACTIVE): 0 in thread mode, 16 + n in
/// the handler of line n.
fn active_exception() -> u32 {
    // SAFETY: a read of the always-present ICSR register, without side effects.
    let icsr = unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) };
    icsr & 0x1FF
}
