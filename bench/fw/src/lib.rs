//! Shared parts of the comparative firmware benchmarks: the runtime seam (one of the
//! features `mote` or `embassy`), the SysTick instruction clock, a completion signal and the
//! result line format.
//!
//! Guarantees:
//! - Exactly one runtime is compiled in; the workload sources in `src/bin/` are the same
//!   text for both, only [`rt`] differs.
//! - Under `qemu-system-arm -icount shift=0` one [`clock`] count is exactly 40 instructions
//!   (SysTick on the 25 MHz core clock, virtual time 1 ns per instruction), and readings
//!   are identical run to run. The `calib` line of each binary checks that.
//! - Results are printed as `BENCH <name> <runtime> n=<ops> counts=<systick counts>` (or
//!   `instr=<instructions>` for the busy-time workloads of [`busy`]), one line per
//!   measured run; `cargo xtask bench` turns two runs into a per-operation figure
//!   (`(counts(n2) - counts(n1)) * 40 / (n2 - n1)`), so constant set-up costs cancel.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(all(feature = "mote", feature = "embassy"))]
compile_error!("choose one runtime: feature `mote` or `embassy`, not both");
#[cfg(not(any(feature = "mote", feature = "embassy")))]
compile_error!("choose a runtime: `--features mote` or `--features embassy`");

#[cfg(feature = "panic-halt")]
use panic_halt as _;

pub mod busy;
pub mod clock;
pub mod done;
#[cfg(all(feature = "embassy", feature = "timers"))]
mod embassy_time_driver;
pub mod irq;
#[cfg(feature = "live")]
pub mod live;
pub mod rt;
pub mod stack;

pub use mote_mps2::{exit, println};

// Mote's time driver with one alarm slot: every workload's timers (and the blinky's
// two `Ticker`s) live on one executor and are polled by its tasks, so no second executor
// and no fallback queue asks for a slot. (mote-mps2's `time-driver` feature registers
// four: thread mode, two interrupt executors and the fallback queue.)
#[cfg(feature = "mote-time-driver")]
mote_mps2::time_driver!(alarm_slots = 1);

/// Prints one result line (see the crate docs for the format).
pub fn report(name: &str, n: u32, counts: u32) {
    println!("BENCH {} {} n={} counts={}", name, rt::NAME, n, counts);
}

/// Prints one result line whose figure is already in instructions (busy-time workloads,
/// see [`busy`]): `BENCH <name> <runtime> n=<ops> instr=<instructions>`.
pub fn report_instr(name: &str, n: u32, instr: u32) {
    println!("BENCH {} {} n={} instr={}", name, rt::NAME, n, instr);
}

/// Prints the calibration line: SysTick counts for `n` iterations of a two-instruction
/// loop (`subs`, `bne`), measured like every workload. `xtask` checks that the
/// differential figure is 2 instructions per iteration.
pub fn calibrate() {
    for n in [1000, 11000] {
        let t0 = clock::now();
        clock::spin_two_instr(n);
        let t1 = clock::now();
        report("calib", n, clock::elapsed(t0, t1));
    }
}
