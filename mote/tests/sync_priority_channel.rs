//! Behaviour of `sync::priority_channel::PriorityChannel`.

mod sync_common;

use std::cmp::Reverse;

use mote::sync::blocking_mutex::raw::NoopRawMutex;
use mote::sync::channel::{TryReceiveError, TrySendError};
use mote::sync::priority_channel::PriorityChannel;
use proptest::prelude::*;
use sync_common::Probe;

/// Ordered by `.0` only, so equal priorities can be told apart by `.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Job(u8, u32);

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Job {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

#[test]
fn greatest_first_equal_in_sending_order() {
    let ch: PriorityChannel<NoopRawMutex, Job, 8> = PriorityChannel::new();
    for (i, p) in [3, 1, 3, 9, 1, 3].into_iter().enumerate() {
        ch.try_send(Job(p, i as u32)).unwrap();
    }
    let got: Vec<_> = std::iter::from_fn(|| ch.try_receive().ok()).collect();
    assert_eq!(
        got,
        [
            Job(9, 3),
            Job(3, 0),
            Job(3, 2),
            Job(3, 5),
            Job(1, 1),
            Job(1, 4)
        ]
    );
}

#[test]
fn reverse_gives_smallest_first() {
    let ch: PriorityChannel<NoopRawMutex, Reverse<u8>, 4> = PriorityChannel::new();
    for v in [5, 2, 8] {
        ch.try_send(Reverse(v)).unwrap();
    }
    assert_eq!(ch.try_receive(), Ok(Reverse(2)));
}

#[test]
fn full_and_empty_and_waiting() {
    let ch: PriorityChannel<NoopRawMutex, u8, 2> = PriorityChannel::new();
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
    let mut r = Probe::new(ch.receive());
    r.pending();
    ch.try_send(1).unwrap();
    assert!(r.woken());
    assert_eq!(r.ready(), 1);
    ch.try_send(1).unwrap();
    ch.try_send(2).unwrap();
    assert!(ch.is_full());
    assert_eq!(ch.try_send(3), Err(TrySendError::Full(3)));
    let mut s = Probe::new(ch.send(3));
    s.pending();
    assert_eq!(ch.try_receive(), Ok(2));
    assert!(s.woken());
    s.ready();
    assert_eq!(ch.try_receive(), Ok(3));
    ch.clear();
    assert!(ch.is_empty());
}

#[test]
fn cancelled_woken_sender_passes_slot() {
    let ch: PriorityChannel<NoopRawMutex, u8, 1> = PriorityChannel::new();
    ch.try_send(0).unwrap();
    let mut a = Probe::new(ch.send(1));
    let mut b = Probe::new(ch.send(2));
    a.pending();
    b.pending();
    ch.try_receive().unwrap();
    drop(a);
    assert!(b.woken());
    b.ready();
    assert_eq!(ch.try_receive(), Ok(2));
}

#[test]
fn dropping_the_channel_drops_buffered_values() {
    let ch: PriorityChannel<NoopRawMutex, std::rc::Rc<u8>, 4> = PriorityChannel::new();
    let marker = std::rc::Rc::new(0);
    ch.try_send(marker.clone()).unwrap();
    ch.try_send(marker.clone()).unwrap();
    drop(ch);
    assert_eq!(std::rc::Rc::strong_count(&marker), 1);
}

#[test]
fn clear_keeps_the_value_promised_to_a_woken_receiver() {
    let ch: PriorityChannel<NoopRawMutex, u8, 4> = PriorityChannel::new();
    let mut r = Probe::new(ch.receive());
    r.pending();
    ch.try_send(5).unwrap(); // promised to `r`
    ch.try_send(1).unwrap();
    ch.try_send(3).unwrap();
    ch.clear();
    assert_eq!(ch.len(), 1);
    assert_eq!(r.ready(), 5);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 3 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Against a model: a sorted list where equal priorities keep sending order.
    #[test]
    fn matches_stable_priority_model(ops in proptest::collection::vec(proptest::option::of(0u8..4), 0..60)) {
        let ch: PriorityChannel<NoopRawMutex, Job, 5> = PriorityChannel::new();
        let mut model: Vec<Job> = Vec::new();
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Some(p) => {
                    let job = Job(p, i as u32);
                    let full = model.len() == 5;
                    prop_assert_eq!(ch.try_send(job).is_err(), full);
                    if !full {
                        model.push(job);
                    }
                }
                None => {
                    // Greatest priority; among equals, the earliest sent.
                    let best = model.iter().enumerate().max_by(|a, b| {
                        a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1))
                    }).map(|(i, _)| i);
                    let expected = best.map(|i| model.remove(i));
                    prop_assert_eq!(ch.try_receive().ok(), expected);
                }
            }
            prop_assert_eq!(ch.len(), model.len());
        }
    }
}
