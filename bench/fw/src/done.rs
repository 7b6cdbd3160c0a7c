//! A completion counter with one waiting task: workers call [`Done::finish`], the
//! measuring task awaits [`Done::wait`] until a given number of them finished.
//!
//! Written here (not taken from either runtime) so both runtimes run the same code.
//! Cancel safety: dropping a `wait` future leaves its waker registered; the next
//! `finish` wakes it spuriously, which is harmless.

use core::cell::{Cell, RefCell};
use core::future::poll_fn;
use core::task::{Poll, Waker};

use critical_section::Mutex;

/// Finished-worker counter plus the waker of the one task waiting for it.
pub struct Done {
    finished: Mutex<Cell<u32>>,
    waiter: Mutex<RefCell<Option<Waker>>>,
}

impl Done {
    /// No worker finished, nobody waiting.
    pub const fn new() -> Self {
        Self {
            finished: Mutex::new(Cell::new(0)),
            waiter: Mutex::new(RefCell::new(None)),
        }
    }

    /// Counts one finished worker and wakes the waiter, if any.
    pub fn finish(&self) {
        let waker = critical_section::with(|cs| {
            let f = self.finished.borrow(cs);
            f.set(f.get() + 1);
            self.waiter.borrow(cs).take()
        });
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Completes once `count` workers have finished, and resets the counter.
    pub async fn wait(&self, count: u32) {
        poll_fn(|cx| {
            critical_section::with(|cs| {
                let f = self.finished.borrow(cs);
                if f.get() >= count {
                    f.set(0);
                    Poll::Ready(())
                } else {
                    self.waiter.borrow(cs).replace(Some(cx.waker().clone()));
                    Poll::Pending
                }
            })
        })
        .await
    }
}

impl Default for Done {
    fn default() -> Self {
        Self::new()
    }
}
