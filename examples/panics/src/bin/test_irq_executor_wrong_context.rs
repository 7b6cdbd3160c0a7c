//! Firmware test: the safe `InterruptExecutor::on_interrupt` still refuses to poll from
//! anywhere but the handler of its line: called from thread mode after `start`, it panics
//! (the executor's tasks must stay in one context). Passes when that panic happens.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::InterruptExecutor;
use mote_mps2::Interrupt;

static HIGH: InterruptExecutor = InterruptExecutor::new();

#[entry]
fn main() -> ! {
    // Before `start` a call is a no-op (a stray pend of the line is harmless).
    HIGH.on_interrupt();
    // Masked again at once: this test's line has no handler that polls.
    let _spawner = HIGH.start(Interrupt::I2S, 0x40);
    cortex_m::peripheral::NVIC::mask(Interrupt::I2S);
    mote_examples_panics::expect_panic("outside the handler of its interrupt line");
    HIGH.on_interrupt();
    mote_examples_panics::not_refused("on_interrupt from thread mode")
}
