//! error: call to unsafe function `BoundInterruptExecutor::<B>::__new` is unsafe
//!
//! The binding type the macro defines is nameable, but a second executor value for it
//! cannot be built from safe code: its tasks would never be polled (the line's vector
//! polls the macro's `static` only).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::BoundInterruptExecutor;
use mote_mps2::Interrupt;

mote::interrupt_executor!(static HIGH = Interrupt::I2S);

static SECOND: BoundInterruptExecutor<HIGH> = BoundInterruptExecutor::__new();

#[entry]
fn main() -> ! {
    let _high = SECOND.start(0x40);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
