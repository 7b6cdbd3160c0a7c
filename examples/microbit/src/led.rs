//! Two LEDs of the micro:bit's 5×5 LED matrix as embedded-hal output pins ([`Led`]),
//! on the nRF51 GPIO (base `0x5000_0000`).
//!
//! The matrix is wired as 3 row lines (P0.13–P0.15, anode side) and 9 column lines
//! (P0.04–P0.12, cathode side): an LED is lit when its row is high and its column low.
//! Both LEDs here share row 1, which [`Led::new`] drives high, so each LED is exactly its
//! own column line and the two never light each other (no multiplexing needed):
//!
//! ```text
//!   ROW1 (P0.13) ── high ──┬──────────────┐
//!                        LED0 ▼          LED1 ▼
//!                 COL1 (P0.04)       COL2 (P0.05)   low = lit, high = dark
//! ```
//!
//! Guarantees: `set_high` lights the LED and `set_low` darkens it; `is_set_high` reads
//! back the GPIO output register (`OUT`), so it reports what the pins drive. Pin
//! changes use `OUTSET`/`OUTCLR`/`DIRSET`, which touch only the named pins: the two
//! LEDs never disturb each other or other pins.

use core::convert::Infallible;
use core::ptr::{read_volatile, write_volatile};

use embedded_hal::digital::{ErrorType, OutputPin, PinState, StatefulOutputPin};

const GPIO: usize = 0x5000_0000;
const OUT: usize = 0x504;
const OUTSET: usize = 0x508;
const OUTCLR: usize = 0x50C;
const DIRSET: usize = 0x518;

const ROW1: u32 = 13;

/// Which LED of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Row 1, column 1 (P0.13, P0.04).
    Led0,
    /// Row 1, column 2 (P0.13, P0.05).
    Led1,
}

impl Which {
    fn column(self) -> u32 {
        match self {
            Which::Led0 => 4,
            Which::Led1 => 5,
        }
    }
}

fn write(offset: usize, value: u32) {
    // SAFETY: GPIO Register Invariant: `GPIO + offset` is one of the nRF51 GPIO's 32-bit
    // registers named above (valid MMIO); the write-one-to-set/clear registers change
    // only the pins whose bits are set.
    unsafe { write_volatile((GPIO + offset) as *mut u32, value) }
}

fn read(offset: usize) -> u32 {
    // SAFETY: GPIO Register Invariant (see `write`); reading `OUT` has no side effect.
    unsafe { read_volatile((GPIO + offset) as *const u32) }
}

/// One matrix LED as an output pin: high = lit.
///
/// Nothing stops two `Led`s for the same [`Which`]; they would simply drive the same pin.
#[derive(Debug)]
pub struct Led {
    column: u32,
}

impl Led {
    /// Configures row 1 and the LED's column as outputs, row 1 high, and sets the LED to
    /// `initial` (`High` = lit).
    pub fn new(which: Which, initial: PinState) -> Led {
        let column = which.column();
        let mut led = Led { column };
        write(OUTSET, 1 << ROW1);
        led.set(initial);
        write(DIRSET, (1 << ROW1) | (1 << column));
        led
    }

    fn set(&mut self, state: PinState) {
        // Lit = column low.
        match state {
            PinState::High => write(OUTCLR, 1 << self.column),
            PinState::Low => write(OUTSET, 1 << self.column),
        }
    }
}

impl ErrorType for Led {
    type Error = Infallible;
}

impl OutputPin for Led {
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(PinState::High);
        Ok(())
    }

    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(PinState::Low);
        Ok(())
    }
}

impl StatefulOutputPin for Led {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        let out = read(OUT);
        Ok(out & (1 << ROW1) != 0 && out & (1 << self.column) == 0)
    }

    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        self.is_set_high().map(|lit| !lit)
    }
}
