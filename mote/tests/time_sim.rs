//! Timers, tickers, timeouts and the driver seam on the simulated driver (virtual time,
//! one clock per test thread): `cargo test -p mote --features std,time --test time_sim`
//! (also with each `tick-*` feature).
#![cfg(all(feature = "std", feature = "time"))]

mod time_support;

use std::cell::RefCell;
use std::pin::{pin, Pin};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};

use mote::time::driver::{self, AlarmCallback};
use mote::time::drivers::sim::{self, SimDriver};
use mote::time::executor_timers::ExecutorTimers;
use mote::time::timer_queue::TimerNode;
use mote::time::{
    block_for, with_deadline, with_timeout, Delay, Duration, Instant, Ticker, TimeoutError, Timer,
    TimerEntry, WithTimeout,
};
use time_support::{block_on, join_all, poll_once, DropCounter, Flag};

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[test]
fn timers_complete_in_deadline_order_at_their_exact_deadline() {
    let deadlines = [30u64, 10, 20, 10, 50, 1, 45];
    let log = RefCell::new(Vec::new());
    block_on(join_all(
        deadlines
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                let log = &log;
                Box::pin(async move {
                    Timer::after(ms(d)).await;
                    log.borrow_mut().push((i, Instant::now()));
                }) as _
            })
            .collect(),
    ));
    let log = log.into_inner();
    assert_eq!(log.len(), deadlines.len());
    for (i, at) in &log {
        assert_eq!(
            *at,
            Instant::MIN + ms(deadlines[*i]),
            "timer {i} completed at {at:?}"
        );
    }
    let times: Vec<Instant> = log.iter().map(|(_, t)| *t).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[test]
fn past_or_present_deadline_yields_once_then_is_ready() {
    sim::advance(ms(10));
    let passed = [
        Timer::at(Instant::from_millis(5)),
        Timer::at(Instant::now()),
        Timer::after(Duration::ZERO),
        Timer::at(Instant::MIN),
    ];
    for timer in passed {
        let flag = Flag::new();
        let waker = Waker::from(flag.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let mut timer = pin!(timer);
        assert_eq!(timer.as_mut().poll(&mut cx), Poll::Pending, "no yield");
        assert!(flag.take(), "the yield must wake its waker");
        assert_eq!(sim::next_alarm(), None, "a yield arms no alarm");
        assert_eq!(timer.as_mut().poll(&mut cx), Poll::Ready(()));
        assert_eq!(timer.as_mut().poll(&mut cx), Poll::Ready(()), "stays ready");
    }
    // A timer that was pending yields no second time once due.
    let mut later = pin!(Timer::after(Duration::from_ticks(1)));
    assert_eq!(poll_once(later.as_mut()), Poll::Pending);
    sim::advance(Duration::from_ticks(1));
    assert_eq!(poll_once(later.as_mut()), Poll::Ready(()));
}

#[test]
fn pending_timer_registers_an_alarm_and_is_woken_then() {
    let flag = Flag::new();
    let waker = Waker::from(flag.clone());
    let mut t = pin!(Timer::after_millis(4));
    assert!(t
        .as_mut()
        .poll(&mut std::task::Context::from_waker(&waker))
        .is_pending());
    assert_eq!(sim::next_alarm(), Some(Instant::MIN + ms(4)));
    sim::advance(ms(4) - Duration::from_ticks(1));
    assert!(!flag.take(), "woken before the deadline");
    sim::advance(Duration::from_ticks(1));
    assert!(flag.take(), "not woken at the deadline");
    assert_eq!(poll_once(t.as_mut()), Poll::Ready(()));
}

use std::future::Future;

#[test]
fn timeout_fires_and_drops_the_inner_future() {
    let drops = AtomicUsize::new(0);
    let r = block_on(async {
        let inner = DropCounter {
            inner: Timer::after(ms(50)),
            drops: &drops,
        };
        let r = with_timeout(ms(10), inner).await;
        // The timed-out future was dropped when `with_timeout` completed and was consumed.
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        r
    });
    assert_eq!(r, Err(TimeoutError));
    assert_eq!(Instant::now(), Instant::MIN + ms(10));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn timeout_is_cancelled_when_the_future_finishes_first() {
    let r = block_on(with_timeout(ms(20), async {
        Timer::after(ms(10)).await;
        7
    }));
    assert_eq!(r, Ok(7));
    assert_eq!(Instant::now(), Instant::MIN + ms(10));
    // A later timer still completes at its own deadline: the stale timeout
    // registration (at 20 ms) causes at most a spurious wake.
    block_on(Timer::after(ms(30)));
    assert_eq!(Instant::now(), Instant::MIN + ms(10) + ms(30));
}

#[test]
fn inner_future_wins_a_tie_with_the_deadline() {
    let deadline = Instant::MIN + ms(5);
    let r = block_on(with_deadline(deadline, Timer::at(deadline)));
    assert_eq!(r, Ok(()));
    let r = block_on(Timer::at(deadline + ms(1)).with_deadline(deadline));
    assert_eq!(r, Err(TimeoutError));
    let r = block_on(Timer::after(ms(1)).with_timeout(ms(2)));
    assert_eq!(r, Ok(()));
}

#[test]
fn ticker_keeps_its_grid_with_work_of_seven_tenths_of_a_period() {
    let period = ms(10);
    let work = period * 7 / 10;
    let start = Instant::now();
    let ticks = block_on(async {
        let mut ticker = Ticker::every(period);
        let mut ticks = Vec::new();
        for _ in 0..20 {
            ticker.next().await;
            ticks.push(Instant::now());
            Timer::after(work).await;
        }
        ticks
    });
    let want: Vec<Instant> = (1..=20).map(|k| start + period * k).collect();
    assert_eq!(ticks, want);
}

#[test]
fn late_ticker_ticks_once_then_returns_to_the_grid() {
    let period = ms(10);
    let start = Instant::now();
    let ticks = block_on(async {
        let mut ticker = Ticker::every(period);
        let mut ticks = Vec::new();
        ticker.next().await; // at 1 period
        ticks.push(Instant::now());
        Timer::after(period * 5 / 2).await; // now 3.5 periods: ticks 2 and 3 missed
        for _ in 0..3 {
            ticker.next().await;
            ticks.push(Instant::now());
        }
        ticks
    });
    let p = |k: u32| start + period * k;
    assert_eq!(ticks, vec![p(1), p(1) + period * 5 / 2, p(4), p(5)]);
}

#[test]
fn ticker_reset_restarts_the_grid_and_zero_period_is_one_tick() {
    let period = ms(10);
    let mut ticker = Ticker::every(period);
    sim::advance(ms(13));
    ticker.reset();
    assert_eq!(ticker.next_deadline(), Instant::now() + period);
    block_on(ticker.next());
    assert_eq!(Instant::now(), Instant::MIN + ms(23));
    let t = Ticker::every(Duration::ZERO);
    assert_eq!(t.period(), Duration::from_ticks(1));
}

#[test]
fn cancelled_ticker_next_leaves_the_ticker_unchanged() {
    let mut ticker = Ticker::every(ms(10));
    let before = ticker.next_deadline();
    {
        let next = pin!(ticker.next());
        assert_eq!(poll_once(next), Poll::Pending);
    } // dropped: cancelled
    assert_eq!(ticker.next_deadline(), before);
}

#[test]
fn async_delay_waits_the_requested_time() {
    use embedded_hal_async::delay::DelayNs;
    // A delay adds one tick to cover the partly elapsed tick it starts in.
    let tick = Duration::from_ticks(1);
    block_on(async {
        Delay.delay_ms(5).await;
        assert_eq!(Instant::now(), Instant::MIN + ms(5) + tick);
        let t = Instant::now();
        Delay.delay_us(250).await;
        assert_eq!(Instant::now(), t + Duration::from_micros(250) + tick);
        let t = Instant::now();
        Delay.delay_ns(1).await; // rounds up to one tick, plus one
        assert_eq!(Instant::now(), t + tick + tick);
        let t = Instant::now();
        Delay.delay_ns(0).await; // zero waits for nothing
        assert_eq!(Instant::now(), t);
    });
    block_for(Duration::ZERO); // returns at once even though sim time stands still
}

#[test]
fn driver_alarm_fires_in_order_at_exact_times_and_past_alarms_are_refused() {
    thread_local! {
        static FIRED: RefCell<Vec<(usize, u64)>> = const { RefCell::new(Vec::new()) };
    }
    fn record(ctx: *const ()) {
        let id = ctx.addr();
        FIRED.with(|f| f.borrow_mut().push((id, driver::now())));
    }
    // SAFETY: `record` only touches a thread-local, and the sim driver calls it on this
    // thread; the context is a plain integer, never dereferenced.
    let cb = |id: usize| unsafe { AlarmCallback::new(record, std::ptr::without_provenance(id)) };
    let a = driver::allocate_alarm().unwrap();
    let b = driver::allocate_alarm().unwrap();
    assert_ne!(a, b);
    sim::advance(Duration::from_ticks(100));
    assert!(
        !driver::set_alarm(a, 100, cb(1)),
        "deadline == now must be refused"
    );
    assert!(
        !driver::set_alarm(a, 50, cb(1)),
        "past deadline must be refused"
    );
    assert!(driver::set_alarm(a, 300, cb(1)));
    assert!(driver::set_alarm(b, 200, cb(2)));
    assert!(driver::set_alarm(a, 250, cb(3)), "re-arming replaces");
    sim::advance(Duration::from_ticks(1000));
    assert_eq!(FIRED.with(|f| f.borrow().clone()), vec![(2, 200), (3, 250)]);
    assert_eq!(driver::now(), 1100);
    assert!(driver::set_alarm(a, u64::MAX, cb(4)));
    assert_eq!(sim::next_alarm(), None, "u64::MAX disarms");
}

#[test]
fn each_thread_has_its_own_virtual_clock() {
    sim::advance(ms(7));
    let other = std::thread::spawn(|| {
        let t0 = Instant::now();
        sim::advance(ms(100));
        (t0, Instant::now())
    })
    .join()
    .unwrap();
    assert_eq!(other, (Instant::MIN, Instant::MIN + ms(100)));
    assert_eq!(Instant::now(), Instant::MIN + ms(7));
    sim::reset();
    assert_eq!(Instant::now(), Instant::MIN);
}

#[test]
fn fallback_entries_fire_in_deadline_order_and_are_never_full() {
    let flags: Vec<Arc<Flag>> = (0..3).map(|_| Flag::new()).collect();
    let wakers: Vec<Waker> = flags.iter().map(|f| Waker::from(f.clone())).collect();
    let mut entries: Vec<Pin<Box<TimerEntry>>> =
        (0..3).map(|_| Box::pin(TimerEntry::new())).collect();
    let t0 = Instant::now();
    for (i, at) in [10u64, 20, 15].into_iter().enumerate() {
        entries[i]
            .as_mut()
            .schedule_wake(t0 + Duration::from_ticks(at), &wakers[i]);
    }
    assert!(
        flags.iter().all(|f| !f.take()),
        "nothing woken at registration"
    );
    sim::advance(Duration::from_ticks(9));
    assert!(flags.iter().all(|f| !f.take()));
    sim::advance(Duration::from_ticks(1));
    assert!(flags[0].take() && !flags[1].take() && !flags[2].take());
    sim::advance(Duration::from_ticks(5));
    assert!(flags[2].take() && !flags[1].take());
    sim::advance(Duration::from_ticks(5));
    assert!(flags[1].take());
    sim::advance(Duration::from_ticks(100));
    assert!(flags.iter().all(|f| !f.take()), "each woken once");
    // Popped entries released their waker clones.
    assert!(flags.iter().all(|f| Arc::strong_count(f) == 2)); // ours + `wakers`
}

#[test]
fn fallback_entry_moves_earlier_keeps_one_waker_and_unlinks_on_drop() {
    let (a, b) = (Flag::new(), Flag::new());
    let (wa, wb) = (Waker::from(a.clone()), Waker::from(b.clone()));
    let t0 = Instant::now();
    let mut entry = Box::pin(TimerEntry::new());
    entry
        .as_mut()
        .schedule_wake(t0 + Duration::from_ticks(20), &wa);
    entry
        .as_mut()
        .schedule_wake(t0 + Duration::from_ticks(5), &wa); // earlier: moves
    entry
        .as_mut()
        .schedule_wake(t0 + Duration::from_ticks(50), &wa); // later: no change
    assert_eq!(Arc::strong_count(&a), 3, "one clone in the entry");
    entry
        .as_mut()
        .schedule_wake(t0 + Duration::from_ticks(5), &wb); // another waker
    assert_eq!(Arc::strong_count(&a), 2, "the replaced waker is released");
    assert_eq!(Arc::strong_count(&b), 3);
    sim::advance(Duration::from_ticks(5));
    assert!(b.take() && !a.take(), "the latest waker is woken, at 5");
    sim::advance(Duration::from_ticks(100));
    assert!(!a.take() && !b.take(), "one entry, one wake");
    // Linked again, then dropped before its deadline: unlinked, the clone released, the
    // waker never woken.
    entry
        .as_mut()
        .schedule_wake(Instant::now() + Duration::from_ticks(10), &wa);
    assert_eq!(Arc::strong_count(&a), 3);
    drop(entry);
    assert_eq!(Arc::strong_count(&a), 2);
    sim::advance(Duration::from_ticks(100));
    assert!(!a.take());
}

#[test]
fn executor_timers_arm_one_alarm_for_the_earliest_deadline() {
    fn nothing(_: *const ()) {}
    // SAFETY: `nothing` ignores its context.
    let cb = unsafe { AlarmCallback::new(nothing, std::ptr::null()) };
    let timers: &'static ExecutorTimers = Box::leak(Box::new(ExecutorTimers::new()));
    let nodes: &'static [TimerNode] = Box::leak((0..3).map(|_| TimerNode::new()).collect());
    assert!(timers.arm_alarm(cb), "no timers: may sleep");
    assert_eq!(
        timers.now(),
        None,
        "no timer scheduled yet: the driver is not used"
    );
    assert!(!timers.idle());
    // SAFETY: the nodes are leaked ('static) and only used with `timers`.
    unsafe {
        assert!(timers.schedule(NonNull::from(&nodes[0]), 300, || false));
        assert!(timers.schedule(NonNull::from(&nodes[1]), 100, || false));
        assert!(
            !timers.schedule(NonNull::from(&nodes[2]), 200, || false),
            "not the earliest"
        );
        assert!(
            !timers.schedule(NonNull::from(&nodes[1]), 150, || false),
            "later than queued: no change"
        );
    }
    assert_eq!(timers.now(), Some(driver::now()));
    assert!(timers.arm_alarm(cb));
    assert_eq!(sim::next_alarm(), Some(Instant::from_ticks(100)));
    assert_eq!(timers.pop_due(99), None);
    sim::advance(Duration::from_ticks(250));
    let popped: Vec<*const TimerNode> = std::iter::from_fn(|| timers.pop_due(250))
        .map(|p| p.as_ptr() as *const TimerNode)
        .collect();
    assert_eq!(popped, vec![&nodes[1] as *const _, &nodes[2] as *const _]);
    // SAFETY: as above.
    unsafe { timers.schedule(NonNull::from(&nodes[1]), 240, || false) }; // already passed
    assert!(
        !timers.arm_alarm(cb),
        "earliest deadline passed: must not sleep"
    );
    // SAFETY: as above.
    unsafe { timers.remove(NonNull::from(&nodes[1])) };
    assert!(timers.arm_alarm(cb));
    assert_eq!(timers.next_deadline(), Some(300));
}

#[test]
fn executor_timers_bound_a_pop_by_the_fired_deadline_once() {
    fn nothing(_: *const ()) {}
    // SAFETY: `nothing` ignores its context.
    let cb = unsafe { AlarmCallback::new(nothing, std::ptr::null()) };
    let timers: &'static ExecutorTimers = Box::leak(Box::new(ExecutorTimers::new()));
    let nodes: &'static [TimerNode] = Box::leak((0..2).map(|_| TimerNode::new()).collect());
    let fired_bound = || critical_section::with(|cs| timers.take_fired_in_cs(cs));
    // SAFETY: the nodes are leaked ('static) and only used with `timers`.
    assert!(unsafe { timers.schedule(NonNull::from(&nodes[0]), 100, || false) });
    assert!(timers.arm_alarm(cb));
    assert!(!timers.has_work(), "armed: no work until the alarm fires");
    assert_eq!(fired_bound(), None, "not fired: read the clock");
    timers.alarm_fired();
    assert!(timers.has_work() && timers.is_due());
    assert_eq!(
        fired_bound(),
        Some(100),
        "the deadline the alarm was armed for"
    );
    assert_eq!(fired_bound(), None, "given once");
    assert!(timers.take_due());
    assert!(timers.take_rearm(), "a pop asks for a re-arm");

    // A firing followed by a re-arm for another deadline (before the pop) is no bound.
    assert!(
        timers.arm_alarm(cb),
        "programs the driver again after a firing"
    );
    timers.alarm_fired();
    // SAFETY: as above.
    assert!(unsafe { timers.schedule(NonNull::from(&nodes[1]), 50, || false) });
    assert!(timers.arm_alarm(cb));
    assert_eq!(sim::next_alarm(), Some(Instant::from_ticks(50)));
    assert!(timers.is_due(), "the firing is still to be popped");
    assert_eq!(fired_bound(), None, "re-armed since: not trusted");
}

#[test]
fn zeroed_executor_timers_are_empty_and_usable() {
    // SAFETY: documented: all-zero bytes is a valid, empty `ExecutorTimers`.
    let timers: &'static ExecutorTimers = Box::leak(Box::new(unsafe {
        std::mem::MaybeUninit::zeroed().assume_init()
    }));
    fn nothing(_: *const ()) {}
    // SAFETY: `nothing` ignores its context.
    let cb = unsafe { AlarmCallback::new(nothing, std::ptr::null()) };
    assert_eq!(timers.now(), None);
    assert_eq!(timers.next_deadline(), None);
    let node: &'static TimerNode = Box::leak(Box::new(TimerNode::new()));
    // SAFETY: leaked node, only used with `timers`.
    assert!(unsafe { timers.schedule(NonNull::from(node), 50, || false) });
    assert!(
        timers.arm_alarm(cb),
        "allocates a slot from the zeroed state"
    );
    assert_eq!(sim::next_alarm(), Some(Instant::from_ticks(50)));
}
