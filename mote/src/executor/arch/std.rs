//! Host backend: the executor runs on one thread and parks it when idle.
//!
//! Guarantees:
//! - No busy loop: with an empty run queue the thread parks (invariant 5).
//! - A wake signals the thread only if it is parked (one `unpark`), never when the
//!   executor wakes itself while running; Embassy's std backend pays a `futex` call per
//!   wake there.
//! - The race between "queue looked empty" and "a wake arrives" is closed by sequentially
//!   consistent accesses on both sides: the executor announces `parked` and then re-checks
//!   the queue; a waker pushes and then reads `parked`, so one of them sees the other.

use std::boxed::Box;
use std::sync::atomic::{AtomicBool, Ordering};
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
    if parker.parked.load(Ordering::SeqCst) {
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
    /// If the executor already runs, or ran, on another thread.
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
    /// # Panics
    /// If the executor runs, or ran, on another thread.
    pub fn run_until(&'static self, init: impl FnOnce(Spawner), mut done: impl FnMut() -> bool) {
        let me = self.parker.thread.get_or_init(thread::current);
        assert_eq!(
            me.id(),
            thread::current().id(),
            "a mote Executor runs on one thread only"
        );
        // The executor's thread becomes thread mode unless another thread already is.
        super::std_thread_mode::claim();
        init(self.raw.spawner());
        loop {
            // SAFETY: only this thread polls (checked above), and never re-entrantly.
            unsafe { self.raw.poll() };
            if done() {
                return;
            }
            self.park();
        }
    }

    fn park(&'static self) {
        self.parker.parked.store(true, Ordering::SeqCst);
        if self.raw.is_idle() && self.timers_allow_sleep() {
            thread::park();
        }
        self.parker.parked.store(false, Ordering::SeqCst);
    }
}

impl Executor {
    /// Armed after `parked` is set, so an alarm firing meanwhile unparks us.
    #[cfg(feature = "time")]
    fn timers_allow_sleep(&'static self) -> bool {
        self.raw.arm_timers() && !self.raw.timers.idle()
    }

    #[cfg(not(feature = "time"))]
    fn timers_allow_sleep(&'static self) -> bool {
        true
    }
}

/// Entry point used by `#[mote::main]`: runs `init` on a new executor on this thread.
#[doc(hidden)]
pub fn run_main(init: impl FnOnce(Spawner)) -> ! {
    let executor: &'static Executor = Box::leak(Box::new(Executor::new()));
    executor.run(init)
}
