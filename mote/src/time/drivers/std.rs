//! The host time driver: the operating system's monotonic clock.
//!
//! Guarantees:
//! - `now()` is `std::time::Instant` elapsed since the first time the clock was read
//!   (the epoch), converted to ticks rounding down; it never decreases.
//! - Alarms are served by one helper thread, started on the first `set_alarm` and kept
//!   for the rest of the program. It sleeps on a condition variable until the earliest
//!   armed alarm and calls due callbacks in deadline order **without** holding the
//!   driver's lock, never before their deadline. If the thread cannot be spawned,
//!   `set_alarm` returns `false` (the caller treats the deadline as reached and polls),
//!   so wakes degrade to polling but are never lost.
//! - All `StdDriver` values share one clock and one set of alarm slots. **The slot set
//!   grows**: `allocate_alarm` never fails, so the 17th (or 10 000th) executor of a
//!   process gets an alarm like the first (std executors are leaked and keep their
//!   slot; a test binary often creates one per test). Each slot costs 24 bytes of heap;
//!   arming and firing cost O(log a) for `a` armed slots.
//!
//! ```
//! mote::time_driver!(static DRIVER: mote::time::drivers::std::StdDriver = mote::time::drivers::std::StdDriver::new(););
//! use mote::time::{block_for, Duration, Instant};
//!
//! let start = Instant::now();
//! block_for(Duration::from_millis(2));
//! assert!(start.elapsed() >= Duration::from_millis(2));
//! ```

use ::std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use ::std::time::Instant as StdInstant;

use crate::time::alarm_slots::AlarmSet;
use crate::time::driver::{AlarmCallback, AlarmHandle, Driver};
use crate::time::TICK_HZ;

struct Shared {
    epoch: OnceLock<StdInstant>,
    slots: Mutex<AlarmSet>,
    changed: Condvar,
    /// `Some(true)` once the helper thread runs, `Some(false)` if it failed to spawn.
    helper: OnceLock<bool>,
}

static SHARED: Shared = Shared {
    epoch: OnceLock::new(),
    slots: Mutex::new(AlarmSet::new()),
    changed: Condvar::new(),
    helper: OnceLock::new(),
};

fn lock() -> MutexGuard<'static, AlarmSet> {
    // Callbacks run outside the lock, so a poisoned lock only means a panic in this
    // module's own short critical sections; the slot data is still consistent.
    SHARED.slots.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now_ticks() -> u64 {
    let epoch = *SHARED.epoch.get_or_init(StdInstant::now);
    let nanos = epoch.elapsed().as_nanos();
    let ticks = nanos * u128::from(TICK_HZ) / 1_000_000_000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// `ticks` as a host duration, rounded up (so the helper never wakes early; if it
/// does anyway, it re-checks and sleeps again).
fn ticks_to_std(ticks: u64) -> ::std::time::Duration {
    let nanos = (u128::from(ticks) * 1_000_000_000).div_ceil(u128::from(TICK_HZ));
    ::std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

fn helper_loop() {
    let mut slots = lock();
    loop {
        let now = now_ticks();
        if let Some((_, cb)) = slots.take_earliest_due(now) {
            drop(slots);
            cb.call();
            slots = lock();
            continue;
        }
        slots = match slots.next_deadline() {
            None => SHARED
                .changed
                .wait(slots)
                .unwrap_or_else(PoisonError::into_inner),
            Some(at) => {
                SHARED
                    .changed
                    .wait_timeout(slots, ticks_to_std(at.saturating_sub(now)))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

fn helper_running() -> bool {
    *SHARED.helper.get_or_init(|| {
        ::std::thread::Builder::new()
            .name("mote-time-alarm".into())
            .spawn(helper_loop)
            .is_ok()
    })
}

/// The host driver. Register it with
/// `mote::time_driver!(static DRIVER: StdDriver = StdDriver::new(););`.
#[derive(Debug, Default)]
pub struct StdDriver {
    _private: (),
}

impl StdDriver {
    /// The driver handle (the state is shared by all handles).
    pub const fn new() -> StdDriver {
        StdDriver { _private: () }
    }
}

impl Driver for StdDriver {
    fn now(&self) -> u64 {
        now_ticks()
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        lock().allocate()
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        if at != u64::MAX && !helper_running() {
            lock().disarm(alarm);
            return false;
        }
        let mut slots = lock();
        // Checked under the lock the helper takes before firing: no race between the
        // check and the arming.
        if at <= now_ticks() {
            slots.disarm(alarm);
            return false;
        }
        let armed = slots.arm(alarm, at, callback);
        drop(slots);
        SHARED.changed.notify_one();
        armed
    }
}
