//! Idle-line reads (feature `time`): [`UartRx::read_until_idle`] returns what arrived once
//! the line has been quiet for a chosen time, the way a driver reads a packet whose
//! length it does not know.
//!
//! Guarantees:
//! - Waits without limit for the first byte; afterwards the batch ends when no byte came
//!   for `idle` after the last one ([`IdleEnd::Idle`]), when `buf` is full
//!   ([`IdleEnd::BufferFull`]), or just before a receive loss ([`IdleEnd::ErrorNext`]).
//! - Errors keep their place in the stream: a loss met before any byte of the batch is
//!   returned as `Err`; a loss met after some bytes ends the batch with those bytes, and
//!   the next read returns the `Err`. No byte is lost or reordered by this function.
//!
//! ```text
//!  bytes:  h e l l o ␣ w o r l d ·········· (quiet ≥ idle)  ─► Ok(11 bytes, Idle)
//!          ▲ first byte: waits as long as it takes
//!  each later byte restarts the quiet timer; buf full ─► Ok(buf.len(), BufferFull)
//!  a loss after k bytes ─► Ok(k, ErrorNext), then the next read ─► Err(Overrun | Overflow)
//! ```

use core::future::poll_fn;
use core::sync::atomic::Ordering;
use core::task::Poll;

use mote::time::{with_timeout, Duration};

use super::{Error, UartRx, NO_GAP};
use crate::wakers::line_waker;

/// Why [`UartRx::read_until_idle`] ended its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleEnd {
    /// The line was quiet for the idle time after the last byte.
    Idle,
    /// The buffer is full (more bytes may be waiting).
    BufferFull,
    /// A receive loss follows these bytes: the next read returns it as `Err`.
    ErrorNext,
}

/// The result of [`UartRx::read_until_idle`]: how many bytes were read and why the batch
/// ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleRead {
    /// Bytes written at the start of the buffer (at least 1 for a non-empty buffer).
    pub len: usize,
    /// Why the batch ended.
    pub end: IdleEnd,
}

impl UartRx {
    /// Reads into `buf` until the line has been quiet for `idle` after the last byte,
    /// `buf` is full, or a receive loss is next ([`IdleEnd`] says which). Waits
    /// without limit for the first byte; an empty `buf` returns `len: 0, BufferFull` at
    /// once.
    ///
    /// Errors: `Err(Error::Overrun | Error::Overflow)` when the loss comes before any byte
    /// of this batch (a loss after some bytes ends the batch with
    /// [`IdleEnd::ErrorNext`], and the next read returns it).
    ///
    /// Cancel safety: cancelling before the first byte arrived loses nothing. Cancelling
    /// later (for example with an outer timeout) loses the bytes already copied into
    /// `buf` for this batch: they have left the receive ring. Put any overall timeout
    /// around the wait for the first byte only, or accept that loss.
    ///
    /// ```no_run
    /// use mote::time::Duration;
    /// use mote_mps2::serial::{self, IdleEnd, Uart, UART0};
    /// use mote_mps2::bind_interrupts;
    ///
    /// bind_interrupts!(struct Irqs {
    ///     UARTRX0 => serial::InterruptHandler<UART0>;
    ///     UARTTX0 => serial::InterruptHandler<UART0>;
    /// });
    ///
    /// async fn packets() -> Result<(), serial::Error> {
    ///     let p = mote_mps2::Peripherals::take().unwrap();
    ///     let (_tx, mut rx) = Uart::new(p.UART0, Irqs).split();
    ///     let mut buf = [0u8; 64];
    ///     loop {
    ///         let batch = rx.read_until_idle(&mut buf, Duration::from_millis(10)).await?;
    ///         let packet = &buf[..batch.len];
    ///         if batch.end == IdleEnd::Idle {
    ///             // `packet` is complete: the line went quiet after it.
    ///         }
    /// #       let _ = packet;
    ///     }
    /// }
    /// ```
    pub async fn read_until_idle(
        &mut self,
        buf: &mut [u8],
        idle: Duration,
    ) -> Result<IdleRead, Error> {
        if buf.is_empty() {
            return Ok(IdleRead {
                len: 0,
                end: IdleEnd::BufferFull,
            });
        }
        let mut len = self.read(buf).await?;
        loop {
            if len == buf.len() {
                return Ok(IdleRead {
                    len,
                    end: IdleEnd::BufferFull,
                });
            }
            match with_timeout(idle, self.read_bytes(&mut buf[len..])).await {
                Err(_) => {
                    return Ok(IdleRead {
                        len,
                        end: IdleEnd::Idle,
                    })
                }
                Ok(None) => {
                    return Ok(IdleRead {
                        len,
                        end: IdleEnd::ErrorNext,
                    })
                }
                Ok(Some(n)) => len += n,
            }
        }
    }

    /// True when the next item of the stream is a loss (no byte before it).
    fn loss_is_next(&self) -> bool {
        self.state.gap_kind.load(Ordering::Acquire) != NO_GAP
            && self.state.gap_at.load(Ordering::Relaxed) == self.state.tail.load(Ordering::Relaxed)
    }

    /// Waits for bytes and copies them (`Some(n)`, `n >= 1`), or completes with `None`
    /// when a loss is next, leaving it in place for the next read. `buf` is not empty.
    /// Cancel-safe: nothing is taken unless it completes with `Some`.
    async fn read_bytes(&mut self, buf: &mut [u8]) -> Option<usize> {
        poll_fn(|cx| {
            if let Some(r) = self.try_read_bytes(buf) {
                return Poll::Ready(r);
            }
            line_waker(self.irq).register(cx.waker());
            match self.try_read_bytes(buf) {
                Some(r) => Poll::Ready(r),
                None => Poll::Pending,
            }
        })
        .await
    }

    /// `Some(None)` if a loss is next, `Some(Some(n))` after copying `n` bytes, `None` if
    /// nothing is waiting. The check and the copy run in one critical section, so the
    /// RX handler cannot put a loss at the tail between them (which `try_read` would
    /// then take and report).
    fn try_read_bytes(&mut self, buf: &mut [u8]) -> Option<Option<usize>> {
        critical_section::with(|_| {
            if self.loss_is_next() {
                return Some(None);
            }
            match self.try_read(buf)? {
                Ok(n) => Some(Some(n)),
                // Unreachable: no loss is at the tail, and the handler cannot run here.
                Err(_) => Some(None),
            }
        })
    }
}
