//! Cortex-M interrupt executor defined together with its vector:
//! [`interrupt_executor!`](crate::interrupt_executor) declares a
//! [`BoundInterruptExecutor`] and defines the handler of its line, which is then the
//! executor's only poller. What [`InterruptExecutor`](super::InterruptExecutor) checks on
//! every interrupt, the compiler and the linker check here once:
//!
//! | property | `InterruptExecutor::on_interrupt` | bound executor |
//! |---|---|---|
//! | polled from its line's handler only | `ICSR` read and compare (panics) | the handler is the macro's `unsafe extern "C" fn`, whose symbol is the line's vector name and which has no name in your code: no safe code can call it |
//! | polls never overlap | `RUNNING`/`POLLING` state word (panics) | only the handler polls, and the NVIC never preempts an active exception with itself |
//! | the line `start` unmasks and pends is the vector's | the caller's word | both come from the macro's one argument, and `start` checks that the vector table's entry for the line is the macro's handler (on ARMv7-M and ARMv8-M, where `VTOR` says where the table is) |
//! | the line is an interrupt of the device | `InterruptNumber` | the argument is a variant of the device's `InterruptNumber` enum, or it does not compile; a second handler for the line (another binding, an `#[interrupt] fn`) is a duplicate-symbol link error |
//!
//! The premise, as for cortex-m-rt's `#[interrupt]`: the device crate names each vector
//! symbol like the enum variant of its line (what svd2rust and cortex-m-rt's `device.x`
//! convention generate, and `mote_mps2`'s table does), its `InterruptNumber` numbers are
//! valid lines (that trait's `unsafe` contract), and no vector other than the line's own
//! points at the line's handler. `start` checks the first part: it reads the table
//! entry of the line (`VTOR` + 4 × (16 + line)) and panics if it is not the macro's
//! handler, so an enum whose numbers disagree with the vector names cannot make an
//! executor record one context and run in another (`Spawner::for_current_executor`
//! relies on the recorded context). ARMv6-M has no architectural `VTOR` (it is optional
//! on a Cortex-M0+ and absent on a Cortex-M0), so there the check is skipped and the
//! device crate's naming is the premise.
//!
//! ```text
//!            start(priority)                    wake: queue empty → non-empty
//!  NEW ───────────────────────► RUNNING ◄──────────────── pend(line) (any context)
//!   │ (start again: panic)       │    ▲
//!   └ handler: returns           │    │ batch done
//!                     handler    ▼    │
//!                   (its line)  batch ── no other poller exists: a task cannot call the
//!                                        handler, and the line cannot preempt itself
//! ```
//!
//! Cost per interrupt: the handler loads the state word and compares it with `RUNNING`
//! (the "not started yet" return), then polls the batch; the same wake and pend as
//! [`InterruptExecutor`](super::InterruptExecutor). Measured (thumbv7m, opt-level "s",
//! QEMU instruction trace of `bench/fw`'s `bench_irq_executor`, one task per batch): 28
//! instructions in the handler against 39 with `on_interrupt`, and an interrupt-to-task
//! latency of 113.1 instructions against 121.1 (`bench/ANALYSIS.md`, section "irqx11");
//! since the run queue's take lost its critical section, 3 fewer in both handlers and a
//! latency of 109.3 (section "n012").

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::sync::atomic::compiler_fence;

use cortex_m::interrupt::InterruptNumber;

use super::cortex_m_interrupt::{enable_line, executor_for_line};
use crate::executor::raw::RawExecutor;
use crate::executor::SendSpawner;
use crate::loom::{AtomicU32, Ordering};

const NEW: u32 = 0;
const STARTING: u32 = 1;
const RUNNING: u32 = 2;

/// An interrupt executor bound to its line's vector, declared with
/// [`interrupt_executor!`](crate::interrupt_executor): its tasks run in that handler, at
/// the line's priority, and preempt the thread-mode [`Executor`](super::Executor) and
/// every interrupt executor on a less urgent line.
///
/// It is an [`InterruptExecutor`](super::InterruptExecutor) whose handler the macro
/// writes: no `on_interrupt` to call, so nothing to check on each interrupt (module docs),
/// and [`start`](Self::start) takes no line, since the macro fixed it. Use it unless the
/// handler must do other work too, or the line is chosen at run time.
///
/// Pick a line no device raises (on the MPS2 boards, for instance `I2S` or `TSC`).
/// Tasks spawned here must be `Send`: they are handed over through a [`SendSpawner`].
/// Single core, like the whole Cortex-M backend
/// ([`Executor`](super::Executor#single-core)).
///
/// ```ignore
/// use mote_mps2::Interrupt;
///
/// mote::interrupt_executor!(static HIGH = Interrupt::I2S);
///
/// #[mote::task]
/// async fn urgent() { /* ... */ }
///
/// // in main, before (or while) running the thread-mode executor:
/// let spawner = HIGH.start(0x40);
/// spawner.must_spawn(urgent());
/// ```
///
/// `B` is a zero-sized type the macro defines (named like the `static`), which names the
/// line and its handler at compile time: the `static` holds nothing but zero-initialised
/// state (it lives in `.bss`), and `start` compiles for its one line.
pub struct BoundInterruptExecutor<B: __InterruptBinding> {
    /// `NEW`, `STARTING` or `RUNNING` (module docs).
    state: AtomicU32,
    /// Written once by `start` (state `STARTING`, exclusive), read only once `state` is
    /// `RUNNING` (observed with Acquire, or in the handler after a compiler fence).
    raw: UnsafeCell<MaybeUninit<RawExecutor>>,
    _binding: PhantomData<B>,
}

/// The line and the handler of a [`BoundInterruptExecutor`], implemented by the type that
/// [`interrupt_executor!`](crate::interrupt_executor) defines; not public API.
///
/// # Safety
/// [`interrupt`](Self::interrupt) returns the same line every time. [`HANDLER`](Self::HANDLER) is the only caller of
/// `__on_interrupt` of the one `static` of type `BoundInterruptExecutor<Self>`, and only
/// the hardware calls it, as the vector of that line (`start` checks the vector table's
/// entry where it can, module docs).
#[doc(hidden)]
pub unsafe trait __InterruptBinding: 'static {
    /// The line (the device's interrupt enum variant, whose `InterruptNumber` contract
    /// makes its number a valid line).
    fn interrupt() -> impl InterruptNumber;
    /// The line's handler, which polls the executor.
    const HANDLER: unsafe extern "C" fn();
}

// SAFETY: `raw` is written once, by the single `start` call that won the NEW → STARTING
// transition, and only read after RUNNING has been published. It is shared only through
// its thread-safe parts (the Shared Fields Invariant of `RawExecutor`): `start` hands out
// a `SendSpawner` only, and polling is confined to the line's handler, the only caller of
// `__on_interrupt` (the contract of `__InterruptBinding`, which only the macro implements).
unsafe impl<B: __InterruptBinding> Sync for BoundInterruptExecutor<B> {}

impl<B: __InterruptBinding> BoundInterruptExecutor<B> {
    /// Used by [`interrupt_executor!`](crate::interrupt_executor); not public API.
    ///
    /// # Safety
    /// Only the macro calls it, once per binding type `B`: for the one `static` whose
    /// `__on_interrupt` the line's vector calls. (A second value of the type would not be
    /// unsound, but its tasks would never be polled: `unsafe` keeps safe code from
    /// building one by mistake.)
    #[doc(hidden)]
    pub const unsafe fn __new() -> Self {
        Self {
            state: AtomicU32::new(NEW),
            raw: UnsafeCell::new(MaybeUninit::uninit()),
            _binding: PhantomData,
        }
    }

    /// Sets the NVIC priority of the executor's line to `priority` (the raw priority
    /// byte: lower is more urgent, and the device implements only its top bits), unmasks
    /// the line and returns the spawner for this executor. Its tasks then run in the
    /// line's handler, which [`interrupt_executor!`](crate::interrupt_executor) defined.
    ///
    /// Changing priorities and unmasking a line is only unsound for code that relies on
    /// that line being masked or on a priority ceiling (BASEPRI-based critical sections),
    /// so pick a line that no such code uses.
    ///
    /// ```ignore
    /// mote::interrupt_executor!(static HIGH = mote_mps2::Interrupt::I2S);
    /// let spawner = HIGH.start(0x40);
    /// ```
    ///
    /// # Panics
    /// If the executor was started before; and (ARMv7-M, ARMv8-M) if the vector table's
    /// entry for the line is not the handler the macro defined: the device crate's
    /// interrupt enum does not number its vectors as it names them, or the vector table
    /// is not built from the symbols cortex-m-rt's `device.x` convention provides.
    pub fn start(&'static self, priority: u8) -> SendSpawner {
        // SAFETY: the fields, the line and the handler are this executor's, whose handler
        // is its only poller (the contract of `__InterruptBinding`).
        unsafe { start(&self.state, &self.raw, B::interrupt(), B::HANDLER, priority) }
    }

    /// True once [`start`](Self::start) has completed.
    ///
    /// ```ignore
    /// mote::interrupt_executor!(static HIGH = mote_mps2::Interrupt::I2S);
    /// assert!(!HIGH.is_started());
    /// ```
    pub fn is_started(&self) -> bool {
        self.state.load(Ordering::Acquire) == RUNNING
    }

    /// The handler's work: polls one batch of tasks; before `start`, nothing (a stray pend
    /// of the line is harmless). Not public API: only the handler that
    /// [`interrupt_executor!`](crate::interrupt_executor) defines calls it.
    ///
    /// # Safety
    /// Called only from the vector of this executor's line (the contract of
    /// [`__InterruptBinding`]).
    #[doc(hidden)]
    #[inline(always)]
    pub unsafe fn __on_interrupt(&'static self) {
        // Relaxed plus a compiler fence: on one core the handler is ordered after `start`
        // by the hardware, and the fence keeps the compiler from reading `raw` before the
        // check (a signal-handler style synchronisation).
        let state = self.state.load(Ordering::Relaxed);
        compiler_fence(Ordering::Acquire);
        if state != RUNNING {
            return;
        }
        #[cfg(feature = "trace")]
        crate::trace::executor_events::interrupt(self.raw());
        // SAFETY: the line's handler is this executor's only poller (the contract), and
        // it cannot overlap itself: a task cannot call it (it is reachable from the
        // vector only) and the NVIC never preempts an active exception with itself.
        // `start` recorded this handler's context (`executor_for_line`). `poll_batch`
        // re-arms the alarm for the earliest timer if that changed, and if a deadline has
        // been reached already, pends to run again (module `timers`).
        unsafe { self.raw().poll_batch() };
        // After the batch, so outside it, but this runs no code that could register a
        // timer with a task's waker (which would then need a pend to be armed, as in
        // `RawExecutor::poll`): the `Idle` event goes only to the timeline's recorder
        // (`trace::timeline`: a critical section, a clock read, a store); the program's
        // event hooks get task events only, all inside the batch.
        #[cfg(feature = "trace")]
        crate::trace::executor_events::idle(self.raw());
    }

    /// The running executor; only called after observing RUNNING.
    fn raw(&'static self) -> &'static RawExecutor {
        // SAFETY: callers observed `state == RUNNING`, which `start` stores (Release)
        // after initialising `raw`; `raw` is never written again.
        unsafe { (*self.raw.get()).assume_init_ref() }
    }
}

/// [`BoundInterruptExecutor::start`], one copy per interrupt enum rather than per
/// executor (its line comes in as a value of the enum, whose range lets the compiler keep
/// only the pender and the priority write the enum's lines need).
///
/// # Safety
/// `state` and `raw` are the fields of one `BoundInterruptExecutor`, whose binding's
/// line and handler are `irq` and `handler`.
#[inline(never)]
unsafe fn start(
    state: &'static AtomicU32,
    raw: &'static UnsafeCell<MaybeUninit<RawExecutor>>,
    irq: impl InterruptNumber,
    handler: unsafe extern "C" fn(),
    priority: u8,
) -> SendSpawner {
    let won = state
        .compare_exchange(NEW, STARTING, Ordering::Acquire, Ordering::Relaxed)
        .is_ok();
    assert!(won, "BoundInterruptExecutor::start called twice");
    let line = irq.number();
    #[cfg(target_has_atomic = "32")]
    if vector_of(line) != handler as usize {
        wrong_vector();
    }
    #[cfg(not(target_has_atomic = "32"))]
    let _ = handler;
    // SAFETY: winning NEW → STARTING makes this call the only writer, and no reader looks
    // at `raw` before RUNNING is published below; `line` comes from an `InterruptNumber`,
    // so it is a valid line.
    let executor = unsafe { (*raw.get()).write(executor_for_line(line)) };
    state.store(RUNNING, Ordering::Release);
    // SAFETY: as above, a valid line.
    unsafe { enable_line(line, priority) };
    executor.spawner().make_send()
}

/// The vector table entry of `line` (`VTOR` + 4 × (16 + `line`)): the address of the
/// line's handler, with the Thumb bit set like a function pointer's. ARMv7-M and ARMv8-M
/// only (targets with 32-bit atomics); ARMv6-M may have no `VTOR`.
#[cfg(target_has_atomic = "32")]
fn vector_of(line: u16) -> usize {
    // SAFETY: a read of VTOR (0xE000_ED08), architectural on ARMv7-M and ARMv8-M, without
    // side effects.
    let vtor = unsafe { core::ptr::read_volatile(0xE000_ED08 as *const u32) } as usize;
    // SAFETY: the active vector table starts at VTOR and has an entry for every line of
    // the device, which `line` is (the contract of `__new`); a word-aligned read of it.
    unsafe { core::ptr::read_volatile((vtor + 4 * (16 + usize::from(line))) as *const usize) }
}

#[cfg(target_has_atomic = "32")]
#[cold]
#[inline(never)]
fn wrong_vector() -> ! {
    panic!(
        "BoundInterruptExecutor::start: the vector table entry of the executor's line is not \
         the handler interrupt_executor! defined; the interrupt enum given to the macro must \
         be the device crate's, numbering each line as the vector table names it"
    )
}

/// Declares an interrupt executor together with the handler of its line: a `static` of
/// type [`BoundInterruptExecutor`] and the vector of the line, whose only work is to poll
/// it. The line is given once, as the device's interrupt enum variant
/// (`Interrupt::I2S`, the path you would pass to `NVIC::pend`); its last segment also
/// names the vector, as cortex-m-rt's `#[interrupt] fn I2S()` does.
///
/// ```ignore
/// use mote_mps2::Interrupt;
///
/// // Embassy: static EXECUTOR_HIGH: InterruptExecutor = InterruptExecutor::new();
/// //          #[interrupt] unsafe fn I2S() { EXECUTOR_HIGH.on_interrupt() }
/// mote::interrupt_executor!(static HIGH = Interrupt::I2S);
///
/// #[mote::main]
/// async fn main(_spawner: mote::Spawner) {
///     let high = HIGH.start(0x40);
///     // high.must_spawn(urgent());
/// }
/// ```
///
/// Attributes (doc comments) and a visibility may precede `static`. Misuse fails to
/// build:
/// - a line that is not a variant of the enum: "no variant or associated item named
///   `I2Z` found for enum `Interrupt`";
/// - a value that is not an interrupt number: "the trait bound `...: InterruptNumber` is
///   not satisfied";
/// - a line that already has a handler (a second `interrupt_executor!`, a
///   `bind_interrupts!` or an `#[interrupt] fn` for it): "symbol `I2S` is already
///   defined" in one crate, a duplicate-symbol link error across crates.
///
/// And at run time, [`start`](BoundInterruptExecutor::start) panics if the vector table
/// entry of the line is not this handler (an enum that numbers the line unlike the vector
/// it names; ARMv7-M and ARMv8-M).
///
/// The handler is `unsafe extern "C"` and has no name in your code: no safe code can
/// call it. A crate with `#![forbid(unsafe_code)]` cannot use the macro (it expands to
/// `unsafe`, as cortex-m-rt's attributes do).
#[macro_export]
macro_rules! interrupt_executor {
    ($(#[$attr:meta])* $vis:vis static $name:ident = $($line:tt)+) => {
        $crate::__interrupt_executor_split!([$(#[$attr])* $vis static $name] [] $($line)+);
    };
}

/// Splits the line's path (`a::b::NAME`, then an optional `;`) into the path and `NAME`.
#[doc(hidden)]
#[macro_export]
macro_rules! __interrupt_executor_split {
    ([$($decl:tt)*] [$($prefix:tt)*] $segment:ident :: $($rest:tt)+) => {
        $crate::__interrupt_executor_split!([$($decl)*] [$($prefix)* $segment ::] $($rest)+);
    };
    ([$($decl:tt)*] [$($prefix:tt)*] :: $($rest:tt)+) => {
        $crate::__interrupt_executor_split!([$($decl)*] [$($prefix)* ::] $($rest)+);
    };
    ([$(#[$attr:meta])* $vis:vis static $name:ident] [$($prefix:tt)*] $line:ident $(;)?) => {
        /// The line and handler of the interrupt executor of the same name
        /// (`mote::interrupt_executor!`).
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        $vis struct $name {}

        // SAFETY: `interrupt` returns the `InterruptNumber` given, the same each time; `HANDLER` is the only caller of `__on_interrupt` of the
        // `static` below, the only one of its type, and only the hardware calls it: it has
        // no name outside its block, and its symbol is the line's vector (checked by
        // `start` where it can).
        unsafe impl $crate::executor::__InterruptBinding for $name {
            #[inline(always)]
            fn interrupt() -> impl $crate::executor::InterruptNumber {
                $($prefix)* $line
            }
            const HANDLER: unsafe extern "C" fn() = {
                /// The line's vector: overrides the device's weak default handler of the
                /// same name (a second definition is a duplicate-symbol error).
                #[allow(non_snake_case)]
                #[unsafe(no_mangle)]
                unsafe extern "C" fn $line() {
                    // SAFETY: this function is the vector of the executor's line and has
                    // no name in safe code, so it is the only caller of `__on_interrupt`,
                    // as the hardware's handler of that line.
                    unsafe { $name.__on_interrupt() }
                }
                $line
            };
        }

        $(#[$attr])*
        $vis static $name: $crate::executor::BoundInterruptExecutor<$name> =
            // SAFETY: the one value of this binding type, whose `__on_interrupt` the
            // vector above calls.
            unsafe { $crate::executor::BoundInterruptExecutor::__new() };
    };
}
