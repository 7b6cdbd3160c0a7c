//! Raw mutex kinds: the strategy a [`Mutex`](super::Mutex) (and every async primitive of
//! [`sync`](crate::sync)) uses to get exclusive access to its state.
//!
//! Invariant: while the closure passed to [`RawMutex::lock`] runs, no closure passed to
//! `lock` of the same raw mutex runs in another execution context (thread, interrupt
//! handler, core). Nested calls from the *same* context are allowed (every kind here is
//! re-entrant), so data behind a raw mutex must still be guarded against re-entrant
//! mutable access (the async primitives use a `RefCell` for that).
//!
//! | kind | features | excludes | `Sync` | cost of `lock` |
//! |------|----------|----------|--------|----------------|
//! | [`CriticalSectionRawMutex`] | all | every context (interrupts masked; on the host, **one lock for the whole process**) | yes | one critical section |
//! | `ThreadModeRawMutex` | `cortex-m` or `std` | every context but thread mode, by refusing it (panic) | yes | one mode check |
//! | `StdRawMutex` | `std` | other threads, **one lock per instance** | yes | a thread-local read, one uncontended `std` mutex |
//! | [`NoopRawMutex`] | all | nothing: the value never leaves its context | no | nothing |
//!
//! Which one:
//! - Data shared with interrupt handlers: [`CriticalSectionRawMutex`].
//! - Data used by thread-mode tasks only, on a single-core Cortex-M: `ThreadModeRawMutex`
//!   (cheaper than masking interrupts).
//! - Host code with many threads: `StdRawMutex`, so that unrelated primitives do not
//!   contend for the process-wide critical section.
//! - A primitive owned by one task or one executor: [`NoopRawMutex`].
//!
//! `ThreadModeRawMutex` exists only with a backend feature (`cortex-m` or `std`): without
//! one, nothing can tell thread mode from an interrupt handler or one thread from another,
//! and a `ThreadModeRawMutex` that let everyone in would be a `Sync` lock that excludes
//! nothing.
#![cfg_attr(
    not(any(feature = "cortex-m", feature = "std")),
    doc = r#"
This build has no backend feature, so `ThreadModeRawMutex` does not exist:

```compile_fail,E0432
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
```

while the other kinds do:

```
use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
```
"#
)]

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
/// **On the host it is one lock for the whole process**: the `std` implementation of
/// `critical-section` is a single global (re-entrant) mutex, so every primitive that uses
/// this kind, in every thread, takes the same lock, and threads that use unrelated
/// primitives wait for each other. (Measured here, release build on a busy 2-core host:
/// four threads, each with its own channel, 10^6 `try_send` + `try_receive` pairs in all,
/// took 48-78 ms with this kind and 29-60 ms with `StdRawMutex`.) Host code that does not
/// share data with interrupts should use `StdRawMutex` (feature `std`), one lock per
/// primitive.
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

#[cfg(any(feature = "cortex-m", feature = "std"))]
pub use self::thread_mode::ThreadModeRawMutex;

/// `ThreadModeRawMutex`: only with a backend, which alone can tell thread mode apart.
#[cfg(any(feature = "cortex-m", feature = "std"))]
mod thread_mode {
    use super::RawMutex;
    use crate::executor::arch::{in_thread_mode, not_thread_mode};

    /// A raw mutex usable only from thread mode (the main, non-interrupt execution
    /// context). Available with a backend feature (`cortex-m` or `std`) only.
    ///
    /// Locking costs a mode check instead of masking interrupts: it runs the closure in
    /// thread mode and refuses (panics) everywhere else. What thread mode is depends on the
    /// backend:
    ///
    /// - **`cortex-m`**: the core is in thread mode (no exception or interrupt handler is
    ///   active; tasks of an `InterruptExecutor` run in a handler, so they are refused).
    ///   This holds on **one core only**: if two cores of a multi-core chip run this
    ///   program, both are in thread mode at once and this lock excludes nothing. The
    ///   Cortex-M backend as a whole is single-core (see the `cortex-m` feature).
    /// - **`std`**: one identified thread per process. The first thread that runs a mote
    ///   [`Executor`] or locks a `ThreadModeRawMutex` claims thread mode, atomically, for
    ///   the rest of the process's life (even after it ends, so no later thread takes
    ///   over while one of its closures might still run). Every other thread is refused,
    ///   whatever its name. Thread names play no part.
    /// - **no backend**: this type does not exist (nothing could tell the contexts
    ///   apart); use [`CriticalSectionRawMutex`](super::CriticalSectionRawMutex).
    ///
    /// [`Executor`]: crate::executor::Executor
    ///
    /// # Panics
    ///
    /// [`lock`](RawMutex::lock) panics outside thread mode: that is a program bug, and
    /// going on would allow a data race. The message says what to use instead:
    ///
    /// - `cortex-m`: `"ThreadModeRawMutex locked from an interrupt handler (or a task of
    ///   an InterruptExecutor); use CriticalSectionRawMutex for data shared with
    ///   interrupts"`.
    /// - `std`: `"ThreadModeRawMutex locked from thread "worker" (ThreadId(3)) but thread
    ///   mode belongs to thread "main" (ThreadId(1)) (...); use CriticalSectionRawMutex,
    ///   or StdRawMutex (one lock per primitive, host only), for data shared between
    ///   threads"`.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::raw::{RawMutex, ThreadModeRawMutex};
    /// static M: ThreadModeRawMutex = ThreadModeRawMutex::new();
    /// // The first thread to lock one (here, the program's) becomes thread mode...
    /// assert_eq!(M.lock(|| 3), 3);
    /// // ...and every other thread is refused, even one named "main".
    /// let other = std::thread::Builder::new().name("main".into());
    /// let refused = other.spawn(|| M.lock(|| 4)).unwrap().join();
    /// assert!(refused.is_err());
    /// ```
    pub struct ThreadModeRawMutex {
        _private: (),
    }

    impl ThreadModeRawMutex {
        /// Creates the raw mutex.
        ///
        /// ```
        /// use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
        /// static M: ThreadModeRawMutex = ThreadModeRawMutex::new();
        /// ```
        pub const fn new() -> Self {
            Self { _private: () }
        }
    }

    impl Default for ThreadModeRawMutex {
        fn default() -> Self {
            Self::new()
        }
    }

    // SAFETY: `lock` runs the closure only when the backend says the caller is thread mode
    // and panics otherwise. Thread mode is a single execution context: on Cortex-M the one
    // core's non-handler context (single core, see the type's docs), on std the one thread
    // that claimed it (a `OnceLock`, never released). So two closures can only nest, never
    // overlap.
    unsafe impl RawMutex for ThreadModeRawMutex {
        const INIT: Self = Self::new();

        #[inline]
        #[track_caller]
        fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
            if !in_thread_mode() {
                not_thread_mode();
            }
            f()
        }
    }
}

#[cfg(mote_std)]
pub use self::std_raw::StdRawMutex;

/// `StdRawMutex`: host only.
#[cfg(mote_std)]
mod std_raw {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, PoisonError};

    use super::RawMutex;

    /// A raw mutex for host code: **one lock per instance** (a `std` mutex), re-entrant
    /// for the thread that holds it. Available with the `std` feature.
    ///
    /// Unlike [`CriticalSectionRawMutex`](super::CriticalSectionRawMutex), whose `std`
    /// implementation is one lock for the whole process, primitives built on
    /// `StdRawMutex` only contend with users of the same primitive. It excludes threads,
    /// not interrupts: use it for host programs, tests and tools, not for data an
    /// interrupt handler touches.
    ///
    /// A thread waits (blocks) while another thread holds the lock. A nested `lock` from
    /// the thread that holds it runs at once, as the [`RawMutex`] contract allows. A panic
    /// in a closure releases the lock (no poisoning, as for the other kinds).
    ///
    /// ```
    /// use core::cell::Cell;
    /// use mote::sync::blocking_mutex::{raw::StdRawMutex, Mutex};
    ///
    /// static HITS: Mutex<StdRawMutex, Cell<u64>> = Mutex::new(Cell::new(0));
    /// let threads: Vec<_> = (0..4)
    ///     .map(|_| std::thread::spawn(|| HITS.lock(|h| h.set(h.get() + 1))))
    ///     .collect();
    /// threads.into_iter().for_each(|t| t.join().unwrap());
    /// // Re-entrant: a nested lock from the same thread runs at once.
    /// assert_eq!(HITS.lock(|h| HITS.lock(|_| h.get())), 4);
    /// ```
    ///
    /// Cost of `lock`: a thread-local read and an atomic load, then one `std` mutex lock
    /// and unlock (uncontended: an atomic read-modify-write each) and two atomic stores; a
    /// nested `lock` only the first two.
    pub struct StdRawMutex {
        /// Held by the outermost `lock` of the owning thread.
        inner: Mutex<()>,
        /// The [`token`] of the thread inside `lock`, 0 when none. Only that thread
        /// writes its own token here (after taking `inner`) and clears it (before releasing
        /// `inner`); so a thread reads its own token here exactly when it is inside `lock`:
        /// every other value it can read (coherence: nothing older than its own last
        /// write) is 0 or another thread's token.
        owner: AtomicUsize,
    }

    /// A non-zero number that no other thread of the process ever gets: the std
    /// backend's context identity (a counter, not an address: an address could be reused
    /// by a new thread while the old one still runs thread-local destructors).
    fn token() -> usize {
        crate::executor::arch::context_id()
    }

    impl StdRawMutex {
        /// Creates the raw mutex (usable in a `static`).
        ///
        /// ```
        /// use mote::sync::blocking_mutex::raw::{RawMutex, StdRawMutex};
        /// static M: StdRawMutex = StdRawMutex::new();
        /// assert_eq!(M.lock(|| 5), 5);
        /// ```
        pub const fn new() -> Self {
            Self {
                inner: Mutex::new(()),
                owner: AtomicUsize::new(0),
            }
        }
    }

    impl Default for StdRawMutex {
        fn default() -> Self {
            Self::new()
        }
    }

    /// Clears `owner` when the outermost `lock` ends, normally or by a panic, before
    /// `inner` is released.
    struct ClearOwner<'a>(&'a AtomicUsize);

    impl Drop for ClearOwner<'_> {
        fn drop(&mut self) {
            self.0.store(0, Ordering::Relaxed);
        }
    }

    // SAFETY: a closure runs either under `inner` (outermost call: the `std` mutex
    // excludes every other thread until the guard drops, after the closure) or nested in a
    // call of the same thread that holds `inner` (`owner` equals the caller's token only
    // while that thread is inside `lock`: see `owner`). So closures of two threads never
    // overlap.
    unsafe impl RawMutex for StdRawMutex {
        const INIT: Self = Self::new();

        fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
            let me = token();
            if self.owner.load(Ordering::Relaxed) == me {
                return f();
            }
            // A panic in a closure poisons the `std` mutex; the data behind a raw mutex is
            // only reachable through shared references, so there is nothing to recover.
            let _held = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            self.owner.store(me, Ordering::Relaxed);
            // Dropped before `_held` (reverse order of declaration).
            let _clear = ClearOwner(&self.owner);
            f()
        }
    }
}
