//! [`Ticker`]: completes once per period on a fixed grid.
//!
//! Guarantees:
//! - The deadlines are `start + k·period` (k = 1, 2, ...), where `start` is the moment
//!   of [`Ticker::every`] or [`Ticker::reset`]: the time the caller spends between
//!   ticks does not shift the grid (no drift), as long as it stays under one period.
//! - **Catch-up: missed ticks are skipped, not replayed.** If `next()` is first polled
//!   after one or more deadlines have passed, it completes at once (one tick for all
//!   the missed ones) and the following deadline is the first grid point strictly after
//!   now. So a late consumer never sees a burst of back-to-back ticks, and the grid
//!   stays the same.
//!
//! ```text
//!   grid:   S────P────2P───3P───4P───5P
//!   work:   [0.7P] [0.7P]  ...            next() completes at P, 2P, 3P ...
//!   late:   S────P────2P───3P───4P        work of 2.5P after tick P:
//!              tick at P ^      ^ next() completes at once (at 3.5P), then at 4P
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Duration, Instant, TimerEntry};

/// Completes periodically on the fixed grid `start + k·period` (no drift while the
/// work between ticks stays under a period).
///
/// Catch-up: missed ticks are skipped, not replayed. A `next()` polled after one or
/// more deadlines have passed completes at once, and the following deadline is the
/// first grid point strictly after now: a late consumer never sees a burst.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{Duration, Ticker};
///
/// async fn sample_loop() {
///     let mut ticker = Ticker::every(Duration::from_millis(10));
///     loop {
///         ticker.next().await;
///         // read a sensor: runs at 10 ms, 20 ms, 30 ms, ...
///     }
/// }
/// # let _ = sample_loop();
/// ```
#[derive(Debug, Clone)]
pub struct Ticker {
    period: Duration,
    next: Instant,
}

impl Ticker {
    /// A ticker whose first tick is one `period` from now. A zero period is treated as
    /// one tick.
    pub fn every(period: Duration) -> Ticker {
        let period = period.max(Duration::from_ticks(1));
        Ticker {
            period,
            next: Instant::now() + period,
        }
    }

    /// Restarts the grid from now: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.next = Instant::now() + self.period;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The deadline of the next tick.
    pub fn next_deadline(&self) -> Instant {
        self.next
    }

    /// Waits for the next tick.
    ///
    /// Cancel safety: cancel-safe. The ticker advances only when the returned future
    /// completes; dropping it earlier leaves the ticker unchanged.
    #[allow(
        clippy::should_implement_trait,
        reason = "an async `next`, named like Embassy's `Ticker::next`; not an Iterator"
    )]
    pub fn next(&mut self) -> TickerNext<'_> {
        TickerNext {
            ticker: self,
            entry: TimerEntry::new(),
        }
    }

    /// Moves to the first grid point strictly after `now` (called once the current
    /// deadline has been reached).
    fn advance(&mut self, now: Instant) {
        let p = self.period.as_ticks();
        let behind = now.duration_since(self.next).as_ticks();
        // Whole periods to skip so that the new deadline is > now.
        let steps = behind / p + 1;
        let step = Duration::from_ticks(p.saturating_mul(steps));
        self.next += step;
    }
}

/// The future of [`Ticker::next`]. `!Unpin`, like [`Timer`](super::Timer): it owns a
/// [`TimerEntry`] for foreign wakers.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct TickerNext<'a> {
    ticker: &'a mut Ticker,
    entry: TimerEntry,
}

impl Future for TickerNext<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `entry` is pinned structurally: never moved out of `self` (no `Drop`
        // here, handed out only pinned, below); `ticker` is a plain reference, not
        // pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let now = Instant::now();
        if now >= this.ticker.next {
            this.ticker.advance(now);
            Poll::Ready(())
        } else {
            // SAFETY: see above: the entry is pinned whenever the future is.
            let entry = unsafe { Pin::new_unchecked(&mut this.entry) };
            entry.schedule_wake(this.ticker.next, cx.waker());
            Poll::Pending
        }
    }
}
