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
use mote_mps2::println;

fn check(name: &str, ok: bool, failures: &mut u32) {
    println!("{}: {}", name, if ok { "ok" } else { "FAILED" });
    if !ok {
        *failures += 1;
    }
}

#[entry]
fn main() -> ! {
    let mut failures = 0;
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut led0 = Output::new(p.LED0, PinState::Low);
    let mut led1 = Output::new(p.LED1, PinState::Low);
    check("both start dark", lit() == 0b00, &mut failures);

    led0.set_high().unwrap();
    check("set_high lights LED0 only", lit() == 0b01, &mut failures);
    led1.toggle().unwrap();
    check(
        "toggle lights LED1, keeps LED0",
        lit() == 0b11,
        &mut failures,
    );
    led0.set_low().unwrap();
    check("set_low darkens LED0 only", lit() == 0b10, &mut failures);
    check(
        "is_set_high/is_set_low read the register",
        led1.is_set_high() == Ok(true)
            && led0.is_set_low() == Ok(true)
            && led0.is_set_high() == Ok(false),
        &mut failures,
    );
    led1.toggle().unwrap();
    check("toggle again darkens LED1", lit() == 0b00, &mut failures);

    let by_index = Output::by_index(1, PinState::High);
    check(
        "by_index(1) drives LED1",
        by_index.is_ok() && lit() == 0b10,
        &mut failures,
    );
    check(
        "by_index(2) is an error",
        matches!(Output::by_index(2, PinState::High), Err(NoSuchLed(2))) && lit() == 0b10,
        &mut failures,
    );
    check(
        "Peripherals::take only once",
        mote_mps2::Peripherals::take().is_none(),
        &mut failures,
    );

    if failures == 0 {
        println!("test_leds: all checks passed");
        mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
    } else {
        println!("test_leds: {} check(s) failed", failures);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
}
