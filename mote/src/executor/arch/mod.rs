//! Backends: the run loop, sleep and wake mechanics of the thread-mode [`Executor`] for
//! each platform, chosen once by feature (and, with both on, by target). Each backend
//! offers the same API: `Executor::{new, run, spawner}`, `run_main` (used by `#[mote::main]`), and for
//! `ThreadModeRawMutex` `in_thread_mode` (is the caller thread mode?) and
//! `not_thread_mode` (the backend's refusal: a panic saying what to use instead).
//! Without a backend nothing can tell thread mode apart, so there is no
//! `ThreadModeRawMutex` (see its docs).
//!
//! | feature    | file           | idle                               | wake from            |
//! |------------|----------------|------------------------------------|----------------------|
//! | `cortex-m` | `cortex_m.rs`  | WFI with interrupts masked (no race)| any interrupt       |
//! | `std`      | `std.rs`       | thread park (only when queue empty)| unpark, if parked    |
//! | both       | by target: `cortex_m.rs` on bare-metal ARM, `std.rs` elsewhere | | |
//! | neither    | `none.rs`      | no executor loop: use `RawExecutor`| —                    |
//!
//! The backend is named by a `cfg` that `mote/build.rs` sets (`mote_cortex_m` or
//! `mote_std`), the one place the choice is made. Features are additive: when both
//! `cortex-m` and `std` are on (two crates of one build each enabling one), the target
//! decides: `cortex-m` on bare-metal ARM (`target_arch = "arm"`, `target_os = "none"`),
//! `std` everywhere else.

#[cfg(mote_cortex_m)]
mod cortex_m;
#[cfg(mote_cortex_m)]
#[allow(unused_imports)]
pub(crate) use self::cortex_m::{
    context_id, context_of_exception, in_thread_mode, not_thread_mode,
};
#[cfg(mote_cortex_m)]
pub use self::cortex_m::{run_main, Executor};
#[cfg(mote_cortex_m)]
mod cortex_m_interrupt;
#[cfg(mote_cortex_m)]
pub use self::cortex_m_interrupt::InterruptExecutor;
#[cfg(mote_cortex_m)]
mod cortex_m_interrupt_bound;
#[cfg(mote_cortex_m)]
#[doc(hidden)]
pub use self::cortex_m_interrupt_bound::__InterruptBinding;
#[cfg(mote_cortex_m)]
pub use self::cortex_m_interrupt_bound::BoundInterruptExecutor;

#[cfg(mote_std)]
mod std;
#[cfg(mote_std)]
mod std_thread_mode;
#[cfg(mote_std)]
pub(crate) use self::std::context_id;
#[cfg(mote_std)]
pub use self::std::{run_main, Executor};
#[cfg(mote_std)]
pub(crate) use self::std_thread_mode::{in_thread_mode, not_thread_mode};

#[cfg(not(any(mote_cortex_m, mote_std)))]
mod none;
