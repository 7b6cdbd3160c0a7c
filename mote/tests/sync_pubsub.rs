//! Behaviour of `sync::pubsub::PubSubChannel`.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::pubsub::{PubSubChannel, TryPublishError, WaitResult};
use sync_common::{block_on, Probe};

type Ch<const CAP: usize> = PubSubChannel<NoopRawMutex, u32, CAP>;

#[test]
fn every_subscriber_gets_every_message_in_order() {
    let ch: Ch<4> = PubSubChannel::new();
    let mut a = ch.subscriber();
    let mut b = ch.subscriber();
    for v in 0..3 {
        ch.try_publish(v).unwrap();
    }
    for v in 0..3 {
        assert_eq!(a.try_next_message(), Some(WaitResult::Message(v)));
    }
    assert_eq!(ch.len(), 3, "b has not read them yet");
    assert_eq!(b.available(), 3);
    for v in 0..3 {
        assert_eq!(b.try_next_message(), Some(WaitResult::Message(v)));
    }
    assert!(ch.is_empty(), "read by everyone: removed");
    assert_eq!(a.try_next_message(), None);
}

#[test]
fn late_subscriber_sees_only_new_messages_and_no_subscriber_drops() {
    let ch: Ch<2> = PubSubChannel::new();
    ch.try_publish(1).unwrap(); // nobody subscribed: dropped
    assert!(ch.is_empty());
    let mut a = ch.subscriber();
    ch.try_publish(2).unwrap();
    let mut late = ch.subscriber();
    ch.try_publish(3).unwrap();
    assert_eq!(late.try_next_message(), Some(WaitResult::Message(3)));
    assert_eq!(a.try_next_message(), Some(WaitResult::Message(2)));
    assert_eq!(a.try_next_message(), Some(WaitResult::Message(3)));
    assert!(ch.is_empty());
}

#[test]
fn full_buffer_makes_publishers_wait_fifo() {
    let ch: Ch<1> = PubSubChannel::new();
    let mut sub = ch.subscriber();
    ch.try_publish(0).unwrap();
    assert_eq!(ch.try_publish(9), Err(TryPublishError(9)));
    let mut p1 = Probe::queued(ch.publish(1));
    let mut p2 = Probe::queued(ch.publish(2));
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(0)));
    assert!(p1.woken() && !p2.woken());
    assert_eq!(ch.try_publish(9), Err(TryPublishError(9)), "no overtaking");
    p2.pending();
    p1.ready();
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(1)));
    p2.ready();
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(2)));
}

#[test]
fn dropped_woken_publisher_passes_turn() {
    let ch: Ch<1> = PubSubChannel::new();
    let mut sub = ch.subscriber();
    ch.try_publish(0).unwrap();
    let p1 = Probe::queued(ch.publish(1));
    let mut p2 = Probe::queued(ch.publish(2));
    sub.try_next_message();
    drop(p1);
    assert!(p2.woken());
    p2.ready();
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(2)));
}

#[test]
fn publish_immediate_makes_slow_subscribers_lag() {
    let ch: Ch<2> = PubSubChannel::new();
    let mut slow = ch.subscriber();
    let mut fast = ch.subscriber();
    for v in 0..5 {
        ch.publish_immediate(v);
        assert_eq!(fast.try_next_message(), Some(WaitResult::Message(v)));
    }
    assert_eq!(slow.try_next_message(), Some(WaitResult::Lagged(3)));
    assert_eq!(slow.try_next_message(), Some(WaitResult::Message(3)));
    assert_eq!(slow.try_next_message(), Some(WaitResult::Message(4)));
    assert_eq!(slow.try_next_message(), None);
    assert!(ch.is_empty());
}

#[test]
fn granted_publisher_overtaken_by_publish_immediate_keeps_its_place() {
    let ch: Ch<1> = PubSubChannel::new();
    let mut sub = ch.subscriber();
    ch.try_publish(0).unwrap();
    let mut p1 = Probe::queued(ch.publish(1));
    let p2 = Probe::queued(ch.publish(2));
    sub.try_next_message(); // frees the slot: p1 granted
    ch.publish_immediate(7); // takes it
    p1.pending();
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(7)));
    assert!(p1.woken() && !p2.woken(), "p1 kept the head of the queue");
    p1.ready();
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(1)));
}

#[test]
fn waiting_subscribers_all_woken_once() {
    let ch: Ch<2> = PubSubChannel::new();
    let mut subs: Vec<_> = (0..4).map(|_| ch.subscriber()).collect();
    let mut probes: Vec<_> = subs
        .iter_mut()
        .map(|s| Probe::new(s.next_message()))
        .collect();
    for p in &mut probes {
        p.pending();
    }
    ch.try_publish(5).unwrap();
    for p in &mut probes {
        assert_eq!(p.wakes(), 1);
        assert_eq!(p.ready(), WaitResult::Message(5));
    }
    drop(probes);
    assert!(ch.is_empty());
}

#[test]
fn dropping_a_subscriber_releases_its_unread_messages() {
    let ch: Ch<2> = PubSubChannel::new();
    let mut a = ch.subscriber();
    let b = ch.subscriber();
    ch.try_publish(1).unwrap();
    ch.try_publish(2).unwrap();
    assert_eq!(a.try_next_message(), Some(WaitResult::Message(1)));
    assert_eq!(a.try_next_message(), Some(WaitResult::Message(2)));
    assert!(ch.is_full());
    let mut p = Probe::queued(ch.publish(3));
    drop(b);
    assert_eq!(ch.subscriber_count(), 1);
    assert!(p.woken());
    p.ready();
    assert_eq!(a.try_next_message(), Some(WaitResult::Message(3)));
}

#[test]
fn threads_every_subscriber_sees_all() {
    static CH: PubSubChannel<CriticalSectionRawMutex, u32, 3> = PubSubChannel::new();
    let n = if cfg!(miri) { 20 } else { 2000 };
    let subs: Vec<_> = (0..3).map(|_| CH.subscriber()).collect();
    let handles: Vec<_> = subs
        .into_iter()
        .map(|mut s| {
            std::thread::spawn(move || {
                block_on(async {
                    let mut got = Vec::new();
                    for _ in 0..n {
                        got.push(s.next_message_pure().await);
                    }
                    got
                })
            })
        })
        .collect();
    block_on(async {
        for v in 0..n {
            CH.publish(v).await;
        }
    });
    for h in handles {
        assert_eq!(h.join().unwrap(), (0..n).collect::<Vec<_>>());
    }
}
