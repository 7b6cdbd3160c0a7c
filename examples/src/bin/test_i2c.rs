//! Firmware test: the bit-banged SBCon I2C driver, async and blocking, against QEMU's
//! TMP105 temperature sensor model.
//!
//! QEMU command line (added by xtask for this binary): `-device tmp105,address=0x48`,
//! which lands on the SBCon at `0x4002_A000` (`I2C3`). The TMP105's registers (TI
//! datasheet): pointer byte, then 0 = temperature (2 bytes), 1 = configuration (1 byte),
//! 2 = T_LOW (2 bytes, 75 °C = `4B 00` at power-up), 3 = T_HIGH (80 °C = `50 00`).
//!
//! Checks: an address nobody answers is `NoAcknowledge(Address)`; an address above 0x7F
//! is `InvalidAddress`; an empty write probes the sensor; `write_read` reads the
//! power-up limits; a write sets the configuration (12-bit resolution) and reads it back
//! (blocking API); a transaction of two writes (merged: no repeated START) sets T_HIGH and
//! one of a write and two reads (merged, the first read byte ACKed) reads it back; the
//! temperature reads 0 °C (QEMU resets it to 0); the async driver lets another task run
//! after every byte of a transaction and the blocking one does not; a transaction
//! dropped midway (mid-read, or right after its address) leaves the bus usable and
//! finished (a probe of another address is not answered by the first device); an
//! interface with no device at all NACKs every address, as an error. Prints the cost
//! in instructions per bus byte (`-icount shift=0`).
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::pin::pin;
use portable_atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use embedded_hal::i2c::{NoAcknowledgeSource, Operation};
use embedded_hal_async::i2c::I2c as _;
use mote::executor::Executor;
use mote::futures::{poll_once, yield_now};
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::blocking_mutex::Mutex as BlockingMutex;
use mote::time::Instant;
use mote_mps2::i2c::{Config, Error, I2c};
use mote_mps2::println;
use mote_mps2::shared_bus::{BlockingI2cDevice, DeviceError};
use mote_mps2::testing::Checks;

static EXECUTOR: Executor = Executor::new();

const TMP105: u8 = 0x48;
const REG_TEMPERATURE: u8 = 0;
const REG_CONFIG: u8 = 1;
const REG_T_LOW: u8 = 2;
const REG_T_HIGH: u8 = 3;

/// Times the `other` task ran.
static OTHER_RUNS: AtomicU32 = AtomicU32::new(0);

#[mote::task]
async fn other() {
    loop {
        OTHER_RUNS.fetch_add(1, Ordering::Relaxed);
        yield_now().await;
    }
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_i2c");
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut bus = I2c::new(p.I2C3, Config::default());

    checks.check(
        "no device at 0x49: NoAcknowledge(Address)",
        bus.write(0x49, &[0]).await == Err(Error::NoAcknowledge(NoAcknowledgeSource::Address)),
    );
    checks.check(
        "address 0x80: InvalidAddress",
        bus.write(0x80, &[]).await == Err(Error::InvalidAddress),
    );
    checks.check(
        "empty write probes 0x48",
        bus.write(TMP105, &[]).await.is_ok(),
    );

    let mut limit = [0u8; 2];
    let ok = bus
        .write_read(TMP105, &[REG_T_LOW], &mut limit)
        .await
        .is_ok();
    checks.check(
        "T_LOW powers up at 75 °C (4B 00)",
        ok && limit == [0x4B, 0x00],
    );
    let ok = bus
        .write_read(TMP105, &[REG_T_HIGH], &mut limit)
        .await
        .is_ok();
    checks.check(
        "T_HIGH powers up at 80 °C (50 00)",
        ok && limit == [0x50, 0x00],
    );

    // Blocking API: 12-bit resolution (R1 = R0 = 1).
    let written = embedded_hal::i2c::I2c::write(&mut bus, TMP105, &[REG_CONFIG, 0x60]).is_ok();
    let mut config = [0u8; 1];
    let read =
        embedded_hal::i2c::I2c::write_read(&mut bus, TMP105, &[REG_CONFIG], &mut config).is_ok();
    checks.check(
        "blocking: configuration written and read back (0x60)",
        written && read && config == [0x60],
    );

    // Merged writes: the pointer and the value in two operations, one START.
    let written = bus
        .transaction(
            TMP105,
            &mut [
                Operation::Write(&[REG_T_HIGH]),
                Operation::Write(&[0x51, 0x80]),
            ],
        )
        .await
        .is_ok();
    let (mut hi, mut lo) = ([0u8; 1], [0u8; 1]);
    let read = bus
        .transaction(
            TMP105,
            &mut [
                Operation::Write(&[REG_T_HIGH]),
                Operation::Read(&mut hi),
                Operation::Read(&mut lo),
            ],
        )
        .await
        .is_ok();
    checks.check(
        "transaction: merged writes set T_HIGH, merged reads read it back (51 80)",
        written && read && [hi[0], lo[0]] == [0x51, 0x80],
    );

    let mut raw = [0xAAu8; 2];
    let ok = bus
        .write_read(TMP105, &[REG_TEMPERATURE], &mut raw)
        .await
        .is_ok();
    checks.check("temperature reads 0 °C after reset", ok && raw == [0, 0]);

    // Fairness: `other` runs after every byte of an async transaction (5 bytes on the
    // bus: address, pointer, address, 2 data bytes), never during a blocking one.
    let before = OTHER_RUNS.load(Ordering::Relaxed);
    let _ = bus.write_read(TMP105, &[REG_T_LOW], &mut limit).await;
    let async_runs = OTHER_RUNS.load(Ordering::Relaxed) - before;
    let before = OTHER_RUNS.load(Ordering::Relaxed);
    let _ = embedded_hal::i2c::I2c::write_read(&mut bus, TMP105, &[REG_T_LOW], &mut limit);
    let blocking_runs = OTHER_RUNS.load(Ordering::Relaxed) - before;
    println!(
        "other task ran {} times during an async 5-byte transaction, {} during a blocking one",
        async_runs, blocking_runs
    );
    checks.check("async: another task runs after every byte", async_runs >= 5);
    checks.check("blocking: no other task runs", blocking_runs == 0);

    // Drop a transaction in the middle of its read (after address, pointer, address and
    // the first data byte), then use the bus again.
    {
        let mut buf = [0u8; 2];
        let mut dropped = pin!(bus.write_read(TMP105, &[REG_T_LOW], &mut buf));
        for _ in 0..4 {
            let _ = poll_once(dropped.as_mut()).await;
        }
    }
    let ok = bus
        .write_read(TMP105, &[REG_T_LOW], &mut limit)
        .await
        .is_ok();
    checks.check(
        "after a transaction dropped mid-read, the next one works",
        ok && limit == [0x4B, 0x00],
    );

    // Drop a transaction right after its address byte (0x48 addressed for writing), then
    // probe 0x49: QEMU's bus keeps talking to the device of an unfinished transaction,
    // so the probe is NACKed only if the next transaction ended the dropped one first.
    {
        let mut dropped = pin!(bus.write(TMP105, &[REG_T_HIGH, 0x50, 0x00]));
        let _ = poll_once(dropped.as_mut()).await;
    }
    checks.check(
        "after a transaction dropped after its address, 0x49 is NACKed (not 0x48's)",
        bus.write(0x49, &[]).await == Err(Error::NoAcknowledge(NoAcknowledgeSource::Address)),
    );

    // An interface with no device at all (I2C0): every address is NACKed, as an error.
    let mut empty = I2c::new(p.I2C0, Config::default());
    let nack = Err(Error::NoAcknowledge(NoAcknowledgeSource::Address));
    let mut byte = [0u8; 1];
    checks.check(
        "no device on the bus: write, read, write_read and probe are NoAcknowledge(Address)",
        empty.write(TMP105, &[0]).await == nack
            && empty.read(TMP105, &mut byte).await == nack
            && empty.write_read(TMP105, &[0], &mut byte).await == nack
            && empty.write(TMP105, &[]).await == nack
            && embedded_hal::i2c::I2c::write(&mut empty, TMP105, &[0]) == nack,
    );

    // Cost, in instructions per byte on the bus (1 ns of virtual time each).
    for (name, config) in [
        ("100 kHz", Config::default()),
        (
            "no delay",
            Config {
                frequency: u32::MAX,
            },
        ),
    ] {
        bus.set_config(config);
        const ROUNDS: u64 = 64;
        let start = Instant::now();
        for _ in 0..ROUNDS {
            let _ = bus.write_read(TMP105, &[REG_T_LOW], &mut limit).await;
        }
        let async_ns = (Instant::now() - start).as_micros() * 1000;
        let start = Instant::now();
        for _ in 0..ROUNDS {
            let _ = embedded_hal::i2c::I2c::write_read(&mut bus, TMP105, &[REG_T_LOW], &mut limit);
        }
        let blocking_ns = (Instant::now() - start).as_micros() * 1000;
        println!(
            "cost at {}: async {} / blocking {} instructions per bus byte (icount shift=0)",
            name,
            async_ns / (ROUNDS * 5),
            blocking_ns / (ROUNDS * 5)
        );
    }
    checks.check(
        "the bus still answers",
        bus.write(TMP105, &[]).await.is_ok(),
    );

    // The blocking shared-bus handle passes results and errors through.
    bus.set_config(Config::default());
    let shared = BlockingMutex::<ThreadModeRawMutex, _>::new(RefCell::new(bus));
    let mut sensor = BlockingI2cDevice::new(&shared);
    let mut other = BlockingI2cDevice::new(&shared);
    let ok = embedded_hal::i2c::I2c::write_read(&mut sensor, TMP105, &[REG_T_LOW], &mut limit);
    let nack = embedded_hal::i2c::I2c::write(&mut other, 0x49, &[0]);
    checks.check(
        "BlockingI2cDevice: reads through, NACK as DeviceError::Bus",
        ok.is_ok()
            && limit == [0x4B, 0x00]
            && nack
                == Err(DeviceError::Bus(Error::NoAcknowledge(
                    NoAcknowledgeSource::Address,
                ))),
    );

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(scenario());
        spawner.must_spawn(other());
    })
}
