//! Behaviour of `sync::zerocopy_channel`.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::zerocopy_channel::Channel;
use sync_common::{block_on, Probe};

#[test]
fn slots_are_lent_in_ring_order_without_copies() {
    let mut buf = [0u32; 3];
    let mut ch: Channel<'_, NoopRawMutex, u32> = Channel::new(&mut buf);
    let (mut tx, mut rx) = ch.split();
    for round in 0..5u32 {
        for k in 0..3 {
            *tx.try_send().unwrap() = round * 10 + k;
            tx.send_done();
        }
        assert!(tx.try_send().is_none(), "full");
        for k in 0..3 {
            assert_eq!(*rx.try_receive().unwrap(), round * 10 + k);
            rx.receive_done();
        }
        assert!(rx.try_receive().is_none(), "empty");
    }
}

#[test]
fn done_without_slot_does_nothing() {
    let mut buf = [7u8; 1];
    let mut ch: Channel<'_, NoopRawMutex, u8> = Channel::new(&mut buf);
    {
        let (mut tx, mut rx) = ch.split();
        rx.receive_done(); // nothing published: ignored
        tx.send_done();
        tx.send_done(); // full: ignored
        assert_eq!(*rx.try_receive().unwrap(), 7);
    }
    assert_eq!(ch.len(), 1);
    assert!(ch.is_full());
}

#[test]
fn zero_capacity_never_lends() {
    let mut buf: [u8; 0] = [];
    let mut ch: Channel<'_, NoopRawMutex, u8> = Channel::new(&mut buf);
    let (mut tx, mut rx) = ch.split();
    assert!(tx.try_send().is_none());
    assert!(rx.try_receive().is_none());
    tx.send_done();
    rx.receive_done();
    let mut s = Probe::new(async move { *tx.send().await = 1 });
    s.pending();
}

#[test]
fn waiting_receiver_woken_by_send_done() {
    let mut buf = [0u8; 1];
    let mut ch: Channel<'_, NoopRawMutex, u8> = Channel::new(&mut buf);
    let (mut tx, mut rx) = ch.split();
    let mut r = Probe::new(async move {
        let v = *rx.receive().await;
        rx.receive_done();
        v
    });
    r.pending();
    *tx.try_send().unwrap() = 42;
    assert!(!r.woken(), "not published yet");
    tx.send_done();
    assert!(r.woken());
    assert_eq!(r.ready(), 42);
}

#[test]
fn frames_cross_threads_in_place() {
    let mut buf = [[0u8; 16]; 2];
    let mut ch: Channel<'_, CriticalSectionRawMutex, [u8; 16]> = Channel::new(&mut buf);
    let (mut tx, mut rx) = ch.split();
    let n = if cfg!(miri) { 20 } else { 2000 };
    std::thread::scope(|scope| {
        scope.spawn(move || {
            block_on(async {
                for i in 0..n {
                    let frame = tx.send().await;
                    frame.fill((i % 256) as u8);
                    tx.send_done();
                }
            })
        });
        block_on(async {
            for i in 0..n {
                let frame = rx.receive().await;
                assert!(frame.iter().all(|&b| b == (i % 256) as u8));
                rx.receive_done();
            }
        });
    });
}
