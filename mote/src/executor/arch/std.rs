//! Host backend: the executor runs on one thread and parks it when idle.
//!
//! Guarantees:
//! - No busy loop: with an empty run queue the thread parks (invariant 5).
//! - A wake signals the thread only if it is parked (one `unpark`), never when the
//!   executor wakes itself while running; Embassy's std backend pays a `futex` call per
//!   wake there.
//! - No lost wake (the race between "queue looked empty" and "a wake arrives"). It is the
//!   store-buffering pattern, closed by a sequentially consistent fence on each side:
//!
//!   ```text
//!   executor (park)                      waker (push, then pend)
//!   parked.store(true)                   run_queue.push(task)      (Release CAS)
//!   fence(SeqCst)            ── F1       fence(SeqCst)             ── F2
//!   if run_queue.is_empty(): park()      if parked.load(): unpark()
//!   ```
//!
//!   The two fences are totally ordered. If F1 comes first, the waker's load after F2
//!   sees `parked == true` and unparks (an unpark before `park` makes `park` return at
//!   once). If F2 comes first, the executor's emptiness check after F1 sees the push and
//!   does not park. Orderings on the accesses alone (a SeqCst `parked` with an Acquire
//!   check of the queue) do not give this: each side may read the other's old value, and
//!   the executor sleeps with a task queued (Miri's weak-memory emulation finds it). The
//!   pender runs only when a push made the queue non-empty, so a lost wake would never be
//!   repaired by a later one; `tests/executor_std.rs` runs the ping-pong that exposed it
//!   under Miri with many seeds.

use std::boxed::Box;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::OnceLock;
use std::thread::{self, Thread};

use crate::executor::raw::{Pender, RawExecutor};
use crate::executor::Spawner;

struct Parker {
    parked: AtomicBool,
    thread: OnceLock<Thread>,
}

unsafe extern "C" fn pend(context: *const ()) {
    // SAFETY: the context is the leaked, 'static Parker of the executor (see `new`).
    let parker = unsafe { &*(context as *const Parker) };
    // F2 (module docs): orders the caller's run-queue push before the read of `parked`.
    fence(Ordering::SeqCst);
    if parker.parked.load(Ordering::Relaxed) {
        if let Some(t) = parker.thread.get() {
            t.unpark();
        }
    }
}

/// A thread-mode executor for the host: runs tasks on the calling thread and parks it
/// when nothing is ready.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// static COUNT: AtomicU32 = AtomicU32::new(0);
///
/// #[mote::task(pool_size = 3)]
/// async fn bump() { COUNT.fetch_add(1, Ordering::Relaxed); }
///
/// let executor: &'static mote::executor::Executor = Box::leak(Box::new(mote::executor::Executor::new()));
/// executor.run_until(
///     |spawner| for _ in 0..3 { spawner.must_spawn(bump()) },
///     || COUNT.load(Ordering::Relaxed) == 3,
/// );
/// ```
pub struct Executor {
    raw: RawExecutor,
    parker: &'static Parker,
    /// `run_until` is running: a call from inside it (from one of its tasks) is refused
    /// (`run_until`, Panics). Only the executor's thread touches it (checked first), so
    /// `Relaxed` loads and stores; an atomic rather than a `Cell` only so that the
    /// compiler's `!Sync` message keeps naming `UseSendSpawnerAcrossContexts`.
    running: AtomicBool,
}

/// Clears `Executor::running` when `run_until` returns or unwinds.
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// A new executor. Its wake signal is allocated once and leaked (a few bytes), as the
    /// executor itself must be `'static` to run.
    pub fn new() -> Self {
        let parker: &'static Parker = Box::leak(Box::new(Parker {
            parked: AtomicBool::new(false),
            thread: OnceLock::new(),
        }));
        // SAFETY: `pend` only reads atomics and a OnceLock of the leaked Parker, and
        // `Thread::unpark` is thread-safe.
        let pender = unsafe { Pender::new(pend, parker as *const Parker as *const ()) };
        Self {
            raw: RawExecutor::new(pender),
            parker,
            running: AtomicBool::new(false),
        }
    }

    /// A spawner for this executor (tasks run once [`run`](Self::run) or
    /// [`run_until`](Self::run_until) is called on this thread).
    pub fn spawner(&'static self) -> Spawner {
        self.raw.spawner()
    }

    /// Runs `init` with a spawner, then runs tasks forever on this thread.
    /// This thread becomes thread mode as in [`run_until`](Self::run_until).
    ///
    /// # Panics
    /// If the executor already runs, or ran, on another thread, or runs already on this
    /// one (as [`run_until`](Self::run_until)).
    pub fn run(&'static self, init: impl FnOnce(Spawner)) -> ! {
        self.run_until(init, || false);
        unreachable!("run_until with a never-true condition returned")
    }

    /// Runs `init`, then polls tasks, parking when idle, until `done()` (checked after
    /// every batch of polls) returns true. Handy in tests and host tools.
    ///
    /// The calling thread becomes the process's thread mode (the only thread that may lock
    /// a [`ThreadModeRawMutex`](crate::sync::blocking_mutex::raw::ThreadModeRawMutex))
    /// unless another thread already is.
    ///
    /// It may be called again once it returned (or unwound), but not from inside itself:
    /// a task (or `init`, or `done`) that runs its own executor would poll the run queue
    /// while a batch is being polled, and the polling task, had it woken itself, inside
    /// its own poll.
    ///
    /// # Panics
    /// If the executor runs, or ran, on another thread; and if called while it runs (from
    /// one of its tasks, `init` or `done`), before polling anything.
    pub fn run_until(&'static self, init: impl FnOnce(Spawner), mut done: impl FnMut() -> bool) {
        let me = self.parker.thread.get_or_init(thread::current);
        assert_eq!(
            me.id(),
            thread::current().id(),
            "a mote Executor runs on one thread only"
        );
        assert!(
            !self.running.swap(true, Ordering::Relaxed),
            "Executor::run_until called while the executor runs (from one of its tasks, \
             `init` or `done`): spawn the work as a task instead"
        );
        let _running = Running(&self.running);
        // The executor's thread becomes thread mode unless another thread already is.
        super::std_thread_mode::claim();
        init(self.raw.spawner());
        // Recorded for good (not per `poll`): this loop arms the alarm before it parks
        // (`park`), so a timer registered on this thread between batches (in `done`)
        // needs no pend.
        self.raw.record_context();
        loop {
            // SAFETY: only this thread polls (checked above), and never re-entrantly
            // (`running`, checked above); its context is recorded.
            unsafe { self.raw.poll_batch() };
            if done() {
                return;
            }
            self.park();
        }
    }

    fn park(&'static self) {
        self.parker.parked.store(true, Ordering::Relaxed);
        // F1 (module docs): orders the announcement before the emptiness check.
        fence(Ordering::SeqCst);
        if self.raw.is_idle() && self.timers_allow_sleep() {
            #[cfg(feature = "trace")]
            crate::trace::executor_events::idle(&self.raw);
            thread::park();
            #[cfg(feature = "trace")]
            crate::trace::executor_events::busy(&self.raw);
        }
        self.parker.parked.store(false, Ordering::Relaxed);
    }
}

impl Executor {
    /// Armed after `parked` is set, so an alarm firing meanwhile unparks us.
    fn timers_allow_sleep(&'static self) -> bool {
        self.raw.timers_allow_sleep()
    }
}

/// Entry point used by `#[mote::main]`: runs `init` on a new executor on this thread.
#[doc(hidden)]
pub fn run_main(init: impl FnOnce(Spawner)) -> ! {
    let executor: &'static Executor = Box::leak(Box::new(Executor::new()));
    executor.run(init)
}

/// This thread's context identity (for `Spawner::for_current_executor` and the owner
/// token of `StdRawMutex`): unique per thread for the life of the process (a counter:
/// numbers are never reused, unlike thread-local addresses), never 0.
pub(crate) fn context_id() -> usize {
    use std::cell::Cell;
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    thread_local! {
        static ID: Cell<usize> = const { Cell::new(0) };
    }
    ID.with(|id| {
        if id.get() == 0 {
            id.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        id.get()
    })
}
