//! The panic handler: prints `panicked at <location>:\n<message>` on the UART, then ends
//! the QEMU run with [`EXIT_FAILURE`](crate::EXIT_FAILURE), so a panicking firmware
//! fails instead of hanging. Interrupts are disabled first, so nothing else runs between
//! the panic and the exit.

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    cortex_m::interrupt::disable();
    crate::println!("{}", info);
    crate::exit(crate::EXIT_FAILURE)
}
