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

use mote::sync::pubsub::{DynPublisher, DynSubscriber};
use mote::sync::watch::{DynReceiver, DynSender};

/// Takes any subscriber of `u32`: sums messages, counts missed ones.
async fn tally(sub: &mut DynSubscriber<'_, u32>, messages: usize) -> (u64, u64) {
    let (mut sum, mut missed) = (0, 0);
    let mut seen = 0;
    while seen < messages {
        match sub.next_message().await {
            WaitResult::Message(v) => {
                sum += u64::from(v);
                seen += 1;
            }
            WaitResult::Lagged(n) => missed += n,
        }
    }
    (sum, missed)
}

/// Takes any publisher of `u32`.
async fn publish_all(tx: DynPublisher<'_, u32>, n: u32) {
    for v in 1..=n {
        tx.publish(v).await;
    }
}

#[test]
fn dyn_pubsub_handles_across_fn_boundaries_and_threads() {
    static CH: PubSubChannel<CriticalSectionRawMutex, u32, 2> = PubSubChannel::new();
    let mut typed: DynSubscriber<'_, u32> = CH.subscriber().into();
    let other = CH.subscriber(); // typed handles cross threads; dyn ones are made there
    assert_eq!(
        CH.subscriber_count(),
        2,
        "into() moved the subscription, no extra one"
    );
    let reader = std::thread::spawn(move || {
        let mut other: DynSubscriber<'_, u32> = other.into();
        block_on(tally(&mut other, 300))
    });
    let writer = std::thread::spawn(|| block_on(publish_all(CH.publisher().into(), 300)));
    let mine = block_on(tally(&mut typed, 300));
    writer.join().unwrap();
    let theirs = reader.join().unwrap();
    let expected = (300 * 301 / 2, 0);
    assert_eq!(
        mine, expected,
        "waiting publishers: nothing missed, each once"
    );
    assert_eq!(theirs, expected);
    drop(typed);
    assert_eq!(CH.subscriber_count(), 0, "dropping unsubscribes");
    assert!(CH.is_empty());
}

#[test]
fn dyn_subscriber_reports_lag_and_cancel_keeps_messages() {
    let ch: PubSubChannel<NoopRawMutex, u32, 2> = PubSubChannel::new();
    let mut sub = ch.dyn_subscriber();
    {
        let pending = Probe::queued(sub.next_message());
        drop(pending); // cancelled while waiting
    }
    let tx = ch.dyn_publisher();
    for v in 0..5 {
        tx.publish_immediate(v);
    }
    assert_eq!(sub.available(), 5);
    assert_eq!(sub.try_next_message(), Some(WaitResult::Lagged(3)));
    assert_eq!(sub.try_next_message_pure(), Some(3));
    assert_eq!(sub.free_capacity(), 1);
    assert_eq!(tx.space(), 1);
    let mut next = Probe::new(sub.next_message());
    assert_eq!(next.ready(), WaitResult::Message(4));
}

#[test]
fn dyn_watch_handles_track_versions_like_typed_ones() {
    static W: Watch<CriticalSectionRawMutex, u32> = Watch::new();
    let mut rx: DynReceiver<'_, u32> = W.receiver().into();
    let tx: DynSender<'_, u32> = W.dyn_sender();
    let mut changed = Probe::queued(rx.changed());
    tx.send_modify(|v| *v = Some(1));
    assert!(changed.woken());
    assert_eq!(changed.ready(), 1);
    drop(changed);
    assert!(!tx.send_if_modified(|_| false));
    assert_eq!(rx.try_changed(), None);
    let watcher = std::thread::spawn(|| {
        let mut rx = W.dyn_receiver();
        let mut last = 0;
        while last < 100 {
            let v = block_on(rx.changed());
            assert!(v > last, "only newer values, never a repeat");
            last = v;
        }
    });
    for v in 2..=100 {
        tx.send(v);
    }
    watcher.join().unwrap();
    assert_eq!(rx.try_get_and(|v| *v == 100), Some(100));
    tx.clear();
    assert!(!rx.contains_value());
}
