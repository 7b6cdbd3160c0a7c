//! [`Once`]: a static value handed out as `&'static mut` at most once (embassy-net's
//! stack resources must outlive the stack's tasks).

use core::cell::UnsafeCell;

use portable_atomic::{AtomicBool, Ordering};

/// A value in a `static`, lent mutably for `'static` to the first caller of [`take`](Once::take).
///
/// ```
/// use mote_examples_net::once::Once;
/// static COUNTER: Once<u32> = Once::new(0);
/// let c: &'static mut u32 = COUNTER.take().unwrap();
/// *c += 1;
/// assert!(COUNTER.take().is_none());
/// ```
pub struct Once<T> {
    value: UnsafeCell<T>,
    taken: AtomicBool,
}

// SAFETY: the value is reachable only through the one `&mut` that `take` hands out (the
// flag is swapped atomically), so sharing `&Once<T>` between contexts shares no `T`;
// moving that `&mut T` to another context needs `T: Send`.
unsafe impl<T: Send> Sync for Once<T> {}

impl<T> Once<T> {
    /// A value not yet taken.
    pub const fn new(value: T) -> Self {
        Self {
            value: UnsafeCell::new(value),
            taken: AtomicBool::new(false),
        }
    }

    /// The value, mutably for `'static`, on the first call; `None` on every later one.
    // A `&mut` from a `&`: sound because the flag lets exactly one call through.
    #[allow(clippy::mut_from_ref)]
    pub fn take(&'static self) -> Option<&'static mut T> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the swap above returned `false` once only: this is the one reference
        // to the value ever created, and the `static` lives for the program.
        Some(unsafe { &mut *self.value.get() })
    }
}
