//! # mote-examples-microbit
//!
//! A minimal board layer for QEMU's `microbit` machine (BBC micro:bit v1: nRF51822,
//! Cortex-M0 at 16 MHz, `thumbv6m-none-eabi`), just enough to run Mote's examples on a
//! real ARMv6-M core:
//!
//! - the memory map, as `memory.x` on the linker search path (build script): 256 KiB of
//!   flash at `0x0000_0000` and 16 KiB of RAM at `0x2000_0000`;
//! - blocking output on the nRF51 UART ([`uart`], [`print!`], [`println!`]);
//! - two LEDs of the 5×5 matrix as embedded-hal output pins ([`led::Led`]);
//! - Mote's time driver on the nRF51 TIMER1 ([`time`]): `Instant`, `Timer` and `Ticker`
//!   just work (line 9 of the vector table, [`irq`]); feature `time-driver`, on by
//!   default: without it the crate registers no time driver and line 9 is unused, so a
//!   binary can register its own (e.g. mote's SysTick driver, `examples/microbit-systick`);
//! - [`exit()`], which ends the QEMU run with a status through semihosting, and a panic
//!   handler that prints the panic on the UART and exits with [`EXIT_FAILURE`].
//!
//! Run with `qemu-system-arm -machine microbit -nographic
//! -semihosting-config enable=on,target=native -kernel <elf>` (what `cargo xtask qemu
//! microbit_blinky` does).
//!
//! A binary must name something from this crate (e.g. `println!`), or it is not linked and
//! the panic handler, time driver and interrupt table are missing.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub mod exit;
pub mod irq;
pub mod led;
mod panic;
#[cfg(feature = "time-driver")]
pub mod time;
pub mod uart;

pub use exit::{exit, EXIT_FAILURE, EXIT_SUCCESS};
