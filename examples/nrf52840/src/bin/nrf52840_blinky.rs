//! Blinky with a button on an nRF52840 (the nRF52840-DK's LEDs and button 1), built by
//! `cargo xtask test` to show that a real chip's HAL runs with Mote as its executor:
//!
//! - **embassy-nrf** owns the chip: `embassy_nrf::init`, GPIO outputs, a GPIOTE-backed
//!   `Input` whose `wait_for_low` sleeps until the pin's PORT event, and its RTC1 time
//!   driver (feature `time-driver-rtc1`, 32 768 Hz).
//! - **Mote** runs the tasks (`#[mote::main]`, `#[mote::task]`) and its `Ticker`/`Timer`
//!   run on that same RTC1 driver: Mote's driver is `EmbassyDriver` (feature
//!   `time-driver-embassy`, with `tick-32768hz` to match the RTC), so the firmware has one
//!   clock and one hardware alarm.
//! - The button's debounce delay is an `embassy_time::Timer` awaited in a Mote task: the
//!   HAL driver's integrated timer queue keeps it in the task's own queue item (feature
//!   `embassy-executor-timer-queue`, implied).
//!
//! LED1 (P0.13) toggles every 500 ms; LED2 (P0.14) lights while button 1 (P0.11) is
//! held. Build: `cargo build --release` in `examples/nrf52840` (flash it with probe-rs:
//! `probe-rs run --chip nRF52840_xxAA <elf>`).
#![no_std]
#![no_main]

use core::panic::PanicInfo;

use embassy_nrf::gpio::{Input, Level, Output, OutputDrive, Pull};
use mote::time::drivers::embassy::EmbassyDriver;
use mote::time::{Duration, Ticker};
use mote::Spawner;

// Mote's time on the HAL's RTC1 driver.
mote::time_driver!(
    static DRIVER: EmbassyDriver = EmbassyDriver::new();
);

#[mote::task]
async fn blink(mut led: Output<'static>) -> ! {
    let mut ticker = Ticker::every(Duration::from_millis(500));
    loop {
        led.toggle();
        ticker.next().await;
    }
}

#[mote::main]
async fn main(spawner: Spawner) {
    let p = embassy_nrf::init(Default::default());
    let led1 = Output::new(p.P0_13, Level::High, OutputDrive::Standard);
    let mut led2 = Output::new(p.P0_14, Level::High, OutputDrive::Standard);
    let mut button = Input::new(p.P0_11, Pull::Up);

    spawner.spawn(blink(led1).unwrap());

    loop {
        button.wait_for_low().await;
        led2.set_low(); // on (the DK's LEDs are active low)
                        // Debounce: an embassy-time timer in a Mote task (the HAL queue's per-task item).
        embassy_time::Timer::after_millis(20).await;
        button.wait_for_high().await;
        led2.set_high();
        mote::time::Timer::after(Duration::from_millis(20)).await;
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    cortex_m::interrupt::disable();
    loop {
        cortex_m::asm::wfi();
    }
}
