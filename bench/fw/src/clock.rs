//! The instruction clock: SysTick, free-running on the core clock.
//!
//! Guarantees: after [`start`], [`now`] reads a 24-bit down-counter that falls by one every
//! 40 instructions under `-icount shift=0`; [`elapsed`] handles one wrap (runs up to
//! 2^24 counts, 671 million instructions, are measured correctly; the workloads stay far
//! below). The DWT cycle counter cannot be used: QEMU reads it as 0.

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;

const MASK: u32 = 0x00FF_FFFF;

/// Starts SysTick counting down from 2^24 - 1 on the core clock, with no interrupt.
pub fn start() {
    // SAFETY: only this module touches SYST, and only at start-up (before any task runs)
    // and through reads of the current value, which have no side effect.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.disable_interrupt();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(MASK);
    syst.clear_current();
    syst.enable_counter();
}

/// The current counter value (counts down).
#[inline(always)]
pub fn now() -> u32 {
    SYST::get_current()
}

/// Counts between two readings `t0` then `t1`.
#[inline(always)]
pub fn elapsed(t0: u32, t1: u32) -> u32 {
    t0.wrapping_sub(t1) & MASK
}

/// Runs a loop of exactly two instructions per iteration (`subs`, `bne`), `n` times.
#[inline(never)]
pub fn spin_two_instr(n: u32) {
    if n == 0 {
        return;
    }
    // SAFETY: pure register arithmetic on a scratch register; no memory or stack access.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {n}, #1",
            "bne 2b",
            n = inout(reg) n => _,
            options(nomem, nostack),
        );
    }
}
