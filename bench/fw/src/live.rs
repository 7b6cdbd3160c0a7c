//! Configuration (c) of the bench report, "as users run it": time on, a task ticking
//! every millisecond with a `Ticker` (a blinky's) and ten tasks asleep on timers that
//! never come due during the run, all started in the measuring task's executor, and
//! timers already fired when the measurement begins.
//!
//! Every executor and sync workload calls [`start`] (thread-mode executor) or
//! [`start_send`] (interrupt executor) at the start of its measuring task, after the
//! calibration, under `#[cfg(feature = "live")]`: with the feature off (configurations
//! (a) and (b)) the workload compiles to the same code as without this module.
//!
//! Guarantees:
//! - When the future of `start` completes, the ticker's alarm has fired five times (5.5 ms of virtual
//!   time have passed since it started) and the ten sleepers are on the timer queue.
//! - The ticker keeps running during the measurement: each tick (alarm interrupt, wake,
//!   poll, re-arm) counts in the measured figure, about one tick per millisecond of
//!   virtual time (one million instructions).
//! - The sleepers' deadlines (11.6 days) never come due during a run.

use core::future::Future;

use crate::done::Done;
use crate::rt;

/// Time after which the ticker has fired five times, in ticks (1 MHz).
const SETTLE_TICKS: u64 = 5_500;
/// Tasks asleep on timers that never come due during the run.
const SLEEPERS: usize = 10;

/// Ticks every millisecond for the whole run (a blinky's `Ticker`).
#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn ticker() {
    let mut ticker = rt::Ticker::every(rt::Duration::from_millis(1));
    loop {
        ticker.next().await;
    }
}

/// Sleeps on a timer that never comes due during the run.
#[cfg_attr(feature = "mote", mote::task(pool_size = 10))]
#[cfg_attr(feature = "embassy", embassy_executor::task(pool_size = 10))]
async fn sleeper() {
    rt::Timer::after_secs(1_000_000).await;
}

/// Completes once the ticker has fired five times.
static SETTLED: Done = Done::new();

/// Waits until timers have fired, then tells the measuring task.
#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn settle() {
    rt::Timer::after_ticks(SETTLE_TICKS).await;
    SETTLED.finish();
}

/// Starts the ticker and the sleepers on a thread-mode executor; the future completes
/// once timers have fired. The timer is awaited by a task of its own, so that the
/// measuring task's code grows only by the spawns and a [`Done`] wait (awaiting the timer
/// there made the spawn row, whose loop runs in that task, 7-8 instructions dearer on
/// both runtimes).
pub fn start(spawner: rt::Spawner) -> impl Future<Output = ()> {
    crate::spawn!(spawner, ticker());
    for _ in 0..SLEEPERS {
        crate::spawn!(spawner, sleeper());
    }
    crate::spawn!(spawner, settle());
    SETTLED.wait(1)
}

/// As [`start`], on an interrupt executor.
pub fn start_send(spawner: rt::SendSpawner) -> impl Future<Output = ()> {
    crate::spawn!(spawner, ticker());
    for _ in 0..SLEEPERS {
        crate::spawn!(spawner, sleeper());
    }
    crate::spawn!(spawner, settle());
    SETTLED.wait(1)
}
