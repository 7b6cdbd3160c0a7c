//! The embassy-time bridge's foreign-waker table on simulated time, exactly: wakers that
//! are not Mote task wakers fill the table of `FOREIGN_WAKERS` entries, each woken once at
//! exactly its deadline; beyond the table, a registration wakes its waker at once (never
//! lost). One test: the table and its alarm slot belong to one thread's simulated clock.
//! `cargo test -p mote --features std,time,embassy-time-driver --test embassy_time_foreign_sim`.
#![cfg(all(feature = "std", feature = "embassy-time-driver"))]

use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use mote::time::drivers::sim::{self, SimDriver};
use mote::time::embassy_driver::FOREIGN_WAKERS;
use mote::time::{Duration, Instant};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

/// A waker that records the simulated time of each of its wakes.
struct Recorder(Mutex<Vec<u64>>);
impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.lock().unwrap().push(Instant::now().as_ticks());
    }
}

fn recorder() -> Arc<Recorder> {
    Arc::new(Recorder(Mutex::new(Vec::new())))
}

#[test]
fn the_table_fires_on_time_and_overflow_wakes_at_once() {
    let ms = Duration::from_millis(1).as_ticks();
    let n = 3 * FOREIGN_WAKERS;
    let recorders: Vec<_> = (0..n).map(|_| recorder()).collect();
    let wakers: Vec<Waker> = recorders.iter().map(|r| Waker::from(r.clone())).collect();
    // Deadlines 10, 20, ... ms, registered latest first: the table takes the first
    // FOREIGN_WAKERS registrations, whatever their deadlines.
    let deadline = |i: usize| (n - i) as u64 * 10 * ms;
    for (i, w) in wakers.iter().enumerate() {
        embassy_time_driver::schedule_wake(deadline(i), w);
    }
    for (i, r) in recorders.iter().enumerate() {
        let wakes = r.0.lock().unwrap().clone();
        if i < FOREIGN_WAKERS {
            assert!(wakes.is_empty(), "entry {i} woken before its deadline");
        } else {
            assert_eq!(wakes, vec![0], "overflow {i} not woken at once");
        }
    }
    // Same waker again, later deadline: still one entry, at the earlier deadline. (The
    // match is `Waker::will_wake`, which is best-effort: under Miri, vtables are not
    // deduplicated, so a waker's clone never matches it and the registration would
    // overflow, i.e. wake at once.)
    if !cfg!(miri) {
        embassy_time_driver::schedule_wake(deadline(0) + 5 * ms, &wakers[0]);
    }
    // A deadline that is never reached takes no entry (and wakes nothing).
    embassy_time_driver::schedule_wake(u64::MAX, &wakers[n - 1]);

    sim::advance(Duration::from_ticks(deadline(0) + 100 * ms));
    for (i, r) in recorders.iter().enumerate() {
        let wakes = r.0.lock().unwrap().clone();
        if i < FOREIGN_WAKERS {
            assert_eq!(wakes, vec![deadline(i)], "entry {i}: woken once, on time");
        } else {
            assert_eq!(wakes, vec![0], "overflow {i} woken again");
        }
    }

    // The table is free again: a new registration is queued, not woken at once.
    let late = recorder();
    let w = Waker::from(late.clone());
    let at = Instant::now().as_ticks() + 7 * ms;
    embassy_time_driver::schedule_wake(at, &w);
    assert!(late.0.lock().unwrap().is_empty());
    sim::advance(Duration::from_millis(7));
    assert_eq!(*late.0.lock().unwrap(), vec![at]);
}
