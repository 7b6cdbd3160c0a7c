//! [`Delay`] (embedded-hal 1.0 `DelayNs`, blocking and async) and [`block_for`].
//!
//! Guarantees: every delay lasts **at least** the requested time (durations round up
//! to whole ticks and the clock is compared against the deadline), never less. The
//! blocking forms busy-wait on the driver clock: they hold the CPU and do not let
//! other tasks run; use [`Timer`](super::Timer) or the async `DelayNs` in tasks.
//!
//! Note: with the simulated driver the clock moves only when advanced, so a blocking
//! delay of non-zero length would spin forever there.

use super::{Duration, Instant, Timer};

/// Busy-waits until `d` has elapsed on the driver clock (at least `d`; never returns
/// early). Blocks the CPU: other tasks do not run meanwhile.
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
    let deadline = Instant::now() + d;
    while Instant::now() < deadline {
        core::hint::spin_loop();
    }
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
        Timer::after(Duration::from_nanos(u64::from(ns))).await
    }

    async fn delay_us(&mut self, us: u32) {
        Timer::after(Duration::from_micros(u64::from(us))).await
    }

    async fn delay_ms(&mut self, ms: u32) {
        Timer::after(Duration::from_millis(u64::from(ms))).await
    }
}
