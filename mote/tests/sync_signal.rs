//! Behaviour of `sync::signal::Signal`.

mod sync_common;

use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::signal::Signal;
use std::pin::pin;
use std::task::Poll;
use sync_common::{block_on, poll_with, Probe, Tracked};

#[test]
fn latest_value_wins() {
    let s: Signal<NoopRawMutex, u32> = Signal::new();
    assert!(!s.signaled());
    s.signal(1);
    s.signal(2);
    assert!(s.signaled());
    assert_eq!(Probe::new(s.wait()).ready(), 2);
    assert!(!s.signaled());
    assert_eq!(s.try_take(), None);
}

#[test]
fn replaced_value_is_dropped() {
    let s: Signal<NoopRawMutex, std::rc::Rc<()>> = Signal::new();
    let first = std::rc::Rc::new(());
    s.signal(first.clone());
    s.signal(std::rc::Rc::new(()));
    assert_eq!(std::rc::Rc::strong_count(&first), 1);
}

#[test]
fn waiters_take_turns_fifo_and_only_one_is_woken() {
    let s: Signal<NoopRawMutex, u32> = Signal::new();
    let mut a = Probe::new(s.wait());
    let mut b = Probe::new(s.wait());
    a.pending();
    b.pending();
    s.signal(1);
    assert!(a.woken() && !b.woken());
    assert_eq!(s.try_take(), None, "promised to the woken waiter");
    assert_eq!(a.ready(), 1);
    s.signal(2);
    assert!(b.woken());
    assert_eq!(b.ready(), 2);
}

#[test]
fn dropped_woken_waiter_passes_value_on() {
    let s: Signal<NoopRawMutex, u32> = Signal::new();
    let mut a = Probe::new(s.wait());
    let mut b = Probe::new(s.wait());
    a.pending();
    b.pending();
    s.signal(5);
    drop(a);
    assert!(b.woken());
    assert_eq!(b.ready(), 5);
    // Without a successor, the value stays.
    let mut c = Probe::new(s.wait());
    c.pending();
    s.signal(6);
    drop(c);
    assert_eq!(s.try_take(), Some(6));
}

#[test]
fn reset_clears_and_woken_waiter_waits_again() {
    let s: Signal<NoopRawMutex, u32> = Signal::new();
    let mut a = Probe::new(s.wait());
    a.pending();
    s.signal(1);
    s.reset();
    assert!(!s.signaled());
    a.pending();
    s.signal(2);
    assert_eq!(a.ready(), 2);
}

#[test]
fn signal_from_another_thread() {
    static S: Signal<CriticalSectionRawMutex, u32> = Signal::new();
    let t = std::thread::spawn(|| {
        for i in 0..100 {
            S.signal(i);
        }
        S.signal(1000);
    });
    let mut last = 0;
    while last != 1000 {
        let v = block_on(S.wait());
        assert!(v >= last || last == 0, "values only move forward");
        last = v;
    }
    t.join().unwrap();
}

#[test]
fn stored_wakers_are_released_on_every_path() {
    let s: Signal<NoopRawMutex, u32> = Signal::new();
    let (a, b) = (Tracked::new(), Tracked::new());
    {
        let mut w = pin!(s.wait());
        assert!(poll_with(w.as_mut(), &a.waker()).is_pending());
        assert_eq!(a.live(), 1);
        s.signal(1);
        assert_eq!(a.live(), 0);
        assert_eq!(poll_with(w.as_mut(), &a.waker()), Poll::Ready(1));
    }
    {
        let mut w1 = Box::pin(s.wait());
        let mut w2 = pin!(s.wait());
        assert!(poll_with(w1.as_mut(), &a.waker()).is_pending());
        assert!(poll_with(w1.as_mut(), &b.waker()).is_pending()); // waker replaced
        assert!(poll_with(w2.as_mut(), &a.waker()).is_pending());
        assert_eq!((a.live(), b.live()), (1, 1));
        s.signal(2); // promised to w1 (its waker `b` is consumed)
        assert_eq!((a.live(), b.live()), (1, 0));
        drop(w1); // passes the promise on to w2
        assert_eq!((a.live(), b.live()), (0, 0));
        assert_eq!(poll_with(w2.as_mut(), &a.waker()), Poll::Ready(2));
    }
    s.signal(3);
    {
        let mut w = pin!(s.wait());
        assert_eq!(poll_with(w.as_mut(), &a.waker()), Poll::Ready(3));
        let mut w = pin!(s.wait());
        assert!(poll_with(w.as_mut(), &a.waker()).is_pending());
        assert_eq!(a.live(), 1);
    } // cancelled while waiting
    assert_eq!((a.live(), b.live()), (0, 0));
    assert_eq!(s.try_take(), None);
}

/// Signal's lock sections move wakers and values through `Held` (no drop glue, see
/// `sync/quiet.rs`), so a path that forgot to release one would leak it: check that every
/// waker a wait clones (stored, declined, replaced, removed on cancel, woken) and every
/// value (replaced, reset, taken) is dropped.
#[test]
fn no_waker_or_value_leaks() {
    use std::future::Future;
    use std::rc::Rc;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    struct Task;
    impl Wake for Task {
        fn wake(self: Arc<Self>) {}
    }
    let (a, b) = (Arc::new(Task), Arc::new(Task));
    let (wa, wb) = (Waker::from(a.clone()), Waker::from(b.clone()));
    let (mut ca, mut cb) = (Context::from_waker(&wa), Context::from_waker(&wb));
    let s: Signal<NoopRawMutex, Rc<()>> = Signal::new();
    let v = Rc::new(());
    {
        let mut f = pin!(s.wait());
        assert!(f.as_mut().poll(&mut ca).is_pending()); // stores a clone of `wa`
        assert_eq!(Arc::strong_count(&a), 3);
        assert!(f.as_mut().poll(&mut ca).is_pending()); // same task: clone declined
        assert_eq!(Arc::strong_count(&a), 3);
        assert!(f.as_mut().poll(&mut cb).is_pending()); // another task: replaced
        assert_eq!((Arc::strong_count(&a), Arc::strong_count(&b)), (2, 3));
        s.signal(v.clone()); // wakes (and consumes) the stored `wb` clone
        assert_eq!(Arc::strong_count(&b), 2);
        assert!(matches!(f.as_mut().poll(&mut cb), Poll::Ready(_)));
    }
    assert_eq!(
        Rc::strong_count(&v),
        1,
        "the taken value was dropped by the test"
    );
    s.signal(v.clone());
    s.signal(v.clone()); // replaces
    s.reset();
    s.signal(v.clone());
    drop(s.try_take());
    assert_eq!(Rc::strong_count(&v), 1);
    {
        let mut f = pin!(s.wait());
        assert!(f.as_mut().poll(&mut ca).is_pending());
        assert_eq!(Arc::strong_count(&a), 3);
    } // cancelled: the stored waker is removed and dropped
    assert_eq!((Arc::strong_count(&a), Arc::strong_count(&b)), (2, 2));
}
