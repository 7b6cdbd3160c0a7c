//! Adversarial uses of timer futures on the simulated driver (review of issue 11's
//! `Timer`-is-its-entry change, Entry Link Invariant 5): a waker whose `clone` panics
//! inside a registration caught by the caller, deadlines at `0` and `u64::MAX`, a
//! timer re-polled by other wakers on other threads. Run under Miri too:
//! `cargo test -p mote --features std,time --test time_adversary`.
#![cfg(all(feature = "std", feature = "time"))]

mod time_support;

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};

use mote::executor::raw::{Pender, RawExecutor};
use mote::time::drivers::sim::{self, SimDriver};
use mote::time::{Duration, Instant, Timer};
use time_support::{block_on, count_waker};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Set while `PANICKY`'s clone should panic.
static CLONE_PANICS: AtomicBool = AtomicBool::new(false);

fn panicky_clone(_: *const ()) -> RawWaker {
    if CLONE_PANICS.load(Ordering::SeqCst) {
        panic!("waker clone refused");
    }
    RawWaker::new(std::ptr::null(), &PANICKY)
}
fn panicky_noop(_: *const ()) {}
static PANICKY: RawWakerVTable =
    RawWakerVTable::new(panicky_clone, panicky_noop, panicky_noop, panicky_noop);

/// A waker whose `clone` panics while `CLONE_PANICS` is set (user code: a `Waker` may run
/// anything in `clone`).
fn panicky_waker() -> Waker {
    // SAFETY: the vtable's functions ignore the (null) data pointer and are thread-safe.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &PANICKY)) }
}

#[test]
fn a_waker_clone_that_panics_during_registration_leaves_the_timer_deadline_intact() {
    // The registration clones the waker inside the fallback queue's critical section.
    // If that clone panics and the caller catches it, the timer must still tell its
    // deadline and must not complete before it: the deadline lives in the queue node's
    // storage while the entry is not queued (Entry Link Invariant 5).
    let start = Instant::now();
    let mut t = Box::pin(Timer::after(ms(10)));
    // Queued with a well-behaved waker (the slot is its queue node), then re-polled
    // with another waker whose clone panics: it stays queued with the first one.
    let w = count_waker();
    let good = Waker::from(w.clone());
    assert!(t
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    sim::advance(ms(1));
    let bad = panicky_waker();
    CLONE_PANICS.store(true, Ordering::SeqCst);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        t.as_mut().poll(&mut Context::from_waker(&bad))
    }));
    CLONE_PANICS.store(false, Ordering::SeqCst);
    assert!(caught.is_err(), "the clone should have panicked");
    assert_eq!(
        t.deadline(),
        start + ms(10),
        "deadline after a caught panic"
    );

    // A fresh timer whose first registration is with the panicking waker: the panic
    // came after the slot had become a node (deadline 0), so the timer completed 10 ms
    // early on its next poll before the fix.
    let mut u = Box::pin(Timer::after(ms(10)));
    CLONE_PANICS.store(true, Ordering::SeqCst);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        u.as_mut().poll(&mut Context::from_waker(&bad))
    }));
    CLONE_PANICS.store(false, Ordering::SeqCst);
    assert!(caught.is_err());
    assert_eq!(
        u.deadline(),
        start + ms(11),
        "deadline after a caught first panic"
    );
    // Not complete before its deadline, polled again with a good waker.
    assert!(u
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    assert!(t
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    // Both still fire on time, from the queue.
    sim::advance(ms(8));
    assert!(t
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    sim::advance(ms(1));
    assert!(t.as_mut().poll(&mut Context::from_waker(&good)).is_ready());
    assert!(u
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    sim::advance(ms(1));
    assert!(w.0.load(Ordering::SeqCst) >= 2, "not woken by the queue");
    assert!(u.as_mut().poll(&mut Context::from_waker(&good)).is_ready());
    drop((t, u, good));
    assert_eq!(Arc::strong_count(&w), 1, "a waker clone leaked");
}

#[test]
fn deadlines_at_zero_and_at_the_end_of_time() {
    // Instant 0 is long past: the first poll yields (pending, woken by the queue at
    // once), the second completes.
    let w = count_waker();
    let waker = Waker::from(w.clone());
    let mut cx = Context::from_waker(&waker);
    sim::advance(ms(1));
    let mut zero = pin!(Timer::at(Instant::from_ticks(0)));
    assert!(
        zero.as_mut().poll(&mut cx).is_pending(),
        "a timer yields once"
    );
    assert_eq!(w.0.load(Ordering::SeqCst), 1, "woken at once by the queue");
    assert_eq!(zero.deadline(), Instant::from_ticks(0));
    assert!(zero.as_mut().poll(&mut cx).is_ready());

    // u64::MAX is never reached: pending, never woken, and it does not disturb an
    // earlier timer or the alarm (`armed` stores deadline + 1, wrapping).
    let mut never = Box::pin(Timer::at(Instant::from_ticks(u64::MAX)));
    let mut near_max = Box::pin(Timer::at(Instant::from_ticks(u64::MAX - 1)));
    assert!(never.as_mut().poll(&mut cx).is_pending());
    assert!(near_max.as_mut().poll(&mut cx).is_pending());
    assert_eq!(never.deadline(), Instant::from_ticks(u64::MAX));
    assert_eq!(near_max.deadline(), Instant::from_ticks(u64::MAX - 1));
    let before = w.0.load(Ordering::SeqCst);
    let start = Instant::now();
    block_on(Timer::after(ms(5)));
    assert_eq!(Instant::now(), start + ms(5));
    assert_eq!(
        w.0.load(Ordering::SeqCst),
        before,
        "woken before u64::MAX - 1"
    );
    assert!(never.as_mut().poll(&mut cx).is_pending());
    assert!(near_max.as_mut().poll(&mut cx).is_pending());
    // Saturating `after`: a huge duration is the end of time, never the past.
    let mut huge = Box::pin(Timer::after(Duration::from_ticks(u64::MAX)));
    assert!(huge.as_mut().poll(&mut cx).is_pending());
    assert!(huge.as_mut().poll(&mut cx).is_pending());
    assert_eq!(huge.deadline(), Instant::from_ticks(u64::MAX));
    drop((never, near_max, huge));
    drop(waker);
    assert_eq!(Arc::strong_count(&w), 1, "a waker clone leaked");
}

#[test]
fn a_timer_handed_between_threads_and_wakers_fires_once_on_time() {
    // Polled on this thread (its queue), then on another thread with another waker (that
    // thread's queue: unlinked here, linked there), then back here: it fires at its
    // deadline on whichever clock polled it last, and no waker clone survives it.
    let start = Instant::now();
    let a = count_waker();
    let b = count_waker();
    let mut t = Box::pin(Timer::after(ms(4)));
    assert!(t
        .as_mut()
        .poll(&mut Context::from_waker(&Waker::from(a.clone())))
        .is_pending());
    let t = std::thread::scope(|s| {
        s.spawn(|| {
            let mut t = t;
            let wb = Waker::from(b.clone());
            assert!(t.as_mut().poll(&mut Context::from_waker(&wb)).is_pending());
            assert_eq!(t.deadline(), start + ms(4));
            t
        })
        .join()
        .unwrap()
    });
    // The other thread's queue holds it now (with `b`); this thread's queue does not.
    assert_eq!(Arc::strong_count(&a), 1, "the first waker was not released");
    sim::advance(ms(4));
    assert_eq!(a.0.load(Ordering::SeqCst), 0, "woken by a queue it left");
    let mut t = t;
    let wa = Waker::from(a.clone());
    assert!(t.as_mut().poll(&mut Context::from_waker(&wa)).is_ready());
    drop(t);
    drop(wa);
    assert_eq!(Arc::strong_count(&a), 1);
    assert_eq!(
        Arc::strong_count(&b),
        1,
        "the other thread's queue kept a waker"
    );
}

/// Completes when polled a second time (a task that registered a timer, then finished).
struct PollTwice<F>(F, bool);
impl<F: Future + Unpin> Future for PollTwice<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.1 {
            return Poll::Ready(());
        }
        self.1 = true;
        let _ = Pin::new(&mut self.0).poll(cx);
        Poll::Pending
    }
}

#[test]
fn a_queued_timer_dropped_inside_a_finished_future_releases_its_waker() {
    // The future that polled a timer with a foreign waker completes without awaiting it
    // to the end (a `select` lost by the timer); dropping it unlinks the entry at once.
    let w = count_waker();
    let waker = Waker::from(w.clone());
    let mut f = Box::pin(PollTwice(Box::pin(Timer::after(ms(50))), false));
    assert!(f
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    assert_eq!(Arc::strong_count(&w), 3, "queued with a clone");
    assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    drop(f);
    assert_eq!(Arc::strong_count(&w), 2, "the queue kept the clone");
    sim::advance(ms(60));
    assert_eq!(
        w.0.load(Ordering::SeqCst),
        0,
        "a dropped timer woke its waker"
    );
}

// ---------------------------------------------------------------------------------------
// A task's waker in another thread's hands, scheduling the task's timer node on its
// executor while the executor pops due timers and pushes their tasks inside the same
// critical section (`wake_due`), and while the task finishes and frees its slot.

static TARGET_WAKER: Mutex<Option<Waker>> = Mutex::new(None);
static LOG: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

async fn own_waker() -> Waker {
    poll_fn(|cx| Poll::Ready(cx.waker().clone())).await
}

#[mote::task]
async fn target(until: u64) {
    *TARGET_WAKER.lock().unwrap() = Some(own_waker().await);
    Timer::at(Instant::from_ticks(until)).await;
    LOG.lock()
        .unwrap()
        .push(("target", Instant::now().as_ticks()));
}

#[mote::task]
async fn bystander_sleeper(until: u64) {
    Timer::at(Instant::from_ticks(until)).await;
    LOG.lock()
        .unwrap()
        .push(("bystander", Instant::now().as_ticks()));
}

#[test]
fn another_thread_schedules_a_tasks_timer_while_its_executor_pops_and_it_finishes() {
    let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(Pender::none())));
    let drain = || {
        // SAFETY: this thread is the only poller of `exec`.
        while unsafe { exec.poll() } > 0 {}
    };
    exec.spawner().spawn(target(30)).unwrap();
    exec.spawner().spawn(bystander_sleeper(20)).unwrap();
    drain();
    let waker = TARGET_WAKER.lock().unwrap().take().expect("the task ran");
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let adversary = {
        let stop = stop.clone();
        let count = count.clone();
        std::thread::spawn(move || {
            // Registers the task's node for deadlines before, at and after its own, and
            // in the past of this executor's clock (the other thread's clock is not
            // this one's; the deadlines are absolute ticks). Each is a spurious wake of
            // the task at most.
            let mut k = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let at = 1 + (k * 7) % 45;
                k += 1;
                let mut t = pin!(Timer::at(Instant::from_ticks(at)));
                assert!(t
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::yield_now();
            }
            k
        })
    };
    // Tick by tick, each wake seen at the tick it happens; each tick waits for a
    // registration of the other thread, so the two interleave.
    while Instant::now().as_ticks() < 45 {
        let seen = count.load(Ordering::SeqCst);
        while count.load(Ordering::SeqCst) == seen {
            std::thread::yield_now();
        }
        sim::advance(Duration::from_ticks(1));
        drain();
    }
    stop.store(true, Ordering::SeqCst);
    let registrations = adversary.join().unwrap();
    assert!(registrations > 0);
    assert_eq!(
        *LOG.lock().unwrap(),
        [("bystander", 20), ("target", 30)],
        "both complete exactly on time, whatever the other thread scheduled"
    );
    // The finished task's node left the queue and its slot is free; the executor has
    // nothing left to do even after a stale registration's deadline passes.
    let again = target(1_000);
    assert!(again.reserved().is_ok(), "the slot was freed");
    drop(again);
    sim::advance(Duration::from_ticks(100));
    // SAFETY: as in `drain`.
    let polled = unsafe { exec.poll() };
    assert_eq!(polled, 0, "a finished task's timer woke something");
}

static END_LOG: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

#[mote::task(pool_size = 2)]
async fn sleep_until_logged(at: u64, name: &'static str) {
    Timer::at(Instant::from_ticks(at)).await;
    END_LOG
        .lock()
        .unwrap()
        .push((name, Instant::now().as_ticks()));
}

#[test]
fn tasks_sleeping_until_the_end_of_time_and_since_tick_zero() {
    // In a Mote task (the executor's own queue, not the fallback one): a deadline at
    // `u64::MAX` is never armed (its "armed" value wraps to "not armed") and never
    // fires, and does not keep an earlier or a past deadline from firing on time.
    let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(Pender::none())));
    let drain = || {
        // SAFETY: this thread is the only poller of `exec`.
        while unsafe { exec.poll() } > 0 {}
    };
    sim::advance(Duration::from_ticks(3));
    exec.spawner()
        .spawn(sleep_until_logged(u64::MAX, "never"))
        .unwrap();
    drain();
    assert_eq!(sim::next_alarm(), None, "armed for the end of time");
    exec.spawner().spawn(sleep_until_logged(0, "zero")).unwrap();
    drain();
    assert_eq!(
        *END_LOG.lock().unwrap(),
        [("zero", 3)],
        "a past deadline completes at once"
    );
    // `zero` finished: its slot is free again (a pool of 2, `never` holds the other).
    exec.spawner()
        .spawn(sleep_until_logged(8, "eight"))
        .unwrap();
    drain();
    assert_eq!(sim::next_alarm(), Some(Instant::from_ticks(8)));
    while Instant::now().as_ticks() < 20 {
        sim::advance(Duration::from_ticks(1));
        drain();
    }
    assert_eq!(*END_LOG.lock().unwrap(), [("zero", 3), ("eight", 8)]);
    assert_eq!(sim::next_alarm(), None, "re-armed for the end of time");
}

/// A waker whose `wake` panics (user code).
struct PanicOnWake;
impl Wake for PanicOnWake {
    fn wake(self: Arc<Self>) {
        panic!("wake refused");
    }
}

#[test]
fn a_wake_that_panics_in_the_fallback_alarm_loses_no_other_wake() {
    // Three foreign-waker timers: one whose wake panics and one other due at 10 ms, one
    // due at 20 ms. The alarm's `wake` of the first panics out of `sim::advance`; the
    // caller catches it. The others must still be woken: the due one within a tick,
    // the later one at its deadline. (Before the fix the queue was left with no alarm
    // armed, and neither was ever woken.)
    let start = Instant::now();
    let w = count_waker();
    let good = Waker::from(w.clone());
    let bad = Waker::from(Arc::new(PanicOnWake));
    let mut a = Box::pin(Timer::after(ms(10)));
    let mut b = Box::pin(Timer::after(ms(10)));
    let mut c = Box::pin(Timer::after(ms(20)));
    assert!(a.as_mut().poll(&mut Context::from_waker(&bad)).is_pending());
    assert!(b
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    assert!(c
        .as_mut()
        .poll(&mut Context::from_waker(&good))
        .is_pending());
    let mut panics = 0;
    let mut woken_at = Vec::new();
    while Instant::now() < start + ms(25) {
        let before = w.0.load(Ordering::SeqCst);
        if catch_unwind(AssertUnwindSafe(|| sim::advance(Duration::from_ticks(1)))).is_err() {
            panics += 1;
        }
        for _ in before..w.0.load(Ordering::SeqCst) {
            woken_at.push(Instant::now() - start);
        }
    }
    assert_eq!(panics, 1, "the panicking wake ran once");
    assert_eq!(woken_at.len(), 2, "the other two were woken: {woken_at:?}");
    assert!(woken_at[0] >= ms(10) && woken_at[0] <= ms(10) + Duration::from_ticks(1));
    assert_eq!(woken_at[1], ms(20));
    assert!(b.as_mut().poll(&mut Context::from_waker(&good)).is_ready());
    assert!(c.as_mut().poll(&mut Context::from_waker(&good)).is_ready());
}
