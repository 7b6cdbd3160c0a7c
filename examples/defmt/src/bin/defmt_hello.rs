//! defmt: logging as most embedded Rust firmware does, with the log decoded on the host by
//! the ecosystem's own decoder. The firmware logs with `defmt::info!`; `defmt-semihosting`
//! sends the encoded frames (format-string indices and raw arguments, not text) out over
//! Arm semihosting, which QEMU (`-semihosting-config enable=on,target=native`) writes to
//! its standard output; `defmt-print -e <elf>` turns them back into text with the strings
//! interned in the ELF. UART0 goes to QEMU's standard error instead, so no text can mix
//! with the frames. `DEFMT_LOG=info` (set in `examples/.cargo/config.toml`) keeps
//! `info!` in the build: defmt compiles out everything below `error` by default.
//!
//! What it shows:
//! - `#[mote::main]` and two tasks, as an Embassy user would write them;
//! - a `Ticker` task logging each tick; every line is stamped by `defmt::timestamp!` with
//!   `mote::time::Instant::now()` in milliseconds (the decoder shows seconds: `0.250`);
//! - mote's `defmt` feature: a `SpawnError` and a `mote::time::Duration` logged with `{}`
//!   (their `defmt::Format`).
//!
//! It exits 0 after four ticks.
//!
//! Run: `cargo xtask qemu defmt_hello` (builds, runs QEMU and pipes the frames through
//! `defmt-print`). Expected decoded output: `expected/defmt_hello.txt`.
#![no_std]
#![no_main]

use defmt::info;
use defmt_semihosting as _; // the global logger: frames out over semihosting
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::signal::Signal;
use mote::time::{Duration, Instant, Ticker};
use mote::Spawner;

defmt::timestamp!("{=u64:ms}", Instant::now().as_millis());

/// Set by `ticker` after its last tick; `main` waits for it.
static DONE: Signal<ThreadModeRawMutex, u32> = Signal::new();

#[mote::task]
async fn ticker(period: Duration) {
    let mut ticker = Ticker::every(period);
    let mut n = 0;
    while n < 4 {
        ticker.next().await;
        n += 1;
        info!("tick {=u32}", n);
    }
    DONE.signal(n);
}

#[mote::task]
async fn greeter(name: &'static str) {
    info!("hello from {=str}", name);
}

#[mote::main]
async fn main(spawner: Spawner) {
    info!("defmt_hello: a tick every {}", Duration::from_millis(250));
    spawner.spawn(ticker(Duration::from_millis(250)).unwrap());
    spawner.spawn(greeter("the greeter").unwrap());

    // `greeter`'s pool holds one task and that one has not run yet: a second is refused.
    match spawner.spawn(greeter("a second greeter")) {
        Ok(()) => info!("second greeter spawned"),
        Err(e) => info!("second greeter refused: {}", e),
    }

    let ticks = DONE.wait().await;
    info!("done after {=u32} ticks", ticks);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}
