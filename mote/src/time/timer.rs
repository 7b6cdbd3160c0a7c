//! [`Timer`]: a future that completes once the clock reaches a deadline.
//!
//! Guarantees: never completes before its deadline (the deadline is compared with
//! [`Instant::now`] at every poll but the first, which never completes); **always
//! yields at least once**: the first poll returns `Pending` even if the deadline has
//! already passed, so `Timer::after_ticks(0).await` lets the other ready tasks run, as
//! Embassy's timer and [`yield_now`](crate::futures::yield_now) do; while pending it has
//! registered its deadline with
//! [`TimerEntry::schedule_wake`](super::TimerEntry::schedule_wake), so the polling task (or
//! foreign waker) is woken by an alarm, not by polling, however many timers are pending.
//!
//! The first poll does not read the clock (`Timer::after` has just done so): it
//! registers the deadline, and a deadline that has passed meanwhile is woken by the
//! timer queue at once (the executor finds it due when it arms its alarm). A timer built
//! by `Timer::after` of zero ticks is known reached: its first poll wakes its waker
//! itself, without the queue.
//!
//! ```text
//!           first poll, built reached (after 0 ticks): wake_by_ref, Pending
//!   FRESH ──────────────────────────────────────────────────────────┐
//!     │ first poll: schedule_wake, Pending                          │
//!     ▼                                                             ▼
//!   PENDING ◄── poll, now < deadline: schedule_wake, Pending ─── PENDING
//!      │ poll, now >= deadline
//!      ▼
//!   READY (polling again stays Ready)
//! ```
//!
//! The "polled once" and "built reached" flags live in spare bits of the timer's
//! [`TimerEntry`](super::TimerEntry), and the deadline in the storage of its queue node
//! while it is not in the fallback queue (always, when a Mote task polls it): a `Timer`
//! is its entry, 32 bytes on a 32-bit target.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::fallback::{DeadlineEntry, PollState};
use super::{Duration, Instant};

/// A future that completes at (or after) a deadline.
///
/// **It always yields at least once**: a deadline that has already passed on the first
/// poll (`Timer::after_ticks(0)`, `Timer::at(Instant::MIN)`, a deadline computed late)
/// still makes that poll return `Pending`, with the task woken (by the poll itself for
/// `after` zero ticks, else by the timer queue when the executor next arms its alarm),
/// so the task goes to the back of the run queue and every task ready before it runs
/// first; the next poll completes. The first poll reads no clock.
/// This is what Embassy's `Timer` does, so yield points ported from Embassy
/// (`Timer::after_ticks(0).await` in a busy loop) keep the other tasks running. Use
/// [`yield_now`](crate::futures::yield_now) to yield without reading the clock.
///
/// Cancel safety: cancel-safe. Dropping a pending `Timer` has no effect except,
/// possibly, one spurious wake of its task at the old deadline; polled with a foreign
/// waker, the drop unlinks its entry from the fallback queue and releases the waker.
///
/// `Timer` is `!Unpin` (it owns a [`TimerEntry`](super::TimerEntry)): `.await` it, pass it
/// by value to a combinator, or pin it to poll it by reference (unlike Embassy's `Timer`,
/// which is `Unpin`; like tokio's `Sleep`). It is 32 bytes on a 32-bit target, 4-byte
/// aligned: its deadline shares the storage of its fallback queue node.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{Duration, Instant, Timer};
///
/// async fn blink_pause() {
///     Timer::after_millis(500).await;
///     Timer::at(Instant::from_secs(2)).await;
/// }
/// # let _ = blink_pause();
/// ```
///
/// Polling by reference, e.g. in a `select` that should not consume the timer:
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use core::pin::pin;
/// use mote::futures::{select, Either};
/// use mote::time::Timer;
///
/// async fn first_of(mut events: impl core::future::Future<Output = u8> + Unpin) -> Option<u8> {
///     let mut deadline = pin!(Timer::after_millis(100));
///     for _ in 0..3 {
///         match select(&mut events, deadline.as_mut()).await {
///             Either::First(e) if e != 0 => return Some(e),
///             Either::First(_) => continue, // ignore zeros, same deadline
///             Either::Second(()) => return None,
///         }
///     }
///     None
/// }
/// # let _ = first_of(core::future::ready(1));
/// ```
#[must_use = "a Timer does nothing unless awaited"]
pub struct Timer {
    /// The fallback entry, which keeps the deadline.
    entry: DeadlineEntry,
}

// The RAM figures in the docs (module `time`, `Timer`, `fallback`), on 32-bit targets.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(
    core::mem::size_of::<Timer>() == 32
        && core::mem::align_of::<Timer>() == 4
        && core::mem::size_of::<super::TimerEntry>() == 32
        && core::mem::size_of::<super::TickerNext<'static>>() == 36
        && core::mem::size_of::<super::fallback::FallbackQueue>() == 16,
    "update the RAM figures in the time docs"
);

// Timer futures cross threads and may be shared: `Send + Sync` (a `Waker` is both).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Timer>();
    send_sync::<super::TickerNext<'static>>();
    send_sync::<super::TimeoutFuture<Timer>>();
};

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("deadline", &self.deadline())
            .finish_non_exhaustive()
    }
}

/// A clone has the same deadline and is not registered anywhere yet.
impl Clone for Timer {
    fn clone(&self) -> Timer {
        Timer::at(self.deadline())
    }
}

/// Timers are equal when their deadlines are.
impl PartialEq for Timer {
    fn eq(&self, other: &Timer) -> bool {
        self.deadline() == other.deadline()
    }
}

impl Eq for Timer {}

impl Timer {
    /// Completes once the clock reaches `deadline` (on the second poll if it has on the
    /// first: a timer always yields once).
    pub const fn at(deadline: Instant) -> Timer {
        Timer {
            entry: DeadlineEntry::new(deadline, false),
        }
    }

    /// Completes `d` after **now** (the moment `after` is called, not the first poll),
    /// counted in ticks of the driver clock: at `Instant::now() + d`. Since `now` counts
    /// whole ticks and the current one may be almost over, the real time elapsed is more
    /// than `d` − 1 tick; use [`Delay`](super::Delay) when at least `d` is required.
    /// Saturates: a huge `d` gives a timer that never completes.
    pub fn after(d: Duration) -> Timer {
        // Zero ticks: reached already, the first poll yields without reading the clock.
        Timer {
            entry: DeadlineEntry::new(Instant::now() + d, d.as_ticks() == 0),
        }
    }

    /// [`Timer::after`] `ticks` ticks.
    pub fn after_ticks(ticks: u64) -> Timer {
        Timer::after(Duration::from_ticks(ticks))
    }

    /// [`Timer::after`] `micros` microseconds (rounded up to a tick).
    pub fn after_micros(micros: u64) -> Timer {
        Timer::after(Duration::from_micros(micros))
    }

    /// [`Timer::after`] `millis` milliseconds (rounded up to a tick).
    pub fn after_millis(millis: u64) -> Timer {
        Timer::after(Duration::from_millis(millis))
    }

    /// [`Timer::after`] `secs` seconds.
    pub fn after_secs(secs: u64) -> Timer {
        Timer::after(Duration::from_secs(secs))
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.entry.deadline()
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `entry` is pinned structurally: it is never moved out of `self`
        // (`Timer` has no `Drop` and hands it out only pinned, below).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: the entry is pinned whenever the timer is.
        let mut entry = unsafe { Pin::new_unchecked(&mut this.entry) };
        let deadline = match entry.as_mut().poll_state() {
            // Built reached (`after` zero ticks): yield once, no clock reading.
            PollState::FirstReached => {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            // The first poll registers without reading the clock (as Embassy's timer
            // does): `Timer::after` has just read it, so the deadline is almost always
            // ahead. One that has passed meanwhile is found by the executor when it arms
            // its alarm (the driver refuses a reached deadline) and woken from there.
            PollState::First(deadline) => deadline,
            PollState::Again(deadline) => {
                if Instant::now() >= deadline {
                    return Poll::Ready(());
                }
                deadline
            }
        };
        entry.schedule_wake(deadline, cx.waker());
        Poll::Pending
    }
}
