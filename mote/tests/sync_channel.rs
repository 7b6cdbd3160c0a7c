//! Behaviour of `sync::channel::Channel`: FIFO order, exact wakes, fairness,
//! cancellation, threads, and a property test over random interleavings.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::channel::{Channel, TryReceiveError, TrySendError};
use proptest::prelude::*;
use std::pin::pin;
use std::task::Poll;
use sync_common::{block_on, poll_with, Probe, Tracked};

#[test]
fn try_send_try_receive_fifo_and_bounds() {
    static CH: Channel<CriticalSectionRawMutex, u16, 4> = Channel::new();
    assert_eq!(CH.capacity(), 4);
    assert!(CH.is_empty());
    for v in 0..4 {
        CH.try_send(v).unwrap();
    }
    assert!(CH.is_full());
    assert_eq!(CH.len(), 4);
    assert_eq!(CH.try_send(9), Err(TrySendError::Full(9)));
    for v in 0..4 {
        assert_eq!(CH.try_receive(), Ok(v));
    }
    assert_eq!(CH.try_receive(), Err(TryReceiveError::Empty));
    // Wrap around the ring several times.
    for round in 0..10u16 {
        CH.try_send(round).unwrap();
        CH.try_send(round + 100).unwrap();
        assert_eq!(CH.try_receive(), Ok(round));
        assert_eq!(CH.try_receive(), Ok(round + 100));
    }
}

#[test]
fn clear_drops_values_and_admits_senders() {
    let ch: Channel<NoopRawMutex, String, 2> = Channel::new();
    ch.try_send("a".into()).unwrap();
    ch.try_send("b".into()).unwrap();
    let mut s = Probe::queued(ch.send("c".into()));
    ch.clear();
    assert!(s.woken(), "a freed slot grants the waiting sender");
    s.ready();
    assert_eq!(ch.try_receive().as_deref(), Ok("c"));
    assert!(ch.is_empty());
}

#[test]
fn senders_are_served_fifo_and_woken_exactly() {
    let ch: Channel<NoopRawMutex, u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let mut senders: Vec<_> = (1..=3).map(|v| Probe::new(ch.send(v))).collect();
    for s in &mut senders {
        s.pending();
    }
    // One freed slot wakes exactly one sender: the oldest.
    assert_eq!(ch.try_receive(), Ok(0));
    let woken: Vec<bool> = senders.iter().map(Probe::woken).collect();
    assert_eq!(woken, [true, false, false]);
    // The slot is reserved for it: nobody can barge in.
    assert_eq!(ch.try_send(99), Err(TrySendError::Full(99)));
    // Polling the later senders first does not let them overtake.
    senders[2].pending();
    senders[1].pending();
    senders[0].ready();
    assert_eq!(ch.try_receive(), Ok(1));
    assert!(senders[1].woken() && !senders[2].woken());
    senders[1].ready();
    assert_eq!(ch.try_receive(), Ok(2));
    senders[2].ready();
    assert_eq!(ch.try_receive(), Ok(3));
    assert_eq!(
        senders.iter().map(Probe::wakes).collect::<Vec<_>>(),
        [1, 1, 1]
    );
}

#[test]
fn receivers_are_served_fifo_and_woken_exactly() {
    let ch: Channel<NoopRawMutex, u32, 4> = Channel::new();
    let mut rx: Vec<_> = (0..3).map(|_| Probe::queued(ch.receive())).collect();
    ch.try_send(10).unwrap();
    assert_eq!(
        rx.iter().map(Probe::woken).collect::<Vec<_>>(),
        [true, false, false]
    );
    // The value is promised to the woken receiver.
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
    let mut late = Probe::queued(ch.receive());
    ch.try_send(11).unwrap();
    assert!(rx[1].woken() && !rx[2].woken() && !late.woken());
    // Grants are counted, not tied to one value: whichever granted receiver is polled
    // first takes the oldest value, so values still leave in FIFO order.
    assert_eq!(rx[1].ready(), 10);
    assert_eq!(rx[0].ready(), 11);
    ch.try_send(12).unwrap();
    assert_eq!(rx[2].ready(), 12);
    ch.try_send(13).unwrap();
    assert_eq!(late.ready(), 13);
}

#[test]
fn dropped_pending_send_is_not_sent_and_not_stuck() {
    let ch: Channel<NoopRawMutex, u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let a = Probe::queued(ch.send(1));
    let mut b = Probe::queued(ch.send(2));
    drop(a); // still waiting: simply leaves the queue
    assert_eq!(ch.try_receive(), Ok(0));
    assert!(b.woken(), "the slot goes to the next sender");
    b.ready();
    assert_eq!(ch.try_receive(), Ok(2));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn dropped_woken_sender_passes_the_slot_on() {
    let ch: Channel<NoopRawMutex, u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let a = Probe::queued(ch.send(1));
    let mut b = Probe::queued(ch.send(2));
    assert_eq!(ch.try_receive(), Ok(0));
    assert!(a.woken() && !b.woken());
    drop(a); // granted, then cancelled: the grant moves on
    assert!(b.woken());
    b.ready();
    assert_eq!(ch.try_receive(), Ok(2));
    assert_eq!(
        ch.try_receive(),
        Err(TryReceiveError::Empty),
        "value 1 never sent"
    );
}

#[test]
fn dropped_woken_sender_without_successor_frees_the_slot() {
    let ch: Channel<NoopRawMutex, u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let a = Probe::queued(ch.send(1));
    assert_eq!(ch.try_receive(), Ok(0));
    drop(a);
    assert_eq!(ch.try_send(5), Ok(()), "the reserved slot was released");
}

#[test]
fn dropped_woken_receiver_passes_the_value_on() {
    let ch: Channel<NoopRawMutex, u32, 2> = Channel::new();
    let a = Probe::queued(ch.receive());
    let mut b = Probe::queued(ch.receive());
    ch.try_send(7).unwrap();
    assert!(a.woken() && !b.woken());
    drop(a);
    assert!(b.woken());
    assert_eq!(b.ready(), 7);
    // Without a successor, the value stays buffered.
    let c = Probe::queued(ch.receive());
    ch.try_send(8).unwrap();
    drop(c);
    assert_eq!(ch.try_receive(), Ok(8));
}

#[test]
fn ready_to_receive_waits_without_taking() {
    let ch: Channel<NoopRawMutex, u32, 2> = Channel::new();
    let mut r1 = Probe::queued(ch.ready_to_receive());
    let mut r2 = Probe::queued(ch.ready_to_receive());
    ch.try_send(1).unwrap();
    assert!(r1.woken() && r2.woken());
    r1.ready();
    r2.ready();
    assert_eq!(ch.len(), 1);
    assert_eq!(ch.try_receive(), Ok(1));
}

#[test]
fn stored_wakers_are_released_on_every_path() {
    let ch: Channel<NoopRawMutex, u32, 1> = Channel::new();
    let (a, b) = (Tracked::new(), Tracked::new());
    // Granted, then completed: the stored waker was woken (consumed).
    {
        let mut rx = pin!(ch.receive());
        assert!(poll_with(rx.as_mut(), &a.waker()).is_pending());
        assert_eq!(a.live(), 1);
        ch.try_send(1).unwrap();
        assert_eq!(a.live(), 0);
        assert_eq!(poll_with(rx.as_mut(), &a.waker()), Poll::Ready(1));
    }
    // Re-polled with another task's waker, then cancelled while waiting.
    {
        let mut rx = pin!(ch.receive());
        assert!(poll_with(rx.as_mut(), &a.waker()).is_pending());
        assert!(poll_with(rx.as_mut(), &b.waker()).is_pending());
        assert_eq!((a.live(), b.live()), (0, 1));
    }
    assert_eq!(b.live(), 0);
    // A sender granted a slot, then dropped: the slot passes on, nothing is kept.
    ch.try_send(2).unwrap();
    {
        let mut tx1 = pin!(ch.send(3));
        let mut tx2 = pin!(ch.send(4));
        assert!(poll_with(tx1.as_mut(), &a.waker()).is_pending());
        assert!(poll_with(tx2.as_mut(), &b.waker()).is_pending());
        assert_eq!(ch.try_receive(), Ok(2));
        assert_eq!((a.live(), b.live()), (0, 1));
    }
    assert_eq!((a.live(), b.live()), (0, 0));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn sender_and_receiver_handles_are_copy() {
    let ch: Channel<NoopRawMutex, u8, 2> = Channel::new();
    let tx = ch.sender();
    let tx2 = tx;
    let rx = ch.receiver();
    tx.try_send(1).unwrap();
    Probe::new(tx2.send(2)).ready();
    assert!(tx.is_full() && rx.len() == 2 && rx.capacity() == 2);
    assert_eq!(Probe::new(rx.receive()).ready(), 1);
    assert_eq!(rx.try_receive(), Ok(2));
    assert!(rx.is_empty());
}

#[test]
fn many_waiters_have_no_limit() {
    let ch: Channel<NoopRawMutex, u32, 1> = Channel::new();
    let n = if cfg!(miri) { 20 } else { 500 };
    let mut rx: Vec<_> = (0..n).map(|_| Probe::queued(ch.receive())).collect();
    for (i, r) in rx.iter_mut().enumerate() {
        ch.try_send(i as u32).unwrap();
        assert!(r.woken());
        assert_eq!(r.ready(), i as u32);
    }
}

#[test]
fn threads_exchange_every_message_once_in_order() {
    static CH: Channel<CriticalSectionRawMutex, (u32, u32), 3> = Channel::new();
    let producers = 3u32;
    let per = if cfg!(miri) { 10 } else { 2000 };
    let mut handles = Vec::new();
    for p in 0..producers {
        handles.push(std::thread::spawn(move || {
            block_on(async {
                for i in 0..per {
                    CH.send((p, i)).await;
                }
            })
        }));
    }
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                block_on(async {
                    let mut got = Vec::new();
                    for _ in 0..(producers * per / 2) {
                        got.push(CH.receive().await);
                    }
                    got
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let mut all = Vec::new();
    for c in consumers {
        let got = c.join().unwrap();
        // Each consumer sees each producer's messages in increasing order.
        for p in 0..producers {
            let seq: Vec<u32> = got.iter().filter(|m| m.0 == p).map(|m| m.1).collect();
            assert!(seq.windows(2).all(|w| w[0] < w[1]));
        }
        all.extend(got);
    }
    all.sort();
    let expected: Vec<_> = (0..producers)
        .flat_map(|p| (0..per).map(move |i| (p, i)))
        .collect();
    assert_eq!(all, expected);
}

// ---- property test: random interleavings with cancellation ----

const PRODUCERS: usize = 3;
const PER_PRODUCER: u32 = 5;
const CONSUMERS: usize = 3;
const PER_CONSUMER: usize = PRODUCERS * PER_PRODUCER as usize / CONSUMERS;

#[derive(Clone, Debug)]
enum Op {
    PollProducer(usize),
    DropProducer(usize),
    TrySend(usize),
    PollConsumer(usize),
    DropConsumer(usize),
    TryReceive(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..PRODUCERS).prop_map(Op::PollProducer),
        1 => (0..PRODUCERS).prop_map(Op::DropProducer),
        1 => (0..PRODUCERS).prop_map(Op::TrySend),
        3 => (0..CONSUMERS).prop_map(Op::PollConsumer),
        1 => (0..CONSUMERS).prop_map(Op::DropConsumer),
        1 => (0..CONSUMERS).prop_map(Op::TryReceive),
    ]
}

type Ch = Channel<NoopRawMutex, (usize, u32), 2>;
type SendProbe<'a> = Probe<mote::sync::channel::SendFuture<'a, NoopRawMutex, (usize, u32), 2>>;
type RecvProbe<'a> = Probe<mote::sync::channel::ReceiveFuture<'a, NoopRawMutex, (usize, u32), 2>>;

struct Sim<'a> {
    ch: &'a Ch,
    next: [u32; PRODUCERS],
    sends: Vec<Option<SendProbe<'a>>>,
    taken: [usize; CONSUMERS],
    recvs: Vec<Option<RecvProbe<'a>>>,
    log: Vec<(usize, u32)>,
}

impl<'a> Sim<'a> {
    fn poll_producer(&mut self, p: usize) {
        if self.next[p] == PER_PRODUCER {
            return;
        }
        let ch = self.ch;
        let msg = (p, self.next[p]);
        let probe = self.sends[p].get_or_insert_with(|| Probe::new(ch.send(msg)));
        let was_woken = probe.woken();
        if probe.poll().is_ready() {
            self.sends[p] = None;
            self.next[p] += 1;
        } else {
            assert!(!was_woken, "a woken sender must be able to progress");
        }
    }

    fn poll_consumer(&mut self, c: usize) {
        if self.taken[c] == PER_CONSUMER {
            return;
        }
        let ch = self.ch;
        let probe = self.recvs[c].get_or_insert_with(|| Probe::new(ch.receive()));
        let was_woken = probe.woken();
        match probe.poll() {
            std::task::Poll::Ready(v) => {
                self.recvs[c] = None;
                self.taken[c] += 1;
                self.log.push(v);
            }
            std::task::Poll::Pending => {
                assert!(!was_woken, "a woken receiver must be able to progress")
            }
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::PollProducer(p) => self.poll_producer(p),
            Op::DropProducer(p) => self.sends[p] = None, // resent later with the same value
            Op::TrySend(p) => {
                if self.sends[p].is_none()
                    && self.next[p] < PER_PRODUCER
                    && self.ch.try_send((p, self.next[p])).is_ok()
                {
                    self.next[p] += 1;
                }
            }
            Op::PollConsumer(c) => self.poll_consumer(c),
            Op::DropConsumer(c) => self.recvs[c] = None,
            Op::TryReceive(c) => {
                if self.recvs[c].is_none() && self.taken[c] < PER_CONSUMER {
                    if let Ok(v) = self.ch.try_receive() {
                        self.taken[c] += 1;
                        self.log.push(v);
                    }
                }
            }
        }
    }

    /// Executor: polls fresh and woken futures only, until nothing moves.
    fn run_to_quiescence(&mut self) {
        loop {
            let mut progressed = false;
            for p in 0..PRODUCERS {
                let due = match &self.sends[p] {
                    None => self.next[p] < PER_PRODUCER,
                    Some(probe) => probe.woken(),
                };
                if due {
                    let before = self.next[p];
                    self.poll_producer(p);
                    progressed |= self.next[p] != before;
                }
            }
            for c in 0..CONSUMERS {
                let due = match &self.recvs[c] {
                    None => self.taken[c] < PER_CONSUMER,
                    Some(probe) => probe.woken(),
                };
                if due {
                    let before = self.taken[c];
                    self.poll_consumer(c);
                    progressed |= self.taken[c] != before;
                }
            }
            if !progressed {
                return;
            }
        }
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 3 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_interleavings_deliver_each_message_once_in_order(
        ops in proptest::collection::vec(op(), 0..120)
    ) {
        let ch = Ch::new();
        let mut sim = Sim {
            ch: &ch,
            next: [0; PRODUCERS],
            sends: (0..PRODUCERS).map(|_| None).collect(),
            taken: [0; CONSUMERS],
            recvs: (0..CONSUMERS).map(|_| None).collect(),
            log: Vec::new(),
        };
        for op in &ops {
            sim.apply(op);
        }
        sim.run_to_quiescence();
        // Liveness: no lost wake left anyone stuck.
        prop_assert_eq!(sim.next, [PER_PRODUCER; PRODUCERS]);
        prop_assert_eq!(sim.taken, [PER_CONSUMER; CONSUMERS]);
        // Exactly once, per-producer order.
        for p in 0..PRODUCERS {
            let seq: Vec<u32> = sim.log.iter().filter(|m| m.0 == p).map(|m| m.1).collect();
            prop_assert_eq!(seq, (0..PER_PRODUCER).collect::<Vec<_>>());
        }
        prop_assert!(ch.is_empty());
    }
}

/// The channel's lock sections move wakers and values through `Held` (no drop glue, see
/// `sync/quiet.rs`), so a path that forgot to release one would leak it: check that every
/// waker the futures clone and every value (sent, handed back to a pending send, cleared,
/// left buffered when the channel is dropped) is dropped exactly when it should be.
#[test]
fn no_waker_or_value_leaks() {
    use std::future::Future;
    use std::rc::Rc;
    use std::task::Context;

    let (a, b) = (Tracked::new(), Tracked::new());
    let (wa, wb) = (a.waker(), b.waker());
    let (mut ca, mut cb) = (Context::from_waker(&wa), Context::from_waker(&wb));
    let v = Rc::new(());
    {
        let ch: Channel<NoopRawMutex, Rc<()>, 1> = Channel::new();
        {
            let mut rx = pin!(ch.receive());
            assert!(rx.as_mut().poll(&mut ca).is_pending()); // stores a clone of `wa`
            assert_eq!(a.live(), 2);
            assert!(rx.as_mut().poll(&mut ca).is_pending()); // same task: declined
            assert!(rx.as_mut().poll(&mut cb).is_pending()); // replaced by `wb`
            assert_eq!((a.live(), b.live()), (1, 2));
            ch.try_send(v.clone()).unwrap(); // grants rx, wakes `wb`'s clone
            assert_eq!(b.live(), 1);
            assert!(matches!(rx.as_mut().poll(&mut cb), Poll::Ready(_)));
        }
        ch.try_send(v.clone()).unwrap();
        {
            let mut tx = pin!(ch.send(v.clone()));
            assert!(tx.as_mut().poll(&mut ca).is_pending()); // full: waits with its value
            assert!(tx.as_mut().poll(&mut ca).is_pending());
            assert_eq!((a.live(), Rc::strong_count(&v)), (2, 3));
        } // cancelled: its value and the stored waker are dropped
        assert_eq!((a.live(), Rc::strong_count(&v)), (1, 2));
        ch.clear();
        assert_eq!(Rc::strong_count(&v), 1);
        ch.try_send(v.clone()).unwrap();
        {
            let mut ready = pin!(ch.ready_to_receive());
            assert!(ready.as_mut().poll(&mut ca).is_ready());
        }
        assert_eq!(Rc::strong_count(&v), 2);
    } // dropped with one value buffered
    assert_eq!(Rc::strong_count(&v), 1);
    assert_eq!((a.live(), b.live()), (1, 1));
}
