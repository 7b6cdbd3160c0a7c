//! A fake `embassy_time_driver::Driver` in the shape of embassy-nrf 0.11's RTC driver
//! (`time_driver.rs`): a virtual clock, one alarm, and embassy-time-queue-utils'
//! integrated queue held in a `RefCell` inside a critical section while it wakes. Shared
//! by the `time_on_embassy*` tests; each test binary registers it once.
#![allow(dead_code)] // each test binary uses its own part

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use critical_section::CriticalSection;
use embassy_time_queue_utils::Queue;

pub struct FakeHal {
    /// The clock; tests may move it without running the alarm (interrupt latency).
    pub now: AtomicU64,
    /// Added to the clock at the start of every `schedule_wake` (time passing while a
    /// caller is inside the HAL).
    pub jump_on_schedule: AtomicU64,
    /// The armed alarm; `u64::MAX` when none.
    pub alarm: critical_section::Mutex<Cell<u64>>,
    queue: critical_section::Mutex<RefCell<Queue>>,
}

impl FakeHal {
    fn set_alarm(&self, cs: CriticalSection<'_>, at: u64) -> bool {
        let alarm = self.alarm.borrow(cs);
        if at <= self.now.load(Ordering::SeqCst) {
            alarm.set(u64::MAX);
            return false;
        }
        alarm.set(at);
        true
    }

    /// The alarm interrupt: wakes the due wakers while holding the queue, then re-arms.
    pub fn trigger(&self, cs: CriticalSection<'_>) {
        self.alarm.borrow(cs).set(u64::MAX);
        let now = self.now.load(Ordering::SeqCst);
        let mut next = self.queue.borrow(cs).borrow_mut().next_expiration(now);
        while !self.set_alarm(cs, next) {
            let now = self.now.load(Ordering::SeqCst);
            next = self.queue.borrow(cs).borrow_mut().next_expiration(now);
        }
    }
}

impl embassy_time_driver::Driver for FakeHal {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    fn schedule_wake(&self, at: u64, waker: &std::task::Waker) {
        HAL_SCHEDULES.fetch_add(1, Ordering::SeqCst);
        let jump = self.jump_on_schedule.load(Ordering::SeqCst);
        self.now.fetch_add(jump, Ordering::SeqCst);
        critical_section::with(|cs| {
            let mut queue = self.queue.borrow(cs).borrow_mut();
            if queue.schedule_wake(at, waker) {
                let mut next = queue.next_expiration(self.now());
                while !self.set_alarm(cs, next) {
                    next = queue.next_expiration(self.now());
                }
            }
        })
    }
}

embassy_time_driver::time_driver_impl!(static HAL: FakeHal = FakeHal {
    now: AtomicU64::new(0),
    jump_on_schedule: AtomicU64::new(0),
    alarm: critical_section::Mutex::new(Cell::new(u64::MAX)),
    queue: critical_section::Mutex::new(RefCell::new(Queue::new())),
});

/// How many times `schedule_wake` was called.
pub static HAL_SCHEDULES: AtomicU32 = AtomicU32::new(0);

/// Moves the clock to the HAL's alarm and runs its interrupt; `false` if none is armed.
pub fn advance_to_alarm() -> bool {
    let at = critical_section::with(|cs| HAL.alarm.borrow(cs).get());
    if at == u64::MAX {
        return false;
    }
    HAL.now.fetch_max(at, Ordering::SeqCst);
    critical_section::with(|cs| HAL.trigger(cs));
    true
}

/// The registered fake driver.
pub fn hal() -> &'static FakeHal {
    &HAL
}
