//! The panic handler of the `panic-handler` feature (on by default).
//!
//! Guarantees: a panic prints `panicked at <location>:\n<message>` followed by a new line on
//! UART0, then ends the QEMU run with status [`EXIT_FAILURE`](crate::EXIT_FAILURE), so a
//! panicking firmware test fails instead of hanging. Interrupts are disabled first, so
//! nothing else runs between the panic and the exit.
//!
//! To use another handler, depend on `mote-mps2` with `default-features = false`.
//!
//! A binary that names nothing from `mote-mps2` does not link it, and so gets no panic
//! handler (rustc: "`#[panic_handler]` function required"); write `use mote_mps2 as _;`.

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    cortex_m::interrupt::disable();
    crate::println!("{}", info);
    crate::exit(crate::EXIT_FAILURE)
}
