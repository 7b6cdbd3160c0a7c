//! Model check of `AtomicWaker` with loom:
//! `RUSTFLAGS="--cfg loom" cargo test -p mote --test loom_atomic_waker --release`.
#![cfg(loom)]

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use mote::sync::waker::AtomicWaker;

/// Unparks the blocked loom thread (loom's own `block_on` needs its `futures` feature).
struct Unpark(loom::thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` until ready, parking between polls: a lost wake is a loom deadlock.
fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
        // A registration that meets a wake in progress wakes itself at once; yielding
        // lets the waking thread finish instead of modelling an unbounded spin.
        thread::yield_now();
    }
}

/// A wake that races with registration is never lost: the waiting future is always
/// polled again after the waker thread published its flag (loom reports a deadlock if
/// `block_on` would sleep forever).
#[test]
fn wake_racing_register_is_not_lost() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let flag = Arc::new(AtomicUsize::new(0));
        let (s2, f2) = (slot.clone(), flag.clone());
        let waker_thread = thread::spawn(move || {
            f2.store(1, Ordering::Release);
            s2.wake();
        });
        block_on(poll_fn(|cx| {
            slot.register(cx.waker());
            if flag.load(Ordering::Acquire) == 1 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        // Not joined: loom's join shares the park notification of this thread and would
        // trip on the unpark token left by the waker; loom still runs every thread to its
        // end before the model iteration finishes.
        drop(waker_thread);
    });
}

/// Two concurrent wakers and one waiter: the waiter is woken for each published event
/// it has not seen (no lost wake, no data race on the cell).
#[test]
fn two_wakers_one_waiter() {
    // Bounded preemptions keep the three-thread model small enough to finish.
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| {
        let slot = Arc::new(AtomicWaker::new());
        let count = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (s, c) = (slot.clone(), count.clone());
                thread::spawn(move || {
                    c.fetch_add(1, Ordering::Release);
                    s.wake();
                })
            })
            .collect();
        block_on(poll_fn(|cx| {
            slot.register(cx.waker());
            if count.load(Ordering::Acquire) == 2 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        drop(threads); // not joined: see above
    });
}
