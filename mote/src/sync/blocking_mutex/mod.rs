//! A blocking mutex: data plus a raw mutex ([`raw::RawMutex`]) that serialises access.
//!
//! Invariant: the value is only reachable inside [`Mutex::lock`] (shared reference, under
//! the raw mutex) or through `&mut self` / `self` ([`Mutex::get_mut`],
//! [`Mutex::into_inner`]). `lock` hands out `&T`, never `&mut T`, because every raw mutex
//! kind is re-entrant; put a `Cell` or `RefCell` inside for mutation.
//!
//! On a microcontroller nothing here waits: `lock` runs the closure at once (the raw
//! mutex is never contended across contexts, it excludes them). On the host, a thread
//! waits while another thread holds a `CriticalSectionRawMutex` (one lock for the whole
//! process) or the same `StdRawMutex` (one lock per instance).

pub mod raw;

use core::cell::UnsafeCell;

use raw::RawMutex;

/// Data protected by a raw mutex of kind `R`.
///
/// ```
/// use core::cell::Cell;
/// use mote::sync::blocking_mutex::{raw::CriticalSectionRawMutex, Mutex};
///
/// static COUNT: Mutex<CriticalSectionRawMutex, Cell<u32>> = Mutex::new(Cell::new(0));
/// COUNT.lock(|c| c.set(c.get() + 1));
/// assert_eq!(COUNT.lock(|c| c.get()), 1);
/// ```
pub struct Mutex<R, T: ?Sized> {
    raw: R,
    data: UnsafeCell<T>,
}

// SAFETY: moving the mutex moves the value; `T: Send` allows that, `R: Send` moves the lock.
unsafe impl<R: RawMutex + Send, T: ?Sized + Send> Send for Mutex<R, T> {}
// SAFETY: shared access hands out `&T` only under `R::lock`, which excludes other contexts
// (RawMutex contract) when `R: Sync`; so `&T` never exists in two contexts at once, and
// `T: Send` suffices (as for `std::sync::Mutex`).
unsafe impl<R: RawMutex + Sync, T: ?Sized + Send> Sync for Mutex<R, T> {}

impl<R: RawMutex, T> Mutex<R, T> {
    /// Creates a mutex holding `value` (usable in a `static`).
    pub const fn new(value: T) -> Self {
        Self {
            raw: R::INIT,
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::{raw::NoopRawMutex, Mutex};
    /// let m: Mutex<NoopRawMutex, u8> = Mutex::new(7);
    /// assert_eq!(m.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<R: RawMutex, T: ?Sized> Mutex<R, T> {
    /// Runs `f` with a shared reference to the value, under the raw mutex.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::{raw::CriticalSectionRawMutex, Mutex};
    /// let m: Mutex<CriticalSectionRawMutex, [u8; 2]> = Mutex::new([1, 2]);
    /// assert_eq!(m.lock(|v| v[0] + v[1]), 3);
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        self.raw.lock(|| {
            // SAFETY: only shared references to the data are ever created while `&self`
            // exists (`get_mut` needs `&mut self`), and they are created only inside the
            // raw mutex, which excludes other contexts (`RawMutex` contract, `Sync` impl).
            let value = unsafe { &*self.data.get() };
            f(value)
        })
    }

    /// Returns a mutable reference to the value; `&mut self` proves no one else holds it.
    ///
    /// ```
    /// use mote::sync::blocking_mutex::{raw::NoopRawMutex, Mutex};
    /// let mut m: Mutex<NoopRawMutex, u8> = Mutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(m.lock(|v| *v), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}
