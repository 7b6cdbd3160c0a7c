//! Sync primitives for tasks and interrupt handlers: channels, signals, mutexes and
//! waker slots.
//!
//! Guarantees shared by every primitive here:
//!
//! - **Static**: each has a `const fn new`, so it can live in a `static` (with a `Sync`
//!   raw mutex kind); nothing allocates.
//! - **Any executor**: waiting is expressed with plain [`core::task::Waker`]s.
//! - **One lock per primitive**: state is guarded by a
//!   [`RawMutex`](blocking_mutex::raw::RawMutex) chosen by the user
//!   (`CriticalSectionRawMutex` to share with interrupts, `ThreadModeRawMutex`,
//!   `NoopRawMutex`). Wakers are woken after the lock is released.
//! - **Fair, unbounded waiting**: where several waiters are normal, they queue in an
//!   intrusive FIFO list whose nodes live inside the waiting futures, so there is no
//!   waiter limit and waiters never evict each other.
//! - **Cancel safety** is stated on every async function.
//!
//! Re-entrancy: a waker whose `clone`/`drop` re-enters the same primitive while its lock is
//! held makes that call panic (a `RefCell` borrow error), never corrupts state.

pub mod blocking_mutex;
pub mod channel;
pub mod mutex;
pub mod once_lock;
pub mod pipe;
pub mod priority_channel;
pub mod pubsub;
mod ring;
pub mod rwlock;
pub mod semaphore;
mod shared;
pub mod signal;
mod wait_list;
pub mod waker;
pub mod watch;
pub mod zerocopy_channel;
