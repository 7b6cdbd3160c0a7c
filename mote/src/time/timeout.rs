//! Timeouts: run a future against a deadline.
//!
//! Guarantees: [`with_timeout`] / [`with_deadline`] complete with `Ok(output)` if the
//! inner future completes no later than the poll that observes the deadline (the inner
//! future is polled first, so it wins a tie), and with `Err(TimeoutError)` otherwise.
//! After a timeout the inner future is never polled again; it is dropped together with
//! the timeout future (which `.await` does at once).
//!
//! ```text
//!   poll: inner Ready ─────────────────► Ok(output)
//!         inner Pending, now >= deadline ► Err(TimeoutError)
//!         inner Pending, now < deadline ─► register deadline, Pending
//! ```

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Duration, Instant, Timer};

/// The deadline passed before the future completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline passed before the operation completed")
    }
}

impl core::error::Error for TimeoutError {}

/// Runs `fut` for at most `timeout` from now.
///
/// Cancel safety: as cancel-safe as `fut`: dropping the returned future drops `fut`.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{with_timeout, Duration, TimeoutError, Timer};
///
/// async fn slow() -> Result<(), TimeoutError> {
///     with_timeout(Duration::from_millis(10), Timer::after_millis(50)).await
/// }
/// # let _ = slow();
/// ```
pub fn with_timeout<F: Future>(timeout: Duration, fut: F) -> TimeoutFuture<F> {
    with_deadline(Instant::now() + timeout, fut)
}

/// Runs `fut` until the clock reaches `deadline` at the latest.
///
/// Cancel safety: as cancel-safe as `fut`: dropping the returned future drops `fut`.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{with_deadline, Instant, Timer};
///
/// async fn until_two_seconds() {
///     let r = with_deadline(Instant::from_secs(2), Timer::after_secs(1)).await;
///     assert!(r.is_ok());
/// }
/// # let _ = until_two_seconds();
/// ```
pub fn with_deadline<F: Future>(deadline: Instant, fut: F) -> TimeoutFuture<F> {
    TimeoutFuture {
        fut,
        timer: Timer::at(deadline),
    }
}

/// `fut.with_timeout(d)` and `fut.with_deadline(at)` for any future.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{Duration, Timer, WithTimeout};
///
/// async fn example() {
///     let r = Timer::after_millis(1).with_timeout(Duration::from_millis(5)).await;
///     assert!(r.is_ok());
/// }
/// # let _ = example();
/// ```
pub trait WithTimeout: Future + Sized {
    /// [`with_timeout`]`(timeout, self)`.
    fn with_timeout(self, timeout: Duration) -> TimeoutFuture<Self> {
        with_timeout(timeout, self)
    }

    /// [`with_deadline`]`(deadline, self)`.
    fn with_deadline(self, deadline: Instant) -> TimeoutFuture<Self> {
        with_deadline(deadline, self)
    }
}

impl<F: Future> WithTimeout for F {}

/// The future of [`with_timeout`] and [`with_deadline`]. `!Unpin`: it holds a
/// [`Timer`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct TimeoutFuture<F> {
    fut: F,
    timer: Timer,
}

impl<F: Future> Future for TimeoutFuture<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `fut` and `timer`: neither is ever moved out of
        // `self` (no method hands them out by value, there is no `Drop` impl that could
        // move them, and `TimeoutFuture` is `!Unpin` because `Timer` is).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: `fut` is pinned whenever `self` is.
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        if let Poll::Ready(out) = fut.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // SAFETY: see above: `timer` is pinned whenever `self` is.
        let timer = unsafe { Pin::new_unchecked(&mut this.timer) };
        match timer.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(TimeoutError)),
            Poll::Pending => Poll::Pending,
        }
    }
}
