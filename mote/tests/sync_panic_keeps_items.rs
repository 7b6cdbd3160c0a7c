//! Nothing sent is lost when foreign code panics inside a channel operation (std: the
//! panic unwinds to the caller, who catches it):
//! - a receive whose wake of a sender (its FIFO waiter or the `poll_ready_to_send`
//!   slot) panics puts the received item back, to be received next, exactly once;
//! - a `PriorityChannel` whose user `Ord` panics while a granted sender pushes passes
//!   the freed slot on to the next waiting sender at once.
//!
//! Run under Miri too (`MIRI_TESTS`, `sync_*`, in `xtask/src/host.rs`).
//! `cargo test -p mote --features std --test sync_panic_keeps_items`.
#![cfg(feature = "std")]

mod sync_common;

use std::cell::Cell;
use std::cmp::Ordering as CmpOrdering;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use futures_test::task::noop_waker;
use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::channel::{Channel, TryReceiveError};
use mote::sync::priority_channel::PriorityChannel;
use sync_common::{panicking_waker, panics, Probe};

#[track_caller]
fn poll_with<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

type Ch = Channel<CriticalSectionRawMutex, u8, 1>;

/// A full channel (holding 1) and a sender of 2 waiting with a panicking waker.
fn full_with_a_panicking_sender(ch: &Ch) -> Pin<Box<impl Future<Output = ()> + '_>> {
    ch.try_send(1).unwrap();
    let mut send = Box::pin(ch.send(2));
    assert!(poll_with(send.as_mut(), &panicking_waker()).is_pending());
    send
}

#[test]
fn try_receive_keeps_the_item_when_the_senders_wake_panics() {
    let ch = Ch::new();
    let mut send = full_with_a_panicking_sender(&ch);
    assert!(
        panics(|| ch.try_receive()),
        "the panic reaches the receiver"
    );
    assert_eq!(ch.len(), 1, "the item is back in the channel");
    assert_eq!(ch.try_receive(), Ok(1), "received once, and first");
    // The sender was granted the slot before its wake panicked: it sends now.
    assert!(poll_with(send.as_mut(), &noop_waker()).is_ready());
    assert_eq!(ch.try_receive(), Ok(2));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn a_granted_sender_that_finds_the_item_put_back_waits_again() {
    let ch = Ch::new();
    let mut send = full_with_a_panicking_sender(&ch);
    assert!(panics(|| ch.try_receive()));
    // Polled before the item is received again: its slot holds the item put back.
    let (waker, wakes) = futures_test::task::new_count_waker();
    assert!(poll_with(send.as_mut(), &waker).is_pending());
    assert_eq!(ch.try_receive(), Ok(1));
    assert_eq!(wakes.get(), 1, "the sender is woken by the next receive");
    assert!(poll_with(send.as_mut(), &waker).is_ready());
    assert_eq!(ch.try_receive(), Ok(2));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn async_receive_keeps_the_item_when_the_senders_wake_panics() {
    let ch = Ch::new();
    let mut send = full_with_a_panicking_sender(&ch);
    {
        let mut rx = pin!(ch.receive());
        assert!(panics(|| poll_with(rx.as_mut(), &noop_waker())));
        // The same future receives it when polled again.
        assert_eq!(poll_with(rx.as_mut(), &noop_waker()), Poll::Ready(1));
    }
    assert!(poll_with(send.as_mut(), &noop_waker()).is_ready());
    assert_eq!(ch.try_receive(), Ok(2));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn poll_receive_keeps_the_item_when_the_send_slots_wake_panics() {
    let ch = Ch::new();
    ch.try_send(1).unwrap();
    // The poll-style send waiter: woken by every receive.
    assert!(ch
        .poll_ready_to_send(&mut Context::from_waker(&panicking_waker()))
        .is_pending());
    let noop = noop_waker();
    let mut cx = Context::from_waker(&noop);
    assert!(panics(|| ch.poll_receive(&mut cx)));
    assert_eq!(ch.poll_receive(&mut cx), Poll::Ready(1));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn priority_try_receive_keeps_the_item_when_the_senders_wake_panics() {
    let ch: PriorityChannel<CriticalSectionRawMutex, u8, 2> = PriorityChannel::new();
    ch.try_send(1).unwrap();
    ch.try_send(5).unwrap();
    let mut send = Box::pin(ch.send(3));
    assert!(poll_with(send.as_mut(), &panicking_waker()).is_pending());
    assert!(panics(|| ch.try_receive()));
    assert_eq!(ch.len(), 2, "the item is back in the channel");
    assert_eq!(ch.try_receive(), Ok(5), "the greatest, received once");
    assert!(poll_with(send.as_mut(), &noop_waker()).is_ready());
    assert_eq!(ch.try_receive(), Ok(3));
    assert_eq!(ch.try_receive(), Ok(1));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

thread_local! {
    static ORD_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// A priority whose `Ord` panics while `ORD_PANICS` is set.
#[derive(Debug, PartialEq, Eq)]
struct Touchy(u8);

impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        if ORD_PANICS.get() {
            panic!("a user Ord panics");
        }
        self.0.cmp(&other.0)
    }
}

#[test]
fn priority_send_whose_ord_panics_passes_its_granted_slot_on() {
    let ch: PriorityChannel<NoopRawMutex, Touchy, 2> = PriorityChannel::new();
    ch.try_send(Touchy(1)).unwrap();
    ch.try_send(Touchy(2)).unwrap();
    let mut a = Box::pin(ch.send(Touchy(3)));
    assert!(poll_with(a.as_mut(), &noop_waker()).is_pending());
    let mut b = Probe::queued(ch.send(Touchy(4)));
    assert_eq!(
        ch.try_receive(),
        Ok(Touchy(2)),
        "frees a slot, granted to a"
    );
    ORD_PANICS.set(true);
    // a takes its grant, then its push compares with the item left and panics.
    assert!(panics(|| poll_with(a.as_mut(), &noop_waker())));
    ORD_PANICS.set(false);
    assert!(b.woken(), "the freed slot went on to the next sender");
    b.ready();
    assert_eq!(ch.try_receive(), Ok(Touchy(4)));
    assert_eq!(ch.try_receive(), Ok(Touchy(1)));
    assert_eq!(ch.try_receive(), Err(TryReceiveError::Empty));
}

#[test]
fn pubsub_reader_whose_publisher_wake_panics_is_told_it_missed_the_message() {
    use mote::sync::pubsub::{PubSubChannel, WaitResult};
    let ch: PubSubChannel<CriticalSectionRawMutex, u8, 1> = PubSubChannel::new();
    let mut sub = ch.subscriber();
    ch.try_publish(1).unwrap();
    let publisher = ch.publisher();
    let mut publish = Box::pin(publisher.publish(2));
    assert!(poll_with(publish.as_mut(), &panicking_waker()).is_pending());
    // Its read frees the buffer (the last reader) and grants the publisher.
    assert!(panics(|| sub.try_next_message()));
    // The message left the buffer with the read: the subscriber is told, not silent.
    assert_eq!(sub.try_next_message(), Some(WaitResult::Lagged(1)));
    assert!(poll_with(publish.as_mut(), &noop_waker()).is_ready());
    assert_eq!(sub.try_next_message(), Some(WaitResult::Message(2)));
    assert_eq!(sub.try_next_message(), None);
}

#[test]
fn pipe_read_keeps_its_bytes_when_the_writers_wake_panics() {
    use mote::sync::pipe::Pipe;
    let pipe: Pipe<CriticalSectionRawMutex, 4> = Pipe::new();
    assert_eq!(pipe.try_write(b"abcd"), Ok(4));
    let mut write = Box::pin(pipe.write(b"ef"));
    assert!(poll_with(write.as_mut(), &panicking_waker()).is_pending());
    let mut buf = [0; 3];
    assert!(panics(|| pipe.try_read(&mut buf)));
    assert_eq!(pipe.len(), 4, "the bytes are back");
    let (waker, wakes) = futures_test::task::new_count_waker();
    assert!(
        poll_with(write.as_mut(), &waker).is_pending(),
        "no room yet"
    );
    let mut async_buf = [0; 3];
    {
        let mut read = pin!(pipe.read(&mut async_buf));
        assert_eq!(poll_with(read.as_mut(), &noop_waker()), Poll::Ready(3));
    }
    assert_eq!(&async_buf, b"abc");
    assert_eq!(wakes.get(), 1, "the writer is woken by the read");
    assert_eq!(poll_with(write.as_mut(), &noop_waker()), Poll::Ready(2));
    let mut rest = [0; 4];
    assert_eq!(pipe.try_read(&mut rest), Ok(3));
    assert_eq!(&rest[..3], b"def");
}

#[test]
fn pipe_async_read_keeps_its_bytes_when_the_writers_wake_panics() {
    use mote::sync::pipe::Pipe;
    let pipe: Pipe<CriticalSectionRawMutex, 2> = Pipe::new();
    assert_eq!(pipe.try_write(b"ab"), Ok(2));
    let mut write = Box::pin(pipe.write(b"c"));
    assert!(poll_with(write.as_mut(), &panicking_waker()).is_pending());
    let mut buf = [0; 1];
    {
        let mut read = pin!(pipe.read(&mut buf));
        assert!(panics(|| poll_with(read.as_mut(), &noop_waker())));
    }
    assert_eq!(pipe.len(), 2, "the byte is back");
    let mut all = [0; 2];
    assert_eq!(pipe.try_read(&mut all), Ok(2));
    assert_eq!(&all, b"ab");
    assert_eq!(poll_with(write.as_mut(), &noop_waker()), Poll::Ready(1));
    assert_eq!(pipe.try_read(&mut all), Ok(1));
    assert_eq!(all[0], b'c');
}
