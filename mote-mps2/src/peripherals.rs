//! Ownership of the board's peripherals: [`Peripherals::take`] hands out one zero-sized
//! token per peripheral, once per program, and drivers consume the tokens. Two drivers
//! for one peripheral therefore need `unsafe` ([`Peripherals::steal`]).
//!
//! Guarantees: `take` returns `Some` exactly once (the check and the claim run in one
//! critical section, so this also holds on thumbv6m and against interrupt handlers).

use core::sync::atomic::{AtomicBool, Ordering};

use crate::eth::ETH;
use crate::fpgaio::Led;
use crate::serial::{UART0, UART1, UART2, UART3, UART4};
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
            ETH: ETH { _private: () },
            LED0: Led { _private: () },
            LED1: Led { _private: () },
        }
    }
}
