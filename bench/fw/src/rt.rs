//! The runtime seam: the only code that differs between the Mote and Embassy builds.
//!
//! Each runtime provides `NAME`, `Spawner`, `SendSpawner`, `yield_now` (from its own
//! futures crate), [`run`] (a thread-mode executor in a static, started with an init
//! closure), [`interrupt_executor!`](crate::interrupt_executor) (an interrupt executor on
//! one NVIC line with its handler, and `start_interrupt_executor`), its own `Channel`, `Signal` and `CriticalSectionRawMutex` (mote::sync /
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

    /// Defines the interrupt executor on line `$line` of `mote_mps2::Interrupt` with its
    /// handler (`mote::interrupt_executor!`, as a Mote user writes it), and
    /// `start_interrupt_executor(priority) -> SendSpawner`, which starts it.
    #[macro_export]
    macro_rules! interrupt_executor {
        ($line:ident) => {
            mote::interrupt_executor!(static INTERRUPT_EXECUTOR = mote_mps2::Interrupt::$line);

            /// Starts the interrupt executor at NVIC priority `priority`.
            fn start_interrupt_executor(priority: u8) -> $crate::rt::SendSpawner {
                INTERRUPT_EXECUTOR.start(priority)
            }
        };
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

    /// Defines embassy-executor's interrupt executor and the handler of line `$line` of
    /// `mote_mps2::Interrupt` (`#[interrupt]`, as an Embassy user writes it; the caller
    /// imports `mote_mps2::interrupt`), and `start_interrupt_executor(priority) ->
    /// SendSpawner`, which sets the priority first, as embassy-executor requires.
    #[cfg(feature = "irq-executor")]
    #[macro_export]
    macro_rules! interrupt_executor {
        ($line:ident) => {
            static INTERRUPT_EXECUTOR: embassy_executor::InterruptExecutor =
                embassy_executor::InterruptExecutor::new();

            #[interrupt]
            fn $line() {
                // SAFETY: called only from the handler of the line given to `start`.
                unsafe { INTERRUPT_EXECUTOR.on_interrupt() }
            }

            /// Starts the interrupt executor at NVIC priority `priority`.
            fn start_interrupt_executor(priority: u8) -> $crate::rt::SendSpawner {
                // SAFETY: the line is reserved for this executor; nothing relies on its
                // priority.
                unsafe {
                    cortex_m::Peripherals::steal()
                        .NVIC
                        .set_priority(mote_mps2::Interrupt::$line, priority)
                };
                INTERRUPT_EXECUTOR.start(mote_mps2::Interrupt::$line)
            }
        };
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
