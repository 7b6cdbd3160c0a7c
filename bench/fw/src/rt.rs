//! The runtime seam: the only code that differs between the Mote and Embassy builds.
//!
//! Each runtime provides `NAME`, `Spawner`, `SendSpawner`, `yield_now` (from its own
//! futures crate), [`run`] (a thread-mode executor in a static, started with an init
//! closure), [`start_interrupt_executor`] / [`on_interrupt`] (an interrupt executor on one
//! NVIC line), its own `Channel`, `Signal` and `CriticalSectionRawMutex` (mote::sync /
//! embassy-sync), with feature `timers` its own `Timer`, `Ticker` and `Duration`
//! (mote::time / embassy-time), and the [`spawn!`](crate::spawn) macro, which panics if
//! the pool is full (a failed measurement, never a silent skip). Task functions are
//! declared in the workloads with `#[cfg_attr(feature = "mote", mote::task)]` and
//! `#[cfg_attr(feature = "embassy", embassy_executor::task)]`.

#[cfg(feature = "mote")]
mod imp {
    pub use mote::futures::yield_now;
    pub use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
    pub use mote::sync::channel::Channel;
    pub use mote::sync::signal::Signal;
    #[cfg(feature = "timers")]
    pub use mote::time::{Duration, Ticker, Timer};
    pub use mote::{SendSpawner, Spawner};

    static INTERRUPT_EXECUTOR: mote::executor::InterruptExecutor =
        mote::executor::InterruptExecutor::new();

    /// Starts the interrupt executor on `irq` at NVIC priority `priority`.
    pub fn start_interrupt_executor(irq: mote_mps2::Interrupt, priority: u8) -> SendSpawner {
        INTERRUPT_EXECUTOR.start(irq, priority)
    }

    /// Polls the interrupt executor; call it from the handler of its line.
    #[inline(always)]
    pub fn on_interrupt() {
        INTERRUPT_EXECUTOR.on_interrupt()
    }

    /// Name of the runtime in result lines.
    pub const NAME: &str = "mote";

    /// Runs the thread-mode executor (WFI idle); `init` spawns the first tasks.
    pub fn run(init: impl FnOnce(Spawner)) -> ! {
        static EXECUTOR: mote::executor::Executor = mote::executor::Executor::new();
        EXECUTOR.run(init)
    }

    /// Spawns a task token; panics if its pool is full.
    #[macro_export]
    macro_rules! spawn {
        ($spawner:expr, $token:expr) => {
            $spawner.must_spawn($token)
        };
    }
}

#[cfg(feature = "embassy")]
mod imp {
    use core::mem::MaybeUninit;
    use core::ptr::addr_of_mut;

    pub use embassy_executor::{SendSpawner, Spawner};
    pub use embassy_futures::yield_now;
    pub use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
    pub use embassy_sync::channel::Channel;
    pub use embassy_sync::signal::Signal;
    #[cfg(feature = "timers")]
    pub use embassy_time::{Duration, Ticker, Timer};

    #[cfg(feature = "irq-executor")]
    static INTERRUPT_EXECUTOR: embassy_executor::InterruptExecutor =
        embassy_executor::InterruptExecutor::new();

    /// Starts the interrupt executor on `irq` at NVIC priority `priority` (set first, as
    /// embassy-executor requires).
    #[cfg(feature = "irq-executor")]
    pub fn start_interrupt_executor(irq: mote_mps2::Interrupt, priority: u8) -> SendSpawner {
        // SAFETY: the line is reserved for this executor; nothing relies on its priority.
        unsafe {
            cortex_m::Peripherals::steal()
                .NVIC
                .set_priority(irq, priority)
        };
        INTERRUPT_EXECUTOR.start(irq)
    }

    /// Polls the interrupt executor; call it from the handler of its line.
    #[cfg(feature = "irq-executor")]
    #[inline(always)]
    pub fn on_interrupt() {
        // SAFETY: called only from the handler of the line given to `start`, after it.
        unsafe { INTERRUPT_EXECUTOR.on_interrupt() }
    }

    /// Name of the runtime in result lines.
    pub const NAME: &str = "embassy";

    /// Runs embassy-executor's thread-mode executor (WFE idle), kept in a static like
    /// Mote's so both count it in `.bss`; `init` spawns the first tasks.
    pub fn run(init: impl FnOnce(Spawner)) -> ! {
        static mut EXECUTOR: MaybeUninit<embassy_executor::Executor> = MaybeUninit::uninit();
        // SAFETY: `run` is called once, from `main`, before any task or interrupt uses
        // the executor; the `&'static mut` made here is the only reference ever made.
        let executor =
            unsafe { (*addr_of_mut!(EXECUTOR)).write(embassy_executor::Executor::new()) };
        executor.run(init)
    }

    /// Spawns a task token; panics if its pool is full.
    #[macro_export]
    macro_rules! spawn {
        ($spawner:expr, $token:expr) => {
            $spawner.spawn($token.expect("task pool full"))
        };
    }
}

pub use imp::*;
