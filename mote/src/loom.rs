//! Atomics shim: `loom`'s model-checked atomics under `--cfg loom`, otherwise
//! `portable-atomic` (native atomics, or critical sections on targets without
//! compare-and-swap such as thumbv6m). Lock-free code imports atomics only from here.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use portable_atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};
