//! Receiving: moving one frame from the RX FIFO into the driver's buffer, and the token
//! that hands it to the network stack.
//!
//! A frame's RX status word (popped from `RX_STATUS`) gives its length with the 4-byte
//! FCS; its data follows in `ceil(length / 4)` words of `RX_DATA`, least significant
//! byte first. Frames with the error bit set, shorter than an Ethernet header or longer
//! than the 1520-byte frame buffer are drained word by word and dropped (counted in
//! `Lan9118::dropped`); the chip's fast-forward is not used (QEMU 7.2 models it
//! loosely, and draining a frame is at most 380 reads).

use super::regs;
use super::FrameBuf;

/// What [`pop_frame`] found.
pub(super) enum Popped {
    /// A good frame of this many bytes (FCS removed) is in the buffer.
    Frame(usize),
    /// A frame was dropped.
    Dropped,
}

/// Pops the next frame's status and data. Call only when `RX_FIFO_INF` counts at least
/// one status entry.
pub(super) fn pop_frame(buf: &mut FrameBuf) -> Popped {
    let status = regs::read(regs::RX_STATUS);
    let len = ((status >> regs::RX_STS_LEN_SHIFT) & regs::RX_STS_LEN_MASK) as usize;
    let words = len.div_ceil(4);
    let good = status & regs::RX_STS_ERROR == 0 && len >= 14 + 4 && len <= buf.0.len();
    if !good {
        for _ in 0..words {
            regs::read(regs::RX_DATA);
        }
        return Popped::Dropped;
    }
    for chunk in buf.0[..words * 4].chunks_exact_mut(4) {
        chunk.copy_from_slice(&regs::read(regs::RX_DATA).to_le_bytes());
    }
    Popped::Frame(len - 4)
}

/// A received frame, lent to the stack ([`embassy_net_driver::RxToken`]).
#[derive(Debug)]
pub struct RxToken<'a> {
    pub(super) frame: &'a mut [u8],
}

impl embassy_net_driver::RxToken for RxToken<'_> {
    fn consume<R, F>(self, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        f(self.frame)
    }
}

/// Whether the RX status FIFO holds at least one entry.
pub(super) fn frame_waiting() -> bool {
    regs::read(regs::RX_FIFO_INF) & 0x00FF_0000 != 0
}
