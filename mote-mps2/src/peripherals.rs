//! Ownership of the board's peripherals: [`Peripherals::take`] hands out one zero-sized
//! token per peripheral, once per program, and drivers consume the tokens. Two drivers
//! for one peripheral therefore need `unsafe` ([`Peripherals::steal`]).
//!
//! Guarantees: `take` returns `Some` exactly once (the check and the claim run in one
//! critical section, so this also holds on thumbv6m and against interrupt handlers).

use core::sync::atomic::{AtomicBool, Ordering};

use crate::eth::ETH;
use crate::fpgaio::Led;
use crate::i2c::{I2C0, I2C1, I2C2, I2C3};
use crate::serial::{UART0, UART1, UART2, UART3, UART4};
use crate::spi::{SPI0, SPI1, SPI2, SPI3, SPI4};
use crate::timer::{TIMER0, TIMER1};

static TAKEN: AtomicBool = AtomicBool::new(false);

/// One token per peripheral the HAL drives.
///
/// ```no_run
/// let p = mote_mps2::Peripherals::take().unwrap();
/// assert!(mote_mps2::Peripherals::take().is_none());
/// # let _ = p;
/// ```
#[allow(non_snake_case)]
#[derive(Debug)]
pub struct Peripherals {
    /// CMSDK UART 0 (QEMU's first `-serial`, stdio in `cargo xtask` runs).
    pub UART0: UART0,
    /// CMSDK UART 1.
    pub UART1: UART1,
    /// CMSDK UART 2.
    pub UART2: UART2,
    /// CMSDK UART 3.
    pub UART3: UART3,
    /// CMSDK UART 4.
    pub UART4: UART4,
    /// CMSDK timer 0.
    pub TIMER0: TIMER0,
    /// CMSDK timer 1.
    pub TIMER1: TIMER1,
    /// PL022 SPI controller 0 (`0x4002_0000`).
    pub SPI0: SPI0,
    /// PL022 SPI controller 1 (`0x4002_1000`).
    pub SPI1: SPI1,
    /// PL022 SPI controller 2 (`0x4002_5000`).
    pub SPI2: SPI2,
    /// PL022 SPI controller 3 (`0x4002_6000`).
    pub SPI3: SPI3,
    /// PL022 SPI controller 4 (`0x4002_7000`; QEMU's `-device <flash>,bus=ssi` lands here).
    pub SPI4: SPI4,
    /// SBCon I2C interface 0 (`0x4002_2000`).
    pub I2C0: I2C0,
    /// SBCon I2C interface 1 (`0x4002_3000`).
    pub I2C1: I2C1,
    /// SBCon I2C interface 2 (`0x4002_9000`).
    pub I2C2: I2C2,
    /// SBCon I2C interface 3 (`0x4002_A000`; QEMU's `-device tmp105` lands here).
    pub I2C3: I2C3,
    /// The LAN9118 Ethernet controller.
    pub ETH: ETH,
    /// User LED 0 of the FPGA I/O block.
    pub LED0: Led<0>,
    /// User LED 1 of the FPGA I/O block.
    pub LED1: Led<1>,
}

impl Peripherals {
    /// The tokens, the first time; `None` afterwards.
    pub fn take() -> Option<Self> {
        critical_section::with(|_| {
            if TAKEN.load(Ordering::Relaxed) {
                None
            } else {
                TAKEN.store(true, Ordering::Relaxed);
                // SAFETY: `TAKEN` was clear, and is now set, inside one critical section:
                // this is the only set of tokens handed out by `take`.
                Some(unsafe { Self::steal() })
            }
        })
    }

    /// The tokens, whether or not they were taken before.
    ///
    /// # Safety
    /// Two drivers for one peripheral must not be used at once: each assumes it owns the
    /// registers (and the interrupt state) of its peripheral.
    pub unsafe fn steal() -> Self {
        Self {
            UART0: UART0 { _private: () },
            UART1: UART1 { _private: () },
            UART2: UART2 { _private: () },
            UART3: UART3 { _private: () },
            UART4: UART4 { _private: () },
            TIMER0: TIMER0 { _private: () },
            TIMER1: TIMER1 { _private: () },
            SPI0: SPI0 { _private: () },
            SPI1: SPI1 { _private: () },
            SPI2: SPI2 { _private: () },
            SPI3: SPI3 { _private: () },
            SPI4: SPI4 { _private: () },
            I2C0: I2C0 { _private: () },
            I2C1: I2C1 { _private: () },
            I2C2: I2C2 { _private: () },
            I2C3: I2C3 { _private: () },
            ETH: ETH { _private: () },
            LED0: Led { _private: () },
            LED1: Led { _private: () },
        }
    }
}
