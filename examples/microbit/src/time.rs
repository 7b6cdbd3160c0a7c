//! Mote's time driver on this board: the Cortex-M0's SysTick, counting the 16 MHz core
//! clock, through Mote's generic `mote::time::drivers::systick::SysTickDriver`
//! (registered here with `mote::time_driver!`; the `SysTick` vector is defined here).
//!
//! Guarantees: those of `SysTickDriver` (a 64-bit, never-decreasing clock; alarms never
//! early), with a 2^24-cycle max period (1.05 s at 16 MHz): interrupts must never be
//! masked that long.
//!
//! Why SysTick: QEMU's `microbit` (hw/arm/nrf51_soc.c) clocks the core at a fixed 16 MHz
//! (`HCLK_FRQ`) and, like every `armv7m` container, provides a SysTick that counts it
//! when `CLKSOURCE` selects the core clock (which the driver does). The real nRF51822
//! has *no* SysTick (its Cortex-M0 is built without one; QEMU notes this as a to-do), so
//! on hardware this module would have to use the nRF51 RTC or TIMER instead; the
//! firmware above it would not change.

use cortex_m_rt::exception;
use mote::time::drivers::systick::SysTickDriver;

/// The core clock: the nRF51's HCLK.
pub const CORE_HZ: u32 = 16_000_000;

/// Alarm slots: the thread-mode executor and mote's fallback queue.
pub const ALARM_SLOTS: usize = 2;

mote::time_driver!(
    /// The board's time driver.
    pub static DRIVER: SysTickDriver<ALARM_SLOTS> = SysTickDriver::new(CORE_HZ);
);

#[exception]
fn SysTick() {
    DRIVER.on_interrupt()
}
