//! Heap tasks (feature `alloc`) against a counting, failing global allocator: memory is
//! given back exactly when the last reference goes (stale wakers, a cross-thread wake
//! racing the finish, a timer entry dropped mid-sleep, a panicking task), 10 000 tasks
//! leave the allocator where it started, and a failing allocator gives an error value.
//! `cargo test -p mote --features std,time,alloc --test heap_tasks` (also under Miri).
//!
//! The allocator counts only allocations whose alignment is a marker of one test (each
//! test's futures capture a zero-sized value of that alignment), so tests running in
//! parallel, and the harness's own allocations, do not disturb each other's counts.
#![cfg(all(feature = "std", feature = "time", feature = "alloc"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use mote::executor::raw::{Pender, RawExecutor};
use mote::time::drivers::sim::{self, SimDriver};
use mote::time::{Duration, Timer};
use mote::SpawnError;

mote::time_driver!(
    static DRIVER: SimDriver = SimDriver::new();
);

/// Counters per marker alignment (index: log2 of the alignment, 8..=13).
struct Counts {
    allocs: [AtomicUsize; 16],
    frees: [AtomicUsize; 16],
    live_bytes: [AtomicUsize; 16],
}

static COUNTS: Counts = Counts {
    allocs: [const { AtomicUsize::new(0) }; 16],
    frees: [const { AtomicUsize::new(0) }; 16],
    live_bytes: [const { AtomicUsize::new(0) }; 16],
};

/// Allocations of this alignment fail (the "full heap" marker).
const FAILING_ALIGN: usize = 8192;

struct CountingAlloc;

fn slot(layout: Layout) -> Option<usize> {
    (layout.align() >= 256).then(|| layout.align().trailing_zeros() as usize)
}

// SAFETY: forwards to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() == FAILING_ALIGN {
            return std::ptr::null_mut();
        }
        if let Some(i) = slot(layout) {
            COUNTS.allocs[i].fetch_add(1, Ordering::SeqCst);
            COUNTS.live_bytes[i].fetch_add(layout.size(), Ordering::SeqCst);
        }
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(i) = slot(layout) {
            COUNTS.frees[i].fetch_add(1, Ordering::SeqCst);
            COUNTS.live_bytes[i].fetch_sub(layout.size(), Ordering::SeqCst);
        }
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// (allocations, frees, live bytes) of the marker alignment `align`.
fn counts(align: usize) -> (usize, usize, usize) {
    let i = align.trailing_zeros() as usize;
    (
        COUNTS.allocs[i].load(Ordering::SeqCst),
        COUNTS.frees[i].load(Ordering::SeqCst),
        COUNTS.live_bytes[i].load(Ordering::SeqCst),
    )
}

macro_rules! markers {
    ($($name:ident = $align:literal),*) => {$(
        #[derive(Clone, Copy)]
        #[repr(align($align))]
        struct $name;
    )*};
}
// Not 64 or 128: std's own allocations (cache-padded channels) use those.
markers!(
    StaleMark = 256,
    RaceMark = 512,
    SleepMark = 4096,
    PanicMark = 2048,
    ManyMark = 1024,
    FailMark = 8192
);

fn executor() -> &'static RawExecutor {
    Box::leak(Box::new(RawExecutor::new(Pender::none())))
}

/// Polls until the run queue is empty; returns the number of task turns.
fn run(exec: &'static RawExecutor) -> usize {
    let mut turns = 0;
    loop {
        // SAFETY: each test's executor is polled only by the test's thread.
        let n = unsafe { exec.poll() };
        if n == 0 {
            return turns;
        }
        turns += n;
    }
}

/// Pending once (saving its waker), ready on the next poll.
fn yield_saving(slot: Arc<Mutex<Option<Waker>>>) -> impl Future<Output = ()> {
    let mut yielded = false;
    poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        *slot.lock().unwrap() = Some(cx.waker().clone());
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

#[test]
fn stale_waker_keeps_the_memory_until_dropped_and_wakes_nothing() {
    let exec = executor();
    let kept = Arc::new(Mutex::new(None));
    let m = StaleMark;
    let k = kept.clone();
    exec.spawner()
        .spawn_boxed("stale", async move {
            let _m = m;
            yield_saving(k).await;
        })
        .unwrap();
    assert_eq!(counts(256).0 - counts(256).1, 1, "one task allocated");
    assert_eq!(run(exec), 2, "polled twice: pending, then ready");
    let waker = kept
        .lock()
        .unwrap()
        .take()
        .expect("the task saved its waker");
    assert_eq!(counts(256).1, 0, "a waker is alive: the memory is kept");
    let clone = waker.clone();
    waker.wake(); // wake by value: the finished task is not queued
    assert_eq!(run(exec), 0, "a finished task's waker queues nothing");
    clone.wake_by_ref();
    assert_eq!(run(exec), 0);
    assert_eq!(counts(256).1, 0, "the clone still holds it");
    drop(clone);
    assert_eq!(counts(256), (1, 1, 0), "the last waker freed it");
}

#[test]
fn waker_woken_from_another_thread_while_the_task_finishes() {
    let rounds = if cfg!(miri) { 3 } else { 200 };
    for _ in 0..rounds {
        let exec = executor();
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let m = RaceMark;
        exec.spawner()
            .spawn_boxed("racer", async move {
                let _m = m;
                let mut first = true;
                poll_fn(|cx| {
                    if first {
                        first = false;
                        tx.send(cx.waker().clone()).unwrap();
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                })
                .await;
            })
            .unwrap();
        let waker_thread = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            for _ in 0..20 {
                waker.wake_by_ref();
            }
            waker.wake();
        });
        // The task finishes while the other thread wakes it, then drops its waker.
        run(exec);
        waker_thread.join().unwrap();
        run(exec); // drains a stale entry, if a wake queued one
        let (a, f, _) = counts(512);
        assert_eq!(a, f, "every heap task of this test was freed");
    }
    assert_eq!(counts(512).2, 0, "live bytes back to zero");
}

#[test]
fn a_sleeping_heap_task_finished_mid_sleep_leaves_no_timer_behind() {
    let exec = executor();
    let stop = Arc::new(AtomicBool::new(false));
    let saved: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let (m, s, w) = (SleepMark, stop.clone(), saved.clone());
    // Sleeps 1 s, but is told to stop after its first poll: the select drops the timer
    // (linked in the fallback queue) and the task finishes.
    exec.spawner()
        .spawn_boxed("sleeper", async move {
            let _m = m;
            let mut timer = std::pin::pin!(Timer::after(Duration::from_secs(1)));
            poll_fn(|cx| {
                if s.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                *w.lock().unwrap() = Some(cx.waker().clone());
                timer.as_mut().poll(cx)
            })
            .await;
        })
        .unwrap();
    // A second heap task that sleeps through its timer.
    let woke = Arc::new(AtomicBool::new(false));
    let (m2, wk) = (SleepMark, woke.clone());
    exec.spawner()
        .spawn_boxed("napper", async move {
            let _m = m2;
            Timer::after(Duration::from_millis(500)).await;
            wk.store(true, Ordering::SeqCst);
        })
        .unwrap();
    run(exec);
    assert_eq!(counts(4096).0, 2);
    assert_eq!(counts(4096).1, 0, "both asleep");
    // Stop the sleeper: wake it through its saved waker, which is then dropped.
    stop.store(true, Ordering::SeqCst);
    saved.lock().unwrap().take().unwrap().wake();
    run(exec);
    assert_eq!(counts(4096).1, 1, "the sleeper finished and was freed");
    sim::advance(Duration::from_millis(600));
    run(exec);
    assert!(woke.load(Ordering::SeqCst), "the napper's timer fired");
    assert_eq!(counts(4096).1, 2);
    // Past the sleeper's old deadline: its (dropped) entry fires nothing.
    sim::advance(Duration::from_millis(600));
    assert_eq!(run(exec), 0);
    assert_eq!(counts(4096), (2, 2, 0));
}

#[test]
fn a_panicking_heap_task_is_freed_and_the_executor_goes_on() {
    let exec = executor();
    let ran_after = Arc::new(AtomicUsize::new(0));
    let m = PanicMark;
    exec.spawner()
        .spawn_boxed("bad", async move {
            let _m = m;
            mote::futures::yield_now().await;
            panic!("heap task panics");
        })
        .unwrap();
    for _ in 0..2 {
        let (m, r) = (PanicMark, ran_after.clone());
        exec.spawner()
            .spawn_boxed("good", async move {
                let _m = m;
                mote::futures::yield_now().await;
                mote::futures::yield_now().await;
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
    }
    // SAFETY: this thread polls `exec`.
    assert_eq!(unsafe { exec.poll() }, 3);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as above.
        unsafe { exec.poll() }
    }));
    assert!(caught.is_err(), "the panic reaches the caller of poll");
    assert_eq!(counts(2048).1, 1, "the panicked task was freed");
    run(exec);
    assert_eq!(ran_after.load(Ordering::SeqCst), 2, "the others finished");
    assert_eq!(counts(2048), (3, 3, 0));
}

#[test]
fn ten_thousand_heap_tasks_leave_the_allocator_where_it_started() {
    let n = if cfg!(miri) { 300 } else { 10_000 };
    let exec = executor();
    let done = Arc::new(AtomicUsize::new(0));
    for i in 0..n {
        let (m, d) = (ManyMark, done.clone());
        exec.spawner()
            .spawn_boxed("many", async move {
                let _m = m;
                if i % 2 == 0 {
                    mote::futures::yield_now().await;
                }
                d.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
    }
    assert_eq!(counts(1024).0, n, "one allocation per task");
    assert_eq!(
        run(exec),
        n + n / 2,
        "each polled once, the yielding half twice"
    );
    assert_eq!(done.load(Ordering::SeqCst), n);
    assert_eq!(
        counts(1024),
        (n, n, 0),
        "allocations == frees, bytes back to 0"
    );
}

#[test]
fn a_failing_allocator_gives_heap_full_and_drops_the_future() {
    struct Dropped(Arc<AtomicUsize>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let exec = executor();
    let drops = Arc::new(AtomicUsize::new(0));
    let (m, d) = (FailMark, Dropped(drops.clone()));
    let r = exec.spawner().spawn_boxed("oom", async move {
        let _m = m;
        let _d = d;
    });
    assert_eq!(r, Err(SpawnError::HeapFull));
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the future was dropped");
    assert_eq!(run(exec), 0, "nothing was queued");
    // The executor still spawns (heap and static) tasks.
    let ok = Arc::new(AtomicBool::new(false));
    let o = ok.clone();
    exec.spawner()
        .spawn_boxed("fine", async move { o.store(true, Ordering::SeqCst) })
        .unwrap();
    run(exec);
    assert!(ok.load(Ordering::SeqCst));
}

static ORDER: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

#[mote::task]
async fn static_task() {
    ORDER.lock().unwrap().push("static 1");
    mote::futures::yield_now().await;
    ORDER.lock().unwrap().push("static 2");
}

#[test]
fn heap_and_static_tasks_share_one_fifo_run_queue() {
    let exec = executor();
    let spawner = exec.spawner();
    spawner
        .spawn_boxed("h1", async {
            ORDER.lock().unwrap().push("heap 1");
            mote::futures::yield_now().await;
            ORDER.lock().unwrap().push("heap 2");
        })
        .unwrap();
    spawner.spawn(static_task()).unwrap();
    spawner
        .make_send()
        .spawn_boxed("h2", async {
            // A heap task finds its executor like a static one.
            let s = mote::Spawner::for_current_executor().await;
            s.spawn_boxed("child", async { ORDER.lock().unwrap().push("child") })
                .unwrap();
            ORDER.lock().unwrap().push("send 1");
        })
        .unwrap();
    run(exec);
    assert_eq!(
        *ORDER.lock().unwrap(),
        ["heap 1", "static 1", "send 1", "heap 2", "static 2", "child"]
    );
}
