//! Firmware test driven from outside: QEMU's TMP105 model read over the async I2C
//! driver while the test harness changes its temperature through QMP.
//!
//! The firmware sets the sensor to 12-bit resolution (1/16 °C), then every [`PERIOD_MS`]
//! reads the temperature twice: with Mote's async I2C (`write_read` of the temperature
//! register) and with the `lm75` crate from crates.io (a third-party embedded-hal 1.0
//! driver for the LM75 family, whose registers the TMP105 shares) over Mote's blocking
//! I2C, and prints `reading <n>: <milli-°C> mC; lm75 crate: <milli-°C> mC`. The crate's
//! PCT2075 variant reads 11 bits (1/8 °C), which keeps every value the harness sets
//! exact (they are multiples of 1/8 °C); its plain LM75 variant would round to 1/2 °C.
//! The harness (`xtask/src/qmp.rs`, run by `cargo xtask test`) starts QEMU with
//! `-device tmp105,address=0x48,id=tmp105` and a QMP socket, in real time (no `-icount`:
//! QMP commands arrive at host speed), sets `temperature` with `qom-set` to several
//! values and checks that each shows up within one reading period. The firmware never
//! judges: it stops with a failure after [`MAX_READINGS`] in case nobody ends the run.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal_async::i2c::I2c as _;
use lm75::{Address, Lm75};
use mote::executor::Executor;
use mote::time::{Duration, Ticker};
use mote_mps2::i2c::{Config, I2c};
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

const TMP105: u8 = 0x48;
/// The reading period, in milliseconds (the harness reads it from the `ready` line).
const PERIOD_MS: u64 = 50;
const MAX_READINGS: u32 = 2_000;

/// Milli-degrees Celsius from the temperature register (12-bit, left-justified).
fn millidegrees(raw: [u8; 2]) -> i32 {
    i32::from(i16::from_be_bytes(raw) >> 4) * 1000 / 16
}

#[mote::task]
async fn sensor() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut bus = I2c::new(p.I2C3, Config::default());
    if let Err(e) = bus.write(TMP105, &[0x01, 0x60]).await {
        println!("configuring the sensor failed: {}", e);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
    println!("ready: period {} ms", PERIOD_MS);
    let mut ticker = Ticker::every(Duration::from_millis(PERIOD_MS));
    for n in 0..MAX_READINGS {
        let mut raw = [0u8; 2];
        let ours = bus.write_read(TMP105, &[0x00], &mut raw).await;
        let theirs = Lm75::new_pct2075(&mut bus, Address::default()).read_temperature();
        match (ours, theirs) {
            (Ok(()), Ok(celsius)) => println!(
                "reading {}: {} mC; lm75 crate: {} mC",
                n,
                millidegrees(raw),
                (celsius * 1000.0) as i32
            ),
            (Err(e), _) => println!("reading {}: error: {}", n, e),
            (_, Err(e)) => println!("reading {}: lm75 crate error: {:?}", n, e),
        }
        ticker.next().await;
    }
    println!("no verdict after {} readings", MAX_READINGS);
    mote_mps2::exit(mote_mps2::EXIT_FAILURE)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(sensor()))
}
