//! Blinky: two tasks blink the board's two user LEDs (FPGA I/O) at different rates, each
//! with its own `Ticker`, and print every toggle on UART0 with the time since start.
//! Both sleep between toggles: the executor wakes only for the next deadline, through
//! `mote-mps2`'s time driver (the CMSDK dual timer).
//!
//! ```text
//! time (ms)  0    200   400   600   800  ...  2000
//! LED0       ─────┐▁▁▁▁▁┌─────┐▁▁▁▁▁┌──── ...        every 200 ms, 10 toggles
//! LED1       ──────────┐▁▁▁▁▁▁▁▁┌──────── ...        every 300 ms from 50 ms, 6 toggles
//!                     350      650
//! ```
//!
//! The two schedules never coincide (200·j ≠ 50 + 300·k), so the output order is fixed.
//! It stops after 2.1 s and exits 0.
//!
//! Run: `cargo xtask demo` (or `cargo xtask qemu blinky`). Expected output:
//! `expected/blinky.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_mps2::fpgaio::Output;
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

/// Toggles `led` every `period_ms`, `toggles` times, after waiting `offset_ms`.
#[mote::task(pool_size = 2)]
async fn blink(
    mut led: Output,
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
    let p = mote_mps2::Peripherals::take().unwrap();
    println!("blinky: LED0 every 200 ms, LED1 every 300 ms from 50 ms");
    let start = Instant::now();
    let led0 = Output::new(p.LED0, PinState::Low);
    let led1 = Output::new(p.LED1, PinState::Low);
    spawner.must_spawn(blink(led0, "LED0", start, 0, 200, 10));
    spawner.must_spawn(blink(led1, "LED1", start, 50, 300, 6));
    Timer::at(start + Duration::from_millis(2_100)).await;
    println!("blinky: done");
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(app()))
}
