//! The external interrupts of the MPS2 AN385/AN386 and the vector table that binds them.
//!
//! Guarantees:
//! - The vector table has exactly the 32 entries QEMU's AN385 NVIC has (`num-irq` = 32
//!   in hw/arm/mps2.c); entry `n` calls the handler named by [`Interrupt`] variant `n`.
//! - Every line has a handler: one defined with `#[mote_mps2::interrupt]` (cortex-m-rt's
//!   attribute, re-exported), or else cortex-m-rt's `DefaultHandler`, through the weak `PROVIDE`s in
//!   `device.x`.
//! - [`Interrupt`] implements [`cortex_m::interrupt::InterruptNumber`], so it works with
//!   `cortex_m::peripheral::NVIC::{pend, unmask, ...}`.
//!
//! Lines marked "QEMU: wired" are driven by a device QEMU 7.2 models; the others are only
//! raised by software (`NVIC::pend`), which makes them good software-interrupt lines for
//! interrupt executors and tests.
//!
//! ```no_run
//! use mote_mps2::interrupt;
//! use cortex_m::peripheral::NVIC;
//!
//! #[interrupt]
//! fn I2S() {
//!     // runs when the line is pended and unmasked
//! }
//!
//! // SAFETY: unmasking is sound here: no critical section relies on this line being masked.
//! unsafe { NVIC::unmask(interrupt::I2S) };
//! NVIC::pend(interrupt::I2S);
//! ```

/// The 32 external interrupt lines of the AN385 (the AN386 numbers them the same way).
///
/// ```
/// use cortex_m::interrupt::InterruptNumber;
/// assert_eq!(mote_mps2::Interrupt::TIMER0.number(), 8);
/// ```
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Interrupt {
    /// 0: UART0 receive (QEMU: wired).
    UARTRX0 = 0,
    /// 1: UART0 transmit (QEMU: wired).
    UARTTX0 = 1,
    /// 2: UART1 receive (QEMU: wired).
    UARTRX1 = 2,
    /// 3: UART1 transmit (QEMU: wired).
    UARTTX1 = 3,
    /// 4: UART2 receive (QEMU: wired).
    UARTRX2 = 4,
    /// 5: UART2 transmit (QEMU: wired).
    UARTTX2 = 5,
    /// 6: GPIO port 0 combined.
    PORT0_ALL = 6,
    /// 7: GPIO port 1 combined.
    PORT1_ALL = 7,
    /// 8: CMSDK timer 0 at 0x4000_0000 (QEMU: wired).
    TIMER0 = 8,
    /// 9: CMSDK timer 1 at 0x4000_1000 (QEMU: wired).
    TIMER1 = 9,
    /// 10: CMSDK dual timer at 0x4000_2000 (QEMU: wired).
    DUALTIMER = 10,
    /// 11: PL022 SPI controllers at 0x4002_0000 and 0x4002_1000, ORed (QEMU: wired).
    SPI = 11,
    /// 12: UART 0, 1 and 2 overflow, ORed (QEMU: wired).
    UARTOVF = 12,
    /// 13: LAN9118 Ethernet (QEMU: wired).
    ETHERNET = 13,
    /// 14: Audio I2S (not modelled by QEMU 7.2).
    I2S = 14,
    /// 15: Touch screen (not modelled by QEMU 7.2).
    TSC = 15,
    /// 16: GPIO port 2 combined.
    PORT2_ALL = 16,
    /// 17: GPIO port 3 combined.
    PORT3_ALL = 17,
    /// 18: UART3 receive (QEMU: wired).
    UARTRX3 = 18,
    /// 19: UART3 transmit (QEMU: wired).
    UARTTX3 = 19,
    /// 20: UART4 receive (QEMU: wired).
    UARTRX4 = 20,
    /// 21: UART4 transmit (QEMU: wired).
    UARTTX4 = 21,
    /// 22: ADC SPI, the PL022 at 0x4002_5000 (QEMU: wired).
    ADCSPI = 22,
    /// 23: Shield SPI.
    SHIELDSPI = 23,
    /// 24: GPIO port 0 pin 0; QEMU 7.2 also wires the shield PL022 SPI controllers at
    /// 0x4002_6000 and 0x4002_7000 here, ORed (measured; QEMU: wired).
    PORT0_0 = 24,
    /// 25: GPIO port 0 pin 1.
    PORT0_1 = 25,
    /// 26: GPIO port 0 pin 2.
    PORT0_2 = 26,
    /// 27: GPIO port 0 pin 3.
    PORT0_3 = 27,
    /// 28: GPIO port 0 pin 4.
    PORT0_4 = 28,
    /// 29: GPIO port 0 pin 5.
    PORT0_5 = 29,
    /// 30: GPIO port 0 pin 6.
    PORT0_6 = 30,
    /// 31: GPIO port 0 pin 7.
    PORT0_7 = 31,
}

// SAFETY: `Interrupt` is `repr(u16)` and every discriminant is an NVIC line number below
// 32, the number of lines QEMU's AN385 NVIC implements (the trait's only requirement).
unsafe impl cortex_m::interrupt::InterruptNumber for Interrupt {
    #[inline]
    fn number(self) -> u16 {
        self as u16
    }
}

extern "C" {
    fn UARTRX0();
    fn UARTTX0();
    fn UARTRX1();
    fn UARTTX1();
    fn UARTRX2();
    fn UARTTX2();
    fn PORT0_ALL();
    fn PORT1_ALL();
    fn TIMER0();
    fn TIMER1();
    fn DUALTIMER();
    fn SPI();
    fn UARTOVF();
    fn ETHERNET();
    fn I2S();
    fn TSC();
    fn PORT2_ALL();
    fn PORT3_ALL();
    fn UARTRX3();
    fn UARTTX3();
    fn UARTRX4();
    fn UARTTX4();
    fn ADCSPI();
    fn SHIELDSPI();
    fn PORT0_0();
    fn PORT0_1();
    fn PORT0_2();
    fn PORT0_3();
    fn PORT0_4();
    fn PORT0_5();
    fn PORT0_6();
    fn PORT0_7();
}

/// The device part of the vector table, placed by cortex-m-rt's `link.x` right after the
/// 16 system exception vectors.
#[doc(hidden)]
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
pub static __INTERRUPTS: [unsafe extern "C" fn(); 32] = [
    UARTRX0, UARTTX0, UARTRX1, UARTTX1, UARTRX2, UARTTX2, PORT0_ALL, PORT1_ALL, TIMER0, TIMER1,
    DUALTIMER, SPI, UARTOVF, ETHERNET, I2S, TSC, PORT2_ALL, PORT3_ALL, UARTRX3, UARTTX3, UARTRX4,
    UARTTX4, ADCSPI, SHIELDSPI, PORT0_0, PORT0_1, PORT0_2, PORT0_3, PORT0_4, PORT0_5, PORT0_6,
    PORT0_7,
];
