//! Blinky on the micro:bit (QEMU `microbit`, nRF51822 Cortex-M0): the application logic
//! of `examples/shared/blinky_app.rs`, the same as the MPS2 `blinky`, on a real ARMv6-M
//! core. Two tasks blink two LEDs of the matrix at different rates, each with its own
//! `Ticker`, and print every toggle on the UART with the time since start. Both sleep
//! between toggles: the executor wakes only for the next deadline, through this
//! package's time driver (nRF51 TIMER1). It stops after 2.1 s and exits 0.
//!
//! Run: `cargo xtask qemu microbit_blinky --target thumbv6m-none-eabi`. Expected
//! output: `examples/expected/microbit_blinky.txt` (identical to `blinky.txt`).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::PinState;
use mote::executor::Executor;
use mote_examples_microbit::led::Which;
use mote_examples_microbit::println;

#[path = "../../../shared/blinky_app.rs"]
mod blinky_app;

/// The LED pin type the shared application blinks.
type Led = mote_examples_microbit::led::Led;

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn app() {
    let spawner = mote::Spawner::for_current_executor().await;
    let led0 = Led::new(Which::Led0, PinState::Low);
    let led1 = Led::new(Which::Led1, PinState::Low);
    blinky_app::run(spawner, led0, led1).await;
    mote_examples_microbit::exit(mote_examples_microbit::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(app()))
}
