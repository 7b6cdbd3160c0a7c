//! [`block_on_spin`]: run one future to completion on the current thread, without an
//! executor and without `std`, by busy-waiting between wakes.
//!
//! Guarantees: the future is polled once at the start and then once after each batch of
//! wakes; it is never polled while no wake happened since its last poll began (apart
//! from the spurious polls described below). The function returns the future's output.
//! Works for any future (no `Unpin` or `Send` bound) and needs no heap.
//!
//! ```text
//!   snapshot ◄──────────────────────────────────────┐
//!      │                                            │ counter changed
//!      ▼          Ready                             │
//!    poll ─────────────► return output              │
//!      │ Pending                                    │
//!      └─────► spin while the wake counter == snapshot
//! ```
//!
//! # How wakes are seen
//!
//! A [`Waker`] may be cloned and kept for ever (for example by a signal stored in a
//! `static`), so it must not point into the stack frame of the `block_on_spin` call.
//! Its wakers therefore carry no data: a wake increments one global counter, and each
//! `block_on_spin` call polls again when the counter differs from the value it read
//! before its last poll. No wake is ever missed. The price: a wake meant for one
//! `block_on_spin` call (on another thread, or a stale waker) also makes the others poll
//! once more, which futures must tolerate anyway.
//!
//! # Cost
//!
//! It **burns CPU** while waiting: the calling core spins (with
//! [`core::hint::spin_loop`]) until a wake. Use it in tests, early initialisation, or
//! before the executor starts; inside the executor, `.await` instead.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

// Not `crate::loom`: this counter is a `static`, which needs a `const` constructor that
// loom's atomics do not have (and loom cannot model a process-wide busy-wait anyway).
use portable_atomic::{AtomicUsize, Ordering};

/// Counts every wake of every waker made by [`block_on_spin`] (wrapping).
static WAKES: AtomicUsize = AtomicUsize::new(0);

/// The vtable of `block_on_spin` wakers: no data, `wake` bumps [`WAKES`].
static SPIN_VTABLE: RawWakerVTable =
    RawWakerVTable::new(spin_clone, spin_wake, spin_wake, spin_drop);

fn spin_raw_waker() -> RawWaker {
    RawWaker::new(core::ptr::null(), &SPIN_VTABLE)
}

fn spin_clone(_data: *const ()) -> RawWaker {
    spin_raw_waker()
}

fn spin_wake(_data: *const ()) {
    // Release: the waking side's writes happen before the blocked side's next poll,
    // which reads the counter with Acquire.
    WAKES.fetch_add(1, Ordering::Release);
}

fn spin_drop(_data: *const ()) {}

/// Runs `future` to completion on the current thread, spinning while it is pending, and
/// returns its output. Needs neither `std` nor an executor; the future's wakers may be
/// called from any thread or interrupt handler.
///
/// **It burns CPU while waiting.** Fine for tests and early initialisation; with the
/// `std` feature, prefer `block_on`, which parks the thread.
///
/// Wakes are seen through one global counter (a waker may outlive this call, so it must
/// not point into its stack frame): the future is polled again after any wake of any
/// `block_on_spin` waker, so with several concurrent `block_on_spin` calls (other threads,
/// or stale wakers) it may be polled spuriously. No wake is ever missed.
///
/// Cancel safety: not applicable: `block_on_spin` returns only when the future has
/// finished, so the future is never dropped midway (unless it panics).
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, yield_now};
///
/// let out = block_on_spin(async {
///     yield_now().await;
///     40 + 2
/// });
/// assert_eq!(out, 42);
/// ```
pub fn block_on_spin<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    // SAFETY: `SPIN_VTABLE`'s functions ignore the data pointer (null here) and touch only
    // the global `WAKES` counter, so every clone, wake and drop is valid from any thread
    // at any time: the RawWaker contract (thread-safe, clone yields an equivalent waker)
    // holds.
    let waker = unsafe { Waker::from_raw(spin_raw_waker()) };
    let mut cx = Context::from_waker(&waker);
    loop {
        // Read before polling: a wake during or after the poll changes the counter.
        let seen = WAKES.load(Ordering::Acquire);
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        while WAKES.load(Ordering::Acquire) == seen {
            core::hint::spin_loop();
        }
    }
}
