//! Behaviour of `sync::rwlock::RwLock`.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::rwlock::{RwLock, TryLockError};
use sync_common::{block_on, Probe};

#[test]
fn readers_share_writer_excludes() {
    let l: RwLock<NoopRawMutex, u32> = RwLock::new(1);
    let a = l.try_read().unwrap();
    let b = l.try_read().unwrap();
    assert_eq!(*a + *b, 2);
    assert_eq!(l.try_write().err(), Some(TryLockError));
    drop((a, b));
    let mut w = l.try_write().unwrap();
    *w = 5;
    assert!(l.try_read().is_err());
    drop(w);
    assert_eq!(*l.try_read().unwrap(), 5);
}

#[test]
fn waiting_writer_blocks_new_readers_and_is_served_first() {
    let l: RwLock<NoopRawMutex, Vec<&str>> = RwLock::new(vec![]);
    let r = l.try_read().unwrap();
    let mut w = Probe::queued(l.write());
    assert!(
        l.try_read().is_err(),
        "a reader may not overtake a waiting writer"
    );
    let mut r2 = Probe::queued(l.read());
    let mut r3 = Probe::queued(l.read());
    drop(r);
    assert!(w.woken() && !r2.woken());
    let mut g = w.ready();
    g.push("w");
    drop(g);
    // Both queued readers are admitted together.
    assert!(r2.woken() && r3.woken());
    let (g2, g3) = (r2.ready(), r3.ready());
    assert_eq!(*g2, vec!["w"]);
    assert_eq!(g2.len() + g3.len(), 2);
}

#[test]
fn cancelled_admitted_writer_passes_on() {
    let l: RwLock<NoopRawMutex, u32> = RwLock::new(0);
    let r = l.try_read().unwrap();
    let w = Probe::queued(l.write());
    let mut r2 = Probe::queued(l.read());
    drop(r);
    assert!(w.woken());
    drop(w); // admitted, then cancelled
    assert!(r2.woken());
    drop(r2.ready());
    assert!(l.try_write().is_ok());
}

#[test]
fn cancelled_waiting_writer_lets_readers_in() {
    let l: RwLock<NoopRawMutex, u32> = RwLock::new(0);
    let r = l.try_read().unwrap();
    let w = Probe::queued(l.write());
    let mut r2 = Probe::queued(l.read());
    drop(w);
    assert!(
        r2.woken(),
        "the reader behind the cancelled writer joins the readers"
    );
    let g = r2.ready();
    drop((g, r));
}

#[test]
fn writers_exclusive_across_threads() {
    static L: RwLock<CriticalSectionRawMutex, (u64, u64)> = RwLock::new((0, 0));
    let per = if cfg!(miri) { 20 } else { 2000 };
    let hs: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                block_on(async {
                    for _ in 0..per {
                        if i % 2 == 0 {
                            let mut g = L.write().await;
                            g.0 += 1;
                            g.1 += 1;
                        } else {
                            let g = L.read().await;
                            assert_eq!(g.0, g.1);
                        }
                    }
                })
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*L.try_read().unwrap(), (2 * per, 2 * per));
}
