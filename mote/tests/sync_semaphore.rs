//! Behaviour of `sync::semaphore::Semaphore`.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::semaphore::Semaphore;
use sync_common::{block_on, Probe};

#[test]
fn permits_are_counted() {
    let s: Semaphore<NoopRawMutex> = Semaphore::new(3);
    let a = s.try_acquire(2).unwrap();
    assert_eq!(a.permits(), 2);
    assert_eq!(s.available(), 1);
    assert!(s.try_acquire(2).is_none());
    let b = Probe::new(s.acquire(1)).ready();
    assert_eq!(s.available(), 0);
    drop(a);
    drop(b);
    assert_eq!(s.available(), 3);
    s.try_acquire(1).unwrap().disarm();
    assert_eq!(s.available(), 2);
}

#[test]
fn big_request_is_not_starved_by_small_ones() {
    let s: Semaphore<NoopRawMutex> = Semaphore::new(1);
    let held = s.try_acquire(1).unwrap();
    let mut big = Probe::new(s.acquire(3));
    let mut small = Probe::new(s.acquire(1));
    big.pending();
    small.pending();
    s.release(1); // 1 free: big wants 3; small must not overtake
    assert!(!big.woken() && !small.woken());
    assert!(
        s.try_acquire(1).is_none(),
        "try_acquire fails while anyone waits"
    );
    drop(held); // 2 free
    assert!(!big.woken());
    s.release(1); // 3 free: big granted, small still queued (0 left)
    assert!(big.woken() && !small.woken());
    let b = big.ready();
    assert_eq!(s.available(), 0);
    drop(b); // 3 back: small granted
    assert!(small.woken());
    small.ready().disarm();
    assert_eq!(s.available(), 2);
}

#[test]
fn one_release_can_wake_several_waiters_in_order() {
    let s: Semaphore<NoopRawMutex> = Semaphore::new(0);
    let mut w: Vec<_> = (0..3).map(|_| Probe::new(s.acquire(1))).collect();
    for p in &mut w {
        p.pending();
    }
    s.release(2);
    assert_eq!(
        w.iter().map(Probe::woken).collect::<Vec<_>>(),
        [true, true, false]
    );
    for p in &mut w[..2] {
        p.ready().disarm();
    }
    w[2].pending();
}

#[test]
fn cancelled_granted_acquire_returns_permits_to_next() {
    let s: Semaphore<NoopRawMutex> = Semaphore::new(0);
    let mut a = Probe::new(s.acquire(2));
    let mut b = Probe::new(s.acquire(2));
    a.pending();
    b.pending();
    s.release(2);
    assert!(a.woken() && !b.woken());
    drop(a);
    assert!(b.woken());
    b.ready().disarm();
    assert_eq!(s.available(), 0);
}

#[test]
fn cancelled_waiting_head_unblocks_smaller_requests() {
    let s: Semaphore<NoopRawMutex> = Semaphore::new(1);
    let mut big = Probe::new(s.acquire(5));
    let mut small = Probe::new(s.acquire(1));
    big.pending();
    small.pending();
    drop(big);
    assert!(small.woken());
    drop(small.ready());
}

#[test]
fn limits_concurrency_across_threads() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static S: Semaphore<CriticalSectionRawMutex> = Semaphore::new(2);
    static INSIDE: AtomicUsize = AtomicUsize::new(0);
    static MAX: AtomicUsize = AtomicUsize::new(0);
    let per = if cfg!(miri) { 10 } else { 500 };
    let hs: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..per {
                    let _p = block_on(S.acquire(1));
                    let now = INSIDE.fetch_add(1, Ordering::SeqCst) + 1;
                    MAX.fetch_max(now, Ordering::SeqCst);
                    std::thread::yield_now();
                    INSIDE.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(MAX.load(Ordering::SeqCst) <= 2);
    assert_eq!(S.available(), 2);
}
