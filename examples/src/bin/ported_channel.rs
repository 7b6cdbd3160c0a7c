//! Ported from Embassy: the nRF52840 `channel` example of embassy-rs/embassy
//! (`examples/nrf52840/src/bin/channel.rs`), moved to QEMU's MPS2 board with the steps of
//! `docs/porting-from-embassy.md`. A task sends `On`/`Off` through a capacity-1 channel
//! every second; `main` receives and drives the LED.
//!
//! What the port changed, line by line against the Embassy original:
//! - `embassy_executor::{main, task, Spawner}` → `mote::{main, task, Spawner}`;
//!   `embassy_sync::{channel::Channel, blocking_mutex::raw::ThreadModeRawMutex}` →
//!   `mote::sync::…` (same paths below `sync`); `embassy_time::Timer` →
//!   `mote::time::Timer`. The task, the channel and Embassy 0.10's
//!   `spawner.spawn(my_task().unwrap())` are unchanged.
//! - The board: `embassy_nrf::init` and `gpio::Output` → `mote_mps2::Peripherals::take`
//!   and `fpgaio::Output` (LED0); `defmt_rtt`/`panic_probe` → `mote_mps2`'s UART
//!   `println!` and panic handler (the crate also registers the time driver).
//! - For a test: `main` stops after eight messages (the original loops forever) and
//!   prints each LED state with the time.
//!
//! Run: `cargo xtask qemu ported_channel`. Expected output: `expected/ported_channel.txt`.
#![no_std]
#![no_main]

use embedded_hal::digital::{OutputPin, PinState};
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::channel::Channel;
use mote::time::{Instant, Timer};
use mote::Spawner;
use mote_mps2::fpgaio::Output;
use mote_mps2::println;

enum LedState {
    On,
    Off,
}

static CHANNEL: Channel<ThreadModeRawMutex, LedState, 1> = Channel::new();

#[mote::task]
async fn my_task() -> ! {
    loop {
        CHANNEL.send(LedState::On).await;
        Timer::after_secs(1).await;
        CHANNEL.send(LedState::Off).await;
        Timer::after_secs(1).await;
    }
}

#[mote::main]
async fn main(spawner: Spawner) {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut led = Output::new(p.LED0, PinState::Low);

    spawner.spawn(my_task().unwrap());

    for _ in 0..8 {
        let state = match CHANNEL.receive().await {
            LedState::On => {
                let _ = led.set_high();
                "on"
            }
            LedState::Off => {
                let _ = led.set_low();
                "off"
            }
        };
        println!("{} ms: LED0 {}", Instant::now().as_millis(), state);
    }
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
