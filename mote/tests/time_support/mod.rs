//! Test helpers for the time tests: a `block_on` that lets the registered driver move
//! time when the future is stuck (the simulated driver jumps to the next alarm), and a
//! `join_all` for several futures on one waker.
#![allow(dead_code)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wakes; `Arc::strong_count` of it counts the live clones.
pub struct CountWaker(pub AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A new [`CountWaker`], woken 0 times.
pub fn count_waker() -> Arc<CountWaker> {
    Arc::new(CountWaker(AtomicUsize::new(0)))
}

/// A waker that records that it was woken.
pub struct Flag(pub AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Flag {
    pub fn new() -> Arc<Flag> {
        Arc::new(Flag(AtomicBool::new(false)))
    }
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// Polls `fut` to completion on this thread. When it is pending and not woken, asks the
/// driver to use the idle moment (`driver::idle()`: the sim driver jumps to the next
/// alarm); panics if nothing can make progress, instead of hanging.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let flag = Flag::new();
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        flag.take();
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        if !flag.take() {
            assert!(
                mote::time::driver::idle(),
                "stuck: the future is pending and no alarm is armed"
            );
        }
    }
}

/// Runs all futures concurrently (one shared waker) until all complete.
pub async fn join_all(mut futs: Vec<Pin<Box<dyn Future<Output = ()> + '_>>>) {
    let mut done = vec![false; futs.len()];
    std::future::poll_fn(move |cx| {
        for (f, d) in futs.iter_mut().zip(done.iter_mut()) {
            if !*d && f.as_mut().poll(cx).is_ready() {
                *d = true;
            }
        }
        if done.iter().all(|d| *d) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Counts drops of the value it wraps.
pub struct DropCounter<'a, F> {
    pub inner: F,
    pub drops: &'a AtomicUsize,
}

impl<F> Drop for DropCounter<'_, F> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

impl<F: Future> Future for DropCounter<'_, F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning: `inner` is never moved out, and `Drop` above only
        // counts.
        unsafe { self.map_unchecked_mut(|d| &mut d.inner) }.poll(cx)
    }
}

/// Polls once with a waker that records wakes (timer futures are `!Unpin`: pass
/// `pin!(fut)` or `fut.as_mut()`).
pub fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Flag::new());
    fut.poll(&mut Context::from_waker(&waker))
}

/// Awaits `fut`, counting its polls in `polls`; panics once they pass `limit` (a busy
/// poll would otherwise spin for ever on virtual time, which moves only when idle).
pub async fn counted<F: Future>(fut: F, polls: &AtomicUsize, limit: usize) -> F::Output {
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        let n = polls.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(n <= limit, "busy polling: {n} polls, limit {limit}");
        fut.as_mut().poll(cx)
    })
    .await
}

/// Polls each timer once with a waker of its own (`wakers[i]` for `timers[i]`) and checks
/// that it is pending: the timers are registered with foreign wakers.
pub fn register_each<W: Wake + Send + Sync + 'static>(
    timers: &mut [Pin<Box<mote::time::Timer>>],
    wakers: &[Arc<W>],
) {
    for (t, w) in timers.iter_mut().zip(wakers) {
        let waker = Waker::from(w.clone());
        assert!(t
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
    }
}
