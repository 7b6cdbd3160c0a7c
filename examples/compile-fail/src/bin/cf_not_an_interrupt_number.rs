//! error: the trait bound `Line: InterruptNumber` is not satisfied
//!
//! An enum with the right variant name is not enough: it must be the device's interrupt
//! enum (an `InterruptNumber`, whose numbers are the lines of its vectors).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2 as _;

#[derive(Clone, Copy)]
enum Line {
    I2S,
}

mote::interrupt_executor!(static HIGH = Line::I2S);

#[entry]
fn main() -> ! {
    let _high = HIGH.start(0x40);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
