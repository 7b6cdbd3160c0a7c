//! Firmware test: two SPI devices on one PL022 through `shared_bus::SpiDevice` handles,
//! each with its own chip select, from two tasks; and the blocking `BlockingSpiDevice`.
//!
//! The bus is `SPI0` in loopback. The chip selects are the FPGA LEDs (LED0 for device A,
//! LED1 for device B: any `OutputPin` works, and QEMU wires no select line to the
//! PL022). An `Observed` wrapper around the bus, inside the mutex, yields to the other
//! tasks in the middle of every operation (so a missing lock would let the tasks'
//! transactions interleave) and checks at each operation that exactly the chip select of
//! the device whose bytes are moving is low (device A's bytes start 0xA_, B's 0xB_).
//!
//! Checks: no operation ran with the wrong select (or both, or none) low; each device
//! read back its own bytes (loopback) in every transaction; both selects are high
//! afterwards; a `DelayNs` operation keeps the select low for at least its time; a
//! transaction dropped midway (by a timer, during its `DelayNs`) deselects its device at
//! once, so the next device's transaction runs with its own select alone low; the
//! blocking handle selects, transfers and deselects.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use embedded_hal::digital::PinState;
use embedded_hal::spi::{ErrorType, Operation};
use embedded_hal_async::spi::{SpiBus, SpiDevice as _};
use mote::executor::Executor;
use mote::futures::{select, yield_now, Either};
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::blocking_mutex::Mutex as BlockingMutex;
use mote::sync::channel::Channel;
use mote::sync::mutex::Mutex;
use mote::sync::once_lock::OnceLock;
use mote::time::{Instant, Timer};
use mote_mps2::fpgaio::{self, Output};
use mote_mps2::shared_bus::{BlockingSpiDevice, SpiDevice};
use mote_mps2::spi::{self, Async, Config, Spi};
use mote_mps2::testing::Checks;
use mote_mps2::{bind_interrupts, println};
use portable_atomic::{AtomicU32, Ordering};

bind_interrupts!(struct Irqs {
    SPI => spi::InterruptHandler<spi::SPI0>;
});

static EXECUTOR: Executor = Executor::new();
static BUS: OnceLock<Mutex<ThreadModeRawMutex, Observed>> = OnceLock::new();
static DONE: Channel<ThreadModeRawMutex, (u8, u32), 2> = Channel::new();
/// Operations that found the wrong chip selects low.
static WRONG_SELECT: AtomicU32 = AtomicU32::new(0);
/// Operations observed.
static OPERATIONS: AtomicU32 = AtomicU32::new(0);

const TRANSACTIONS: u32 = 8;

/// The bus, checking chip selects and yielding inside each operation.
struct Observed(Spi<Async>);

/// Before an operation moving `first`: the select of its device alone must be low.
async fn observe(first: u8) {
    let expected = match first >> 4 {
        0xA => 0b10, // LED0 low (device A), LED1 high
        0xB => 0b01,
        _ => 0b100, // never matches: bytes from nobody
    };
    OPERATIONS.fetch_add(1, Ordering::Relaxed);
    if fpgaio::lit() != expected {
        WRONG_SELECT.fetch_add(1, Ordering::Relaxed);
    }
    yield_now().await;
    if fpgaio::lit() != expected {
        WRONG_SELECT.fetch_add(1, Ordering::Relaxed);
    }
}

impl ErrorType for Observed {
    type Error = spi::Error;
}

impl SpiBus for Observed {
    async fn read(&mut self, words: &mut [u8]) -> Result<(), spi::Error> {
        self.0.read(words).await
    }
    async fn write(&mut self, words: &[u8]) -> Result<(), spi::Error> {
        observe(words[0]).await;
        self.0.write(words).await
    }
    async fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), spi::Error> {
        observe(write[0]).await;
        self.0.transfer(read, write).await
    }
    async fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), spi::Error> {
        observe(words[0]).await;
        self.0.transfer_in_place(words).await
    }
    async fn flush(&mut self) -> Result<(), spi::Error> {
        self.0.flush().await
    }
}

/// Device `name` (0xA or 0xB): transactions of a transfer and an in-place transfer,
/// each read back through the loopback; sends how many came back right.
#[mote::task(pool_size = 2)]
async fn device(name: u8, mut dev: SpiDevice<'static, ThreadModeRawMutex, Observed, Output>) {
    let mut good = 0;
    for n in 0..TRANSACTIONS {
        let out = [name << 4 | n as u8, 1, 2, 3, n as u8];
        let mut back = [0u8; 5];
        let mut in_place = [name << 4, 0x55, n as u8];
        let ok = dev
            .transaction(&mut [
                Operation::Transfer(&mut back, &out),
                Operation::TransferInPlace(&mut in_place),
            ])
            .await
            .is_ok();
        if ok && back == out && in_place == [name << 4, 0x55, n as u8] {
            good += 1;
        }
    }
    DONE.send((name, good)).await;
}

#[mote::task]
async fn scenario(spawner: mote::executor::Spawner) {
    let mut checks = Checks::new("test_shared_spi");
    let p = mote_mps2::Peripherals::take().unwrap();
    let config = Config {
        loopback: true,
        ..Config::default()
    };
    let bus = Spi::new(p.SPI0, Irqs, config).unwrap();
    let _ = BUS.get_or_init(|| Mutex::new(Observed(bus)));
    // Both selects start low (lit) to show that `SpiDevice::new` deselects.
    let shared = BUS.get().unwrap();
    let Ok(dev_a) = SpiDevice::new(shared, Output::new(p.LED0, PinState::Low));
    let Ok(dev_b) = SpiDevice::new(shared, Output::new(p.LED1, PinState::Low));
    checks.check(
        "SpiDevice::new deselects (drives high)",
        fpgaio::lit() == 0b11,
    );
    spawner.must_spawn(device(0xA, dev_a));
    spawner.must_spawn(device(0xB, dev_b));
    let mut results = [(0u8, 0u32); 2];
    for slot in results.iter_mut() {
        *slot = DONE.receive().await;
    }
    for (name, good) in results {
        checks.check(
            if name == 0xA {
                "device A: every transaction read back its own bytes"
            } else {
                "device B: every transaction read back its own bytes"
            },
            good == TRANSACTIONS,
        );
    }
    let operations = OPERATIONS.load(Ordering::Relaxed);
    let wrong = WRONG_SELECT.load(Ordering::Relaxed);
    println!(
        "{} bus operations observed, {} with the wrong select",
        operations, wrong
    );
    checks.check(
        "every operation ran with its own device selected, alone",
        operations == 2 * 2 * TRANSACTIONS && wrong == 0,
    );
    checks.check("both selects are high afterwards", fpgaio::lit() == 0b11);

    // DelayNs keeps the device selected for at least the delay.
    let Ok(mut dev) = SpiDevice::new(shared, Output::by_index(0, PinState::High).unwrap());
    let (mut one, mut two) = ([0xA5u8], [0xA6u8]);
    let start = Instant::now();
    let ok = dev
        .transaction(&mut [
            Operation::TransferInPlace(&mut one),
            Operation::DelayNs(200_000),
            Operation::TransferInPlace(&mut two),
        ])
        .await
        .is_ok();
    let held = Instant::now() - start;
    checks.check(
        "DelayNs(200 us) inside a transaction takes at least 200 us",
        ok && held.as_micros() >= 200,
    );

    // Cancellation: a transaction dropped while its device is selected (here in its
    // `DelayNs`, by a shorter timer) must deselect the device before the lock goes to
    // another handle; otherwise the next device's bytes would reach both devices.
    let (mut one, mut lost) = ([0xA7u8], [0xA8u8]);
    let cancelled = select(
        dev.transaction(&mut [
            Operation::TransferInPlace(&mut one),
            Operation::DelayNs(1_000_000),
            Operation::TransferInPlace(&mut lost),
        ]),
        Timer::after_micros(100),
    )
    .await;
    checks.check(
        "a transaction dropped midway deselects its device at once",
        matches!(cancelled, Either::Second(())) && fpgaio::lit() & 0b01 != 0,
    );
    let wrong_before = WRONG_SELECT.load(Ordering::Relaxed);
    let Ok(mut other) = SpiDevice::new(shared, Output::by_index(1, PinState::High).unwrap());
    let mut buf = [0xB7u8, 0x5A];
    let ok = other
        .transaction(&mut [Operation::TransferInPlace(&mut buf)])
        .await
        .is_ok();
    checks.check(
        "after a dropped transaction, the next device's runs with its select alone low",
        ok && buf == [0xB7, 0x5A] && WRONG_SELECT.load(Ordering::Relaxed) == wrong_before,
    );

    // The blocking handle, on SPI1 (its own bus) with LED1 as select.
    let blocking = BlockingMutex::<ThreadModeRawMutex, _>::new(RefCell::new(
        Spi::new_blocking(p.SPI1, config).unwrap(),
    ));
    let Ok(mut dev) =
        BlockingSpiDevice::new(&blocking, Output::by_index(1, PinState::Low).unwrap());
    let mut buf = [0xB1u8, 0xB2, 0xB3];
    let ok = embedded_hal::spi::SpiDevice::transfer_in_place(&mut dev, &mut buf).is_ok();
    checks.check(
        "blocking handle: transfer in place, select high again",
        ok && buf == [0xB1, 0xB2, 0xB3] && fpgaio::lit() & 0b10 != 0,
    );

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario(spawner)))
}
