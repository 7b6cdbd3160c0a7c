//! Shared bus: two tasks at different rates read two TMP105 sensors on one I2C bus
//! (QEMU's SBCon at `0x4002_A000`), each through its own
//! [`I2cDevice`](mote_mps2::shared_bus::I2cDevice) handle on one async [`Mutex`].
//!
//! ```text
//! fast (every 20 ms) ── I2cDevice ──┐
//!                                   ├── Mutex<I2c> ── SBCon ── tmp105 @0x48, tmp105 @0x49
//! slow (every 50 ms) ── I2cDevice ──┘
//! ```
//!
//! Mote's I2C driver yields after every byte, so without the mutex the two tasks'
//! transactions would interleave on the wire. A `Traced` wrapper around the bus (inside
//! the mutex) prints where each transaction begins and ends and counts the ones that
//! began while another was still running; every 100 ms both tasks want the bus at the
//! same moment, and the output shows the second one waiting its turn. Exits 1 if any
//! transaction interleaved.
//!
//! Run: `cargo xtask qemu shared_bus` (adds `-device tmp105,address=0x48,id=tmp105
//! -device tmp105,address=0x49,id=tmp105b`). Expected output: `expected/shared_bus.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::i2c::{ErrorType, Operation};
use embedded_hal_async::i2c::I2c as _;
use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::channel::Channel;
use mote::sync::mutex::Mutex;
use mote::sync::once_lock::OnceLock;
use mote::time::{Duration, Instant, Ticker};
use mote_mps2::i2c::{Config, I2c};
use mote_mps2::println;
use mote_mps2::shared_bus::I2cDevice;

static EXECUTOR: Executor = Executor::new();

/// The bus, traced, behind the async mutex both handles share.
type SharedBus = Mutex<ThreadModeRawMutex, Traced>;
static BUS: OnceLock<SharedBus> = OnceLock::new();
static FINISHED: Channel<ThreadModeRawMutex, &str, 2> = Channel::new();

/// An I2C bus that reports each transaction and counts overlapping ones.
struct Traced {
    bus: I2c,
    /// Address of the transaction in progress.
    active: Option<u8>,
    interleaved: u32,
    transactions: u32,
}

impl ErrorType for Traced {
    type Error = mote_mps2::i2c::Error;
}

impl embedded_hal_async::i2c::I2c for Traced {
    async fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Self::Error> {
        if self.active.is_some() {
            self.interleaved += 1;
        }
        self.active = Some(address);
        println!("  bus: 0x{:02x} begin", address);
        let result = self.bus.transaction(address, operations).await;
        println!("  bus: 0x{:02x} end", address);
        if self.active != Some(address) {
            self.interleaved += 1;
        }
        self.active = None;
        self.transactions += 1;
        result
    }
}

fn millis() -> u64 {
    Instant::now().as_millis()
}

/// Reads register `reg` (2 bytes) of the sensor at `address` every `period`, `count` times.
async fn poll_sensor(name: &'static str, address: u8, reg: u8, period: Duration, count: u32) {
    let mut sensor = I2cDevice::new(BUS.get().unwrap());
    let mut ticker = Ticker::every(period);
    for _ in 0..count {
        ticker.next().await;
        println!("t={} ms {}: wants the bus", millis(), name);
        let mut raw = [0u8; 2];
        match sensor.write_read(address, &[reg], &mut raw).await {
            Ok(()) => println!(
                "t={} ms {}: 0x{:02x} reg {} = {:02x} {:02x}",
                millis(),
                name,
                address,
                reg,
                raw[0],
                raw[1]
            ),
            Err(e) => println!("t={} ms {}: error {}", millis(), name, e),
        }
    }
    FINISHED.send(name).await;
}

#[mote::task]
async fn fast() {
    // The temperature of the sensor at 0x48, every 20 ms.
    poll_sensor("fast", 0x48, 0x00, Duration::from_millis(20), 10).await
}

#[mote::task]
async fn slow() {
    // T_HIGH of the sensor at 0x49 (set to 90 °C at start), every 50 ms.
    poll_sensor("slow", 0x49, 0x03, Duration::from_millis(50), 4).await
}

#[mote::task]
async fn report() {
    for _ in 0..2 {
        println!("{} finished", FINISHED.receive().await);
    }
    let bus = BUS.get().unwrap().lock().await;
    println!(
        "{} transactions, interleaved: {}",
        bus.transactions, bus.interleaved
    );
    mote_mps2::exit(if bus.interleaved == 0 {
        mote_mps2::EXIT_SUCCESS
    } else {
        mote_mps2::EXIT_FAILURE
    })
}

#[entry]
fn main() -> ! {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut bus = I2c::new(p.I2C3, Config::default());
    // Tell the sensors apart: T_HIGH of the one at 0x49 becomes 90 °C (5A 00).
    if let Err(e) = embedded_hal::i2c::I2c::write(&mut bus, 0x49, &[0x03, 0x5A, 0x00]) {
        println!("no sensor at 0x49: {}", e);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
    let _ = BUS.get_or_init(|| {
        Mutex::new(Traced {
            bus,
            active: None,
            interleaved: 0,
            transactions: 0,
        })
    });
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(fast());
        spawner.must_spawn(slow());
        spawner.must_spawn(report());
    })
}
