//! [`Timer`]: a future that completes once the clock reaches a deadline.
//!
//! Guarantees: never completes before its deadline (the deadline is compared with
//! [`Instant::now`] at every poll); completes on the first poll if the deadline has
//! already passed; while pending it has registered its deadline with
//! [`schedule_wake`](super::schedule_wake), so the polling task is woken by the
//! executor's alarm, not by polling.
//!
//! ```text
//!            poll, now < deadline: schedule_wake, Pending
//!   PENDING ◄───────────────────────┐
//!      │ └──────────────────────────┘
//!      │ poll, now >= deadline
//!      ▼
//!   READY (polling again stays Ready)
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Duration, Instant};

/// A future that completes at (or after) a deadline.
///
/// Cancel safety: cancel-safe. Dropping a pending `Timer` has no effect except,
/// possibly, one spurious wake of its task at the old deadline.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{Duration, Instant, Timer};
///
/// async fn blink_pause() {
///     Timer::after_millis(500).await;
///     Timer::at(Instant::from_secs(2)).await;
/// }
/// # let _ = blink_pause();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a Timer does nothing unless awaited"]
pub struct Timer {
    deadline: Instant,
}

impl Timer {
    /// Completes once the clock reaches `deadline` (on the first poll if it has).
    pub fn at(deadline: Instant) -> Timer {
        Timer { deadline }
    }

    /// Completes `d` after **now** (the moment `after` is called, not the first poll),
    /// counted in ticks of the driver clock: at `Instant::now() + d`. Since `now` counts
    /// whole ticks and the current one may be almost over, the real time elapsed is more
    /// than `d` − 1 tick; use [`Delay`](super::Delay) when at least `d` is required.
    /// Saturates: a huge `d` gives a timer that never completes.
    pub fn after(d: Duration) -> Timer {
        Timer::at(Instant::now() + d)
    }

    /// [`Timer::after`] `ticks` ticks.
    pub fn after_ticks(ticks: u64) -> Timer {
        Timer::after(Duration::from_ticks(ticks))
    }

    /// [`Timer::after`] `micros` microseconds (rounded up to a tick).
    pub fn after_micros(micros: u64) -> Timer {
        Timer::after(Duration::from_micros(micros))
    }

    /// [`Timer::after`] `millis` milliseconds (rounded up to a tick).
    pub fn after_millis(millis: u64) -> Timer {
        Timer::after(Duration::from_millis(millis))
    }

    /// [`Timer::after`] `secs` seconds.
    pub fn after_secs(secs: u64) -> Timer {
        Timer::after(Duration::from_secs(secs))
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            Poll::Ready(())
        } else {
            super::schedule_wake(self.deadline, cx.waker());
            Poll::Pending
        }
    }
}
