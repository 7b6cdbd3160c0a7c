//! [`Ticker`]: completes once per period on a fixed grid.
//!
//! Guarantees:
//! - The deadlines are `start + k·period` (k = 1, 2, ...), where `start` is the moment
//!   of [`Ticker::every`] or [`Ticker::reset`]: the time the caller spends between
//!   ticks does not shift the grid (no drift), as long as it stays under one period.
//! - **Missed ticks** (`next()` first polled after one or more deadlines passed) follow
//!   the ticker's [`MissedTickBehavior`]; the default, [`Skip`](MissedTickBehavior::Skip),
//!   completes once for all the missed ones and keeps the grid, so a late consumer never
//!   sees a burst of back-to-back ticks.
//! - **No 64-bit division.** An on-time tick is one addition; catching up over several
//!   missed periods is binary long division (32 steps while the lateness fits in 32
//!   bits, else 64; a few dozen bytes of code), so no division routine
//!   (`__aeabi_uldivmod` is about 900 bytes on ARMv6/7-M) is linked for a ticker.
//!
//! ```text
//!   grid:   S────P────2P───3P───4P───5P
//!   work:   [0.7P] [0.7P]  ...            next() completes at P, 2P, 3P ...
//!   late:   S────P────2P───3P───4P        work of 2.5P after tick P:
//!              tick at P ^      ^ next() completes at once (at 3.5P, for 2P), then:
//!     Skip  (default): at 4P, 5P, ...       (the grid kept, the tick of 3P dropped)
//!     Burst:           at once again (for 3P), then 4P, 5P, ...
//!     Delay:           at 4.5P, 5.5P, ...   (a new grid from the late tick)
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Duration, Instant, TimerEntry};

/// Completes periodically on the fixed grid `start + k·period` (no drift while the
/// work between ticks stays under a period).
///
/// 16 bytes: the period and the [`MissedTickBehavior`] share one word (periods are
/// clamped to 2⁶² − 1 ticks).
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
#[derive(Clone)]
pub struct Ticker {
    /// The period in ticks (bits 0-61, at least 1) and the [`MissedTickBehavior`]
    /// (bits 62-63, [`MODE_SHIFT`]): one word, so a `Ticker` is 16 bytes, not 24 (a
    /// separate one-byte field padded it to the `u64` alignment, 8 bytes more in every
    /// task that owns a ticker).
    period_mode: u64,
    next: Instant,
}

/// Where [`Ticker::period_mode`] keeps the missed-tick behaviour.
const MODE_SHIFT: u32 = 62;
/// The period bits of [`Ticker::period_mode`]: periods are clamped to 2⁶² − 1 ticks
/// (146 000 years at 1 MHz).
const PERIOD_MASK: u64 = (1 << MODE_SHIFT) - 1;

impl core::fmt::Debug for Ticker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticker")
            .field("period", &self.period())
            .field("next", &self.next)
            .field("missed", &self.missed_tick_behavior())
            .finish()
    }
}

/// What a [`Ticker`] does when `next()` is polled after one or more of its deadlines
/// passed (the consumer was late), as tokio's `MissedTickBehavior`.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{Duration, MissedTickBehavior, Ticker};
///
/// let mut ticker = Ticker::every(Duration::from_millis(10));
/// ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
/// assert_eq!(ticker.missed_tick_behavior(), MissedTickBehavior::Delay);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MissedTickBehavior {
    /// Complete once for all the missed ticks; the next deadline is the first grid point
    /// after now (the grid is kept, missed ticks are dropped). The default.
    #[default]
    Skip,
    /// Complete once per missed tick, at once, until caught up with the grid (every
    /// tick is delivered, late ones back to back).
    Burst,
    /// Complete once; the next deadline is one period after now (the grid moves by the
    /// lateness).
    Delay,
}

impl Ticker {
    /// A ticker whose first tick is one `period` from now. A zero period is treated as
    /// one tick, and a period longer than 2⁶² − 1 ticks (146 000 years at 1 MHz) as that.
    ///
    /// ```
    /// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
    /// use mote::time::{Duration, Ticker};
    ///
    /// assert_eq!(Ticker::every(Duration::from_ticks(0)).period().as_ticks(), 1);
    /// assert_eq!(Ticker::every(Duration::MAX).period().as_ticks(), (1 << 62) - 1);
    /// ```
    pub fn every(period: Duration) -> Ticker {
        let period = Duration::from_ticks(period.as_ticks().clamp(1, PERIOD_MASK));
        Ticker {
            // Skip is mode 0.
            period_mode: period.as_ticks(),
            next: Instant::now() + period,
        }
    }

    /// Chooses what happens when ticks are missed (default:
    /// [`Skip`](MissedTickBehavior::Skip)).
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        let mode = match behavior {
            MissedTickBehavior::Skip => 0,
            MissedTickBehavior::Burst => 1,
            MissedTickBehavior::Delay => 2,
        };
        self.period_mode = (self.period_mode & PERIOD_MASK) | (mode << MODE_SHIFT);
    }

    /// What happens when ticks are missed.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        match self.period_mode >> MODE_SHIFT {
            0 => MissedTickBehavior::Skip,
            1 => MissedTickBehavior::Burst,
            _ => MissedTickBehavior::Delay,
        }
    }

    /// Restarts the grid from now: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.next = Instant::now() + self.period();
    }

    /// The period.
    pub fn period(&self) -> Duration {
        Duration::from_ticks(self.period_mode & PERIOD_MASK)
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

    /// Moves to the next deadline once the current one (`self.next <= now`) has been
    /// reached: one addition when the tick is on time.
    #[inline]
    fn advance(&mut self, now: Instant) {
        let next = self.next + self.period();
        if next > now || self.missed_tick_behavior() == MissedTickBehavior::Burst {
            self.next = next;
        } else {
            self.catch_up(now);
        }
    }

    /// One or more whole periods were missed (`next + period <= now`): `Skip` moves to
    /// the first grid point after `now`, `Delay` to one period after `now`.
    #[cold]
    #[inline(never)]
    fn catch_up(&mut self, now: Instant) {
        let now = now.as_ticks();
        let p = self.period().as_ticks();
        // The point one period before the new deadline. Delay: now. Skip: the last grid
        // point at or before now: with now = next + q·p + rem (0 <= rem < p; `next + p
        // <= now` here, so the subtraction does not wrap and `p <= now - next`), that
        // is now - rem.
        let base = match self.missed_tick_behavior() {
            MissedTickBehavior::Delay => now,
            _ => now - remainder(now - self.next.as_ticks(), p),
        };
        self.next = Instant::from_ticks(base) + self.period();
    }
}

/// `n % d` for `0 < d <= n`, `d < 2⁶³` (ticker periods are below 2⁶²) by restoring
/// binary long division: one shift, compare and subtract per bit of `n` (32 steps while
/// `n` fits in 32 bits, else 64; about 15 instructions each on ARMv7-M), so no 64-bit
/// division routine (`__aeabi_uldivmod`, about 900 bytes on ARMv6/7-M) and no 32-bit
/// one (ARMv6-M has no divide instruction) is linked. The partial remainder stays below
/// `d`, so doubling it never overflows.
fn remainder(mut n: u64, d: u64) -> u64 {
    debug_assert!(d > 0 && d <= n && d < 1 << 63);
    // Lateness under 2³² ticks (71 minutes at 1 MHz): its top 32 bits are zero and would
    // leave the remainder at zero, so skip them.
    let mut steps = 64;
    if n >> 32 == 0 {
        n <<= 32;
        steps = 32;
    }
    let mut r = 0u64;
    for _ in 0..steps {
        r = (r << 1) | (n >> 63);
        n <<= 1;
        if r >= d {
            r -= d;
        }
    }
    r
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

#[cfg(test)]
mod tests {
    use super::remainder;

    #[test]
    fn remainder_matches_the_division() {
        // `d <= n`, `d < 2^63` (catch_up's contract): both paths, and their boundary.
        let cases = [
            (1, 1),
            (7, 7),
            (8, 7),
            (1_000_000, 3),
            (u64::from(u32::MAX), 1),
            (u64::from(u32::MAX), u64::from(u32::MAX)),
            (1 << 32, 3),
            (1 << 32, 1 << 32),
            ((1 << 32) + 5, u64::from(u32::MAX)),
            (u64::MAX, 1),
            (u64::MAX, 2),
            (u64::MAX, (1 << 62) - 1),
            (u64::MAX - 1, (1 << 62) - 1),
            (u64::MAX, (1 << 63) - 1),
            ((1 << 63) - 1, (1 << 63) - 1),
            (123_456_789_012, 1_000),
        ];
        for (n, d) in cases {
            assert_eq!(remainder(n, d), n % d, "{n} % {d}");
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..if cfg!(miri) { 500 } else { 10_000 } {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = x >> (x % 48);
            let d = (x.rotate_left(17) >> (1 + x % 63)).clamp(1, n.max(1));
            assert_eq!(remainder(n.max(1), d), n.max(1) % d, "{n} % {d}");
        }
    }
}
