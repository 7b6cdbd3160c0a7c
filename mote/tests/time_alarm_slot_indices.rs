//! An executor's alarm slot is kept in 16 bits (issue 11's `glue11` packing): a driver
//! that hands out slot indices of 65 534 and more (only a host driver with that many
//! executors could) must not see a truncated index — which would arm another
//! executor's slot — but leave that executor polling its timers, on time.
//! `cargo test -p mote --features std,time --test time_alarm_slot_indices`.
#![cfg(all(feature = "std", feature = "time"))]

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use mote::executor::raw::{Pender, RawExecutor};
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
use mote::time::{Instant, Timer};

/// A driver whose clock the test sets, handing out the slot indices of `INDICES`.
struct BigIndices;

static NOW: AtomicU64 = AtomicU64::new(0);
/// The indices `allocate_alarm` hands out, last first.
static INDICES: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// Every `set_alarm` call that armed: (slot index, deadline).
static ARMED: Mutex<Vec<(u32, u64)>> = Mutex::new(Vec::new());

std::thread_local! {
    /// The last callback armed per slot index (the test fires them by hand, on this
    /// thread, as a single-threaded driver would).
    static CALLBACKS: RefCell<Vec<(u32, u64, AlarmCallback)>> = const { RefCell::new(Vec::new()) };
}

impl Driver for BigIndices {
    fn now(&self) -> u64 {
        NOW.load(Ordering::SeqCst)
    }
    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        INDICES.lock().unwrap().pop().map(AlarmHandle::new)
    }
    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        if at <= self.now() {
            return false;
        }
        ARMED.lock().unwrap().push((alarm.index(), at));
        CALLBACKS.with(|c| {
            let mut c = c.borrow_mut();
            c.retain(|&(i, _, _)| i != alarm.index());
            c.push((alarm.index(), at, callback));
        });
        true
    }
}

mote::time_driver!(
    static DRIVER: BigIndices = BigIndices;
);

static DONE: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

#[mote::task(pool_size = 4)]
async fn sleeper(at: u64) {
    Timer::at(Instant::from_ticks(at)).await;
    DONE.lock().unwrap().push((at, Instant::now().as_ticks()));
}

#[test]
fn slot_indices_beyond_16_bits_poll_instead_of_arming_another_slot() {
    // Handed out in this order: the largest index that fits, then three that do not.
    *INDICES.lock().unwrap() = vec![u32::MAX, 70_000, 65_534, 65_533];
    let execs: Vec<&'static RawExecutor> = (0..4)
        .map(|_| &*Box::leak(Box::new(RawExecutor::new(Pender::none()))))
        .collect();
    let drain = |e: &'static RawExecutor| {
        // SAFETY: this test's thread is the only poller of its executors.
        while unsafe { e.poll() } > 0 {}
    };
    for (i, &e) in execs.iter().enumerate() {
        e.spawner().spawn(sleeper(100 + i as u64)).unwrap();
        drain(e);
    }
    assert!(
        INDICES.lock().unwrap().is_empty(),
        "each executor took a slot"
    );
    // Only the executor whose index fits armed its alarm, with that index.
    assert_eq!(*ARMED.lock().unwrap(), [(65_533, 100)]);
    // Tick by tick: the alarm of slot 65 533 fires at 100 (by hand); the others poll.
    while NOW.load(Ordering::SeqCst) < 110 {
        let now = NOW.fetch_add(1, Ordering::SeqCst) + 1;
        let due: Vec<AlarmCallback> = CALLBACKS.with(|c| {
            let mut c = c.borrow_mut();
            let due = c
                .iter()
                .filter(|&&(_, at, _)| at <= now)
                .map(|&(_, _, cb)| cb)
                .collect();
            c.retain(|&(_, at, _)| at > now);
            due
        });
        for cb in due {
            cb.call();
        }
        for &e in &execs {
            drain(e);
        }
    }
    let mut done = DONE.lock().unwrap().clone();
    done.sort();
    assert_eq!(
        done,
        [(100, 100), (101, 101), (102, 102), (103, 103)],
        "every sleeper completes exactly at its deadline"
    );
    assert_eq!(
        *ARMED.lock().unwrap(),
        [(65_533, 100)],
        "no executor armed a slot it was not given"
    );
}
