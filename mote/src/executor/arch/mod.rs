//! Backends: the run loop, sleep and wake mechanics of the thread-mode [`Executor`] for
//! each platform, chosen once here by feature. Each backend offers the same API:
//! `Executor::{new, run, spawner}`, `run_main` (used by `#[mote::main]`), and for
//! `ThreadModeRawMutex` `in_thread_mode` (is the caller thread mode?) and
//! `not_thread_mode` (the backend's refusal: a panic saying what to use instead).
//! Without a backend nothing can tell thread mode apart, so there is no
//! `ThreadModeRawMutex` (see its docs).
//!
//! | feature    | file           | idle                               | wake from            |
//! |------------|----------------|------------------------------------|----------------------|
//! | `cortex-m` | `cortex_m.rs`  | WFI with interrupts masked (no race)| any interrupt       |
//! | `std`      | `std.rs`       | thread park (only when queue empty)| unpark, if parked    |
//! | neither    | `none.rs`      | no executor loop: use `RawExecutor`| —                    |

#[cfg(all(feature = "cortex-m", feature = "std"))]
compile_error!("mote: enable one backend feature, `cortex-m` or `std`, not both");

#[cfg(feature = "cortex-m")]
mod cortex_m;
#[cfg(feature = "cortex-m")]
#[allow(unused_imports)]
pub(crate) use self::cortex_m::{context_id, in_thread_mode, not_thread_mode};
#[cfg(feature = "cortex-m")]
pub use self::cortex_m::{run_main, Executor};
#[cfg(feature = "cortex-m")]
mod cortex_m_interrupt;
#[cfg(feature = "cortex-m")]
pub use self::cortex_m_interrupt::InterruptExecutor;

#[cfg(all(feature = "std", not(feature = "cortex-m")))]
mod std;
#[cfg(all(feature = "std", not(feature = "cortex-m")))]
mod std_thread_mode;
#[cfg(all(feature = "std", not(feature = "cortex-m")))]
pub(crate) use self::std::context_id;
#[cfg(all(feature = "std", not(feature = "cortex-m")))]
pub use self::std::{run_main, Executor};
#[cfg(all(feature = "std", not(feature = "cortex-m")))]
pub(crate) use self::std_thread_mode::{in_thread_mode, not_thread_mode};

#[cfg(not(any(feature = "cortex-m", feature = "std")))]
mod none;
