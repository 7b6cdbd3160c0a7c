//! Firmware test: `BoundInterruptExecutor::start` refuses a line whose vector table entry
//! is not the handler `interrupt_executor!` defined. The enum here names its variant
//! `I2S`, so the macro defines the vector symbol `I2S` (line 14), but numbers it 15 (the
//! `TSC` line): started, the executor would record line 15's context and run in line
//! 14's handler. `start` reads line 15's vector table entry, finds `DefaultHandler`, and
//! panics. Passes when that panic happens. ARMv6-M has no architectural `VTOR`, so there
//! the check does not exist and the test says so and passes.
#![no_std]
#![no_main]

use cortex_m::interrupt::InterruptNumber;
use cortex_m_rt::entry;
use mote_examples_panics as _; // the panic handler, also where this test does not panic

/// An interrupt enum that disagrees with the device's vector names.
#[derive(Clone, Copy)]
#[repr(u16)]
enum Misnumbered {
    /// Named like line 14's vector, numbered like line 15.
    I2S = 15,
}

// SAFETY: 15 is a valid line of the MPS2 AN385 (the `TSC` line): the trait's contract
// (a valid number) holds; only the name disagrees with the vector table, on purpose.
unsafe impl InterruptNumber for Misnumbered {
    fn number(self) -> u16 {
        self as u16
    }
}

mote::interrupt_executor!(static HIGH = Misnumbered::I2S);

#[entry]
fn main() -> ! {
    #[cfg(target_has_atomic = "32")]
    {
        mote_examples_panics::expect_panic("is not the handler interrupt_executor! defined");
        let _spawner = HIGH.start(0x40);
        mote_examples_panics::not_refused("start with a misnumbered line")
    }
    #[cfg(not(target_has_atomic = "32"))]
    {
        let _ = &HIGH;
        mote_mps2::println!("skipped: ARMv6-M has no VTOR to find the vector table");
        mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
    }
}
