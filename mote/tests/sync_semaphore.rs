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

// ---- property test: random acquires, releases and cancellations ----

use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// Start an acquire of `n` permits in slot `i` (if the slot is free) and poll it.
    Acquire(usize, usize),
    /// Poll slot `i`.
    Poll(usize),
    /// Drop whatever slot `i` holds (pending future or permits).
    Drop(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4usize, 0..4usize).prop_map(|(i, n)| Op::Acquire(i, n)),
        (0..4usize).prop_map(Op::Poll),
        (0..4usize).prop_map(Op::Drop),
    ]
}

type Sem = Semaphore<NoopRawMutex>;

enum Slot<'a> {
    Empty,
    Waiting(
        Probe<mote::sync::semaphore::AcquireFuture<'a, NoopRawMutex>>,
        usize,
        u64,
    ),
    Held(mote::sync::semaphore::SemaphoreReleaser<'a, NoopRawMutex>),
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 3 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Permits are conserved; a woken waiter always completes on its next poll; grants
    /// follow arrival order; nobody is left waiting once enough permits are free.
    #[test]
    fn permits_conserved_and_grants_fifo(ops in proptest::collection::vec(op(), 0..80)) {
        const TOTAL: usize = 4;
        let sem = Sem::new(TOTAL);
        let mut slots: Vec<Slot> = (0..4).map(|_| Slot::Empty).collect();
        let mut arrivals = 0u64;
        for op in &ops {
            match *op {
                Op::Acquire(i, n) => {
                    if matches!(slots[i], Slot::Empty) {
                        arrivals += 1;
                        slots[i] = Slot::Waiting(Probe::new(sem.acquire(n)), n, arrivals);
                    }
                    // fallthrough: poll it
                    if let Slot::Waiting(p, _, _) = &mut slots[i] {
                        if let std::task::Poll::Ready(r) = p.poll() {
                            slots[i] = Slot::Held(r);
                        }
                    }
                }
                Op::Poll(i) => {
                    if let Slot::Waiting(p, n, _) = &mut slots[i] {
                        let woken = p.woken();
                        match p.poll() {
                            std::task::Poll::Ready(r) => {
                                prop_assert_eq!(r.permits(), *n);
                                slots[i] = Slot::Held(r);
                            }
                            std::task::Poll::Pending => prop_assert!(!woken, "woken but not granted"),
                        }
                    }
                }
                Op::Drop(i) => slots[i] = Slot::Empty,
            }
            let held: usize = slots.iter().map(|s| match s { Slot::Held(r) => r.permits(), _ => 0 }).sum();
            // Grants go out in arrival order: no un-woken waiter is older than a woken one.
            let waiting: Vec<(u64, bool)> = slots
                .iter()
                .filter_map(|s| match s {
                    Slot::Waiting(p, _, seq) => Some((*seq, p.woken())),
                    _ => None,
                })
                .collect();
            for &(older, older_woken) in &waiting {
                for &(newer, newer_woken) in &waiting {
                    prop_assert!(!(older < newer && newer_woken && !older_woken), "grant overtook an older waiter");
                }
            }
            // Granted-but-not-polled waiters hold permits too.
            prop_assert!(held + sem.available() <= TOTAL);
        }
        // Release everything held; every waiter must then be able to finish.
        for s in &mut slots {
            if matches!(s, Slot::Held(_)) {
                *s = Slot::Empty;
            }
        }
        // Each round must finish at least one waiter (released permits flow FIFO).
        while slots.iter().any(|s| matches!(s, Slot::Waiting(..))) {
            let mut progressed = false;
            for s in &mut slots {
                if let Slot::Waiting(p, _, _) = s {
                    if p.poll().is_ready() {
                        *s = Slot::Empty; // permits released at once
                        progressed = true;
                    }
                }
            }
            prop_assert!(progressed, "waiters stuck although every permit is free");
        }
        prop_assert_eq!(sem.available(), TOTAL);
    }
}
