//! An async [`RwLock`]: many readers or one writer, granted in strict FIFO order.
//!
//! # Guarantees
//!
//! - Either any number of [`RwLockReadGuard`]s or one [`RwLockWriteGuard`] exist.
//! - **FIFO, no starvation**: requests are served in arrival order. A reader arriving
//!   while a writer waits queues behind it (writers are not starved by a stream of
//!   readers); consecutive queued readers are admitted together.
//! - **Direct hand-off**: on release, the lock passes to the waiters at the head (they
//!   hold it when woken); a woken waiter dropped before its turn releases it again,
//!   passing it on.
//!
//! ```text
//!   Free ── read / write, nobody queued ──► Read(n ≥ 1)  or  Write
//!    ▲                                         │               │
//!    └──── last reader / the writer leaves ────┴───────────────┘
//!          (if waiters queue, the head is admitted at once instead:
//!           Read(k) for k leading readers, or Write)
//! ```

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::acquire::{grant_next, Access, Acquire, Lock};
use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::WaitList;

const READ: usize = 0;
const WRITE: usize = 1;

/// The lock's state (crate-visible only so that it can be the acquire path's
/// [`Lock::State`]; its fields stay private).
pub(crate) struct State {
    readers: usize,
    writer: bool,
    waiters: WaitList,
}

impl Access for State {
    fn waiters(&mut self) -> &mut WaitList {
        &mut self.waiters
    }

    fn can(&self, want: usize) -> bool {
        !self.writer && (want == READ || self.readers == 0)
    }

    fn take(&mut self, want: usize) {
        if want == READ {
            self.readers += 1;
        } else {
            self.writer = true;
        }
    }

    fn give_back(&mut self, want: usize) {
        if want == READ {
            self.readers -= 1;
        } else {
            self.writer = false;
        }
    }
}

impl Grant for State {
    fn grant_one(&mut self) -> Option<Waker> {
        grant_next(self)
    }
}

/// Error of [`RwLock::try_read`] / [`RwLock::try_write`]: the lock is not available now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TryLockError;

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rwlock not available")
    }
}

impl core::error::Error for TryLockError {}

/// A fair async reader-writer lock over `T`, its queue guarded by a raw mutex of kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::rwlock::RwLock;
///
/// static CONFIG: RwLock<CriticalSectionRawMutex, [u8; 2]> = RwLock::new([1, 2]);
/// // In tasks: `CONFIG.read().await[0]`, `CONFIG.write().await[1] = 5`.
/// let a = CONFIG.try_read().unwrap();
/// let b = CONFIG.try_read().unwrap();
/// assert!(CONFIG.try_write().is_err());
/// assert_eq!(a[0] + b[1], 3);
/// ```
pub struct RwLock<M: RawMutex, T: ?Sized> {
    shared: Shared<M, State>,
    value: UnsafeCell<T>,
}

// SAFETY: moving the lock moves the value (`T: Send`).
unsafe impl<M: RawMutex + Send, T: ?Sized + Send> Send for RwLock<M, T> {}
// SAFETY: the reader/writer counts (under the raw mutex, which excludes other contexts
// when `M: Sync`) admit either shared `&T` in several threads (`T: Sync`) or one `&mut T`
// that may move between threads (`T: Send`).
unsafe impl<M: RawMutex + Sync, T: ?Sized + Send + Sync> Sync for RwLock<M, T> {}

impl<M: RawMutex, T> RwLock<M, T> {
    /// Creates an unlocked lock (usable in a `static`).
    pub const fn new(value: T) -> Self {
        Self {
            shared: Shared::new(State {
                readers: 0,
                writer: false,
                waiters: WaitList::new(),
            }),
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<M: RawMutex, T: ?Sized> RwLock<M, T> {
    /// Waits (FIFO) for shared access.
    ///
    /// Cancel safety: yes. A dropped waiter leaves the queue; one dropped after being
    /// admitted releases its access, passing it on.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, rwlock::RwLock};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let l: RwLock<NoopRawMutex, u8> = RwLock::new(1);
    /// let mut cx = futures_test::task::noop_context();
    /// let Poll::Ready(g) = pin!(l.read()).poll(&mut cx) else { panic!() };
    /// assert_eq!(*g, 1);
    /// ```
    pub fn read(&self) -> ReadFuture<'_, M, T> {
        ReadFuture {
            acquire: Acquire::new(self),
        }
    }

    /// Waits (FIFO) for exclusive access.
    ///
    /// Cancel safety: yes (as [`read`](Self::read)).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, rwlock::RwLock};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let l: RwLock<NoopRawMutex, u8> = RwLock::new(1);
    /// let mut cx = futures_test::task::noop_context();
    /// let Poll::Ready(mut g) = pin!(l.write()).poll(&mut cx) else { panic!() };
    /// *g = 2;
    /// drop(g);
    /// assert_eq!(*l.try_read().unwrap(), 2);
    /// ```
    pub fn write(&self) -> WriteFuture<'_, M, T> {
        WriteFuture {
            acquire: Acquire::new(self),
        }
    }

    /// Shared access now, if no writer holds or awaits the lock.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, M, T>, TryLockError> {
        if self.shared.with(|s| s.try_take(READ)) {
            Ok(RwLockReadGuard::new(self))
        } else {
            Err(TryLockError)
        }
    }

    /// Exclusive access now, if the lock is free and nobody waits.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, M, T>, TryLockError> {
        if self.shared.with(|s| s.try_take(WRITE)) {
            Ok(RwLockWriteGuard::new(self))
        } else {
            Err(TryLockError)
        }
    }

    /// Returns a mutable reference to the value; `&mut self` proves no guard exists.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn release(&self, want: usize) {
        self.shared.update(|s| s.give_back(want));
    }
}

impl<M: RawMutex, T: ?Sized> Lock for RwLock<M, T> {
    type Raw = M;
    type State = State;

    fn shared(&self) -> &Shared<M, State> {
        &self.shared
    }
}

/// Future of [`RwLock::read`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct ReadFuture<'a, M: RawMutex, T: ?Sized> {
    acquire: Acquire<'a, RwLock<M, T>, READ>,
}

impl<'a, M: RawMutex, T: ?Sized> Future for ReadFuture<'a, M, T> {
    type Output = RwLockReadGuard<'a, M, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `acquire` is structurally pinned and never moved out.
        let acquire = unsafe { self.map_unchecked_mut(|f| &mut f.acquire) };
        match acquire.poll(cx) {
            Some(lock) => Poll::Ready(RwLockReadGuard::new(lock)),
            None => Poll::Pending,
        }
    }
}

/// Future of [`RwLock::write`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct WriteFuture<'a, M: RawMutex, T: ?Sized> {
    acquire: Acquire<'a, RwLock<M, T>, WRITE>,
}

impl<'a, M: RawMutex, T: ?Sized> Future for WriteFuture<'a, M, T> {
    type Output = RwLockWriteGuard<'a, M, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `acquire` is structurally pinned and never moved out.
        let acquire = unsafe { self.map_unchecked_mut(|f| &mut f.acquire) };
        match acquire.poll(cx) {
            Some(lock) => Poll::Ready(RwLockWriteGuard::new(lock)),
            None => Poll::Pending,
        }
    }
}

/// Shared access to an [`RwLock`]'s value; released on drop.
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockReadGuard<'a, M: RawMutex, T: ?Sized> {
    lock: &'a RwLock<M, T>,
    /// Opts out of the auto traits: `Send`/`Sync` are implemented with the right bounds.
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: the guard is `&T` plus a release through the `Sync` raw mutex: `T: Sync`.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Sync> Send for RwLockReadGuard<'_, M, T> {}
// SAFETY: `&RwLockReadGuard` gives `&T` only: `T: Sync`.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Sync> Sync for RwLockReadGuard<'_, M, T> {}

impl<'a, M: RawMutex, T: ?Sized> RwLockReadGuard<'a, M, T> {
    fn new(lock: &'a RwLock<M, T>) -> Self {
        Self {
            lock,
            _not_auto: PhantomData,
        }
    }
}

impl<M: RawMutex, T: ?Sized> Deref for RwLockReadGuard<'_, M, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a read guard exists only while `readers > 0` counts it, so no write guard
        // (and no `&mut T`) exists (module invariant).
        unsafe { &*self.lock.value.get() }
    }
}

impl<M: RawMutex, T: ?Sized> Drop for RwLockReadGuard<'_, M, T> {
    fn drop(&mut self) {
        self.lock.release(READ);
    }
}

/// Exclusive access to an [`RwLock`]'s value; released on drop.
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockWriteGuard<'a, M: RawMutex, T: ?Sized> {
    lock: &'a RwLock<M, T>,
    /// Opts out of the auto traits: `Send`/`Sync` are implemented with the right bounds.
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: the guard is `&mut T` plus a release through the `Sync` raw mutex: `T: Send`.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Send> Send for RwLockWriteGuard<'_, M, T> {}
// SAFETY: `&RwLockWriteGuard` gives `&T` only: `T: Sync`.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, M, T> {}

impl<'a, M: RawMutex, T: ?Sized> RwLockWriteGuard<'a, M, T> {
    fn new(lock: &'a RwLock<M, T>) -> Self {
        Self {
            lock,
            _not_auto: PhantomData,
        }
    }
}

impl<M: RawMutex, T: ?Sized> Deref for RwLockWriteGuard<'_, M, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a write guard exists only while `writer` is set for it, so no other guard
        // exists (module invariant).
        unsafe { &*self.lock.value.get() }
    }
}

impl<M: RawMutex, T: ?Sized> DerefMut for RwLockWriteGuard<'_, M, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this reference unique.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<M: RawMutex, T: ?Sized> Drop for RwLockWriteGuard<'_, M, T> {
    fn drop(&mut self) {
        self.lock.release(WRITE);
    }
}
