//! [`AtomicWaker`]: a lock-free single waker slot shared by a waiter and a waker (an
//! interrupt handler, another thread).
//!
//! Invariant: the waker cell is read or written only by the party that moved `state` out
//! of `IDLE` (a registering task sets `REGISTERING`, a waking party sets `WAKING`); every
//! other party backs off. A wake that races with a registration is never lost: the
//! registering task sees the `WAKING` bit when it tries to return to `IDLE` and wakes
//! the freshly stored waker itself.
//!
//! ```text
//!            register: CAS IDLE→REGISTERING        wake: fetch_or(WAKING)
//!   IDLE ─────────────────────────────► REGISTERING ───────────────► REGISTERING|WAKING
//!    ▲  ▲  store waker, CAS REGISTERING→IDLE │ (wake backs off)            │
//!    │  └────────────────────────────────────┘                            │
//!    │  register sees WAKING: take waker, store IDLE, wake it ◄───────────┘
//!    │
//!    │ wake: take waker, fetch_and(!WAKING)        register sees WAKING: wake the
//!    └──────────────────────────────────── WAKING  new waker directly (slot untouched)
//! ```
//!
//! Works on targets without compare-and-swap (thumbv6m) through `crate::loom`, whose
//! atomics fall back to critical sections there; and under `--cfg loom` it is model-checked
//! (`tests/loom_atomic_waker.rs`).

use core::task::Waker;

use crate::loom::{const_fn_unless_loom, AtomicUsize, Ordering};

const IDLE: usize = 0;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;

/// A cell for the stored waker: loom's checked cell under `--cfg loom`, otherwise
/// `core::cell::UnsafeCell`.
#[cfg(not(loom))]
struct WakerCell(core::cell::UnsafeCell<Option<Waker>>);

#[cfg(not(loom))]
impl WakerCell {
    const fn new() -> Self {
        Self(core::cell::UnsafeCell::new(None))
    }
    fn with_mut<R>(&self, f: impl FnOnce(*mut Option<Waker>) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(loom)]
struct WakerCell(loom::cell::UnsafeCell<Option<Waker>>);

#[cfg(loom)]
impl WakerCell {
    fn new() -> Self {
        Self(loom::cell::UnsafeCell::new(None))
    }
    fn with_mut<R>(&self, f: impl FnOnce(*mut Option<Waker>) -> R) -> R {
        self.0.with_mut(f)
    }
}

/// A single waker slot with lock-free `register` and `wake`, for one waiting task and any
/// number of wakers (interrupt handlers, threads).
///
/// Only one task should wait on a given `AtomicWaker` at a time: if two tasks register
/// concurrently, one registration is dropped (never a data race). A task registering a
/// new waker replaces the old one without waking it.
///
/// ```
/// use core::task::Poll;
/// use mote::sync::waker::AtomicWaker;
/// use futures_test::task::new_count_waker;
///
/// static RX_DONE: AtomicWaker = AtomicWaker::new();
///
/// let (waker, count) = new_count_waker();
/// RX_DONE.register(&waker); // in a future's poll
/// RX_DONE.wake();           // in the interrupt handler
/// assert_eq!(count.get(), 1);
/// RX_DONE.wake();           // nothing stored any more
/// assert_eq!(count.get(), 1);
/// ```
pub struct AtomicWaker {
    state: AtomicUsize,
    waker: WakerCell,
}

// SAFETY: the waker cell is only accessed by the party that owns it through the state
// protocol (module invariant), so sharing `&AtomicWaker` between threads cannot race;
// `Waker` is `Send + Sync`.
unsafe impl Sync for AtomicWaker {}
// SAFETY: same protocol; `Waker` is `Send`.
unsafe impl Send for AtomicWaker {}

impl AtomicWaker {
    const_fn_unless_loom! {
        /// Creates an empty slot (usable in a `static`).
        pub fn new() -> Self {
            Self {
                state: AtomicUsize::new(IDLE),
                waker: WakerCell::new(),
            }
        }
    }

    /// Stores `waker` so that the next [`wake`](Self::wake) wakes it. If a wake races with
    /// this call, `waker` is woken before `register` returns.
    pub fn register(&self, waker: &Waker) {
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {
                // We own the cell (state is REGISTERING): store the waker.
                self.waker.with_mut(|cell| {
                    // SAFETY: module invariant: only the party that moved the state out
                    // of IDLE (us) touches the cell until the state goes back to IDLE.
                    let slot = unsafe { &mut *cell };
                    match slot {
                        Some(old) if old.will_wake(waker) => {}
                        _ => *slot = Some(waker.clone()),
                    }
                });
                if let Err(actual) = self.state.compare_exchange(
                    REGISTERING,
                    IDLE,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    // A waker came by while we held the cell and backed off
                    // (actual == REGISTERING | WAKING): deliver its wake ourselves.
                    debug_assert_eq!(actual, REGISTERING | WAKING);
                    let taken = self.waker.with_mut(|cell| {
                        // SAFETY: the state is still REGISTERING|WAKING: we own the cell.
                        unsafe { (*cell).take() }
                    });
                    self.state.swap(IDLE, Ordering::AcqRel);
                    if let Some(w) = taken {
                        w.wake();
                    }
                }
            }
            Err(WAKING) => {
                // A wake is in progress and will not see our waker: wake it now.
                waker.wake_by_ref();
            }
            Err(_) => {
                // Another task is registering at the same time (misuse: one waiter
                // only). Dropping this registration keeps the cell consistent.
            }
        }
    }

    /// Takes the stored waker out, without waking it. Returns `None` when the slot is
    /// empty or someone else is using it right now (a concurrent registration then wakes
    /// its own waker).
    pub fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            IDLE => {
                let taken = self.waker.with_mut(|cell| {
                    // SAFETY: we moved the state from IDLE to WAKING: we own the cell.
                    unsafe { (*cell).take() }
                });
                self.state.fetch_and(!WAKING, Ordering::Release);
                taken
            }
            _ => None,
        }
    }

    /// Wakes the stored waker, if any, and empties the slot. Callable from interrupt
    /// handlers and any thread.
    pub fn wake(&self) {
        if let Some(w) = self.take() {
            w.wake();
        }
    }
}

impl Default for AtomicWaker {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AtomicWaker")
    }
}
