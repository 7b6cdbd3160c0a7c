//! # Mote
//!
//! An async runtime for microcontrollers: statically allocated tasks, a fair run queue,
//! an integrated timer queue fed by one hardware alarm, and sync primitives shared by
//! tasks and interrupt handlers. `no_std`, no heap, stable Rust. If you know Embassy,
//! the API will look familiar: `#[mote::task]`, `Spawner`, `#[mote::main]`, `Timer`,
//! `Ticker`, `Channel`, `Signal`.
//!
//! ## A first program
//!
//! Two tasks from one task function, each on its own [`Ticker`](time::Ticker). On the
//! host (features `std`, `time`) this runs as it is:
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use mote::executor::Executor;
//! use mote::time::{Duration, Ticker};
//!
//! // The clock: on the host, the OS clock (on a board, its crate registers one).
//! mote::time_driver!(
//!     static DRIVER: mote::time::drivers::std::StdDriver = mote::time::drivers::std::StdDriver::new();
//! );
//!
//! static TICKS: AtomicU32 = AtomicU32::new(0);
//!
//! // Two instances may run at once: the pool is a static of exactly that size.
//! #[mote::task(pool_size = 2)]
//! async fn blink(led: &'static str, period: Duration) {
//!     let mut ticker = Ticker::every(period);
//!     for _ in 0..3 {
//!         ticker.next().await; // the executor sleeps until the earliest deadline
//!         println!("{led} toggles");
//!         TICKS.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//!
//! let executor: &'static Executor = Box::leak(Box::new(Executor::new()));
//! executor.run_until(
//!     |spawner| {
//!         spawner.spawn(blink("led0", Duration::from_millis(2))).unwrap();
//!         spawner.spawn(blink("led1", Duration::from_millis(3))).unwrap();
//!     },
//!     || TICKS.load(Ordering::Relaxed) == 6,
//! );
//! ```
//!
//! On a Cortex-M board the same tasks run under `#[mote::main]` (feature `cortex-m`):
//!
//! ```ignore
//! #[mote::main]
//! async fn main(spawner: mote::Spawner) {
//!     spawner.spawn(blink(led0, Duration::from_millis(200))).unwrap();
//!     spawner.spawn(blink(led1, Duration::from_millis(300))).unwrap();
//! }
//! ```
//!
//! The repository's `examples/src/bin/blinky.rs` is such a firmware for QEMU's MPS2 boards
//! (built and run by `cargo xtask test`, run alone with `cargo xtask qemu blinky`).
//!
//! ## Setting up a Cortex-M program
//!
//! - **A critical-section implementation.** Mote's locks and queues use the
//!   [`critical-section`](https://docs.rs/critical-section) crate, which needs exactly one
//!   implementation in the program: on a single-core Cortex-M, enable the `cortex-m`
//!   crate's `critical-section-single-core` feature (board crates such as `mote-mps2`
//!   do). Without one, linking fails with undefined `_critical_section_1_0_acquire`.
//! - **A time driver** (feature `time`), registered once with [`time_driver!`], with
//!   its alarm interrupt bound to the driver's handler. A board crate usually does both
//!   (`mote-mps2`'s `time-driver` feature: the CMSDK dual timer); otherwise use the
//!   SysTick driver (`time::drivers::systick`, feature `cortex-m`). Without one,
//!   linking fails with `undefined symbol: mote::time: no time driver linked (...)`:
//!   also the case when the board crate is a dependency that the program's code never
//!   names, so the linker drops it; then add `use mote_mps2 as _;` (your board crate's
//!   name).
//! - **One core.** The `cortex-m` backend is **single-core**: on a multi-core chip, Mote
//!   runs on one core, and no other core may wake its tasks (see `Executor`'s docs with
//!   that feature; it cannot be checked).
//! - **Panics** abort in firmware (`panic = "abort"`); a panic handler is the program's
//!   (e.g. `panic-halt`, or `mote-mps2`'s, which reports on UART0).
//!
//! ## Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `cortex-m` | the Cortex-M backend: WFI-sleeping thread-mode `Executor`, interrupt executors (`interrupt_executor!`, `InterruptExecutor`), the SysTick time driver (single core) |
//! | `std` | the host backend: a thread-parking `Executor`, the OS-clock time driver, `block_on`, `StdRawMutex` |
//! | `time` | [`time`]: `Instant`, `Duration`, `Timer`, `Ticker`, timeouts, `Delay`, the timer queue |
//! | `tick-1khz`, `tick-32768hz`, `tick-1mhz` | the tick rate of `Instant`/`Duration`: the finest enabled one (1 MHz when none is) |
//! | `embassy-time-driver` | implies `time`; registers Mote's clock as the program's `embassy-time-driver`, so `embassy_time`'s `Timer`, `Ticker`, `with_timeout`, `Delay` (and crates built on them) run on Mote's driver and timer queues (`time::embassy_driver`); its tick rate must match embassy-time's `tick-hz-*` (a compile error says which to set) |
//! | `embassy-executor-timer-queue` | a per-task `TimerQueueItem` (the `embassy-executor-timer-queue` contract), so an embassy HAL time driver with an integrated timer queue times Mote tasks (`executor::embassy_queue_item`); zero bytes per task when off |
//! | `time-driver-embassy` | implies `time` and `embassy-executor-timer-queue`; `time::drivers::embassy::EmbassyDriver`, Mote's time driver over the HAL's registered `embassy-time-driver` (one clock, one alarm); excludes `embassy-time-driver` (a compile error says so) |
//! | `trace` | per-task names and statistics, a long-poll hook (`trace` module) |
//! | `defmt`, `log` | `defmt::Format` for the error types; ready-made long-poll hooks |
//! | `alloc` | heap tasks: `Spawner::spawn_boxed` spawns an `async` block with its captures in one allocation, freed when it finishes; a full heap is [`SpawnError::HeapFull`]. Needs a `#[global_allocator]` (e.g. `embedded-alloc`); static tasks pay nothing for it |
//!
//! With neither backend, only [`executor::raw::RawExecutor`] is available (bring your
//! own loop).
//!
//! **Every feature is additive**: two crates of one build may enable any mix of them
//! and the build still works, with a rule for each group that would otherwise conflict:
//!
//! - **Backend, both `cortex-m` and `std` on:** the target decides: the Cortex-M backend
//!   on bare-metal ARM (`target_arch = "arm"`, `target_os = "none"`), the std backend
//!   everywhere else (on the host, `cortex-m` then adds nothing). `std`'s critical
//!   section is only pulled in where `std` exists.
//! - **Tick rate, several `tick-*` on:** the finest enabled rate wins (`tick-1mhz`, then
//!   `tick-32768hz`, then `tick-1khz`). Drivers that convert their counter (SysTick, std,
//!   the MPS2 dual timer) work at any rate; a driver that returns a counter running at a
//!   fixed rate declares it (`Driver::FIXED_TICK_HZ`, feature `time`), and
//!   [`time_driver!`] then fails to compile, naming the features, when the rate differs.
//!
//! ## The rooms
//!
//! - [`executor`]: task storage, run queue, spawner, executor loop, waker, and the
//!   per-architecture backends. The module docs say who may spawn where, what a stale
//!   waker can do and what a panic leaves behind.
//! - [`time`] (feature `time`): `Instant`, `Duration`, `Timer`, `Ticker`, timeouts,
//!   `Delay`, the time-driver seam and the timer queue.
//! - [`sync`]: channels, signals, mutexes and waker slots.
//! - [`futures`]: `select*`, `join*`, `yield_now`, `poll_once`, `block_on`.
//! - `trace` (feature `trace`): per-task names and statistics, a long-poll hook.
#![cfg_attr(not(any(mote_std, test)), no_std)]
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

pub use executor::{ReservedToken, SendSpawner, SpawnError, SpawnToken, Spawner};
pub use mote_macros::{main, task};

/// Items used by the code that `#[mote::task]` and `#[mote::main]` generate. Not a
/// public API: names and signatures may change in any release.
#[doc(hidden)]
pub mod _export {
    pub use crate::executor::header::TaskRef;
    pub use crate::executor::pool::{
        poll_in_pool, pool_layout, spawn_in_pool, spawn_joinable_in_pool, PoolStorage,
    };
    pub use crate::executor::spawner::name_token;
    pub use crate::executor::task_meta::{task_sizes, TaskMeta, TaskSizes, RECORD_MAGIC};
    pub use crate::executor::Forever;
    pub use crate::executor::Joinable;
    #[cfg(feature = "time")]
    pub use crate::time::check_driver_rate;
}
