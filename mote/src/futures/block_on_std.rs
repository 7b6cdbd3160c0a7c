//! `block_on` (feature `std`): run one future to completion on the current thread,
//! sleeping (thread park) while it is pending.
//!
//! Guarantees: the future is polled once at the start and then once per wake (several
//! wakes before the next poll count as one); spurious thread unparks never cause a poll.
//! The thread sleeps while the future is pending and no wake arrived. Works for any
//! future; wakers may be called from any thread, and may outlive the call (they hold a
//! reference-counted handle, so a late wake is harmless).
//!
//! ```text
//!   poll ── Ready ──► return output
//!    │ Pending
//!    ▼
//!   woken.swap(false)? ── yes ──► poll
//!    │ no
//!    ▼
//!   park() ──► (unpark by wake, or spurious) ──► woken.swap(false)? ...
//! ```

use std::pin::pin;
// std atomics, not `crate::loom`: this flag pairs with `std::thread::park`, which loom
// does not model; the module exists only on hosts with `std`.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// What a `block_on` waker points to: the blocked thread and its "woken" flag.
struct Parker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Parker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release pairs with the Acquire swap in `block_on`: writes before the wake are
        // visible to the next poll.
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on the current thread and returns its output, parking
/// the thread while the future is pending. Feature `std` only.
///
/// The thread sleeps until a waker of the future is woken (from any thread); it does not
/// spin. The future is polled once at the start and once per wake (wakes that arrive
/// before the next poll count as one); spurious thread unparks cause no poll. Wakers may
/// outlive the call: they hold a reference-counted handle, and a late wake is harmless. Nesting `block_on` inside a future that `block_on` runs works but blocks the
/// outer future meanwhile.
///
/// Cancel safety: not applicable: `block_on` returns only when the future has finished,
/// so the future is never dropped midway (unless it panics).
///
/// # Example
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::task::{Poll, Waker};
///
/// // A value produced by another thread; the future waits for it.
/// let slot: Arc<Mutex<(Option<u32>, Option<Waker>)>> = Arc::new(Mutex::new((None, None)));
/// let producer = {
///     let slot = slot.clone();
///     std::thread::spawn(move || {
///         let mut guard = slot.lock().unwrap();
///         guard.0 = Some(9);
///         if let Some(waker) = guard.1.take() {
///             waker.wake();
///         }
///     })
/// };
/// let value = mote::futures::block_on(core::future::poll_fn(|cx| {
///     let mut guard = slot.lock().unwrap();
///     match guard.0 {
///         Some(v) => Poll::Ready(v),
///         None => {
///             guard.1 = Some(cx.waker().clone());
///             Poll::Pending
///         }
///     }
/// }));
/// assert_eq!(value, 9);
/// producer.join().unwrap();
/// ```
pub fn block_on<F: core::future::Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let parker = Arc::new(Parker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        while !parker.woken.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}
