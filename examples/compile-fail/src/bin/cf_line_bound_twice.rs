//! error: symbol `I2S` is already defined
//!
//! The macro defines the line's vector: a second handler for the line (here cortex-m-rt's
//! `#[interrupt]`, which could poll the executor from the same line) fails to build (in
//! one crate; across crates, the linker reports a duplicate symbol).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2::{interrupt, Interrupt};

mote::interrupt_executor!(static HIGH = Interrupt::I2S);

#[interrupt]
fn I2S() {}

#[entry]
fn main() -> ! {
    let _high = HIGH.start(0x40);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
