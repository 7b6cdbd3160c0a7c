//! The nRF51's external interrupt vector table (32 lines) and [`Interrupt`] for
//! `cortex_m::peripheral::NVIC`.
//!
//! Guarantees: line 9 (TIMER1) runs the time driver's handler (feature `time-driver`);
//! every other line runs cortex-m-rt's `DefaultHandler`. Only the lines this crate uses are named.

use cortex_m::interrupt::InterruptNumber;

/// The interrupt lines this crate uses (nRF51 numbering: line = peripheral ID).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Interrupt {
    /// 9: TIMER1, the time driver ([`time`](crate::time)).
    TIMER1 = 9,
}

// SAFETY: the discriminants are valid nRF51 interrupt numbers (< 32), as
// `InterruptNumber` requires.
unsafe impl InterruptNumber for Interrupt {
    fn number(self) -> u16 {
        self as u16
    }
}

extern "C" {
    /// cortex-m-rt's default handler (link.x provides it).
    fn DefaultHandler();
}

#[cfg(feature = "time-driver")]
extern "C" fn timer1() {
    crate::time::DRIVER.on_interrupt()
}

/// The 32 external interrupt vectors, placed where cortex-m-rt's `link.x` expects them
/// (its `device` feature: the board provides `__INTERRUPTS`).
#[doc(hidden)]
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
pub static __INTERRUPTS: [unsafe extern "C" fn(); 32] = {
    #[allow(unused_mut)]
    let mut table: [unsafe extern "C" fn(); 32] = [DefaultHandler; 32];
    #[cfg(feature = "time-driver")]
    {
        table[Interrupt::TIMER1 as usize] = timer1;
    }
    table
};
