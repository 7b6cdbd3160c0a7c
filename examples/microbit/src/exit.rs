//! Ending a QEMU run with an exit status, through Arm semihosting.
//!
//! Guarantees: [`exit`] never returns. Under `qemu-system-arm -semihosting-config
//! enable=on` the QEMU process exits with exactly the status given (`SYS_EXIT_EXTENDED`,
//! which QEMU implements for M-profile cores, the Cortex-M0 included), so a test harness
//! reads the firmware's verdict from QEMU's exit status: 0 means success.
//!
//! Without a semihosting host (a real micro:bit without a debugger attached) the `BKPT`
//! of a semihosting call raises a HardFault instead; this crate targets QEMU.

/// Semihosting operation number of `SYS_EXIT_EXTENDED`.
const SYS_EXIT_EXTENDED: usize = 0x20;
/// `ADP_Stopped_ApplicationExit`: the reason code for a normal program exit.
const ADP_STOPPED_APPLICATION_EXIT: usize = 0x2_0026;

/// Status for success.
pub const EXIT_SUCCESS: u8 = 0;
/// Status for failure (any nonzero status is a failure).
pub const EXIT_FAILURE: u8 = 1;

/// Stops the emulator; QEMU's process exits with status `code` (0 = success).
pub fn exit(code: u8) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, usize::from(code)];
    // SAFETY: SYS_EXIT_EXTENDED reads the two-word parameter block (reason, status) that
    // `block` provides and that stays alive during the call; it touches no other memory.
    unsafe {
        cortex_m_semihosting::syscall(SYS_EXIT_EXTENDED, &block);
    }
    // Only reached when a debugger resumes after the call: stop rather than run on.
    cortex_m::asm::udf()
}
