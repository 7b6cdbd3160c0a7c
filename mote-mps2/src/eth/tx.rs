//! Transmitting: the token the stack fills, and pushing the frame into the TX FIFO.
//!
//! A frame goes in as one segment: command A (first and last segment, length), command B
//! (length), then `ceil(length / 4)` data words, least significant byte first. The chip
//! adds the FCS and pads short frames. Room for a whole frame ([`FRAME_ROOM`] bytes) is
//! checked before a token is handed out, so pushing never waits. TX statuses are not
//! read: `TX_CFG` lets their FIFO overrun.

use super::regs;
use super::{FrameBuf, MTU};

/// TX FIFO bytes a largest frame needs: two command words and the data words.
pub(super) const FRAME_ROOM: u32 = 8 + (MTU as u32).div_ceil(4) * 4;

/// Whether the TX data FIFO has room for a largest frame.
pub(super) fn room() -> bool {
    regs::read(regs::TX_FIFO_INF) & 0xFFFF >= FRAME_ROOM
}

/// Sets the TX data-available level to [`FRAME_ROOM`] (the `TDFA` interrupt fires above
/// it), keeping the other thresholds.
pub(super) fn set_room_level() {
    let level = FRAME_ROOM.div_ceil(64);
    let fifo_int = regs::read(regs::FIFO_INT) & !(0xFF << regs::FIFO_INT_TDAL_SHIFT);
    regs::write(
        regs::FIFO_INT,
        fifo_int | (level << regs::FIFO_INT_TDAL_SHIFT),
    );
}

/// Room for one frame, lent to the stack ([`embassy_net_driver::TxToken`]).
///
/// A `len` above [`MTU`] is a caller bug the stack never makes (it honours
/// `capabilities()`); such a call gets a buffer of `MTU` bytes and nothing is sent.
#[derive(Debug)]
pub struct TxToken<'a> {
    pub(super) buf: &'a mut FrameBuf,
}

impl embassy_net_driver::TxToken for TxToken<'_> {
    fn consume<R, F>(self, len: usize, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        let n = len.min(MTU);
        let result = f(&mut self.buf.0[..n]);
        if len == n && n > 0 {
            push(&self.buf.0[..n.div_ceil(4) * 4], n as u32);
        }
        result
    }
}

/// Pushes one frame of `len` bytes whose data (padded to whole words) is `words`.
fn push(words: &[u8], len: u32) {
    regs::write(
        regs::TX_DATA,
        regs::TX_CMD_A_FIRST | regs::TX_CMD_A_LAST | len,
    );
    regs::write(regs::TX_DATA, len);
    for chunk in words.chunks_exact(4) {
        let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        regs::write(regs::TX_DATA, word);
    }
}
