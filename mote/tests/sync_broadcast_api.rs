//! Behaviour of the broadcast additions: immediate publishing (eviction, lag counts,
//! space), subscriber helpers, and `Watch::send_modify` / `send_if_modified` /
//! predicate reads.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::pubsub::{PubSubChannel, WaitResult};
use mote::sync::watch::Watch;
use sync_common::{block_on, Probe};

#[test]
fn immediate_publish_drops_the_oldest_and_lagging_subscribers_count_what_they_missed() {
    let ch: PubSubChannel<NoopRawMutex, u32, 3> = PubSubChannel::new();
    let mut slow = ch.subscriber();
    let mut quick = ch.subscriber();
    let tx = ch.immediate_publisher();
    for v in 0..3 {
        tx.publish_immediate(v);
    }
    assert_eq!(ch.space(), 0);
    assert_eq!(quick.try_next_message(), Some(WaitResult::Message(0)));
    assert_eq!(quick.try_next_message(), Some(WaitResult::Message(1)));
    // Two more: 0 and 1 are evicted (quick had read both, slow neither).
    tx.publish_immediate(3);
    tx.publish_immediate(4);
    assert!(ch.is_full());

    assert_eq!(slow.available(), 5);
    assert_eq!(slow.try_next_message(), Some(WaitResult::Lagged(2)));
    for v in 2..5 {
        assert_eq!(slow.try_next_message(), Some(WaitResult::Message(v)));
    }
    assert_eq!(slow.try_next_message(), None);
    for v in 2..5 {
        assert_eq!(
            quick.try_next_message(),
            Some(WaitResult::Message(v)),
            "quick lost nothing"
        );
    }
    assert_eq!(ch.space(), 3, "read by everyone: the buffer is empty again");
    assert_eq!(quick.free_capacity(), 3);
    assert_eq!(quick.capacity(), 3);
}

#[test]
fn immediate_publish_wakes_a_waiting_subscriber_and_overtakes_waiting_publishers() {
    let ch: PubSubChannel<NoopRawMutex, u8, 1> = PubSubChannel::new();
    let mut sub = ch.subscriber();
    {
        let mut next = Probe::queued(sub.next_message());
        ch.immediate_publisher().publish_immediate(0);
        assert!(
            next.woken(),
            "an immediate publish wakes the waiting subscriber"
        );
        assert_eq!(next.ready(), WaitResult::Message(0));
    }
    ch.try_publish(1).unwrap();
    let mut waiting_pub = Probe::queued(ch.publish(2)); // full: waits
    ch.immediate_publisher().publish_immediate(3); // evicts 1 at once
    {
        let mut next = Probe::new(sub.next_message());
        assert_eq!(next.ready(), WaitResult::Lagged(1));
    }
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(3)));
    assert!(
        waiting_pub.woken(),
        "the read freed room for the waiting publisher"
    );
    waiting_pub.ready();
    assert_eq!(sub.try_next_message_pure(), Some(2));
}

#[test]
fn immediate_publisher_on_another_thread_accounts_for_every_message() {
    static CH: PubSubChannel<CriticalSectionRawMutex, u32, 4> = PubSubChannel::new();
    const N: u32 = 5000;
    let mut sub = CH.subscriber();
    let publisher = std::thread::spawn(|| {
        let tx = CH.immediate_publisher();
        for v in 0..N {
            tx.publish_immediate(v); // never waits, whatever the reader does
        }
    });
    let (mut received, mut lagged, mut last) = (0u64, 0u64, None);
    while received + lagged < u64::from(N) {
        match block_on(sub.next_message()) {
            WaitResult::Message(v) => {
                assert!(last.is_none_or(|l| v > l), "in order, no duplicates");
                last = Some(v);
                received += 1;
            }
            WaitResult::Lagged(n) => lagged += n,
        }
    }
    publisher.join().unwrap();
    assert_eq!(
        received + lagged,
        u64::from(N),
        "each message read or reported missed"
    );
    assert_eq!(
        last,
        Some(N - 1),
        "the newest message is never evicted before it is read"
    );
}

#[test]
fn watch_send_modify_notifies_and_send_if_modified_only_when_told() {
    let w: Watch<NoopRawMutex, u32> = Watch::new();
    let mut rx = w.receiver();
    let mut changed = Probe::queued(rx.changed());
    w.send_modify(|v| *v = Some(5));
    assert!(changed.woken());
    assert_eq!(changed.ready(), 5);
    drop(changed);

    let mut changed = Probe::queued(rx.changed());
    assert!(!w.send_if_modified(|v| v.is_none()));
    assert!(!changed.woken(), "no modification, no wake");
    assert!(w.send_if_modified(|v| {
        *v = v.map(|x| x * 2);
        true
    }));
    assert!(changed.woken());
    assert_eq!(changed.ready(), 10);
    drop(changed);
    assert!(rx.contains_value());
}

#[test]
fn watch_predicate_reads_mark_seen_only_on_a_match() {
    let w: Watch<NoopRawMutex, i32> = Watch::new_with(-1);
    let mut rx = w.receiver();
    assert_eq!(rx.try_changed_and(|v| *v >= 0), None);
    assert_eq!(rx.try_changed(), Some(-1), "a refused value stays unseen");
    w.send(2);
    assert_eq!(rx.try_get_and(|v| *v > 5), None);
    assert_eq!(rx.try_changed_and(|v| *v > 0), Some(2));
    assert_eq!(rx.try_changed(), None);
    assert_eq!(rx.try_get_and(|v| *v > 0), Some(2));
}
