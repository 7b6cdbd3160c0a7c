//! Atomics shim: `loom`'s model-checked atomics under `--cfg loom`, otherwise
//! `portable-atomic` (native atomics, or critical sections on targets without
//! compare-and-swap such as thumbv6m). Lock-free code imports atomics only from here.

#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering,
};

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use portable_atomic::{
    AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering,
};

/// Declares a constructor that is `const` normally and a plain `fn` under `--cfg loom`
/// (loom's atomics have no const constructors). Only types that loom tests touch use it.
macro_rules! const_fn_unless_loom {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        #[cfg(not(loom))]
        $(#[$m])*
        $vis const fn $name($($arg: $ty),*) -> $ret $body
        #[cfg(loom)]
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) -> $ret $body
    };
}
pub(crate) use const_fn_unless_loom;
