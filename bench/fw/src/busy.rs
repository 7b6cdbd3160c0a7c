//! Busy-time accounting for workloads that sleep: thread mode spins in a loop of exactly
//! four instructions that counts its iterations, the workload runs in an interrupt
//! executor (and the runtime's own interrupts) preempting it, and the instructions the
//! runtime executed are the elapsed instructions minus four per counted iteration.
//!
//! Guarantees:
//! - Under `-icount shift=0` every executed instruction advances virtual time by 1 ns
//!   and the core never sleeps (thread mode always spins), so
//!   `elapsed instructions = 4 x iterations + instructions executed in handlers`.
//! - An interrupt that preempts the loop mid-iteration leaves up to three instructions
//!   of that iteration uncounted: each preemption adds at most 3 instructions to the busy
//!   figure, for both runtimes alike.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::clock;

static SPINS: AtomicU32 = AtomicU32::new(0);

/// Spins forever in thread mode, counting iterations of a four-instruction loop.
pub fn spin_forever() -> ! {
    // SAFETY: the loop only loads, increments and stores the `SPINS` word through a
    // pointer to it (an `AtomicU32`, so other contexts may read it concurrently: word
    // accesses are single-copy atomic on Cortex-M); it never returns.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldr r1, [r0]",
            "adds r1, #1",
            "str r1, [r0]",
            "b 2b",
            in("r0") SPINS.as_ptr(),
            options(noreturn, nostack),
        )
    }
}

/// A reading of the clock and the spin counter.
#[derive(Clone, Copy)]
pub struct Mark {
    clock: u32,
    spins: u32,
}

/// Reads the clock and the spin counter (call it from a handler: thread mode is then
/// preempted and the counter stands still).
#[inline(always)]
pub fn mark() -> Mark {
    Mark {
        clock: clock::now(),
        spins: SPINS.load(Ordering::Relaxed),
    }
}

/// Instructions executed outside the spin loop between two marks.
pub fn busy(a: Mark, b: Mark) -> u32 {
    let elapsed = clock::elapsed(a.clock, b.clock) * 40;
    elapsed.wrapping_sub(b.spins.wrapping_sub(a.spins).wrapping_mul(4))
}
