//! error: call to unsafe function `BoundInterruptExecutor::<B>::__on_interrupt` is unsafe
//!
//! The hidden entry point the vector calls is `unsafe`: safe code cannot reach it.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2::{interrupt, Interrupt};

mote::interrupt_executor!(static HIGH = Interrupt::I2S);

#[interrupt]
fn TSC() {
    HIGH.__on_interrupt();
}

#[entry]
fn main() -> ! {
    let _high = HIGH.start(0x40);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
