//! `Signal` and `Channel` driven by Mote tasks: the fast path of their polls, which copies
//! a Mote task waker into the wait-list node under the lock (the other `sync_*` tests use
//! foreign wakers, which are cloned before the lock instead), and a waiting future whose
//! waker changes from a foreign one to a task's. Each test drives a `RawExecutor` by hand
//! and checks every value and its order.

mod executor_support;
use executor_support::{drain, leak_executor};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::Context;

use futures_test::task::new_count_waker;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::channel::Channel;
use mote::sync::signal::Signal;

type Sig = Signal<CriticalSectionRawMutex, u32>;
type Chan = Channel<CriticalSectionRawMutex, u32, 1>;

#[mote::task]
async fn signal_ping(go: &'static Sig, back: &'static Sig, n: u32, log: &'static Mutex<Vec<u32>>) {
    for i in 0..n {
        go.signal(2 * i);
        let answer = back.wait().await;
        log.lock().unwrap().push(answer);
    }
}

#[mote::task]
async fn signal_pong(go: &'static Sig, back: &'static Sig, n: u32) {
    for _ in 0..n {
        let v = go.wait().await;
        back.signal(v + 1);
    }
}

#[test]
fn signal_hand_off_between_tasks_delivers_every_value_in_order() {
    static GO: Sig = Signal::new();
    static BACK: Sig = Signal::new();
    static LOG: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    let n = 50;
    let exec = leak_executor();
    let s = exec.spawner();
    s.spawn(signal_ping(&GO, &BACK, n, &LOG)).unwrap();
    s.spawn(signal_pong(&GO, &BACK, n)).unwrap();
    drain(exec);
    let expected: Vec<u32> = (0..n).map(|i| 2 * i + 1).collect();
    assert_eq!(*LOG.lock().unwrap(), expected);
    assert!(!GO.signaled() && !BACK.signaled(), "every value was taken");
}

#[mote::task(pool_size = 3)]
async fn producer(ch: &'static Chan, id: u32, n: u32) {
    for i in 0..n {
        ch.send(id * 1000 + i).await;
    }
}

#[mote::task]
async fn consumer(ch: &'static Chan, total: u32, log: &'static Mutex<Vec<u32>>) {
    for _ in 0..total {
        let v = ch.receive().await;
        log.lock().unwrap().push(v);
    }
}

#[test]
fn channel_between_tasks_delivers_every_message_once_fifo_per_sender() {
    static CH: Chan = Channel::new();
    static LOG: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    let (senders, n) = (3, 40);
    let exec = leak_executor();
    let s = exec.spawner();
    for id in 0..senders {
        s.spawn(producer(&CH, id, n)).unwrap();
    }
    s.spawn(consumer(&CH, senders * n, &LOG)).unwrap();
    drain(exec);
    let log = LOG.lock().unwrap();
    assert_eq!(log.len(), (senders * n) as usize);
    for id in 0..senders {
        let mine: Vec<u32> = log.iter().copied().filter(|v| v / 1000 == id).collect();
        let expected: Vec<u32> = (0..n).map(|i| id * 1000 + i).collect();
        assert_eq!(mine, expected, "sender {id}: each message once, in order");
    }
    // Capacity 1 and FIFO senders: after the first round, the senders take turns.
    let turns: Vec<u32> = log[senders as usize..2 * senders as usize]
        .iter()
        .map(|v| v / 1000)
        .collect();
    let mut sorted = turns.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..senders).collect::<Vec<_>>(), "one message each");
    assert!(CH.is_empty());
}

/// Polls a signal wait and a receive once with a counting (foreign) waker, then awaits
/// them from the task: each stored foreign waker is replaced by the task's (and dropped),
/// and only the task is woken.
#[mote::task]
async fn switch_wakers(sig: &'static Sig, ch: &'static Chan, out: &'static Mutex<Vec<u32>>) {
    let (foreign, woken) = new_count_waker();
    let mut cx = Context::from_waker(&foreign);
    let mut wait = pin!(sig.wait());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    let mut recv = pin!(ch.receive());
    assert!(recv.as_mut().poll(&mut cx).is_pending());
    let w = recv.await;
    out.lock().unwrap().push(w);
    let v = wait.await;
    out.lock().unwrap().push(v);
    assert_eq!(woken.get(), 0, "the replaced foreign waker was never woken");
    DONE.fetch_add(1, Ordering::SeqCst);
}

static DONE: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_waker_switched_from_foreign_to_a_task_is_the_one_woken() {
    static SIG: Sig = Signal::new();
    static CH: Chan = Channel::new();
    static OUT: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    let exec = leak_executor();
    exec.spawner()
        .spawn(switch_wakers(&SIG, &CH, &OUT))
        .unwrap();
    drain(exec); // pending on the receive, with the task's waker now
    CH.try_send(8).unwrap(); // wakes the task, not the foreign waker
    drain(exec); // got 8; pending on the signal, with the task's waker now
    assert_eq!(*OUT.lock().unwrap(), [8]);
    SIG.signal(7);
    drain(exec);
    assert_eq!(*OUT.lock().unwrap(), [8, 7]);
    assert_eq!(DONE.load(Ordering::SeqCst), 1, "the task ran to the end");
    assert!(CH.is_empty() && !SIG.signaled());
}
