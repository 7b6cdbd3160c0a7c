//! # mote-mps2
//!
//! Board support for the Arm MPS2 boards as QEMU models them: `mps2-an385` (Cortex-M3,
//! `thumbv7m-none-eabi`, which also runs `thumbv6m-none-eabi` code) and `mps2-an386`
//! (Cortex-M4F, `thumbv7em-none-eabihf`; same memory map and interrupt numbers).
//!
//! What a firmware gets by depending on this crate (and using cortex-m-rt's `#[entry]`):
//!
//! - the memory map, as `memory.x` on the linker search path (build script): 4 MiB of code
//!   at `0x0000_0000` and 4 MiB of RAM at `0x2000_0000`; link with `-Tlink.x`;
//! - the vector table for the 32 external interrupts, [`Interrupt`] for use with
//!   `cortex_m::peripheral::NVIC`, and `#[interrupt]` to bind handlers ([`irq`]);
//! - blocking output on UART0 ([`Uart`], [`print!`], [`println!`]);
//! - peripheral tokens ([`Peripherals`]) and interrupt binding
//!   ([`bind_interrupts!`], [`binding`]), with the per-line waker table ([`wakers`]);
//! - an async HAL: the interrupt-driven [`serial::Uart`] (embedded-io(-async)) and the
//!   FPGA I/O LEDs as embedded-hal output pins ([`fpgaio::Output`]), and the CMSDK timers
//!   as interrupt-driven periodic timers ([`timer::PeriodicTimer`]), the PL022 SPI
//!   controllers as async and blocking SPI buses ([`spi::Spi`]), the SBCon two-wire
//!   interfaces as bit-banged async and blocking I2C masters ([`i2c::I2c`]), and
//!   handles that share one bus between drivers behind Mote's mutexes (`shared_bus`,
//!   feature `time`, on by default);
//! - the LAN9118 Ethernet controller as an `embassy-net-driver` [`eth::Lan9118`];
//! - with the default `time-driver` feature, Mote's time driver on the CMSDK dual timer
//!   ([`time_driver`]): `mote::time::Instant::now()`, `Timer` and `Ticker` just work;
//! - [`exit`], which ends the QEMU run with a status through semihosting, and
//!   [`testing::Checks`], which reports a firmware test's checks and exits with its verdict;
//! - with the default `panic-handler` feature, a panic handler that prints the panic on
//!   UART0 and exits with [`EXIT_FAILURE`].
//!
//! Run with `qemu-system-arm -machine mps2-an385 -nographic
//! -semihosting-config enable=on,target=native -kernel <elf>` (what `cargo xtask qemu` does).
//!
//! A whole firmware (doc tests run on the host, so this one is built as
//! `examples/src/bin/hello.rs` instead):
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use cortex_m_rt::entry;
//!
//! #[entry]
//! fn main() -> ! {
//!     mote_mps2::println!("hello");
//!     mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
//! }
//! ```
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub mod binding;
pub mod eth;
pub mod exit;
pub mod fpgaio;
pub mod i2c;
pub mod irq;
#[cfg(feature = "panic-handler")]
mod panic;
mod peripherals;
pub mod serial;
#[cfg(feature = "time")]
pub mod shared_bus;
pub mod spi;
pub mod testing;
#[cfg(feature = "time")]
pub mod time_driver;

/// Mote, for the expansion of [`time_driver!`] in crates that name it differently.
#[cfg(feature = "time")]
#[doc(hidden)]
pub use mote as __mote;
pub mod timer;
pub mod uart;
pub mod wakers;

pub use cortex_m_rt::interrupt;
pub use exit::{exit, EXIT_FAILURE, EXIT_SUCCESS};
pub use irq::Interrupt;
/// Lets `#[interrupt] fn NAME()` (which checks that `interrupt::NAME` exists) name a line.
pub use irq::Interrupt as interrupt;
pub use peripherals::Peripherals;
pub use uart::Uart;
