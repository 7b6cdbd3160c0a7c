//! Behaviour of the async `sync::mutex::Mutex`.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::mutex::{Mutex, TryLockError};
use sync_common::{block_on, Probe};

#[test]
fn try_lock_excludes() {
    let m: Mutex<NoopRawMutex, u32> = Mutex::new(1);
    let mut g = m.try_lock().unwrap();
    assert_eq!(m.try_lock().err(), Some(TryLockError));
    *g += 1;
    drop(g);
    assert_eq!(*m.try_lock().unwrap(), 2);
}

#[test]
fn lock_is_fifo_with_direct_handoff() {
    let m: Mutex<NoopRawMutex, Vec<u32>> = Mutex::new(Vec::new());
    let g = m.try_lock().unwrap();
    let mut waiters: Vec<_> = (0..3).map(|_| Probe::queued(m.lock())).collect();
    drop(g);
    assert_eq!(
        waiters.iter().map(Probe::woken).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert!(m.try_lock().is_err(), "handed over: nobody can barge in");
    // Later waiters polled first still wait.
    waiters[2].pending();
    for (i, w) in waiters.iter_mut().enumerate() {
        let mut g = w.ready();
        g.push(i as u32);
        drop(g);
    }
    assert_eq!(*m.try_lock().unwrap(), vec![0, 1, 2]);
    assert_eq!(
        waiters.iter().map(Probe::wakes).collect::<Vec<_>>(),
        [1, 1, 1]
    );
}

#[test]
fn cancelled_waiting_lock_leaves_queue() {
    let m: Mutex<NoopRawMutex, u32> = Mutex::new(0);
    let g = m.try_lock().unwrap();
    let a = Probe::queued(m.lock());
    let mut b = Probe::queued(m.lock());
    drop(a);
    drop(g);
    assert!(b.woken());
    drop(b.ready());
    assert!(m.try_lock().is_ok());
}

#[test]
fn cancelled_woken_lock_hands_over_to_next() {
    let m: Mutex<NoopRawMutex, u32> = Mutex::new(0);
    let g = m.try_lock().unwrap();
    let a = Probe::queued(m.lock());
    let mut b = Probe::queued(m.lock());
    drop(g);
    assert!(a.woken());
    drop(a);
    assert!(b.woken());
    let gb = b.ready();
    assert!(m.try_lock().is_err());
    drop(gb);
    // No waiter left: a cancelled woken lock unlocks.
    let g = m.try_lock().unwrap();
    let c = Probe::queued(m.lock());
    drop(g);
    drop(c);
    assert!(m.try_lock().is_ok());
}

#[test]
fn guard_held_across_await_excludes_threads() {
    static M: Mutex<CriticalSectionRawMutex, (u64, u64)> = Mutex::new((0, 0));
    let threads = if cfg!(miri) { 2 } else { 4 };
    let per = if cfg!(miri) { 20 } else { 2000 };
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                block_on(async {
                    for _ in 0..per {
                        let mut g = M.lock().await;
                        g.0 += 1;
                        // Yield while holding the guard: another locker must not get in.
                        let mut yielded = false;
                        std::future::poll_fn(|cx| {
                            if yielded {
                                std::task::Poll::Ready(())
                            } else {
                                yielded = true;
                                cx.waker().wake_by_ref();
                                std::task::Poll::Pending
                            }
                        })
                        .await;
                        g.1 += 1;
                        assert_eq!(g.0, g.1);
                    }
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total = threads as u64 * per;
    assert_eq!(*block_on(M.lock()), (total, total));
}
