//! The embassy-time bridge's foreign-waker table when a foreign waker's `wake` panics
//! (std; the panic unwinds out of the alarm callback, and the caller catches it): the
//! other entries, due at the same time or later, are still woken, from an alarm re-armed
//! one tick later at the earliest (as Mote's fallback queue does, `time/fallback.rs`).
//! One test: the table and its alarm slot belong to one thread's simulated clock.
//! `cargo test -p mote --features std,time,embassy-time-driver --test embassy_time_foreign_panic`.
#![cfg(all(feature = "std", feature = "embassy-time-driver"))]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use mote::time::drivers::sim::{self, SimDriver};
use mote::time::{Duration, Instant};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

/// A waker that records the simulated time of each of its wakes, and panics on its
/// first wake when `panics` is set.
struct Recorder {
    at: Mutex<Vec<u64>>,
    panics: AtomicBool,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.at.lock().unwrap().push(Instant::now().as_ticks());
        if self.panics.swap(false, Ordering::SeqCst) {
            panic!("a foreign waker panics in wake");
        }
    }
}

fn recorder(panics: bool) -> Arc<Recorder> {
    Arc::new(Recorder {
        at: Mutex::new(Vec::new()),
        panics: AtomicBool::new(panics),
    })
}

#[test]
fn a_panicking_foreign_wake_leaves_the_other_entries_armed() {
    let ms = Duration::from_millis(1).as_ticks();
    let a = recorder(true);
    let c = recorder(false);
    let b = recorder(false);
    embassy_time_driver::schedule_wake(10 * ms, &Waker::from(a.clone()));
    embassy_time_driver::schedule_wake(10 * ms, &Waker::from(c.clone()));
    embassy_time_driver::schedule_wake(20 * ms, &Waker::from(b.clone()));
    let raised = catch_unwind(AssertUnwindSafe(|| sim::advance(Duration::from_millis(30))));
    assert!(
        raised.is_err(),
        "the wake's panic reaches the alarm's caller"
    );
    assert_eq!(*a.at.lock().unwrap(), vec![10 * ms]);
    // The alarm was re-armed for what is left: C (due) one tick later, B on time.
    sim::advance(Duration::from_millis(30));
    assert_eq!(
        *c.at.lock().unwrap(),
        vec![10 * ms + 1],
        "the other due entry"
    );
    assert_eq!(
        *b.at.lock().unwrap(),
        vec![20 * ms],
        "the later entry, on time"
    );
    assert_eq!(*a.at.lock().unwrap(), vec![10 * ms], "woken once");
}
