//! The user LEDs of the MPS2 FPGA I/O block (`FPGAIO`, base `0x4002_8000`; register `LED0`
//! at offset 0, one bit per LED: two LEDs on the AN385/AN386), as [`Output`] pins with
//! embedded-hal 1.0's [`OutputPin`] and [`StatefulOutputPin`].
//!
//! Guarantees:
//! - Only LEDs that exist can be named: [`Peripherals`](crate::Peripherals) holds `LED0`
//!   and `LED1`; `Led::<N>` with `N >= 2` fails to compile when used, and the run-time
//!   [`Output::by_index`] returns [`NoSuchLed`].
//! - Setting one LED never changes the other: the read-modify-write of the shared
//!   register runs in a critical section, so pins driven from different priorities
//!   cannot lose each other's updates.
//! - The state read back ([`StatefulOutputPin::is_set_high`]) is the register's, so it
//!   shows what the board shows.

use core::convert::Infallible;
use core::ptr;

use embedded_hal::digital::{ErrorType, OutputPin, PinState, StatefulOutputPin};

/// Address of the FPGAIO `LED0` register.
pub const LED_REGISTER: usize = 0x4002_8000;
/// Number of user LEDs on the AN385/AN386.
pub const LED_COUNT: u8 = 2;

/// The token of user LED `N` (from [`Peripherals`](crate::Peripherals)).
#[derive(Debug)]
pub struct Led<const N: u8> {
    pub(crate) _private: (),
}

impl<const N: u8> Led<N> {
    /// Evaluated where a `Led<N>` is turned into a pin: fails the build for `N >= 2`.
    const EXISTS: () = assert!(N < LED_COUNT, "the MPS2 board has LEDs 0 and 1 only");
}

/// An LED index given at run time names no LED of the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSuchLed(pub u8);

impl core::fmt::Display for NoSuchLed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "no LED {} (the board has {})", self.0, LED_COUNT)
    }
}

impl core::error::Error for NoSuchLed {}

/// One user LED as a push-pull output: high = lit.
///
/// ```no_run
/// use embedded_hal::digital::{OutputPin, StatefulOutputPin, PinState};
/// let p = mote_mps2::Peripherals::take().unwrap();
/// let mut led = mote_mps2::fpgaio::Output::new(p.LED0, PinState::Low);
/// led.set_high().unwrap();
/// led.toggle().unwrap();
/// assert!(led.is_set_low().unwrap());
/// ```
///
/// LED 2 does not exist, so this does not build:
///
/// ```compile_fail
/// use embedded_hal::digital::PinState;
/// // SAFETY: nothing else drives the LEDs in this example.
/// let led2 = unsafe { mote_mps2::fpgaio::Led::<2>::steal() };
/// let _ = mote_mps2::fpgaio::Output::new(led2, PinState::Low);
/// ```
#[derive(Debug)]
pub struct Output {
    mask: u32,
}

impl<const N: u8> Led<N> {
    /// The token of LED `N` without [`Peripherals::take`](crate::Peripherals::take).
    ///
    /// # Safety
    /// Sound in the memory-safety sense (the register is shared under a critical
    /// section); `unsafe` because two owners of one LED would fight over it.
    pub unsafe fn steal() -> Self {
        Led { _private: () }
    }
}

impl Output {
    /// LED `N` as an output, driven to `initial` at once.
    pub fn new<const N: u8>(led: Led<N>, initial: PinState) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Led::<N>::EXISTS;
        let _ = led;
        let mut out = Output { mask: 1 << N };
        out.set(initial);
        out
    }

    /// LED `index` as an output, or [`NoSuchLed`] if the board has no such LED. It does
    /// not check that something else drives the same LED (both would only see each
    /// other's changes).
    ///
    /// ```no_run
    /// use embedded_hal::digital::PinState;
    /// use mote_mps2::fpgaio::{NoSuchLed, Output};
    /// assert!(Output::by_index(1, PinState::Low).is_ok());
    /// assert_eq!(Output::by_index(2, PinState::Low).unwrap_err(), NoSuchLed(2));
    /// ```
    pub fn by_index(index: u8, initial: PinState) -> Result<Self, NoSuchLed> {
        if index >= LED_COUNT {
            return Err(NoSuchLed(index));
        }
        let mut out = Output { mask: 1 << index };
        out.set(initial);
        Ok(out)
    }

    fn set(&mut self, state: PinState) {
        critical_section::with(|_| {
            let value = read();
            write(match state {
                PinState::High => value | self.mask,
                PinState::Low => value & !self.mask,
            });
        });
    }

    fn is_high(&self) -> bool {
        read() & self.mask != 0
    }
}

/// All LEDs as a bit mask (bit n = LED n lit), for tests and status output.
///
/// ```no_run
/// assert!(mote_mps2::fpgaio::lit() < 4);
/// ```
pub fn lit() -> u32 {
    read() & ((1 << LED_COUNT) - 1)
}

fn read() -> u32 {
    // SAFETY: `LED_REGISTER` is the FPGAIO LED register, a word-aligned device register
    // outside any Rust object; reading it has no side effect.
    unsafe { ptr::read_volatile(LED_REGISTER as *const u32) }
}

fn write(value: u32) {
    // SAFETY: as in `read`; writing sets the LEDs and nothing else.
    unsafe { ptr::write_volatile(LED_REGISTER as *mut u32, value) }
}

impl ErrorType for Output {
    type Error = Infallible;
}

impl OutputPin for Output {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(PinState::Low);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(PinState::High);
        Ok(())
    }
}

impl StatefulOutputPin for Output {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.is_high())
    }

    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.is_high())
    }

    /// Inverts the LED in one critical section (no lost update against other pins).
    fn toggle(&mut self) -> Result<(), Infallible> {
        critical_section::with(|_| write(read() ^ self.mask));
        Ok(())
    }
}
