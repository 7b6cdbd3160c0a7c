//! Adversarial tests of a task whose *destructor* panics after it completed (std only:
//! panics unwind there), caught by the executor's caller: a joinable task's output
//! dropped on its executor (handle dropped), and a heap task's future that still holds
//! state after `Ready`. The executor must finish the task all the same (slot freed or
//! memory given back, later wakes do nothing), never poll or drop it again.
//! `cargo test -p mote --features std,time,alloc --test executor_panic_adversary` (also
//! under Miri: `MIRI_TESTS` in `xtask/src/host.rs`).
#![cfg(feature = "std")]

mod executor_support;
use executor_support::leak_executor;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Poll, Waker};

use mote::executor::raw::RawExecutor;

/// Polls `exec` until a batch polls nothing, catching panics; returns (polled, panics).
fn drain_catching(exec: &'static RawExecutor) -> (usize, usize) {
    let (mut polled, mut panics) = (0, 0);
    loop {
        // SAFETY: each test is the only poller of its executor.
        match catch_unwind(AssertUnwindSafe(|| unsafe { exec.poll() })) {
            Ok(0) => return (polled, panics),
            Ok(n) => polled += n,
            Err(_) => panics += 1,
        }
    }
}

/// A value whose first drop panics; its drops are counted (the count is what a double
/// drop would show).
struct PanicOnDrop(&'static AtomicUsize);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("output's destructor panics");
        }
    }
}

/// Keeps a clone of the task's waker, for a wake after it finished (a driver keeping a
/// stale waker).
async fn keep_waker(slot: &'static Mutex<Option<Waker>>) {
    poll_fn(|cx| {
        *slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Ready(())
    })
    .await
}

#[mote::task]
async fn output_panics_on_drop(
    drops: &'static AtomicUsize,
    waker: &'static Mutex<Option<Waker>>,
) -> PanicOnDrop {
    keep_waker(waker).await;
    PanicOnDrop(drops)
}

#[test]
fn a_detached_output_whose_drop_panics_is_dropped_once_and_its_slot_freed() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static WAKER: Mutex<Option<Waker>> = Mutex::new(None);
    let exec = leak_executor();
    let handle = exec
        .spawner()
        .spawn_with_handle(output_panics_on_drop(&DROPS, &WAKER))
        .unwrap();
    drop(handle); // detached: the output is dropped on the executor
    let (_, panics) = drain_catching(exec);
    assert_eq!(panics, 1, "the drop's panic reaches the executor's caller");
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    // A stale waker kept by a driver: the task is finished, so nothing is polled.
    WAKER.lock().unwrap().take().unwrap().wake();
    assert_eq!(
        drain_catching(exec),
        (0, 0),
        "a finished task is not polled again"
    );
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "the output is dropped exactly once"
    );
    assert!(
        output_panics_on_drop(&DROPS, &WAKER).reserved().is_ok(),
        "the slot is free again"
    );
}

#[mote::task(pool_size = 8)]
async fn output_panics_on_drop_large(
    drops: &'static AtomicUsize,
    waker: &'static Mutex<Option<Waker>>,
) -> PanicOnDrop {
    keep_waker(waker).await;
    PanicOnDrop(drops)
}

#[test]
fn the_same_in_a_large_pool_after_the_handle_let_go_of_a_finished_task() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static WAKER: Mutex<Option<Waker>> = Mutex::new(None);
    let exec = leak_executor();
    let handle = exec
        .spawner()
        .spawn_with_handle(output_panics_on_drop_large(&DROPS, &WAKER))
        .unwrap();
    assert_eq!(drain_catching(exec), (1, 0));
    assert!(handle.is_finished());
    drop(handle); // wakes the task, whose next turn drops the output
    let (_, panics) = drain_catching(exec);
    assert_eq!(panics, 1);
    WAKER.lock().unwrap().take().unwrap().wake();
    assert_eq!(
        drain_catching(exec),
        (0, 0),
        "a finished task is not polled again"
    );
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "the output is dropped exactly once"
    );
    // All eight slots can be claimed: the one that panicked went back to the free list.
    let tokens: Vec<_> = (0..8)
        .map(|_| output_panics_on_drop_large(&DROPS, &WAKER))
        .collect();
    assert!(
        tokens.iter().all(|t| t.reserved().is_ok()),
        "every slot is free"
    );
}

/// A heap task's future that still holds a value after it returned `Ready` (a
/// hand-written future: `poll_fn` keeps its closure until dropped), whose drop panics.
#[cfg(feature = "alloc")]
#[test]
fn a_heap_future_whose_drop_after_ready_panics_is_finished_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    static WAKER: Mutex<Option<Waker>> = Mutex::new(None);
    let exec = leak_executor();
    let held = PanicOnDrop(&DROPS);
    exec.spawner()
        .spawn_boxed(
            "drop-panics",
            poll_fn(move |cx| {
                let _ = &held;
                POLLS.fetch_add(1, Ordering::SeqCst);
                *WAKER.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(())
            }),
        )
        .unwrap();
    let (_, panics) = drain_catching(exec);
    assert_eq!(panics, 1, "the drop's panic reaches the executor's caller");
    assert_eq!(POLLS.load(Ordering::SeqCst), 1);
    WAKER.lock().unwrap().take().unwrap().wake();
    assert_eq!(
        drain_catching(exec),
        (0, 0),
        "a finished task is not polled again"
    );
    assert_eq!(POLLS.load(Ordering::SeqCst), 1, "never polled after Ready");
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "the future is dropped exactly once"
    );
}

#[mote::task]
async fn takes(_value: PanicOnDrop) {}

#[test]
fn a_token_dropped_unspawned_whose_future_drop_panics_frees_its_slot() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let token = takes(PanicOnDrop(&DROPS));
    assert!(catch_unwind(AssertUnwindSafe(|| drop(token))).is_err());
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    let again = takes(PanicOnDrop(&DROPS));
    assert!(again.reserved().is_ok(), "the slot was given back");
    drop(again);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
}

/// Waits for ever holding a value whose drop panics (once).
#[mote::task]
async fn holds_panic_on_drop(
    drops: &'static AtomicUsize,
    waker: &'static Mutex<Option<Waker>>,
) -> u32 {
    let _held = PanicOnDrop(drops);
    poll_fn(|cx| {
        *waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::<()>::Pending
    })
    .await;
    0
}

/// Regression (found nothing): an abort whose destructors panic, attached and detached.
#[test]
fn an_abort_whose_destructor_panics_reports_it_and_frees_the_slot_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static WAKER: Mutex<Option<Waker>> = Mutex::new(None);
    let exec = leak_executor();
    let s = exec.spawner();
    // Attached: the joiner gets `Panicked` (the drop's panic), the executor goes on.
    let mut handle = s
        .spawn_with_handle(holds_panic_on_drop(&DROPS, &WAKER))
        .unwrap();
    assert_eq!(drain_catching(exec), (1, 0));
    handle.abort();
    handle.abort(); // twice: the same as once
    assert_eq!(
        drain_catching(exec),
        (1, 0),
        "not raised: a handle is attached"
    );
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    let mut cx = std::task::Context::from_waker(Waker::noop());
    assert_eq!(
        std::pin::Pin::new(&mut handle).poll(&mut cx),
        Poll::Ready(Err(mote::executor::JoinError::Panicked))
    );
    drain_catching(exec);
    WAKER.lock().unwrap().take().unwrap().wake(); // stale
    assert_eq!(drain_catching(exec), (0, 0));
    assert!(holds_panic_on_drop(&DROPS, &WAKER).reserved().is_ok());
    // Detached, through an abort handle: the panic reaches the executor's caller once.
    DROPS.store(0, Ordering::SeqCst);
    let handle = s
        .spawn_with_handle(holds_panic_on_drop(&DROPS, &WAKER))
        .unwrap();
    let abort = handle.abort_handle();
    drop(handle);
    assert_eq!(drain_catching(exec), (1, 0));
    abort.abort();
    let (_, panics) = drain_catching(exec);
    assert_eq!(panics, 1);
    assert!(abort.is_finished());
    abort.abort(); // after the finish: nothing
    WAKER.lock().unwrap().take().unwrap().wake(); // stale
    assert_eq!(drain_catching(exec), (0, 0));
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    assert!(holds_panic_on_drop(&DROPS, &WAKER).reserved().is_ok());
}

#[cfg(feature = "time")]
mote::time_driver!(
    static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new();
);

#[cfg(feature = "time")]
mod timer_then_panic {
    use super::*;
    use mote::executor::raw::Pender;
    use mote::time::drivers::sim;
    use mote::time::{Duration, Timer};
    use std::sync::atomic::AtomicBool;

    static PENDED: AtomicBool = AtomicBool::new(false);
    static SLEPT: AtomicBool = AtomicBool::new(false);

    unsafe extern "C" fn pend(_: *const ()) {
        PENDED.store(true, Ordering::SeqCst);
    }

    #[mote::task]
    async fn sleeper() {
        Timer::after(Duration::from_ticks(10)).await;
        SLEPT.store(true, Ordering::SeqCst);
    }

    #[mote::task]
    async fn panics_once() {
        panic!("a task of the same batch panics");
    }

    /// A custom backend's loop (`RawExecutor::poll` until pended, catching panics): a
    /// task registers the executor's earliest timer (from the executor's own context,
    /// so the re-arm is left to the batch's end), then another task of the same batch
    /// panics. The batch's end must still arm the alarm (or pend the executor), or the
    /// loop sleeps through the deadline.
    #[test]
    fn a_panic_in_a_batch_does_not_skip_the_alarm_for_a_timer_registered_before_it() {
        // SAFETY: `pend` only stores to an atomic: callable from any context.
        let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(unsafe {
            Pender::new(pend, std::ptr::null())
        })));
        let s = exec.spawner();
        s.spawn(sleeper()).unwrap();
        s.spawn(panics_once()).unwrap();
        let mut panics = 0;
        for _ in 0..100 {
            if PENDED.swap(false, Ordering::SeqCst) {
                // SAFETY: this thread is the only one polling `exec`.
                if catch_unwind(AssertUnwindSafe(|| unsafe { exec.poll() })).is_err() {
                    panics += 1;
                }
            } else if !sim::advance_to_next_alarm() {
                break; // asleep, with nothing to wake it
            }
        }
        assert_eq!(panics, 1);
        assert!(
            SLEPT.load(Ordering::SeqCst),
            "the sleeper woke at its deadline"
        );
        assert_eq!(mote::time::Instant::now().as_ticks(), 10);
    }
}
