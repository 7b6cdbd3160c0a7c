//! # Mote
//!
//! An async runtime for microcontrollers: statically allocated tasks, a fair run queue,
//! an integrated timer queue fed by one hardware alarm, and sync primitives shared by
//! tasks and interrupt handlers. `no_std`, no heap, stable Rust.
//!
//! The crate is organised in rooms (see `DESIGN.md` of the project):
//!
//! - [`executor`]: task storage, run queue, spawner, executor loop, waker, and the
//!   per-architecture backends (`cortex-m`, `std` features). The `cortex-m` backend is
//!   **single-core**: on a multi-core chip, Mote runs on one core, and no other core may
//!   wake its tasks (see `Executor`'s docs with that feature; it cannot be checked).
//! - [`time`] (feature `time`): `Instant`, `Duration`, `Timer`, `Ticker`, timeouts,
//!   `Delay`, the time-driver seam and the timer queue.
//! - [`sync`]: channels, signals, mutexes and waker slots.
//! - [`futures`]: `select*`, `join*`, `yield_now`, `poll_once`, `block_on`.
//! - `trace` (feature `trace`): per-task names and statistics, a long-poll hook.
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub(crate) mod loom;

pub mod executor;
pub mod futures;
pub mod sync;
#[cfg(feature = "time")]
pub mod time;
#[cfg(feature = "trace")]
pub mod trace;

pub use executor::{SendSpawner, SpawnError, SpawnToken, Spawner};
pub use mote_macros::{main, task};

/// Items used by the code that `#[mote::task]` and `#[mote::main]` generate. Not a
/// public API: names and signatures may change in any release.
#[doc(hidden)]
pub mod _export {
    pub use crate::executor::header::TaskRef;
    pub use crate::executor::pool::{poll_in_pool, pool_layout, spawn_in_pool, PoolStorage};
    pub use crate::executor::spawner::name_token;
}
