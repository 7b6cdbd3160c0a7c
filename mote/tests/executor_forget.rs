//! Leaking with `mem::forget` (safe code): a forgotten `SpawnToken` or `JoinHandle`
//! keeps its task's slot busy for good, as documented on both types. The pool then
//! answers `SpawnError::Busy` (never a panic, never a slot handed out twice), the
//! forgotten future or output is never dropped, and every other pool and task goes on.
mod executor_support;
use executor_support::{drain, leak_executor};

use std::sync::atomic::{AtomicUsize, Ordering};

use mote::SpawnError;

/// Counts drops, to show what a leak does not drop.
struct Counted(&'static AtomicUsize);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_forgotten_token_keeps_its_slot_and_the_pool_reports_busy() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[mote::task(pool_size = 2)]
    async fn held(value: Counted) {
        RUNS.fetch_add(1, Ordering::Relaxed);
        drop(value);
    }
    let exec = leak_executor();
    let s = exec.spawner();
    core::mem::forget(held(Counted(&DROPS)));
    // One slot left: the leaked one is never handed out again, nor its future dropped.
    let second = held(Counted(&DROPS));
    assert!(second.reserved().is_ok());
    assert_eq!(s.spawn(held(Counted(&DROPS))), Err(SpawnError::Busy));
    // The refused call dropped its argument, nothing else.
    assert_eq!(DROPS.load(Ordering::Relaxed), 1);
    s.spawn(second).unwrap();
    assert_eq!(drain(exec), 1);
    assert_eq!(RUNS.load(Ordering::Relaxed), 1);
    assert_eq!(DROPS.load(Ordering::Relaxed), 2);
    // The freed slot is reused; the leaked one stays busy.
    s.spawn(held(Counted(&DROPS))).unwrap();
    assert_eq!(s.spawn(held(Counted(&DROPS))), Err(SpawnError::Busy));
    assert_eq!(drain(exec), 1);
    assert_eq!(RUNS.load(Ordering::Relaxed), 2);
    assert_eq!(DROPS.load(Ordering::Relaxed), 4);
}

#[test]
fn a_forgotten_join_handle_keeps_the_output_and_the_slot() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    #[mote::task]
    async fn make(drops: &'static AtomicUsize) -> Counted {
        Counted(drops)
    }
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(make(&DROPS)).unwrap();
    let abort = handle.abort_handle();
    core::mem::forget(handle);
    // The task runs, finishes, and waits for a handle that will never come back: its
    // output is kept (not dropped), and later wakes do nothing.
    assert_eq!(drain(exec), 1);
    assert!(abort.is_finished());
    abort.abort();
    assert_eq!(drain(exec), 0);
    assert_eq!(DROPS.load(Ordering::Relaxed), 0);
    // The slot stays busy: the pool answers Busy, without a panic.
    assert_eq!(
        s.spawn_with_handle(make(&DROPS)).err(),
        Some(SpawnError::Busy)
    );
    assert_eq!(DROPS.load(Ordering::Relaxed), 0);
}
