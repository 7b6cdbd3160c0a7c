//! Cortex-M backend: the thread-mode executor sleeps with WFI when idle.
//!
//! Guarantees:
//! - No busy loop (invariant 5): when the run queue is empty the core executes WFI.
//! - No lost wake-up: the emptiness check and WFI run with interrupts masked (PRIMASK).
//!   An interrupt arriving in between stays pending, still ends WFI (pending interrupts
//!   wake WFI regardless of PRIMASK), and runs as soon as interrupts are unmasked, before
//!   the queue is checked again. So wakes from any interrupt priority need no signal of
//!   their own: the pender is a no-op, and a wake costs one state CAS and one push.
//! - WFI rather than WFE: on a single core every wake source is an interrupt, and QEMU
//!   implements WFE as a no-op (a WFE idle loop spins); WFI really sleeps there.

use portable_atomic::{AtomicBool, AtomicU32, Ordering};

use crate::executor::raw::{Pender, RawExecutor};
use crate::executor::Spawner;

/// The thread-mode executor for Cortex-M. Declare it as a `static` and call
/// [`run`](Self::run) from `main`; `#[mote::main]` does both for you.
///
/// ```ignore
/// static EXECUTOR: mote::executor::Executor = mote::executor::Executor::new();
/// EXECUTOR.run(|spawner| spawner.must_spawn(app()));
/// ```
pub struct Executor {
    raw: RawExecutor,
    started: AtomicBool,
    sleeps: AtomicU32,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// A new executor, usable in a `static`.
    pub const fn new() -> Self {
        Self {
            raw: RawExecutor::new(Pender::none()),
            started: AtomicBool::new(false),
            sleeps: AtomicU32::new(0),
        }
    }

    /// A spawner for this executor.
    pub fn spawner(&'static self) -> Spawner {
        self.raw.spawner()
    }

    /// How many times the executor went to sleep (WFI) so far. With every task waiting,
    /// it grows by one per wake-up event, not with elapsed time.
    pub fn sleeps(&self) -> u32 {
        self.sleeps.load(Ordering::Relaxed)
    }

    /// Runs `init` with a spawner, then runs tasks forever, sleeping when idle.
    ///
    /// # Panics
    /// If called a second time.
    pub fn run(&'static self, init: impl FnOnce(Spawner)) -> ! {
        if self.started.swap(true, Ordering::Relaxed) {
            panic!("Executor::run called twice");
        }
        init(self.raw.spawner());
        loop {
            // SAFETY: `started` makes this loop the executor's only poller, and tasks can't
            // re-enter it.
            unsafe { self.raw.poll() };
            if !self.raw.is_idle() {
                continue;
            }
            cortex_m::interrupt::disable();
            if self.raw.is_idle() {
                cortex_m::asm::wfi();
                bump(&self.sleeps);
            }
            // SAFETY: interrupts were enabled when the loop started (thread mode after
            // reset/`main`), so re-enabling them restores that state; the masked window
            // only holds the emptiness check and WFI.
            unsafe { cortex_m::interrupt::enable() };
        }
    }
}

/// Counters are written by the executor loop only: a load and a store, no read-modify-write
/// (which thumbv6m would turn into a critical section).
#[inline]
fn bump(counter: &AtomicU32) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Entry point used by `#[mote::main]`.
#[doc(hidden)]
pub fn run_main(init: impl FnOnce(Spawner)) -> ! {
    static EXECUTOR: Executor = Executor::new();
    EXECUTOR.run(init)
}

/// True when running in thread mode (no exception or interrupt is active).
#[allow(dead_code)]
pub(crate) fn in_thread_mode() -> bool {
    // VECTACTIVE (ICSR[8:0]) is 0 in thread mode.
    // SAFETY: a read of the always-present ICSR register, without side effects.
    let icsr = unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) };
    icsr & 0x1FF == 0
}
