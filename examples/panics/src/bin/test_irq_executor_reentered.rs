//! Firmware test: the safe `InterruptExecutor::on_interrupt` still refuses to re-enter a
//! batch: called from one of the executor's own tasks (in its line's handler, so the
//! context check passes), it panics instead of polling the run queue a second time.
//! Passes when that panic happens.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::InterruptExecutor;
use mote_mps2::{interrupt, Interrupt};

static HIGH: InterruptExecutor = InterruptExecutor::new();

#[interrupt]
fn I2S() {
    HIGH.on_interrupt();
}

#[mote::task]
async fn reenter() {
    mote_examples_panics::expect_panic("called while its batch runs");
    HIGH.on_interrupt();
    mote_examples_panics::not_refused("on_interrupt from a task of its executor")
}

#[entry]
fn main() -> ! {
    let spawner = HIGH.start(Interrupt::I2S, 0x40);
    spawner.must_spawn(reenter());
    loop {
        cortex_m::asm::wfi();
    }
}
