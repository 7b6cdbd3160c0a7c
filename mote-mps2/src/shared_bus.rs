//! Buses shared by several drivers: one handle per device, each implementing the
//! embedded-hal device traits, all serialised by one Mote mutex around the bus.
//!
//! | handle | bus inside | lock | implements |
//! | --- | --- | --- | --- |
//! | [`I2cDevice`] | async `I2c` | [`mote::sync::mutex::Mutex`] (tasks wait in FIFO order) | async `I2c` |
//! | [`SpiDevice`] | async `SpiBus` + a chip-select `OutputPin` | the same | async `SpiDevice` |
//! | [`BlockingI2cDevice`] | blocking `I2c` in a `RefCell` | [`mote::sync::blocking_mutex::Mutex`] | blocking `I2c` |
//! | [`BlockingSpiDevice`] | blocking `SpiBus` + chip select | the same | blocking `SpiDevice` |
//!
//! Guarantees:
//! - A transaction holds the lock from its first bus operation to its last (and, on SPI,
//!   from chip-select low to chip-select high), so transactions of different handles
//!   never interleave on the wire, even when the bus driver yields in the middle (Mote's
//!   I2C yields after every byte).
//! - Async handles take the lock in FIFO order: a driver that keeps using the bus cannot
//!   starve another handle.
//! - Errors are values: the bus's error as [`DeviceError::Bus`], the chip-select pin's as
//!   [`DeviceError::ChipSelect`]; a blocking handle used from inside its own bus
//!   operation (reentrancy, which only a bus driver calling back into its handle could
//!   do) is [`DeviceError::Reentrant`] instead of a panic.
//!
//! Cancel safety (async handles): dropping a transaction future while it waits for the
//! lock is harmless (it leaves the queue); dropping it midway releases the lock with the
//! bus wherever the bus driver left it (Mote's I2C recovers at its next transaction,
//! Mote's SPI waits for and discards the dropped transfer's frames). An SPI device is
//! deselected (its chip select raised) as the future drops, before the lock is released,
//! so the next transaction on the bus never reaches two selected devices.
//!
//! Chip select on the MPS2 in QEMU: the PL022's own select line is not wired, so the pin
//! is any `OutputPin` (a GPIO on hardware; the FPGA LEDs serve in QEMU tests).
//!
//! ```no_run
//! use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
//! use mote::sync::mutex::Mutex;
//! use mote_mps2::i2c::{Config, I2c};
//! use mote_mps2::shared_bus::I2cDevice;
//!
//! static BUS: mote::sync::once_lock::OnceLock<Mutex<CriticalSectionRawMutex, I2c>> =
//!     mote::sync::once_lock::OnceLock::new();
//!
//! async fn two_drivers() {
//!     let p = mote_mps2::Peripherals::take().unwrap();
//!     let bus = BUS.get_or_init(|| Mutex::new(I2c::new(p.I2C3, Config::default())));
//!     let mut sensor = I2cDevice::new(bus); // for one task
//!     let mut other = I2cDevice::new(bus); // for another
//!     # use embedded_hal_async::i2c::I2c as _;
//!     let mut raw = [0; 2];
//!     sensor.write_read(0x48, &[0], &mut raw).await.unwrap();
//!     other.write(0x49, &[1, 0x60]).await.unwrap();
//! }
//! ```

use core::cell::RefCell;
use core::fmt;

use embedded_hal::digital::OutputPin;
use embedded_hal::i2c::{Operation as I2cOperation, SevenBitAddress};
use embedded_hal::spi::Operation as SpiOperation;
use mote::sync::blocking_mutex::raw::RawMutex;
use mote::sync::blocking_mutex::Mutex as BlockingMutex;
use mote::sync::mutex::Mutex;
use mote::time::Delay;

/// An error of a shared-bus handle.
///
/// ```
/// use embedded_hal::i2c::{Error as _, ErrorKind, NoAcknowledgeSource};
/// use mote_mps2::shared_bus::DeviceError;
/// let e: DeviceError<mote_mps2::i2c::Error> =
///     DeviceError::Bus(mote_mps2::i2c::Error::NoAcknowledge(NoAcknowledgeSource::Data));
/// assert_eq!(e.kind(), ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError<BUS, CS = core::convert::Infallible> {
    /// The bus driver's error.
    Bus(BUS),
    /// The chip-select pin's error.
    ChipSelect(CS),
    /// A blocking handle was used from inside an operation on the same bus.
    Reentrant,
}

impl<BUS: fmt::Debug, CS: fmt::Debug> fmt::Display for DeviceError<BUS, CS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceError::Bus(e) => write!(f, "bus error: {e:?}"),
            DeviceError::ChipSelect(e) => write!(f, "chip-select pin error: {e:?}"),
            DeviceError::Reentrant => f.write_str("shared bus used from inside its own operation"),
        }
    }
}

impl<BUS: embedded_hal::i2c::Error, CS: fmt::Debug> embedded_hal::i2c::Error
    for DeviceError<BUS, CS>
{
    fn kind(&self) -> embedded_hal::i2c::ErrorKind {
        match self {
            DeviceError::Bus(e) => e.kind(),
            _ => embedded_hal::i2c::ErrorKind::Other,
        }
    }
}

impl<BUS: embedded_hal::spi::Error, CS: fmt::Debug> embedded_hal::spi::Error
    for DeviceError<BUS, CS>
{
    fn kind(&self) -> embedded_hal::spi::ErrorKind {
        match self {
            DeviceError::Bus(e) => e.kind(),
            DeviceError::ChipSelect(_) => embedded_hal::spi::ErrorKind::ChipSelectFault,
            DeviceError::Reentrant => embedded_hal::spi::ErrorKind::Other,
        }
    }
}

/// One device's handle on an async I2C bus shared through a Mote [`Mutex`].
pub struct I2cDevice<'a, M: RawMutex, BUS> {
    bus: &'a Mutex<M, BUS>,
}

impl<'a, M: RawMutex, BUS> I2cDevice<'a, M, BUS> {
    /// A handle on `bus`; make one per driver (they are cheap: one reference).
    pub fn new(bus: &'a Mutex<M, BUS>) -> Self {
        Self { bus }
    }
}

impl<M: RawMutex, BUS: embedded_hal::i2c::ErrorType> embedded_hal::i2c::ErrorType
    for I2cDevice<'_, M, BUS>
{
    type Error = DeviceError<BUS::Error>;
}

impl<M: RawMutex, BUS: embedded_hal_async::i2c::I2c> embedded_hal_async::i2c::I2c
    for I2cDevice<'_, M, BUS>
{
    async fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [I2cOperation<'_>],
    ) -> Result<(), Self::Error> {
        let mut bus = self.bus.lock().await;
        bus.transaction(address, operations)
            .await
            .map_err(DeviceError::Bus)
    }
}

/// One device's handle on a blocking I2C bus shared through a Mote blocking mutex.
///
/// ```no_run
/// use core::cell::RefCell;
/// use embedded_hal::i2c::I2c as _;
/// use mote::sync::blocking_mutex::{raw::CriticalSectionRawMutex, Mutex};
/// use mote_mps2::i2c::{Config, I2c};
/// use mote_mps2::shared_bus::BlockingI2cDevice;
///
/// let p = mote_mps2::Peripherals::take().unwrap();
/// let bus: Mutex<CriticalSectionRawMutex, _> =
///     Mutex::new(RefCell::new(I2c::new(p.I2C3, Config::default())));
/// let (mut a, mut b) = (BlockingI2cDevice::new(&bus), BlockingI2cDevice::new(&bus));
/// a.write(0x48, &[0x01, 0x60]).unwrap();
/// b.write(0x49, &[0x01, 0x60]).unwrap();
/// ```
pub struct BlockingI2cDevice<'a, M: RawMutex, BUS> {
    bus: &'a BlockingMutex<M, RefCell<BUS>>,
}

impl<'a, M: RawMutex, BUS> BlockingI2cDevice<'a, M, BUS> {
    /// A handle on `bus`.
    pub fn new(bus: &'a BlockingMutex<M, RefCell<BUS>>) -> Self {
        Self { bus }
    }
}

impl<M: RawMutex, BUS: embedded_hal::i2c::ErrorType> embedded_hal::i2c::ErrorType
    for BlockingI2cDevice<'_, M, BUS>
{
    type Error = DeviceError<BUS::Error>;
}

impl<M: RawMutex, BUS: embedded_hal::i2c::I2c> embedded_hal::i2c::I2c
    for BlockingI2cDevice<'_, M, BUS>
{
    fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [I2cOperation<'_>],
    ) -> Result<(), Self::Error> {
        self.bus.lock(|cell| {
            let mut bus = cell.try_borrow_mut().map_err(|_| DeviceError::Reentrant)?;
            bus.transaction(address, operations)
                .map_err(DeviceError::Bus)
        })
    }
}

/// One device's handle on an async SPI bus shared through a Mote [`Mutex`], with its own
/// chip-select pin (active low). A transaction dropped midway deselects the device before
/// it releases the lock, so the bus's other devices never share a transaction with it.
///
/// ```no_run
/// use embedded_hal_async::spi::SpiDevice as _;
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::mutex::Mutex;
/// use mote_mps2::fpgaio::Output;
/// use mote_mps2::shared_bus::SpiDevice;
/// use mote_mps2::spi::{Async, Spi};
///
/// async fn jedec_id(bus: &Mutex<CriticalSectionRawMutex, Spi<Async>>, cs: Output) -> [u8; 4] {
///     let Ok(mut flash) = SpiDevice::new(bus, cs); // an `Output` cannot fail
///     let mut id = [0x9F, 0, 0, 0];
///     flash.transfer_in_place(&mut id).await.unwrap();
///     id
/// }
/// ```
pub struct SpiDevice<'a, M: RawMutex, BUS, CS> {
    bus: &'a Mutex<M, BUS>,
    cs: CS,
}

impl<'a, M: RawMutex, BUS, CS: OutputPin> SpiDevice<'a, M, BUS, CS> {
    /// A handle on `bus` selecting the device with `cs` (driven high here: deselected).
    pub fn new(bus: &'a Mutex<M, BUS>, mut cs: CS) -> Result<Self, CS::Error> {
        cs.set_high()?;
        Ok(Self { bus, cs })
    }
}

impl<M: RawMutex, BUS: embedded_hal::spi::ErrorType, CS: OutputPin> embedded_hal::spi::ErrorType
    for SpiDevice<'_, M, BUS, CS>
{
    type Error = DeviceError<BUS::Error, CS::Error>;
}

impl<M: RawMutex, BUS: embedded_hal_async::spi::SpiBus, CS: OutputPin>
    embedded_hal_async::spi::SpiDevice for SpiDevice<'_, M, BUS, CS>
{
    async fn transaction(
        &mut self,
        operations: &mut [SpiOperation<'_, u8>],
    ) -> Result<(), Self::Error> {
        let mut bus = self.bus.lock().await;
        self.cs.set_low().map_err(DeviceError::ChipSelect)?;
        // Declared after `bus`, so dropped before it: a transaction dropped midway
        // deselects its device before the lock passes to another handle.
        let selected = Selected {
            cs: &mut self.cs,
            low: true,
        };
        let result = async {
            for op in operations {
                match op {
                    SpiOperation::Read(buf) => bus.read(buf).await,
                    SpiOperation::Write(buf) => bus.write(buf).await,
                    SpiOperation::Transfer(read, write) => bus.transfer(read, write).await,
                    SpiOperation::TransferInPlace(buf) => bus.transfer_in_place(buf).await,
                    SpiOperation::DelayNs(ns) => {
                        embedded_hal_async::delay::DelayNs::delay_ns(&mut Delay, *ns).await;
                        Ok(())
                    }
                }?;
            }
            bus.flush().await
        }
        .await
        .map_err(DeviceError::Bus);
        let deselected = selected.deselect().map_err(DeviceError::ChipSelect);
        result.and(deselected)
    }
}

/// A chip select driven low. [`deselect`](Selected::deselect) raises it at the end of a
/// transaction; dropping it raises it too, for a transaction future cancelled midway
/// (whose pin error, if any, has nobody to go to).
struct Selected<'a, CS: OutputPin> {
    cs: &'a mut CS,
    /// Still low: `Drop` must raise it.
    low: bool,
}

impl<CS: OutputPin> Selected<'_, CS> {
    fn deselect(mut self) -> Result<(), CS::Error> {
        self.low = false;
        self.cs.set_high()
    }
}

impl<CS: OutputPin> Drop for Selected<'_, CS> {
    fn drop(&mut self) {
        if self.low {
            let _ = self.cs.set_high();
        }
    }
}

/// One device's handle on a blocking SPI bus shared through a Mote blocking mutex, with
/// its own chip-select pin (active low). The whole transaction, `DelayNs` operations
/// included, runs inside the blocking mutex (with `CriticalSectionRawMutex`: with
/// interrupts off); prefer [`SpiDevice`] in tasks.
///
/// ```no_run
/// use core::cell::RefCell;
/// use embedded_hal::digital::PinState;
/// use embedded_hal::spi::SpiDevice as _;
/// use mote::sync::blocking_mutex::{raw::CriticalSectionRawMutex, Mutex};
/// use mote_mps2::fpgaio::Output;
/// use mote_mps2::shared_bus::BlockingSpiDevice;
/// use mote_mps2::spi::{Config, Spi};
///
/// let p = mote_mps2::Peripherals::take().unwrap();
/// let bus: Mutex<CriticalSectionRawMutex, _> =
///     Mutex::new(RefCell::new(Spi::new_blocking(p.SPI4, Config::default()).unwrap()));
/// let Ok(mut flash) = BlockingSpiDevice::new(&bus, Output::new(p.LED0, PinState::High));
/// let mut id = [0x9F, 0, 0, 0];
/// flash.transfer_in_place(&mut id).unwrap();
/// ```
pub struct BlockingSpiDevice<'a, M: RawMutex, BUS, CS> {
    bus: &'a BlockingMutex<M, RefCell<BUS>>,
    cs: CS,
}

impl<'a, M: RawMutex, BUS, CS: OutputPin> BlockingSpiDevice<'a, M, BUS, CS> {
    /// A handle on `bus` selecting the device with `cs` (driven high here: deselected).
    pub fn new(bus: &'a BlockingMutex<M, RefCell<BUS>>, mut cs: CS) -> Result<Self, CS::Error> {
        cs.set_high()?;
        Ok(Self { bus, cs })
    }
}

impl<M: RawMutex, BUS: embedded_hal::spi::ErrorType, CS: OutputPin> embedded_hal::spi::ErrorType
    for BlockingSpiDevice<'_, M, BUS, CS>
{
    type Error = DeviceError<BUS::Error, CS::Error>;
}

impl<M: RawMutex, BUS: embedded_hal::spi::SpiBus, CS: OutputPin> embedded_hal::spi::SpiDevice
    for BlockingSpiDevice<'_, M, BUS, CS>
{
    fn transaction(&mut self, operations: &mut [SpiOperation<'_, u8>]) -> Result<(), Self::Error> {
        let cs = &mut self.cs;
        self.bus.lock(|cell| {
            let mut bus = cell.try_borrow_mut().map_err(|_| DeviceError::Reentrant)?;
            cs.set_low().map_err(DeviceError::ChipSelect)?;
            let result = operations
                .iter_mut()
                .try_for_each(|op| match op {
                    SpiOperation::Read(buf) => bus.read(buf),
                    SpiOperation::Write(buf) => bus.write(buf),
                    SpiOperation::Transfer(read, write) => bus.transfer(read, write),
                    SpiOperation::TransferInPlace(buf) => bus.transfer_in_place(buf),
                    SpiOperation::DelayNs(ns) => {
                        embedded_hal::delay::DelayNs::delay_ns(&mut Delay, *ns);
                        Ok(())
                    }
                })
                .and_then(|()| bus.flush())
                .map_err(DeviceError::Bus);
            let deselected = cs.set_high().map_err(DeviceError::ChipSelect);
            result.and(deselected)
        })
    }
}
