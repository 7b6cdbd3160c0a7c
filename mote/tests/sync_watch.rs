//! Behaviour of `sync::watch::Watch`.

mod sync_common;

use mote::sync::blocking_mutex::raw::NoopRawMutex;
use mote::sync::watch::Watch;
use sync_common::Probe;

#[test]
fn receivers_see_latest_value_once_per_change() {
    let w: Watch<NoopRawMutex, u32> = Watch::new();
    let mut a = w.receiver();
    let mut b = w.receiver();
    assert_eq!(a.try_changed(), None);
    w.send(1);
    w.send(2);
    assert_eq!(a.try_changed(), Some(2));
    assert_eq!(a.try_changed(), None);
    assert_eq!(
        b.try_changed(),
        Some(2),
        "each receiver has its own version"
    );
    w.send(2);
    assert_eq!(
        a.try_changed(),
        Some(2),
        "a send is a change even with an equal value"
    );
    assert_eq!(w.try_get(), Some(2));
}

#[test]
fn send_wakes_every_waiting_receiver_once() {
    let w: Watch<NoopRawMutex, u32> = Watch::new();
    let mut rxs: Vec<_> = (0..5).map(|_| w.receiver()).collect();
    let mut probes: Vec<_> = rxs.iter_mut().map(|r| Probe::new(r.changed())).collect();
    for p in &mut probes {
        p.pending();
    }
    w.send(7);
    assert!(probes.iter().all(|p| p.wakes() == 1));
    for p in &mut probes {
        assert_eq!(p.ready(), 7);
    }
}

#[test]
fn get_returns_seen_value_and_changed_waits() {
    let w: Watch<NoopRawMutex, u32> = Watch::new_with(3);
    let mut rx = w.receiver();
    assert_eq!(Probe::new(rx.get()).ready(), 3);
    assert_eq!(
        Probe::new(rx.get()).ready(),
        3,
        "get does not need a change"
    );
    let mut changed = Probe::new(rx.changed());
    changed.pending();
    w.send(4);
    assert_eq!(changed.ready(), 4);
}

#[test]
fn cleared_value_makes_get_wait() {
    let w: Watch<NoopRawMutex, u32> = Watch::new_with(1);
    w.clear();
    assert!(!w.contains_value());
    let mut rx = w.receiver();
    let mut get = Probe::new(rx.get());
    get.pending();
    w.send(9);
    assert!(get.woken());
    assert_eq!(get.ready(), 9);
}

#[test]
fn dropped_waiting_receiver_does_not_block_others() {
    let w: Watch<NoopRawMutex, u32> = Watch::new();
    let mut r1 = w.receiver();
    let mut r2 = w.receiver();
    let mut p1 = Probe::new(r1.changed());
    let mut p2 = Probe::new(r2.changed());
    p1.pending();
    p2.pending();
    drop(p1);
    w.send(1);
    assert_eq!(p2.ready(), 1);
    assert_eq!(
        r1.try_changed(),
        Some(1),
        "cancelled wait marked nothing seen"
    );
}
