//! The blinky application logic, shared word for word by every board's `blinky` binary
//! (`src/bin/blinky.rs` on MPS2, `microbit/src/bin/microbit_blinky.rs` on the micro:bit).
//! The including binary provides `Led` (its board's LED pin type) and `println!`.
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
//! wake-up a millisecond late changes the output.

use embedded_hal::digital::StatefulOutputPin;
use mote::time::{Duration, Instant, Ticker, Timer};

use super::{println, Led};

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

/// Blinks `led0` and `led1` on their schedules and returns after 2.1 s.
pub async fn run(spawner: mote::Spawner, led0: Led, led1: Led) {
    println!("blinky: LED0 every 200 ms, LED1 every 300 ms from 50 ms");
    let start = Instant::now();
    spawner.must_spawn(blink(led0, "LED0", start, 0, 200, 10));
    spawner.must_spawn(blink(led1, "LED1", start, 50, 300, 6));
    Timer::at(start + Duration::from_millis(2_100)).await;
    println!("blinky: done");
}
