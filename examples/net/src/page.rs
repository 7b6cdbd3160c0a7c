//! [`Text`]: a fixed-size text buffer written with `core::fmt` (no heap), and the
//! status page of `GET /`.

use core::fmt::{self, Write};

use crate::{leds, meter, stats, ECHO_SOCKETS, HTTP_SOCKETS};

/// Text of up to `N` bytes; writes past the end fail with `fmt::Error` and leave the
/// text cut at a character boundary.
pub struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    /// Empty text.
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }
    /// The bytes written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dest = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes the status page: uptime, LEDs, the servers' connection counts, the
/// instructions spent in task polls so far ([`meter`]).
pub fn status(out: &mut impl Write) -> fmt::Result {
    let up = mote::time::Instant::now().as_millis();
    writeln!(out, "Mote on MPS2: embassy-net 0.9 over the LAN9118")?;
    writeln!(out, "uptime: {}.{:03} s", up / 1000, up % 1000)?;
    for n in 0..2 {
        let state = if leds::lit(n) { "on" } else { "off" };
        writeln!(out, "led{n}: {state}")?;
    }
    let (h, e) = (&stats::HTTP, &stats::ECHO);
    writeln!(
        out,
        "http: {} open of {HTTP_SOCKETS} sockets, {} served",
        h.open(),
        h.served()
    )?;
    writeln!(
        out,
        "echo: {} open of {ECHO_SOCKETS} sockets, {} served, {} bytes",
        e.open(),
        e.served(),
        e.bytes()
    )?;
    writeln!(
        out,
        "instructions: {} (in task polls, under -icount shift=0)",
        meter::instructions()
    )
}
