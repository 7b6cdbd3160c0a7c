//! The correct use, which builds: an interrupt executor bound to line `I2S`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote_mps2::Interrupt;

mote::interrupt_executor!(
    /// The executor of the urgent tasks.
    pub static HIGH = Interrupt::I2S
);
mote::interrupt_executor!(static MEDIUM = mote_mps2::Interrupt::TSC;);

#[entry]
fn main() -> ! {
    let _high = HIGH.start(0x40);
    let _medium = MEDIUM.start(0x80);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
