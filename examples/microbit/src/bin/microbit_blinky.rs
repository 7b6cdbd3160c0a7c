//! Blinky on the micro:bit (QEMU `microbit`, nRF51822 Cortex-M0): the logic of
//! `examples/src/bin/blinky.rs` on a real ARMv6-M core. Two tasks blink two LEDs of the
//! matrix at different rates, each with its own `Ticker`, and print every toggle on the
//! UART with the time since start. Both sleep between toggles: the executor wakes only
//! for the next deadline, through the SysTick time driver (16 MHz core clock).
//!
//! ```text
//! time (ms)  0    200   400   600   800  ...  2000
//! LED0       ─────┐▁▁▁▁▁┌─────┐▁▁▁▁▁┌──── ...        every 200 ms, 10 toggles
//! LED1       ──────────┐▁▁▁▁▁▁▁▁┌──────── ...        every 300 ms from 50 ms, 6 toggles
//!                     350      650
//! ```
//!
//! The two schedules never coincide (200·j ≠ 50 + 300·k), so the output order is fixed.
//! The printed times are `Instant::now()` at each wake-up, in whole milliseconds: a
//! wake-up a millisecond late changes the output. It stops after 2.1 s and exits 0.
//!
//! Run: `cargo xtask qemu microbit_blinky --target thumbv6m-none-eabi`. Expected
//! output: `examples/expected/microbit_blinky.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_examples_microbit::led::{Led, Which};
use mote_examples_microbit::println;

static EXECUTOR: Executor = Executor::new();

/// Toggles `led` every `period_ms`, `toggles` times, after waiting `offset_ms`.
#[mote::task(pool_size = 2)]
async fn blink(
    mut led: Led,
    name: &'static str,
    start: Instant,
    offset_ms: u64,
    period_ms: u64,
    toggles: u32,
) {
    Timer::at(start + Duration::from_millis(offset_ms)).await;
    let mut ticker = Ticker::every(Duration::from_millis(period_ms));
    for _ in 0..toggles {
        ticker.next().await;
        let _ = led.toggle();
        let on = led.is_set_high() == Ok(true);
        println!(
            "[{:>5} ms] {} {}",
            start.elapsed().as_millis(),
            name,
            if on { "on" } else { "off" }
        );
    }
}

#[mote::task]
async fn app() {
    let spawner = mote::Spawner::for_current_executor().await;
    println!("blinky: LED0 every 200 ms, LED1 every 300 ms from 50 ms");
    let start = Instant::now();
    let led0 = Led::new(Which::Led0, PinState::Low);
    let led1 = Led::new(Which::Led1, PinState::Low);
    spawner.must_spawn(blink(led0, "LED0", start, 0, 200, 10));
    spawner.must_spawn(blink(led1, "LED1", start, 50, 300, 6));
    Timer::at(start + Duration::from_millis(2_100)).await;
    println!("blinky: done");
    mote_examples_microbit::exit(mote_examples_microbit::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(app()))
}
