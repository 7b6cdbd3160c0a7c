//! [`Delay`] (embedded-hal 1.0 `DelayNs`, blocking and async) and [`block_for`].
//!
//! Guarantees: every delay lasts **at least** the requested time in real time, never
//! less: durations round up to whole ticks, and one tick is added to a non-zero delay
//! because the tick in progress when it starts has already partly elapsed (so a delay
//! lasts between `d` and `d` + 2 ticks, plus scheduling latency). The
//! blocking forms busy-wait on the driver clock: they hold the CPU and do not let
//! other tasks run; use [`Timer`](super::Timer) or the async `DelayNs` in tasks.
//!
//! Note: with the simulated driver the clock moves only when advanced, so a blocking
//! delay of non-zero length would spin forever there.

use super::{Duration, Instant, Timer};

/// Busy-waits until at least `d` of real time has elapsed (see the module guarantees:
/// one extra tick covers the partly elapsed current tick). Blocks the CPU: other tasks
/// do not run meanwhile.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::std::StdDriver = mote::time::drivers::std::StdDriver::new(););
/// use mote::time::{block_for, Duration, Instant};
///
/// let t0 = Instant::now();
/// block_for(Duration::from_micros(300));
/// assert!(t0.elapsed() >= Duration::from_micros(300));
/// ```
pub fn block_for(d: Duration) {
    let deadline = at_least_after(d);
    while Instant::now() < deadline {
        core::hint::spin_loop();
    }
}

/// The deadline that guarantees at least `d` of real time from now: `now` counts only
/// whole ticks, so the tick in progress may be almost over; add one for non-zero `d`.
fn at_least_after(d: Duration) -> Instant {
    if d == Duration::ZERO {
        Instant::now()
    } else {
        Instant::now() + d + Duration::from_ticks(1)
    }
}

/// Sleeps (async) for at least `d` of real time.
async fn sleep_at_least(d: Duration) {
    Timer::at(at_least_after(d)).await
}

/// A delay provider for drivers written against embedded-hal: the blocking
/// [`embedded_hal::delay::DelayNs`] busy-waits with [`block_for`]; the async
/// [`embedded_hal_async::delay::DelayNs`] awaits a [`Timer`].
///
/// Cancel safety (async): cancel-safe; dropping the delay future just stops waiting.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::std::StdDriver = mote::time::drivers::std::StdDriver::new(););
/// use embedded_hal::delay::DelayNs;
/// use mote::time::{Delay, Duration, Instant};
///
/// let t0 = Instant::now();
/// Delay.delay_us(250);
/// assert!(t0.elapsed() >= Duration::from_micros(250));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delay;

impl embedded_hal::delay::DelayNs for Delay {
    fn delay_ns(&mut self, ns: u32) {
        block_for(Duration::from_nanos(u64::from(ns)))
    }

    fn delay_us(&mut self, us: u32) {
        block_for(Duration::from_micros(u64::from(us)))
    }

    fn delay_ms(&mut self, ms: u32) {
        block_for(Duration::from_millis(u64::from(ms)))
    }
}

impl embedded_hal_async::delay::DelayNs for Delay {
    async fn delay_ns(&mut self, ns: u32) {
        sleep_at_least(Duration::from_nanos(u64::from(ns))).await
    }

    async fn delay_us(&mut self, us: u32) {
        sleep_at_least(Duration::from_micros(u64::from(us))).await
    }

    async fn delay_ms(&mut self, ms: u32) {
        sleep_at_least(Duration::from_millis(u64::from(ms))).await
    }
}
