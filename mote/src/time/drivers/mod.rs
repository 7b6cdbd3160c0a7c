//! Time drivers shipped with Mote. Register one with [`time_driver!`](crate::time_driver).
//!
//! - `std` (feature `std`): the host's monotonic clock; alarms fire from a helper thread.
//! - `sim` (feature `std`): virtual time for tests, one clock per thread, advanced by
//!   hand or jumped to the next alarm when the executor idles.
//! - `systick` (feature `cortex-m`): the Cortex-M SysTick timer, tickless, for any core.

#[cfg(feature = "std")]
pub mod sim;
#[cfg(feature = "std")]
pub mod std;
#[cfg(feature = "cortex-m")]
pub mod systick;
