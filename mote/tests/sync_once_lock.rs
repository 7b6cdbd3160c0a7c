//! Behaviour of `sync::once_lock::{OnceLock, LazyLock}`.

mod sync_common;

use std::sync::atomic::{AtomicUsize, Ordering};

use mote::sync::once_lock::{LazyLock, OnceLock};
use sync_common::{block_on, Probe};

#[test]
fn set_once_then_read() {
    let cell = OnceLock::new();
    assert_eq!(cell.get(), None);
    assert_eq!(cell.init(String::from("a")), Ok(()));
    assert_eq!(cell.init(String::from("b")), Err(String::from("b")));
    assert_eq!(cell.get().map(String::as_str), Some("a"));
    assert_eq!(cell.get_or_init(|| unreachable!()), "a");
}

#[test]
fn waiters_all_woken_when_set() {
    let cell = OnceLock::new();
    let mut ws: Vec<_> = (0..3).map(|_| Probe::new(cell.wait())).collect();
    for w in &mut ws {
        w.pending();
    }
    let mut dropped = Probe::new(cell.wait());
    dropped.pending();
    drop(dropped);
    cell.init(9u8).unwrap();
    for w in &mut ws {
        assert_eq!(w.wakes(), 1);
        assert_eq!(*w.ready(), 9);
    }
    assert_eq!(*Probe::new(cell.wait()).ready(), 9);
}

#[test]
fn initialiser_runs_once_across_threads() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    static CELL: OnceLock<usize> = OnceLock::new();
    let hs: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                *CELL.get_or_init(|| {
                    CALLS.fetch_add(1, Ordering::SeqCst);
                    i
                })
            })
        })
        .collect();
    let seen: Vec<usize> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    assert!(seen.iter().all(|&v| v == seen[0]));
}

#[test]
fn wait_from_another_thread() {
    static CELL: OnceLock<u32> = OnceLock::new();
    let t = std::thread::spawn(|| *block_on(CELL.wait()));
    CELL.init(77).unwrap();
    assert_eq!(t.join().unwrap(), 77);
}

#[test]
fn reentrant_init_panics_and_leaves_cell_empty() {
    let cell: OnceLock<u8> = OnceLock::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cell.get_or_init(|| *cell.get_or_init(|| 1));
    }));
    assert!(r.is_err());
    assert_eq!(
        cell.get(),
        None,
        "a panicking initialiser leaves the cell empty"
    );
    assert_eq!(cell.init(2), Ok(()));
}

#[test]
fn take_empties_and_drop_drops() {
    let mut cell = OnceLock::new();
    let rc = std::rc::Rc::new(());
    cell.init(rc.clone()).unwrap();
    assert_eq!(std::rc::Rc::strong_count(&rc), 2);
    assert!(cell.take().is_some());
    assert_eq!(cell.get(), None);
    cell.init(rc.clone()).unwrap();
    drop(cell);
    assert_eq!(std::rc::Rc::strong_count(&rc), 1);
}

#[test]
fn lazy_lock_computes_once() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    static LAZY: LazyLock<Vec<u32>> = LazyLock::new(|| {
        CALLS.fetch_add(1, Ordering::SeqCst);
        vec![1, 2, 3]
    });
    assert_eq!(CALLS.load(Ordering::SeqCst), 0, "nothing before first use");
    assert_eq!(LAZY.len(), 3);
    assert_eq!(LAZY[2], 3);
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
}

#[test]
fn lazy_lock_with_closure_type() {
    let base = 10;
    let lazy = LazyLock::new(move || base * 2);
    assert_eq!(*lazy, 20);
}
