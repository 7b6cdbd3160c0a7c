//! The bring-up both runtimes' mains share: takes the board's peripherals, starts the
//! SysTick [`meter`], lights nothing ([`leds::init`]), starts the LAN9118 and hands out
//! the stack's configuration and resources. A failure is printed on UART0 and ends the
//! run with `EXIT_FAILURE` (a firmware with no network has nothing to serve).

use embassy_net::{Config, StackResources};
use mote_mps2::binding::{line, Binding};
use mote_mps2::{eth, println};

use crate::once::Once;
use crate::{address, leds, meter, STACK_SOCKETS};

/// The stack's seed for TCP initial sequence numbers and ports. Fixed: QEMU has no
/// entropy source this firmware reads, and a test run wants the same run every time.
pub const SEED: u64 = 0x6d6f_7465_2d6e_6574;

static RESOURCES: Once<StackResources<STACK_SOCKETS>> = Once::new(StackResources::new());

/// What [`start`] hands to `embassy_net::new`.
pub struct Board {
    /// The started LAN9118.
    pub nic: eth::Lan9118,
    /// The stack's first configuration ([`address::config`]).
    pub config: Config,
    /// The stack's sockets and queues.
    pub resources: &'static mut StackResources<STACK_SOCKETS>,
}

/// Brings the board up, once; `irqs` proves `ETHERNET` is bound to the driver's handler.
pub fn start(irqs: impl Binding<line::ETHERNET, eth::InterruptHandler>) -> Board {
    let (Some(p), Some(resources)) = (mote_mps2::Peripherals::take(), RESOURCES.take()) else {
        println!("net: board::start called twice");
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    };
    if let Some(cp) = cortex_m::Peripherals::take() {
        meter::start(cp.SYST);
    }
    leds::init(p.LED0, p.LED1);
    let nic = match eth::Lan9118::new(p.ETH, irqs) {
        Ok(nic) => nic,
        Err(e) => {
            println!("net: {}", e);
            mote_mps2::exit(mote_mps2::EXIT_FAILURE)
        }
    };
    Board {
        nic,
        config: address::config(),
        resources,
    }
}
