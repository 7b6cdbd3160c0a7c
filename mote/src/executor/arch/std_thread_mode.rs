//! Thread mode on the host: one identified thread per process.
//!
//! A Cortex-M core is in thread mode in exactly one context; a host process has no such
//! context, so the `std` backend makes one: **the first thread that runs a mote
//! [`Executor`](super::Executor) or locks a
//! [`ThreadModeRawMutex`](crate::sync::blocking_mutex::raw::ThreadModeRawMutex) claims
//! thread mode for the whole process, and keeps it for as long as the process lives**
//! (even after that thread has ended: thread identities are never reused, so no later
//! thread can take it over while a closure of the owner might still run). Every other
//! thread is refused, whatever its name.
//!
//! ```text
//!              claim() by thread T (first caller wins, atomically: OnceLock)
//!   UNCLAIMED ─────────────────────────────────────────────────────► OWNED(T), forever
//! ```
//!
//! The answer is cached per thread (a thread-local), so after its first call
//! `in_thread_mode` costs one thread-local read.

use std::cell::Cell;
use std::string::String;
use std::sync::OnceLock;
use std::thread::{self, Thread};

/// The thread that holds thread mode, set once.
static OWNER: OnceLock<Thread> = OnceLock::new();

std::thread_local! {
    /// This thread's answer once known (it never changes: the claim is permanent).
    static IS_OWNER: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Claims thread mode for the calling thread unless another thread holds it. Returns
/// whether the calling thread holds it (now or from before).
pub(crate) fn claim() -> bool {
    fn decide() -> bool {
        let me = thread::current();
        OWNER.get_or_init(|| me.clone()).id() == me.id()
    }
    // `try_with` fails only while this thread's thread-locals are being destroyed; the
    // answer is then computed again without the cache.
    IS_OWNER
        .try_with(|cached| match cached.get() {
            Some(known) => known,
            None => {
                let known = decide();
                cached.set(Some(known));
                known
            }
        })
        .unwrap_or_else(|_| decide())
}

/// True when the calling thread is thread mode (claiming it if nobody holds it yet).
#[inline]
pub(crate) fn in_thread_mode() -> bool {
    claim()
}

/// `"name" (ThreadId(n))`, or `<unnamed> (ThreadId(n))`.
fn describe(t: &Thread) -> String {
    match t.name() {
        Some(name) => std::format!("{name:?} ({:?})", t.id()),
        None => std::format!("<unnamed> ({:?})", t.id()),
    }
}

/// Refuses a `ThreadModeRawMutex` lock outside thread mode, saying which thread asked,
/// which thread is thread mode, and what to use instead.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn not_thread_mode() -> ! {
    let me = describe(&thread::current());
    let owner = OWNER.get().map_or_else(|| String::from("<none>"), describe);
    panic!(
        "ThreadModeRawMutex locked from thread {me} but thread mode belongs to thread {owner} \
         (on the host, thread mode is the first thread that ran a mote Executor or locked a \
         ThreadModeRawMutex); use CriticalSectionRawMutex, or StdRawMutex (one lock per \
         primitive, host only), for data shared between threads"
    )
}
