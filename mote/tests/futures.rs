//! Host tests of `mote::futures`: poll order, drop (cancellation) behaviour, output
//! order, wake behaviour and the blocking runners. Run under Miri too:
//! `cargo +nightly miri test -p mote --features std --test futures`.

use core::future::Future;
use core::marker::PhantomPinned;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use futures_test::task::new_count_waker;
use mote::futures::{
    block_on_spin, join, join3, join4, join_array, poll_once, select, select3, select4,
    select_array, select_slice, yield_now, Either, Either3, Either4,
};

/// Shared record of what the test futures did, in order ("poll a", "drop b", ...).
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn push(&self, event: String) {
        self.0.borrow_mut().push(event);
    }
    fn take(&self) -> Vec<String> {
        core::mem::take(&mut *self.0.borrow_mut())
    }
}

/// A `!Unpin` future that is pending for `pending_polls` polls (waking itself each time),
/// then ready with `value`. It logs every poll and its drop.
struct Tracked {
    name: &'static str,
    pending_polls: u32,
    value: u32,
    log: Log,
    _pinned: PhantomPinned,
}

fn tracked(log: &Log, name: &'static str, pending_polls: u32, value: u32) -> Tracked {
    Tracked {
        name,
        pending_polls,
        value,
        log: log.clone(),
        _pinned: PhantomPinned,
    }
}

impl Future for Tracked {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // SAFETY: only a plain `u32` field is modified; nothing is moved out.
        let this = unsafe { self.get_unchecked_mut() };
        this.log.push(format!("poll {}", this.name));
        if this.pending_polls == 0 {
            Poll::Ready(this.value)
        } else {
            this.pending_polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.log.push(format!("drop {}", self.name));
    }
}

fn poll_noop<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

fn events(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- select

#[test]
fn select_first_ready_wins_and_polls_in_argument_order() {
    let log = Log::default();
    let mut fut = pin!(select(tracked(&log, "a", 2, 1), tracked(&log, "b", 1, 2)));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(Either::Second(2)));
    assert_eq!(
        log.take(),
        events(&["poll a", "poll b", "poll a", "poll b"])
    );
}

#[test]
fn select_both_ready_first_argument_wins_and_second_is_not_polled() {
    let log = Log::default();
    let mut fut = pin!(select(tracked(&log, "a", 0, 1), tracked(&log, "b", 0, 2)));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(Either::First(1)));
    assert_eq!(log.take(), events(&["poll a"]));
}

#[test]
fn select_losers_are_dropped_with_the_select_not_before() {
    let log = Log::default();
    {
        let mut fut = pin!(select(tracked(&log, "a", 3, 1), tracked(&log, "b", 0, 2)));
        assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(Either::Second(2)));
        assert_eq!(log.take(), events(&["poll a", "poll b"]));
    }
    assert_eq!(log.take(), events(&["drop a", "drop b"]));
}

#[test]
fn select_dropped_while_pending_drops_every_future() {
    let log = Log::default();
    {
        let mut fut = pin!(select3(
            tracked(&log, "a", 3, 1),
            tracked(&log, "b", 3, 2),
            tracked(&log, "c", 3, 3)
        ));
        assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
        log.take();
    }
    assert_eq!(log.take(), events(&["drop a", "drop b", "drop c"]));
}

#[test]
fn select3_each_position_can_win_and_ties_go_to_the_earlier() {
    let log = Log::default();
    let run = |p: [u32; 3]| {
        block_on_spin(select3(
            tracked(&log, "a", p[0], 10),
            tracked(&log, "b", p[1], 20),
            tracked(&log, "c", p[2], 30),
        ))
    };
    assert_eq!(run([0, 1, 1]), Either3::First(10));
    assert_eq!(run([2, 1, 2]), Either3::Second(20));
    assert_eq!(run([2, 2, 1]), Either3::Third(30));
    assert_eq!(run([2, 1, 1]), Either3::Second(20));
}

#[test]
fn select4_each_position_can_win_and_ties_go_to_the_earlier() {
    let log = Log::default();
    let run = |p: [u32; 4]| {
        block_on_spin(select4(
            tracked(&log, "a", p[0], 10),
            tracked(&log, "b", p[1], 20),
            tracked(&log, "c", p[2], 30),
            tracked(&log, "d", p[3], 40),
        ))
    };
    assert_eq!(run([0, 0, 0, 0]), Either4::First(10));
    assert_eq!(run([1, 0, 0, 0]), Either4::Second(20));
    assert_eq!(run([1, 1, 0, 0]), Either4::Third(30));
    assert_eq!(run([1, 1, 1, 0]), Either4::Fourth(40));
    assert_eq!(run([2, 2, 1, 1]), Either4::Third(30));
}

#[test]
fn select_array_returns_first_ready_and_its_index() {
    let log = Log::default();
    let mut fut = pin!(select_array([
        tracked(&log, "0", 2, 100),
        tracked(&log, "1", 1, 101),
        tracked(&log, "2", 1, 102),
    ]));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready((101, 1)));
    assert_eq!(
        log.take(),
        events(&["poll 0", "poll 1", "poll 2", "poll 0", "poll 1"])
    );
}

#[test]
fn select_array_drops_losers_with_the_select() {
    let log = Log::default();
    {
        let mut fut = pin!(select_array([
            tracked(&log, "0", 0, 100),
            tracked(&log, "1", 0, 101)
        ]));
        assert_eq!(poll_noop(fut.as_mut()), Poll::Ready((100, 0)));
        assert_eq!(log.take(), events(&["poll 0"]));
    }
    assert_eq!(log.take(), events(&["drop 0", "drop 1"]));
}

#[test]
fn select_array_of_one() {
    let out = block_on_spin(select_array([async {
        yield_now().await;
        'z'
    }]));
    assert_eq!(out, ('z', 0));
}

#[test]
fn select_slice_returns_index_and_leaves_futures_in_the_slice() {
    let log = Log::default();
    {
        let futures = pin!([
            tracked(&log, "0", 1, 100),
            tracked(&log, "1", 2, 101),
            tracked(&log, "2", 0, 102),
        ]);
        let mut futures: Pin<&mut [Tracked]> = futures;
        assert_eq!(block_on_spin(select_slice(futures.as_mut())), (102, 2));
        // The select is gone, the futures are not.
        assert_eq!(log.take(), events(&["poll 0", "poll 1", "poll 2"]));
        assert_eq!(block_on_spin(select_slice(futures.as_mut())), (100, 0));
        assert_eq!(log.take(), events(&["poll 0"]));
    }
    assert_eq!(log.take(), events(&["drop 0", "drop 1", "drop 2"]));
}

#[test]
fn select_slice_of_nothing_stays_pending_and_never_wakes() {
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    let futures: Pin<&mut [core::future::Ready<u8>]> = Pin::new(&mut []);
    let mut fut = select_slice(futures);
    for _ in 0..3 {
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Pending);
    }
    assert_eq!(wakes.get(), 0);
}

// ---------------------------------------------------------------- join

#[test]
fn join_outputs_in_argument_order_and_drops_finished_futures_at_once() {
    let log = Log::default();
    let mut fut = pin!(join(tracked(&log, "a", 2, 1), tracked(&log, "b", 0, 2)));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
    // `b` finished on the first poll: dropped in place right away.
    assert_eq!(log.take(), events(&["poll a", "poll b", "drop b"]));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
    assert_eq!(log.take(), events(&["poll a"]));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready((1, 2)));
    assert_eq!(log.take(), events(&["poll a", "drop a"]));
}

#[test]
fn join_dropped_midway_drops_the_unfinished_futures() {
    let log = Log::default();
    {
        let mut fut = pin!(join(tracked(&log, "a", 0, 1), tracked(&log, "b", 5, 2)));
        assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
        assert_eq!(log.take(), events(&["poll a", "drop a", "poll b"]));
    }
    assert_eq!(log.take(), events(&["drop b"]));
}

#[test]
fn join3_and_join4_output_in_argument_order() {
    let log = Log::default();
    let out = block_on_spin(join3(
        tracked(&log, "a", 3, 1),
        tracked(&log, "b", 0, 2),
        tracked(&log, "c", 1, 3),
    ));
    assert_eq!(out, (1, 2, 3));
    let out = block_on_spin(join4(
        tracked(&log, "a", 3, 1),
        tracked(&log, "b", 2, 2),
        tracked(&log, "c", 1, 3),
        tracked(&log, "d", 0, 4),
    ));
    assert_eq!(out, (1, 2, 3, 4));
    // Every future is polled exactly (pending_polls + 1) times: 1+3+2+1+0 extra.
    let polls = log.take().iter().filter(|e| e.starts_with("poll")).count();
    assert_eq!(polls, (4 + 1 + 2) + (4 + 3 + 2 + 1));
}

#[test]
fn join_array_outputs_in_index_order() {
    let log = Log::default();
    let out = block_on_spin(join_array([
        tracked(&log, "0", 3, 100),
        tracked(&log, "1", 0, 101),
        tracked(&log, "2", 2, 102),
        tracked(&log, "3", 1, 103),
    ]));
    assert_eq!(out, [100, 101, 102, 103]);
    let events = log.take();
    let polls = events.iter().filter(|e| e.starts_with("poll")).count();
    let drops = events.iter().filter(|e| e.starts_with("drop")).count();
    assert_eq!((polls, drops), (4 + 1 + 3 + 2, 4));
}

#[test]
fn join_array_of_nothing_is_ready_at_once_every_time() {
    let mut fut = join_array::<core::future::Pending<u8>, 0>([]);
    assert_eq!(
        Pin::new(&mut fut).poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready([])
    );
    assert_eq!(
        Pin::new(&mut fut).poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready([])
    );
}

#[test]
#[should_panic(expected = "join future polled after it returned `Ready`")]
fn join_polled_after_ready_panics_as_documented() {
    let mut fut = pin!(join(async { 1 }, async { 2 }));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready((1, 2)));
    let _ = poll_noop(fut.as_mut());
}

#[test]
fn combinators_accept_unpin_less_async_blocks_and_nest() {
    let out = block_on_spin(async {
        let (x, y) = join(
            async {
                yield_now().await;
                1
            },
            select(core::future::pending::<u8>(), async { 2 }),
        )
        .await;
        (x, y)
    });
    assert_eq!(out, (1, Either::Second(2)));
}

// ---------------------------------------------------------------- yield_now, poll_once

#[test]
fn yield_now_is_pending_exactly_once_and_wakes_itself() {
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    let mut fut = yield_now();
    assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Pending);
    assert_eq!(wakes.get(), 1);
    assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(()));
    assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(()));
    assert_eq!(wakes.get(), 1);
}

#[test]
fn poll_once_polls_the_inner_future_exactly_once_per_poll() {
    let log = Log::default();
    let (waker, wakes) = new_count_waker();
    let mut cx = Context::from_waker(&waker);
    let mut inner = pin!(tracked(&log, "a", 1, 7));
    let mut once = poll_once(inner.as_mut());
    assert_eq!(
        Pin::new(&mut once).poll(&mut cx),
        Poll::Ready(Poll::Pending)
    );
    // The inner future got the caller's waker.
    assert_eq!(wakes.get(), 1);
    let mut once = poll_once(inner.as_mut());
    assert_eq!(
        Pin::new(&mut once).poll(&mut cx),
        Poll::Ready(Poll::Ready(7))
    );
    assert_eq!(log.take(), events(&["poll a", "poll a"]));
}

// ---------------------------------------------------------------- block_on

/// A one-shot value filled by another thread: the future spawns the producer thread on
/// its first poll (after storing its waker), so the wake always comes from that thread.
/// Counts its polls.
fn cross_thread_future(polls: Arc<AtomicU32>) -> impl Future<Output = u32> {
    let slot: Arc<Mutex<(Option<u32>, Option<Waker>)>> = Arc::default();
    let mut producer = None;
    core::future::poll_fn(move |cx| {
        polls.fetch_add(1, Ordering::SeqCst);
        let mut guard = slot.lock().unwrap();
        if let Some(value) = guard.0 {
            drop(guard);
            if let Some(handle) = producer.take() {
                std::thread::JoinHandle::join(handle).unwrap();
            }
            return Poll::Ready(value);
        }
        guard.1 = Some(cx.waker().clone());
        if producer.is_none() {
            let slot = slot.clone();
            producer = Some(std::thread::spawn(move || {
                let mut guard = slot.lock().unwrap();
                guard.0 = Some(77);
                let waker = guard
                    .1
                    .take()
                    .expect("waker stored before the thread starts");
                drop(guard);
                waker.wake();
            }));
        }
        Poll::Pending
    })
}

#[test]
fn block_on_spin_runs_a_future_woken_from_another_thread() {
    let polls = Arc::new(AtomicU32::new(0));
    assert_eq!(block_on_spin(cross_thread_future(polls.clone())), 77);
    // Other tests' wakes may add spurious polls (global counter), never fewer than 2.
    assert!(polls.load(Ordering::SeqCst) >= 2);
}

#[test]
fn block_on_spin_polls_after_each_self_wake() {
    let polls = Cell::new(0u32);
    let out = block_on_spin(async {
        for _ in 0..5 {
            polls.set(polls.get() + 1);
            yield_now().await;
        }
        polls.set(polls.get() + 1);
        polls.get()
    });
    assert_eq!(out, 6);
}

#[cfg(feature = "std")]
mod std_block_on {
    use super::*;
    use mote::futures::block_on;

    #[test]
    fn block_on_runs_a_future_woken_from_another_thread_polling_once_per_wake() {
        let polls = Arc::new(AtomicU32::new(0));
        assert_eq!(block_on(cross_thread_future(polls.clone())), 77);
        // One wake: exactly one poll before it and one after.
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn block_on_polls_exactly_once_per_self_wake() {
        let log = Log::default();
        let out = block_on(tracked(&log, "a", 4, 9));
        assert_eq!(out, 9);
        let polls = log.take().iter().filter(|e| e.starts_with("poll")).count();
        assert_eq!(polls, 5);
    }

    #[test]
    fn block_on_ignores_spurious_unparks() {
        // The first poll leaves an unpark token on the blocked thread (a spurious unpark:
        // no waker is woken), then a second thread wakes the future for real. The token
        // makes the first `park` return at once; `block_on` must park again instead of
        // polling. (The producer yields a while before waking so that a broken `block_on`
        // would be caught polling spuriously; the assertion itself does not depend on
        // timing: a correct `block_on` polls exactly twice in every interleaving.)
        let polls = Arc::new(AtomicU32::new(0));
        let slot: Arc<Mutex<Option<u32>>> = Arc::default();
        let mut producer = None;
        let out = block_on(core::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::SeqCst);
            if let Some(value) = *slot.lock().unwrap() {
                return Poll::Ready(value);
            }
            if producer.is_none() {
                std::thread::current().unpark();
                let (slot, waker) = (slot.clone(), cx.waker().clone());
                producer = Some(std::thread::spawn(move || {
                    for _ in 0..100 {
                        std::thread::yield_now();
                    }
                    *slot.lock().unwrap() = Some(5);
                    waker.wake();
                }));
            }
            Poll::Pending
        }));
        producer.take().unwrap().join().unwrap();
        assert_eq!(out, 5);
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }
}
