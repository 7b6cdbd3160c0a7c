//! Blinky with a button on a Raspberry Pi Pico (RP2040), built by `cargo xtask test` to
//! show a second chip's HAL with Mote as its executor:
//!
//! - **embassy-rp** owns the chip: `embassy_rp::init`, a GPIO output, an `Input` whose
//!   `wait_for_low` sleeps until the pin's IO_IRQ_BANK0 interrupt, and its TIMER time
//!   driver (feature `time-driver`, 1 MHz).
//! - **Mote** runs the tasks (`#[mote::main]`, `#[mote::task]`) on core 0 (Mote is
//!   single-core: core 1 stays asleep) and its `Ticker`/`Timer` run on that same TIMER
//!   driver through `EmbassyDriver` (feature `time-driver-embassy`; Mote's default 1 MHz
//!   tick matches), so the firmware has one clock and one alarm.
//! - The button's debounce is an `embassy_time::Timer` in a Mote task, kept in the task's
//!   own item of the HAL's integrated timer queue.
//!
//! The LED (GP25) toggles every 500 ms; while a button on GP15 (to ground) is held, it
//! toggles every 100 ms. Build: `cargo build --release` in `examples/rp2040`.
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use embassy_rp::gpio::{Input, Level, Output, Pull};
use mote::time::drivers::embassy::EmbassyDriver;
use mote::time::{Duration, Ticker};
use mote::Spawner;

// Mote's time on the HAL's TIMER driver.
mote::time_driver!(
    static DRIVER: EmbassyDriver = EmbassyDriver::new();
);

/// The button is held: blink fast.
static FAST: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn blink(mut led: Output<'static>) -> ! {
    let mut ticker = Ticker::every(Duration::from_millis(100));
    let mut n: u32 = 0;
    loop {
        if FAST.load(Ordering::Relaxed) || n.is_multiple_of(5) {
            led.toggle();
        }
        n = n.wrapping_add(1);
        ticker.next().await;
    }
}

#[mote::main]
async fn main(spawner: Spawner) {
    let p = embassy_rp::init(Default::default());
    let led = Output::new(p.PIN_25, Level::Low);
    let mut button = Input::new(p.PIN_15, Pull::Up);

    spawner.spawn(blink(led).unwrap());

    loop {
        button.wait_for_low().await;
        FAST.store(true, Ordering::Relaxed);
        // Debounce: an embassy-time timer in a Mote task (the HAL queue's per-task item).
        embassy_time::Timer::after_millis(20).await;
        button.wait_for_high().await;
        FAST.store(false, Ordering::Relaxed);
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
