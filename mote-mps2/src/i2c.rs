//! The four ARM SBCon two-wire interfaces of the MPS2 AN385/AN386 as I2C masters: [`I2c`]
//! implements the async `embedded_hal_async::i2c::I2c` and the blocking
//! `embedded_hal::i2c::I2c` (7-bit addresses).
//!
//! | token | base | board use | QEMU |
//! | --- | --- | --- | --- |
//! | [`I2C0`] | `0x4002_2000` | touch screen | |
//! | [`I2C1`] | `0x4002_3000` | audio codec | |
//! | [`I2C2`] | `0x4002_9000` | shield 0 | |
//! | [`I2C3`] | `0x4002_A000` | shield 1 | `-device tmp105,address=0x48` lands here |
//!
//! The SBCon is two open-drain wires and nothing else: a register that reads SCL (bit 0)
//! and SDA (bit 1), one that releases (sets) them and one that pulls them low (clears).
//! No shifter, no FIFO, no interrupt: the CPU makes every edge. The driver therefore
//! runs each bit itself and paces the bus with calibrated delay loops.
//!
//! Guarantees:
//! - The embedded-hal transaction contract: one START, the address with R/W, adjacent
//!   operations of one direction merged (no repeated start between them), a repeated
//!   START and the address again when the direction changes, every byte read ACKed except
//!   the last one before a repeated START or the STOP, which is NACKed, then a STOP. An
//!   empty write sends the address alone (a probe); an empty read moves nothing.
//! - Errors are values and always end with a STOP on the bus (when the wires allow it):
//!   [`Error::NoAcknowledge`] (address or data byte not acknowledged),
//!   [`Error::ArbitrationLoss`] (SDA low while this master released it),
//!   [`Error::Bus`] (SCL held low by a device past [`STRETCH_LIMIT`] polls, or SDA held
//!   low through 9 recovery clocks), [`Error::InvalidAddress`] (above 0x7F).
//! - A transaction whose future was dropped midway (a device may be holding SDA low in
//!   the middle of a byte) is cleaned up by the next one: it clocks SCL until SDA is
//!   released (at most 9 pulses) and sends a STOP before its own START.
//!
//! Pacing and cost: a bit is two half-periods of `SYSCLK_HZ / (2 × frequency)` CPU cycles
//! of busy waiting (`cortex_m::asm::delay`) plus the register accesses, so on the MPS2's
//! 25 MHz core the bus runs somewhat below [`Config::frequency`] (100 kHz by default;
//! `u32::MAX` drops the delays). The CPU is busy for the whole transfer: that is what
//! bit-banging costs, and the SBCon has no interrupt to wait for. The async driver
//! yields to the executor after every byte (address bytes included), so other tasks run
//! at least every 9 bit times (about 90 µs at 100 kHz) instead of waiting for a whole
//! transaction; the blocking driver runs the transaction in one go.
//!
//! Measured (release, `opt-level = "s"`, LTO; QEMU 7.2; printed by
//! `examples/src/bin/test_i2c.rs`, `-icount shift=0`, 1 ns of virtual time per
//! instruction, 64 `write_read`s of 1 + 2 bytes = 5 bytes on the bus each):
//!
//! | per bus byte (thumbv7m / thumbv6m) | async | blocking |
//! | --- | --- | --- |
//! | 100 kHz (delays included) | 5 700 / 5 918 instructions | 5 503 / 5 562 |
//! | no delay | about 650 / 887 instructions | 450 / 531 |
//!
//! The difference between the columns is the yield after each byte (a trip through the
//! executor). Code: +3 344 bytes of `.text` + `.rodata` on thumbv7m (+3 276 on thumbv6m)
//! for a firmware using `I2c::new` with the async and the blocking `write_read`, over the
//! same firmware without them.
//!
//! What QEMU does not model (so no test here exercises it): bus timing (QEMU's bit-bang
//! bus reacts at once; the delays only burn instructions), clock stretching (SCL reads
//! back what the master drives), arbitration with another master, and a device holding
//! SDA low outside a transfer. QEMU's bus also ignores a repeated START to a different
//! address (it keeps talking to the device of the first), so the driver always ends a
//! transaction with STOP and only repeats the START for the same address.
//!
//! Cancel safety: not cancel-safe (an I2C transaction cannot be undone): dropping a
//! future midway leaves the device with part of the transaction (a register pointer
//! written, a byte half-read); the next transaction recovers the bus first (see above).

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::ptr;
use core::task::{Context, Poll, Waker};

use embedded_hal::i2c::{NoAcknowledgeSource, Operation, SevenBitAddress};

/// The CPU clock the delays are calibrated for (the MPS2 FPGA images run the core at
/// the 25 MHz of the APB).
pub const SYSCLK_HZ: u32 = crate::uart::PCLK_HZ;

/// How many times the driver reads SCL back after releasing it before it gives up on a
/// device stretching the clock ([`Error::Bus`]); about 1 ms at 25 MHz.
pub const STRETCH_LIMIT: u32 = 5_000;

const CONTROL: usize = 0x00; // read: bit 0 = SCL, bit 1 = SDA; write: set (release) bits
const CONTROL_CLEAR: usize = 0x04; // write: clear (pull low) bits
const SCL: u32 = 1 << 0;
const SDA: u32 = 1 << 1;

/// Bus settings.
///
/// ```
/// let config = mote_mps2::i2c::Config::default();
/// assert_eq!(config.frequency, 100_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Target SCL rate in Hz (an upper bound; `u32::MAX` means no delay at all).
    pub frequency: u32,
}

impl Default for Config {
    /// Standard mode, 100 kHz.
    fn default() -> Self {
        Self { frequency: 100_000 }
    }
}

/// A bus error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The address or a written byte was not acknowledged.
    NoAcknowledge(NoAcknowledgeSource),
    /// SDA read low while this master released it to send a 1.
    ArbitrationLoss,
    /// A wire is stuck low: SCL past [`STRETCH_LIMIT`] polls, or SDA through 9 clocks.
    Bus,
    /// The address is above 0x7F (this driver speaks 7-bit addresses only).
    InvalidAddress,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::NoAcknowledge(NoAcknowledgeSource::Address) => {
                f.write_str("I2C: no device acknowledged the address")
            }
            Error::NoAcknowledge(_) => f.write_str("I2C: a written byte was not acknowledged"),
            Error::ArbitrationLoss => f.write_str("I2C: arbitration lost (SDA pulled low)"),
            Error::Bus => f.write_str("I2C: a bus wire is stuck low"),
            Error::InvalidAddress => f.write_str("I2C: 7-bit addresses only (at most 0x7F)"),
        }
    }
}

impl core::error::Error for Error {}

impl embedded_hal::i2c::Error for Error {
    fn kind(&self) -> embedded_hal::i2c::ErrorKind {
        use embedded_hal::i2c::ErrorKind;
        match *self {
            Error::NoAcknowledge(source) => ErrorKind::NoAcknowledge(source),
            Error::ArbitrationLoss => ErrorKind::ArbitrationLoss,
            Error::Bus => ErrorKind::Bus,
            Error::InvalidAddress => ErrorKind::Other,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An SBCon instance of the board.
pub trait Instance: sealed::Sealed + 'static {
    /// Base address of the register block.
    const BASE: usize;
}

macro_rules! instances {
    ($($name:ident: $base:literal;)*) => {$(
        #[doc = concat!("Token of SBCon I2C interface `", stringify!($name), "` (base `",
            stringify!($base), "`).")]
        #[derive(Debug)]
        pub struct $name {
            pub(crate) _private: (),
        }
        impl sealed::Sealed for $name {}
        impl Instance for $name {
            const BASE: usize = $base;
        }
    )*};
}

instances! {
    I2C0: 0x4002_2000;
    I2C1: 0x4002_3000;
    I2C2: 0x4002_9000;
    I2C3: 0x4002_A000;
}

/// An I2C master on one SBCon.
///
/// ```no_run
/// use embedded_hal_async::i2c::I2c as _;
/// use mote_mps2::i2c::{Config, I2c};
///
/// async fn temperature() -> Result<i16, mote_mps2::i2c::Error> {
///     let p = mote_mps2::Peripherals::take().unwrap();
///     let mut bus = I2c::new(p.I2C3, Config::default());
///     let mut raw = [0; 2];
///     bus.write_read(0x48, &[0x00], &mut raw).await?; // TMP105: temperature register
///     Ok(i16::from_be_bytes(raw) >> 4) // 1/16 °C at 12-bit resolution
/// }
/// ```
#[derive(Debug)]
pub struct I2c {
    base: usize,
    half_period: u32,
    /// A START was sent and its STOP not yet: a dropped transaction to clean up.
    dirty: bool,
}

impl I2c {
    /// Takes interface `T` and releases both wires (the bus idles high).
    pub fn new<T: Instance>(_i2c: T, config: Config) -> Self {
        write_reg(T::BASE, CONTROL, SCL | SDA);
        Self {
            base: T::BASE,
            half_period: half_period(config.frequency),
            dirty: false,
        }
    }

    /// Changes the bus settings (between transactions: `&mut self`).
    ///
    /// ```no_run
    /// use mote_mps2::i2c::{Config, I2c};
    /// let p = mote_mps2::Peripherals::take().unwrap();
    /// let mut bus = I2c::new(p.I2C3, Config::default());
    /// bus.set_config(Config { frequency: 400_000 });
    /// assert_eq!(bus.half_period_cycles(), 31); // 25 MHz / 800 kHz
    /// ```
    pub fn set_config(&mut self, config: Config) {
        self.half_period = half_period(config.frequency);
    }

    /// The delay of half an SCL period, in CPU cycles.
    pub fn half_period_cycles(&self) -> u32 {
        self.half_period
    }

    fn read(&self) -> u32 {
        read_reg(self.base, CONTROL)
    }

    fn delay(&self) {
        if self.half_period > 0 {
            cortex_m::asm::delay(self.half_period);
        }
    }

    fn sda(&self, high: bool) {
        if high {
            write_reg(self.base, CONTROL, SDA);
        } else {
            write_reg(self.base, CONTROL_CLEAR, SDA);
        }
    }

    fn scl_low(&self) {
        write_reg(self.base, CONTROL_CLEAR, SCL);
    }

    /// Releases SCL and waits for it to read high (a device may stretch the clock).
    fn scl_release(&self) -> Result<(), Error> {
        write_reg(self.base, CONTROL, SCL);
        for _ in 0..STRETCH_LIMIT {
            if self.read() & SCL != 0 {
                return Ok(());
            }
        }
        Err(Error::Bus)
    }

    fn sda_high(&self) -> bool {
        self.read() & SDA != 0
    }

    /// One clock pulse with SDA set to `bit` beforehand; returns SDA as read at SCL high.
    fn clock(&self, bit: bool) -> Result<bool, Error> {
        self.sda(bit);
        self.delay();
        self.scl_release()?;
        self.delay();
        let sampled = self.sda_high();
        self.scl_low();
        Ok(sampled)
    }

    /// START (or repeated START): SDA falls while SCL is high.
    fn start(&mut self) -> Result<(), Error> {
        self.dirty = true;
        self.sda(true);
        self.delay();
        self.scl_release()?;
        self.delay();
        self.sda(false);
        self.delay();
        self.scl_low();
        Ok(())
    }

    /// STOP: SDA rises while SCL is high; the bus is then idle.
    fn stop(&mut self) -> Result<(), Error> {
        self.sda(false);
        self.delay();
        self.scl_release()?;
        self.delay();
        self.sda(true);
        self.delay();
        if !self.sda_high() {
            return Err(Error::Bus);
        }
        self.dirty = false;
        Ok(())
    }

    /// Frees a bus left mid-byte (by a dropped transaction, or a device reset midway):
    /// clocks until the device lets SDA go, then STOP.
    fn recover(&mut self) -> Result<(), Error> {
        self.sda(true);
        let mut pulses = 0;
        while !self.sda_high() {
            if pulses == 9 {
                return Err(Error::Bus);
            }
            self.scl_low();
            self.delay();
            self.scl_release()?;
            self.delay();
            pulses += 1;
        }
        self.scl_low();
        self.stop()
    }

    /// Sends `byte` MSB first; true when the device acknowledged it.
    fn write_byte(&self, byte: u8) -> Result<bool, Error> {
        for bit in (0..8).rev() {
            let one = byte & (1 << bit) != 0;
            let sampled = self.clock(one)?;
            if one && !sampled {
                self.sda(true);
                return Err(Error::ArbitrationLoss);
            }
        }
        Ok(!self.clock(true)?)
    }

    /// Receives a byte MSB first, then ACKs (`ack`) or NACKs it.
    fn read_byte(&self, ack: bool) -> Result<u8, Error> {
        let mut byte = 0;
        for _ in 0..8 {
            byte = (byte << 1) | u8::from(self.clock(true)?);
        }
        self.clock(!ack)?;
        Ok(byte)
    }

    /// The whole transaction; `pace` yields to the executor after each byte.
    async fn run(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
        pace: bool,
    ) -> Result<(), Error> {
        if address > 0x7F {
            return Err(Error::InvalidAddress);
        }
        if self.dirty || !self.sda_high() {
            self.recover()?;
        }
        let result = self.run_operations(address, operations, pace).await;
        if self.dirty {
            // After an error too: leave the bus idle. The first error is the one reported.
            let stopped = self.stop();
            result?;
            stopped
        } else {
            result
        }
    }

    async fn run_operations(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
        pace: bool,
    ) -> Result<(), Error> {
        // Direction of the previous non-empty-read operation: `Some(true)` for reading.
        let mut previous: Option<bool> = None;
        let count = operations.len();
        for i in 0..count {
            let reading = matches!(operations[i], Operation::Read(_));
            if let Operation::Read(buf) = &operations[i] {
                if buf.is_empty() {
                    continue; // nothing to move, and no way to read zero bytes on I2C
                }
            }
            if previous != Some(reading) {
                self.start()?;
                if !self.write_byte((address << 1) | u8::from(reading))? {
                    return Err(Error::NoAcknowledge(NoAcknowledgeSource::Address));
                }
                pause(pace).await;
            }
            previous = Some(reading);
            // The last byte of a read is NACKed unless a read follows (merged).
            let read_follows = operations[i + 1..].iter().find_map(|op| match op {
                Operation::Read([]) => None,
                Operation::Read(_) => Some(true),
                Operation::Write(_) => Some(false),
            }) == Some(true);
            match &mut operations[i] {
                Operation::Write(bytes) => {
                    for &byte in bytes.iter() {
                        if !self.write_byte(byte)? {
                            return Err(Error::NoAcknowledge(NoAcknowledgeSource::Data));
                        }
                        pause(pace).await;
                    }
                }
                Operation::Read(buf) => {
                    let last = buf.len() - 1;
                    for (j, slot) in buf.iter_mut().enumerate() {
                        *slot = self.read_byte(j < last || read_follows)?;
                        pause(pace).await;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Lets the other tasks run once (when `pace`): wakes itself and returns `Pending` once.
async fn pause(pace: bool) {
    if !pace {
        return;
    }
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Runs a future that never returns `Pending` (the unpaced transaction) to completion.
fn run_unpaced<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn half_period(frequency: u32) -> u32 {
    if frequency == 0 {
        return SYSCLK_HZ; // 0 Hz cannot be met: the slowest sensible rate, 0.5 Hz
    }
    SYSCLK_HZ / frequency.saturating_mul(2)
}

fn read_reg(base: usize, offset: usize) -> u32 {
    // SAFETY: `base` is one of the SBCon register blocks listed in `instances!` and
    // `offset` a word-aligned register in it: device memory, no Rust object lives there.
    unsafe { ptr::read_volatile((base + offset) as *const u32) }
}

fn write_reg(base: usize, offset: usize, value: u32) {
    // SAFETY: as in `read_reg`.
    unsafe { ptr::write_volatile((base + offset) as *mut u32, value) }
}

impl embedded_hal::i2c::ErrorType for I2c {
    type Error = Error;
}

impl embedded_hal::i2c::I2c<SevenBitAddress> for I2c {
    fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), Error> {
        run_unpaced(self.run(address, operations, false))
    }
}

impl embedded_hal_async::i2c::I2c<SevenBitAddress> for I2c {
    async fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Error> {
        self.run(address, operations, true).await
    }
}
