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

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

const READ: usize = 0;
const WRITE: usize = 1;

struct State {
    readers: usize,
    writer: bool,
    waiters: WaitList,
}

impl State {
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
        let want = self.waiters.front_want()?;
        if self.can(want) {
            self.take(want);
            return self.waiters.grant_front();
        }
        None
    }
}

/// Error of [`RwLock::try_read`] / [`RwLock::try_write`]: the lock is not available now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
            lock: LockFuture::new(self, READ),
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
            lock: LockFuture::new(self, WRITE),
        }
    }

    /// Shared access now, if no writer holds or awaits the lock.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, M, T>, TryLockError> {
        if self.try_take(READ) {
            Ok(RwLockReadGuard::new(self))
        } else {
            Err(TryLockError)
        }
    }

    /// Exclusive access now, if the lock is free and nobody waits.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, M, T>, TryLockError> {
        if self.try_take(WRITE) {
            Ok(RwLockWriteGuard::new(self))
        } else {
            Err(TryLockError)
        }
    }

    /// Returns a mutable reference to the value; `&mut self` proves no guard exists.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn try_take(&self, want: usize) -> bool {
        self.shared.with(|s| {
            let ok = s.waiters.is_empty() && s.can(want);
            if ok {
                s.take(want);
            }
            ok
        })
    }

    fn release(&self, want: usize) {
        self.shared.update(|s| s.give_back(want));
    }
}

struct LockFuture<'a, M: RawMutex, T: ?Sized> {
    lock: &'a RwLock<M, T>,
    want: usize,
    waiter: Waiter,
}

impl<'a, M: RawMutex, T: ?Sized> LockFuture<'a, M, T> {
    fn new(lock: &'a RwLock<M, T>, want: usize) -> Self {
        Self {
            lock,
            want,
            waiter: Waiter::new(),
        }
    }

    /// Polls for access; true once held.
    ///
    /// # Safety
    ///
    /// `self` is pinned.
    unsafe fn poll_access(&mut self, cx: &mut Context<'_>) -> bool {
        let (want, waiter) = (self.want, &mut self.waiter);
        self.lock.shared.with(|s| {
            // SAFETY: `waiter` is pinned (caller), always used with `s.waiters`; lock held.
            match unsafe { waiter.poll_turn(&mut s.waiters, cx.waker()) } {
                Turn::Granted => true, // admitted by the releaser
                Turn::Waiting => false,
                Turn::Fresh if s.waiters.is_empty() && s.can(want) => {
                    s.take(want);
                    true
                }
                Turn::Fresh => {
                    // SAFETY: as above; our `Drop` cancels while queued.
                    unsafe { waiter.enqueue(&mut s.waiters, cx.waker(), want) };
                    false
                }
            }
        })
    }
}

impl<M: RawMutex, T: ?Sized> Drop for LockFuture<'_, M, T> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let (want, waiter) = (self.want, &mut self.waiter);
            self.lock.shared.update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `s.waiters`; lock held.
                if unsafe { waiter.cancel(&mut s.waiters) } {
                    s.give_back(want); // `update` passes the access on
                }
                // A waiting writer leaving the head may admit readers behind it: `update`.
            });
        }
    }
}

/// Future of [`RwLock::read`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct ReadFuture<'a, M: RawMutex, T: ?Sized> {
    lock: LockFuture<'a, M, T>,
}

impl<'a, M: RawMutex, T: ?Sized> Future for ReadFuture<'a, M, T> {
    type Output = RwLockReadGuard<'a, M, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `lock` is structurally pinned and never moved out.
        let inner = unsafe { &mut self.get_unchecked_mut().lock };
        // SAFETY: `inner` lives in the pinned future.
        if unsafe { inner.poll_access(cx) } {
            Poll::Ready(RwLockReadGuard::new(inner.lock))
        } else {
            Poll::Pending
        }
    }
}

/// Future of [`RwLock::write`]. Cancel safety: yes.
#[must_use = "futures do nothing unless polled"]
pub struct WriteFuture<'a, M: RawMutex, T: ?Sized> {
    lock: LockFuture<'a, M, T>,
}

impl<'a, M: RawMutex, T: ?Sized> Future for WriteFuture<'a, M, T> {
    type Output = RwLockWriteGuard<'a, M, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `lock` is structurally pinned and never moved out.
        let inner = unsafe { &mut self.get_unchecked_mut().lock };
        // SAFETY: `inner` lives in the pinned future.
        if unsafe { inner.poll_access(cx) } {
            Poll::Ready(RwLockWriteGuard::new(inner.lock))
        } else {
            Poll::Pending
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
