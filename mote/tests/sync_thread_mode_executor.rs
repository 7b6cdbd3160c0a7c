//! On the host, the thread that runs a mote `Executor` becomes thread mode as the executor
//! starts, before any `ThreadModeRawMutex` is locked.
//!
//! The claim of thread mode is process-wide and permanent, so this file holds a single
//! test (see also `sync_thread_mode.rs`).
#![cfg(feature = "std")]

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::blocking_mutex::Mutex;

static TICKS: Mutex<ThreadModeRawMutex, Cell<u32>> = Mutex::new(Cell::new(0));

#[mote::task]
async fn tick() {
    TICKS.lock(|t| t.set(t.get() + 1));
}

/// The executor's thread (named `worker`) is thread mode from the moment it runs: the
/// test's own thread, which locks first, is refused; the executor's task locks freely.
#[test]
fn executor_thread_is_thread_mode() {
    let (started_tx, started_rx) = mpsc::channel();
    let (tried_tx, tried_rx) = mpsc::channel::<()>();
    let host = std::thread::Builder::new()
        .name("worker".into())
        .spawn(move || {
            let executor: &'static Executor = Box::leak(Box::new(Executor::new()));
            executor.run_until(
                |spawner| {
                    // No ThreadModeRawMutex was locked yet: let the other thread try
                    // first, then run the task.
                    started_tx.send(()).unwrap();
                    tried_rx.recv().unwrap();
                    spawner.must_spawn(tick());
                },
                || TICKS.lock(|t| t.get()) == 1,
            );
            TICKS.lock(|t| t.get())
        })
        .unwrap();
    started_rx.recv().unwrap();
    let here = catch_unwind(AssertUnwindSafe(|| TICKS.lock(|t| t.get())));
    tried_tx.send(()).unwrap();
    let err = here.expect_err("the executor's thread must already be thread mode");
    let msg = err.downcast::<String>().map(|s| *s).unwrap_or_default();
    assert!(
        msg.contains("but thread mode belongs to thread \"worker\""),
        "unexpected message: {msg}"
    );
    assert_eq!(host.join().unwrap(), 1);
}
