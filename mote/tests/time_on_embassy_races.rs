//! `EmbassyDriver`'s alarm slots against the HAL's races, driven by hand on the fake
//! nRF-shaped driver (`embassy_support`): the clock passing a deadline while `set_alarm`
//! is inside the HAL, an interrupt that runs late, a slot re-armed later while its queue
//! entry still holds the earlier deadline, and re-arming from a callback the HAL runs
//! while it holds its queue. Each case checks when (virtual ticks) and how often the
//! callback ran.
//!
//! `cargo test -p mote --features std,time-driver-embassy --test time_on_embassy_races`.
#![cfg(all(feature = "std", feature = "time-driver-embassy"))]

mod embassy_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use embassy_support::{advance_to_alarm, hal};
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
use mote::time::drivers::embassy::EmbassyDriver;

static DRIVER: EmbassyDriver = EmbassyDriver::new();
/// The clock at each call of `record`, per context value.
static CALLS: Mutex<Vec<(usize, u64)>> = Mutex::new(Vec::new());
/// One test at a time: they share the clock and the hal().
static SERIAL: Mutex<()> = Mutex::new(());

fn record(ctx: *const ()) {
    CALLS
        .lock()
        .unwrap()
        .push((ctx.addr(), hal().now.load(Ordering::SeqCst)));
}

fn callback(tag: usize) -> AlarmCallback {
    // SAFETY: `record` only locks a static mutex; the context is a plain number.
    unsafe { AlarmCallback::new(record, std::ptr::without_provenance(tag)) }
}

/// Slots are never freed: each test takes its own (the driver has 4).
fn slot() -> AlarmHandle {
    DRIVER.allocate_alarm().expect("a free alarm slot")
}

fn calls() -> Vec<(usize, u64)> {
    std::mem::take(&mut *CALLS.lock().unwrap())
}

fn run_interrupts() {
    while advance_to_alarm() {}
}

#[test]
fn a_deadline_reached_inside_the_hal_reports_false_and_never_calls_back() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let a = slot();
    let now = hal().now.load(Ordering::SeqCst);
    hal().jump_on_schedule.store(10, Ordering::SeqCst);
    let armed = DRIVER.set_alarm(a, now + 5, callback(1));
    hal().jump_on_schedule.store(0, Ordering::SeqCst);
    assert!(
        !armed,
        "the deadline passed during set_alarm: it must say so"
    );
    run_interrupts();
    assert_eq!(calls(), vec![], "a refused arming must not call back");
    // The slot still works.
    let now = hal().now.load(Ordering::SeqCst);
    assert!(DRIVER.set_alarm(a, now + 7, callback(1)));
    run_interrupts();
    assert_eq!(calls(), vec![(1, now + 7)]);
}

#[test]
fn a_late_interrupt_for_a_stale_entry_calls_back_once_early_then_the_slot_is_idle() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let a = slot();
    let now = hal().now.load(Ordering::SeqCst);
    assert!(DRIVER.set_alarm(a, now + 10, callback(2)));
    // The clock passes the deadline, but the HAL's interrupt has not run yet; meanwhile
    // the slot is re-armed later. The queue keeps the entry's earlier deadline (it moves
    // deadlines only earlier), so the interrupt calls back at once: early, once
    // (documented; Mote's executors and fallback queue then re-arm).
    hal().now.store(now + 10, Ordering::SeqCst);
    assert!(DRIVER.set_alarm(a, now + 30, callback(2)));
    assert_eq!(calls(), vec![], "nothing runs inside set_alarm");
    run_interrupts();
    assert_eq!(calls(), vec![(2, now + 10)]);
    assert!(!advance_to_alarm(), "the slot is idle after its callback");
}

#[test]
fn a_slot_re_armed_later_while_queued_is_called_back_early_once_and_can_re_arm() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let a = slot();
    let now = hal().now.load(Ordering::SeqCst);
    assert!(DRIVER.set_alarm(a, now + 10, callback(3)));
    assert!(DRIVER.set_alarm(a, now + 50, callback(3)));
    run_interrupts();
    // The queue kept the entry's earlier deadline: one early (spurious) call, documented.
    assert_eq!(calls(), vec![(3, now + 10)]);
    // Disarming leaves the queued entry to fire for nothing.
    assert!(DRIVER.set_alarm(a, now + 60, callback(3)));
    assert!(DRIVER.set_alarm(a, u64::MAX, callback(3)));
    run_interrupts();
    assert_eq!(calls(), vec![]);
}

/// Re-arms its own slot (stored in `REARM_SLOT`) 5 ticks later, twice, from inside the
/// HAL's alarm interrupt: the fallback queue's pattern.
static REARMS: AtomicU64 = AtomicU64::new(0);
static REARM_SLOT: AtomicU64 = AtomicU64::new(u64::MAX);
fn rearm(ctx: *const ()) {
    record(ctx);
    if REARMS.fetch_add(1, Ordering::SeqCst) < 2 {
        let handle = AlarmHandle::new(REARM_SLOT.load(Ordering::SeqCst) as u32);
        let at = hal().now.load(Ordering::SeqCst) + 5;
        // SAFETY: as in `callback`.
        let cb = unsafe { AlarmCallback::new(rearm, ctx) };
        assert!(DRIVER.set_alarm(handle, at, cb));
    }
}

#[test]
fn a_callback_that_re_arms_inside_the_hal_is_handed_over_by_idle() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let a = slot();
    REARM_SLOT.store(u64::from(a.index()), Ordering::SeqCst);
    let now = hal().now.load(Ordering::SeqCst);
    // SAFETY: as in `callback`.
    let cb = unsafe { AlarmCallback::new(rearm, std::ptr::without_provenance(4)) };
    assert!(DRIVER.set_alarm(a, now + 10, cb));
    // The interrupt calls back; the re-arm inside it must not re-enter the HAL (the
    // fake's `RefCell` would panic) and waits for the next `idle`.
    assert!(advance_to_alarm());
    assert_eq!(calls(), vec![(4, now + 10)]);
    assert!(!advance_to_alarm(), "handed to the HAL from inside it");
    assert!(DRIVER.idle(), "idle hands the re-arm over (and says so)");
    assert!(!DRIVER.idle());
    run_interrupts();
    assert_eq!(calls(), vec![(4, now + 15)]);
    assert!(DRIVER.idle());
    run_interrupts();
    assert_eq!(calls(), vec![(4, now + 20)]);
}
