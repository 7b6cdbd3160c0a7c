//! Firmware test: the FPGA I/O user LEDs as embedded-hal output pins.
//!
//! Checks, reading the LED register back after each step: `set_high`/`set_low`/`toggle`
//! change exactly their own LED; `is_set_high`/`is_set_low` report the register; an LED
//! index the board lacks is an error. Exits 0 when every check holds.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::{OutputPin, PinState, StatefulOutputPin};
use mote_mps2::fpgaio::{lit, NoSuchLed, Output};
use mote_mps2::testing::Checks;

#[entry]
fn main() -> ! {
    let mut checks = Checks::new("test_leds");
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut led0 = Output::new(p.LED0, PinState::Low);
    let mut led1 = Output::new(p.LED1, PinState::Low);
    checks.check("both start dark", lit() == 0b00);

    led0.set_high().unwrap();
    checks.check("set_high lights LED0 only", lit() == 0b01);
    led1.toggle().unwrap();
    checks.check("toggle lights LED1, keeps LED0", lit() == 0b11);
    led0.set_low().unwrap();
    checks.check("set_low darkens LED0 only", lit() == 0b10);
    checks.check(
        "is_set_high/is_set_low read the register",
        led1.is_set_high() == Ok(true)
            && led0.is_set_low() == Ok(true)
            && led0.is_set_high() == Ok(false),
    );
    led1.toggle().unwrap();
    checks.check("toggle again darkens LED1", lit() == 0b00);

    let by_index = Output::by_index(1, PinState::High);
    checks.check("by_index(1) drives LED1", by_index.is_ok() && lit() == 0b10);
    checks.check(
        "by_index(2) is an error",
        matches!(Output::by_index(2, PinState::High), Err(NoSuchLed(2))) && lit() == 0b10,
    );
    checks.check(
        "Peripherals::take only once",
        mote_mps2::Peripherals::take().is_none(),
    );

    checks.finish()
}
