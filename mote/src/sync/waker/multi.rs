//! [`MultiWakerRegistration`]: a fixed number of waker slots.

use core::task::Waker;

use crate::sync::defer::Defer;

/// Up to `N` stored wakers, to keep inside a mutex-protected state.
///
/// Invariants: a task's waker is stored at most once (`will_wake` deduplicates); when all
/// `N` slots are taken, registering another waker first wakes and clears **all** stored
/// wakers (each woken waiter re-registers when polled), so no waiter is ever lost, at the
/// cost of spurious polls once more than `N` tasks wait.
///
/// ```
/// use mote::sync::waker::MultiWakerRegistration;
/// use futures_test::task::new_count_waker;
///
/// let (a, count_a) = new_count_waker();
/// let (b, count_b) = new_count_waker();
/// let mut slots = MultiWakerRegistration::<2>::new();
/// slots.register(&a);
/// slots.register(&b);
/// slots.register(&a); // already stored
/// assert_eq!(slots.len(), 2);
/// slots.wake();
/// assert_eq!((count_a.get(), count_b.get()), (1, 1));
/// assert_eq!(slots.len(), 0);
/// ```
#[derive(Debug)]
pub struct MultiWakerRegistration<const N: usize> {
    wakers: [Option<Waker>; N],
}

impl<const N: usize> MultiWakerRegistration<N> {
    /// Creates `N` empty slots.
    pub const fn new() -> Self {
        Self {
            wakers: [const { None }; N],
        }
    }

    /// Stores `waker` unless a waker of the same task is already stored. When every slot is
    /// taken, all stored wakers are woken and cleared first (see the type docs). With
    /// `N == 0` the waker is woken at once.
    pub fn register(&mut self, waker: &Waker) {
        if self.wakers.iter().flatten().any(|w| w.will_wake(waker)) {
            return;
        }
        if self.wakers.iter().all(Option::is_some) {
            self.wake();
        }
        match self.wakers.iter_mut().find(|w| w.is_none()) {
            Some(slot) => *slot = Some(waker.clone()),
            None => waker.wake_by_ref(),
        }
    }

    /// Wakes and removes every stored waker. If a waker's `wake` panics (std), the others
    /// are still woken (while the panic unwinds) before it reaches the caller.
    pub fn wake(&mut self) {
        let mut i = 0;
        while i < N {
            if let Some(w) = self.wakers[i].take() {
                // Wake-On Invariant (`sync/defer.rs`).
                let on_unwind = Defer::new(|| self.wake());
                w.wake();
                on_unwind.cancel();
            }
            i += 1;
        }
    }

    /// Number of stored wakers.
    pub fn len(&self) -> usize {
        self.wakers.iter().flatten().count()
    }

    /// True when no waker is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<const N: usize> Default for MultiWakerRegistration<N> {
    fn default() -> Self {
        Self::new()
    }
}
