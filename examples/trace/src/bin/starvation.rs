//! Starvation, diagnosed: a `hog` task computes for 50 ms without yielding, every 100 ms;
//! a `heartbeat` task should tick every 10 ms. Mote's `trace` feature names the culprit
//! the moment it happens (the long-poll hook prints it over UART0) and the victim
//! afterwards (a table of every task's statistics).
//!
//! ```text
//!  ms:        0   10  ...  100 105               155 160 170 ... 205            255
//!  heartbeat  │tick│  ...  │tick│  (due 110: waits)    │tick│tick│     (due 210: waits)
//!  hog        │                 ├─ 50 ms, no .await ─┤               ├─ 50 ms ─┤
//!                                 long-poll hook ────^                          ^
//! ```
//!
//! The heartbeat's tick due at 110 ms is polled at 155 ms: a 45 ms scheduling latency
//! (`longest wait`), caused by the hog's 50 ms poll (`longest poll`). Its ticker then
//! skips the missed ticks and resumes on its grid.
//!
//! Durations are printed in whole milliseconds (rounded down). `cargo xtask test` runs
//! QEMU with deterministic virtual time (`-icount`), so the output is the same on every
//! run; in real time (`cargo xtask qemu`) a loaded host may add a millisecond here and
//! there. Every event is at least 5 ms away from the next one.
//!
//! Run: `cargo xtask qemu starvation`. Expected output: `expected/starvation.txt`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, Ordering};

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote::trace::{self, TaskInfo};
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

/// How long the hog computes in one poll.
const HOG_WORK: Duration = Duration::from_millis(50);
/// The hog's period.
const HOG_PERIOD: Duration = Duration::from_millis(100);
/// The hog's rounds start this long after a heartbeat tick.
const HOG_OFFSET: Duration = Duration::from_millis(5);
/// The hog's rounds.
const HOG_ROUNDS: u64 = 3;
/// When the report is printed: between two heartbeat ticks, after the last round.
const REPORT_AT: Duration = Duration::from_millis(405);
/// Polls longer than this are reported as they happen.
const LONG_POLL: Duration = Duration::from_millis(20);

static HOG_DONE: AtomicBool = AtomicBool::new(false);

/// With the `timeline` feature (`cargo xtask trace starvation`): every task event of the
/// run, printed after the table.
#[cfg(feature = "timeline")]
static TIMELINE: trace::timeline::Timeline<512> = trace::timeline::Timeline::new();

/// The long-poll hook: runs in the executor's context right after the long poll.
fn long_poll(task: &TaskInfo, took: Duration) {
    println!(
        "long poll: task `{}` ran {} ms without yielding (its poll {})",
        task.name,
        took.as_millis(),
        task.polls
    );
}

/// Should run every 10 ms, and does, except when the hog holds the executor.
#[mote::task]
async fn heartbeat() {
    let mut ticker = Ticker::every(Duration::from_millis(10));
    loop {
        ticker.next().await;
    }
}

/// Computes for 50 ms in one poll, three times, 100 ms apart: a job written without
/// an `.await` inside its loop.
#[mote::task]
async fn hog(start: Instant) {
    for round in 1..=HOG_ROUNDS {
        Timer::at(start + HOG_OFFSET + HOG_PERIOD * round as u32).await;
        let until = Instant::now() + HOG_WORK;
        let mut crc = 0xFFFF_FFFFu32;
        while Instant::now() < until {
            crc = crc.rotate_left(5) ^ crc.wrapping_mul(0x04C1_1DB7);
        }
        core::hint::black_box(crc);
    }
    HOG_DONE.store(true, Ordering::Relaxed);
}

/// Prints every task's statistics and names the culprit and the victim.
#[mote::task]
async fn report(start: Instant) {
    Timer::at(start + REPORT_AT).await;
    #[cfg(feature = "timeline")]
    trace::timeline::stop();
    println!(
        "{:<10} {:<8} {:>5} {:>5} {:>13} {:>13}",
        "task", "state", "polls", "wakes", "longest poll", "longest wait"
    );
    let mut culprit: Option<TaskInfo> = None;
    let mut victim: Option<TaskInfo> = None;
    trace::for_each_task(|t| {
        println!(
            "{:<10} {:<8} {:>5} {:>5} {:>10} ms {:>10} ms",
            t.name,
            t.state,
            t.polls,
            t.wakes,
            t.longest_poll.as_millis(),
            t.longest_wait.as_millis()
        );
        if culprit.is_none_or(|c| t.longest_poll > c.longest_poll) {
            culprit = Some(*t);
        }
        if victim.is_none_or(|v| t.longest_wait > v.longest_wait) {
            victim = Some(*t);
        }
    });
    if let (Some(c), Some(v)) = (culprit, victim) {
        println!(
            "diagnosis: `{}` waited up to {} ms to run, because `{}` ran up to {} ms without yielding",
            v.name,
            v.longest_wait.as_millis(),
            c.name,
            c.longest_poll.as_millis()
        );
    }
    #[cfg(feature = "timeline")]
    let _ = TIMELINE.print(&mut mote_mps2::Uart::uart0());
    let ok = HOG_DONE.load(Ordering::Relaxed)
        && culprit.is_some_and(|c| c.name == "hog")
        && victim.is_some_and(|v| v.name == "heartbeat");
    mote_mps2::exit(if ok {
        mote_mps2::EXIT_SUCCESS
    } else {
        mote_mps2::EXIT_FAILURE
    })
}

#[entry]
fn main() -> ! {
    trace::set_long_poll_hook(LONG_POLL, long_poll);
    println!(
        "starvation: `hog` computes {} ms every {} ms without yielding; `heartbeat` ticks every 10 ms",
        HOG_WORK.as_millis(),
        HOG_PERIOD.as_millis()
    );
    #[cfg(feature = "timeline")]
    TIMELINE.start();
    let start = Instant::now();
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(heartbeat());
        spawner.must_spawn(hog(start));
        spawner.must_spawn(report(start));
    })
}
