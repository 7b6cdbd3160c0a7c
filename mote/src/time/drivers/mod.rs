//! Time drivers shipped with Mote. Register one with [`time_driver!`](crate::time_driver).
//!
//! - `std` (feature `std`): the host's monotonic clock; alarms fire from a helper thread.
//! - `sim` (feature `std`): virtual time for tests, one clock per thread, advanced by
//!   hand or jumped to the next alarm when the executor idles.
//! - `systick` (feature `cortex-m`): the Cortex-M SysTick timer, tickless, for any core.
//! - `embassy` (feature `time-driver-embassy`): the clock and alarm of the
//!   `embassy-time-driver` a HAL registers (embassy-nrf, embassy-rp, ...).

#[cfg(feature = "time-driver-embassy")]
pub mod embassy;
#[cfg(mote_std)]
pub mod sim;
#[cfg(mote_std)]
pub mod std;
#[cfg(mote_cortex_m)]
pub mod systick;
