//! Firmware test of mote-mps2's dual-timer driver registered by the firmware with one
//! alarm slot (`mote_mps2::time_driver!(alarm_slots = 1)`, feature `time` without
//! `time-driver`): the driver's state holds one slot and the `DUALTIMER` vector calls it
//! directly. Checks, in virtual time (`-icount shift=0,sleep=off`):
//! - a `Timer` on the thread-mode executor (which takes the one slot) completes at its
//!   deadline, not before and at most 50 us after;
//! - a 2 ms `Ticker` completes five times on its grid (at 2, 4, ... 10 ms from its start);
//! - a 150 s `Timer`, beyond one counter period (134.2 s): the comparator reaches it in
//!   two loads (a hop to the next period, then the deadline), and it completes on time;
//! - the slot is gone: a further `allocate_alarm` gets none;
//! - a timer polled outside a task (`block_on_spin`: the fallback queue, which asked for a
//!   slot and got none) still completes at its deadline, by polling: too few slots cost
//!   time, never a timer.
//!
//! In this package because it needs the board crate's own registration (`time-driver`)
//! off, as the SysTick tests do. Exits 0 when every check holds.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_mps2::testing::Checks;

mote_mps2::time_driver!(alarm_slots = 1);

static EXECUTOR: Executor = Executor::new();

/// Lateness allowed for a timer woken by the alarm (interrupt, wake, poll): 50 us.
const SLACK: Duration = Duration::from_micros(50);

fn on_time(start: Instant, deadline: Duration, end: Instant) -> bool {
    let late = end.duration_since(start);
    late >= deadline && late <= deadline + SLACK
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_mps2_one_slot");

    let t0 = Instant::now();
    Timer::after_millis(10).await;
    checks.check(
        "Timer::after(10 ms) on the executor's slot: on time",
        on_time(t0, Duration::from_millis(10), Instant::now()),
    );

    let mut ticker = Ticker::every(Duration::from_millis(2));
    let start = ticker.next_deadline() - Duration::from_millis(2);
    let mut grid = true;
    for k in 1..=5u64 {
        ticker.next().await;
        grid &= on_time(start, Duration::from_millis(2 * k), Instant::now());
    }
    checks.check("Ticker(2 ms): five ticks on the grid", grid);

    let t2 = Instant::now();
    Timer::after_secs(150).await;
    checks.check(
        "Timer::after(150 s), past a counter period: on time",
        on_time(t2, Duration::from_secs(150), Instant::now()),
    );

    checks.check(
        "one slot: a second allocate_alarm gets none",
        mote::time::driver::allocate_alarm().is_none(),
    );

    // The fallback queue finds no slot left and wakes its entries at once: the timer
    // completes by polling, at its deadline (the spin adds a few instructions at most).
    let t1 = Instant::now();
    mote::futures::block_on_spin(Timer::after_millis(3));
    checks.check(
        "a timer polled outside a task, no slot left: completes on time by polling",
        on_time(t1, Duration::from_millis(3), Instant::now()),
    );

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
