//! Raw mutex kinds: the strategy a [`Mutex`](super::Mutex) (and every async primitive of
//! [`sync`](crate::sync)) uses to get exclusive access to its state.
//!
//! Invariant: while the closure passed to [`RawMutex::lock`] runs, no closure passed to
//! `lock` of the same raw mutex runs in another execution context (thread, interrupt
//! handler, core). Nested calls from the *same* context are allowed (every kind here is
//! re-entrant), so data behind a raw mutex must still be guarded against re-entrant
//! mutable access (the async primitives use a `RefCell` for that).
//!
//! | kind | excludes | `Sync` | cost of `lock` |
//! |------|----------|--------|----------------|
//! | [`CriticalSectionRawMutex`] | every context (interrupts masked) | yes | one critical section |
//! | [`ThreadModeRawMutex`] | interrupts by refusing them (panic) | yes | one mode check |
//! | [`NoopRawMutex`] | nothing: the value never leaves its thread | no | nothing |

use core::marker::PhantomData;

/// A strategy for exclusive access to some data.
///
/// # Safety
///
/// An implementation must guarantee that two closures passed to [`RawMutex::lock`] on the
/// same instance never run at the same time in two different execution contexts (threads,
/// interrupt handlers, cores). Nested calls from within a running closure (same context)
/// may be allowed. If the type is `Sync`, this must hold whichever thread calls `lock`.
pub unsafe trait RawMutex {
    /// An unlocked raw mutex, usable in `static` initialisers.
    const INIT: Self;

    /// Runs `f` with exclusive access (see the trait's safety contract) and returns its
    /// result.
    fn lock<R>(&self, f: impl FnOnce() -> R) -> R;
}

/// A raw mutex that masks interrupts (through the `critical-section` crate) while locked.
///
/// Safe to share between thread mode, interrupt handlers of any priority and, with the
/// `std` critical-section implementation, host threads. Holding it delays every
/// interrupt, so keep the closures short.
///
/// ```
/// use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, RawMutex};
/// let m = CriticalSectionRawMutex::new();
/// assert_eq!(m.lock(|| 1 + 1), 2);
/// ```
pub struct CriticalSectionRawMutex {
    _private: (),
}

impl CriticalSectionRawMutex {
    /// Creates the raw mutex.
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl Default for CriticalSectionRawMutex {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: `critical_section::with` excludes every other execution context for the duration
// of the closure (its own contract); nested critical sections from the same context are
// allowed by that crate.
unsafe impl RawMutex for CriticalSectionRawMutex {
    const INIT: Self = Self::new();

    #[inline]
    fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
        critical_section::with(|_| f())
    }
}

/// A raw mutex that does nothing, for data that never leaves one execution context.
///
/// It is `Send` but **not `Sync`**: a value protected by it can be moved to another thread
/// or executor as a whole, but never shared between two of them, so the compiler rejects a
/// `static` of it. Use it for a primitive owned by one task or one executor (for example
/// kept in a local variable or a `StaticCell`-like slot used by a single executor).
///
/// ```
/// use mote::sync::blocking_mutex::raw::{NoopRawMutex, RawMutex};
/// let m = NoopRawMutex::new();
/// assert_eq!(m.lock(|| "free"), "free");
/// ```
///
/// It cannot be shared between threads:
///
/// ```compile_fail
/// use mote::sync::blocking_mutex::raw::NoopRawMutex;
/// fn shared<T: Sync>() {}
/// shared::<NoopRawMutex>();
/// ```
pub struct NoopRawMutex {
    _not_sync: PhantomData<*mut ()>,
}

// SAFETY: the raw mutex holds no data; moving it to another thread moves the whole
// protected value with it, so it is still used by one context at a time. (It is not
// `Sync`, so it is never reachable from two threads at once.)
unsafe impl Send for NoopRawMutex {}

impl NoopRawMutex {
    /// Creates the raw mutex.
    pub const fn new() -> Self {
        Self {
            _not_sync: PhantomData,
        }
    }
}

impl Default for NoopRawMutex {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: `NoopRawMutex` is `!Sync`, so every `&NoopRawMutex` lives in a single execution
// context; two closures can then only nest, never run at the same time.
unsafe impl RawMutex for NoopRawMutex {
    const INIT: Self = Self::new();

    #[inline]
    fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// A raw mutex usable only from thread mode (the main, non-interrupt execution context).
///
/// Locking costs a mode check instead of masking interrupts. Interrupt handlers must not
/// touch data protected by it.
///
/// # Panics
///
/// [`lock`](RawMutex::lock) panics with the message `"ThreadModeRawMutex locked outside
/// thread mode (from an interrupt handler)"` when called from an interrupt handler: that
/// is a program bug, and continuing would allow a data race.
///
/// Soundness rests on the executor backend's notion of thread mode: on Cortex-M the CPU
/// is in thread mode in exactly one context (single core). On a host backend, thread mode
/// must likewise be one thread at a time.
///
/// ```
/// use mote::sync::blocking_mutex::raw::{RawMutex, ThreadModeRawMutex};
/// let m = ThreadModeRawMutex::new();
/// assert_eq!(m.lock(|| 3), 3);
/// ```
pub struct ThreadModeRawMutex {
    _private: (),
}

impl ThreadModeRawMutex {
    /// Creates the raw mutex.
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl Default for ThreadModeRawMutex {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: `lock` runs the closure only in thread mode and panics elsewhere; thread mode is
// a single execution context (single core, see the type's docs), so two closures can only
// nest, never overlap.
unsafe impl RawMutex for ThreadModeRawMutex {
    const INIT: Self = Self::new();

    #[inline]
    fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
        assert!(
            crate::executor::arch::in_thread_mode(),
            "ThreadModeRawMutex locked outside thread mode (from an interrupt handler)"
        );
        f()
    }
}
