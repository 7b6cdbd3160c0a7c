//! Peak stack use by painting: [`paint`] fills the free stack with a pattern at the start
//! of `main`, [`peak`] finds the lowest word that no longer holds it.
//!
//! Guarantees:
//! - The stack is cortex-m-rt's: from `_stack_start` (top of RAM) down towards `__sheap`
//!   (the end of `.bss`/`.uninit`); [`paint`] writes only below the stack pointer it
//!   reads, where nothing is live, and uses no stack itself.
//! - [`peak`] is the high-water mark in bytes from the top, everything that ran since
//!   [`paint`] included (interrupt frames too), plus `main`'s own frames above the
//!   painted part. It under-reads only if a frame wrote the pattern value itself into
//!   its lowest word, which is as unlikely as it sounds.

use core::ptr;

/// The paint: an odd value that no pointer or small count equals.
const PATTERN: u32 = 0x5EA5_C0DE;

extern "C" {
    /// Top of the stack (cortex-m-rt's linker script).
    static _stack_start: u32;
    /// End of the statically allocated RAM (cortex-m-rt's linker script).
    static __sheap: u32;
}

fn bottom() -> usize {
    ptr::addr_of!(__sheap) as usize
}

fn top() -> usize {
    ptr::addr_of!(_stack_start) as usize
}

/// Paints the free stack below the current stack pointer. Call it first thing in `main`,
/// with interrupts not yet enabled.
#[inline(always)]
pub fn paint() {
    let start = (bottom() + 3) & !3;
    // SAFETY: the loop stores the pattern in the words from `start` (the end of the static
    // RAM) up to the stack pointer it reads itself, exclusive: free stack, which no Rust
    // object occupies and which nothing else writes meanwhile (no call, no handler yet).
    // It touches no other memory and does not use the stack (a Rust loop could: the
    // function's own prologue would push below the stack pointer it read).
    unsafe {
        core::arch::asm!(
            "mov {end}, sp",
            "2:",
            "cmp {p}, {end}",
            "bhs 3f",
            "str {pat}, [{p}], #4",
            "b 2b",
            "3:",
            p = inout(reg) start => _,
            end = out(reg) _,
            pat = in(reg) PATTERN,
            options(nostack),
        );
    }
}

/// The stack's high-water mark since [`paint`], in bytes below its top.
pub fn peak() -> usize {
    let mut p = (bottom() + 3) & !3;
    while p < top() && painted(p) {
        p += 4;
    }
    top() - p
}

/// Whether the stack word at `p` still holds the paint.
fn painted(p: usize) -> bool {
    // SAFETY: `p` is a word-aligned address of the stack region, in RAM; the scan in
    // `peak` reads upwards from the bottom and stops at the first unpainted word, at the
    // latest at its own frame, so it never reads a frame being written.
    unsafe { ptr::read_volatile(p as *const u32) == PATTERN }
}
