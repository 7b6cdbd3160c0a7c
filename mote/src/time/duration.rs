//! [`Duration`]: a span of time counted in ticks of [`TICK_HZ`].
//!
//! Guarantees:
//! - A `Duration` is a `u64` number of ticks; it is never negative and never wraps.
//! - Every operation is total: constructors, arithmetic operators and conversions
//!   saturate at [`Duration::MAX`] (or [`Duration::ZERO`]) instead of panicking or
//!   wrapping. The `checked_*` methods report overflow as `None` for callers who care.
//! - Constructors from seconds, milliseconds, microseconds and nanoseconds are exact
//!   when the value is a whole number of ticks and otherwise **round up** to the next
//!   tick, so a timer made from them is never shorter than asked in ticks. The `as_*` conversions back
//!   **round down** (they answer "how many whole units have elapsed").
//!
//! Costs: every conversion is a handful of 64-bit multiplications and divisions by
//! compile-time constants (no 128-bit arithmetic, which is a large library call on
//! Cortex-M0); `+`/`-` are one saturating 64-bit add/subtract.

use core::ops::{Add, AddAssign, Div, Mul, Sub, SubAssign};

use super::tick::{mul_div_ceil, mul_div_floor, ratio};
use super::TICK_HZ;

/// A span of time, as a `u64` number of ticks at [`TICK_HZ`].
///
/// Arithmetic with the operators saturates (`Duration::MAX + x == Duration::MAX`,
/// `Duration::ZERO - x == Duration::ZERO`); it never panics. Use the `checked_*`
/// methods to detect overflow.
///
/// ```
/// use mote::time::Duration;
///
/// let d = Duration::from_millis(1500);
/// assert_eq!(d.as_secs(), 1);
/// assert_eq!(d.as_millis(), 1500);
/// assert_eq!(Duration::MAX + d, Duration::MAX); // saturates
/// assert_eq!(d - Duration::from_secs(2), Duration::ZERO); // saturates
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Duration {
    ticks: u64,
}

impl Duration {
    /// The empty duration.
    pub const ZERO: Duration = Duration { ticks: 0 };
    /// The longest representable duration (`u64::MAX` ticks): a deadline this far away
    /// is never reached.
    pub const MAX: Duration = Duration { ticks: u64::MAX };

    /// A duration of exactly `ticks` ticks.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_ticks(7).as_ticks(), 7);
    /// ```
    pub const fn from_ticks(ticks: u64) -> Duration {
        Duration { ticks }
    }

    /// `secs` seconds (exact; saturates at [`Duration::MAX`]).
    ///
    /// ```
    /// use mote::time::{Duration, TICK_HZ};
    /// assert_eq!(Duration::from_secs(2).as_ticks(), 2 * TICK_HZ);
    /// ```
    pub const fn from_secs(secs: u64) -> Duration {
        Duration {
            ticks: secs.saturating_mul(TICK_HZ),
        }
    }

    /// `millis` milliseconds, rounded up to a whole tick; saturates.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_millis(250).as_millis(), 250);
    /// ```
    pub const fn from_millis(millis: u64) -> Duration {
        Self::from_unit_ceil(millis, 1_000)
    }

    /// `micros` microseconds, rounded up to a whole tick; saturates.
    ///
    /// ```
    /// use mote::time::Duration;
    /// // Rounding up: a non-zero duration never becomes zero ticks.
    /// assert!(Duration::from_micros(1).as_ticks() >= 1);
    /// ```
    pub const fn from_micros(micros: u64) -> Duration {
        Self::from_unit_ceil(micros, 1_000_000)
    }

    /// `nanos` nanoseconds, rounded up to a whole tick; saturates.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_nanos(0), Duration::ZERO);
    /// assert!(Duration::from_nanos(1) > Duration::ZERO);
    /// ```
    pub const fn from_nanos(nanos: u64) -> Duration {
        Self::from_unit_ceil(nanos, 1_000_000_000)
    }

    /// The period of a frequency of `hz` hertz, rounded up to a whole tick
    /// (`ceil(TICK_HZ / hz)`). `from_hz(0)` is [`Duration::MAX`] (an infinitely long
    /// period); frequencies above [`TICK_HZ`] give one tick.
    ///
    /// ```
    /// use mote::time::{Duration, TICK_HZ};
    /// assert_eq!(Duration::from_hz(1), Duration::from_secs(1));
    /// assert_eq!(Duration::from_hz(TICK_HZ).as_ticks(), 1);
    /// assert_eq!(Duration::from_hz(0), Duration::MAX);
    /// ```
    pub const fn from_hz(hz: u64) -> Duration {
        if hz == 0 {
            return Duration::MAX;
        }
        Duration {
            ticks: TICK_HZ.div_ceil(hz),
        }
    }

    const fn from_unit_ceil(value: u64, unit_hz: u64) -> Duration {
        let (num, den) = ratio(unit_hz);
        Duration {
            ticks: mul_div_ceil(value, num, den),
        }
    }

    const fn as_unit_floor(self, unit_hz: u64) -> u64 {
        let (num, den) = ratio(unit_hz);
        // ticks -> units is the inverse fraction.
        mul_div_floor(self.ticks, den, num)
    }

    /// The number of ticks (exact).
    pub const fn as_ticks(self) -> u64 {
        self.ticks
    }

    /// Whole seconds, rounded down.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_millis(1999).as_secs(), 1);
    /// ```
    pub const fn as_secs(self) -> u64 {
        self.ticks / TICK_HZ
    }

    /// Whole milliseconds, rounded down; saturates at `u64::MAX`.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_secs(3).as_millis(), 3000);
    /// ```
    pub const fn as_millis(self) -> u64 {
        self.as_unit_floor(1_000)
    }

    /// Whole microseconds, rounded down; saturates at `u64::MAX`.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_millis(2).as_micros(), 2000);
    /// ```
    pub const fn as_micros(self) -> u64 {
        self.as_unit_floor(1_000_000)
    }

    /// Whole nanoseconds, rounded down; saturates at `u64::MAX`.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_millis(1).as_nanos(), 1_000_000);
    /// ```
    pub const fn as_nanos(self) -> u64 {
        self.as_unit_floor(1_000_000_000)
    }

    /// `self + rhs`, or `None` on overflow.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::MAX.checked_add(Duration::from_ticks(1)), None);
    /// ```
    pub const fn checked_add(self, rhs: Duration) -> Option<Duration> {
        match self.ticks.checked_add(rhs.ticks) {
            Some(ticks) => Some(Duration { ticks }),
            None => None,
        }
    }

    /// `self - rhs`, or `None` if `rhs` is longer than `self`.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::ZERO.checked_sub(Duration::from_ticks(1)), None);
    /// ```
    pub const fn checked_sub(self, rhs: Duration) -> Option<Duration> {
        match self.ticks.checked_sub(rhs.ticks) {
            Some(ticks) => Some(Duration { ticks }),
            None => None,
        }
    }

    /// `self * rhs`, or `None` on overflow.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_ticks(3).checked_mul(4), Some(Duration::from_ticks(12)));
    /// ```
    pub const fn checked_mul(self, rhs: u32) -> Option<Duration> {
        match self.ticks.checked_mul(rhs as u64) {
            Some(ticks) => Some(Duration { ticks }),
            None => None,
        }
    }

    /// `self / rhs` (rounded down), or `None` if `rhs` is zero.
    ///
    /// ```
    /// use mote::time::Duration;
    /// assert_eq!(Duration::from_ticks(9).checked_div(2), Some(Duration::from_ticks(4)));
    /// assert_eq!(Duration::from_ticks(9).checked_div(0), None);
    /// ```
    pub const fn checked_div(self, rhs: u32) -> Option<Duration> {
        match self.ticks.checked_div(rhs as u64) {
            Some(ticks) => Some(Duration { ticks }),
            None => None,
        }
    }

    /// `self + rhs`, saturating at [`Duration::MAX`].
    pub const fn saturating_add(self, rhs: Duration) -> Duration {
        Duration {
            ticks: self.ticks.saturating_add(rhs.ticks),
        }
    }

    /// `self - rhs`, saturating at [`Duration::ZERO`].
    pub const fn saturating_sub(self, rhs: Duration) -> Duration {
        Duration {
            ticks: self.ticks.saturating_sub(rhs.ticks),
        }
    }

    /// `self * rhs`, saturating at [`Duration::MAX`].
    pub const fn saturating_mul(self, rhs: u32) -> Duration {
        Duration {
            ticks: self.ticks.saturating_mul(rhs as u64),
        }
    }
}

/// Saturating addition: never panics, `Duration::MAX + x == Duration::MAX`.
impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        self.saturating_add(rhs)
    }
}

/// Saturating addition (see [`Add`]).
impl AddAssign for Duration {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

/// Saturating subtraction: never panics, a longer `rhs` gives [`Duration::ZERO`].
impl Sub for Duration {
    type Output = Duration;
    fn sub(self, rhs: Duration) -> Duration {
        self.saturating_sub(rhs)
    }
}

/// Saturating subtraction (see [`Sub`]).
impl SubAssign for Duration {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

/// Saturating multiplication: never panics, overflow gives [`Duration::MAX`].
impl Mul<u32> for Duration {
    type Output = Duration;
    fn mul(self, rhs: u32) -> Duration {
        self.saturating_mul(rhs)
    }
}

/// Division rounded down. Never panics: dividing by zero gives [`Duration::MAX`] (the
/// limit of `d / x` as `x` shrinks); use [`Duration::checked_div`] to detect it.
impl Div<u32> for Duration {
    type Output = Duration;
    fn div(self, rhs: u32) -> Duration {
        self.checked_div(rhs).unwrap_or(Duration::MAX)
    }
}

/// Converts from [`core::time::Duration`], rounding up to a whole tick and saturating
/// at [`Duration::MAX`] (so it is never shorter than the original).
///
/// ```
/// use mote::time::Duration;
/// let d: Duration = core::time::Duration::from_millis(5).into();
/// assert_eq!(d, Duration::from_millis(5));
/// ```
impl From<core::time::Duration> for Duration {
    fn from(d: core::time::Duration) -> Duration {
        let whole = Duration::from_secs(d.as_secs());
        whole + Duration::from_nanos(u64::from(d.subsec_nanos()))
    }
}

/// Converts to [`core::time::Duration`], exact to the nanosecond rounded down.
///
/// ```
/// use mote::time::Duration;
/// let d: core::time::Duration = Duration::from_secs(3).into();
/// assert_eq!(d, core::time::Duration::from_secs(3));
/// ```
impl From<Duration> for core::time::Duration {
    fn from(d: Duration) -> core::time::Duration {
        let secs = d.as_secs();
        let rem = Duration::from_ticks(d.as_ticks() % TICK_HZ);
        // rem < 1 s, so its nanoseconds fit in a u32.
        core::time::Duration::new(secs, rem.as_nanos() as u32)
    }
}
