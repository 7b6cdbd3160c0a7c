//! Behaviour of the `poll_*` methods (`&self`, one waker slot per direction) and of the
//! type-erased channel handles: who is woken, what they get, and that FIFO waiters keep
//! their promises.

mod sync_common;

use std::future::poll_fn;
use std::task::{Context, Poll};

use futures_test::task::new_count_waker;
use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::channel::{Channel, DynamicReceiver, DynamicSender, TryReceiveError};
use mote::sync::priority_channel::PriorityChannel;
use mote::sync::signal::Signal;
use sync_common::{block_on, Probe};

#[test]
fn poll_receive_waiter_is_woken_by_try_send_and_by_send_future() {
    let ch: Channel<NoopRawMutex, u32, 2> = Channel::new();
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);

    assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    assert_eq!(wakes.get(), 0);
    ch.try_send(10).unwrap();
    assert_eq!(wakes.get(), 1, "a send wakes the poll-style receiver");
    assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(10));

    assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    let mut send = Probe::new(ch.send(11));
    send.ready();
    assert_eq!(wakes.get(), 2, "a send future wakes it too");
    assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(11));
    // Disarmed after the wake: a further send without a new registration wakes nobody.
    ch.try_send(12).unwrap();
    assert_eq!(wakes.get(), 2);
}

#[test]
fn poll_receive_never_takes_a_value_promised_to_a_fifo_receiver() {
    let ch: Channel<NoopRawMutex, u32, 2> = Channel::new();
    let mut fifo = Probe::queued(ch.receive());
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);

    ch.try_send(1).unwrap();
    assert!(fifo.woken());
    assert_eq!(wakes.get(), 1, "woken spuriously: the value is promised");
    assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    assert_eq!(fifo.ready(), 1);

    ch.try_send(2).unwrap();
    assert_eq!(wakes.get(), 2);
    assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(2));
}

#[test]
fn cancelled_fifo_receiver_hands_its_value_to_the_poll_waiter() {
    let ch: Channel<NoopRawMutex, u32, 2> = Channel::new();
    let fifo = Probe::queued(ch.receive());
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    ch.try_send(7).unwrap(); // promised to `fifo`; wakes the (unregistered) slot: no-op
    assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    assert!(fifo.woken());
    drop(fifo); // gives the value back: it is unpromised now
    assert_eq!(wakes.get(), 1, "the cancel wakes the poll-style receiver");
    assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(7));
}

#[test]
fn poll_ready_to_send_and_to_receive() {
    let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Ready(()));
    assert_eq!(ch.poll_ready_to_receive(&mut cx), Poll::Pending);
    ch.try_send(1).unwrap();
    assert_eq!(wakes.get(), 1);
    assert_eq!(ch.poll_ready_to_receive(&mut cx), Poll::Ready(()));
    assert_eq!(ch.len(), 1, "ready_to_receive takes nothing");

    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Pending);
    assert_eq!(ch.try_receive(), Ok(1));
    assert_eq!(wakes.get(), 2, "a receive wakes the send side");
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Ready(()));

    ch.try_send(2).unwrap();
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Pending);
    ch.clear();
    assert_eq!(wakes.get(), 3, "clear wakes the send side");
    assert_eq!(ch.free_capacity(), 1);
}

#[test]
fn a_second_poll_waiter_evicts_and_wakes_the_first() {
    let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    let (w1, c1) = new_count_waker();
    let (w2, c2) = new_count_waker();
    assert!(ch.poll_receive(&mut Context::from_waker(&w1)).is_pending());
    assert!(ch.poll_receive(&mut Context::from_waker(&w2)).is_pending());
    assert_eq!(c1.get(), 1, "the evicted waiter is told to poll again");
    ch.try_send(1).unwrap();
    assert_eq!((c1.get(), c2.get()), (1, 1));
}

#[test]
fn priority_channel_poll_receive_gets_the_greatest() {
    let ch: PriorityChannel<NoopRawMutex, u8, 3> = PriorityChannel::new();
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(ch.poll_receive(&mut cx), Poll::Pending);
    ch.try_send(3).unwrap();
    ch.try_send(8).unwrap();
    assert_eq!(wakes.get(), 1);
    assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(8));
    assert_eq!(ch.free_capacity(), 2);
    ch.try_send(1).unwrap();
    ch.try_send(2).unwrap();
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Pending);
    assert_eq!(ch.try_receive(), Ok(3));
    assert_eq!(wakes.get(), 2);
}

/// Takes any sender of `u32`: no mutex kind, no capacity.
async fn produce(tx: DynamicSender<'_, u32>, from: u32, n: u32) {
    for v in from..from + n {
        tx.send(v).await;
    }
}

/// Takes any receiver of `u32`.
async fn consume(rx: DynamicReceiver<'_, u32>, n: usize) -> Vec<u32> {
    let mut got = Vec::new();
    for _ in 0..n {
        got.push(rx.receive().await);
    }
    got
}

#[test]
fn dynamic_handles_work_across_fn_boundaries_and_threads() {
    static CH: Channel<CriticalSectionRawMutex, u32, 3> = Channel::new();
    let consumer = std::thread::spawn(|| block_on(consume(CH.receiver().into(), 200)));
    block_on(produce(CH.sender().into(), 0, 200));
    let got = consumer.join().unwrap();
    assert_eq!(
        got,
        (0..200).collect::<Vec<_>>(),
        "every value once, in order"
    );
    assert!(CH.is_empty());
}

#[test]
fn dynamic_handles_of_both_channel_kinds_share_one_type() {
    let fifo: Channel<NoopRawMutex, u32, 4> = Channel::new();
    let prio: PriorityChannel<NoopRawMutex, u32, 2> = PriorityChannel::new();
    let senders: [DynamicSender<'_, u32>; 2] = [fifo.dyn_sender(), prio.sender().into()];
    for (i, tx) in senders.iter().enumerate() {
        tx.try_send(i as u32 + 1).unwrap();
        tx.try_send(i as u32 + 5).unwrap();
    }
    assert_eq!(senders[1].capacity(), 2);
    assert!(senders[1].is_full());
    assert_eq!(senders[0].free_capacity(), 2);
    let rx: DynamicReceiver<'_, u32> = prio.dyn_receiver();
    assert_eq!(
        rx.try_receive(),
        Ok(6),
        "priority order kept behind the erased type"
    );
    assert_eq!(fifo.dyn_receiver().try_receive(), Ok(1));
}

#[test]
fn dynamic_futures_are_cancel_safe() {
    let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    let tx: DynamicSender<'_, u8> = ch.sender().into();
    let rx: DynamicReceiver<'_, u8> = ch.receiver().into();
    let a = Probe::queued(rx.receive());
    let mut b = Probe::queued(rx.receive());
    tx.try_send(1).unwrap();
    assert!(
        a.woken() && !b.woken(),
        "one value grants one receiver, the oldest"
    );
    drop(a);
    assert!(b.woken(), "the dropped receiver passes its value on");
    assert_eq!(b.ready(), 1);

    tx.try_send(2).unwrap();
    let mut s = Probe::queued(tx.send(3));
    s.pending(); // the channel is still full
    drop(s);
    assert_eq!(rx.try_receive(), Ok(2));
    assert_eq!(
        rx.try_receive(),
        Err(TryReceiveError::Empty),
        "3 was never sent"
    );
}

#[test]
fn poll_receive_under_threads_loses_nothing() {
    static CH: Channel<CriticalSectionRawMutex, u32, 2> = Channel::new();
    const N: u32 = 2000;
    let producer = std::thread::spawn(|| {
        for v in 0..N {
            block_on(CH.send(v));
        }
    });
    let mut got = Vec::new();
    for _ in 0..N {
        got.push(block_on(poll_fn(|cx| CH.poll_receive(cx))));
    }
    producer.join().unwrap();
    assert_eq!(got, (0..N).collect::<Vec<_>>());
}

#[test]
fn signal_poll_wait_is_woken_and_never_steals_a_promise() {
    let s: Signal<NoopRawMutex, u8> = Signal::new();
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(s.poll_wait(&mut cx), Poll::Pending);
    s.signal(1);
    assert_eq!(wakes.get(), 1);
    assert_eq!(s.poll_wait(&mut cx), Poll::Ready(1));

    let fifo = Probe::queued(s.wait());
    assert_eq!(s.poll_wait(&mut cx), Poll::Pending);
    s.signal(2);
    assert!(fifo.woken());
    assert_eq!(
        wakes.get(),
        2,
        "woken, spuriously: 2 is promised to the FIFO waiter"
    );
    assert_eq!(s.poll_wait(&mut cx), Poll::Pending);
    drop(fifo); // passes the promise back: 2 is free
    assert_eq!(wakes.get(), 3);
    assert_eq!(s.poll_wait(&mut cx), Poll::Ready(2));
}

#[test]
fn zerocopy_poll_send_and_receive_wake_each_other() {
    use mote::sync::zerocopy_channel::Channel as ZeroCopy;
    let mut buf = [0u32; 2];
    let mut ch: ZeroCopy<'_, NoopRawMutex, u32> = ZeroCopy::new(&mut buf);
    let (mut tx, mut rx) = ch.split();
    let (rx_waker, rx_wakes) = new_count_waker();
    let (tx_waker, tx_wakes) = new_count_waker();
    assert!(rx
        .poll_receive(&mut Context::from_waker(&rx_waker))
        .is_pending());
    for v in [7, 8] {
        match tx.poll_send(&mut Context::from_waker(&tx_waker)) {
            Poll::Ready(slot) => *slot = v,
            Poll::Pending => panic!("a slot is free"),
        }
        tx.send_done();
    }
    assert_eq!(rx_wakes.get(), 1, "the first publish woke the receiver");
    assert!(tx.is_full() && tx.len() == 2 && tx.capacity() == 2);
    assert!(tx
        .poll_send(&mut Context::from_waker(&tx_waker))
        .is_pending());
    let got = match rx.poll_receive(&mut Context::from_waker(&rx_waker)) {
        Poll::Ready(v) => *v,
        Poll::Pending => panic!("7 is published"),
    };
    assert_eq!(got, 7, "ring order");
    rx.receive_done();
    assert_eq!(tx_wakes.get(), 1, "freeing a slot woke the sender");
    assert!(tx.poll_send(&mut Context::from_waker(&tx_waker)).is_ready());
}

#[test]
fn cancelled_fifo_sender_hands_its_slot_to_the_poll_waiter() {
    let ch: Channel<NoopRawMutex, u8, 1> = Channel::new();
    ch.try_send(1).unwrap();
    let sender = Probe::queued(ch.send(2));
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Pending);
    assert_eq!(ch.try_receive(), Ok(1)); // the freed slot is promised to `sender`
    assert!(sender.woken());
    assert_eq!(wakes.get(), 1, "woken, spuriously: the slot is promised");
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Pending);
    drop(sender); // gives the slot back
    assert_eq!(wakes.get(), 2, "the cancel wakes the poll-style sender");
    assert_eq!(ch.poll_ready_to_send(&mut cx), Poll::Ready(()));
    assert!(ch.is_empty(), "2 was never sent");
}
