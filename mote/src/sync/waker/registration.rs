//! [`WakerRegistration`]: a single waker slot that never forgets a waiter silently.

use core::task::Waker;

/// A single waker slot, to keep inside a mutex-protected state.
///
/// Invariant: at most one waker is stored. Registering a waker that would not wake the
/// same task as the stored one replaces it **and wakes the old one**, so the evicted
/// waiter gets polled again and can register itself anew.
///
/// ```
/// use mote::sync::waker::WakerRegistration;
/// use futures_test::task::new_count_waker;
///
/// let (waker, count) = new_count_waker();
/// let mut slot = WakerRegistration::new();
/// slot.register(&waker);
/// assert!(slot.occupied());
/// slot.wake();
/// assert_eq!(count.get(), 1);
/// assert!(!slot.occupied());
/// ```
#[derive(Debug, Default)]
pub struct WakerRegistration {
    waker: Option<Waker>,
}

impl WakerRegistration {
    /// Creates an empty slot.
    pub const fn new() -> Self {
        Self { waker: None }
    }

    /// Stores `waker`. If another task's waker was stored, it is woken (see the type docs);
    /// the same task's waker is kept without cloning.
    pub fn register(&mut self, waker: &Waker) {
        match &self.waker {
            Some(old) if old.will_wake(waker) => {}
            _ => {
                if let Some(old) = self.waker.replace(waker.clone()) {
                    old.wake();
                }
            }
        }
    }

    /// Wakes and removes the stored waker, if any.
    pub fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// Removes the stored waker without waking it (to wake it later, outside a lock).
    pub fn take(&mut self) -> Option<Waker> {
        self.waker.take()
    }

    /// True when a waker is stored.
    pub fn occupied(&self) -> bool {
        self.waker.is_some()
    }
}
