//! Host benchmarks: `mote-bench-host <mote|tokio|embassy> <yield|spawn> <n>`.
//!
//! Prints `BENCH <workload> <runtime> n=<n> counts=<nanoseconds>`: wall time from just
//! before the workload's first spawn to the moment its last task finished.
//! - `yield`: two tasks each yield `n` times (n round trips).
//! - `spawn`: a storm: one task spawns `n` trivial tasks back to back (pool of
//!   [`STORM_MAX`] for the pooled runtimes), each counts itself done; the run ends when
//!   all `n` finished.
//!
//! The workload logic is the same for the three runtimes; each uses its own yield and
//! spawn. Instruction counts come from running this under callgrind (see xtask).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Largest storm: the pool size of the storm task for Mote and Embassy.
const STORM_MAX: usize = 100_000;

static FINISHED: AtomicU64 = AtomicU64::new(0);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rt, work, n] = &args[..] else {
        eprintln!("usage: mote-bench-host <mote|tokio|embassy> <yield|spawn> <n>");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("n must be a number");
    if work == "spawn" && n > STORM_MAX as u64 {
        eprintln!("spawn: n is at most {STORM_MAX}");
        std::process::exit(2);
    }
    let start = Instant::now();
    let target = match work.as_str() {
        "yield" => 2,
        "spawn" => n,
        _ => {
            eprintln!("unknown workload {work}");
            std::process::exit(2);
        }
    };
    let (rt_name, work_name) = (rt.clone(), work.clone());
    let report = move || {
        let ns = start.elapsed().as_nanos();
        println!("BENCH {work_name} {rt_name} n={n} counts={ns}");
    };
    match (rt.as_str(), work.as_str()) {
        ("mote", "yield") => mote_rt::run(target, |s| {
            s.must_spawn(mote_rt::yielder(n));
            s.must_spawn(mote_rt::yielder2(n));
        }),
        ("mote", "spawn") => mote_rt::run(target, |s| s.must_spawn(mote_rt::storm(s, n))),
        ("tokio", w) => tokio_rt::run(w, n, target),
        ("embassy", w) => embassy_rt::run(w, n, target, report.clone()),
        _ => {
            eprintln!("unknown runtime {rt}");
            std::process::exit(2);
        }
    }
    report();
}

/// Counts one finished task; returns how many have finished.
fn finish() -> u64 {
    FINISHED.fetch_add(1, Relaxed) + 1
}

mod mote_rt {
    use super::*;
    use mote::executor::Executor;
    use mote::Spawner;

    pub fn run(target: u64, init: impl FnOnce(Spawner)) {
        let ex: &'static Executor = Box::leak(Box::new(Executor::new()));
        ex.run_until(init, || FINISHED.load(Relaxed) >= target);
    }

    #[mote::task]
    pub async fn yielder(n: u64) {
        for _ in 0..n {
            mote::futures::yield_now().await;
        }
        finish();
    }

    #[mote::task]
    pub async fn yielder2(n: u64) {
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
    pub async fn storm(spawner: Spawner, n: u64) {
        for _ in 0..n {
            spawner.must_spawn(trivial());
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
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime");
        rt.block_on(async {
            match work {
                "yield" => {
                    tokio::spawn(yielder(n));
                    tokio::spawn(yielder(n));
                }
                _ => {
                    for _ in 0..n {
                        tokio::spawn(async {
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

    /// Runs the workload; never returns: the last task prints and exits the process.
    pub fn run(work: &str, n: u64, target: u64, report: impl Fn() + 'static) {
        // SAFETY: single write before the executor (the only reader) starts.
        unsafe { *std::ptr::addr_of_mut!(REPORT) = Some(Box::new(report)) };
        let ex: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        let work = work.to_string();
        ex.run(move |s| {
            if work == "yield" {
                s.spawn(yielder(n, target).expect("pool full"));
                s.spawn(yielder2(n, target).expect("pool full"));
            } else if n == 0 {
                done_if_last(0);
            } else {
                s.spawn(storm(s, n).expect("pool full"));
            }
        })
    }
}
