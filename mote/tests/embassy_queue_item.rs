//! The `embassy-executor-timer-queue` contract on Mote (feature
//! `embassy-executor-timer-queue`, no `time`): embassy-time-queue-utils' integrated
//! queue, as an embassy HAL time driver holds it, stores Mote tasks in their own queue
//! items and wakes exactly the due ones; a foreign waker gets the spare item and is
//! woken at once; a finished task's item left queued costs its slot's next occupant one
//! spurious poll, nothing more.
//!
//! `cargo test -p mote --features std,embassy-executor-timer-queue --test embassy_queue_item`.
#![cfg(all(feature = "std", feature = "embassy-executor-timer-queue"))]

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

use embassy_executor_timer_queue::TimerQueueItem;
use embassy_time_queue_utils::Queue;
use futures_test::task::new_count_waker;
use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::signal::Signal;

/// The queue as a HAL driver keeps it: inside a critical-section mutex.
static QUEUE: critical_section::Mutex<RefCell<Queue>> =
    critical_section::Mutex::new(RefCell::new(Queue::new()));
static NOW: AtomicU64 = AtomicU64::new(0);
/// (task id, poll time) of every poll that found its deadline reached.
static DONE: Mutex<Vec<(u32, u64)>> = Mutex::new(Vec::new());
/// (task id, item address) seen by each registration.
static ITEMS: Mutex<Vec<(u32, usize)>> = Mutex::new(Vec::new());
static POLLS: AtomicUsize = AtomicUsize::new(0);
/// One test at a time: they share the queue and the clock.
static SERIAL: Mutex<()> = Mutex::new(());

/// Sleeps until `NOW >= at`, registering in `QUEUE` like `embassy_time::Timer`.
struct Sleep {
    id: u32,
    at: u64,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        POLLS.fetch_add(1, Ordering::SeqCst);
        let now = NOW.load(Ordering::SeqCst);
        if now >= self.at {
            DONE.lock().unwrap().push((self.id, now));
            return Poll::Ready(());
        }
        // SAFETY: no other reference to the item is alive (we are the queue's user here).
        let item = unsafe { TimerQueueItem::from_embassy_waker(cx.waker()) };
        ITEMS
            .lock()
            .unwrap()
            .push((self.id, item as *mut TimerQueueItem as usize));
        critical_section::with(|cs| {
            QUEUE
                .borrow(cs)
                .borrow_mut()
                .schedule_wake(self.at, cx.waker())
        });
        Poll::Pending
    }
}

#[mote::task(pool_size = 16)]
async fn sleeper(id: u32, at: u64) {
    Sleep { id, at }.await;
}

/// Moves the clock and lets the queue wake what is due (the HAL's alarm interrupt).
fn advance(to: u64) -> u64 {
    NOW.store(to, Ordering::SeqCst);
    critical_section::with(|cs| QUEUE.borrow(cs).borrow_mut().next_expiration(to))
}

fn executor() -> &'static Executor {
    Box::leak(Box::new(Executor::new()))
}

fn reset() {
    NOW.store(0, Ordering::SeqCst);
    DONE.lock().unwrap().clear();
    ITEMS.lock().unwrap().clear();
    POLLS.store(0, Ordering::SeqCst);
}

#[test]
fn the_integrated_queue_wakes_each_mote_task_through_its_own_item_at_its_deadline() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    reset();
    let exec = executor();
    let deadlines = [50u64, 10, 30, 20, 40, 30];
    let polls_done = || POLLS.load(Ordering::SeqCst) >= deadlines.len();
    exec.run_until(
        |s| {
            for (id, &at) in deadlines.iter().enumerate() {
                s.must_spawn(sleeper(id as u32, at));
            }
        },
        polls_done,
    );
    // Each task registered once, in an item of its own.
    let items = ITEMS.lock().unwrap().clone();
    assert_eq!(items.len(), deadlines.len());
    let mut addrs: Vec<usize> = items.iter().map(|&(_, a)| a).collect();
    addrs.sort();
    addrs.dedup();
    assert_eq!(addrs.len(), deadlines.len(), "two tasks shared an item");

    // Step the clock through every deadline: exactly the due tasks finish, each polled
    // twice in all (register, then due).
    let mut next = advance(0);
    assert_eq!(next, 10);
    while next != u64::MAX {
        let expected_done = deadlines.iter().filter(|&&d| d <= next).count();
        next = advance(next);
        exec.run_until(|_| {}, || DONE.lock().unwrap().len() == expected_done);
    }
    let done = DONE.lock().unwrap().clone();
    assert_eq!(done.len(), deadlines.len());
    for (id, t) in &done {
        assert_eq!(*t, deadlines[*id as usize], "task {id} finished at {t}");
    }
    assert_eq!(POLLS.load(Ordering::SeqCst), 2 * deadlines.len());
}

#[test]
fn a_foreign_waker_gets_the_spare_item_and_is_woken_at_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (a, wakes_a) = new_count_waker();
    let (b, wakes_b) = new_count_waker();
    // SAFETY: no other reference to the items is alive.
    let ia = unsafe { TimerQueueItem::from_embassy_waker(&a) } as *mut TimerQueueItem;
    // SAFETY: as above (the first reference is no longer used).
    let ib = unsafe { TimerQueueItem::from_embassy_waker(&b) } as *mut TimerQueueItem;
    assert_eq!(ia, ib, "foreign wakers share the spare item");
    assert_eq!((wakes_a.get(), wakes_b.get()), (1, 1));

    // Through the queue: registering never panics, and the waker polls again at once.
    reset();
    critical_section::with(|cs| QUEUE.borrow(cs).borrow_mut().schedule_wake(1_000, &a));
    assert_eq!(wakes_a.get(), 2);
    // The spare item, now queued for `a`, fires for it at its deadline.
    assert_eq!(advance(999), 1_000);
    assert_eq!(wakes_a.get(), 2);
    assert_eq!(advance(1_000), u64::MAX);
    assert_eq!(wakes_a.get(), 3);
}

unsafe extern "Rust" {
    // Defined by mote, as embassy-executor 0.10 defines it.
    fn __try_embassy_time_queue_item_from_waker(
        waker: &std::task::Waker,
    ) -> Option<&'static mut TimerQueueItem>;
}

#[mote::task]
async fn item_probe() {
    let waker = core::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
    // SAFETY: no other reference to the item is alive.
    let item = unsafe { __try_embassy_time_queue_item_from_waker(&waker) };
    PROBED.store(item.is_some() as usize + 1, Ordering::SeqCst);
}

static PROBED: AtomicUsize = AtomicUsize::new(0);

#[test]
fn the_fallible_lookup_finds_task_items_and_refuses_foreign_wakers_without_waking() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (foreign, wakes) = new_count_waker();
    // SAFETY: no other reference to the item is alive.
    assert!(unsafe { __try_embassy_time_queue_item_from_waker(&foreign) }.is_none());
    assert_eq!(wakes.get(), 0);
    executor().run_until(
        |s| s.must_spawn(item_probe()),
        || PROBED.load(Ordering::SeqCst) != 0,
    );
    assert_eq!(PROBED.load(Ordering::SeqCst), 2, "a task waker has an item");
}

static STOP: Signal<CriticalSectionRawMutex, ()> = Signal::new();

/// One slot (a pool of one). The first occupant (`quit`) registers an item at `at`, then
/// finishes early on `STOP` (its item stays queued); the next one sleeps until `at`.
#[mote::task]
async fn occupant(id: u32, at: u64, quit: bool) {
    if quit {
        mote::futures::select(STOP.wait(), Sleep { id, at }).await;
        QUIT.store(true, Ordering::SeqCst);
    } else {
        Sleep { id, at }.await;
    }
}

static QUIT: AtomicBool = AtomicBool::new(false);

#[test]
fn a_finished_tasks_queued_item_costs_the_next_occupant_one_spurious_poll() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    reset();
    let exec = executor();
    exec.run_until(
        |s| s.must_spawn(occupant(100, 100, true)),
        || POLLS.load(Ordering::SeqCst) == 1,
    );
    STOP.signal(());
    // The first occupant finishes; the slot is spawned again.
    exec.run_until(|_| {}, || QUIT.load(Ordering::SeqCst));
    assert_eq!(POLLS.load(Ordering::SeqCst), 1);
    exec.run_until(
        |s| s.must_spawn(occupant(200, 200, false)),
        || POLLS.load(Ordering::SeqCst) == 2,
    );
    let items = ITEMS.lock().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].1, items[1].1, "the slot's item is reused");
    // The item kept the earlier deadline: the successor is polled at 100 for nothing,
    // registers again, and finishes at 200.
    assert_eq!(advance(100), u64::MAX);
    exec.run_until(|_| {}, || POLLS.load(Ordering::SeqCst) == 3);
    assert!(DONE.lock().unwrap().is_empty());
    assert_eq!(advance(150), 200);
    assert_eq!(advance(200), u64::MAX);
    exec.run_until(|_| {}, || DONE.lock().unwrap().len() == 1);
    assert_eq!(DONE.lock().unwrap()[0], (200, 200));
    assert_eq!(POLLS.load(Ordering::SeqCst), 4);
}
