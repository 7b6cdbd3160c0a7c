//! Firmware tests whose pass is a panic. A test announces the panic it provokes with
//! [`expect_panic`]; this crate's panic handler prints the panic, then exits QEMU with
//! success if the message contains the announced text, and with failure otherwise (no
//! announcement, another message). A test that does not panic exits with failure itself
//! ([`not_refused`]).
//!
//! ```no_run
//! mote_examples_panics::expect_panic("called twice");
//! // ... the misuse ...
//! mote_examples_panics::not_refused("the second start");
//! ```
#![no_std]

use core::cell::Cell;
use core::fmt::{self, Write};
use core::panic::PanicInfo;

use cortex_m::interrupt::Mutex;

static EXPECTED: Mutex<Cell<Option<&'static str>>> = Mutex::new(Cell::new(None));

/// Announces the panic the test is about to provoke: its message contains `text`.
pub fn expect_panic(text: &'static str) {
    cortex_m::interrupt::free(|cs| EXPECTED.borrow(cs).set(Some(text)));
}

/// The misuse was not refused: prints what was not and exits with failure.
pub fn not_refused(what: &str) -> ! {
    mote_mps2::println!("FAILED: {} did not panic", what);
    mote_mps2::exit(mote_mps2::EXIT_FAILURE)
}

/// The first bytes of a panic message, to search for the announced text.
struct Prefix {
    buf: [u8; 192],
    len: usize,
}

impl Write for Prefix {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        let n = room.min(s.len());
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    cortex_m::interrupt::disable();
    mote_mps2::println!("{}", info);
    let mut message = Prefix {
        buf: [0; 192],
        len: 0,
    };
    let _ = write!(message, "{}", info.message());
    let expected = cortex_m::interrupt::free(|cs| EXPECTED.borrow(cs).get());
    let seen = &message.buf[..message.len];
    let matched = expected.is_some_and(|text| {
        seen.windows(text.len().max(1))
            .any(|w| w == text.as_bytes())
    });
    if matched {
        mote_mps2::println!("panicked as expected");
        mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
    } else {
        mote_mps2::println!("FAILED: expected a panic containing {:?}", expected);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
}
