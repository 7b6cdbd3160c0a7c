//! `Ticker`'s missed-tick behaviours on simulated time: a consumer late by 2.5 periods
//! sees exactly the ticks each behaviour promises, at exact virtual times.
//! `cargo test -p mote --features std,time --test time_ticker`.
#![cfg(all(feature = "std", feature = "time"))]

#[path = "time_support/mod.rs"]
mod time_support;

use mote::time::drivers::sim::SimDriver;
use mote::time::{Duration, Instant, MissedTickBehavior, Ticker, TickerNext, Timer, TimerEntry};
use time_support::block_on;

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

/// Ticks once on time, works 2.5 periods (missing ticks 2 and 3), then takes five more
/// ticks; returns every tick's time in periods, as tenths (so 3.5 periods is 35).
fn late_consumer(behavior: MissedTickBehavior) -> Vec<u64> {
    let period = Duration::from_millis(10);
    let start = Instant::now();
    let ticks = block_on(async {
        let mut ticker = Ticker::every(period);
        ticker.set_missed_tick_behavior(behavior);
        let mut ticks = Vec::new();
        ticker.next().await;
        ticks.push(Instant::now());
        Timer::after(period * 5 / 2).await;
        for _ in 0..5 {
            ticker.next().await;
            ticks.push(Instant::now());
        }
        ticks
    });
    ticks
        .iter()
        .map(|t| (*t - start).as_ticks() * 10 / period.as_ticks())
        .collect()
}

#[test]
fn skip_keeps_the_grid_and_drops_missed_ticks() {
    assert_eq!(
        Ticker::every(Duration::from_millis(1)).missed_tick_behavior(),
        MissedTickBehavior::Skip
    );
    assert_eq!(
        late_consumer(MissedTickBehavior::Skip),
        [10, 35, 40, 50, 60, 70]
    );
}

#[test]
fn burst_delivers_every_missed_tick_at_once_then_keeps_the_grid() {
    assert_eq!(
        late_consumer(MissedTickBehavior::Burst),
        [10, 35, 35, 40, 50, 60]
    );
}

#[test]
fn delay_restarts_the_grid_from_the_late_tick() {
    assert_eq!(
        late_consumer(MissedTickBehavior::Delay),
        [10, 35, 45, 55, 65, 75]
    );
}

#[test]
fn skip_catches_up_over_a_very_long_gap_exactly() {
    // 1 000 003.5 periods late: the remainder arithmetic (no division) lands on the grid.
    let period = Duration::from_ticks(7);
    let start = Instant::now();
    let next = block_on(async {
        let mut ticker = Ticker::every(period);
        Timer::after(period * 1_000_004 + Duration::from_ticks(3)).await;
        ticker.next().await; // completes at once
        ticker.next_deadline()
    });
    assert_eq!(next, start + period * 1_000_005);
}

#[test]
fn skip_catches_up_beyond_32_bits_of_lateness_exactly() {
    // Late by more than 2^32 ticks: the 64-step division (lateness below 2^32 takes 32
    // steps), with a period that itself needs 33 bits.
    for period in [
        Duration::from_ticks(1_000_003),
        Duration::from_ticks((1 << 32) + 9),
    ] {
        let start = Instant::now();
        let late = Duration::from_ticks((5 << 32) + 12_345);
        let next = block_on(async {
            let mut ticker = Ticker::every(period);
            Timer::after(late).await;
            ticker.next().await; // completes at once
            ticker.next_deadline()
        });
        let p = period.as_ticks();
        let periods_passed = late.as_ticks() / p; // grid points at or before the wake
        assert_eq!(next, start + Duration::from_ticks((periods_passed + 1) * p));
    }
}

#[test]
fn period_and_behaviour_share_one_word() {
    // 16 bytes: the behaviour lives in the period's top bits, not in a padded field.
    assert_eq!(std::mem::size_of::<Ticker>(), 16);
    let period = Duration::from_ticks((1 << 62) - 1);
    let mut ticker = Ticker::every(period);
    assert_eq!(ticker.missed_tick_behavior(), MissedTickBehavior::Skip);
    for behavior in [
        MissedTickBehavior::Delay,
        MissedTickBehavior::Burst,
        MissedTickBehavior::Skip,
        MissedTickBehavior::Delay,
    ] {
        ticker.set_missed_tick_behavior(behavior);
        assert_eq!(ticker.missed_tick_behavior(), behavior);
        assert_eq!(
            ticker.period(),
            period,
            "the behaviour leaves the period alone"
        );
    }
    assert_eq!(
        Ticker::every(Duration::MAX).period(),
        period,
        "clamped to 2^62 - 1 ticks"
    );
    assert_eq!(
        Ticker::every(Duration::from_ticks(0)).period().as_ticks(),
        1
    );
}

#[test]
fn timer_futures_store_nothing_beyond_their_entry() {
    // A `Timer` keeps its deadline in its entry's node storage: it is its entry (32
    // bytes on a 32-bit target, asserted at compile time there), not entry + deadline.
    assert_eq!(
        std::mem::size_of::<Timer>(),
        std::mem::size_of::<TimerEntry>()
    );
    assert_eq!(std::mem::align_of::<Timer>(), std::mem::align_of::<usize>());
    // `Ticker::next`'s future: the entry and the borrow of the ticker.
    assert_eq!(
        std::mem::size_of::<TickerNext<'static>>(),
        std::mem::size_of::<TimerEntry>() + std::mem::size_of::<usize>()
    );
    let mut ticker = Ticker::every(Duration::from_ticks(3));
    let mut timer = Box::pin(Timer::after_ticks(4));
    let deadline = timer.deadline();
    assert_eq!(deadline, Instant::now() + Duration::from_ticks(4));
    block_on(async {
        timer.as_mut().await;
        ticker.next().await;
    });
    assert_eq!(
        timer.deadline(),
        deadline,
        "the deadline survives completion"
    );
}

#[test]
fn a_ticker_late_by_exactly_whole_periods_lands_on_the_grid() {
    // Woken exactly k periods after the ticker's start (k - 1 whole periods after the
    // missed deadline: a remainder of 0 in the catch-up), including lateness at the
    // 32-bit edges of the long division (2^32 - 1, 2^32) and a period near the 2^62
    // limit. Skip and Delay both restart at now + period; the tick after that is on it.
    let cases: &[(u64, u64)] = &[
        (1, 2),
        (7, 2),
        (7, 3),
        (1_000, 1_000),
        ((1 << 32) - 1, 2), // lateness 2^32 - 1: the last of the 32 steps subtracts
        (1 << 31, 3),       // lateness 2^32: the 64-step path, remainder 0
        ((1 << 32) + 9, 2), // lateness of 33 bits, equal to the period
        ((1 << 61) + 3, 2), // a period just above 2^61
    ];
    for behavior in [MissedTickBehavior::Skip, MissedTickBehavior::Delay] {
        for &(p, k) in cases {
            let period = Duration::from_ticks(p);
            let start = Instant::now();
            let (next, second) = block_on(async {
                let mut ticker = Ticker::every(period);
                ticker.set_missed_tick_behavior(behavior);
                Timer::after(period * k as u32).await;
                ticker.next().await; // late: completes at once
                let next = ticker.next_deadline();
                ticker.next().await;
                (next, Instant::now())
            });
            let expect = start + Duration::from_ticks((k + 1) * p);
            assert_eq!(next, expect, "{behavior:?}, period {p}, {k} periods late");
            assert_eq!(second, expect, "{behavior:?}, period {p}: the next tick");
        }
    }
}
