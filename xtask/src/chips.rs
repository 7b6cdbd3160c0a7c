//! Firmware for real chips, built (not run: QEMU emulates none of them) by `cargo xtask
//! test`: each is a Cargo project of its own under `examples/` (its own workspace and
//! lock file, so a chip HAL's dependency tree stays out of the QEMU examples), built in
//! release for its target, linted with Clippy, and each binary checked against its line
//! in `examples/budgets.txt`. Cargo fetches the HAL crates itself, so a clean clone
//! needs nothing more than network access to crates.io.

use std::path::Path;

use crate::cmd::{self, Error};
use crate::report::Report;

/// A chip whose firmware the test command builds.
pub struct Chip {
    /// The chip, as the summary names it.
    pub name: &'static str,
    /// The Cargo project, relative to the repository root.
    pub dir: &'static str,
    /// The target it builds for.
    pub target: &'static str,
}

/// The chips known to build (README: "Chips known to build").
pub const CHIPS: &[Chip] = &[
    Chip {
        name: "nRF52840 (embassy-nrf)",
        dir: "examples/nrf52840",
        target: "thumbv7em-none-eabihf",
    },
    Chip {
        name: "RP2040 (embassy-rp)",
        dir: "examples/rp2040",
        target: "thumbv6m-none-eabi",
    },
];

/// Builds, lints and size-checks every chip's firmware, one step each.
pub fn test_all(root: &Path, report: &mut Report) {
    for chip in CHIPS {
        let dir = root.join(chip.dir);
        let mut built = false;
        report.step(
            format!("chips: build {} {}", chip.name, chip.target),
            || {
                cmd::run(cmd::cargo(&dir).args([
                    "build",
                    "--release",
                    "--bins",
                    "--target",
                    chip.target,
                ]))?;
                built = true;
                Ok(())
            },
        );
        report.step(
            format!("chips: clippy {} {}", chip.name, chip.target),
            || {
                cmd::run(cmd::cargo(&dir).args([
                    "clippy",
                    "--release",
                    "--bins",
                    "--target",
                    chip.target,
                    "--",
                    "-D",
                    "warnings",
                ]))
            },
        );
        if built {
            report.step(
                format!("chips: size budgets {} {}", chip.name, chip.target),
                || check_budgets(root, &dir, chip.target),
            );
        }
    }
}

/// Every binary of the project in `dir` against its budget line.
fn check_budgets(root: &Path, dir: &Path, target: &str) -> Result<(), Error> {
    let elf_dir = crate::firmware::target_dir(dir)?
        .join(target)
        .join("release");
    let bins = crate::firmware::package_binaries(&dir.join("src/bin"))?;
    crate::size::check_bins(root, target, &elf_dir, bins.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chip_project_exists_with_binaries() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for chip in CHIPS {
            let dir = root.join(chip.dir);
            assert!(
                dir.join("Cargo.toml").is_file(),
                "{}: no Cargo.toml",
                chip.dir
            );
            let bins = crate::firmware::package_binaries(&dir.join("src/bin")).unwrap();
            assert!(!bins.is_empty(), "{}: no binaries", chip.dir);
        }
    }
}
