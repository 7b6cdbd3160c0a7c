//! Backends: the run loop, sleep and wake mechanics of the thread-mode [`Executor`] for
//! each platform, chosen once here by feature. Each file offers the same API:
//! `Executor::{new, run, spawner}`, `run_main` (used by `#[mote::main]`) and
//! `in_thread_mode`.
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
pub(crate) use self::cortex_m::{context_id, in_thread_mode};
#[cfg(feature = "cortex-m")]
pub use self::cortex_m::{run_main, Executor};
#[cfg(feature = "cortex-m")]
mod cortex_m_interrupt;
#[cfg(feature = "cortex-m")]
pub use self::cortex_m_interrupt::InterruptExecutor;

#[cfg(all(feature = "std", not(feature = "cortex-m")))]
mod std;
#[cfg(all(feature = "std", not(feature = "cortex-m")))]
#[allow(unused_imports)]
pub(crate) use self::std::{context_id, in_thread_mode};
#[cfg(all(feature = "std", not(feature = "cortex-m")))]
pub use self::std::{run_main, Executor};

#[cfg(not(any(feature = "cortex-m", feature = "std")))]
mod none;
#[cfg(not(any(feature = "cortex-m", feature = "std")))]
#[allow(unused_imports)]
pub(crate) use self::none::in_thread_mode;
