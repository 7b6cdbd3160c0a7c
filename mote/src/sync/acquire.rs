//! The acquire path shared by the async locks ([`Mutex`](super::mutex::Mutex) and
//! [`RwLock`](super::rwlock::RwLock)): take a kind of access now if nobody queues, else
//! wait in FIFO order for the releaser to hand it over.
//!
//! # Guarantees
//!
//! - **Strict FIFO**: a fresh request takes the access directly only when the wait list is
//!   empty; otherwise it queues behind the others, so nobody overtakes a waiter.
//! - **Direct hand-off**: [`grant_next`] (the locks' `Grant`) moves the access to the head
//!   waiter while still under the lock, so the woken waiter holds it when it polls.
//! - **Cancel-safe**: an [`Acquire`] dropped after a hand-off gives the access back, and
//!   `Shared::update` passes it on to the next waiter.
//!
//! ```text
//!   Fresh ── can take, list empty ─────────────────────────────► held (Ready)
//!     │
//!     └── else: enqueue ──► Waiting ── grant_next (release) ──► held (Ready)
//!                              │
//!                 dropped: unlink (or give back a grant, passed on)
//! ```

use core::pin::Pin;
use core::task::{Context, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

/// A lock's state: its wait list plus the bookkeeping of who holds which access.
///
/// `want` names a kind of access (the lock defines the numbers; it is stored in the wait
/// node). Every method runs under the lock's raw mutex.
pub(crate) trait Access {
    /// The queue of waiting requests.
    fn waiters(&mut self) -> &mut WaitList;
    /// True when access `want` is compatible with the current holders.
    fn can(&self, want: usize) -> bool;
    /// Records that access `want` is now held.
    fn take(&mut self, want: usize);
    /// Records that access `want` is released.
    fn give_back(&mut self, want: usize);

    /// Takes access `want` at once if nobody queues and the holders allow it.
    fn try_take(&mut self, want: usize) -> bool {
        let ok = self.waiters().is_empty() && self.can(want);
        if ok {
            self.take(want);
        }
        ok
    }
}

/// Hands the access to the head waiter if it can have it now (the body of the locks'
/// [`Grant::grant_one`]).
pub(crate) fn grant_next(s: &mut impl Access) -> Option<Waker> {
    let want = s.waiters().front_want()?;
    if s.can(want) {
        s.take(want);
        return s.waiters().grant_front();
    }
    None
}

/// A lock whose state is an [`Access`] behind a [`Shared`].
pub(crate) trait Lock {
    /// The raw mutex kind guarding the state.
    type Raw: RawMutex;
    /// The state.
    type State: Access + Grant;
    /// The shared state.
    fn shared(&self) -> &Shared<Self::Raw, Self::State>;
}

/// A pending request for access `WANT` to `lock`. Cancel safety: yes (module docs).
pub(crate) struct Acquire<'a, L: Lock + ?Sized, const WANT: usize> {
    lock: &'a L,
    waiter: Waiter,
}

impl<'a, L: Lock + ?Sized, const WANT: usize> Acquire<'a, L, WANT> {
    /// A request that has not been polled yet.
    pub(crate) fn new(lock: &'a L) -> Self {
        Self {
            lock,
            waiter: Waiter::new(),
        }
    }

    /// Polls for the access; returns the lock once it is held by the caller (who must
    /// release it with [`Access::give_back`] through `Shared::update`).
    pub(crate) fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Option<&'a L> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let waiter = &mut this.waiter;
        let held = this.lock.shared().with(|s| {
            // SAFETY: `waiter` is pinned, always used with this lock's list; lock held.
            match unsafe { waiter.poll_turn(s.waiters(), cx.waker()) } {
                Turn::Granted => true, // handed over by the releaser: ours now
                Turn::Waiting => false,
                Turn::Fresh => {
                    let took = s.try_take(WANT);
                    if !took {
                        // SAFETY: as above; our `Drop` cancels while queued.
                        unsafe { waiter.enqueue(s.waiters(), cx.waker(), WANT) };
                    }
                    took
                }
            }
        });
        held.then_some(this.lock)
    }
}

impl<L: Lock + ?Sized, const WANT: usize> Drop for Acquire<'_, L, WANT> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.lock.shared().update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with this
                // lock's list; lock held.
                if unsafe { waiter.cancel(s.waiters()) } {
                    s.give_back(WANT); // `update` passes the access on
                }
                // A waiter leaving the head may let the ones behind it in: `update` grants.
            });
        }
    }
}
