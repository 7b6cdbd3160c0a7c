//! Blocking output on the CMSDK APB UARTs of the MPS2 boards.
//!
//! Guarantees:
//! - [`Uart::uart0`] returns a writer whose transmitter is enabled (CTRL.TXEN set, a valid
//!   baud divisor): QEMU drops nothing written through it and never leaves the transmit
//!   buffer full forever (with TXEN clear it would, and a blocking writer would hang).
//! - [`Uart::write_byte`] waits until the one-byte transmit buffer is free, then writes:
//!   bytes leave in order, none is overwritten, even by a writer that preempts it (the
//!   check and the write run in one critical section; writing a full buffer would replace
//!   its byte, which QEMU's model flags as a TX overrun).
//! - [`print!`](crate::print) and [`println!`](crate::println) format a whole call inside a
//!   critical section, so output of one call is never interleaved with output of an
//!   interrupt handler's call.
//!
//! Bytes go out as written: QEMU's stdio backend already turns `\n` into a new line on a
//! terminal, so no `\r` is added.

use core::fmt;
use core::ptr;

/// Base address of UART0 on the AN385/AN386 (hw/arm/mps2.c); QEMU connects it to the
/// first `-serial` device (stdio with `-nographic`).
pub const UART0_BASE: usize = 0x4000_4000;

/// Clock of the APB peripherals on the AN385/AN386 (QEMU's `SYSCLK_FRQ`), in Hz.
pub const PCLK_HZ: u32 = 25_000_000;

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const BAUDDIV: usize = 0x10;

const STATE_TX_FULL: u32 = 1 << 0;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;
/// 115 200 baud. QEMU only requires a divisor of at least 16; it does not pace output.
const BAUD_DIVISOR: u32 = PCLK_HZ / 115_200;

/// A blocking writer to one CMSDK APB UART.
///
/// Creating one is safe: it only holds the register block's address, and every access is
/// a volatile access to device registers, which cannot break Rust's memory rules even when
/// several writers (or an interrupt handler) use the same UART at once; at worst their
/// bytes interleave (none is lost: each byte's check of the buffer and its write run in
/// one critical section). Use [`println!`](crate::println) for whole-line atomicity.
///
/// ```no_run
/// use core::fmt::Write;
/// let mut uart = mote_mps2::Uart::uart0();
/// writeln!(uart, "{} + {} = {}", 1, 2, 1 + 2).unwrap();
/// ```
#[derive(Debug)]
pub struct Uart {
    base: usize,
}

impl Uart {
    /// The writer for UART0, with its transmitter and receiver enabled (idempotent: once
    /// enabled, calling it again changes nothing; other control bits are kept).
    ///
    /// ```no_run
    /// mote_mps2::Uart::uart0().write_bytes(b"ready\n");
    /// ```
    pub fn uart0() -> Self {
        let uart = Uart { base: UART0_BASE };
        // Set the enable bits without clearing others: the interrupt-driven
        // `serial::Uart` may own the interrupt-enable bits of the same UART.
        critical_section::with(|_| {
            let ctrl = uart.read_reg(CTRL);
            if ctrl & (CTRL_TX_EN | CTRL_RX_EN) != CTRL_TX_EN | CTRL_RX_EN {
                uart.write_reg(BAUDDIV, BAUD_DIVISOR);
                uart.write_reg(CTRL, ctrl | CTRL_TX_EN | CTRL_RX_EN);
            }
        });
        uart
    }

    /// Sends one byte, waiting first until the transmit buffer is free.
    ///
    /// ```no_run
    /// mote_mps2::Uart::uart0().write_byte(b'!');
    /// ```
    pub fn write_byte(&self, byte: u8) {
        // The check and the write in one critical section: a writer preempting between
        // them (an interrupt handler's `println!`, another `Uart`) would fill the buffer,
        // and a write to a full buffer replaces its byte (the UART keeps the last one).
        while !critical_section::with(|_| self.try_put(byte)) {
            core::hint::spin_loop();
        }
    }

    /// Writes `byte` if the transmit buffer is free; true if it did. Call it with
    /// interrupts masked (see `write_byte`).
    fn try_put(&self, byte: u8) -> bool {
        if self.read_reg(STATE) & STATE_TX_FULL != 0 {
            return false;
        }
        self.write_reg(DATA, u32::from(byte));
        true
    }

    /// `write_byte` for a caller already inside a critical section.
    fn put_in_cs(&self, byte: u8) {
        while !self.try_put(byte) {
            core::hint::spin_loop();
        }
    }

    /// Sends every byte of `bytes`, in order.
    ///
    /// ```no_run
    /// mote_mps2::Uart::uart0().write_bytes(b"hello\n");
    /// ```
    pub fn write_bytes(&self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }

    fn read_reg(&self, offset: usize) -> u32 {
        // SAFETY: `self.base` is the base of a CMSDK APB UART register block (only
        // `uart0` constructs a `Uart`), `offset` is one of its word-aligned registers, and
        // reading a device register has no effect on Rust-visible memory.
        unsafe { ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn write_reg(&self, offset: usize, value: u32) {
        // SAFETY: as in `read_reg`: a word-aligned register of the UART's register block,
        // which is device memory, not memory any Rust object lives in.
        unsafe { ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }
}

impl fmt::Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes());
        Ok(())
    }
}

/// Implementation detail of [`print!`](crate::print): formats `args` to UART0 inside a
/// critical section.
#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    critical_section::with(|_| {
        // `InCs::write_str` never fails, so neither can formatting into it (a `Display`
        // impl returning an error would only cut the output short).
        let _ = fmt::Write::write_fmt(&mut InCs(Uart::uart0()), args);
    });
}

/// A writer used inside a critical section: no nested one per byte.
struct InCs(Uart);

impl fmt::Write for InCs {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            self.0.put_in_cs(b);
        }
        Ok(())
    }
}

/// Prints to UART0, like `std::print!`.
///
/// ```no_run
/// mote_mps2::print!("x = {}", 42);
/// ```
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::uart::_print(::core::format_args!($($arg)*))
    };
}

/// Prints to UART0 with a trailing `\n`, like `std::println!`.
///
/// ```no_run
/// mote_mps2::println!("hello from {}", "QEMU");
/// ```
#[macro_export]
macro_rules! println {
    () => {
        $crate::print!("\n")
    };
    ($($arg:tt)*) => {
        $crate::uart::_print(::core::format_args!("{}\n", ::core::format_args!($($arg)*)))
    };
}
