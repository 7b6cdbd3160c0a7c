//! `ThreadModeRawMutex` on the host: thread mode is one identified thread of the process,
//! never a thread name.
//!
//! The claim of thread mode is process-wide and permanent, so this file holds a single
//! test: any other test of this binary that locked a `ThreadModeRawMutex` could take
//! thread mode first and change what this one sees.
#![cfg(feature = "std")]

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Barrier;
use std::thread;

use mote::sync::blocking_mutex::raw::{RawMutex, ThreadModeRawMutex};
use mote::sync::blocking_mutex::Mutex;

static COUNT: Mutex<ThreadModeRawMutex, Cell<u64>> = Mutex::new(Cell::new(0));

/// The message of a caught panic.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast::<&'static str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Locks `COUNT` `n` times, each time incrementing it in two steps (a lost update would
/// show without exclusion). `Err((i, message))`: lock number `i` was refused.
fn bump(n: u64) -> Result<(), (u64, String)> {
    for i in 0..n {
        let locked = catch_unwind(AssertUnwindSafe(|| {
            COUNT.lock(|c| {
                let v = c.get();
                std::hint::black_box(());
                c.set(v + 1);
            })
        }));
        if let Err(payload) = locked {
            return Err((i, message(payload)));
        }
    }
    Ok(())
}

/// Two threads both named `main` race for the same `static` value: exactly one of them is
/// thread mode (all its locks succeed, the count is exact), the other is refused from its
/// first lock on, with a message that names both threads and what to use instead. The
/// test harness's own thread is refused too, and a raw `INIT` works in thread mode.
#[test]
fn two_threads_named_main_never_share_thread_mode() {
    let per_thread = if cfg!(miri) { 20 } else { 10_000 };
    let start = Barrier::new(2);
    let done = Barrier::new(2);
    let run = || {
        start.wait();
        let outcome = bump(per_thread);
        done.wait();
        // Only thread mode may read the total, after both threads are through.
        let total = outcome.is_ok().then(|| COUNT.lock(|c| c.get()));
        let raw_init = outcome
            .is_ok()
            .then(|| <ThreadModeRawMutex as RawMutex>::INIT.lock(|| 9));
        (outcome, total, raw_init)
    };
    let [a, b] = thread::scope(|s| {
        let spawn = || {
            thread::Builder::new()
                .name("main".into())
                .spawn_scoped(s, run)
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        [a.join().unwrap(), b.join().unwrap()]
    });
    let (winner, loser) = if a.0.is_ok() { (a, b) } else { (b, a) };
    assert!(winner.0.is_ok(), "neither thread got thread mode");
    let (refused_at, msg) = loser
        .0
        .expect_err("two threads named `main` both locked a ThreadModeRawMutex");
    assert_eq!(refused_at, 0, "the other thread must be refused at once");
    assert_eq!(
        winner.1,
        Some(per_thread),
        "thread mode's count must be exact"
    );
    assert_eq!(winner.2, Some(9));
    for part in [
        "locked from thread \"main\"",
        "but thread mode belongs to thread \"main\"",
        "CriticalSectionRawMutex",
        "StdRawMutex",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }

    // Thread mode stays with its (now finished) thread: this one is refused as well.
    let here = catch_unwind(|| COUNT.lock(|c| c.get()));
    assert!(here.is_err(), "the test thread is not thread mode");
}
