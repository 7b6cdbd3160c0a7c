//! Chooses the executor backend once and names it with a `cfg` the code uses
//! (`mote_cortex_m` or `mote_std`), so the rule lives in one place.
//!
//! Cargo features are additive: two crates of one build may enable `cortex-m` and `std`
//! both. Then the target decides: the Cortex-M backend on bare-metal ARM
//! (`target_arch = "arm"`, `target_os = "none"`), the std backend everywhere else.
//! With one of them on, that one is the backend; with neither, there is none (only
//! `RawExecutor`).

use std::env;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(mote_cortex_m)");
    println!("cargo::rustc-check-cfg=cfg(mote_std)");
    println!("cargo::rerun-if-changed=build.rs");

    let cortex_m = env::var_os("CARGO_FEATURE_CORTEX_M").is_some();
    let std = env::var_os("CARGO_FEATURE_STD").is_some();
    let bare_metal_arm = env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("arm")
        && env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none");

    match (cortex_m, std) {
        (true, true) if bare_metal_arm => println!("cargo::rustc-cfg=mote_cortex_m"),
        (true, true) => println!("cargo::rustc-cfg=mote_std"),
        (true, false) => println!("cargo::rustc-cfg=mote_cortex_m"),
        (false, true) => println!("cargo::rustc-cfg=mote_std"),
        (false, false) => {}
    }
}
