//! Blinky: two tasks blink the board's two user LEDs (FPGA I/O) at different rates, each
//! with its own `Ticker`, and print every toggle on UART0 with the time since start.
//! Both sleep between toggles: the executor wakes only for the next deadline, through
//! `mote-mps2`'s time driver (the CMSDK dual timer). The application logic is
//! `examples/shared/blinky_app.rs`, the same on every board. It stops after 2.1 s and
//! exits 0.
//!
//! Run: `cargo xtask qemu blinky`. Expected output: `expected/blinky.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::PinState;
use mote::executor::Executor;
use mote_mps2::println;

#[path = "../../shared/blinky_app.rs"]
mod blinky_app;

/// The LED pin type the shared application blinks.
type Led = mote_mps2::fpgaio::Output;

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn app() {
    let spawner = mote::Spawner::for_current_executor().await;
    let p = mote_mps2::Peripherals::take().unwrap();
    let led0 = Led::new(p.LED0, PinState::Low);
    let led1 = Led::new(p.LED1, PinState::Low);
    blinky_app::run(spawner, led0, led1).await;
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(app()))
}
