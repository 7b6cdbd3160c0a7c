//! Waker slots: places where a waiting future leaves its [`Waker`](core::task::Waker) for
//! whoever will make it ready.
//!
//! - [`AtomicWaker`]: one slot, lock-free, shareable with interrupt handlers; the building
//!   block of interrupt-driven drivers.
//! - [`WakerRegistration`]: one slot, plain data (keep it behind a mutex); registering a
//!   different waker wakes the one it replaces, so no waiter is silently forgotten.
//! - [`MultiWakerRegistration`]: `N` slots; when full, every stored waker is woken and the
//!   slots are reused.
//!
//! Where many waiters are normal, the channel-like primitives of this module do not use
//! these slots but an intrusive FIFO wait list (no limit, no eviction).

mod atomic_waker;
mod multi;
mod registration;

pub use atomic_waker::AtomicWaker;
pub use multi::MultiWakerRegistration;
pub use registration::WakerRegistration;
