//! An async [`Mutex`]: exclusive access held across `.await`, handed over in FIFO order.
//!
//! # Guarantees
//!
//! - At most one [`MutexGuard`] exists at a time.
//! - **FIFO fair, direct hand-off**: when the guard drops and tasks wait, the lock passes
//!   straight to the oldest waiter (it stays locked), so no later `lock` or `try_lock` can
//!   overtake it; only that waiter is woken.
//! - **Cancel-safe**: a waiter dropped after the hand-off unlocks again, passing the lock to
//!   the next waiter.
//!
//! ```text
//!            lock()/try_lock() when free            guard dropped, no waiter
//!   Unlocked ─────────────────────────► Locked ─────────────────────────► Unlocked
//!                                        │  ▲
//!                 guard dropped, waiters │  │ oldest waiter granted (stays Locked)
//!                                        └──┘
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

/// The mutex's state (crate-visible only so that it can be the acquire path's
/// [`Lock::State`]; its fields stay private).
pub(crate) struct State {
    locked: bool,
    waiters: WaitList,
}

/// The only access kind: exclusive.
const EXCLUSIVE: usize = 1;

// Hand-off keeps the invariant "unlocked implies nobody waits" (a release with waiters
// grants the head at once), so the acquire path's "list empty" check never refuses a free
// mutex.
impl Access for State {
    fn waiters(&mut self) -> &mut WaitList {
        &mut self.waiters
    }

    fn can(&self, _want: usize) -> bool {
        !self.locked
    }

    fn take(&mut self, _want: usize) {
        self.locked = true;
    }

    fn give_back(&mut self, _want: usize) {
        self.locked = false;
    }
}

impl Grant for State {
    fn grant_one(&mut self) -> Option<Waker> {
        grant_next(self)
    }
}

/// Error of [`Mutex::try_lock`]: the mutex is locked (or handed to a waiter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TryLockError;

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mutex locked")
    }
}

impl core::error::Error for TryLockError {}

/// An async mutex over a value of type `T`, its wait list guarded by a raw mutex of kind
/// `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::mutex::Mutex;
///
/// static LOG: Mutex<CriticalSectionRawMutex, u32> = Mutex::new(0);
/// // In a task: `let mut g = LOG.lock().await; *g += 1;` (held across awaits).
/// *LOG.try_lock().unwrap() += 1;
/// assert_eq!(*LOG.try_lock().unwrap(), 1);
/// ```
pub struct Mutex<M: RawMutex, T: ?Sized> {
    shared: Shared<M, State>,
    value: UnsafeCell<T>,
}

// SAFETY: moving the mutex moves the value (`T: Send`).
unsafe impl<M: RawMutex + Send, T: ?Sized + Send> Send for Mutex<M, T> {}
// SAFETY: the value is reached only through a `MutexGuard`, and the `locked` flag (under
// the raw mutex, which excludes other contexts when `M: Sync`) admits one guard at a
// time; so `&mut T` moves between threads, which `T: Send` allows.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Send> Sync for Mutex<M, T> {}

impl<M: RawMutex, T> Mutex<M, T> {
    /// Creates an unlocked mutex (usable in a `static`).
    pub const fn new(value: T) -> Self {
        Self {
            shared: Shared::new(State {
                locked: false,
                waiters: WaitList::new(),
            }),
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, mutex::Mutex};
    /// assert_eq!(Mutex::<NoopRawMutex, _>::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<M: RawMutex, T: ?Sized> Mutex<M, T> {
    /// Waits for the lock (FIFO) and returns its guard.
    ///
    /// Cancel safety: yes. A dropped waiter leaves the queue; one dropped after the lock
    /// was handed to it unlocks, handing the lock to the next waiter.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, mutex::Mutex};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let m: Mutex<NoopRawMutex, u8> = Mutex::new(0);
    /// let mut cx = futures_test::task::noop_context();
    /// let g = m.try_lock().unwrap();
    /// let mut waiting = pin!(m.lock());
    /// assert!(waiting.as_mut().poll(&mut cx).is_pending());
    /// drop(g);
    /// assert!(matches!(waiting.poll(&mut cx), Poll::Ready(_)));
    /// ```
    pub fn lock(&self) -> LockFuture<'_, M, T> {
        LockFuture {
            acquire: Acquire::new(self),
        }
    }

    /// Locks at once if the mutex is free.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, M, T>, TryLockError> {
        if self.shared.with(|s| s.try_take(EXCLUSIVE)) {
            Ok(MutexGuard::new(self))
        } else {
            Err(TryLockError)
        }
    }

    /// Returns a mutable reference to the value; `&mut self` proves no guard exists.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, mutex::Mutex};
    /// let mut m: Mutex<NoopRawMutex, u8> = Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(*m.try_lock().unwrap(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn unlock(&self) {
        self.shared.update(|s| s.give_back(EXCLUSIVE));
    }
}

impl<M: RawMutex, T: ?Sized> Lock for Mutex<M, T> {
    type Raw = M;
    type State = State;

    fn shared(&self) -> &Shared<M, State> {
        &self.shared
    }
}

/// Future of [`Mutex::lock`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct LockFuture<'a, M: RawMutex, T: ?Sized> {
    acquire: Acquire<'a, Mutex<M, T>, EXCLUSIVE>,
}

impl<'a, M: RawMutex, T: ?Sized> Future for LockFuture<'a, M, T> {
    type Output = MutexGuard<'a, M, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `acquire` is structurally pinned and never moved out.
        let acquire = unsafe { self.map_unchecked_mut(|f| &mut f.acquire) };
        match acquire.poll(cx) {
            Some(mutex) => Poll::Ready(MutexGuard::new(mutex)),
            None => Poll::Pending,
        }
    }
}

/// Exclusive access to a [`Mutex`]'s value; unlocks (or hands over) on drop.
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MutexGuard<'a, M: RawMutex, T: ?Sized> {
    mutex: &'a Mutex<M, T>,
    /// Opts out of the auto traits: `Send`/`Sync` are implemented with the right bounds.
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: the guard is `&mut T` in disguise plus an unlock through the `Sync` raw mutex.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Send> Send for MutexGuard<'_, M, T> {}
// SAFETY: `&MutexGuard` only gives `&T`, shareable when `T: Sync`.
unsafe impl<M: RawMutex + Sync, T: ?Sized + Sync> Sync for MutexGuard<'_, M, T> {}

impl<'a, M: RawMutex, T: ?Sized> MutexGuard<'a, M, T> {
    fn new(mutex: &'a Mutex<M, T>) -> Self {
        Self {
            mutex,
            _not_auto: PhantomData,
        }
    }
}

impl<M: RawMutex, T: ?Sized> Deref for MutexGuard<'_, M, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a guard exists only while `locked` is true and it was given to us, so no
        // other reference to the value exists (module invariant: one guard at a time).
        unsafe { &*self.mutex.value.get() }
    }
}

impl<M: RawMutex, T: ?Sized> DerefMut for MutexGuard<'_, M, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this reference unique.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<M: RawMutex, T: ?Sized> Drop for MutexGuard<'_, M, T> {
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<M: RawMutex, T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
