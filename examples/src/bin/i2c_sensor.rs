//! I2C sensor: reads QEMU's TMP105 temperature sensor over the async SBCon I2C driver
//! while a second task keeps blinking, and prints each reading with its time.
//!
//! `cargo xtask qemu i2c_sensor` adds `-device tmp105,address=0x48,id=tmp105` (on the
//! SBCon at `0x4002_A000`, `I2C3`). QEMU starts the sensor at 0 °C; to change it while
//! the example runs, use QEMU's monitor (Ctrl-A C in the console):
//! `qom-set /machine/peripheral/tmp105 temperature 23500` (milli-degrees), or QMP as
//! `test_i2c_qmp` does. Expected output (at 0 °C): `expected/i2c_sensor.txt`.
#![no_std]
#![no_main]

use portable_atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use embedded_hal_async::i2c::I2c as _;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker};
use mote_mps2::i2c::{Config, I2c};
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

const TMP105: u8 = 0x48;
const READINGS: u32 = 5;
static BLINKS: AtomicU32 = AtomicU32::new(0);

#[mote::task]
async fn blink() {
    let mut ticker = Ticker::every(Duration::from_millis(100));
    loop {
        BLINKS.fetch_add(1, Ordering::Relaxed);
        ticker.next().await;
    }
}

#[mote::task]
async fn sensor() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut bus = I2c::new(p.I2C3, Config::default());
    // Configuration register: 12-bit resolution (1/16 °C).
    if let Err(e) = bus.write(TMP105, &[0x01, 0x60]).await {
        println!("no sensor: {}", e);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
    let mut limits = [0u8; 4];
    let (low, high) = limits.split_at_mut(2);
    let read = async {
        bus.write_read(TMP105, &[0x02], low).await?;
        bus.write_read(TMP105, &[0x03], high).await
    };
    if let Err(e) = read.await {
        println!("reading the limits failed: {}", e);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
    println!(
        "TMP105 at 0x48: alert above {} °C, cleared below {} °C",
        i16::from_be_bytes([limits[2], limits[3]]) >> 8,
        i16::from_be_bytes([limits[0], limits[1]]) >> 8
    );
    let mut ticker = Ticker::every(Duration::from_millis(500));
    for _ in 0..READINGS {
        ticker.next().await;
        let mut raw = [0u8; 2];
        match bus.write_read(TMP105, &[0x00], &mut raw).await {
            Ok(()) => {
                let sixteenths = i32::from(i16::from_be_bytes(raw) >> 4);
                let millis = sixteenths * 1000 / 16;
                let sign = if millis < 0 { "-" } else { "" };
                println!(
                    "t = {} ms: {}{}.{:03} °C (blinks so far: {})",
                    Instant::now().as_millis(),
                    sign,
                    millis.abs() / 1000,
                    millis.abs() % 1000,
                    BLINKS.load(Ordering::Relaxed)
                );
            }
            Err(e) => println!("read failed: {}", e),
        }
    }
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(blink());
        spawner.must_spawn(sensor());
    })
}
