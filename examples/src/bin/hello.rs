//! Hello: prints a greeting on UART0 and exits with status 0.
//!
//! Run: `cargo xtask qemu hello` (or `cargo run --release --bin hello` in `examples/`).
//! Expected output: `expected/hello.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2::println;

#[entry]
fn main() -> ! {
    println!("Hello from Mote on QEMU's MPS2 board!");
    println!("{} + {} = {}", 2, 3, 2 + 3);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
