//! Time drivers shipped with Mote. Register one with [`time_driver!`](crate::time_driver).
//!
//! - [`std`] (feature `std`): the host's monotonic clock; alarms fire from a helper thread.
//! - [`sim`] (feature `std`): virtual time for tests, one clock per thread, advanced by
//!   hand or jumped to the next alarm when the executor idles.
//!
//! The Cortex-M SysTick driver lives with the `cortex-m` backend.

#[cfg(feature = "std")]
pub mod sim;
#[cfg(feature = "std")]
pub mod std;
