//! A counting [`Semaphore`] with fair, FIFO acquisition of any number of permits.
//!
//! # Guarantees
//!
//! - Permits are never created or lost: every acquired permit comes back through
//!   [`SemaphoreReleaser`]'s drop or [`Semaphore::release`] (unless
//!   [`SemaphoreReleaser::disarm`]ed).
//! - **Strict FIFO**: waiters are served in arrival order; a waiter asking for many
//!   permits is not starved by later small requests (they queue behind it, and
//!   `try_acquire` fails while anyone waits).
//! - Permits are handed to the oldest waiter as soon as enough are free; only waiters that
//!   were granted are woken. A waiter dropped after the grant returns its permits, which
//!   go to the next waiters.
//!
//! Invariant (under the raw mutex): while a waiter is queued, the oldest waiter wants
//! more permits than are free.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

struct State {
    permits: usize,
    waiters: WaitList,
}

impl Grant for State {
    fn grant_one(&mut self) -> Option<Waker> {
        match self.waiters.front_want() {
            Some(want) if want <= self.permits => {
                self.permits -= want;
                self.waiters.grant_front()
            }
            _ => None,
        }
    }
}

/// A counting semaphore, its wait list guarded by a raw mutex of kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::semaphore::Semaphore;
///
/// static SLOTS: Semaphore<CriticalSectionRawMutex> = Semaphore::new(2);
/// // In a task: `let _permit = SLOTS.acquire(1).await;`
/// let a = SLOTS.try_acquire(2).unwrap();
/// assert!(SLOTS.try_acquire(1).is_none());
/// drop(a);
/// assert_eq!(SLOTS.available(), 2);
/// ```
pub struct Semaphore<M: RawMutex> {
    shared: Shared<M, State>,
}

impl<M: RawMutex> Semaphore<M> {
    /// Creates a semaphore with `permits` free permits (usable in a `static`).
    pub const fn new(permits: usize) -> Self {
        Self {
            shared: Shared::new(State {
                permits,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Waits until `n` permits can be taken, in FIFO order with other waiters.
    /// `acquire(0)` completes at once unless others wait (FIFO).
    ///
    /// Cancel safety: yes. A dropped waiter leaves the queue; one dropped after its
    /// permits were granted returns them (they go to the next waiters).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, semaphore::Semaphore};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let sem: Semaphore<NoopRawMutex> = Semaphore::new(1);
    /// let mut cx = futures_test::task::noop_context();
    /// let mut two = pin!(sem.acquire(2));
    /// assert!(two.as_mut().poll(&mut cx).is_pending());
    /// sem.release(1);
    /// let Poll::Ready(permits) = two.poll(&mut cx) else { panic!() };
    /// assert_eq!(permits.permits(), 2);
    /// ```
    pub fn acquire(&self, n: usize) -> AcquireFuture<'_, M> {
        AcquireFuture {
            semaphore: self,
            n,
            waiter: Waiter::new(),
        }
    }

    /// Takes `n` permits at once if they are free and nobody waits.
    pub fn try_acquire(&self, n: usize) -> Option<SemaphoreReleaser<'_, M>> {
        let ok = self.shared.with(|s| {
            if s.waiters.is_empty() && s.permits >= n {
                s.permits -= n;
                true
            } else {
                false
            }
        });
        ok.then(|| SemaphoreReleaser { semaphore: self, n })
    }

    /// Adds `n` permits (saturating at `usize::MAX`) and wakes the waiters they satisfy.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, semaphore::Semaphore};
    /// let sem: Semaphore<NoopRawMutex> = Semaphore::new(0);
    /// sem.release(3);
    /// assert_eq!(sem.available(), 3);
    /// ```
    pub fn release(&self, n: usize) {
        self.shared
            .update(|s| s.permits = s.permits.saturating_add(n));
    }

    /// Number of free permits.
    pub fn available(&self) -> usize {
        self.shared.with(|s| s.permits)
    }
}

/// Future of [`Semaphore::acquire`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct AcquireFuture<'a, M: RawMutex> {
    semaphore: &'a Semaphore<M>,
    n: usize,
    waiter: Waiter,
}

impl<'a, M: RawMutex> Future for AcquireFuture<'a, M> {
    type Output = SemaphoreReleaser<'a, M>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (semaphore, n, waiter) = (this.semaphore, this.n, &mut this.waiter);
        let got = semaphore.shared.with(|s| {
            // SAFETY: `waiter` is pinned, always used with `s.waiters`; lock held.
            match unsafe { waiter.poll_turn(&mut s.waiters, cx.waker()) } {
                Turn::Granted => true, // permits already moved to us
                Turn::Waiting => false,
                Turn::Fresh if s.waiters.is_empty() && s.permits >= n => {
                    s.permits -= n;
                    true
                }
                Turn::Fresh => {
                    // SAFETY: as above; our `Drop` cancels while queued.
                    unsafe { waiter.enqueue(&mut s.waiters, cx.waker(), n) };
                    false
                }
            }
        });
        if got {
            Poll::Ready(SemaphoreReleaser { semaphore, n })
        } else {
            Poll::Pending
        }
    }
}

impl<M: RawMutex> Drop for AcquireFuture<'_, M> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let (waiter, n) = (&mut self.waiter, self.n);
            self.semaphore.shared.update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `s.waiters`; lock held.
                if unsafe { waiter.cancel(&mut s.waiters) } {
                    s.permits = s.permits.saturating_add(n); // granted: give them back
                }
                // Either way the queue head may have changed: `update` re-checks it.
            });
        }
    }
}

/// Permits taken from a [`Semaphore`]; released when dropped.
#[must_use = "dropping the releaser returns the permits at once"]
pub struct SemaphoreReleaser<'a, M: RawMutex> {
    semaphore: &'a Semaphore<M>,
    n: usize,
}

impl<M: RawMutex> SemaphoreReleaser<'_, M> {
    /// Number of permits held.
    pub fn permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken (they are not released on drop) and returns their number.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, semaphore::Semaphore};
    /// let sem: Semaphore<NoopRawMutex> = Semaphore::new(2);
    /// assert_eq!(sem.try_acquire(1).unwrap().disarm(), 1);
    /// assert_eq!(sem.available(), 1);
    /// ```
    pub fn disarm(self) -> usize {
        let n = self.n;
        core::mem::forget(self);
        n
    }
}

impl<M: RawMutex> Drop for SemaphoreReleaser<'_, M> {
    fn drop(&mut self) {
        self.semaphore.release(self.n);
    }
}

impl<M: RawMutex> fmt::Debug for SemaphoreReleaser<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreReleaser")
            .field("permits", &self.n)
            .finish()
    }
}

impl<M: RawMutex> fmt::Debug for Semaphore<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .finish()
    }
}
