//! The five ARM PL022 SPI controllers of the MPS2 AN385/AN386 as SPI masters: [`Spi`]
//! implements the async `embedded_hal_async::spi::SpiBus<u8>` (interrupt-driven) and the
//! blocking `embedded_hal::spi::SpiBus<u8>`.
//!
//! | token | base | line (QEMU 7.2, measured) | QEMU's use |
//! | --- | --- | --- | --- |
//! | [`SPI0`] | `0x4002_0000` | `SPI` (11), shared with `SPI1` | |
//! | [`SPI1`] | `0x4002_1000` | `SPI` (11), shared with `SPI0` | |
//! | [`SPI2`] | `0x4002_5000` | `ADCSPI` (22) | |
//! | [`SPI3`] | `0x4002_6000` | `PORT0_0` (24), shared with `SPI4` | |
//! | [`SPI4`] | `0x4002_7000` | `PORT0_0` (24), shared with `SPI3` | `-device <flash>,bus=ssi` lands here |
//!
//! The lines were measured by enabling each controller's transmit interrupt and reading
//! the NVIC's pending register (QEMU 7.2). Two controllers on one line each bind their own
//! handler to it (`PORT0_0 => spi::InterruptHandler<SPI3>, spi::InterruptHandler<SPI4>;`);
//! each handler only acts when its own controller raised the line.
//!
//! Guarantees:
//! - Every transfer moves exactly `max(read.len(), write.len())` frames (8 bits, MSB
//!   first), in order; bytes written past the end of `write` are `0x00`, bytes received
//!   past the end of `read` are dropped (the embedded-hal contract).
//! - The receive FIFO never overflows: at most [`FIFO_DEPTH`] frames are in flight (sent
//!   and not yet read back), so the 8-entry receive FIFO always has room.
//! - A transfer returns when its last frame has been received, so the bus is idle
//!   (`flush` has nothing to wait for).
//! - The async driver cannot be built unless the controller's line calls its
//!   [`InterruptHandler`] ([`bind_interrupts!`](crate::bind_interrupts)).
//!
//! How the async transfer waits (per controller, one task at a time: `&mut self`):
//!
//! ```text
//!  poll: drain RX FIFO ─► fill TX FIFO (≤ 8 in flight) ─► all received? ─► Ready
//!          ▲                                                 │ no, nothing to read
//!          │                                  register waker; IMSC = RXIM | RTIM;
//!          │                                  re-check RX FIFO (lost-wake guard)
//!          └──── IRQ: RX FIFO ≥ 4 (RXIM) or idle with data (RTIM): IMSC = 0, wake
//! ```
//!
//! Clock: SSPCLK is the 25 MHz APB clock; the bit rate is `25 MHz / (CPSDVSR × (1 + SCR))`
//! with CPSDVSR even in 2..=254 and SCR in 0..=255, so 12.5 MHz down to about 385 Hz.
//! [`Config::frequency`] is a ceiling: the driver picks the fastest rate not above it and
//! [`Spi::frequency`] tells which.
//!
//! Cancel safety: not cancel-safe. Dropping a transfer future midway leaves up to 8
//! frames in flight; the next transfer first waits for the controller to go idle and
//! discards what they brought back, so the next transfer's data is unaffected, but the
//! dropped transfer sent an unknown prefix of its bytes.
//!
//! Chip select: the PL022's SSPFSSOUT pin is not connected to anything in QEMU (a flash
//! attached with `-device w25q64,bus=ssi` is selected for ever), and on the board it is
//! a GPIO matter. Per-device chip select belongs to an `SpiDevice` over this bus
//! (`shared_bus::SpiDevice`, which takes any `OutputPin`). Without one, a flash model
//! answers a JEDEC ID command and returns to idle, but a read-data command never ends
//! (`examples/src/bin/test_spi.rs` shows both).
//!
//! Costs, measured (release, `opt-level = "s"`, LTO; QEMU 7.2):
//! - code: +1 984 bytes of `.text` + `.rodata` on thumbv7m and on thumbv6m for a firmware
//!   that uses `Spi::new` with the async and the blocking `transfer` and
//!   `transfer_in_place`, over the same firmware without them (the interrupt handler is
//!   in both);
//! - CPU: 39 instructions per byte for the async `transfer`, 35 for the blocking `write`
//!   (thumbv7m; 48 and 43 on thumbv6m): 64 KiB in 4 KiB loopback transfers timed with
//!   `mote::time` under `-icount shift=0` (1 ns of virtual time per instruction), printed
//!   by `examples/src/bin/test_spi.rs`. QEMU moves a frame the moment it is written, so
//!   this is the driver's own cost per byte; on hardware a task waiting for a slower bus
//!   adds one interrupt and one poll per 4 bytes (the RX FIFO half-full level) and
//!   leaves the CPU to other tasks in between.
//!
//! What QEMU does not model (so no test here exercises it): the bit rate (a frame
//! completes the moment it is written to the data register), the receive-timeout
//! interrupt (RTIM), the receive overrun, clock polarity and phase (accepted, ignored).
//! In QEMU a transfer therefore never waits on its own; `test_spi` forces the wait path
//! by stopping the controller (SSPCR1.SSE = 0: QEMU then holds frames in the TX FIFO)
//! mid-transfer and checks that restarting it runs the handler and completes the
//! transfer. The receive-timeout wake (fewer than 4 frames left) stays untested.

use core::future::poll_fn;
use core::marker::PhantomData;
use core::ptr;
use core::task::Poll;

use cortex_m::peripheral::NVIC;
use embedded_hal::spi::{Mode, Phase, Polarity, MODE_0};

use crate::binding::{line, Binding, Handler, Line};
use crate::wakers::LineWaker;

/// Frames the PL022 FIFOs hold each way, and the most the driver keeps in flight.
pub const FIFO_DEPTH: usize = 8;

/// The controller's clock (SSPCLK), the APB clock of the board.
pub const SSPCLK_HZ: u32 = crate::uart::PCLK_HZ;

const CR0: usize = 0x00;
const CR1: usize = 0x04;
const DR: usize = 0x08;
const SR: usize = 0x0C;
const CPSR: usize = 0x10;
const IMSC: usize = 0x14;
const RIS: usize = 0x18;
const MIS: usize = 0x1C;
const ICR: usize = 0x20;

const CR0_DSS_8BIT: u32 = 7;
const CR0_SPO: u32 = 1 << 6;
const CR0_SPH: u32 = 1 << 7;
const CR1_LBM: u32 = 1 << 0;
const CR1_SSE: u32 = 1 << 1;
const SR_TNF: u32 = 1 << 1;
const SR_RNE: u32 = 1 << 2;
const SR_BSY: u32 = 1 << 4;
const INT_ROR: u32 = 1 << 0;
const INT_RT: u32 = 1 << 1;
const INT_RX: u32 = 1 << 2;

/// Bus settings.
///
/// ```
/// use mote_mps2::spi::Config;
/// let config = Config { frequency: 1_000_000, ..Config::default() };
/// assert_eq!(config.mode, embedded_hal::spi::MODE_0);
/// assert!(!config.loopback);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Highest acceptable bit rate, in Hz (the driver picks the fastest rate not above).
    pub frequency: u32,
    /// Clock polarity and phase.
    pub mode: Mode,
    /// Internal loopback (SSPCR1.LBM): the transmit shifter feeds the receive shifter and
    /// nothing leaves the controller. For tests.
    pub loopback: bool,
}

impl Default for Config {
    /// 1 MHz, mode 0, no loopback.
    fn default() -> Self {
        Self {
            frequency: 1_000_000,
            mode: MODE_0,
            loopback: false,
        }
    }
}

/// A [`Config`] the controller cannot meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// Below the slowest rate, `SSPCLK_HZ / (254 × 256)` (about 385 Hz).
    FrequencyTooLow,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SPI frequency below 385 Hz, the slowest the PL022 can clock at 25 MHz")
    }
}

impl core::error::Error for ConfigError {}

/// A transfer error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The receive FIFO overflowed (a frame was lost). The driver's flow control keeps
    /// this from happening; seeing it means something else drained or fed the FIFOs.
    Overrun,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SPI receive overrun: a received frame was lost")
    }
}

impl core::error::Error for Error {}

impl embedded_hal::spi::Error for Error {
    fn kind(&self) -> embedded_hal::spi::ErrorKind {
        embedded_hal::spi::ErrorKind::Overrun
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A PL022 instance of the board.
pub trait Instance: sealed::Sealed + 'static {
    /// Base address of the register block.
    const BASE: usize;
    /// The interrupt line QEMU wires the controller to.
    type Line: Line;
    #[doc(hidden)]
    fn waker() -> &'static LineWaker;
}

/// The interrupt handler of controller `T`; bind it to [`Instance::Line`].
#[derive(Debug)]
pub struct InterruptHandler<T: Instance> {
    _spi: PhantomData<T>,
}

impl<T: Instance> Handler<T::Line> for InterruptHandler<T> {
    unsafe fn on_interrupt() {
        // The line may be shared: act only if this controller raised it.
        if read_reg(T::BASE, MIS) != 0 {
            // Mask (RX and TX levels cannot be acknowledged, only masked) and clear the
            // timeout; the woken transfer re-enables what it waits for.
            write_reg(T::BASE, IMSC, 0);
            write_reg(T::BASE, ICR, INT_RT);
            T::waker().wake();
        }
    }
}

macro_rules! instances {
    ($($name:ident: $base:literal, $line:ident;)*) => {$(
        #[doc = concat!("Token of PL022 SPI controller `", stringify!($name), "` (base `",
            stringify!($base), "`, line `", stringify!($line), "`).")]
        #[derive(Debug)]
        pub struct $name {
            pub(crate) _private: (),
        }
        impl sealed::Sealed for $name {}
        impl Instance for $name {
            const BASE: usize = $base;
            type Line = line::$line;
            fn waker() -> &'static LineWaker {
                static WAKER: LineWaker = LineWaker::new();
                &WAKER
            }
        }
    )*};
}

instances! {
    SPI0: 0x4002_0000, SPI;
    SPI1: 0x4002_1000, SPI;
    SPI2: 0x4002_5000, ADCSPI;
    SPI3: 0x4002_6000, PORT0_0;
    SPI4: 0x4002_7000, PORT0_0;
}

fn read_reg(base: usize, offset: usize) -> u32 {
    // SAFETY: `base` is one of the PL022 register blocks listed in `instances!` and
    // `offset` a word-aligned register in it: device memory, no Rust object lives there.
    unsafe { ptr::read_volatile((base + offset) as *const u32) }
}

fn write_reg(base: usize, offset: usize, value: u32) {
    // SAFETY: as in `read_reg`.
    unsafe { ptr::write_volatile((base + offset) as *mut u32, value) }
}

/// The bit rate [`Spi::new`] picks for the ceiling `hz`: the fastest rate
/// `SSPCLK_HZ / (CPSDVSR × (1 + SCR))` not above it.
///
/// ```
/// use mote_mps2::spi::{rate_for, ConfigError};
/// assert_eq!(rate_for(100_000_000), Ok(12_500_000)); // the fastest: 25 MHz / 2
/// assert_eq!(rate_for(12_500_000), Ok(12_500_000));
/// assert_eq!(rate_for(1_000_000), Ok(961_538)); // 25 MHz / 26
/// assert_eq!(rate_for(400_000), Ok(390_625)); // 25 MHz / 64 (the divisor is even)
/// for hz in [10_000_000, 1_000_000, 9_600, 385] {
///     assert!(rate_for(hz).unwrap() <= hz);
/// }
/// assert_eq!(rate_for(300), Err(ConfigError::FrequencyTooLow));
/// assert_eq!(rate_for(0), Err(ConfigError::FrequencyTooLow));
/// ```
pub fn rate_for(hz: u32) -> Result<u32, ConfigError> {
    let (cpsdvsr, scr) = dividers(hz).ok_or(ConfigError::FrequencyTooLow)?;
    Ok(SSPCLK_HZ / (cpsdvsr * (scr + 1)))
}

/// The (CPSDVSR, SCR) pair giving the fastest rate not above `hz`, if any.
fn dividers(hz: u32) -> Option<(u32, u32)> {
    if hz == 0 {
        return None;
    }
    // Smallest total divisor meeting the ceiling: ceil(SSPCLK / hz).
    let total = SSPCLK_HZ.div_ceil(hz).max(2);
    let mut best: Option<(u32, u32, u32)> = None;
    for cpsdvsr in (2..=254).step_by(2) {
        let scr_plus_1 = total.div_ceil(cpsdvsr);
        if scr_plus_1 > 256 {
            continue;
        }
        let achieved = cpsdvsr * scr_plus_1;
        if best.is_none_or(|(_, _, b)| achieved < b) {
            best = Some((cpsdvsr, scr_plus_1 - 1, achieved));
        }
        if achieved == total {
            break;
        }
    }
    best.map(|(c, s, _)| (c, s))
}

/// The bytes of one transfer: where frame `i` comes from and where its answer goes.
enum Frames<'a> {
    Read(&'a mut [u8]),
    Write(&'a [u8]),
    Transfer(&'a mut [u8], &'a [u8]),
    InPlace(&'a mut [u8]),
}

impl Frames<'_> {
    fn len(&self) -> usize {
        match self {
            Frames::Read(r) => r.len(),
            Frames::Write(w) => w.len(),
            Frames::Transfer(r, w) => r.len().max(w.len()),
            Frames::InPlace(b) => b.len(),
        }
    }

    fn out(&self, i: usize) -> u8 {
        match self {
            Frames::Read(_) => 0,
            Frames::Write(w) | Frames::Transfer(_, w) => w.get(i).copied().unwrap_or(0),
            Frames::InPlace(b) => b[i],
        }
    }

    fn put(&mut self, i: usize, byte: u8) {
        match self {
            Frames::Read(r) | Frames::Transfer(r, _) | Frames::InPlace(r) => {
                if let Some(slot) = r.get_mut(i) {
                    *slot = byte;
                }
            }
            Frames::Write(_) => {}
        }
    }
}

/// A transfer in progress: `sent` frames written to the TX FIFO, `received` read back.
/// Invariant: `received <= sent <= frames.len()` and `sent - received <= FIFO_DEPTH`.
struct Transfer<'a> {
    base: usize,
    frames: Frames<'a>,
    sent: usize,
    received: usize,
}

impl<'a> Transfer<'a> {
    fn start(base: usize, frames: Frames<'a>) -> Self {
        // Leftovers of a dropped transfer: let them finish and discard their answers.
        while read_reg(base, SR) & SR_BSY != 0 {}
        while read_reg(base, SR) & SR_RNE != 0 {
            read_reg(base, DR);
        }
        write_reg(base, ICR, INT_ROR | INT_RT);
        Self {
            base,
            frames,
            sent: 0,
            received: 0,
        }
    }

    /// Moves every frame it can without waiting; true when all are received.
    fn pump(&mut self) -> bool {
        let len = self.frames.len();
        loop {
            let mut moved = false;
            while self.received < self.sent && read_reg(self.base, SR) & SR_RNE != 0 {
                let byte = read_reg(self.base, DR) as u8;
                self.frames.put(self.received, byte);
                self.received += 1;
                moved = true;
            }
            while self.sent < len
                && self.sent - self.received < FIFO_DEPTH
                && read_reg(self.base, SR) & SR_TNF != 0
            {
                write_reg(self.base, DR, u32::from(self.frames.out(self.sent)));
                self.sent += 1;
                moved = true;
            }
            if self.received == len {
                return true;
            }
            if !moved {
                return false;
            }
        }
    }

    fn result(&self) -> Result<(), Error> {
        if read_reg(self.base, RIS) & INT_ROR != 0 {
            write_reg(self.base, ICR, INT_ROR);
            return Err(Error::Overrun);
        }
        Ok(())
    }

    fn run_blocking(mut self) -> Result<(), Error> {
        while !self.pump() {}
        self.result()
    }

    async fn run(mut self, waker: &LineWaker) -> Result<(), Error> {
        poll_fn(|cx| loop {
            if self.pump() {
                return Poll::Ready(());
            }
            waker.register(cx.waker());
            write_reg(self.base, IMSC, INT_RX | INT_RT);
            // Lost-wake guard: a frame that arrived before the mask was set is seen here.
            if read_reg(self.base, SR) & SR_RNE == 0 {
                return Poll::Pending;
            }
            write_reg(self.base, IMSC, 0);
        })
        .await;
        self.result()
    }
}

/// A PL022 SPI master, 8-bit frames (Motorola SPI format).
///
/// ```no_run
/// use embedded_hal_async::spi::SpiBus;
/// use mote_mps2::{bind_interrupts, spi};
///
/// bind_interrupts!(struct Irqs {
///     PORT0_0 => spi::InterruptHandler<spi::SPI4>;
/// });
///
/// async fn jedec_id() -> Result<[u8; 3], spi::Error> {
///     let p = mote_mps2::Peripherals::take().unwrap();
///     let mut bus = spi::Spi::new(p.SPI4, Irqs, spi::Config::default()).unwrap();
///     let mut buf = [0x9F, 0, 0, 0];
///     bus.transfer_in_place(&mut buf).await?;
///     Ok([buf[1], buf[2], buf[3]])
/// }
/// ```
#[derive(Debug)]
pub struct Spi<M> {
    base: usize,
    waker: &'static LineWaker,
    frequency: u32,
    _mode: PhantomData<M>,
}

/// Marker of an interrupt-driven [`Spi`] (async and blocking traits).
#[derive(Debug)]
pub enum Async {}
/// Marker of a blocking-only [`Spi`] (no interrupt binding needed).
#[derive(Debug)]
pub enum Blocking {}

impl Spi<Async> {
    /// Takes controller `T`, configures it and unmasks its line (at its current NVIC
    /// priority). `_irqs` proves that the line calls [`InterruptHandler<T>`].
    pub fn new<T: Instance>(
        spi: T,
        _irqs: impl Binding<T::Line, InterruptHandler<T>>,
        config: Config,
    ) -> Result<Self, ConfigError> {
        let this = Self::configure(spi, config)?;
        // SAFETY: the binding proves the line runs this driver's handler, which touches
        // only controllers whose interrupt mask their own driver set; no critical section
        // relies on this line being masked.
        unsafe { NVIC::unmask(T::Line::INTERRUPT) };
        Ok(this)
    }
}

impl Spi<Blocking> {
    /// Takes controller `T` for blocking use only: no interrupt is involved.
    ///
    /// ```no_run
    /// use embedded_hal::spi::SpiBus;
    /// use mote_mps2::spi;
    ///
    /// let p = mote_mps2::Peripherals::take().unwrap();
    /// let config = spi::Config { loopback: true, ..spi::Config::default() };
    /// let mut bus = spi::Spi::new_blocking(p.SPI0, config).unwrap();
    /// let mut buf = [1, 2, 3];
    /// bus.transfer_in_place(&mut buf).unwrap();
    /// assert_eq!(buf, [1, 2, 3]);
    /// ```
    pub fn new_blocking<T: Instance>(spi: T, config: Config) -> Result<Self, ConfigError> {
        Self::configure(spi, config)
    }
}

impl<M> Spi<M> {
    fn configure<T: Instance>(_spi: T, config: Config) -> Result<Self, ConfigError> {
        let (cpsdvsr, scr) = dividers(config.frequency).ok_or(ConfigError::FrequencyTooLow)?;
        let mut cr0 = CR0_DSS_8BIT | (scr << 8);
        if config.mode.polarity == Polarity::IdleHigh {
            cr0 |= CR0_SPO;
        }
        if config.mode.phase == Phase::CaptureOnSecondTransition {
            cr0 |= CR0_SPH;
        }
        let base = T::BASE;
        write_reg(base, CR1, 0);
        write_reg(base, IMSC, 0);
        write_reg(base, CR0, cr0);
        write_reg(base, CPSR, cpsdvsr);
        let lbm = if config.loopback { CR1_LBM } else { 0 };
        write_reg(base, CR1, CR1_SSE | lbm);
        Ok(Self {
            base,
            waker: T::waker(),
            frequency: SSPCLK_HZ / (cpsdvsr * (scr + 1)),
            _mode: PhantomData,
        })
    }

    /// The bit rate the controller runs at, in Hz (at most [`Config::frequency`]).
    pub fn frequency(&self) -> u32 {
        self.frequency
    }
}

impl<M> embedded_hal::spi::ErrorType for Spi<M> {
    type Error = Error;
}

impl<M> embedded_hal::spi::SpiBus<u8> for Spi<M> {
    fn read(&mut self, words: &mut [u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::Read(words)).run_blocking()
    }

    fn write(&mut self, words: &[u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::Write(words)).run_blocking()
    }

    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::Transfer(read, write)).run_blocking()
    }

    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::InPlace(words)).run_blocking()
    }

    fn flush(&mut self) -> Result<(), Error> {
        Ok(()) // every transfer returns once its last frame is back
    }
}

impl embedded_hal_async::spi::SpiBus<u8> for Spi<Async> {
    async fn read(&mut self, words: &mut [u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::Read(words))
            .run(self.waker)
            .await
    }

    async fn write(&mut self, words: &[u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::Write(words))
            .run(self.waker)
            .await
    }

    async fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::Transfer(read, write))
            .run(self.waker)
            .await
    }

    async fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Error> {
        Transfer::start(self.base, Frames::InPlace(words))
            .run(self.waker)
            .await
    }

    async fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}
