//! The std backend's park/wake protocol, under real threads (and under Miri's weak-memory
//! emulation with many seeds: see `MIRI_SEEDED` in `xtask/src/host.rs`).
//!
//! A lost wake shows as a hang: the executor thread parks with its task queued and no
//! later wake signals it again (the pender runs only when the run queue becomes
//! non-empty). The other thread then waits for a ping that never comes: natively it gives
//! up after a bounded wait and the test fails; under Miri it blocks without a timeout, so
//! with both threads blocked Miri reports the deadlock at once.

#![cfg(feature = "std")]

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::task::{Poll, Waker};

use mote::executor::Executor;

const ROUNDS: u32 = if cfg!(miri) { 3 } else { 10_000 };

static PING: Mutex<u32> = Mutex::new(0);
static PINGED: Condvar = Condvar::new();
static PONG: AtomicU32 = AtomicU32::new(0);
static WAKER: Mutex<Option<Waker>> = Mutex::new(None);
static DONE: AtomicBool = AtomicBool::new(false);
/// Set by the other thread when the executor stopped answering (a lost wake).
static LOST: AtomicBool = AtomicBool::new(false);

/// Waits until the other thread answered round `i`.
async fn pong(i: u32) {
    poll_fn(|cx| {
        if PONG.load(Ordering::Acquire) >= i {
            return Poll::Ready(());
        }
        *WAKER.lock().unwrap() = Some(cx.waker().clone());
        // Re-checked after publishing the waker: the answer may have come in between.
        if PONG.load(Ordering::Acquire) >= i {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Blocks until the task pinged round `i`; `false` if it did not within 20 s (natively;
/// under Miri the wait has no timeout, so a lost wake is a reported deadlock).
fn wait_for_ping(i: u32) -> bool {
    let ping = PING.lock().unwrap();
    if cfg!(miri) {
        drop(PINGED.wait_while(ping, |p| *p < i).unwrap());
        true
    } else {
        let limit = std::time::Duration::from_secs(20);
        let (ping, timeout) = PINGED.wait_timeout_while(ping, limit, |p| *p < i).unwrap();
        drop(ping);
        !timeout.timed_out()
    }
}

#[mote::task]
async fn pinger() {
    for i in 1..=ROUNDS {
        *PING.lock().unwrap() = i;
        PINGED.notify_one();
        pong(i).await;
    }
    DONE.store(true, Ordering::Release);
}

/// One task on the std executor, one other thread answering each of its pings with a
/// wake: every round needs the executor to be unparked (or not to park) exactly when
/// the other thread's wake races with its decision to sleep.
#[test]
fn ping_pong_with_another_thread_never_loses_a_wake() {
    let executor_thread = std::thread::current();
    let answerer = std::thread::spawn(move || {
        for i in 1..=ROUNDS {
            if !wait_for_ping(i) {
                // Unstick the executor so the test reports instead of hanging.
                LOST.store(true, Ordering::SeqCst);
                DONE.store(true, Ordering::SeqCst);
                executor_thread.unpark();
                return;
            }
            PONG.store(i, Ordering::Release);
            if let Some(w) = WAKER.lock().unwrap().take() {
                w.wake();
            }
        }
    });
    let executor: &'static Executor = Box::leak(Box::new(Executor::new()));
    executor.run_until(
        |spawner| spawner.must_spawn(pinger()),
        || DONE.load(Ordering::Acquire),
    );
    answerer.join().unwrap();
    assert!(
        !LOST.load(Ordering::SeqCst),
        "the executor slept through a wake"
    );
    assert_eq!(PONG.load(Ordering::Relaxed), ROUNDS);
}
