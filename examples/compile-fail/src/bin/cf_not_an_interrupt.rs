//! error: no variant or associated item named `I2Z` found for enum `Interrupt`
//!
//! The line must be a variant of the device's interrupt enum.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2::Interrupt;

mote::interrupt_executor!(static HIGH = Interrupt::I2Z);

#[entry]
fn main() -> ! {
    let _high = HIGH.start(0x40);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
