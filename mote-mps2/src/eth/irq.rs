//! The LAN9118's interrupt handler and the state it shares with the driver: one waker
//! slot per waiting party (receive, transmit room, link) and the link-changed flag.
//!
//! The hand-over, for each source `S` (RX: `RSFL`, TX: `TDFA`, link: `PHY`):
//!
//! ```text
//! driver (task)                              handler (ETHERNET line)
//! 1. nothing to do: register waker
//! 2. ack S in INT_STS, enable S in INT_EN
//! 3. re-check the FIFO/flag: ready? go on     4. S & INT_EN fires: disable S in INT_EN,
//!                                                ack it, (link: set LINK_CHANGED), wake
//! ```
//!
//! A source is enabled in `INT_EN` only while someone waits for it, so the level-driven
//! line never stays asserted and a busy link costs no interrupt per frame. A wake is never
//! lost: step 3 runs after step 2, so an event before step 2 is seen by step 3 and an
//! event after it raises the interrupt (see [`wakers`](crate::wakers) for the pattern).

use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::regs;
use crate::binding::{line, Handler};
use crate::wakers::LineWaker;

/// Woken when a received frame waits in the RX FIFO.
pub(super) static RX_WAKER: LineWaker = LineWaker::new();
/// Woken when the TX FIFO has room for a whole frame again.
pub(super) static TX_WAKER: LineWaker = LineWaker::new();
/// Woken when the PHY reports a link change.
pub(super) static LINK_WAKER: LineWaker = LineWaker::new();

/// Set by the handler (PHY interrupt) and by `Lan9118::new`; cleared only by the driver's
/// `link_state`. The handler sets it only while `INT_PHY` is enabled, and the driver
/// clears it before enabling `INT_PHY` again, so a load followed by a store (no
/// read-modify-write, which ARMv6-M lacks) never loses a set.
pub(super) static LINK_CHANGED: AtomicBool = AtomicBool::new(false);

/// Receiver and transmitter error interrupts seen (`RXE`, `TXE`), for diagnostics.
pub(super) static ERRORS: AtomicU32 = AtomicU32::new(0);

/// The interrupt handler of the LAN9118; bind it to the `ETHERNET` line.
///
/// ```no_run
/// use mote_mps2::{bind_interrupts, eth};
///
/// bind_interrupts!(struct Irqs {
///     ETHERNET => eth::InterruptHandler;
/// });
/// ```
#[derive(Debug)]
pub struct InterruptHandler {
    _private: PhantomData<()>,
}

impl Handler<line::ETHERNET> for InterruptHandler {
    unsafe fn on_interrupt() {
        let pending = regs::read(regs::INT_STS) & regs::read(regs::INT_EN);
        // Disable what fired (the waiting party re-enables it), then acknowledge it: the
        // line drops as soon as no enabled status bit is set.
        let waited = pending & (regs::INT_RSFL | regs::INT_TDFA | regs::INT_PHY);
        if waited != 0 {
            regs::write(regs::INT_EN, regs::read(regs::INT_EN) & !waited);
        }
        regs::write(regs::INT_STS, pending);
        if pending & (regs::INT_RXE | regs::INT_TXE) != 0 {
            // Single writer: only this handler changes `ERRORS`.
            let n = ERRORS.load(Ordering::Relaxed);
            ERRORS.store(n.wrapping_add(1), Ordering::Relaxed);
        }
        if pending & regs::INT_PHY != 0 {
            LINK_CHANGED.store(true, Ordering::Release);
            LINK_WAKER.wake();
        }
        if pending & regs::INT_RSFL != 0 {
            RX_WAKER.wake();
        }
        if pending & regs::INT_TDFA != 0 {
            TX_WAKER.wake();
        }
    }
}
