//! Firmware smoke test: the start-up code, UART0 output and the semihosting exit work.
//!
//! Checks that cortex-m-rt initialised `.data` and zeroed `.bss`, that formatting works,
//! and that a `portable-atomic` read-modify-write works (on thumbv6m it goes through
//! cortex-m's critical section). Exits 0 when every check holds, 1 otherwise.
#![no_std]
#![no_main]

use core::fmt::Write;
use core::sync::atomic::Ordering;

use cortex_m_rt::entry;
use mote_mps2::testing::Checks;
use portable_atomic::AtomicU32;

static mut DATA_WORD: u32 = 0xC0FF_EE00;
static mut BSS_WORD: u32 = 0;
static COUNTER: AtomicU32 = AtomicU32::new(40);

/// A `core::fmt::Write` sink that keeps the first 32 bytes, to check formatting.
struct Buf {
    bytes: [u8; 32],
    len: usize,
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.bytes.len() {
                return Err(core::fmt::Error);
            }
            self.bytes[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

#[entry]
fn main() -> ! {
    let mut checks = Checks::new("test_smoke");

    // SAFETY: single-threaded start-up code, no interrupt handler touches these statics;
    // read through raw pointers to avoid references to `static mut`.
    let (data, bss) = unsafe {
        (
            core::ptr::addr_of!(DATA_WORD).read_volatile(),
            core::ptr::addr_of!(BSS_WORD).read_volatile(),
        )
    };
    checks.check(".data initialised", data == 0xC0FF_EE00);
    checks.check(".bss zeroed", bss == 0);

    let mut buf = Buf {
        bytes: [0; 32],
        len: 0,
    };
    let formatted = write!(buf, "{:>5}|{:#x}", 42, 255).is_ok();
    checks.check(
        "formatting",
        formatted && &buf.bytes[..buf.len] == b"   42|0xff",
    );

    let before = COUNTER.fetch_add(2, Ordering::AcqRel);
    checks.check(
        "atomic fetch_add",
        before == 40 && COUNTER.load(Ordering::Acquire) == 42,
    );

    checks.finish()
}
