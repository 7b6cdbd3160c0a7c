//! Host tests of the executor core: spawning, pools, wakes, fairness, scale.
//!
//! Most tests drive a `RawExecutor` by hand (`poll` = one batch), so the exact sequence of
//! polls is observable and deterministic.
mod executor_support;
use executor_support::leak_executor;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Poll, Waker};

use mote::executor::raw::{Pender, RawExecutor};
use mote::futures::yield_now;
use mote::SpawnError;

/// Polls `exec` until a batch polls nothing; returns the number of batches that did work.
fn drain(exec: &'static RawExecutor) -> usize {
    let mut batches = 0;
    // SAFETY: each test is the only poller of its executor.
    while unsafe { exec.poll() } > 0 {
        batches += 1;
    }
    batches
}

#[mote::task(pool_size = 2)]
async fn add(counter: &'static AtomicUsize, n: usize) {
    counter.fetch_add(n, Ordering::Relaxed);
}

#[test]
fn spawn_runs_and_reuses_slots() {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let exec = leak_executor();
    let s = exec.spawner();
    s.spawn(add(&COUNTER, 1)).unwrap();
    s.spawn(add(&COUNTER, 10)).unwrap();
    assert_eq!(s.spawn(add(&COUNTER, 100)), Err(SpawnError::Busy));
    // SAFETY: this test is the only poller of exec.
    assert_eq!(unsafe { exec.poll() }, 2);
    assert_eq!(
        COUNTER.load(Ordering::Relaxed),
        11,
        "the busy spawn ran nothing"
    );
    // finished slots are free again
    s.spawn(add(&COUNTER, 100)).unwrap();
    s.spawn(add(&COUNTER, 1000)).unwrap();
    drain(exec);
    assert_eq!(COUNTER.load(Ordering::Relaxed), 1111);
}

static LOG: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

#[mote::task(pool_size = 3)]
async fn yielder(name: &'static str, log: &'static Mutex<Vec<&'static str>>) {
    for _ in 0..2 {
        log.lock().unwrap().push(name);
        yield_now().await;
    }
    log.lock().unwrap().push(name);
}

#[test]
fn fairness_self_wake_goes_behind_queued_tasks() {
    let exec = leak_executor();
    let s = exec.spawner();
    for name in ["A", "B", "C"] {
        s.spawn(yielder(name, &LOG)).unwrap();
    }
    drain(exec);
    let log = LOG.lock().unwrap().clone();
    assert_eq!(log, ["A", "B", "C", "A", "B", "C", "A", "B", "C"]);
}

struct Probe {
    polls: AtomicUsize,
    waker: Mutex<Option<Waker>>,
    done: AtomicBool,
}

impl Probe {
    const fn new() -> Self {
        Self {
            polls: AtomicUsize::new(0),
            waker: Mutex::new(None),
            done: AtomicBool::new(false),
        }
    }
    fn wake(&self) {
        self.waker.lock().unwrap().as_ref().unwrap().wake_by_ref();
    }
}

/// Counts its polls and waits until `done` is set, storing its waker.
#[mote::task(pool_size = 8)]
async fn probe(p: &'static Probe) {
    wait_probe(p).await
}

/// The body of [`probe`], usable inside other tasks.
async fn wait_probe(p: &'static Probe) {
    poll_fn(|cx| {
        p.polls.fetch_add(1, Ordering::Relaxed);
        *p.waker.lock().unwrap() = Some(cx.waker().clone());
        if p.done.load(Ordering::Relaxed) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

#[test]
fn wake_polls_only_the_woken_task_once() {
    static P: [Probe; 3] = [Probe::new(), Probe::new(), Probe::new()];
    let exec = leak_executor();
    for p in &P {
        exec.spawner().spawn(probe(p)).unwrap();
    }
    drain(exec);
    let polls = || {
        P.iter()
            .map(|p| p.polls.load(Ordering::Relaxed))
            .collect::<Vec<_>>()
    };
    assert_eq!(polls(), [1, 1, 1]);
    // many wakes of one task: it is queued once, polled once; the others stay asleep
    for _ in 0..5 {
        P[1].wake();
    }
    assert_eq!(drain(exec), 1);
    assert_eq!(polls(), [1, 2, 1]);
    // nothing woken: nothing polled
    assert_eq!(drain(exec), 0);
    for p in &P {
        p.done.store(true, Ordering::Relaxed);
        p.wake();
    }
    drain(exec);
    assert_eq!(polls(), [2, 3, 2]);
    // stale wakers of finished tasks do nothing
    P[0].wake();
    assert_eq!(drain(exec), 0);
}

#[test]
fn dropped_token_frees_its_slot() {
    #[mote::task(pool_size = 1)]
    async fn solo() {}
    let t = solo();
    assert!(t.reserved().is_ok());
    assert_eq!(solo().reserved(), Err(SpawnError::Busy));
    drop(t);
    let exec = leak_executor();
    exec.spawner().spawn(solo()).unwrap();
    drain(exec);
    exec.spawner().spawn(solo()).unwrap();
}

/// A pool of one keeps no free list: its slot is free exactly when its state word is 0.
/// A task that wakes itself and then completes leaves a stale run-queue entry; its slot
/// must stay taken until the executor drains that entry, then be claimable again.
#[test]
fn pool_of_one_slot_is_released_by_its_state() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[mote::task(pool_size = 1)]
    async fn wakes_itself_then_ends() {
        poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::Ready(())
        })
        .await;
        RUNS.fetch_add(1, Ordering::Relaxed);
    }
    let exec = leak_executor();
    let s = exec.spawner();
    s.spawn(wakes_itself_then_ends()).unwrap();
    assert_eq!(s.spawn(wakes_itself_then_ends()), Err(SpawnError::Busy));
    // SAFETY: this test is the only poller of exec.
    assert_eq!(unsafe { exec.poll() }, 1);
    assert_eq!(RUNS.load(Ordering::Relaxed), 1);
    assert_eq!(
        wakes_itself_then_ends().reserved(),
        Err(SpawnError::Busy),
        "finished, but its stale run-queue entry still owns the slot"
    );
    // SAFETY: as above.
    assert_eq!(unsafe { exec.poll() }, 1, "the stale entry is drained");
    assert_eq!(RUNS.load(Ordering::Relaxed), 1, "and not polled");
    for round in 2..=3 {
        s.spawn(wakes_itself_then_ends()).unwrap();
        drain(exec);
        assert_eq!(RUNS.load(Ordering::Relaxed), round);
    }
}

/// Pools of up to four slots claim by state word (no free list), larger ones through their
/// free list: both hand out exactly `pool_size` slots, and a dropped token's slot is the
/// one claimed next.
#[test]
fn small_and_large_pools_hand_out_exactly_their_size() {
    #[mote::task(pool_size = 4)]
    async fn four() {}
    #[mote::task(pool_size = 5)]
    async fn five() {}
    let fours: Vec<_> = (0..4).map(|_| four()).collect();
    assert!(fours.iter().all(|t| t.reserved().is_ok()));
    assert_eq!(four().reserved(), Err(SpawnError::Busy));
    let fives: Vec<_> = (0..5).map(|_| five()).collect();
    assert!(fives.iter().all(|t| t.reserved().is_ok()));
    assert_eq!(five().reserved(), Err(SpawnError::Busy));
    let exec = leak_executor();
    let mut fours = fours;
    let mut fives = fives;
    drop(fours.remove(2));
    drop(fives.remove(0));
    let again = (four(), five());
    assert!(again.0.reserved().is_ok() && again.1.reserved().is_ok());
    assert_eq!(four().reserved(), Err(SpawnError::Busy));
    assert_eq!(five().reserved(), Err(SpawnError::Busy));
    // spawned and run, every slot comes back
    for t in fours.into_iter().chain([again.0]) {
        exec.spawner().spawn(t).unwrap();
    }
    for t in fives.into_iter().chain([again.1]) {
        exec.spawner().spawn(t).unwrap();
    }
    assert_eq!(drain(exec), 1);
    let refill: Vec<_> = (0..4).map(|_| four()).collect();
    assert!(refill.iter().all(|t| t.reserved().is_ok()));
}

#[test]
fn dropped_token_drops_its_arguments() {
    struct Flag(&'static AtomicBool);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    #[mote::task]
    async fn holds(f: Flag) {
        let _f = f;
    }
    static DROPPED: AtomicBool = AtomicBool::new(false);
    drop(holds(Flag(&DROPPED)));
    assert!(DROPPED.load(Ordering::Relaxed));
    // and a busy token drops them at once too
    static DROPPED2: AtomicBool = AtomicBool::new(false);
    let keep = holds(Flag(&DROPPED));
    let busy = holds(Flag(&DROPPED2));
    assert!(DROPPED2.load(Ordering::Relaxed));
    assert!(busy.reserved().is_err());
    drop(keep);
}

/// Argument types the task macro's `'static` check must accept: `'static` references at
/// any depth, and elided lifetimes inside `fn(..)`/`Fn(..)` sugar (higher-ranked there).
#[mote::task]
async fn static_args(
    name: Option<&'static str>,
    view: (&'static [u8], [&'static u8; 1]),
    on_line: &'static dyn Fn(&str) -> usize,
    parse: fn(&str) -> Option<&str>,
    seen: &'static AtomicUsize,
) {
    let n = on_line(name.unwrap_or("")) + view.0.len() + *view.1[0] as usize;
    seen.fetch_add(n + parse("xy").map_or(0, str::len), Ordering::Relaxed);
}

#[test]
fn task_arguments_static_at_any_depth_and_fn_sugar_compile_and_run() {
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    static ONE: u8 = 1;
    static ONES: [&u8; 1] = [&ONE];
    fn first(s: &str) -> Option<&str> {
        s.get(..1)
    }
    let exec = leak_executor();
    let task = static_args(Some("abc"), (b"de", ONES), &|s: &str| s.len(), first, &SEEN);
    exec.spawner().spawn(task).unwrap();
    drain(exec);
    assert_eq!(SEEN.load(Ordering::Relaxed), 3 + 2 + 1 + 1);
}

/// Embassy's signature for a task that never returns.
#[mote::task]
async fn forever(turns: &'static AtomicUsize) -> ! {
    loop {
        turns.fetch_add(1, Ordering::Relaxed);
        yield_now().await;
    }
}

#[test]
fn never_returning_task_signature_runs() {
    static TURNS: AtomicUsize = AtomicUsize::new(0);
    let exec = leak_executor();
    exec.spawner().spawn(forever(&TURNS)).unwrap();
    for _ in 0..3 {
        // SAFETY: this test is the only poller of its executor.
        assert_eq!(unsafe { exec.poll() }, 1);
    }
    assert_eq!(TURNS.load(Ordering::Relaxed), 3);
}

/// A never-returning task with a large argument, kept across its `.await`s.
#[mote::task]
async fn forever_big(buf: [u8; 1000], turns: &'static AtomicUsize) -> ! {
    loop {
        turns.fetch_add(usize::from(buf[999]), Ordering::Relaxed);
        yield_now().await;
    }
}

/// `forever_big`'s body as a plain `async fn`: the future the compiler makes of it.
async fn forever_big_body(buf: [u8; 1000], turns: &'static AtomicUsize) -> ! {
    loop {
        turns.fetch_add(usize::from(buf[999]), Ordering::Relaxed);
        yield_now().await;
    }
}

/// The size of the future a spawn token carries (the compiler's, not the macro's).
fn future_size<S>(_: &mote::SpawnToken<S>) -> usize {
    std::mem::size_of::<S>()
}

#[test]
fn never_returning_task_stores_nothing_beyond_its_body() {
    static TURNS: AtomicUsize = AtomicUsize::new(0);
    let token = forever_big([1; 1000], &TURNS);
    let body = std::mem::size_of_val(&forever_big_body([1; 1000], &TURNS));
    // An `async fn` wrapper around the body kept the arguments in its own state too:
    // 1008 bytes more here.
    assert_eq!(future_size(&token), body);
    let exec = leak_executor();
    exec.spawner().spawn(token).unwrap();
    for _ in 0..2 {
        // SAFETY: this test is the only poller of its executor.
        assert_eq!(unsafe { exec.poll() }, 1);
    }
    assert_eq!(
        TURNS.load(Ordering::Relaxed),
        2,
        "the argument arrived whole"
    );
}

#[cfg_attr(not(miri), mote::task(pool_size = 10_000))]
#[cfg_attr(miri, mote::task(pool_size = 200))]
async fn member(counter: &'static AtomicUsize) {
    yield_now().await;
    counter.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn ten_thousand_tasks_without_configuration() {
    static DONE: AtomicUsize = AtomicUsize::new(0);
    let n = if cfg!(miri) { 200 } else { 10_000 };
    let exec = leak_executor();
    for _ in 0..n {
        exec.spawner().spawn(member(&DONE)).unwrap();
    }
    // batch 1 polls all and each yields; batch 2 completes all
    assert_eq!(drain(exec), 2);
    assert_eq!(DONE.load(Ordering::Relaxed), n);
}

// Miri interprets every byte of a static: a smaller pool keeps it fast there.
#[cfg_attr(not(miri), mote::task(pool_size = 100_000))]
#[cfg_attr(miri, mote::task(pool_size = 100))]
async fn big_pool_member() {}

#[test]
fn claim_from_huge_pool_is_constant_time() {
    // Claim the last slot after all others are taken, then free one in the middle and
    // claim it again: the pool hands out the freed slot without scanning.
    let n = if cfg!(miri) { 100 } else { 100_000 };
    let tokens: Vec<_> = (0..n).map(|_| big_pool_member()).collect();
    assert!(tokens.iter().all(|t| t.reserved().is_ok()));
    assert_eq!(big_pool_member().reserved(), Err(SpawnError::Busy));
    drop(tokens);
}

#[test]
#[cfg(feature = "std")] // needs a backend to tell contexts apart
fn spawner_for_current_executor() {
    static SPAWNED_CHILD: AtomicBool = AtomicBool::new(false);
    #[mote::task]
    async fn child() {
        SPAWNED_CHILD.store(true, Ordering::Relaxed);
    }
    #[mote::task]
    async fn parent() {
        let s = mote::Spawner::for_current_executor().await;
        s.spawn(child()).unwrap();
    }
    let exec = leak_executor();
    exec.spawner().spawn(parent()).unwrap();
    drain(exec);
    assert!(SPAWNED_CHILD.load(Ordering::Relaxed));
}

#[test]
#[cfg(feature = "std")]
fn std_executor_wakes_from_other_threads() {
    static P: Probe = Probe::new();
    static DONE: AtomicBool = AtomicBool::new(false);
    #[mote::task]
    async fn waiter() {
        wait_probe(&P).await;
        DONE.store(true, Ordering::Relaxed);
    }
    let exec: &'static mote::executor::Executor =
        Box::leak(Box::new(mote::executor::Executor::new()));
    let waker_thread = std::thread::spawn(|| {
        while P.waker.lock().unwrap().is_none() {
            std::thread::yield_now();
        }
        P.done.store(true, Ordering::Relaxed);
        P.wake();
    });
    exec.run_until(|s| s.must_spawn(waiter()), || DONE.load(Ordering::Relaxed));
    waker_thread.join().unwrap();
    assert_eq!(
        P.polls.load(Ordering::Relaxed),
        2,
        "polled at spawn and after the wake only"
    );
}

#[test]
fn send_spawner_from_another_thread() {
    static RAN: AtomicUsize = AtomicUsize::new(0);
    #[mote::task(pool_size = 4)]
    async fn remote(n: usize) {
        RAN.fetch_add(n, Ordering::Relaxed);
    }
    let exec = leak_executor();
    let send = exec.spawner().make_send();
    std::thread::scope(|s| {
        for n in [1, 2, 4, 8] {
            s.spawn(move || send.spawn(remote(n)).unwrap());
        }
    });
    drain(exec);
    assert_eq!(RAN.load(Ordering::Relaxed), 15);
}

#[test]
fn pender_fires_only_when_queue_becomes_non_empty() {
    static PENDS: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count(_: *const ()) {
        PENDS.fetch_add(1, Ordering::Relaxed);
    }
    static P: [Probe; 2] = [Probe::new(), Probe::new()];
    // SAFETY: `count` only touches an atomic.
    let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(unsafe {
        Pender::new(count, std::ptr::null())
    })));
    exec.spawner().spawn(probe(&P[0])).unwrap();
    exec.spawner().spawn(probe(&P[1])).unwrap();
    assert_eq!(
        PENDS.load(Ordering::Relaxed),
        1,
        "second push found a non-empty queue"
    );
    drain(exec);
    P[0].wake();
    P[1].wake();
    P[0].wake();
    assert_eq!(PENDS.load(Ordering::Relaxed), 2);
    for p in &P {
        p.done.store(true, Ordering::Relaxed);
        p.wake();
    }
    drain(exec);
}

#[mote::task(pool_size = 1)]
async fn one_slot() {}

#[test]
fn embassy_spawn_idiom_returns_unit_and_panics_on_a_full_pool() {
    let exec = leak_executor();
    let s = exec.spawner();
    // Embassy 0.10: `spawner.spawn(task().unwrap())` returns `()`.
    #[allow(clippy::let_unit_value, reason = "the type annotation is the test")]
    let (): () = s.spawn(one_slot().unwrap());
    // The slot is taken until the task has run: a second `unwrap` panics, naming the fix.
    let full = std::panic::catch_unwind(|| one_slot().unwrap()).unwrap_err();
    let msg = full.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        msg.contains("SpawnError::Busy") && msg.contains("pool_size"),
        "{msg}"
    );
    // Mote's idiom on the same pool: an error value.
    assert_eq!(s.spawn(one_slot()), Err(SpawnError::Busy));
    drain(exec);
    assert_eq!(s.spawn(one_slot()), Ok(()));
    drain(exec);
}
