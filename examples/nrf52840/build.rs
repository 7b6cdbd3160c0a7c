//! Puts `memory.x` (the nRF52840 memory map) on the linker's search path, where
//! cortex-m-rt's `link.x` finds it (`device.x`, the interrupt vector, comes from
//! nrf-pac through embassy-nrf's `rt` feature).

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
