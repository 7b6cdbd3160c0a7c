//! Firmware test (issue 15, item 1): `embassy_time`'s `Timer`, `Ticker` and
//! `with_timeout` inside Mote tasks, on Mote's clock (mote feature
//! `embassy-time-driver`) with the MPS2 dual-timer driver.
//!
//! Two tasks: one runs an embassy `Ticker` every 100 ms for 5 ticks; the other sleeps
//! 250 ms with an embassy `Timer`, then times out a 1 s timer after 100 ms, then lets a
//! 20 ms timer finish inside a 100 ms timeout. Checked:
//! - the events come in deadline order (tick 100, 200, sleep 250, tick 300, timeout 350,
//!   ok 370, tick 400, 500 ms) and each at or after its deadline, within 1 ms of it;
//! - embassy's `Instant::now()` is Mote's (same ticks);
//! - the ticks are 100 ms apart on an independent clock (CMSDK TIMER0 at 25 MHz, not
//!   used by the time driver), within one Mote tick.
//!
//! Needs deterministic time: xtask runs firmware with `-icount shift=0`.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use embassy_time::{with_timeout, Duration as EDuration, Instant as EInstant, Ticker, Timer};
use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::signal::Signal;
use mote::time::{Instant, TICK_HZ};
use mote_mps2::testing::Checks;
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>;
});

static EXECUTOR: Executor = Executor::new();

const EVENTS: usize = 8;
/// An event, its deadline in ms, and Mote's clock when it happened, in ticks.
type Event = (char, u64, u64);
static LOG: Mutex<RefCell<([Event; EVENTS], usize)>> =
    Mutex::new(RefCell::new(([(' ', 0, 0); EVENTS], 0)));
static SLEEPER_DONE: Signal<CriticalSectionRawMutex, ()> = Signal::new();

fn log(event: char, deadline_ms: u64) {
    let now = Instant::now().as_ticks();
    critical_section::with(|cs| {
        let mut log = LOG.borrow_ref_mut(cs);
        let (entries, len) = &mut *log;
        if *len < EVENTS {
            entries[*len] = (event, deadline_ms, now);
            *len += 1;
        }
    });
}

#[mote::task]
async fn sleeper() {
    Timer::after_millis(250).await;
    log('S', 250);
    if with_timeout(EDuration::from_millis(100), Timer::after_millis(1000))
        .await
        .is_err()
    {
        log('O', 350);
    }
    if with_timeout(EDuration::from_millis(100), Timer::after_millis(20))
        .await
        .is_ok()
    {
        log('K', 370);
    }
    SLEEPER_DONE.signal(());
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_embassy_time");
    let p = mote_mps2::Peripherals::take().unwrap();
    let reference = PeriodicTimer::new(p.TIMER0, Irqs, u32::MAX);

    let mote_before = Instant::now().as_ticks();
    let embassy_now = EInstant::now().as_ticks();
    let mote_after = Instant::now().as_ticks();
    checks.check(
        "embassy_time::Instant::now() reads Mote's clock",
        mote_before <= embassy_now && embassy_now <= mote_after,
    );

    let start = Instant::now().as_ticks();
    let start_ref = reference.elapsed_in_period();
    let mut at_ref = [0u32; 5];
    let mut ticker = Ticker::every(EDuration::from_millis(100));
    for (k, at) in at_ref.iter_mut().enumerate() {
        ticker.next().await;
        *at = reference.elapsed_in_period();
        log('T', 100 * (k as u64 + 1));
    }
    SLEEPER_DONE.wait().await;

    let ticks_per_ms = TICK_HZ / 1000;
    let (entries, len) = critical_section::with(|cs| *LOG.borrow_ref(cs));
    let mut order = [' '; EVENTS];
    let mut on_time = len == EVENTS;
    for (i, (event, deadline_ms, at)) in entries[..len].iter().enumerate() {
        order[i] = *event;
        let deadline = start + deadline_ms * ticks_per_ms;
        let late = at.saturating_sub(deadline);
        println!(
            "{} at {} ms: {} ticks after its deadline",
            event, deadline_ms, late as i64
        );
        on_time &= *at >= deadline && late <= ticks_per_ms;
    }
    checks.check(
        "events in deadline order: T T S T O K T T (ticks, sleep, timeout, ok)",
        order == ['T', 'T', 'S', 'T', 'O', 'K', 'T', 'T'],
    );
    checks.check("each event at or after its deadline, within 1 ms", on_time);

    let cycles_per_tick = (mote_mps2::time_driver::CLOCK_HZ / TICK_HZ) as i64;
    let step = (100 * mote_mps2::time_driver::CLOCK_HZ / 1000) as i64;
    let first = i64::from(at_ref[0].wrapping_sub(start_ref));
    let mut worst = 0i64;
    for (k, at) in at_ref.iter().enumerate().skip(1) {
        let error = i64::from(at.wrapping_sub(at_ref[0])) - k as i64 * step;
        if error.abs() > worst.abs() {
            worst = error;
        }
    }
    println!(
        "first tick {} TIMER0 cycles after start; worst deviation from k * 100 ms: {} cycles",
        first, worst
    );
    checks.check(
        "ticker ticks 100 ms apart on TIMER0, within one tick",
        worst.abs() <= cycles_per_tick,
    );
    reference.stop();
    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(scenario());
        spawner.must_spawn(sleeper());
    })
}
