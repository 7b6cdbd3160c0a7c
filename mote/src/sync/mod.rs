//! Sync primitives for tasks and interrupt handlers: channels, signals, mutexes and
//! waker slots.
//!
//! Guarantees shared by every primitive here:
//!
//! - **Static**: each has a `const fn new` (except the zero-copy channel, which borrows
//!   its buffer), so it can live in a `static` (with a `Sync` raw mutex kind); nothing
//!   allocates.
//! - **Any executor**: waiting is expressed with plain [`core::task::Waker`]s.
//! - **One lock per primitive**: state is guarded by a
//!   [`RawMutex`](blocking_mutex::raw::RawMutex) kind chosen by the user
//!   (`CriticalSectionRawMutex` to share with interrupts, `ThreadModeRawMutex`,
//!   `StdRawMutex` for host threads, `NoopRawMutex`). Wakers are woken after the lock is
//!   released. (On the host, `CriticalSectionRawMutex` is one lock for the whole process;
//!   `StdRawMutex` is one per primitive.)
//! - **Fair, unbounded waiting**: where several waiters are normal, they queue in an
//!   intrusive FIFO list whose nodes live inside the waiting futures, so there is no
//!   waiter limit and waiters never evict each other. The resource is handed to the
//!   oldest waiter when it frees up (a lock, permits, a buffer slot or value), so a woken
//!   waiter always progresses on its next poll, and nobody can overtake it.
//! - **Cancellation passes the turn on**: a waiting future dropped after it was handed
//!   the resource gives it back to the next waiter. Every async function states its
//!   cancel safety.
//! - **Poll-style methods are outside the FIFO**: the `poll_*(&self, cx)` methods (of
//!   `Channel`, `PriorityChannel`, `Signal`) have no pinned node, so each primitive keeps
//!   one waker slot per direction for them, woken whenever the condition may have become
//!   true. They may be woken spuriously, take only what is not promised to a FIFO waiter,
//!   and cost one atomic load per operation while unused.
//! - **Type-erased handles**: `DynamicSender`/`DynamicReceiver` (channels),
//!   `DynPublisher`/`DynSubscriber` (pub-sub), `DynReceiver`/`DynSender` (watch) drop the
//!   mutex kind and capacity from the type, at one virtual call per operation.
//!
//! | primitive | what it is | waiters |
//! |-----------|------------|---------|
//! | [`channel::Channel`] | bounded MPMC FIFO queue | FIFO lists, exact wakes |
//! | [`priority_channel::PriorityChannel`] | bounded MPMC, greatest first | FIFO lists, exact wakes |
//! | [`zerocopy_channel::Channel`] | SPSC, lends slots of a borrowed buffer | one per side |
//! | [`signal::Signal`] | latest value, taken by a waiter | FIFO list |
//! | [`watch::Watch`] | latest value seen by many, change detection | list, all woken |
//! | [`pubsub::PubSubChannel`] | broadcast, lag reports | lists (publishers FIFO) |
//! | [`pipe::Pipe`] | byte stream, `embedded-io-async` | FIFO lists |
//! | [`mutex::Mutex`] | async mutex, guard across `.await` | FIFO, direct hand-off |
//! | [`rwlock::RwLock`] | async reader-writer lock | FIFO, direct hand-off |
//! | [`semaphore::Semaphore`] | counting semaphore, acquire `n` | strict FIFO |
//! | [`once_lock::OnceLock`], [`once_lock::LazyLock`] | write-once value | list, all woken |
//! | [`blocking_mutex::Mutex`] | data behind a raw mutex, no waiting | — |
//! | [`waker`] | `AtomicWaker`, `WakerRegistration`, `MultiWakerRegistration` | 1 or `N` slots |
//!
//! Re-entrancy: [`channel::Channel`] and [`signal::Signal`] run no foreign code under
//! their lock, which their types guarantee (wakers are cloned before it, values only
//! moved; wakers to wake and values replaced are woken or dropped after it), so a waker or
//! value that re-enters them works. The other primitives may run foreign code under
//! their lock (a waker's `clone` when a waiter enqueues, a value's `Clone` or `Ord`); if
//! that code re-enters the same primitive, that call panics (a busy-flag check); state
//! is never corrupted.

mod acquire;
pub mod blocking_mutex;
pub mod channel;
mod defer;
pub mod mutex;
pub mod once_lock;
pub mod pipe;
mod poll_slot;
pub mod priority_channel;
pub mod pubsub;
mod quiet;
mod ring;
pub mod rwlock;
pub mod semaphore;
mod shared;
pub mod signal;
mod wait_list;
pub mod waker;
pub mod watch;
pub mod zerocopy_channel;
