//! Time: [`Instant`], [`Duration`], [`Timer`], [`Ticker`], timeouts, [`Delay`], the
//! time-driver seam and the timer queue.
//!
//! Guarantees:
//! - Time is a `u64` tick count at [`TICK_HZ`] (the finest enabled `tick-*` feature,
//!   1 MHz by default) and never wraps.
//! - Arithmetic never panics: overflowing durations and instants saturate.
//! - A timer never completes before its deadline: durations built from real units round
//!   **up** to whole ticks, and a timer completes only once the driver clock has reached
//!   its deadline instant. A [`Timer`] always yields at least once: a deadline already
//!   passed on its first poll wakes the task and returns `Pending` once (as Embassy's
//!   timer and [`yield_now`](crate::futures::yield_now) do), then completes. Note that
//!   [`Timer::after`]`(d)` counts `d` from the tick in progress, which may be almost
//!   over: in real time it lasts more than `d` − 1 tick. [`Delay`] and [`block_for`]
//!   add that tick and guarantee at least `d`.
//! - Sleeping costs no polling, and nothing has a capacity: a pending timer future
//!   registers its deadline once per poll ([`TimerEntry::schedule_wake`]). Polled by a
//!   Mote task, it puts the task's own timer node on its executor's queue, and the task
//!   is woken by the one alarm of its executor. Polled with any other waker, it links
//!   the [`TimerEntry`] it owns into the driver's [`fallback`] queue, woken by that
//!   queue's one alarm; a cancelled timer unlinks its entry when dropped.
//! - Timer futures ([`Timer`], [`TickerNext`], [`TimeoutFuture`], the async [`Delay`])
//!   are `!Unpin`, because they own that entry: `.await` them or pin them
//!   (`core::pin::pin!`) before polling by reference, e.g. `select(&mut pin!(timer), ..)`.
//!
//! ```text
//!   Timer / Ticker / with_timeout ──poll──► TimerEntry::schedule_wake(at, waker)
//!        │ Mote task waker?                         │ otherwise (foreign executor,
//!        ▼                                          ▼ block_on, FuturesUnordered)
//!   executor's TimerQueue: the task's node    fallback queue: the future's own entry
//!   (intrusive pairing heap)                  (intrusive pairing heap, unlinked on drop)
//!        └─ one alarm slot per executor ─► Driver ◄─ one alarm slot per queue ─┘
//! ```
//!
//! RAM: a [`Timer`] is 32 bytes on a 32-bit target, 4-byte aligned (its
//! [`TimerEntry`], which keeps the deadline in its node's storage while not queued); a task's future holds the timers it awaits, so a task that sleeps
//! on one is that much larger. The entry is touched only when a foreign waker polls:
//! a Mote task pays one branch on drop for it.
//!
//! A program that uses the clock registers one driver with
//! [`time_driver!`](crate::time_driver): `drivers::std::StdDriver` on a host,
//! `drivers::sim::SimDriver` in tests, the SysTick driver on Cortex-M.

mod alarm_slots;
mod delay;
pub mod driver;
pub mod drivers;
mod duration;
#[cfg(feature = "embassy-time-driver")]
pub mod embassy_driver;
#[doc(hidden)] // a building block of the executors, not a user API
pub mod executor_timers;
pub mod fallback;
mod instant;
mod tick;
mod ticker;
mod timeout;
mod timer;
#[doc(hidden)] // the executors' and fallback queue's heap, not a user API
pub mod timer_queue;
mod word_u64;

pub use delay::{block_for, Delay};
pub use duration::Duration;
pub use fallback::TimerEntry;
pub use instant::Instant;
#[doc(hidden)]
pub use tick::check_driver_rate;
pub use tick::TICK_HZ;
pub use ticker::{MissedTickBehavior, Ticker, TickerNext};
pub use timeout::{with_deadline, with_timeout, TimeoutError, TimeoutFuture, WithTimeout};
pub use timer::Timer;
