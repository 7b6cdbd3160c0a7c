//! A waker whose `wake` panics (std: the panic unwinds into the operation that woke it,
//! and the caller catches it) must not cost the *other* waiters their wake: every
//! waiter the operation granted is still woken, and values replaced by it are still
//! dropped. Run under Miri too (`MIRI_TESTS` in `xtask/src/host.rs`).
//! `cargo test -p mote --features std,time --test sync_panicking_waker`.
#![cfg(feature = "std")]

mod sync_common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use futures_test::task::new_count_waker;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::channel::Channel;
use mote::sync::semaphore::Semaphore;
use mote::sync::signal::Signal;
use mote::sync::waker::MultiWakerRegistration;
use mote::sync::watch::Watch;
use sync_common::{panicking_waker, panics, Probe};

/// Polls `fut` once with `waker`, expecting `Pending`.
#[track_caller]
fn pending_with<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) {
    assert!(fut.poll(&mut Context::from_waker(waker)).is_pending());
}

#[test]
fn watch_send_still_wakes_every_receiver_after_a_panicking_one() {
    let watch: Watch<CriticalSectionRawMutex, u32> = Watch::new();
    let mut rx_a = watch.receiver();
    let mut rx_b = watch.receiver();
    let waker = panicking_waker();
    let mut a = pin!(rx_a.changed());
    pending_with(a.as_mut(), &waker); // first in the list: woken first
    let mut b = Probe::queued(rx_b.changed());
    assert!(panics(|| watch.send(1)), "the panic reaches the sender");
    assert!(b.woken(), "the other receiver is woken all the same");
    assert_eq!(b.ready(), 1);
    assert_eq!(
        a.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(1)
    );
}

#[test]
fn semaphore_release_still_wakes_the_next_waiter_after_a_panicking_one() {
    let sem: Semaphore<CriticalSectionRawMutex> = Semaphore::new(0);
    let waker = panicking_waker();
    let mut a = pin!(sem.acquire(1));
    pending_with(a.as_mut(), &waker);
    let mut b = Probe::queued(sem.acquire(1));
    assert!(panics(|| sem.release(2)));
    assert!(b.woken(), "the second waiter is woken all the same");
    b.ready().disarm();
    assert!(a.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
}

#[test]
fn channel_clear_still_wakes_every_granted_sender_after_a_panicking_one() {
    let ch: Channel<CriticalSectionRawMutex, u8, 2> = Channel::new();
    ch.try_send(1).unwrap();
    ch.try_send(2).unwrap();
    let waker = panicking_waker();
    let mut a = pin!(ch.send(3));
    pending_with(a.as_mut(), &waker);
    let mut b = Probe::queued(ch.send(4));
    assert!(panics(|| ch.clear()));
    assert!(b.woken(), "the second sender is woken all the same");
    b.ready();
    assert!(a.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    let mut got = [ch.try_receive().unwrap(), ch.try_receive().unwrap()];
    got.sort();
    assert_eq!(got, [3, 4]);
}

#[test]
fn signal_still_wakes_its_poll_waiter_after_a_panicking_waiter() {
    let signal: Signal<CriticalSectionRawMutex, u32> = Signal::new();
    let (poll_waker, poll_wakes) = new_count_waker();
    let waker = panicking_waker();
    let mut w = pin!(signal.wait());
    pending_with(w.as_mut(), &waker);
    assert!(signal
        .poll_wait(&mut Context::from_waker(&poll_waker))
        .is_pending());
    assert!(panics(|| signal.signal(5)));
    assert_eq!(poll_wakes.get(), 1, "the poll waiter is woken all the same");
    assert_eq!(
        w.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(5)
    );
}

#[test]
fn multi_waker_registration_wakes_the_others_after_a_panicking_one() {
    let mut slots = MultiWakerRegistration::<3>::new();
    let (a, a_wakes) = new_count_waker();
    slots.register(&panicking_waker());
    slots.register(&a);
    assert!(panics(|| slots.wake()));
    assert_eq!(a_wakes.get(), 1, "woken all the same");
    assert!(slots.is_empty());
}
