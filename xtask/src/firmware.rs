//! Firmware in QEMU: building the `examples/` crate, running its binaries on an MPS2
//! machine with a time-out, and judging them.
//!
//! A binary named `test_*` passes when QEMU exits with status 0 (the firmware calls
//! `mote_mps2::exit`); any other binary is an example and passes when it exits with 0
//! and its UART output equals `examples/expected/<name>.txt` (line endings normalised).
//!
//! UART input: if `examples/input/<name>.txt` exists, QEMU's standard input is that file,
//! so its bytes arrive on UART0's receiver (`-serial stdio`), as fast as the firmware
//! takes them; at its end the receiver simply gets nothing more.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cmd::{self, Error};
use crate::report::{Outcome, Report};
use crate::setup::QEMU;

/// Targets the test command builds every firmware binary for, and the machine each runs on.
pub const TEST_TARGETS: &[(&str, &str)] = &[
    ("thumbv7m-none-eabi", "mps2-an385"),
    // A Cortex-M3 runs all ARMv6-M code: the AN385 also stands in for a Cortex-M0.
    ("thumbv6m-none-eabi", "mps2-an385"),
    // Hard-float code needs the FPU of the AN386's Cortex-M4F.
    ("thumbv7em-none-eabihf", "mps2-an386"),
];

/// Machines `cargo xtask qemu --machine` accepts.
pub const MACHINES: &[&str] = &["mps2-an385", "mps2-an386"];

/// Time a firmware binary may run before it is killed and counted as failed; override
/// with `XTASK_QEMU_TIMEOUT_SECS`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The machine a target runs on by default: hard-float code needs the AN386's Cortex-M4F.
pub fn default_machine(target: &str) -> &'static str {
    if target.starts_with("thumbv7em") {
        "mps2-an386"
    } else {
        "mps2-an385"
    }
}

/// Names of the binaries in `examples/src/bin` (files `name.rs` or folders `name/main.rs`),
/// sorted.
pub fn binaries(root: &Path) -> Result<Vec<String>, Error> {
    let dir = root.join("examples/src/bin");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = if path.is_dir() && path.join("main.rs").is_file() {
            path.file_name()
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            path.file_stem()
        } else {
            None
        };
        if let Some(name) = name {
            names.push(name.to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Builds all binaries (release) for `target` and returns the folder holding the ELFs.
pub fn build(root: &Path, target: &str, bin: Option<&str>) -> Result<PathBuf, Error> {
    let examples = root.join("examples");
    let mut build = cmd::cargo(&examples);
    build.args(["build", "--release", "--target", target]);
    match bin {
        Some(name) => build.args(["--bin", name]),
        None => build.arg("--bins"),
    };
    cmd::run(&mut build)?;
    Ok(target_dir(&examples)?.join(target).join("release"))
}

/// The target directory of the cargo workspace in `dir` (honours `CARGO_TARGET_DIR`).
pub fn target_dir(dir: &Path) -> Result<PathBuf, Error> {
    let metadata =
        cmd::output(cmd::cargo(dir).args(["metadata", "--format-version", "1", "--no-deps"]))?;
    const KEY: &str = "\"target_directory\":\"";
    let start = metadata
        .find(KEY)
        .map(|i| i + KEY.len())
        .ok_or("`cargo metadata` printed no target_directory")?;
    let len = metadata[start..]
        .find('"')
        .ok_or("`cargo metadata` output is cut short")?;
    Ok(PathBuf::from(&metadata[start..start + len]))
}

/// The QEMU command line for `elf` on `machine`. Interactive runs get QEMU's `-nographic`
/// console (UART0 and the monitor multiplexed on stdio) and real time; test runs get
/// UART0 alone on stdout and deterministic virtual time.
///
/// Why `-icount shift=0,sleep=off` for test runs: without it, QEMU's timers (SysTick, the
/// CMSDK timers behind `mote::time`) follow the host clock, so a timing test depends on
/// the host's load. With `shift=0` every instruction takes 1 ns of virtual time, and
/// with `sleep=off` an idle CPU jumps straight to the next timer deadline instead of
/// waiting for it in real time (with the default `sleep=on` the wake-up lands up to
/// milliseconds after the deadline, measured here). Timing is then exact and identical
/// run to run, and idle time costs no wall-clock time.
pub fn qemu(machine: &str, elf: &Path, interactive: bool) -> Command {
    let mut cmd = Command::new(QEMU);
    cmd.args(["-machine", machine]);
    if interactive {
        cmd.arg("-nographic");
    } else {
        cmd.args(["-display", "none", "-monitor", "none", "-serial", "stdio"]);
        cmd.args(["-icount", "shift=0,sleep=off"]);
    }
    cmd.args(["-semihosting-config", "enable=on,target=native", "-kernel"]);
    cmd.arg(elf);
    cmd
}

/// Builds every firmware binary for every [`TEST_TARGETS`] entry, runs each in QEMU and
/// records one outcome per (target, binary).
pub fn test_all(root: &Path, report: &mut Report) {
    let bins = match binaries(root) {
        Ok(bins) => bins,
        Err(e) => {
            report.step("firmware: list binaries", || Err(e));
            return;
        }
    };
    let timeout = env::var("XTASK_QEMU_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    for (target, machine) in TEST_TARGETS {
        let mut elf_dir = None;
        report.step(format!("firmware: build {target}"), || {
            elf_dir = Some(build(root, target, None)?);
            Ok(())
        });
        let Some(elf_dir) = elf_dir else { continue };
        for bin in &bins {
            let name = format!("firmware: {target} {bin}");
            let mut qemu = qemu(machine, &elf_dir.join(bin), false);
            let run =
                input(root, bin).and_then(|stdin| cmd::run_with_timeout(&mut qemu, timeout, stdin));
            let (result, elapsed) = match run {
                Ok(captured) => (judge(root, bin, &captured, timeout), captured.elapsed),
                Err(e) => (Err(e), Duration::ZERO),
            };
            report.push(Outcome {
                name,
                result,
                elapsed,
            });
        }
    }
}

/// Standard input for a run of `bin`: `examples/input/<bin>.txt` if it exists, else none.
fn input(root: &Path, bin: &str) -> Result<Stdio, Error> {
    let path = root.join("examples/input").join(format!("{bin}.txt"));
    if !path.is_file() {
        return Ok(Stdio::null());
    }
    let file = fs::File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    Ok(file.into())
}

/// Pass or fail for one run of `bin`; on failure the output is printed.
fn judge(root: &Path, bin: &str, run: &cmd::Captured, timeout: Duration) -> Result<(), Error> {
    let verdict = verdict(root, bin, run, timeout);
    if verdict.is_err() {
        eprintln!("--- {bin}: UART output ---\n{}", run.stdout);
        if !run.stderr.is_empty() {
            eprintln!("--- {bin}: QEMU stderr ---\n{}", run.stderr);
        }
    }
    verdict
}

fn verdict(root: &Path, bin: &str, run: &cmd::Captured, timeout: Duration) -> Result<(), Error> {
    let status = run
        .status
        .ok_or_else(|| format!("killed after the {} s time-out", timeout.as_secs()))?;
    if !status.success() {
        return Err(format!("exited with {status}"));
    }
    if bin.starts_with("test_") {
        return Ok(());
    }
    let path = root.join("examples/expected").join(format!("{bin}.txt"));
    let expected = fs::read_to_string(&path).map_err(|e| {
        format!(
            "no expected output ({}: {e}); an example needs examples/expected/{bin}.txt",
            path.display()
        )
    })?;
    compare(&expected, &run.stdout)
}

/// Compares UART output with the golden text, ignoring `\r` before `\n`; the error names
/// the first line that differs.
fn compare(expected: &str, actual: &str) -> Result<(), Error> {
    let expected = expected.replace("\r\n", "\n");
    let actual = actual.replace("\r\n", "\n");
    if expected == actual {
        return Ok(());
    }
    let mut exp = expected.lines();
    let mut act = actual.lines();
    for line in 1.. {
        match (exp.next(), act.next()) {
            (Some(e), Some(a)) if e == a => continue,
            (None, None) => {
                return Err("output differs from expected only in its final new line".into())
            }
            (e, a) => {
                return Err(format!(
                    "output differs from expected at line {line}: expected {:?}, got {:?}",
                    e.unwrap_or("<end of output>"),
                    a.unwrap_or("<end of output>")
                ))
            }
        }
    }
    unreachable!("`1..` never ends")
}

#[cfg(test)]
mod tests {
    use super::compare;

    #[test]
    fn compare_accepts_equal_output_and_crlf() {
        assert!(compare("a\nb\n", "a\r\nb\r\n").is_ok());
    }

    #[test]
    fn compare_names_the_first_differing_line() {
        let err = compare("a\nb\nc\n", "a\nx\nc\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("\"b\"") && err.contains("\"x\""), "{err}");
    }

    #[test]
    fn compare_reports_missing_and_extra_lines() {
        let missing = compare("a\nb\n", "a\n").unwrap_err();
        assert!(
            missing.contains("line 2") && missing.contains("<end of output>"),
            "{missing}"
        );
        let extra = compare("a\n", "a\nb\n").unwrap_err();
        assert!(
            extra.contains("line 2") && extra.contains("\"b\""),
            "{extra}"
        );
    }

    #[test]
    fn compare_rejects_a_missing_final_newline() {
        assert!(compare("a\n", "a").is_err());
    }
}
