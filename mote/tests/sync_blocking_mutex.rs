//! Behaviour of `sync::blocking_mutex`.
#![cfg(feature = "std")] // StdRawMutex and thread-mode checks need the std backend

use core::cell::{Cell, RefCell};

use mote::sync::blocking_mutex::raw::{
    CriticalSectionRawMutex, NoopRawMutex, RawMutex, StdRawMutex,
};
use mote::sync::blocking_mutex::Mutex;
use mote::sync::channel::{Channel, TrySendError};

static COUNTER: Mutex<CriticalSectionRawMutex, Cell<u64>> = Mutex::new(Cell::new(0));

#[test]
fn critical_section_mutex_serialises_threads() {
    let threads = if cfg!(miri) { 2 } else { 4 };
    let per_thread = if cfg!(miri) { 50 } else { 10_000 };
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    // A read-modify-write split in two steps: lost updates would show up
                    // without mutual exclusion.
                    COUNTER.lock(|c| {
                        let v = c.get();
                        std::hint::black_box(());
                        c.set(v + 1);
                    });
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(COUNTER.lock(|c| c.get()), threads * per_thread);
}

#[test]
fn lock_returns_closure_result_and_nests() {
    let m: Mutex<CriticalSectionRawMutex, RefCell<Vec<u8>>> = Mutex::new(RefCell::new(vec![]));
    let len = m.lock(|v| {
        v.borrow_mut().push(1);
        // Re-entrant lock from the same context is allowed and sees the same data.
        m.lock(|w| w.borrow_mut().push(2));
        v.borrow().len()
    });
    assert_eq!(len, 2);
    assert_eq!(m.into_inner().into_inner(), vec![1, 2]);
}

#[test]
fn get_mut_and_into_inner() {
    let mut m: Mutex<NoopRawMutex, u32> = Mutex::new(5);
    *m.get_mut() *= 3;
    assert_eq!(m.lock(|v| *v), 15);
    assert_eq!(m.into_inner(), 15);
}

#[test]
fn raw_init_constants_lock() {
    fn run<R: RawMutex>() -> u8 {
        let r = R::INIT;
        r.lock(|| 9)
    }
    assert_eq!(run::<CriticalSectionRawMutex>(), 9);
    assert_eq!(run::<NoopRawMutex>(), 9);
    assert_eq!(run::<StdRawMutex>(), 9);
    // `ThreadModeRawMutex`: tests/sync_thread_mode.rs (thread mode is process-wide).
}

#[test]
fn noop_mutex_is_send() {
    fn send<T: Send>(_: T) {}
    send(Mutex::<NoopRawMutex, u8>::new(1));
}

static STD_COUNTER: Mutex<StdRawMutex, Cell<u64>> = Mutex::new(Cell::new(0));

/// `StdRawMutex` excludes threads: many threads hammering one `static` count exactly.
#[test]
fn std_mutex_serialises_threads() {
    let threads = if cfg!(miri) { 3 } else { 8 };
    let per_thread = if cfg!(miri) { 30 } else { 20_000 };
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    STD_COUNTER.lock(|c| {
                        let v = c.get();
                        std::hint::black_box(());
                        c.set(v + 1);
                    });
                }
            });
        }
    });
    assert_eq!(STD_COUNTER.lock(|c| c.get()), threads * per_thread);
}

static STD_CHANNEL: Channel<StdRawMutex, u64, 4> = Channel::new();

/// A `static Channel<StdRawMutex, ..>` shared by spinning producers and consumers: every
/// value arrives exactly once.
#[test]
fn std_mutex_channel_between_threads() {
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    let producers: u64 = if cfg!(miri) { 2 } else { 4 };
    let per_producer: u64 = if cfg!(miri) { 20 } else { 10_000 };
    let total = producers * per_producer;
    let (received, sum, finished) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        for p in 0..producers {
            let finished = &finished;
            s.spawn(move || {
                // Counted on the way out, even by a panic, so the consumers always stop.
                struct Finished<'a>(&'a AtomicU64);
                impl Drop for Finished<'_> {
                    fn drop(&mut self) {
                        self.0.fetch_add(1, SeqCst);
                    }
                }
                let _finished = Finished(finished);
                for i in 0..per_producer {
                    let mut v = p * per_producer + i;
                    while let Err(TrySendError::Full(back)) = STD_CHANNEL.try_send(v) {
                        v = back;
                        std::thread::yield_now();
                    }
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| loop {
                // Read before trying, so that "all sent and empty" ends the loop even
                // if a producer failed (no hang).
                let all_sent = finished.load(SeqCst) == producers;
                match STD_CHANNEL.try_receive() {
                    Ok(v) => {
                        sum.fetch_add(v, SeqCst);
                        received.fetch_add(1, SeqCst);
                    }
                    Err(_) if all_sent => break,
                    Err(_) => std::thread::yield_now(),
                }
            });
        }
    });
    assert_eq!(received.into_inner(), total);
    assert_eq!(sum.into_inner(), total * (total - 1) / 2);
}

/// Nested locks from the holding thread run at once (the `RawMutex` contract), and
/// another thread still waits for the outermost lock to end.
#[test]
fn std_mutex_is_reentrant_for_its_thread_only() {
    let m: Mutex<StdRawMutex, RefCell<Vec<u8>>> = Mutex::new(RefCell::new(vec![]));
    let r = StdRawMutex::new();
    assert_eq!(r.lock(|| r.lock(|| r.lock(|| 3))), 3);
    std::thread::scope(|s| {
        m.lock(|v| {
            v.borrow_mut().push(1);
            // Waits for this thread's lock (outermost and nested) to end.
            let other = s.spawn(|| m.lock(|v| v.borrow_mut().push(3)));
            std::thread::sleep(std::time::Duration::from_millis(if cfg!(miri) {
                1
            } else {
                20
            }));
            m.lock(|w| w.borrow_mut().push(2));
            assert!(!other.is_finished(), "another thread got in while locked");
            other
        })
        .join()
        .unwrap();
    });
    assert_eq!(m.into_inner().into_inner(), vec![1, 2, 3]);
}

/// A panic inside the closure releases the lock (and does not poison it).
#[test]
fn std_mutex_released_by_a_panic() {
    let m: Mutex<StdRawMutex, Cell<u8>> = Mutex::new(Cell::new(0));
    let outer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        m.lock(|c| {
            c.set(1);
            m.lock(|_| panic!("inside a nested lock"));
        })
    }));
    assert!(outer.is_err());
    // Usable again, from this thread and from another one.
    m.lock(|c| c.set(c.get() + 1));
    std::thread::scope(|s| s.spawn(|| m.lock(|c| c.set(c.get() + 1))).join().unwrap());
    assert_eq!(m.lock(|c| c.get()), 3);
}
