//! The tick rate of [`Instant`](super::Instant) and [`Duration`](super::Duration).
//!
//! Guarantees: exactly one rate is in force for the whole program, chosen at compile time
//! by the features `tick-1khz`, `tick-32768hz`, `tick-1mhz`. Features are additive (two
//! crates of one build may each enable one), so the rule is deterministic: **the finest
//! enabled rate wins** (`tick-1mhz` over `tick-32768hz` over `tick-1khz`), and 1 MHz
//! when none is enabled. A finer rate loses nothing a coarser request could express
//! except exactness of some conversions (a millisecond is 32.768 ticks at 32 768 Hz), and
//! `Instant`/`Duration` stay `u64` whatever the rate.
//!
//! Where the rate really matters is a time driver that returns a hardware counter as
//! is, at a fixed rate: it declares that rate in
//! [`Driver::FIXED_TICK_HZ`](super::driver::Driver::FIXED_TICK_HZ), and registering it
//! with [`time_driver!`](crate::time_driver) fails to compile, with a message naming the
//! features, when the program's rate differs. Drivers that convert their counter
//! (SysTick, std, the MPS2 dual timer) work at every rate.
//!
//! Choosing a rate: 1 MHz gives microsecond resolution and fits a SysTick or a CMSDK
//! timer prescaled to 1 MHz; 32 768 Hz matches low-power RTC crystals (one tick is
//! about 30.5 µs); 1 kHz matches a classic millisecond tick. A `u64` tick counter never
//! wraps in practice: at 1 MHz it lasts about 584 000 years.

/// Ticks per second of [`Instant`](super::Instant) and [`Duration`](super::Duration).
///
/// ```
/// use mote::time::{Duration, TICK_HZ};
/// assert_eq!(Duration::from_secs(1).as_ticks(), TICK_HZ);
/// ```
#[cfg(any(
    feature = "tick-1mhz",
    not(any(feature = "tick-32768hz", feature = "tick-1khz"))
))]
pub const TICK_HZ: u64 = 1_000_000;

/// Ticks per second of [`Instant`](super::Instant) and [`Duration`](super::Duration).
///
/// ```
/// use mote::time::{Duration, TICK_HZ};
/// assert_eq!(Duration::from_secs(1).as_ticks(), TICK_HZ);
/// ```
#[cfg(all(feature = "tick-32768hz", not(feature = "tick-1mhz")))]
pub const TICK_HZ: u64 = 32_768;

/// Ticks per second of [`Instant`](super::Instant) and [`Duration`](super::Duration).
///
/// ```
/// use mote::time::{Duration, TICK_HZ};
/// assert_eq!(Duration::from_secs(1).as_ticks(), TICK_HZ);
/// ```
#[cfg(all(
    feature = "tick-1khz",
    not(any(feature = "tick-1mhz", feature = "tick-32768hz"))
))]
pub const TICK_HZ: u64 = 1_000;

/// Why the program runs at [`TICK_HZ`], as a string literal for compile-time messages.
#[cfg(feature = "tick-1mhz")]
macro_rules! rate_reason {
    () => {
        "1 MHz (feature `tick-1mhz` is enabled in the build)"
    };
}
#[cfg(all(feature = "tick-32768hz", not(feature = "tick-1mhz")))]
macro_rules! rate_reason {
    () => {
        "32 768 Hz (feature `tick-32768hz` is enabled in the build, `tick-1mhz` is not)"
    };
}
#[cfg(all(
    feature = "tick-1khz",
    not(any(feature = "tick-1mhz", feature = "tick-32768hz"))
))]
macro_rules! rate_reason {
    () => {
        "1 kHz (feature `tick-1khz` is enabled in the build, no finer tick-* feature is)"
    };
}
#[cfg(not(any(feature = "tick-1mhz", feature = "tick-32768hz", feature = "tick-1khz")))]
macro_rules! rate_reason {
    () => {
        "1 MHz (the default: no tick-* feature is enabled in the build)"
    };
}

/// The compile-time check behind [`time_driver!`](crate::time_driver): a driver whose
/// clock counts at a fixed `hz` (`Some`) must match [`TICK_HZ`]; `None` (a converting
/// driver) always passes. Evaluated in a `const`, so a mismatch is a compile error with
/// one of the messages below.
#[doc(hidden)]
pub const fn check_driver_rate(fixed: Option<u64>) {
    macro_rules! mismatch {
        ($driver:literal, $fix:literal) => {
            panic!(concat!(
                "mote: the registered time driver counts at ",
                $driver,
                " but mote's tick rate is ",
                rate_reason!(),
                ". The finest enabled tick-* feature wins across the whole dependency graph \
                 (`cargo tree -e features -i mote` shows who enables which). ",
                $fix
            ))
        };
    }
    let Some(hz) = fixed else { return };
    if hz == TICK_HZ {
        return;
    }
    match hz {
        1_000 => mismatch!(
            "1 kHz",
            "Enable `tick-1khz` and no finer tick-* feature, or use a driver that converts its counter to TICK_HZ."
        ),
        32_768 => mismatch!(
            "32 768 Hz",
            "Enable `tick-32768hz` and not `tick-1mhz`, or use a driver that converts its counter to TICK_HZ."
        ),
        1_000_000 => mismatch!(
            "1 MHz",
            "Enable `tick-1mhz` (or no tick-* feature), or use a driver that converts its counter to TICK_HZ."
        ),
        _ => mismatch!(
            "a rate no tick-* feature offers",
            "Make the driver convert its counter to TICK_HZ (and set FIXED_TICK_HZ to None)."
        ),
    }
}

/// Greatest common divisor, for reducing unit-conversion fractions at compile time.
const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// The reduced fraction `TICK_HZ / unit_hz` as `(numerator, denominator)`: converting
/// `x` units to ticks is `x * num / den`, and ticks to units is `t * den / num`.
pub(crate) const fn ratio(unit_hz: u64) -> (u64, u64) {
    let g = gcd(TICK_HZ, unit_hz);
    (TICK_HZ / g, unit_hz / g)
}

/// `floor(x * num / den)`, saturating at `u64::MAX`, without 128-bit arithmetic
/// (a 128-bit division is a large library call on Cortex-M0).
///
/// Requires `den != 0` and `num * den` small enough that `(den - 1) * num` fits in a
/// `u64` (true for every reduced tick/unit ratio: both are at most 10^9).
pub(crate) const fn mul_div_floor(x: u64, num: u64, den: u64) -> u64 {
    let q = x / den;
    let r = x % den;
    // r < den, so r * num < den * num: fits (see the requirement above).
    let low = r * num / den;
    match q.checked_mul(num) {
        Some(high) => high.saturating_add(low),
        None => u64::MAX,
    }
}

/// `ceil(x * num / den)`, saturating at `u64::MAX`; same requirements as
/// [`mul_div_floor`].
pub(crate) const fn mul_div_ceil(x: u64, num: u64, den: u64) -> u64 {
    let q = x / den;
    let r = x % den;
    let low = (r * num).div_ceil(den);
    match q.checked_mul(num) {
        Some(high) => high.saturating_add(low),
        None => u64::MAX,
    }
}
