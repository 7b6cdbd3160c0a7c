//! Helpers shared by the `sync_*` tests: drive futures by hand with counting wakers.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use futures_test::task::{new_count_waker, AwokenCount};

/// A boxed future with its own counting waker.
pub struct Probe<F: Future> {
    fut: Option<Pin<Box<F>>>,
    waker: Waker,
    count: AwokenCount,
    seen: usize,
}

impl<F: Future> Probe<F> {
    pub fn new(fut: F) -> Self {
        let (waker, count) = new_count_waker();
        Self {
            fut: Some(Box::pin(fut)),
            waker,
            count,
            seen: 0,
        }
    }

    /// Creates the probe and polls it once, expecting `Pending` (so a waiting future is
    /// now queued, behind any probe queued before it).
    #[track_caller]
    pub fn queued(fut: F) -> Self {
        let mut probe = Self::new(fut);
        probe.pending();
        probe
    }

    /// Polls once; a completed future is dropped (polling it again panics).
    pub fn poll(&mut self) -> Poll<F::Output> {
        self.seen = self.count.get();
        let mut cx = Context::from_waker(&self.waker);
        let fut = self.fut.as_mut().expect("polled after completion");
        let r = fut.as_mut().poll(&mut cx);
        if r.is_ready() {
            self.fut = None;
        }
        r
    }

    /// Polls and expects `Pending`.
    #[track_caller]
    pub fn pending(&mut self) {
        assert!(self.poll().is_pending(), "expected Pending");
    }

    /// Polls and expects `Ready`, returning the output.
    #[track_caller]
    pub fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("expected Ready"),
        }
    }

    /// True when woken since the last poll.
    pub fn woken(&self) -> bool {
        self.count.get() > self.seen
    }

    /// Total number of wakes.
    pub fn wakes(&self) -> usize {
        self.count.get()
    }
}

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` to completion on the current thread, parking while it is pending.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

struct Quiet;

impl Wake for Quiet {
    fn wake(self: Arc<Self>) {}
}

/// A waker whose clones can be counted: `live(&w)` is the number of `Waker`s sharing its
/// allocation that are still alive besides the tracker itself (clones stored in wait
/// lists count; woken or dropped ones do not).
pub struct Tracked(Arc<Quiet>);

impl Tracked {
    pub fn new() -> Self {
        Self(Arc::new(Quiet))
    }

    pub fn waker(&self) -> Waker {
        Waker::from(self.0.clone())
    }

    /// Wakers alive besides the tracker.
    pub fn live(&self) -> usize {
        Arc::strong_count(&self.0) - 1
    }
}

/// Polls `fut` once with `waker`.
pub fn poll_with<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// A waker whose first `wake` panics (later wakes do nothing).
struct PanicsOnWake(std::sync::atomic::AtomicBool);

impl Wake for PanicsOnWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if self.0.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("a foreign waker panics in wake");
        }
    }
}

/// A new waker whose first `wake` panics: foreign code that unwinds into the operation
/// that wakes it.
pub fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanicsOnWake(std::sync::atomic::AtomicBool::new(
        true,
    ))))
}

/// Whether `f` panicked (the panic caught here).
pub fn panics<R>(f: impl FnOnce() -> R) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err()
}
