//! [`yield_now`]: give other tasks a turn once.
//!
//! Guarantee: the [`YieldNow`] future returns `Pending` exactly once, waking its own
//! waker just before, and `Ready(())` on every later poll.
//!
//! ```text
//!  ┌─────────┐ poll: wake + Pending ┌─────────┐ poll: Ready(())
//!  │ Fresh   │ ───────────────────► │ Yielded │ ───────────────► (Ready again if re-polled)
//!  └─────────┘                      └─────────┘
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Returns a future that yields to the executor once: its first poll wakes the current
/// task and returns `Pending`; the next poll returns `Ready(())`.
///
/// On Mote's executor the woken task goes to the back of the run queue, so every task
/// queued before it runs first.
///
/// A [`Timer`](crate::time::Timer) (feature `time`) yields the same way when its
/// deadline has already passed on its first poll: `Timer::after_ticks(0).await` (the
/// yield point of code ported from Embassy) returns `Pending` once, then completes. It
/// reads the clock twice (in `Timer::after` and in the completing poll); `yield_now`
/// never does.
///
/// Cancel safety: yes. Dropping the future at any point has no effect beyond the one
/// wake it may already have sent.
///
/// # Example
///
/// ```
/// use mote::futures::{block_on_spin, yield_now};
///
/// let value = block_on_spin(async {
///     yield_now().await;
///     7
/// });
/// assert_eq!(value, 7);
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// # Example
///
/// ```
/// use core::future::Future;
/// use core::pin::pin;
/// use core::task::{Context, Poll, Waker};
/// use mote::futures::{yield_now, YieldNow};
///
/// let mut fut: core::pin::Pin<&mut YieldNow> = pin!(yield_now());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Pending);
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(()));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}
