//! [`PollSlot`]: the one waker slot behind a primitive's `poll_*` methods (`&self`, no
//! pinned wait-list node).
//!
//! Invariants:
//!
//! - `armed` is true whenever a waker may be stored. A waking party reads `armed` first
//!   (one plain atomic load), so an unused slot costs nothing more on every operation.
//! - A waking party clears `armed` **before** taking the waker; a poller stores its waker
//!   **before** setting `armed`. So a registration that overlaps a wake is either taken by
//!   it or stays armed for the next one: never stored while disarmed.
//! - No lost wake-up: a poller registers, then re-checks its condition under the
//!   primitive's lock; a waking party changes the condition under that lock, then calls
//!   [`wake`](PollSlot::wake). Whichever lock section comes second sees the other's write.
//! - One waiter per slot: registering a waker for another task replaces the stored one
//!   and wakes it (as [`WakerRegistration`](super::waker::WakerRegistration) does), so
//!   nobody is forgotten; two poll-style waiters on one slot keep waking each other.
//!
//! ```text
//!   poll_x(cx): check ─ready─► Ready          wake(): armed? ─no─► return (the common case)
//!                 │ not ready                           │ yes
//!                 ▼                                     ▼
//!               store waker, armed = true            armed = false, take waker, wake it
//!                 ▼
//!               check again ─ready─► Ready, else Pending
//! ```

use core::cell::RefCell;
use core::task::Waker;

// Not `crate::loom`: the primitives holding this slot have `const fn new` (for `static`s),
// which loom's atomics cannot provide; the slot's ordering rests on the primitive's lock
// (see the invariants), not on a lock-free protocol loom would check.
use portable_atomic::{AtomicBool, Ordering};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::blocking_mutex::Mutex;

/// A waker slot for `poll_*` methods, guarded by a raw mutex of kind `M`.
pub(crate) struct PollSlot<M> {
    armed: AtomicBool,
    waker: Mutex<M, RefCell<Option<Waker>>>,
}

impl<M: RawMutex> PollSlot<M> {
    pub(crate) const fn new() -> Self {
        Self {
            armed: AtomicBool::new(false),
            waker: Mutex::new(RefCell::new(None)),
        }
    }

    /// Stores `waker` for the next [`wake`](Self::wake); a stored waker of another task is
    /// woken (after the lock is released). The caller re-checks its condition afterwards.
    pub(crate) fn register(&self, waker: &Waker) {
        let evicted = self.waker.lock(|cell| {
            let mut slot = cell.borrow_mut();
            match &*slot {
                Some(old) if old.will_wake(waker) => None,
                _ => slot.replace(waker.clone()),
            }
        });
        self.armed.store(true, Ordering::SeqCst);
        if let Some(w) = evicted {
            w.wake();
        }
    }

    /// Wakes the stored waker, if any. Call it after the change it reports, outside the
    /// primitive's lock.
    #[inline]
    pub(crate) fn wake(&self) {
        // Relaxed suffices: the primitive's lock orders this load after a poller's arming
        // whenever the poller's re-check came first (see the invariants).
        if self.armed.load(Ordering::Relaxed) {
            self.wake_armed();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_armed(&self) {
        self.armed.store(false, Ordering::SeqCst);
        if let Some(w) = self.waker.lock(|cell| cell.borrow_mut().take()) {
            w.wake();
        }
    }
}
