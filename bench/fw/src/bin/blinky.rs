//! App rows: a two-LED `Ticker` blinky, as a user writes it, for flash, static RAM and
//! peak stack.
//!
//! Two tasks (one task function, pool of two) each own one of the board's user LEDs
//! (mote-mps2's FPGAIO `Output`, which does not depend on Mote's runtime: the same pin
//! type for both runtimes) and toggle it on every tick of their `Ticker`: LED0 every
//! 200 ms, LED1 every 300 ms, forever. No output. Sizes are measured on the
//! `--no-default-features --features <rt>,timers,panic-halt` build (opt-level "s").
//!
//! With feature `stack-report`, `main` first paints the free stack ([`bench_fw::stack`]);
//! after [`REPORT_AFTER`] toggles in all the app prints `STACK <bytes>`, the stack's
//! high-water mark, and exits 0. That build adds the toggle count and the report to the
//! same source; the stack figure is taken from it.
#![no_std]
#![no_main]

use bench_fw::{rt, spawn};
use cortex_m_rt::entry;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote_mps2::fpgaio::Output;

/// Toggles (both LEDs together) before the stack report: LED0 at 200, 400 and 600 ms,
/// LED1 at 300 and 600 ms (both due at once), 0.6 s of virtual time (Embassy's idle loop
/// spins in QEMU, so a longer run costs host time).
#[cfg(feature = "stack-report")]
const REPORT_AFTER: u32 = 5;

#[cfg(feature = "stack-report")]
static TOGGLES: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

#[cfg_attr(feature = "mote", mote::task(pool_size = 2))]
#[cfg_attr(feature = "embassy", embassy_executor::task(pool_size = 2))]
async fn blink(mut led: Output, period_ms: u64) {
    let mut ticker = rt::Ticker::every(rt::Duration::from_millis(period_ms));
    loop {
        ticker.next().await;
        let _ = led.toggle();
        #[cfg(feature = "stack-report")]
        if TOGGLES.fetch_add(1, core::sync::atomic::Ordering::Relaxed) + 1 == REPORT_AFTER {
            bench_fw::println!("STACK {}", bench_fw::stack::peak());
            bench_fw::exit(0);
        }
    }
}

#[entry]
fn main() -> ! {
    #[cfg(feature = "stack-report")]
    bench_fw::stack::paint();
    let p = mote_mps2::Peripherals::take().unwrap();
    let led0 = Output::new(p.LED0, PinState::Low);
    let led1 = Output::new(p.LED1, PinState::Low);
    rt::run(move |spawner| {
        spawn!(spawner, blink(led0, 200));
        spawn!(spawner, blink(led1, 300));
    })
}
