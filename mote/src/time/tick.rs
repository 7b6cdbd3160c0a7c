//! The tick rate of [`Instant`](super::Instant) and [`Duration`](super::Duration).
//!
//! Guarantees: exactly one rate is in force for the whole program, chosen at compile time
//! by at most one of the features `tick-1khz`, `tick-32768hz`, `tick-1mhz` (1 MHz when
//! none is enabled). Enabling two of them is a compile error naming the conflict.
//!
//! Choosing a rate: 1 MHz gives microsecond resolution and fits a SysTick or a CMSDK
//! timer prescaled to 1 MHz; 32 768 Hz matches low-power RTC crystals (one tick is
//! about 30.5 µs); 1 kHz matches a classic millisecond tick. A `u64` tick counter never
//! wraps in practice: at 1 MHz it lasts about 584 000 years.

#[cfg(all(feature = "tick-1khz", feature = "tick-32768hz"))]
compile_error!(
    "mote: features `tick-1khz` and `tick-32768hz` are both enabled; enable at most one tick-* feature"
);
#[cfg(all(feature = "tick-1khz", feature = "tick-1mhz"))]
compile_error!(
    "mote: features `tick-1khz` and `tick-1mhz` are both enabled; enable at most one tick-* feature"
);
#[cfg(all(feature = "tick-32768hz", feature = "tick-1mhz"))]
compile_error!(
    "mote: features `tick-32768hz` and `tick-1mhz` are both enabled; enable at most one tick-* feature"
);

/// Ticks per second of [`Instant`](super::Instant) and [`Duration`](super::Duration).
///
/// ```
/// use mote::time::{Duration, TICK_HZ};
/// assert_eq!(Duration::from_secs(1).as_ticks(), TICK_HZ);
/// ```
#[cfg(feature = "tick-1khz")]
pub const TICK_HZ: u64 = 1_000;

/// Ticks per second of [`Instant`](super::Instant) and [`Duration`](super::Duration).
///
/// ```
/// use mote::time::{Duration, TICK_HZ};
/// assert_eq!(Duration::from_secs(1).as_ticks(), TICK_HZ);
/// ```
#[cfg(all(feature = "tick-32768hz", not(feature = "tick-1khz")))]
pub const TICK_HZ: u64 = 32_768;

/// Ticks per second of [`Instant`](super::Instant) and [`Duration`](super::Duration).
///
/// ```
/// use mote::time::{Duration, TICK_HZ};
/// assert_eq!(Duration::from_secs(1).as_ticks(), TICK_HZ);
/// ```
#[cfg(not(any(feature = "tick-1khz", feature = "tick-32768hz")))]
pub const TICK_HZ: u64 = 1_000_000;

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
