//! The LAN9118's register map (system control and status registers, reached directly)
//! and the two indirect register files behind them: the MAC's CSRs (through
//! `MAC_CSR_CMD`/`MAC_CSR_DATA`) and the PHY's MII registers (through the MAC's
//! `MII_ACC`/`MII_DATA`).
//!
//! Every access is a volatile 32-bit access at [`BASE`] plus an offset of this file; the
//! chip's device memory holds no Rust object, so an access cannot break memory safety.
//! What an access *means* (popping a FIFO, acknowledging a status bit) is the caller's
//! business: only the driver that owns the [`ETH`](super::ETH) token (and its interrupt
//! handler, for [`INT_STS`] and [`INT_EN`]) calls these.
//!
//! The indirect accesses wait for the chip's busy bit with a bounded number of reads
//! ([`BUSY_POLLS`]); QEMU completes them at once.

use core::ptr;

/// Base address of the LAN9118 on the AN385/AN386 (hw/arm/mps2.c).
pub const BASE: usize = 0x4020_0000;

/// RX data FIFO port (read pops one word of the current frame).
pub const RX_DATA: usize = 0x00;
/// TX data FIFO port (write pushes a command or data word).
pub const TX_DATA: usize = 0x20;
/// RX status FIFO port (read pops the status of the next frame).
pub const RX_STATUS: usize = 0x40;
/// Interrupt pin configuration.
pub const IRQ_CFG: usize = 0x54;
/// Interrupt status (write 1 to clear).
pub const INT_STS: usize = 0x58;
/// Interrupt enable.
pub const INT_EN: usize = 0x5C;
/// Reads [`BYTE_TEST_VALUE`] whatever the bus width and order.
pub const BYTE_TEST: usize = 0x64;
/// FIFO level interrupt thresholds.
pub const FIFO_INT: usize = 0x68;
/// Receive configuration.
pub const RX_CFG: usize = 0x6C;
/// Transmit configuration.
pub const TX_CFG: usize = 0x70;
/// Hardware configuration (soft reset).
pub const HW_CFG: usize = 0x74;
/// RX FIFO fill: status entries (bits 23:16) and data bytes (bits 15:0).
pub const RX_FIFO_INF: usize = 0x7C;
/// TX FIFO room: status entries (bits 23:16) and free data bytes (bits 15:0).
pub const TX_FIFO_INF: usize = 0x80;
/// Power management control (bit 0: device ready).
pub const PMT_CTRL: usize = 0x84;
/// MAC CSR command.
pub const MAC_CSR_CMD: usize = 0xA4;
/// MAC CSR data.
pub const MAC_CSR_DATA: usize = 0xA8;

/// What [`BYTE_TEST`] reads on a LAN9118 family chip.
pub const BYTE_TEST_VALUE: u32 = 0x8765_4321;

/// `IRQ_CFG`: interrupt output enabled, active high, push-pull (QEMU drives the NVIC line
/// high only with both polarity and type set).
pub const IRQ_CFG_ENABLE_HIGH: u32 = (1 << 8) | (1 << 4) | 1;

/// `INT_STS`/`INT_EN`: RX status FIFO level reached (a frame is waiting).
pub const INT_RSFL: u32 = 1 << 3;
/// `INT_STS`/`INT_EN`: TX data FIFO room above the `FIFO_INT` level.
pub const INT_TDFA: u32 = 1 << 9;
/// `INT_STS`/`INT_EN`: the PHY raised an interrupt (link change).
pub const INT_PHY: u32 = 1 << 18;
/// `INT_STS`/`INT_EN`: receiver error.
pub const INT_RXE: u32 = 1 << 14;
/// `INT_STS`/`INT_EN`: transmitter error.
pub const INT_TXE: u32 = 1 << 13;

/// `HW_CFG`: soft reset (self-clearing).
pub const HW_CFG_SRST: u32 = 1;
/// `PMT_CTRL`: the chip is ready after reset.
pub const PMT_READY: u32 = 1;
/// `TX_CFG`: transmitter on, TX status FIFO may overrun (statuses are not read).
pub const TX_CFG_ON_SAO: u32 = (1 << 1) | (1 << 2);
/// `FIFO_INT` bits 31:24: TX data available level, in 64-byte units.
pub const FIFO_INT_TDAL_SHIFT: u32 = 24;

/// RX status: error summary (CRC, length, collision...).
pub const RX_STS_ERROR: u32 = 1 << 15;
/// RX status: frame length in bytes, FCS included (bits 29:16).
pub const RX_STS_LEN_SHIFT: u32 = 16;
/// RX status: mask of the length once shifted.
pub const RX_STS_LEN_MASK: u32 = 0x3FFF;

/// TX command A: first segment.
pub const TX_CMD_A_FIRST: u32 = 1 << 13;
/// TX command A: last segment.
pub const TX_CMD_A_LAST: u32 = 1 << 12;

/// MAC CSR index: control register.
pub const MAC_CR: u32 = 1;
/// MAC CSR index: address, bytes 4 and 5.
pub const MAC_ADDRH: u32 = 2;
/// MAC CSR index: address, bytes 0 to 3.
pub const MAC_ADDRL: u32 = 3;
/// MAC CSR index: MII access (PHY register index and direction).
pub const MAC_MII_ACC: u32 = 6;
/// MAC CSR index: MII data.
pub const MAC_MII_DATA: u32 = 7;

/// `MAC_CR`: full duplex, transmitter on, receiver on (no promiscuous mode: frames for
/// the station address and broadcasts only).
pub const MAC_CR_ON: u32 = (1 << 20) | (1 << 3) | (1 << 2);

/// PHY register: basic control.
pub const PHY_BCR: u32 = 0;
/// PHY register: basic status (bit 2: link up).
pub const PHY_BSR: u32 = 1;
/// PHY register: interrupt source (read clears).
pub const PHY_INT_SRC: u32 = 29;
/// PHY register: interrupt mask.
pub const PHY_INT_MASK: u32 = 30;
/// `PHY_BSR`: link status.
pub const PHY_BSR_LINK: u32 = 1 << 2;
/// `PHY_BCR`: auto-negotiation enable and restart.
pub const PHY_BCR_AUTONEG: u32 = (1 << 12) | (1 << 9);
/// `PHY_INT_MASK`: energy on, auto-negotiation complete, link down.
pub const PHY_INT_LINK: u32 = (1 << 7) | (1 << 6) | (1 << 4);

/// Reads of a busy bit before an indirect access gives up (the chip needs well under
/// a microsecond; QEMU none).
pub const BUSY_POLLS: u32 = 10_000;

const MAC_CSR_BUSY: u32 = 1 << 31;
const MAC_CSR_READ: u32 = 1 << 30;
const MII_BUSY: u32 = 1;
const MII_WRITE: u32 = 1 << 1;
/// The internal PHY's MII address.
const PHY_ADDR: u32 = 1;

/// An indirect register access did not complete within [`BUSY_POLLS`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// Reads the register at `offset`.
#[inline]
pub fn read(offset: usize) -> u32 {
    // SAFETY: `BASE + offset` is a word-aligned register of the LAN9118's 256-byte block
    // (every offset of this file is below 0x100): device memory, no Rust object.
    unsafe { ptr::read_volatile((BASE + offset) as *const u32) }
}

/// Writes `value` to the register at `offset`.
#[inline]
pub fn write(offset: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { ptr::write_volatile((BASE + offset) as *mut u32, value) }
}

/// Reads until `reg & bit` is clear, at most [`BUSY_POLLS`] times.
fn wait_clear(reg: usize, bit: u32) -> Result<(), Busy> {
    for _ in 0..BUSY_POLLS {
        if read(reg) & bit == 0 {
            return Ok(());
        }
    }
    Err(Busy)
}

/// Reads MAC CSR `index`.
pub fn mac_read(index: u32) -> Result<u32, Busy> {
    wait_clear(MAC_CSR_CMD, MAC_CSR_BUSY)?;
    write(MAC_CSR_CMD, MAC_CSR_BUSY | MAC_CSR_READ | index);
    wait_clear(MAC_CSR_CMD, MAC_CSR_BUSY)?;
    Ok(read(MAC_CSR_DATA))
}

/// Writes `value` to MAC CSR `index`.
pub fn mac_write(index: u32, value: u32) -> Result<(), Busy> {
    wait_clear(MAC_CSR_CMD, MAC_CSR_BUSY)?;
    write(MAC_CSR_DATA, value);
    write(MAC_CSR_CMD, MAC_CSR_BUSY | index);
    wait_clear(MAC_CSR_CMD, MAC_CSR_BUSY)
}

fn mii_wait() -> Result<(), Busy> {
    for _ in 0..BUSY_POLLS {
        if mac_read(MAC_MII_ACC)? & MII_BUSY == 0 {
            return Ok(());
        }
    }
    Err(Busy)
}

/// Reads PHY register `reg`.
pub fn phy_read(reg: u32) -> Result<u32, Busy> {
    mii_wait()?;
    mac_write(MAC_MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_BUSY)?;
    mii_wait()?;
    Ok(mac_read(MAC_MII_DATA)? & 0xFFFF)
}

/// Writes `value` to PHY register `reg`.
pub fn phy_write(reg: u32, value: u32) -> Result<(), Busy> {
    mii_wait()?;
    mac_write(MAC_MII_DATA, value)?;
    mac_write(
        MAC_MII_ACC,
        (PHY_ADDR << 11) | (reg << 6) | MII_WRITE | MII_BUSY,
    )?;
    mii_wait()
}

/// Sets `bits` in [`INT_EN`] (a read-modify-write the interrupt handler also does, so it
/// runs in a critical section).
pub fn int_enable(bits: u32) {
    critical_section::with(|_| write(INT_EN, read(INT_EN) | bits));
}
