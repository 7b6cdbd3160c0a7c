//! Task output and join (`Spawner::spawn_with_handle`, `JoinHandle`): the output waits in
//! the task's slot, the slot is freed exactly once when the output was taken or the
//! handle dropped, outputs are dropped exactly once, panics reach the handle, and a
//! handle may be awaited from another thread. Run under Miri too (`cargo +nightly miri
//! test -p mote --features std,time --test executor_join`, with several seeds for the
//! cross-thread test: `MIRI_SEEDED_TESTS` in `xtask/src/host.rs`).

#![cfg(feature = "std")]

mod executor_support;
use executor_support::{drain, leak_executor};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Poll, Waker};

use mote::executor::{JoinError, JoinHandle};
use mote::SpawnError;

/// A gate a task waits on until the test opens it.
struct Gate {
    open: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Gate {
    const fn new() -> Self {
        Self {
            open: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }
    async fn wait(&self) {
        poll_fn(|cx| {
            if self.open.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.open.load(Ordering::Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
    fn open(&self) {
        self.open.store(true, Ordering::Release);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }
}

/// An output whose drops are counted.
struct Counted(&'static AtomicUsize, u32);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls a handle once with a no-op waker.
fn poll_once<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    let mut cx = std::task::Context::from_waker(Waker::noop());
    std::pin::Pin::new(handle).poll(&mut cx)
}
use std::future::Future;

#[mote::task]
async fn square(n: u32) -> u32 {
    n * n
}

#[mote::task]
async fn joiner(handle: JoinHandle<u32>, out: &'static Mutex<Option<Result<u32, JoinError>>>) {
    *out.lock().unwrap() = Some(handle.await);
}

#[test]
fn join_from_a_task_gives_the_output_and_frees_the_slot() {
    static OUT: Mutex<Option<Result<u32, JoinError>>> = Mutex::new(None);
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(square(7)).unwrap();
    assert!(!handle.is_finished());
    s.spawn(joiner(handle, &OUT)).unwrap();
    drain(exec);
    assert_eq!(*OUT.lock().unwrap(), Some(Ok(49)));
    // The pool of one is free again: a second instance runs.
    let handle = s.spawn_with_handle(square(3)).unwrap();
    drain(exec);
    assert!(handle.is_finished());
    let mut handle = handle;
    assert_eq!(poll_once(&mut handle), Poll::Ready(Ok(9)));
    assert!(!handle.is_finished(), "taken: nothing waits any more");
    drain(exec);
    assert!(square(1).reserved().is_ok());
}

#[mote::task]
async fn make_counted(drops: &'static AtomicUsize, gate: &'static Gate) -> Counted {
    gate.wait().await;
    Counted(drops, 5)
}

#[test]
fn an_untaken_output_keeps_the_slot_busy_until_taken() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static GATE: Gate = Gate::new();
    GATE.open();
    let exec = leak_executor();
    let s = exec.spawner();
    let mut handle = s.spawn_with_handle(make_counted(&DROPS, &GATE)).unwrap();
    drain(exec);
    assert!(handle.is_finished());
    assert_eq!(
        make_counted(&DROPS, &GATE).reserved(),
        Err(SpawnError::Busy),
        "the output sits in the slot"
    );
    drain(exec); // spurious turns change nothing
    assert_eq!(s.spawn(make_counted(&DROPS, &GATE)), Err(SpawnError::Busy));
    assert_eq!(DROPS.load(Ordering::SeqCst), 0);
    let Poll::Ready(Ok(out)) = poll_once(&mut handle) else {
        panic!("finished task gives its output")
    };
    assert_eq!(out.1, 5);
    assert_eq!(DROPS.load(Ordering::SeqCst), 0, "moved out, not dropped");
    assert_eq!(drain(exec), 1, "one turn frees the slot");
    drop(out);
    drop(handle);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "dropped exactly once, by the taker"
    );
    let h2 = s.spawn_with_handle(make_counted(&DROPS, &GATE)).unwrap();
    drop(h2);
    drain(exec);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
}

#[mote::task]
async fn make_counted_b(drops: &'static AtomicUsize, gate: &'static Gate) -> Counted {
    gate.wait().await;
    Counted(drops, 6)
}

#[test]
fn handle_dropped_after_finish_drops_the_output_once_on_the_executor() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static GATE: Gate = Gate::new();
    GATE.open();
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(make_counted_b(&DROPS, &GATE)).unwrap();
    drain(exec);
    assert!(handle.is_finished());
    drop(handle);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        0,
        "dropped on the task's executor, at its next turn"
    );
    assert!(make_counted_b(&DROPS, &GATE).reserved().is_err());
    assert_eq!(drain(exec), 1);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    assert!(
        make_counted_b(&DROPS, &GATE).reserved().is_ok(),
        "slot freed"
    );
    drain(exec);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1, "never twice");
}

#[mote::task]
async fn make_counted_c(drops: &'static AtomicUsize, gate: &'static Gate) -> Counted {
    gate.wait().await;
    Counted(drops, 7)
}

#[test]
fn handle_dropped_before_finish_detaches() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static GATE: Gate = Gate::new();
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(make_counted_c(&DROPS, &GATE)).unwrap();
    drain(exec);
    assert!(!handle.is_finished());
    drop(handle);
    assert_eq!(drain(exec), 0, "detaching does not wake a running task");
    assert!(
        make_counted_c(&DROPS, &GATE).reserved().is_err(),
        "still running"
    );
    GATE.open();
    assert_eq!(drain(exec), 1, "finishes and frees in one turn");
    assert_eq!(DROPS.load(Ordering::SeqCst), 1, "output dropped once");
    assert!(make_counted_c(&DROPS, &GATE).reserved().is_ok());
}

#[test]
fn plain_spawn_of_a_value_task_runs_detached() {
    let exec = leak_executor();
    let s = exec.spawner();
    #[mote::task]
    async fn value() -> Counted {
        static D: AtomicUsize = AtomicUsize::new(0);
        Counted(&D, 1)
    }
    s.spawn(value()).unwrap();
    assert_eq!(drain(exec), 1);
    assert!(value().reserved().is_ok());
}

#[mote::task]
async fn boom(gate: &'static Gate) -> u32 {
    gate.wait().await;
    panic!("boom");
}

#[test]
fn a_panic_reaches_the_handle_and_the_slot_is_reusable() {
    static GATE: Gate = Gate::new();
    GATE.open();
    let exec = leak_executor();
    let s = exec.spawner();
    let mut handle = s.spawn_with_handle(boom(&GATE)).unwrap();
    // Attached: the panic is delivered to the handle, the executor goes on.
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drain(exec)))
        .expect("not raised in the executor");
    assert_eq!(polled, 1);
    assert_eq!(
        poll_once(&mut handle),
        Poll::Ready(Err(JoinError::Panicked))
    );
    drain(exec);
    assert!(boom(&GATE).reserved().is_ok(), "slot freed");
    // Detached: the panic reaches the executor's caller, and the slot is freed.
    let handle = s.spawn_with_handle(boom(&GATE)).unwrap();
    drop(handle);
    let raised = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drain(exec)));
    assert!(raised.is_err(), "a detached task's panic is raised");
    assert!(boom(&GATE).reserved().is_ok(), "slot freed");
}

#[mote::task]
async fn slow_square(n: u32, gate: &'static Gate) -> u32 {
    gate.wait().await;
    n * n
}

#[test]
fn join_from_another_thread_while_the_task_finishes() {
    use mote::executor::Executor;
    let exec: &'static Executor = Box::leak(Box::new(Executor::new()));
    static GATE: Gate = Gate::new();
    let (tx, rx) = std::sync::mpsc::channel::<JoinHandle<u32>>();
    let joiner = std::thread::spawn(move || {
        let handle = rx.recv().unwrap();
        // Opens the gate while the joiner is (about to be) waiting.
        GATE.open();
        mote::futures::block_on(handle)
    });
    exec.run_until(
        |s| {
            tx.send(s.spawn_with_handle(slow_square(6, &GATE)).unwrap())
                .unwrap()
        },
        // The slot is free once the output was taken and the task ran its last turn.
        || slow_square(0, &GATE).reserved().is_ok(),
    );
    assert_eq!(joiner.join().unwrap(), Ok(36));
}

// ---------------------------------------------------------------- abort

use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::channel::Channel;
use mote::sync::mutex::Mutex as AsyncMutex;

static LOCK: AsyncMutex<CriticalSectionRawMutex, u32> = AsyncMutex::new(0);
static CH: Channel<CriticalSectionRawMutex, u32, 1> = Channel::new();

/// Holds the async mutex's guard across a wait that never ends.
#[mote::task]
async fn hold_lock(gate: &'static Gate) -> u32 {
    let mut guard = LOCK.lock().await;
    *guard += 1;
    gate.wait().await;
    *guard
}

#[test]
fn abort_releases_a_held_mutex_guard_on_the_executor() {
    static GATE: Gate = Gate::new();
    let exec = leak_executor();
    let s = exec.spawner();
    let mut handle = s.spawn_with_handle(hold_lock(&GATE)).unwrap();
    drain(exec);
    assert!(LOCK.try_lock().is_err(), "the task holds the guard");
    handle.abort();
    assert!(LOCK.try_lock().is_err(), "not dropped by abort itself");
    assert_eq!(drain(exec), 1, "dropped at the task's next turn");
    assert_eq!(*LOCK.try_lock().unwrap(), 1, "guard released");
    assert_eq!(poll_once(&mut handle), Poll::Ready(Err(JoinError::Aborted)));
    handle.abort(); // after the output was taken: nothing
    drain(exec);
    assert!(hold_lock(&GATE).reserved().is_ok(), "slot freed");
}

/// Sends into the full channel: the send waits.
#[mote::task]
async fn send_two() -> u32 {
    CH.send(2).await;
    2
}

#[test]
fn abort_cancels_a_pending_channel_send() {
    let exec = leak_executor();
    let s = exec.spawner();
    CH.try_send(1).unwrap();
    let handle = s.spawn_with_handle(send_two()).unwrap();
    drain(exec);
    assert!(!handle.is_finished(), "blocked on the full channel");
    handle.abort();
    drain(exec);
    assert!(handle.is_finished());
    assert_eq!(CH.try_receive(), Ok(1));
    drain(exec);
    assert!(
        CH.try_receive().is_err(),
        "the cancelled send delivered nothing"
    );
    // The channel's wait list holds no trace of the dropped send: it works on.
    CH.try_send(3).unwrap();
    assert_eq!(CH.try_receive(), Ok(3));
    assert_eq!(mote::futures::block_on(handle), Err(JoinError::Aborted));
}

static SELF_HANDLE: Mutex<Option<JoinHandle<u32>>> = Mutex::new(None);
static SELF_POLLS: AtomicUsize = AtomicUsize::new(0);

/// Aborts itself from inside its own poll, then keeps running that poll.
#[mote::task]
async fn self_abort() -> u32 {
    loop {
        SELF_POLLS.fetch_add(1, Ordering::SeqCst);
        if let Some(h) = SELF_HANDLE.lock().unwrap().as_ref() {
            h.abort();
        }
        mote::futures::yield_now().await;
    }
}

#[test]
fn abort_from_inside_the_task_takes_effect_at_its_next_turn() {
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(self_abort()).unwrap();
    *SELF_HANDLE.lock().unwrap() = Some(handle);
    drain(exec);
    assert_eq!(
        SELF_POLLS.load(Ordering::SeqCst),
        1,
        "the poll that aborted ran to its end; the next turn dropped the body"
    );
    let mut handle = SELF_HANDLE.lock().unwrap().take().unwrap();
    assert_eq!(poll_once(&mut handle), Poll::Ready(Err(JoinError::Aborted)));
}

#[test]
fn abort_after_finish_keeps_the_output() {
    let exec = leak_executor();
    let s = exec.spawner();
    #[mote::task]
    async fn five() -> u32 {
        5
    }
    let mut handle = s.spawn_with_handle(five()).unwrap();
    drain(exec);
    handle.abort();
    drain(exec);
    assert_eq!(poll_once(&mut handle), Poll::Ready(Ok(5)));
}

#[test]
fn abort_from_another_thread() {
    static GATE: Gate = Gate::new();
    #[mote::task]
    async fn waits(gate: &'static Gate) -> u32 {
        gate.wait().await;
        1
    }
    use mote::executor::Executor;
    let exec: &'static Executor = Box::leak(Box::new(Executor::new()));
    let (tx, rx) = std::sync::mpsc::channel::<JoinHandle<u32>>();
    let other = std::thread::spawn(move || {
        let handle = rx.recv().unwrap();
        handle.abort();
        mote::futures::block_on(handle)
    });
    exec.run_until(
        |s| tx.send(s.spawn_with_handle(waits(&GATE)).unwrap()).unwrap(),
        || waits(&GATE).reserved().is_ok(),
    );
    assert_eq!(other.join().unwrap(), Err(JoinError::Aborted));
}

// ---------------------------------------------------------------- abort handles

use mote::executor::AbortHandle;

fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>(_: &T) {}

/// Counts its polls; waits on its gate, then returns its argument.
#[mote::task]
async fn counted_wait(n: u32, gate: &'static Gate, polls: &'static AtomicUsize) -> u32 {
    poll_fn(|_| {
        polls.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(())
    })
    .await;
    gate.wait().await;
    polls.fetch_add(1, Ordering::SeqCst);
    n
}

#[test]
fn a_stale_abort_handle_leaves_the_slots_next_task_untouched() {
    static GATE_A: Gate = Gate::new();
    static GATE_B: Gate = Gate::new();
    static POLLS_A: AtomicUsize = AtomicUsize::new(0);
    static POLLS_B: AtomicUsize = AtomicUsize::new(0);
    let exec = leak_executor();
    let s = exec.spawner();
    let mut a = s
        .spawn_with_handle(counted_wait(1, &GATE_A, &POLLS_A))
        .unwrap();
    let stale = a.abort_handle();
    assert!(!stale.is_finished());
    GATE_A.open();
    drain(exec);
    assert_eq!(poll_once(&mut a), Poll::Ready(Ok(1)));
    drain(exec); // the last turn frees the slot (pool of one)
    assert!(stale.is_finished());

    // The same slot, reused by a new spawn of the same task function.
    let mut b = s
        .spawn_with_handle(counted_wait(2, &GATE_B, &POLLS_B))
        .unwrap();
    assert_eq!(drain(exec), 1);
    assert_eq!(POLLS_B.load(Ordering::SeqCst), 1, "waiting on its gate");
    stale.abort();
    stale.clone().abort();
    assert_eq!(drain(exec), 0, "not even woken");
    assert!(!b.is_finished());
    assert!(stale.is_finished(), "the stale handle's task is gone");
    let fresh = b.abort_handle();
    assert!(!fresh.is_finished(), "B's own handle sees B");
    GATE_B.open();
    drain(exec);
    assert_eq!(POLLS_B.load(Ordering::SeqCst), 2);
    assert_eq!(poll_once(&mut b), Poll::Ready(Ok(2)), "B ran to its end");
    assert!(fresh.is_finished());
}

#[test]
fn an_abort_handle_stops_a_detached_task_and_frees_its_slot() {
    static GATE: Gate = Gate::new();
    static LOCK2: AsyncMutex<CriticalSectionRawMutex, u32> = AsyncMutex::new(0);
    #[mote::task]
    async fn holds(gate: &'static Gate) -> u32 {
        let mut guard = LOCK2.lock().await;
        *guard += 1;
        gate.wait().await;
        *guard
    }
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(holds(&GATE)).unwrap();
    let abort = handle.abort_handle();
    drop(handle); // detached: only the abort handle is left
    drain(exec);
    assert!(LOCK2.try_lock().is_err(), "the task holds the guard");
    assert!(holds(&GATE).reserved().is_err(), "slot busy");
    abort.abort();
    assert!(LOCK2.try_lock().is_err(), "not dropped by abort itself");
    assert_eq!(drain(exec), 1, "dropped at the task's next turn");
    assert_eq!(*LOCK2.try_lock().unwrap(), 1, "guard released");
    assert!(abort.is_finished());
    assert!(holds(&GATE).reserved().is_ok(), "slot freed");
    abort.abort(); // after the slot was freed: nothing
    assert_eq!(drain(exec), 0);
}

#[test]
fn an_abort_handle_after_finish_is_a_no_op() {
    #[mote::task]
    async fn six() -> u32 {
        6
    }
    let exec = leak_executor();
    let s = exec.spawner();
    let mut handle = s.spawn_with_handle(six()).unwrap();
    let abort = handle.abort_handle();
    drain(exec);
    assert!(abort.is_finished());
    abort.abort();
    assert_eq!(drain(exec), 0, "no wake");
    assert_eq!(poll_once(&mut handle), Poll::Ready(Ok(6)), "output kept");
    let late = handle.abort_handle();
    late.abort(); // made after the output was taken: does nothing
    assert!(late.is_finished());
}

#[test]
fn an_abort_handle_needs_no_send_output() {
    #[mote::task]
    async fn local() -> std::rc::Rc<u32> {
        core::future::pending::<()>().await;
        std::rc::Rc::new(1)
    }
    let exec = leak_executor();
    let s = exec.spawner();
    let handle = s.spawn_with_handle(local()).unwrap();
    let abort = handle.abort_handle();
    assert_send_sync_clone(&abort);
    drain(exec);
    std::thread::scope(|t| {
        t.spawn(|| abort.abort());
    });
    drain(exec);
    assert_eq!(mote::futures::block_on(handle), Err(JoinError::Aborted));
}

/// Yields forever, counting its turns: busy while the other thread aborts it.
#[mote::task]
async fn spinner(turns: &'static AtomicUsize) -> u32 {
    loop {
        turns.fetch_add(1, Ordering::SeqCst);
        mote::futures::yield_now().await;
    }
}

#[test]
fn abort_handle_from_another_thread_while_the_task_runs() {
    use mote::executor::Executor;
    static TURNS: AtomicUsize = AtomicUsize::new(0);
    let exec: &'static Executor = Box::leak(Box::new(Executor::new()));
    let (tx, rx) = std::sync::mpsc::channel::<AbortHandle>();
    let other = std::thread::spawn(move || {
        let abort = rx.recv().unwrap();
        // Abort once the task has run a few turns (it runs while we wait).
        while TURNS.load(Ordering::SeqCst) < 3 {
            std::thread::yield_now();
        }
        abort.abort();
        abort
    });
    let out: &'static Mutex<Option<Result<u32, JoinError>>> = Box::leak(Box::new(Mutex::new(None)));
    exec.run_until(
        |s| {
            let handle = s.spawn_with_handle(spinner(&TURNS)).unwrap();
            tx.send(handle.abort_handle()).unwrap();
            s.spawn(joiner(handle, out)).unwrap();
        },
        || out.lock().unwrap().is_some(),
    );
    let abort = other.join().unwrap();
    assert_eq!(*out.lock().unwrap(), Some(Err(JoinError::Aborted)));
    assert!(abort.is_finished());
    assert!(TURNS.load(Ordering::SeqCst) >= 3);
}

#[test]
fn stale_abort_handle_from_another_thread_while_the_slot_is_reused() {
    use mote::executor::Executor;
    static GATE: Gate = Gate::new();
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    #[mote::task]
    async fn reused(n: u32, gate: &'static Gate, polls: &'static AtomicUsize) -> u32 {
        polls.fetch_add(1, Ordering::SeqCst);
        if n > 0 {
            gate.wait().await;
        }
        n
    }
    GATE.open();
    let exec: &'static Executor = Box::leak(Box::new(Executor::new()));
    let (tx, rx) = std::sync::mpsc::channel::<AbortHandle>();
    let stop = &*Box::leak(Box::new(AtomicBool::new(false)));
    // Keeps aborting through the first occupant's handle while the slot is freed and
    // re-initialised by new spawns (under Miri: a data race here would be reported).
    let other = std::thread::spawn(move || {
        let stale = rx.recv().unwrap();
        while !stop.load(Ordering::SeqCst) {
            stale.abort();
            std::thread::yield_now();
        }
    });
    let results: &'static Mutex<Vec<Result<u32, JoinError>>> =
        Box::leak(Box::new(Mutex::new(Vec::new())));
    #[mote::task]
    async fn respawner(
        s: mote::Spawner,
        tx: std::sync::mpsc::Sender<AbortHandle>,
        results: &'static Mutex<Vec<Result<u32, JoinError>>>,
    ) {
        let first = s.spawn_with_handle(reused(0, &GATE, &POLLS)).unwrap();
        tx.send(first.abort_handle()).unwrap();
        let r = first.await;
        results.lock().unwrap().push(r);
        for n in 1..=4 {
            // The slot (pool of one) is freed by its task's last turn: retry until then.
            let token = loop {
                let t = reused(n, &GATE, &POLLS);
                if t.reserved().is_ok() {
                    break t;
                }
                drop(t);
                mote::futures::yield_now().await;
            };
            let handle = s.spawn_with_handle(token).unwrap();
            let r = handle.await;
            results.lock().unwrap().push(r);
        }
    }
    exec.run_until(
        |s| s.spawn(respawner(s, tx, results)).unwrap(),
        || results.lock().unwrap().len() == 5,
    );
    stop.store(true, Ordering::SeqCst);
    other.join().unwrap();
    let got = results.lock().unwrap().clone();
    // The first occupant may or may not have been aborted (it races the handle); every
    // later one ran to its end, untouched by the stale handle.
    assert!(matches!(got[0], Ok(0) | Err(JoinError::Aborted)), "{got:?}");
    assert_eq!(&got[1..], &[Ok(1), Ok(2), Ok(3), Ok(4)]);
}
