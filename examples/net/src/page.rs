//! [`Text`]: a fixed-size text buffer written with `core::fmt` (no heap), and the
//! status page of `GET /`.
//!
//! The page, one `key: value` line each (what the test harness reads), then with feature
//! `trace` Mote's task table (`mote::trace::summary`: one line per task slot, with its
//! name, state, polls, wakes and poll and wait times in µs):
//!
//! ```text
//! Mote on MPS2: embassy-net 0.9 over the LAN9118
//! uptime: 12.345 s
//! led0: off
//! led1: on
//! http: 1 open of 16 sockets, 7 served
//! echo: 0 open of 2 sockets, 1 served, 1048576 bytes
//! instructions: 4321000 (in task polls, under -icount shift=0)
//! tasks:
//! task                 state     polls    wakes  longest poll us  total poll us  longest wait us
//! runner               sleeping   2113     2101              312          98123               40
//! ...
//! ```

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

/// Bytes of the page buffer: the task table (about 100 bytes per task, 22 tasks) needs
/// room that the page without it does not.
pub const PAGE: usize = if cfg!(feature = "trace") { 3072 } else { 768 };

/// Writes the status page: uptime, LEDs, the servers' connection counts, the
/// instructions spent in task polls so far ([`meter`]), and with feature `trace` the
/// task table.
pub fn status(out: &mut impl Write) -> fmt::Result {
    // embassy-time's clock: Mote's clock on Mote (feature `embassy-time-driver`), the
    // embassy-time driver of the firmware on another executor.
    let up = embassy_time::Instant::now().as_millis();
    writeln!(out, "{RUNTIME} on MPS2: embassy-net 0.9 over the LAN9118")?;
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
    )?;
    #[cfg(feature = "trace")]
    write!(out, "tasks:\n{}", mote::trace::summary())?;
    Ok(())
}

/// The runtime named on the page's first line.
const RUNTIME: &str = if cfg!(feature = "mote") {
    "Mote"
} else {
    "embassy-executor"
};
