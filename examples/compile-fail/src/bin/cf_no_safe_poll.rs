//! error: no method named `on_interrupt` found for struct `BoundInterruptExecutor
//!
//! A bound executor has no safe poll: its vector is its only poller, so neither a task nor
//! another handler can run its batch (which would bypass the guard the safe
//! `InterruptExecutor::on_interrupt` keeps).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2::{interrupt, Interrupt};

mote::interrupt_executor!(static HIGH = Interrupt::I2S);

#[interrupt]
fn TSC() {
    HIGH.on_interrupt();
}

#[entry]
fn main() -> ! {
    let _high = HIGH.start(0x40);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
