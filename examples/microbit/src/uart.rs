//! Blocking output on the nRF51 UART (base `0x4000_2000`), which QEMU's `microbit`
//! connects to its first serial port (`-serial stdio`).
//!
//! Guarantees: [`print`] returns once every byte has left the transmitter
//! (`EVENTS_TXDRDY` seen for each), in order; a [`println!`](crate::println) line is written inside one
//! critical section, so lines from tasks and interrupt handlers never interleave.
//! The UART is enabled and its transmitter started on first use (`ENABLE = 4`,
//! `TASKS_STARTTX`), with the micro:bit's wiring (TX on P0.24) and 115 200 baud; nothing
//! else may drive the UART.
//!
//! ```text
//!  write TXD ──► byte shifts out ──► EVENTS_TXDRDY = 1 ──► clear it, next byte
//! ```

use core::fmt;
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicBool, Ordering};

const BASE: usize = 0x4000_2000;
const TASKS_STARTTX: usize = 0x008;
const EVENTS_TXDRDY: usize = 0x11C;
const ENABLE: usize = 0x500;
const PSELTXD: usize = 0x50C;
const TXD: usize = 0x51C;
const BAUDRATE: usize = 0x524;

const ENABLE_UART: u32 = 4;
const BAUD_115200: u32 = 0x01D7_E000;
/// The micro:bit routes the UART's TX to P0.24 (the USB interface chip).
const TX_PIN: u32 = 24;

static STARTED: AtomicBool = AtomicBool::new(false);

/// Writes `value` to the UART register at `offset`.
fn write(offset: usize, value: u32) {
    // SAFETY: UART Register Invariant: `BASE + offset` is one of the nRF51 UART's
    // 32-bit registers named above, a valid MMIO address on this chip; this module is
    // the only code that touches the UART.
    unsafe { write_volatile((BASE + offset) as *mut u32, value) }
}

/// Reads the UART register at `offset`.
fn read(offset: usize) -> u32 {
    // SAFETY: UART Register Invariant (see `write`); reading these registers has no
    // side effect.
    unsafe { read_volatile((BASE + offset) as *const u32) }
}

/// Sends `bytes` and waits until the last one has left. Only called inside a critical
/// section ([`print`]), so the start-up and the bytes of one call are never interleaved
/// with another context's.
fn write_bytes(bytes: &[u8]) {
    if !STARTED.load(Ordering::Relaxed) {
        write(PSELTXD, TX_PIN);
        write(BAUDRATE, BAUD_115200);
        write(ENABLE, ENABLE_UART);
        write(TASKS_STARTTX, 1);
        STARTED.store(true, Ordering::Relaxed);
    }
    for &byte in bytes {
        write(EVENTS_TXDRDY, 0);
        write(TXD, u32::from(byte));
        while read(EVENTS_TXDRDY) == 0 {}
    }
}

struct Writer;

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_bytes(s.as_bytes());
        Ok(())
    }
}

/// Formats `args` to the UART inside one critical section (what [`print!`](crate::print) calls).
pub fn print(args: fmt::Arguments<'_>) {
    critical_section::with(|_| {
        let _ = fmt::Write::write_fmt(&mut Writer, args);
    })
}

/// Prints to the UART, like `std::print!`, inside one critical section.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::uart::print(format_args!($($arg)*)) };
}

/// Prints a line to the UART, like `std::println!`, inside one critical section.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::print!("{}\n", format_args!($($arg)*)) };
}
