//! [`OnceLock`]: a value written once, then read lock-free; and [`LazyLock`], which
//! computes its value on first use.
//!
//! # Guarantees
//!
//! - The value is written at most once; after that, [`OnceLock::get`] is one atomic load
//!   (acquire) and never blocks.
//! - Initialisation runs inside a critical section (so it is exclusive across threads
//!   and interrupt handlers, and an interrupt cannot see a half-written value): keep the
//!   initialiser short.
//! - [`OnceLock::wait`] lets any number of tasks wait for the value (intrusive FIFO list;
//!   all are woken once it is set).
//!
//! ```text
//!          init / get_or_init (in a critical section)
//!   EMPTY ──────────────────► BUSY ── value written ──► READY (never leaves)
//!     ▲                         │
//!     └── initialiser panicked ─┘
//! ```

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::mem::MaybeUninit;
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::loom::{const_fn_unless_loom, AtomicU32, Ordering};
use crate::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

const EMPTY: u32 = 0;
const BUSY: u32 = 1;
const READY: u32 = 2;

struct Waiters {
    ready: bool,
    list: WaitList,
}

impl Grant for Waiters {
    fn grant_one(&mut self) -> Option<Waker> {
        if self.ready {
            self.list.grant_front()
        } else {
            None
        }
    }
}

/// A cell written once (usable in a `static`), shared by tasks and interrupt handlers.
///
/// ```
/// use mote::sync::once_lock::OnceLock;
///
/// static SERIAL: OnceLock<u32> = OnceLock::new();
/// assert_eq!(SERIAL.get(), None);
/// assert_eq!(SERIAL.init(42), Ok(()));
/// assert_eq!(SERIAL.init(7), Err(7));
/// assert_eq!(SERIAL.get_or_init(|| 0), &42);
/// ```
pub struct OnceLock<T> {
    state: AtomicU32,
    value: UnsafeCell<MaybeUninit<T>>,
    waiters: Shared<CriticalSectionRawMutex, Waiters>,
}

// SAFETY: the value is written once, exclusively (critical section + `state` BUSY), and
// published with a release store of READY; afterwards only `&T` is handed out, to any
// thread: so `T: Sync` (shared reads) and `T: Send` (written in one thread, dropped in
// another) are required.
unsafe impl<T: Send + Sync> Sync for OnceLock<T> {}
// SAFETY: moving the cell moves the value: `T: Send`.
unsafe impl<T: Send> Send for OnceLock<T> {}

/// Resets `state` to EMPTY if the initialiser unwinds.
struct ResetOnUnwind<'a>(&'a AtomicU32);

impl Drop for ResetOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.store(EMPTY, Ordering::Relaxed);
    }
}

impl<T> OnceLock<T> {
    const_fn_unless_loom! {
        /// Creates an empty cell.
        pub fn new() -> Self {
            Self {
                state: AtomicU32::new(EMPTY),
                value: UnsafeCell::new(MaybeUninit::uninit()),
                waiters: Shared::new(Waiters {
                    ready: false,
                    list: WaitList::new(),
                }),
            }
        }
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: READY is stored (release) only after the value was written, and the
            // value is never written again; our acquire load makes the write visible.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// Sets the value if it is not set yet; otherwise hands `value` back.
    pub fn init(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.get_or_init(|| value.take().expect("initialiser runs once"));
        match value {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// The value, computing it with `f` (inside a critical section) if it is not set.
    ///
    /// # Panics
    ///
    /// If `f` calls `get_or_init`/`init` of the same cell (re-entrant initialisation),
    /// that call panics. If `f` panics, the cell stays empty.
    ///
    /// ```
    /// # use mote::sync::once_lock::OnceLock;
    /// let cell = OnceLock::new();
    /// assert_eq!(*cell.get_or_init(|| 5), 5);
    /// assert_eq!(*cell.get_or_init(|| 6), 5);
    /// ```
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if let Some(v) = self.get() {
            return v;
        }
        let initialised = critical_section::with(|_| match self.state.load(Ordering::Acquire) {
            READY => false,
            BUSY => panic!("OnceLock initialiser re-entered the same OnceLock"),
            _ => {
                self.state.store(BUSY, Ordering::Relaxed);
                let reset = ResetOnUnwind(&self.state);
                let value = f();
                core::mem::forget(reset);
                // SAFETY: we moved the state EMPTY → BUSY inside the critical section, so
                // no one else writes or reads the value until we publish READY.
                unsafe { (*self.value.get()).write(value) };
                self.state.store(READY, Ordering::Release);
                true
            }
        });
        if initialised {
            self.waiters.update(|w| w.ready = true);
        }
        match self.get() {
            Some(v) => v,
            None => unreachable!("READY was stored above or observed"),
        }
    }

    /// Waits until the value is set and returns it.
    ///
    /// Cancel safety: yes (waiting changes nothing).
    ///
    /// ```
    /// # use mote::sync::once_lock::OnceLock;
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let cell = OnceLock::new();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut w = pin!(cell.wait());
    /// assert!(w.as_mut().poll(&mut cx).is_pending());
    /// cell.init(3).unwrap();
    /// assert_eq!(w.poll(&mut cx), Poll::Ready(&3));
    /// ```
    pub fn wait(&self) -> WaitFuture<'_, T> {
        WaitFuture {
            cell: self,
            waiter: Waiter::new(),
        }
    }

    /// Takes the value out, leaving the cell empty; `&mut self` proves no reader exists.
    pub fn take(&mut self) -> Option<T> {
        // `&mut self`: no concurrent access, relaxed orderings suffice.
        if self.state.load(Ordering::Relaxed) != READY {
            return None;
        }
        self.state.store(EMPTY, Ordering::Relaxed);
        self.waiters.with(|w| w.ready = false);
        // SAFETY: the state was READY, so the value is initialised; setting EMPTY first
        // means it is read out exactly once.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for OnceLock<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceLock").field(&self.get()).finish()
    }
}

/// Future of [`OnceLock::wait`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct WaitFuture<'a, T> {
    cell: &'a OnceLock<T>,
    waiter: Waiter,
}

impl<'a, T> Future for WaitFuture<'a, T> {
    type Output = &'a T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'a T> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (cell, waiter) = (this.cell, &mut this.waiter);
        let ready = cell.waiters.with(|w| {
            // SAFETY: `waiter` is pinned, always used with `w.list`; lock held.
            if unsafe { waiter.poll_turn(&mut w.list, cx.waker()) } == Turn::Waiting {
                return false;
            }
            // Checked under the waiters' lock: `get_or_init` sets `ready` (and grants) under
            // the same lock after storing READY, so no wake can be missed.
            if cell.state.load(Ordering::Acquire) == READY {
                return true;
            }
            // SAFETY: as above; our `Drop` cancels while queued.
            unsafe { waiter.enqueue(&mut w.list, cx.waker(), 0) };
            false
        });
        match (ready, cell.get()) {
            (true, Some(v)) => Poll::Ready(v),
            _ => Poll::Pending,
        }
    }
}

impl<T> Drop for WaitFuture<'_, T> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.cell.waiters.with(|w| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `w.list`; lock held. The grant reserves nothing.
                let _ = unsafe { waiter.cancel(&mut w.list) };
            });
        }
    }
}

/// A value computed by `F` on first access, then shared (usable in a `static`).
///
/// The initialiser runs inside a critical section, at most once (see [`OnceLock`]).
///
/// # Panics
///
/// Accessing the value panics if the initialiser panicked on an earlier access.
///
/// ```
/// use mote::sync::once_lock::LazyLock;
///
/// static TABLE: LazyLock<[u16; 4]> = LazyLock::new(|| [1, 2, 4, 8]);
/// assert_eq!(TABLE[3], 8);
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    once: OnceLock<T>,
    init: UnsafeCell<Option<F>>,
}

// SAFETY: `init` is taken at most once, inside `OnceLock::get_or_init`'s exclusive
// initialisation (critical section + BUSY state), possibly in another thread (`F: Send`);
// the value follows `OnceLock`'s rules (`T: Send + Sync`).
unsafe impl<T: Send + Sync, F: Send> Sync for LazyLock<T, F> {}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    const_fn_unless_loom! {
        /// Creates the lazy value.
        pub fn new(f: F) -> Self {
            Self {
                once: OnceLock::new(),
                init: UnsafeCell::new(Some(f)),
            }
        }
    }

    /// The value, computed on first call.
    pub fn get(&self) -> &T {
        self.once.get_or_init(|| {
            // SAFETY: this closure runs at most once at a time and only inside the
            // exclusive initialisation of `once` (critical section, BUSY state), the only
            // place that touches `init`.
            let f = unsafe { (*self.init.get()).take() };
            match f {
                Some(f) => f(),
                None => panic!("LazyLock initialiser panicked on an earlier access"),
            }
        })
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LazyLock").field(&self.once.get()).finish()
    }
}
