//! [`Instant`]: a point on the monotonic clock of the registered time driver.
//!
//! Guarantees:
//! - An `Instant` is a `u64` tick count since the driver's epoch (usually boot). It
//!   never wraps: the driver extends narrower hardware counters (at 1 MHz, `u64` ticks
//!   last about 584 000 years).
//! - [`Instant::now`] never goes backwards (the driver's contract).
//! - Operators saturate at [`Instant::MIN`] / [`Instant::MAX`] and never panic;
//!   `checked_*` methods report overflow as `None`. An instant at `Instant::MAX` is a
//!   deadline that is never reached.

use core::ops::{Add, AddAssign, Sub, SubAssign};

use super::Duration;

/// A point in time, as a `u64` number of ticks since the time driver's epoch.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{drivers::sim, Duration, Instant};
///
/// let start = Instant::now();
/// sim::advance(Duration::from_millis(3));
/// assert_eq!(start.elapsed(), Duration::from_millis(3));
/// assert_eq!(Instant::now() - start, Duration::from_millis(3));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant {
    ticks: u64,
}

impl Instant {
    /// Tick 0, the driver's epoch.
    pub const MIN: Instant = Instant { ticks: 0 };
    /// The last representable instant; a deadline here is never reached.
    pub const MAX: Instant = Instant { ticks: u64::MAX };

    /// The current time, read from the registered time driver.
    ///
    /// A program that calls this must register a driver with
    /// [`time_driver!`](crate::time_driver); without one it fails to link with an
    /// undefined symbol `_mote_time_now`.
    pub fn now() -> Instant {
        Instant {
            ticks: super::driver::now(),
        }
    }

    /// The instant `ticks` ticks after the epoch.
    ///
    /// ```
    /// use mote::time::Instant;
    /// assert_eq!(Instant::from_ticks(5).as_ticks(), 5);
    /// ```
    pub const fn from_ticks(ticks: u64) -> Instant {
        Instant { ticks }
    }

    /// `secs` seconds after the epoch (saturating).
    pub const fn from_secs(secs: u64) -> Instant {
        Instant {
            ticks: Duration::from_secs(secs).as_ticks(),
        }
    }

    /// `millis` milliseconds after the epoch, rounded up to a tick (saturating).
    pub const fn from_millis(millis: u64) -> Instant {
        Instant {
            ticks: Duration::from_millis(millis).as_ticks(),
        }
    }

    /// `micros` microseconds after the epoch, rounded up to a tick (saturating).
    pub const fn from_micros(micros: u64) -> Instant {
        Instant {
            ticks: Duration::from_micros(micros).as_ticks(),
        }
    }

    /// Ticks since the epoch (exact).
    pub const fn as_ticks(self) -> u64 {
        self.ticks
    }

    /// Whole seconds since the epoch, rounded down.
    pub const fn as_secs(self) -> u64 {
        Duration::from_ticks(self.ticks).as_secs()
    }

    /// Whole milliseconds since the epoch, rounded down.
    pub const fn as_millis(self) -> u64 {
        Duration::from_ticks(self.ticks).as_millis()
    }

    /// Whole microseconds since the epoch, rounded down.
    pub const fn as_micros(self) -> u64 {
        Duration::from_ticks(self.ticks).as_micros()
    }

    /// Time elapsed from `earlier` to `self`, or [`Duration::ZERO`] if `earlier` is
    /// later than `self` (saturating; never panics).
    ///
    /// ```
    /// use mote::time::{Duration, Instant};
    /// let (a, b) = (Instant::from_ticks(10), Instant::from_ticks(25));
    /// assert_eq!(b.duration_since(a), Duration::from_ticks(15));
    /// assert_eq!(a.duration_since(b), Duration::ZERO);
    /// ```
    pub const fn duration_since(self, earlier: Instant) -> Duration {
        Duration::from_ticks(self.ticks.saturating_sub(earlier.ticks))
    }

    /// Time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// use mote::time::Instant;
    /// assert_eq!(Instant::from_ticks(1).checked_duration_since(Instant::from_ticks(2)), None);
    /// ```
    pub const fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        match self.ticks.checked_sub(earlier.ticks) {
            Some(t) => Some(Duration::from_ticks(t)),
            None => None,
        }
    }

    /// Time elapsed since `self` ([`Duration::ZERO`] if `self` is in the future).
    pub fn elapsed(self) -> Duration {
        Instant::now().duration_since(self)
    }

    /// `self + d`, or `None` past [`Instant::MAX`].
    ///
    /// ```
    /// use mote::time::{Duration, Instant};
    /// assert_eq!(Instant::MAX.checked_add(Duration::from_ticks(1)), None);
    /// ```
    pub const fn checked_add(self, d: Duration) -> Option<Instant> {
        match self.ticks.checked_add(d.as_ticks()) {
            Some(ticks) => Some(Instant { ticks }),
            None => None,
        }
    }

    /// `self - d`, or `None` before [`Instant::MIN`].
    ///
    /// ```
    /// use mote::time::{Duration, Instant};
    /// assert_eq!(Instant::MIN.checked_sub(Duration::from_ticks(1)), None);
    /// ```
    pub const fn checked_sub(self, d: Duration) -> Option<Instant> {
        match self.ticks.checked_sub(d.as_ticks()) {
            Some(ticks) => Some(Instant { ticks }),
            None => None,
        }
    }

    /// `self + d`, saturating at [`Instant::MAX`].
    pub const fn saturating_add(self, d: Duration) -> Instant {
        Instant {
            ticks: self.ticks.saturating_add(d.as_ticks()),
        }
    }

    /// `self - d`, saturating at [`Instant::MIN`].
    pub const fn saturating_sub(self, d: Duration) -> Instant {
        Instant {
            ticks: self.ticks.saturating_sub(d.as_ticks()),
        }
    }
}

/// Saturating: never panics; past the end gives [`Instant::MAX`] (a deadline that is
/// never reached).
impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

/// Saturating (see [`Add`]).
impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

/// Saturating: never panics; before the epoch gives [`Instant::MIN`].
impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        self.saturating_sub(d)
    }
}

/// Saturating (see [`Sub<Duration>`]).
impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

/// `later - earlier` is [`Instant::duration_since`]: saturating at [`Duration::ZERO`].
impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}
