//! The runtime seam: the only code that differs between the Mote and Embassy builds.
//!
//! Each runtime provides `NAME`, `Spawner`, `yield_now` (from its own futures crate),
//! [`run`] (a thread-mode executor in a static, started with an init closure) and the
//! [`spawn!`](crate::spawn) macro, which panics if the pool is full (a failed
//! measurement, never a silent skip). Task functions are declared in the workloads with
//! `#[cfg_attr(feature = "mote", mote::task)]` and
//! `#[cfg_attr(feature = "embassy", embassy_executor::task)]`.

#[cfg(feature = "mote")]
mod imp {
    pub use mote::futures::yield_now;
    pub use mote::Spawner;

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

    pub use embassy_executor::Spawner;
    pub use embassy_futures::yield_now;

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
