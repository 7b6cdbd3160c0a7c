//! The executor: statically allocated tasks, a fair run queue, spawners, wakers, and the
//! per-platform run loops.
//!
//! ```text
//! spawn(token) ──claim slot (O(1))──► run queue ──executor drains a batch (FIFO)──► poll
//!    ▲                                   ▲                                         │
//!    │ slot released when the            │ waker.wake(): set RUN_QUEUED once,      │ Pending:
//!    │ future completed                  │ push, pend executor if queue was empty  │ task sleeps
//!    └──────────────── Ready: drop the future in place, release the slot ◄─────────┘
//! ```
//!
//! Invariants (each tested):
//! - No heap: each `#[mote::task(pool_size = N)]` has one exactly-sized static pool
//!   (`pool.rs`), sized on stable Rust. With feature `alloc`, heap tasks
//!   (`Spawner::spawn_boxed`, `heap_task.rs`) run beside them in the same run queue:
//!   their wakers are reference-counted, so a stale waker keeps the memory alive instead
//!   of reaching freed memory, and a full heap is an error value.
//! - No fixed capacity and nothing scans all tasks: spawning claims a slot in O(1); the
//!   run queue is intrusive; 1 or 10 000 tasks need no configuration.
//! - A wake polls only the woken task, and a task is in the run queue at most once
//!   (`state.rs`).
//! - Fairness: tasks are polled in batches, oldest wake first; a task that wakes itself
//!   runs again only after every task queued before it.
//! - An idle executor sleeps: WFI on Cortex-M, park on std ([`arch`]).
//! - Wakes work from any interrupt priority and any thread.
//! - A full pool is an error value ([`SpawnError::Busy`]), never a panic or a corruption.
//! - Who may spawn where: a [`Spawner`] (`!Send`) spawns on its executor from that
//!   executor's context only, so its tasks may hold `!Send` state; a [`SendSpawner`]
//!   spawns `Send` futures from anywhere ([`raw`] module docs).
//! - A stale waker (kept after its task finished) causes at most a spurious poll of the
//!   slot's next occupant: never a lost, duplicated or misplaced run-queue entry or timer.
//! - A panicking task (with `panic = unwind`) is finished and its slot freed; the rest of
//!   its batch runs on the next poll ([`raw`] module docs). A task joined through a
//!   [`JoinHandle`] reports its panic to the handle instead.
//! - Task output and join: a task that returns a value keeps its output in its own slot
//!   until its [`JoinHandle`] takes it or is dropped; [`JoinHandle::abort`] has the
//!   task's executor drop its future between polls. Tasks returning `()` or `!` are
//!   stored and run exactly as without this (`join.rs` draws the state machine).
//! - The Cortex-M backend is single-core: its task state and run queue rely on interrupts
//!   of one core being the only concurrency (see the `cortex-m` feature docs).

#[cfg(feature = "embassy-executor-timer-queue")]
pub mod embassy_queue_item;
mod forever;
pub(crate) mod header;
#[cfg(all(feature = "alloc", not(loom)))]
pub(crate) mod heap_task;
mod join;
pub(crate) mod pool;
pub mod raw;
mod run_queue;
pub(crate) mod spawner;
pub(crate) mod state;
pub(crate) mod task_meta;
pub(crate) mod timers;
mod waker;

pub mod arch;

#[cfg(mote_cortex_m)]
#[doc(hidden)]
pub use arch::__InterruptBinding;
#[cfg(any(feature = "cortex-m", feature = "std"))]
#[doc(hidden)]
pub use arch::run_main;
#[cfg(any(feature = "cortex-m", feature = "std"))]
pub use arch::Executor;
#[cfg(mote_cortex_m)]
pub use arch::{BoundInterruptExecutor, InterruptExecutor};
#[cfg(mote_cortex_m)]
#[doc(hidden)]
pub use cortex_m::interrupt::InterruptNumber;
#[doc(hidden)]
pub use forever::Forever;
pub use join::{AbortHandle, JoinError, JoinHandle, Joinable, JoinableToken};
pub use spawner::{ReservedToken, SendSpawner, SpawnError, SpawnToken, Spawnable, Spawner};
pub use task_meta::TaskSizes;

#[cfg(feature = "time")]
pub(crate) use timers::schedule_wake;

#[allow(unused_imports)]
pub(crate) use waker::{task_from_waker, wake_task, wake_task_since};
