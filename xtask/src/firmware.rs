//! Firmware in QEMU: building the `examples/` packages, running their binaries on the
//! machines each package lists ([`PACKAGES`]) with a time-out, and judging them.
//!
//! A binary named `test_*` passes when QEMU exits with status 0 (the firmware calls
//! `mote_mps2::exit`); any other binary is an example and passes when it exits with 0
//! and its UART output equals `examples/expected/<name>.txt` (line endings normalised).
//!
//! Size: every example has a ceiling on its `.text`, `.data` and `.bss` per target in
//! `examples/budgets.txt`, checked after each build (see [`crate::size`]).
//!
//! defmt: the binaries of a package marked [`Package::defmt`] log with defmt over
//! semihosting, so QEMU's standard output carries defmt frames, not text. The run pipes
//! those bytes through `defmt-print -e <elf>` (the ecosystem's host decoder, installed by
//! [`crate::setup::defmt_print`]) with a fixed log format, and the decoded text is what is
//! compared with `examples/expected/<name>.txt`. UART0 goes to QEMU's standard error
//! (`-serial file:/dev/stderr`) so that text on it (a panic message) cannot corrupt the
//! frames and still shows in a failure report.
//!
//! UART input: if `examples/input/<name>.txt` exists, QEMU's standard input is that file,
//! so its bytes arrive on UART0's receiver (`-serial stdio`), as fast as the firmware
//! takes them; at its end the receiver simply gets nothing more.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cmd::{self, Error};
use crate::net;
use crate::report::{Outcome, Report};
use crate::setup::QEMU;

/// The (target, machine) runs of the MPS2 packages: the test command builds their
/// binaries for each target and runs every one on the machine.
pub const TEST_TARGETS: &[(&str, &str)] = &[
    ("thumbv7m-none-eabi", "mps2-an385"),
    // A Cortex-M3 runs all ARMv6-M code: the AN385 also stands in for a Cortex-M0.
    ("thumbv6m-none-eabi", "mps2-an385"),
    // Hard-float code needs the FPU of the AN386's Cortex-M4F...
    ("thumbv7em-none-eabihf", "mps2-an386"),
    // ... or of the AN500's Cortex-M7 (same build): QEMU gives the AN500 the AN385/AN386
    // memory map and peripherals (hw/arm/mps2.c); only its PSRAM (0x6000_0000) and
    // Ethernet (0xA000_0000) addresses differ, which mote-mps2 does not use.
    ("thumbv7em-none-eabihf", "mps2-an500"),
];

/// The runs of the micro:bit package: its own memory map and peripherals (nRF51822),
/// a real Cortex-M0.
pub const MICROBIT_TARGETS: &[(&str, &str)] = &[("thumbv6m-none-eabi", "microbit")];

/// Machines `cargo xtask qemu --machine` accepts.
pub const MACHINES: &[&str] = &["mps2-an385", "mps2-an386", "mps2-an500", "microbit"];

/// Time a firmware binary may run before it is killed and counted as failed; override
/// with `XTASK_QEMU_TIMEOUT_SECS`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The machine a target runs on by default: hard-float code needs the AN386's Cortex-M4F.
pub fn default_machine(target: &str) -> &'static str {
    if target.starts_with("thumbv7em") {
        "mps2-an386"
    } else {
        "mps2-an385"
    }
}

/// A firmware package of the `examples/` workspace.
pub struct Package {
    /// The cargo package name.
    pub name: &'static str,
    /// The folder of its binaries, relative to the repository root.
    pub dir: &'static str,
    /// The (target, machine) pairs `cargo xtask test` runs every binary on; the first
    /// pair with a given target also names the default machine of `cargo xtask qemu`.
    pub runs: &'static [(&'static str, &'static str)],
    /// Its binaries log with defmt over semihosting: their standard output is decoded by
    /// `defmt-print` before it is judged (see the module docs).
    pub defmt: bool,
}

/// The firmware packages. Each package is built by a cargo invocation of its own, so
/// that features are not unified between them: `mote-examples-systick` registers its own
/// time driver and needs the board crate's driver off, which the other examples use;
/// `mote-examples-microbit` is another board altogether, and
/// `mote-examples-microbit-systick` runs mote's SysTick driver on it with the board's own
/// driver off; `mote-examples-trace` turns on `mote/trace` (a larger task header) for its
/// binaries only; `mote-examples-heap` turns on `mote/alloc` (heap tasks) with
/// `embedded-alloc` as the global allocator; `mote-examples-defmt` brings defmt and its
/// semihosting logger, which no other example carries; `mote-examples-embassy-time` turns
/// on `mote/embassy-time-driver` and brings embassy-time for its test only;
/// `mote-examples-net` does the same for embassy-net; `mote-examples-panics` brings its
/// own panic handler (tests that pass by panicking as announced). Binary names
/// are unique across packages (they share one target folder, and
/// golden output is looked up by name).
pub const PACKAGES: &[Package] = &[
    Package {
        name: "mote-examples",
        dir: "examples/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-systick",
        dir: "examples/systick/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-trace",
        dir: "examples/trace/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-heap",
        dir: "examples/heap/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-microbit",
        dir: "examples/microbit/src/bin",
        runs: MICROBIT_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-microbit-systick",
        dir: "examples/microbit-systick/src/bin",
        runs: MICROBIT_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-embassy-time",
        dir: "examples/embassy-time/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-net",
        dir: "examples/net/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-panics",
        dir: "examples/panics/src/bin",
        runs: TEST_TARGETS,
        defmt: false,
    },
    Package {
        name: "mote-examples-defmt",
        dir: "examples/defmt/src/bin",
        runs: TEST_TARGETS,
        defmt: true,
    },
];

/// The targets of every package's runs, each once, in table order.
fn test_targets() -> Vec<&'static str> {
    let mut targets = Vec::new();
    for package in PACKAGES {
        for (target, _) in package.runs {
            if !targets.contains(target) {
                targets.push(*target);
            }
        }
    }
    targets
}

/// The package holding binary `bin`, if any.
pub fn package_of(root: &Path, bin: &str) -> Result<Option<&'static Package>, Error> {
    for package in PACKAGES {
        if package_binaries(&root.join(package.dir))?
            .iter()
            .any(|b| b == bin)
        {
            return Ok(Some(package));
        }
    }
    Ok(None)
}

/// True when `bin` belongs to a package that logs with defmt ([`Package::defmt`]).
pub fn logs_defmt(root: &Path, bin: &str) -> Result<bool, Error> {
    Ok(package_of(root, bin)?.is_some_and(|package| package.defmt))
}

/// The machine `cargo xtask qemu` runs `bin` built for `target` on: the machine of the
/// first run of `bin`'s package with that target. An error names the targets the
/// package runs on when `target` is none of them.
pub fn machine_for(root: &Path, bin: &str, target: &str) -> Result<&'static str, Error> {
    let Some(package) = package_of(root, bin)? else {
        return Ok(default_machine(target)); // the build reports the unknown binary
    };
    if let Some((_, machine)) = package.runs.iter().find(|(t, _)| *t == target) {
        return Ok(machine);
    }
    let targets: Vec<&str> = package.runs.iter().map(|(t, _)| *t).collect();
    Err(format!(
        "{bin} runs on {} only: pass --target {}",
        targets.join(", "),
        targets[0]
    ))
}

/// The binaries in `dir` (a `src/bin` folder): `name.rs` files and `name/main.rs` folders.
pub fn package_binaries(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
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
    Ok(names)
}

/// Builds (release) all binaries of the packages that run on `target`, or only `bin`
/// (whatever its package's runs), and returns the folder holding the ELFs.
pub fn build(root: &Path, target: &str, bin: Option<&str>) -> Result<PathBuf, Error> {
    let examples = root.join("examples");
    let cargo_build = |package: &Package| {
        let mut build = cmd::cargo(&examples);
        build.args(["build", "--release", "--target", target, "-p", package.name]);
        build
    };
    match bin {
        Some(name) => {
            let package = package_of(root, name)?
                .ok_or_else(|| format!("no firmware binary named `{name}`"))?;
            cmd::run(cargo_build(package).args(["--bin", name]))?;
        }
        None => {
            for package in PACKAGES {
                if package.runs.iter().any(|(t, _)| *t == target) {
                    cmd::run(cargo_build(package).arg("--bins"))?;
                }
            }
        }
    }
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

/// How QEMU runs a firmware binary.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// A test: UART0 alone on stdout, deterministic virtual time (see below).
    Test,
    /// `cargo xtask qemu`/`demo`: QEMU's `-nographic` console (UART0 and the monitor on
    /// stdio) and the same deterministic virtual time as a test, so an example prints
    /// exactly its documented output (`examples/expected/<name>.txt`) and its verdicts
    /// hold on a loaded host.
    Console,
    /// `cargo xtask qemu`/`demo` of an example that reads the keyboard
    /// ([`KEYBOARD_EXAMPLES`]): the console, with time following the host clock, so
    /// blinking and key presses happen at a human pace.
    ConsoleRealTime,
    /// A test of a networked binary ([`crate::net`]): like [`Run::Test`], but with the
    /// default `sleep=on`, so an idle guest waits for the host's packets in real time
    /// instead of jumping to its next timer deadline (which would fire TCP's
    /// retransmission timers before any answer could arrive). Instruction counts of busy
    /// code stay exact (`shift=0`).
    Network,
}

/// Examples that read keys from UART0: interactive runs give them real time.
pub const KEYBOARD_EXAMPLES: &[&str] = &["button", "uart_echo", "uart_idle"];

/// The QEMU command line for `elf` on `machine`, run as `run` says. With `defmt` (a
/// binary of a [`Package::defmt`] package) standard output is left to the defmt frames
/// alone: UART0 goes to standard error and there is no console, whatever `run` says.
///
/// Why `-icount shift=0,sleep=off` for test runs: without it, QEMU's timers (SysTick, the
/// CMSDK timers behind `mote::time`) follow the host clock, so a timing test depends on
/// the host's load. With `shift=0` every instruction takes 1 ns of virtual time, and
/// with `sleep=off` an idle CPU jumps straight to the next timer deadline instead of
/// waiting for it in real time (with the default `sleep=on` the wake-up lands up to
/// milliseconds after the deadline, measured here). Timing is then exact and identical
/// run to run, and idle time costs no wall-clock time. One QEMU 7.2 quirk of `sleep=off`
/// (measured): a short periodic CMSDK timer (1 ms) raises only about every other period
/// interrupt while the CPU idles; tests of `PeriodicTimer` must not count on all of them.
pub fn qemu(machine: &str, elf: &Path, run: Run, defmt: bool) -> Command {
    let mut cmd = Command::new(QEMU);
    cmd.args(["-machine", machine]);
    match run {
        _ if defmt => {
            cmd.args(["-display", "none", "-monitor", "none"]);
            cmd.args(["-serial", "file:/dev/stderr"]);
            if run != Run::ConsoleRealTime {
                cmd.args(["-icount", "shift=0,sleep=off"]);
            }
        }
        Run::Test => {
            cmd.args(["-display", "none", "-monitor", "none", "-serial", "stdio"]);
            cmd.args(["-icount", "shift=0,sleep=off"]);
        }
        Run::Network => {
            cmd.args(["-display", "none", "-monitor", "none", "-serial", "stdio"]);
            cmd.args(["-icount", "shift=0"]);
        }
        Run::Console => {
            cmd.arg("-nographic");
            cmd.args(["-icount", "shift=0,sleep=off"]);
        }
        Run::ConsoleRealTime => {
            cmd.arg("-nographic");
        }
    }
    if let Some(bin) = elf.file_name().and_then(|name| name.to_str()) {
        cmd.args(devices(bin));
    }
    cmd.args(["-semihosting-config", "enable=on,target=native", "-kernel"]);
    cmd.arg(elf);
    cmd
}

/// The chips a firmware binary talks to, as QEMU `-device` arguments added to every run
/// of it (`cargo xtask test` and `cargo xtask qemu <name>`).
///
/// - `w25q64,bus=ssi`: a Winbond W25Q64 SPI NOR flash model (JEDEC ID `EF 40 17`). On the
///   MPS2 boards every PL022 names its bus `ssi`; QEMU puts the device on the first it
///   finds, the controller at `0x4002_7000` (`mote_mps2::spi::SPI4`; `info qtree` shows it).
/// - `tmp105,address=0x48,id=tmp105`: a TI TMP105 temperature sensor at I2C address 0x48,
///   on the SBCon at `0x4002_A000` (`mote_mps2::i2c::I2C3`); its `temperature` property
///   (milli-degrees Celsius) is at QOM path `/machine/peripheral/tmp105`. `shared_bus`
///   adds a second one at 0x49 on the same bus.
pub fn devices(bin: &str) -> &'static [&'static str] {
    DEVICES
        .iter()
        .find(|(bins, _)| bins.contains(&bin))
        .map_or(&[], |(_, args)| args)
}

/// The table behind [`devices`]: binaries, and the arguments they get.
const DEVICES: &[(&[&str], &[&str])] = &[
    (&["test_spi", "spi_flash"], &["-device", "w25q64,bus=ssi"]),
    (
        &["test_i2c", "test_i2c_qmp", "i2c_sensor"],
        &["-device", "tmp105,address=0x48,id=tmp105"],
    ),
    (
        &["shared_bus"],
        &[
            "-device",
            "tmp105,address=0x48,id=tmp105",
            "-device",
            "tmp105,address=0x49,id=tmp105b",
        ],
    ),
];

/// For each target of [`PACKAGES`]' runs: builds the binaries of the packages that run
/// on it, runs each on every machine its package lists for the target, and records one
/// outcome per (machine, target, binary).
pub fn test_all(root: &Path, report: &mut Report) {
    let mut bins = Vec::new();
    for package in PACKAGES {
        match package_binaries(&root.join(package.dir)) {
            Ok(mut names) => {
                names.sort();
                bins.push(names);
            }
            Err(e) => {
                report.step("firmware: list binaries", || Err(e));
                return;
            }
        }
    }
    report.step(
        "firmware: interrupt_executor! misuse fails to build with its message",
        || compile_fail(root),
    );
    let timeout = env::var("XTASK_QEMU_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    for target in test_targets() {
        let mut elf_dir = None;
        report.step(format!("firmware: build {target}"), || {
            elf_dir = Some(build(root, target, None)?);
            Ok(())
        });
        let Some(elf_dir) = elf_dir else { continue };
        report.step(format!("firmware: size budgets {target}"), || {
            check_budgets(root, target, &elf_dir, &bins)
        });
        report.step(format!("firmware: task sizes {target}"), || {
            check_task_sizes(root, target, &elf_dir, &bins)
        });
        let runs = PACKAGES.iter().zip(&bins).flat_map(|(package, bins)| {
            package
                .runs
                .iter()
                .filter(|(t, _)| *t == target)
                .flat_map(move |(_, machine)| {
                    bins.iter().map(move |bin| (*machine, bin, package.defmt))
                })
        });
        for (machine, bin, defmt) in runs {
            let name = format!("firmware: {machine} {target} {bin}");
            let elf = elf_dir.join(bin);
            if net::NETWORK_BINARIES.contains(&bin.as_str()) {
                if machine != "mps2-an500" {
                    report.push(network_run(machine, &elf, bin, name, timeout));
                }
                continue;
            }
            if crate::qmp::QMP_TESTS.contains(&bin.as_str()) {
                report.step(name, || crate::qmp::run(machine, bin, &elf).map(drop));
                continue;
            }
            let mut qemu = qemu(machine, &elf, Run::Test, defmt);
            let run =
                input(root, bin).and_then(|stdin| cmd::run_with_timeout(&mut qemu, timeout, stdin));
            let (result, elapsed) = match run {
                Ok(mut captured) => {
                    let decoded = if defmt {
                        decode_defmt(&elf, &captured.raw_stdout).map(|text| captured.stdout = text)
                    } else {
                        Ok(())
                    };
                    let result = decoded.and_then(|()| judge(root, bin, &captured, timeout));
                    (result, captured.elapsed)
                }
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

/// `cargo xtask net-test`: builds `net` for `target` and runs its network test (the
/// test command's `net` step, [`crate::http_client::check_net`]) `runs` times in a row,
/// to see whether a rare failure repeats; fails if any run failed.
pub fn net_test(root: &Path, target: &str, runs: usize) -> Result<(), Error> {
    let machine = machine_for(root, "net", target)?;
    let elf = build(root, target, Some("net"))?.join("net");
    let timeout = env::var("XTASK_QEMU_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let mut failed = 0;
    for k in 1..=runs {
        let name = format!("net run {k} of {runs} ({machine} {target})");
        let outcome = network_run(machine, &elf, "net", name, timeout);
        match &outcome.result {
            Ok(()) => eprintln!(
                "{}: ok in {:.1} s",
                outcome.name,
                outcome.elapsed.as_secs_f64()
            ),
            Err(e) => {
                failed += 1;
                eprintln!("{}: FAILED: {e}", outcome.name);
            }
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} of {runs} net runs failed")),
    }
}

/// One run of a networked binary with its host client ([`crate::net`]): it passes when
/// the client's transfers all checked out and, for a `test_*` binary, QEMU exited with 0
/// (an example serving forever is stopped after the transfers).
fn network_run(machine: &str, elf: &Path, bin: &str, name: String, timeout: Duration) -> Outcome {
    let run = net::free_ports().and_then(|ports| {
        let mut qemu = qemu(machine, elf, Run::Network, false);
        net::add_nic(&mut qemu, ports);
        net::run(&mut qemu, bin, ports, timeout)
    });
    let (result, elapsed) = match run {
        Ok((captured, client)) => {
            let result = client.and_then(|()| match captured.status {
                Some(status) if !status.success() => Err(format!("exited with {status}")),
                None if bin.starts_with("test_") => {
                    Err(format!("killed after the {} s time-out", timeout.as_secs()))
                }
                _ => Ok(()),
            });
            if result.is_err() {
                eprintln!("--- {bin}: output (UART0) ---\n{}", captured.stdout);
                if !captured.stderr.is_empty() {
                    eprintln!("--- {bin}: QEMU stderr ---\n{}", captured.stderr);
                }
            }
            (result, captured.elapsed)
        }
        Err(e) => (Err(e), Duration::ZERO),
    };
    Outcome {
        name,
        result,
        elapsed,
    }
}

/// The `defmt-print` command that decodes the frames of `elf`, one line per message:
/// time stamp, level, text. The format is given explicitly (no file/line locations, which
/// name host paths) so the output is the same on every machine.
pub fn defmt_print(elf: &Path) -> Command {
    let mut cmd = Command::new(crate::setup::DEFMT_PRINT);
    cmd.arg("-e").arg(elf);
    cmd.args(["--log-format", "{t} {L} {s}"]);
    cmd.arg("stdin");
    cmd
}

/// Decodes the defmt frames `frames` of a run of `elf` with [`defmt_print`].
fn decode_defmt(elf: &Path, frames: &[u8]) -> Result<String, Error> {
    let mut decoder = defmt_print(elf);
    cmd::echo(&decoder);
    let mut child = decoder
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", crate::setup::DEFMT_PRINT))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let frames = frames.to_vec();
    // Written from a thread: the decoder's output pipe is read below at the same time.
    let writer = std::thread::spawn(move || stdin.write_all(&frames));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{}: {e}", crate::setup::DEFMT_PRINT))?;
    let written = writer.join().map_err(|_| "the frame writer panicked")?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            crate::setup::DEFMT_PRINT,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    written.map_err(|e| format!("cannot feed {}: {e}", crate::setup::DEFMT_PRINT))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Checks every example (a binary that is not a `test_*`) of the packages that run on
/// `target` against its size budget ([`crate::size`]); prints each figure, and fails
/// naming every example over budget or without one.
fn check_budgets(
    root: &Path,
    target: &str,
    elf_dir: &Path,
    bins: &[Vec<String>],
) -> Result<(), Error> {
    let examples = bins_on(target, bins).filter(|b| !b.starts_with("test_"));
    crate::size::check_bins(root, target, elf_dir, examples.map(String::as_str))
}

/// The task-size report of every binary of the packages that run on `target`, checked
/// against the linker ([`crate::task_sizes::cross_check`]: each task's recorded pool size
/// must be its `__MOTE_POOL` symbol's size), and every example's largest task against
/// the task column of its budget line; prints each example's largest task.
fn check_task_sizes(
    root: &Path,
    target: &str,
    elf_dir: &Path,
    bins: &[Vec<String>],
) -> Result<(), Error> {
    use crate::task_sizes;
    let budgets = crate::size::budgets(root)?;
    let mut errors = Vec::new();
    for bin in bins_on(target, bins) {
        let elf = elf_dir.join(bin);
        let checked = task_sizes::read(&elf).and_then(|records| {
            task_sizes::cross_check(&records, &task_sizes::pool_symbols(&elf)?)?;
            let largest = records
                .first()
                .map(|r| (r.name.as_str(), u64::from(r.pool_bytes)));
            if bin.starts_with("test_") {
                return Ok(String::new());
            }
            crate::size::check_task(&budgets, bin, target, largest)
        });
        match checked {
            Ok(summary) if summary.is_empty() => {}
            Ok(summary) => eprintln!("task sizes {target} {bin}: {summary}"),
            Err(e) => errors.push(format!("{bin}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// The binaries (of `bins`, listed per entry of [`PACKAGES`]) of the packages that run on
/// `target`.
fn bins_on<'a>(target: &'a str, bins: &'a [Vec<String>]) -> impl Iterator<Item = &'a String> {
    PACKAGES
        .iter()
        .zip(bins)
        .filter(move |(package, _)| package.runs.iter().any(|(t, _)| *t == target))
        .flat_map(|(_, bins)| bins)
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

/// The package of firmware that must not build (`examples/compile-fail`): its correct
/// use (`bound`) must build; each `cf_*` binary, built with feature `misuse`, must fail
/// with the message its first line states (`//! error: <text>`).
fn compile_fail(root: &Path) -> Result<(), Error> {
    let examples = root.join("examples");
    let build = |bin: &str| {
        let mut build = cmd::cargo(&examples);
        build.args([
            "build",
            "--release",
            "--target",
            "thumbv7m-none-eabi",
            "-p",
            "mote-examples-compile-fail",
            "--bin",
            bin,
        ]);
        build
    };
    cmd::run(&mut build("bound"))?;
    let dir = examples.join("compile-fail/src/bin");
    let mut names = package_binaries(&dir)?;
    names.sort();
    for name in names.iter().filter(|n| n.starts_with("cf_")) {
        let path = dir.join(format!("{name}.rs"));
        let source = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let expected = source
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("//! error: "))
            .ok_or_else(|| format!("{}: no `//! error: ` first line", path.display()))?;
        let mut cmd = build(name);
        cmd.args(["--features", "misuse"]);
        cmd::fails_with(&mut cmd, &format!("{name} built"), &[expected])
            .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// Pass or fail for one run of `bin`; on failure the output is printed.
fn judge(root: &Path, bin: &str, run: &cmd::Captured, timeout: Duration) -> Result<(), Error> {
    let verdict = verdict(root, bin, run, timeout);
    if verdict.is_err() {
        eprintln!(
            "--- {bin}: output (UART0, or decoded defmt) ---\n{}",
            run.stdout
        );
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
    use super::{compare, devices, qemu, test_targets, Run, DEVICES, MACHINES, PACKAGES};
    use std::path::Path;

    #[test]
    fn every_run_names_a_known_target_and_machine() {
        for package in PACKAGES {
            assert!(!package.runs.is_empty(), "{} has no runs", package.name);
            for (target, machine) in package.runs {
                assert!(
                    crate::setup::THUMB_TARGETS.contains(target),
                    "{}: {target}",
                    package.name
                );
                assert!(MACHINES.contains(machine), "{}: {machine}", package.name);
            }
        }
    }

    #[test]
    fn defmt_runs_keep_stdout_for_the_frames() {
        for run in [Run::Test, Run::Console, Run::ConsoleRealTime] {
            let cmd = qemu("mps2-an385", Path::new("elf"), run, true);
            let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
            assert!(!args.iter().any(|a| a == "-nographic"), "{args:?}");
            assert!(
                args.windows(2)
                    .any(|w| w[0] == "-serial" && w[1] == "file:/dev/stderr"),
                "{args:?}"
            );
        }
        assert!(
            PACKAGES.iter().any(|p| p.defmt),
            "a defmt package is tested"
        );
    }

    #[test]
    fn test_targets_lists_each_target_once_in_table_order() {
        assert_eq!(
            test_targets(),
            [
                "thumbv7m-none-eabi",
                "thumbv6m-none-eabi",
                "thumbv7em-none-eabihf"
            ]
        );
    }

    #[test]
    fn every_binary_given_devices_or_a_qmp_or_network_harness_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let named = DEVICES.iter().flat_map(|(bins, _)| bins.iter());
        for bin in named
            .chain(crate::qmp::QMP_TESTS)
            .chain(crate::net::NETWORK_BINARIES)
        {
            let in_a_package = PACKAGES
                .iter()
                .any(|package| root.join(package.dir).join(format!("{bin}.rs")).is_file());
            assert!(in_a_package, "{bin}: no such binary");
        }
        assert_eq!(devices("test_spi"), ["-device", "w25q64,bus=ssi"]);
        assert!(devices("blinky").is_empty());
    }

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
