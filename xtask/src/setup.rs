//! Set-up of a fresh machine: the Rust targets and components, the nightly Miri
//! component, QEMU, and the host decoder of defmt logs (`defmt-print`). Each step is a quick no-op when its tool is already there.
//!
//! The machines this project runs on set `RUSTUP_AUTO_INSTALL=0`, so `rust-toolchain.toml`
//! alone installs nothing: these commands must run explicitly.

use std::process::Command;

use crate::cmd::{self, Error};

/// The thumb targets the firmware is built for.
pub const THUMB_TARGETS: &[&str] = &[
    "thumbv6m-none-eabi",
    "thumbv7m-none-eabi",
    "thumbv7em-none-eabihf",
];

/// The emulator the firmware runs on.
pub const QEMU: &str = "qemu-system-arm";

/// The host decoder of defmt frames (knurling-rs/defmt's `defmt-print`): reads raw frames
/// on stdin and prints them as text, with the format strings taken from the ELF.
pub const DEFMT_PRINT: &str = "defmt-print";
/// The `defmt-print` release the golden output of `defmt_hello` was made with.
const DEFMT_PRINT_VERSION: &str = "1.2.0";

/// Installs [`DEFMT_PRINT`] with `cargo install --locked` when it is missing (about three
/// minutes of compiling on two cores; a no-op afterwards). Version 1.x decodes the frames
/// of defmt 0.3 (what `mote`'s `defmt` feature and `defmt-semihosting` 0.1 use: defmt
/// 0.3.100 and later build on defmt 1.x, same wire format).
pub fn defmt_print() -> Result<(), Error> {
    if cmd::exists(DEFMT_PRINT) {
        return Ok(());
    }
    eprintln!("{DEFMT_PRINT} is missing: installing it (a few minutes of compiling)");
    // A fixed version: the golden output depends on its formatting.
    cmd::run(Command::new("cargo").args([
        "install",
        DEFMT_PRINT,
        "--locked",
        "--version",
        DEFMT_PRINT_VERSION,
    ]))?;
    if cmd::exists(DEFMT_PRINT) {
        Ok(())
    } else {
        Err(format!(
            "{DEFMT_PRINT} still not runnable after `cargo install {DEFMT_PRINT} --locked` \
             (is ~/.cargo/bin on PATH?)"
        ))
    }
}

/// Thumb targets, llvm-tools and QEMU: what building and running firmware needs.
pub fn firmware() -> Result<(), Error> {
    cmd::run(
        Command::new("rustup")
            .arg("target")
            .arg("add")
            .args(THUMB_TARGETS),
    )?;
    // Clippy runs in the test command too; all three are quick no-ops when present
    // (these machines set RUSTUP_AUTO_INSTALL=0, so nothing arrives on its own).
    cmd::run(Command::new("rustup").args(["component", "add", "llvm-tools", "clippy", "rustfmt"]))?;
    qemu()
}

/// The minimum supported Rust version, as `rust-version` in the workspace manifest
/// declares it (`#[unsafe(naked)]` in the Cortex-M interrupt executor's pender needs
/// 1.88). The test command builds the Cortex-M crate with it.
pub const MSRV: &str = "1.88";

/// The [`MSRV`] toolchain with the thumbv7m target (a minimal profile: a quick no-op when
/// present).
pub fn msrv() -> Result<(), Error> {
    cmd::run(Command::new("rustup").args([
        "toolchain",
        "install",
        MSRV,
        "--profile",
        "minimal",
        "--target",
        "thumbv7m-none-eabi",
    ]))
}

/// The nightly toolchain's Miri and rust-src components (installing a minimal nightly
/// first if there is none).
pub fn miri() -> Result<(), Error> {
    let have_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if have_nightly {
        cmd::run(Command::new("rustup").args([
            "component",
            "add",
            "miri",
            "rust-src",
            "--toolchain",
            "nightly",
        ]))
    } else {
        cmd::run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
            "--component",
            "miri,rust-src",
        ]))
    }
}

/// Installs `qemu-system-arm` with apt when it is missing and we are root; otherwise says
/// which command to run.
fn qemu() -> Result<(), Error> {
    if cmd::exists(QEMU) {
        return Ok(());
    }
    const INSTALL: &str = "apt-get update && apt-get install -y qemu-system-arm";
    if !is_root() {
        return Err(format!(
            "{QEMU} is missing. Install it with:\n    sudo sh -c '{INSTALL}'"
        ));
    }
    eprintln!("{QEMU} is missing: installing it (about a minute)");
    cmd::run(Command::new("apt-get").arg("update"))?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "qemu-system-arm"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    if cmd::exists(QEMU) {
        Ok(())
    } else {
        Err(format!("{QEMU} still not runnable after `{INSTALL}`"))
    }
}

/// True when the effective user is root (uid 0), read from `/proc/self/status`.
fn is_root() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0")
}
