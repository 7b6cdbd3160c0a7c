//! Simulated time for host tests: a virtual clock that moves only when told to.
//!
//! Guarantees:
//! - **One clock per thread.** The clock, its alarm slots and its fallback queue are
//!   thread-local, so tests running in parallel (libtest runs each test on its own
//!   thread) never see each other's time or alarms. Every thread starts at tick 0.
//!   Caveat: a thread spawned by a test has a clock of its own, also at 0.
//! - Time moves only in [`advance`], [`advance_to_next_alarm`], and in
//!   [`Driver::idle`] (which an executor calls when it would sleep, and which jumps to
//!   the earliest alarm: its own, another executor's of the thread, or the fallback
//!   queue's, so timers polled with foreign wakers inside a task move time too). Alarms fire **in deadline order, with the clock set exactly
//!   to each alarm's deadline**, on the calling thread, inside those functions; so a
//!   timer for 10 ms completes at exactly 10 ms of virtual time.
//! - Alarm callbacks run only on the thread that armed them and only inside the calls
//!   above, so a callback context needs to live only until the alarm fires or is
//!   replaced (stronger than the general [`AlarmCallback::new`] contract).
//! - No capacity: each thread's alarm slot set grows (`allocate_alarm` never fails, so
//!   a test may create any number of executors), and its fallback queue is the
//!   intrusive [`FallbackQueue`] (each timer future brings its own entry).
//!
//! ```
//! mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
//! use mote::time::{drivers::sim, Duration, Instant};
//!
//! assert_eq!(Instant::now(), Instant::MIN);
//! sim::advance(Duration::from_millis(5));
//! assert_eq!(Instant::now().as_millis(), 5);
//! ```

use ::std::cell::{Cell, RefCell};

use crate::time::alarm_slots::AlarmSet;
use crate::time::driver::{AlarmCallback, AlarmHandle, Driver};
use crate::time::fallback::FallbackQueue;
use crate::time::{Duration, Instant};

struct State {
    now: Cell<u64>,
    /// Borrowed only for one slot operation at a time, never across a callback.
    slots: RefCell<AlarmSet>,
    fallback: Cell<Option<&'static FallbackQueue>>,
}

impl State {
    fn new() -> State {
        State {
            now: Cell::new(0),
            slots: RefCell::new(AlarmSet::new()),
            fallback: Cell::new(None),
        }
    }
}

::std::thread_local! {
    static STATE: State = State::new();
}

fn with<R>(f: impl FnOnce(&State) -> R) -> R {
    STATE.with(f)
}

/// The simulated driver. Register it in a test binary:
/// `mote::time_driver!(static DRIVER: SimDriver = SimDriver::new(););`.
/// All instances share the calling thread's clock.
#[derive(Debug, Default)]
pub struct SimDriver {
    _private: (),
}

impl SimDriver {
    /// The driver handle (it has no state of its own; the state is per thread).
    pub const fn new() -> SimDriver {
        SimDriver { _private: () }
    }
}

impl Driver for SimDriver {
    fn now(&self) -> u64 {
        with(|s| s.now.get())
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        with(|s| s.slots.borrow_mut().allocate())
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        with(|s| {
            let mut slots = s.slots.borrow_mut();
            if at <= s.now.get() {
                slots.disarm(alarm);
                false
            } else {
                slots.arm(alarm, at, callback)
            }
        })
    }

    fn idle(&self) -> bool {
        advance_to_next_alarm()
    }

    fn fallback_queue(&self) -> &'static FallbackQueue {
        with(|s| match s.fallback.get() {
            Some(q) => q,
            None => {
                // Leaked once per thread (and per `reset`): the queue must be `'static`
                // because its alarm callback and the entries linked in it point to it.
                let q: &'static FallbackQueue = Box::leak(Box::new(FallbackQueue::new()));
                s.fallback.set(Some(q));
                q
            }
        })
    }
}

/// Fires, in deadline order, every alarm due at or before `limit`, setting the clock to
/// each alarm's deadline before calling it. Returns whether any fired.
fn fire_until(limit: u64) -> bool {
    let mut fired = false;
    loop {
        let due = with(|s| {
            let due = s.slots.borrow_mut().take_earliest_due(limit);
            if let Some((at, _)) = due {
                s.now.set(s.now.get().max(at));
            }
            due
        });
        match due {
            // Called outside `with`'s borrow of nothing mutable: the callback may arm
            // alarms or read the clock.
            Some((_, cb)) => {
                cb.call();
                fired = true;
            }
            None => return fired,
        }
    }
}

/// Moves this thread's clock forward by `d` (saturating), firing every alarm that
/// falls due on the way, in deadline order, each at its exact deadline; alarms armed
/// by those callbacks within the window fire too.
pub fn advance(d: Duration) {
    let target = with(|s| s.now.get()).saturating_add(d.as_ticks());
    fire_until(target);
    with(|s| s.now.set(s.now.get().max(target)));
}

/// Jumps this thread's clock to its earliest armed alarm (if later than now) and fires
/// every alarm due then. Returns `false`, leaving the clock alone, if no alarm is
/// armed. This is what [`Driver::idle`] does for the simulated driver.
pub fn advance_to_next_alarm() -> bool {
    match with(|s| s.slots.borrow().next_deadline()) {
        Some(at) => {
            with(|s| s.now.set(s.now.get().max(at)));
            fire_until(at);
            true
        }
        None => false,
    }
}

/// The earliest armed alarm of this thread, if any.
pub fn next_alarm() -> Option<Instant> {
    with(|s| s.slots.borrow().next_deadline()).map(Instant::from_ticks)
}

/// Resets this thread's simulation: clock back to 0, all alarm slots freed, a fresh
/// fallback queue. Alarms are dropped without firing and timers queued in the old
/// fallback queue are never woken (they still unlink themselves when dropped), so call
/// it only between tests, with no executor or timer of the old simulation still in use.
pub fn reset() {
    let old = with(|s| {
        s.now.set(0);
        s.fallback.set(None);
        s.slots.replace(AlarmSet::new())
    });
    drop(old);
}
