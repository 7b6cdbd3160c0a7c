//! Time: [`Instant`], [`Duration`], [`Timer`], [`Ticker`], timeouts, [`Delay`], the
//! time-driver seam and the timer queue.
//!
//! Guarantees:
//! - Time is a `u64` tick count at [`TICK_HZ`] (chosen by a `tick-*` feature, 1 MHz by
//!   default) and never wraps.
//! - Arithmetic never panics: overflowing durations and instants saturate.
//! - A timer never completes before its deadline: durations built from real units round
//!   **up** to whole ticks, and a timer completes only once the driver clock has reached
//!   its deadline instant. A deadline in the past completes on the first poll. Note that
//!   [`Timer::after`]`(d)` counts `d` from the tick in progress, which may be almost
//!   over: in real time it lasts more than `d` − 1 tick. [`Delay`] and [`block_for`]
//!   add that tick and guarantee at least `d`.
//! - Sleeping costs no polling: a pending timer registers its deadline once per poll
//!   ([`schedule_wake`]) and its task is woken by the one alarm of its executor.
//!
//! ```text
//!   Timer / Ticker / with_timeout ──poll──► schedule_wake(at, waker)
//!        │ Mote task waker?                         │ otherwise (foreign executor,
//!        ▼                                          ▼ block_on)
//!   executor's TimerQueue (intrusive pairing heap)  fallback queue (fixed capacity)
//!        └─ one alarm slot per executor ─► Driver ◄─ one alarm slot ─┘
//! ```
//!
//! A program that uses the clock registers one driver with
//! [`time_driver!`](crate::time_driver): `drivers::std::StdDriver` on a host,
//! `drivers::sim::SimDriver` in tests, the SysTick driver on Cortex-M.

mod alarm_slots;
mod delay;
pub mod driver;
pub mod drivers;
mod duration;
pub mod executor_timers;
pub mod fallback;
mod instant;
mod tick;
mod ticker;
mod timeout;
mod timer;
pub mod timer_queue;

pub use delay::{block_for, Delay};
pub use duration::Duration;
pub use instant::Instant;
pub use tick::TICK_HZ;
pub use ticker::{Ticker, TickerNext};
pub use timeout::{with_deadline, with_timeout, TimeoutError, TimeoutFuture, WithTimeout};
pub use timer::Timer;

use core::task::Waker;

/// Asks for `waker` to be woken once the clock reaches `at`: the single entry point all
/// timer futures use. A Mote task's waker puts the task's own timer node on its
/// executor's queue (no capacity limit); any other waker goes to the driver's
/// [`fallback`] queue.
///
/// Calling it again with an earlier deadline moves the wake earlier; with a later one
/// it changes nothing (the task is woken at the earlier deadline, polls, and
/// re-registers). Spurious wakes are possible; a timer future re-checks the clock.
pub fn schedule_wake(at: Instant, waker: &Waker) {
    crate::executor::schedule_wake(at.as_ticks(), waker)
}
