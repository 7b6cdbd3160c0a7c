//! Host benchmarks: `mote-bench-host <mote|tokio|embassy> <yield|spawn|channel|timers> <n>`.
//!
//! Prints `BENCH <workload> <runtime> n=<n> counts=<nanoseconds>`: wall time from just
//! before the workload's first spawn to the moment its last task finished.
//! - `yield`: two tasks each yield `n` times (n round trips).
//! - `spawn`: a storm: one task spawns `n` trivial tasks back to back (pool of
//!   [`STORM_MAX`] for the pooled runtimes), each counts itself done; the run ends when
//!   all `n` finished.
//! - `channel`: `n` messages (`n` even) over two capacity-1 channels of `u32`: `ping`
//!   sends `i` on `REQ` and awaits `i + 1` on `RESP`, `pong` answers; a wrong answer
//!   panics (a failed run, not a figure). Each runtime's own channel: Mote's
//!   `mote::sync::channel::Channel` and embassy-sync's `Channel`, both over
//!   `NoopRawMutex` (both executors are single-threaded, as is tokio's current_thread
//!   runtime), and `tokio::sync::mpsc::channel(1)`.
//! - `timers` (build with feature `timers`): one task spawns `n` tasks (pool of
//!   [`TIMERS_MAX`]); task `k` sleeps until `start + d(k)`, where `start` is read once
//!   before the first spawn and `d` is a permutation of 10 µs, 20 µs, ..., n x 10 µs
//!   (see [`timer_offset_us`]), so the deadlines are distinct and registered out of
//!   order. The run ends when all `n` woke; its wall time is at least `n` x 10 µs.
//!   Mote: `Timer::at` with `StdDriver`; tokio: `sleep_until` on a current_thread
//!   runtime with time enabled; Embassy: embassy-time's `Timer::at` with its std driver
//!   and integrated queue.
//!
//! The workload logic is the same for the three runtimes; each uses its own yield, spawn,
//! channel and timer. Instruction counts come from running this under callgrind (see
//! xtask).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Largest storm: the pool size of the storm task for Mote and Embassy.
const STORM_MAX: usize = 100_000;
/// Most timers: the pool size of the sleeping task for Mote and Embassy.
const TIMERS_MAX: usize = 10_000;
/// Spacing of the timers' deadlines, in µs.
const TIMER_STEP_US: u64 = 10;

static FINISHED: AtomicU64 = AtomicU64::new(0);

#[cfg(feature = "timers")]
mote::time_driver!(
    static MOTE_TIME: mote::time::drivers::std::StdDriver =
        mote::time::drivers::std::StdDriver::new();
);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rt, work, n] = &args[..] else {
        eprintln!("usage: mote-bench-host <mote|tokio|embassy> <yield|spawn|channel|timers> <n>");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("n must be a number");
    let fail = |msg: String| -> ! {
        eprintln!("{msg}");
        std::process::exit(2);
    };
    let target = match work.as_str() {
        "yield" | "channel" => 2,
        "spawn" | "timers" => n,
        _ => fail(format!("unknown workload {work}")),
    };
    match work.as_str() {
        "spawn" if n > STORM_MAX as u64 => fail(format!("spawn: n is at most {STORM_MAX}")),
        "timers" if n > TIMERS_MAX as u64 => fail(format!("timers: n is at most {TIMERS_MAX}")),
        "timers" if cfg!(not(feature = "timers")) => {
            fail("timers: this build lacks feature `timers`".into())
        }
        "channel" if !n.is_multiple_of(2) => fail("channel: n (messages) must be even".into()),
        _ => {}
    }
    let start = Instant::now();
    let (rt_name, work_name) = (rt.clone(), work.clone());
    let report = move || {
        let ns = start.elapsed().as_nanos();
        println!("BENCH {work_name} {rt_name} n={n} counts={ns}");
    };
    match rt.as_str() {
        "mote" => mote_rt::run(work, n, target),
        "tokio" => tokio_rt::run(work, n, target),
        "embassy" => embassy_rt::run(work, n, target, report.clone()),
        _ => fail(format!("unknown runtime {rt}")),
    }
    report();
}

/// Counts one finished task; returns how many have finished.
fn finish() -> u64 {
    FINISHED.fetch_add(1, Relaxed) + 1
}

/// Deadline of timer `k` of `n`, in µs after the start: `(k x 7919 mod n + 1)` steps.
/// 7919 is prime and does not divide `n <= TIMERS_MAX` unless `n` is a multiple of it,
/// in which case the offsets are simply `k + 1` steps (still distinct).
#[cfg_attr(not(feature = "timers"), allow(dead_code))]
fn timer_offset_us(k: u64, n: u64) -> u64 {
    let scrambled = if n.is_multiple_of(7919) {
        k
    } else {
        k * 7919 % n
    };
    (scrambled + 1) * TIMER_STEP_US
}

/// Round trips of the channel ping-pong for `n` messages, and the answer check.
fn round_trips(n: u64) -> u32 {
    u32::try_from(n / 2).expect("channel: n too large")
}

fn check_answer(i: u32, answer: u32) {
    assert_eq!(answer, i.wrapping_add(1), "channel ping-pong: wrong answer");
}

mod mote_rt {
    use super::*;
    use mote::executor::Executor;
    use mote::sync::blocking_mutex::raw::NoopRawMutex;
    use mote::sync::channel::Channel;
    use mote::Spawner;

    type Chan = Channel<NoopRawMutex, u32, 1>;

    pub fn run(work: &str, n: u64, target: u64) {
        let ex: &'static Executor = Box::leak(Box::new(Executor::new()));
        ex.run_until(
            |s| match work {
                "yield" => {
                    s.must_spawn(yielder(n));
                    s.must_spawn(yielder2(n));
                }
                "spawn" => s.must_spawn(storm(s, n)),
                "channel" => {
                    let req: &'static Chan = Box::leak(Box::new(Chan::new()));
                    let resp: &'static Chan = Box::leak(Box::new(Chan::new()));
                    s.must_spawn(ping(round_trips(n), req, resp));
                    s.must_spawn(pong(round_trips(n), req, resp));
                }
                _ => spawn_timers(s, n),
            },
            || FINISHED.load(Relaxed) >= target,
        );
    }

    #[mote::task]
    async fn yielder(n: u64) {
        for _ in 0..n {
            mote::futures::yield_now().await;
        }
        finish();
    }

    #[mote::task]
    async fn yielder2(n: u64) {
        for _ in 0..n {
            mote::futures::yield_now().await;
        }
        finish();
    }

    #[mote::task(pool_size = 100_000)]
    async fn trivial() {
        finish();
    }

    #[mote::task]
    async fn storm(spawner: Spawner, n: u64) {
        for _ in 0..n {
            spawner.must_spawn(trivial());
        }
    }

    #[mote::task]
    async fn ping(n: u32, req: &'static Chan, resp: &'static Chan) {
        for i in 0..n {
            req.send(i).await;
            check_answer(i, resp.receive().await);
        }
        finish();
    }

    #[mote::task]
    async fn pong(n: u32, req: &'static Chan, resp: &'static Chan) {
        for _ in 0..n {
            let v = req.receive().await;
            resp.send(v.wrapping_add(1)).await;
        }
        finish();
    }

    #[cfg(feature = "timers")]
    fn spawn_timers(s: Spawner, n: u64) {
        s.must_spawn(timer_storm(s, n));
    }

    #[cfg(not(feature = "timers"))]
    fn spawn_timers(_: Spawner, _: u64) {
        unreachable!("checked in main")
    }

    #[cfg(feature = "timers")]
    #[mote::task(pool_size = 10_000)]
    async fn sleeper(at: mote::time::Instant) {
        mote::time::Timer::at(at).await;
        finish();
    }

    #[cfg(feature = "timers")]
    #[mote::task]
    async fn timer_storm(spawner: Spawner, n: u64) {
        use mote::time::{Duration, Instant};
        let start = Instant::now();
        for k in 0..n {
            spawner.must_spawn(sleeper(
                start + Duration::from_micros(timer_offset_us(k, n)),
            ));
        }
    }
}

mod tokio_rt {
    use super::*;
    use std::sync::Mutex;
    use std::task::Waker;

    static MAIN_WAKER: Mutex<Option<Waker>> = Mutex::new(None);

    /// Counts one finished task; the last one wakes the main future.
    fn finish() {
        if super::finish() >= TARGET.load(Relaxed) {
            if let Some(w) = MAIN_WAKER.lock().unwrap().take() {
                w.wake();
            }
        }
    }

    static TARGET: AtomicU64 = AtomicU64::new(0);

    async fn yielder(n: u64) {
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
        finish();
    }

    pub fn run(work: &str, n: u64, target: u64) {
        TARGET.store(target, Relaxed);
        let mut builder = tokio::runtime::Builder::new_current_thread();
        if work == "timers" {
            builder.enable_time();
        }
        let rt = builder.build().expect("tokio runtime");
        rt.block_on(async {
            match work {
                "yield" => {
                    tokio::spawn(yielder(n));
                    tokio::spawn(yielder(n));
                }
                "spawn" => {
                    for _ in 0..n {
                        tokio::spawn(async {
                            finish();
                        });
                    }
                }
                "channel" => {
                    let (req_tx, mut req_rx) = tokio::sync::mpsc::channel::<u32>(1);
                    let (resp_tx, mut resp_rx) = tokio::sync::mpsc::channel::<u32>(1);
                    let trips = round_trips(n);
                    tokio::spawn(async move {
                        for i in 0..trips {
                            req_tx.send(i).await.expect("pong alive");
                            check_answer(i, resp_rx.recv().await.expect("pong alive"));
                        }
                        finish();
                    });
                    tokio::spawn(async move {
                        for _ in 0..trips {
                            let v = req_rx.recv().await.expect("ping alive");
                            resp_tx.send(v.wrapping_add(1)).await.expect("ping alive");
                        }
                        finish();
                    });
                }
                _ => {
                    let start = tokio::time::Instant::now();
                    for k in 0..n {
                        let at = start + std::time::Duration::from_micros(timer_offset_us(k, n));
                        tokio::spawn(async move {
                            tokio::time::sleep_until(at).await;
                            finish();
                        });
                    }
                }
            }
            // Sleep until the last task finished (no polling loop that would add a
            // third task to every round).
            std::future::poll_fn(|cx| {
                *MAIN_WAKER.lock().unwrap() = Some(cx.waker().clone());
                if FINISHED.load(Relaxed) >= target {
                    std::task::Poll::Ready(())
                } else {
                    std::task::Poll::Pending
                }
            })
            .await;
        });
    }
}

mod embassy_rt {
    use super::*;
    use embassy_executor::{Executor, Spawner};
    use embassy_sync::blocking_mutex::raw::NoopRawMutex;
    use embassy_sync::channel::Channel;

    type Chan = Channel<NoopRawMutex, u32, 1>;

    static mut REPORT: Option<Box<dyn Fn()>> = None;

    fn done_if_last(target: u64) {
        if FINISHED.load(Relaxed) >= target {
            // SAFETY: written once before the executor starts, read only here, on the
            // executor's thread.
            if let Some(report) = unsafe { &*std::ptr::addr_of!(REPORT) } {
                report();
            }
            std::process::exit(0);
        }
    }

    #[embassy_executor::task]
    async fn yielder(n: u64, target: u64) {
        for _ in 0..n {
            embassy_futures::yield_now().await;
        }
        finish();
        done_if_last(target);
    }

    #[embassy_executor::task]
    async fn yielder2(n: u64, target: u64) {
        for _ in 0..n {
            embassy_futures::yield_now().await;
        }
        finish();
        done_if_last(target);
    }

    #[embassy_executor::task(pool_size = 100_000)]
    async fn trivial(target: u64) {
        finish();
        done_if_last(target);
    }

    #[embassy_executor::task]
    async fn storm(spawner: Spawner, n: u64) {
        for _ in 0..n {
            spawner.spawn(trivial(n).expect("pool full"));
        }
    }

    #[embassy_executor::task]
    async fn ping(n: u32, req: &'static Chan, resp: &'static Chan) {
        for i in 0..n {
            req.send(i).await;
            check_answer(i, resp.receive().await);
        }
        finish();
        done_if_last(2);
    }

    #[embassy_executor::task]
    async fn pong(n: u32, req: &'static Chan, resp: &'static Chan) {
        for _ in 0..n {
            let v = req.receive().await;
            resp.send(v.wrapping_add(1)).await;
        }
        finish();
        done_if_last(2);
    }

    #[embassy_executor::task(pool_size = 10_000)]
    async fn sleeper(at: embassy_time::Instant, target: u64) {
        embassy_time::Timer::at(at).await;
        finish();
        done_if_last(target);
    }

    #[embassy_executor::task]
    async fn timer_storm(spawner: Spawner, n: u64) {
        use embassy_time::{Duration, Instant};
        let start = Instant::now();
        for k in 0..n {
            let at = start + Duration::from_micros(timer_offset_us(k, n));
            spawner.spawn(sleeper(at, n).expect("pool full"));
        }
    }

    /// Runs the workload; never returns: the last task prints and exits the process.
    pub fn run(work: &str, n: u64, target: u64, report: impl Fn() + 'static) {
        // SAFETY: single write before the executor (the only reader) starts.
        unsafe { *std::ptr::addr_of_mut!(REPORT) = Some(Box::new(report)) };
        let ex: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        let work = work.to_string();
        ex.run(move |s| match work.as_str() {
            "yield" => {
                s.spawn(yielder(n, target).expect("pool full"));
                s.spawn(yielder2(n, target).expect("pool full"));
            }
            "channel" => {
                let req: &'static Chan = Box::leak(Box::new(Chan::new()));
                let resp: &'static Chan = Box::leak(Box::new(Chan::new()));
                s.spawn(ping(round_trips(n), req, resp).expect("pool full"));
                s.spawn(pong(round_trips(n), req, resp).expect("pool full"));
            }
            _ if n == 0 => done_if_last(0),
            "spawn" => s.spawn(storm(s, n).expect("pool full")),
            _ => s.spawn(timer_storm(s, n).expect("pool full")),
        })
    }
}
