//! Ethernet: a driver for the SMSC LAN9118 of the MPS2 boards (QEMU: `-nic
//! user,model=lan9118,...`), implementing [`embassy_net_driver::Driver`], so smoltcp
//! (through a small `phy::Device` adapter) or embassy-net run over it.
//!
//! Guarantees:
//! - Interrupt-driven: when no frame waits, `receive` registers the caller's waker and
//!   enables the RX status interrupt; the handler ([`InterruptHandler`], bound to the
//!   `ETHERNET` line) disables it again and wakes. The same holds for TX room (`TDFA`)
//!   and for link changes (the PHY's interrupt). No polling loop, no lost wake (the
//!   hand-over is drawn in the `irq` module).
//! - A token is handed out only when its work cannot block: `receive` has already copied
//!   a good frame into the driver's RX buffer, `transmit` has checked the TX FIFO has room
//!   for a largest frame.
//! - Bad frames (error bit, runt, too long) are drained and dropped, counted in
//!   [`Lan9118::dropped`]; they never reach the stack.
//! - The MAC address is the chip's (QEMU: `-nic ...,mac=`), read from its `ADDRH`/`ADDRL`
//!   registers by [`Lan9118::new`]. The MAC filters frames for it and broadcasts.
//! - The driver cannot be built without the [`ETH`] token (one driver at a time) and an
//!   `ETHERNET => eth::InterruptHandler` binding: a missing binding is a compile error.
//!
//! Capabilities: MTU 1514 (an Ethernet frame without FCS), checksums in software (the
//! LAN9118 has no checksum offload).
//!
//! ```no_run
//! use core::task::Context;
//! use embassy_net_driver::{Driver, RxToken};
//! use mote_mps2::{bind_interrupts, eth};
//!
//! bind_interrupts!(struct Irqs {
//!     ETHERNET => eth::InterruptHandler;
//! });
//!
//! let p = mote_mps2::Peripherals::take().unwrap();
//! let mut nic = eth::Lan9118::new(p.ETH, Irqs).expect("no LAN9118 at 0x4020_0000");
//! let mut cx = Context::from_waker(core::task::Waker::noop());
//! if let Some((rx, _tx)) = nic.receive(&mut cx) {
//!     rx.consume(|frame| mote_mps2::println!("{} bytes", frame.len()));
//! }
//! ```
//!
//! ## Costs (measured)
//!
//! | | thumbv7m | thumbv6m | thumbv7em |
//! | --- | --- | --- | --- |
//! | driver flash (`.text` + `.rodata`) | 2 152 B | 2 772 B | 2 156 B |
//! | driver static RAM (wakers, flags) | 44 B | 44 B | 44 B |
//! | `Lan9118` value (two frame buffers) | 3 052 B | 3 052 B | 3 052 B |
//! | instructions per echoed KiB, smoltcp poll + driver | 18 850 | 33 513 | 18 727 |
//! | instructions per echoed KiB, whole echo task | 38 859 | 58 032 | 38 738 |
//!
//! Flash: `llvm-size -A` of a scratch firmware (not kept) that builds the driver and
//! calls each `Driver` method, minus the same firmware without the driver (release
//! profile of `examples/`); with LTO the driver is inlined into its callers, so symbol
//! sizes in `net_echo` do not show it.
//! Instructions: `test_net_echo` (run by `cargo xtask test`) echoing 1 MiB in QEMU under
//! `-icount shift=0` (one instruction per nanosecond), summing SysTick (25 MHz: 40
//! instructions per count) over the stack task's busy time only; interrupt handlers and
//! the executor are not included. The whole-task row adds the echo loop's copies and its
//! byte-by-byte pattern check. Runs differ by under 0.1% (segment boundaries follow the
//! host's timing).
//!
//! ## What QEMU's model cannot exercise
//!
//! QEMU 7.2's LAN9118 sends a frame the moment its last word is pushed and empties the TX
//! FIFO, so the wait for TX room (`TDFA`, its threshold in `FIFO_INT`) never happens
//! there; it never sets the RX status error bit, raises `RXE`/`TXE` only on a FIFO
//! misuse (none happened: `test_net_echo` prints both counters), its user network sends
//! no runt or oversized frame, and MAC and MII accesses complete at once (the busy-bit
//! time-outs never trigger). Those paths follow the datasheet but have only
//! been read, not run. Link changes do run: `test_net_echo` switches the link off and on
//! with the monitor's `set_link`, and each change wakes the task through the PHY
//! interrupt.

use core::sync::atomic::Ordering;
use core::task::Context;

use cortex_m::peripheral::NVIC;
use embassy_net_driver::{Capabilities, HardwareAddress, LinkState};

use crate::binding::{line, Binding};

mod irq;
mod regs;
mod rx;
mod tx;

pub use irq::InterruptHandler;
pub use rx::RxToken;
pub use tx::TxToken;

/// Largest frame the driver sends or passes up: an Ethernet frame without its FCS.
pub const MTU: usize = 1514;

/// A frame buffer, word-aligned so that FIFO words move with single loads and stores.
#[derive(Debug)]
#[repr(C, align(4))]
struct FrameBuf([u8; 1520]);

/// Token of the LAN9118 (base `0x4020_0000`, line `ETHERNET`).
#[derive(Debug)]
pub struct ETH {
    pub(crate) _private: (),
}

/// Why [`Lan9118::new`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// `BYTE_TEST` did not read `0x8765_4321`: no LAN9118 at this address (the AN500
    /// puts its Ethernet elsewhere).
    NotFound,
    /// The chip did not finish its reset, or a MAC/PHY register access stayed busy.
    Timeout,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Error::NotFound => "no LAN9118 at 0x4020_0000 (BYTE_TEST mismatch)",
            Error::Timeout => "LAN9118 reset or register access timed out",
        })
    }
}

impl core::error::Error for Error {}

impl From<regs::Busy> for Error {
    fn from(_: regs::Busy) -> Self {
        Error::Timeout
    }
}

/// The LAN9118 driver: owns the chip and one receive and one transmit frame buffer
/// (3 KiB in all: keep it in a task or a `static`, not on a small stack).
///
/// ```
/// assert_eq!(core::mem::size_of::<mote_mps2::eth::Lan9118>(), 3052);
/// ```
#[derive(Debug)]
pub struct Lan9118 {
    _eth: ETH,
    mac: [u8; 6],
    link_up: bool,
    dropped: u32,
    rx: FrameBuf,
    tx: FrameBuf,
}

impl Lan9118 {
    /// Resets the chip, reads its MAC address, turns on the MAC (station address and
    /// broadcast frames), the PHY's auto-negotiation and link interrupt, and unmasks the
    /// `ETHERNET` line.
    ///
    /// Errors: [`Error::NotFound`] if no LAN9118 answers at `0x4020_0000`,
    /// [`Error::Timeout`] if it does not come out of reset.
    pub fn new(
        eth: ETH,
        _irq: impl Binding<line::ETHERNET, InterruptHandler>,
    ) -> Result<Self, Error> {
        if regs::read(regs::BYTE_TEST) != regs::BYTE_TEST_VALUE {
            return Err(Error::NotFound);
        }
        NVIC::mask(crate::Interrupt::ETHERNET);
        regs::write(regs::HW_CFG, regs::HW_CFG_SRST);
        let mut ready = false;
        for _ in 0..regs::BUSY_POLLS {
            if regs::read(regs::HW_CFG) & regs::HW_CFG_SRST == 0
                && regs::read(regs::PMT_CTRL) & regs::PMT_READY != 0
            {
                ready = true;
                break;
            }
        }
        if !ready {
            return Err(Error::Timeout);
        }
        // Errors are counted by the handler whenever they happen; the other sources are
        // enabled only while someone waits for them.
        regs::write(regs::INT_STS, u32::MAX);
        regs::write(regs::INT_EN, regs::INT_RXE | regs::INT_TXE);
        regs::write(regs::IRQ_CFG, regs::IRQ_CFG_ENABLE_HIGH);

        let low = regs::mac_read(regs::MAC_ADDRL)?.to_le_bytes();
        let high = regs::mac_read(regs::MAC_ADDRH)?.to_le_bytes();
        let mac = [low[0], low[1], low[2], low[3], high[0], high[1]];

        regs::phy_write(regs::PHY_BCR, regs::PHY_BCR_AUTONEG)?;
        regs::phy_write(regs::PHY_INT_MASK, regs::PHY_INT_LINK)?;
        regs::write(regs::TX_CFG, regs::TX_CFG_ON_SAO);
        regs::write(regs::RX_CFG, 0);
        tx::set_room_level();
        regs::mac_write(regs::MAC_CR, regs::MAC_CR_ON)?;

        // The first `link_state` reads the PHY.
        irq::LINK_CHANGED.store(true, Ordering::Release);
        // SAFETY: unmasking is sound: the line's handler is bound (the `Binding` proof),
        // and no critical section in this crate relies on the line being masked.
        unsafe { NVIC::unmask(crate::Interrupt::ETHERNET) };
        Ok(Self {
            _eth: eth,
            mac,
            link_up: false,
            dropped: 0,
            rx: FrameBuf([0; 1520]),
            tx: FrameBuf([0; 1520]),
        })
    }

    /// The chip's MAC address, as read by [`Lan9118::new`].
    pub fn mac_address(&self) -> [u8; 6] {
        self.mac
    }

    /// Received frames dropped by the driver (error bit, runt or too long).
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Receiver and transmitter error interrupts the chip raised.
    pub fn errors(&self) -> u32 {
        irq::ERRORS.load(Ordering::Relaxed)
    }

    /// Pops frames until a good one is in the RX buffer; `None` (and the RX interrupt
    /// armed for `cx`) when none is left.
    fn next_frame(&mut self, cx: &mut Context<'_>) -> Option<usize> {
        loop {
            if !rx::frame_waiting() {
                irq::RX_WAKER.register(cx.waker());
                regs::write(regs::INT_STS, regs::INT_RSFL);
                regs::int_enable(regs::INT_RSFL);
                if !rx::frame_waiting() {
                    return None;
                }
            }
            match rx::pop_frame(&mut self.rx) {
                rx::Popped::Frame(len) => return Some(len),
                rx::Popped::Dropped => self.dropped = self.dropped.wrapping_add(1),
            }
        }
    }

    /// Whether a largest frame fits in the TX FIFO; if not, arms the TX-room interrupt
    /// for `cx`.
    fn tx_room(cx: &mut Context<'_>) -> bool {
        if tx::room() {
            return true;
        }
        irq::TX_WAKER.register(cx.waker());
        regs::write(regs::INT_STS, regs::INT_TDFA);
        regs::int_enable(regs::INT_TDFA);
        tx::room()
    }
}

impl embassy_net_driver::Driver for Lan9118 {
    type RxToken<'a>
        = RxToken<'a>
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a>
    where
        Self: 'a;

    fn receive(&mut self, cx: &mut Context<'_>) -> Option<(RxToken<'_>, TxToken<'_>)> {
        // Room to answer first: a frame popped from the FIFO must be handed out.
        if !Self::tx_room(cx) {
            return None;
        }
        let len = self.next_frame(cx)?;
        Some((
            RxToken {
                frame: &mut self.rx.0[..len],
            },
            TxToken { buf: &mut self.tx },
        ))
    }

    fn transmit(&mut self, cx: &mut Context<'_>) -> Option<TxToken<'_>> {
        Self::tx_room(cx).then_some(TxToken { buf: &mut self.tx })
    }

    fn link_state(&mut self, cx: &mut Context<'_>) -> LinkState {
        irq::LINK_WAKER.register(cx.waker());
        if irq::LINK_CHANGED.load(Ordering::Acquire) {
            // `INT_PHY` is disabled here (by the handler, or never enabled yet), so the
            // handler cannot set the flag between this load and store.
            irq::LINK_CHANGED.store(false, Ordering::Relaxed);
            regs::write(regs::INT_STS, regs::INT_PHY);
            // Reading the source clears the PHY's interrupt; a change after this read
            // raises `INT_PHY` again, which fires once enabled below.
            let status =
                regs::phy_read(regs::PHY_INT_SRC).and_then(|_| regs::phy_read(regs::PHY_BSR));
            match status {
                Ok(bsr) => self.link_up = bsr & regs::PHY_BSR_LINK != 0,
                // The PHY did not answer: report the link down and ask again next time.
                Err(regs::Busy) => {
                    self.link_up = false;
                    irq::LINK_CHANGED.store(true, Ordering::Relaxed);
                    cx.waker().wake_by_ref();
                }
            }
            regs::int_enable(regs::INT_PHY);
        }
        if self.link_up {
            LinkState::Up
        } else {
            LinkState::Down
        }
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.max_transmission_unit = MTU;
        caps
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet(self.mac)
    }
}
