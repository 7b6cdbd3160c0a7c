//! `Duration`/`Instant` arithmetic and unit conversions. Run once per tick rate:
//! `cargo test -p mote --features time[,tick-1khz|,tick-32768hz|,tick-1mhz] --test time_duration`,
//! and with two tick features on (the finest enabled rate wins).
#![cfg(feature = "time")]

use mote::time::{Duration, Instant, TICK_HZ};
use proptest::prelude::*;

#[test]
fn tick_rate_is_the_finest_enabled_feature() {
    let want = if cfg!(feature = "tick-1mhz") {
        1_000_000
    } else if cfg!(feature = "tick-32768hz") {
        32_768
    } else if cfg!(feature = "tick-1khz") {
        1_000
    } else {
        1_000_000
    };
    assert_eq!(TICK_HZ, want);
}

#[cfg(all(feature = "tick-32768hz", not(feature = "tick-1mhz")))]
#[test]
fn one_second_is_32768_ticks() {
    assert_eq!(Duration::from_secs(1).as_ticks(), 32_768);
    assert_eq!(Duration::from_millis(1000).as_ticks(), 32_768);
    assert_eq!(Duration::from_micros(1_000_000).as_ticks(), 32_768);
    // 1 ms = 32.768 ticks: rounded up to 33 so a 1 ms timer never fires early.
    assert_eq!(Duration::from_millis(1).as_ticks(), 33);
    // 1/32768 s = 30.517578125 us: 31 us rounds up to 2 ticks, 30 us to 1.
    assert_eq!(Duration::from_micros(30).as_ticks(), 1);
    assert_eq!(Duration::from_micros(31).as_ticks(), 2);
    // Back: 33 ticks = 1.007 ms, floors to 1 ms; one tick is 30 us (floor).
    assert_eq!(Duration::from_ticks(33).as_millis(), 1);
    assert_eq!(Duration::from_ticks(1).as_micros(), 30);
    assert_eq!(Duration::from_ticks(1).as_nanos(), 30_517);
    assert_eq!(Duration::from_hz(1000).as_ticks(), 33);
}

#[cfg(all(
    feature = "tick-1khz",
    not(any(feature = "tick-1mhz", feature = "tick-32768hz"))
))]
#[test]
fn one_khz_rounds_sub_millisecond_up() {
    assert_eq!(Duration::from_secs(1).as_ticks(), 1000);
    assert_eq!(Duration::from_micros(1).as_ticks(), 1);
    assert_eq!(Duration::from_micros(1001).as_ticks(), 2);
    assert_eq!(Duration::from_nanos(1).as_ticks(), 1);
    assert_eq!(Duration::from_ticks(1).as_micros(), 1000);
}

#[cfg(any(
    feature = "tick-1mhz",
    not(any(feature = "tick-1khz", feature = "tick-32768hz"))
))]
#[test]
fn one_mhz_is_microseconds() {
    assert_eq!(Duration::from_secs(1).as_ticks(), 1_000_000);
    assert_eq!(Duration::from_micros(17).as_ticks(), 17);
    assert_eq!(Duration::from_nanos(1001).as_ticks(), 2);
    assert_eq!(Duration::from_nanos(1000).as_ticks(), 1);
    assert_eq!(Duration::from_ticks(3).as_nanos(), 3000);
}

#[test]
fn exact_units_round_trip() {
    for s in [0u64, 1, 2, 59, 3600, 86_400 * 365] {
        assert_eq!(Duration::from_secs(s).as_secs(), s);
        assert_eq!(Duration::from_secs(s).as_millis(), s * 1000);
        assert_eq!(Duration::from_millis(s * 1000).as_secs(), s);
    }
    assert_eq!(Duration::from_ticks(TICK_HZ * 5).as_secs(), 5);
}

#[test]
fn overflow_saturates_and_checked_reports_it() {
    let big = Duration::from_ticks(u64::MAX - 1);
    assert_eq!(big + Duration::from_ticks(5), Duration::MAX);
    assert_eq!(
        Duration::from_ticks(3) - Duration::from_ticks(5),
        Duration::ZERO
    );
    assert_eq!(Duration::from_secs(u64::MAX), Duration::MAX);
    assert_eq!(Duration::from_millis(u64::MAX), Duration::MAX);
    assert_eq!(Duration::MAX * 2, Duration::MAX);
    assert_eq!(Duration::from_ticks(7) / 0, Duration::MAX);
    assert_eq!(big.checked_add(Duration::from_ticks(5)), None);
    assert_eq!(Duration::ZERO.checked_sub(Duration::from_ticks(1)), None);
    assert_eq!(Duration::MAX.checked_mul(2), None);
    assert_eq!(
        Duration::MAX.as_millis(),
        if TICK_HZ <= 1000 {
            u64::MAX
        } else {
            u64::MAX / TICK_HZ * 1000 + (u64::MAX % TICK_HZ) * 1000 / TICK_HZ
        }
    );

    let mut d = Duration::MAX;
    d += Duration::from_secs(1);
    assert_eq!(d, Duration::MAX);
    d -= Duration::MAX;
    d -= Duration::from_secs(1);
    assert_eq!(d, Duration::ZERO);

    assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
    assert_eq!(Instant::MIN - Duration::from_secs(1), Instant::MIN);
    assert_eq!(Instant::MIN - Instant::MAX, Duration::ZERO);
    assert_eq!(Instant::MAX.checked_add(Duration::from_ticks(1)), None);
    assert_eq!(Instant::MIN.checked_sub(Duration::from_ticks(1)), None);
    assert_eq!(Instant::MIN.checked_duration_since(Instant::MAX), None);
    assert_eq!(
        Instant::MAX.checked_duration_since(Instant::MIN),
        Some(Duration::MAX)
    );
}

#[test]
fn instant_arithmetic() {
    let t = Instant::from_secs(10);
    assert_eq!(t.as_secs(), 10);
    assert_eq!((t + Duration::from_millis(1500)).as_millis(), 11_500);
    assert_eq!((t - Duration::from_secs(4)).as_secs(), 6);
    assert_eq!(Instant::from_secs(12) - t, Duration::from_secs(2));
    assert_eq!(
        t.checked_add(Duration::from_secs(1)),
        Some(Instant::from_secs(11))
    );
    assert_eq!(
        t.checked_sub(Duration::from_secs(1)),
        Some(Instant::from_secs(9))
    );
    // Whole ticks: 2 ms rounds up to a tick boundary, then floors back.
    assert!(Instant::from_millis(2).as_micros() >= 2000);
    assert!(Instant::from_millis(2).as_micros() < 2000 + 1_000_000 / TICK_HZ + 1);
}

#[test]
fn core_duration_conversions() {
    let d: Duration = core::time::Duration::new(2, 500_000_000).into();
    assert_eq!(d.as_millis(), 2500);
    let back: core::time::Duration = d.into();
    assert_eq!(back, core::time::Duration::new(2, 500_000_000));
    let huge: Duration = core::time::Duration::MAX.into();
    assert_eq!(huge, Duration::MAX);
}

proptest! {
    /// Rounding contract: from_* never rounds down (a timer never fires early), and
    /// converting back never overshoots by a tick or more.
    #[test]
    fn conversions_round_up_and_back_floor(v in 0u64..(1 << 40)) {
        let us = Duration::from_micros(v);
        prop_assert!(us.as_ticks() as u128 * 1_000_000 >= v as u128 * TICK_HZ as u128);
        prop_assert!((us.as_ticks() as u128).saturating_sub(1) * 1_000_000 < v as u128 * TICK_HZ as u128 || v == 0);
        prop_assert!(us.as_micros() >= v);
        let ns = Duration::from_nanos(v);
        prop_assert!(ns.as_ticks() as u128 * 1_000_000_000 >= v as u128 * TICK_HZ as u128);
        prop_assert!(ns.as_nanos() >= v);
        let ms = Duration::from_millis(v);
        prop_assert!(ms.as_millis() >= v);
        let t = Duration::from_ticks(v);
        // as_micros floors: exact value in [floor, floor + 1).
        let exact_x1e6 = v as u128 * 1_000_000;
        prop_assert!(t.as_micros() as u128 * TICK_HZ as u128 <= exact_x1e6);
        prop_assert!((t.as_micros() as u128 + 1) * TICK_HZ as u128 > exact_x1e6);
        // Ticks survive a round trip through microseconds when a tick is >= 1 us.
        if TICK_HZ <= 1_000_000 {
            prop_assert_eq!(Duration::from_micros(t.as_micros()).as_ticks(), v);
        }
    }

    #[test]
    fn saturating_ops_agree_with_checked(a: u64, b: u64) {
        let (x, y) = (Duration::from_ticks(a), Duration::from_ticks(b));
        prop_assert_eq!(x + y, x.checked_add(y).unwrap_or(Duration::MAX));
        prop_assert_eq!(x - y, x.checked_sub(y).unwrap_or(Duration::ZERO));
        let i = Instant::from_ticks(a);
        prop_assert_eq!(i + y, i.checked_add(y).unwrap_or(Instant::MAX));
        prop_assert_eq!(i - y, i.checked_sub(y).unwrap_or(Instant::MIN));
    }
}
