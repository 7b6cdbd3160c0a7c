//! Project automation, std only: `cargo xtask <command>`.
//!
//! ```text
//! cargo xtask test [--quick]     set up, then host tests, Miri (skipped by --quick),
//!                                Clippy, every firmware binary in QEMU, and the real
//!                                chips' firmware built (xtask/src/chips.rs); prints a table
//! cargo xtask demo               set up, then run the demo firmware in QEMU (interactive)
//! cargo xtask qemu <example> [--machine mps2-an385|mps2-an386|mps2-an500|microbit]
//!                  [--target <triple>]
//!                                build one firmware binary and run it interactively
//! cargo xtask size <example> [--target <triple>]
//!                                llvm-size of one firmware binary (release)
//! cargo xtask size --tasks <example> [--target <triple>]
//!                                every task function of that binary: future size, pool
//!                                size and static RAM, biggest first
//! cargo xtask trace <example> [--target <triple>]
//!                                run a firmware that records its timeline in QEMU and
//!                                write target/trace/<example>.json (Perfetto) and .svg
//! cargo xtask net-test [--runs N] [--target <triple>]
//!                                the test command's `net` run (HTTP, echo, DHCP, task
//!                                table, aborted clients), N times in a row (default 1)
//! cargo xtask bench [--host]     Mote against Embassy in QEMU (and tokio/Embassy on the
//!                                host with --host); writes bench/REPORT.md
//! cargo xtask bench --net         only the networked firmware's rows, printed (no file
//!                                written)
//! ```

mod bench;
mod chips;
mod cmd;
mod firmware;
mod host;
mod http_client;
mod net;
mod qmp;
mod report;
mod setup;
mod size;
mod task_sizes;
mod timeline;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use cmd::Error;
use report::Report;

/// The firmware `cargo xtask demo` runs: the seed's blinky + button app (it prints which
/// key toggles blinking).
const DEMO: &str = "button";
/// Default target of `qemu` and `size`.
const DEFAULT_TARGET: &str = "thumbv7m-none-eabi";

const USAGE: &str = "\
usage: cargo xtask <command>
  test [--quick]                    all checks (--quick skips Miri)
  demo                              run the demo firmware in QEMU
  qemu <example> [--machine M] [--target T]
                                    run one firmware binary in QEMU (M: mps2-an385, mps2-an386,
                                    mps2-an500, microbit; default: the binary's board)
  size [--tasks] <example> [--target T]
                                    code and data size of one firmware binary (--tasks: the
                                    static RAM of each task function, biggest first)
  trace <example> [--target T]      timeline of a run: target/trace/<example>.json (Perfetto)
                                    and .svg (examples with a `timeline` feature: starvation)
  net-test [--runs N] [--target T]  the `net` firmware's network test, N times (1 to 100)
  bench [--host]                    benchmarks against Embassy (and tokio with --host)
  bench --net                       only the networked firmware's rows (prints, writes nothing)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), Error> {
    let root = root();
    let (command, rest) = args.split_first().ok_or_else(|| USAGE.to_string())?;
    match command.as_str() {
        "test" => test(&root, parse_flags(rest, &["--quick"])?.contains(&"--quick")),
        "demo" => {
            parse_flags(rest, &[])?;
            setup::firmware()?;
            interactive(&root, DEMO, DEFAULT_TARGET, None)
        }
        "qemu" => {
            let opts = parse_example(rest, true)?;
            setup::firmware()?;
            interactive(&root, &opts.example, &opts.target, opts.machine.as_deref())
        }
        "size" => {
            let tasks = rest.iter().any(|arg| arg == "--tasks");
            let rest: Vec<String> = rest.iter().filter(|a| *a != "--tasks").cloned().collect();
            let opts = parse_example(&rest, false)?;
            if tasks {
                size_tasks(&root, &opts.example, &opts.target)
            } else {
                size(&root, &opts.example, &opts.target)
            }
        }
        "trace" => {
            let opts = parse_example(rest, false)?;
            setup::firmware()?;
            let out = timeline::run(&root, &opts.example, &opts.target)?;
            println!(
                "{} events of {} tasks; wrote {} (open in ui.perfetto.dev) and {}",
                out.timeline.events.len(),
                out.timeline.tasks().len(),
                out.json.0.display(),
                out.svg.display()
            );
            Ok(())
        }
        "net-test" => {
            let (runs, target) = parse_net_test(rest)?;
            setup::firmware()?;
            firmware::net_test(&root, &target, runs)
        }
        "bench" => {
            let flags = parse_flags(rest, &["--host", "--net"])?;
            if flags.contains(&"--net") {
                setup::firmware()?;
                return bench::net_only(&root);
            }
            bench::run(&root, flags.contains(&"--host"))
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

/// The repository root (the parent of this crate's folder).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in a folder of the repository")
        .to_path_buf()
}

fn test(root: &Path, quick: bool) -> Result<(), Error> {
    setup::firmware()?;
    setup::defmt_print()?;
    if !quick {
        setup::miri()?;
    }
    let mut report = Report::default();
    host::tests(root, &mut report);
    if !quick {
        host::miri(root, &mut report);
        host::miri_seeded(root, &mut report);
        host::loom(root, &mut report);
    }
    host::fmt(root, &mut report);
    host::clippy(root, &mut report);
    host::bench_builds(root, &mut report);
    host::msrv(root, &mut report);
    host::docs(root, &mut report);
    firmware::test_all(root, &mut report);
    chips::test_all(root, &mut report);
    report.step(
        "trace: starvation timeline (JSON + SVG) agrees with its statistics",
        || {
            let out = timeline::run(root, "starvation", DEFAULT_TARGET)?;
            let stats = timeline::parse_stats(&out.output);
            timeline::check_against_stats(&out.timeline, &out.json.1, &stats)
        },
    );
    report.print();
    match report.failures() {
        0 => Ok(()),
        n => Err(format!("{n} step(s) failed")),
    }
}

fn interactive(
    root: &Path,
    example: &str,
    target: &str,
    machine: Option<&str>,
) -> Result<(), Error> {
    let machine = match machine {
        Some(machine) => machine,
        None => firmware::machine_for(root, example, target)?,
    };
    let defmt = firmware::logs_defmt(root, example)?;
    if defmt {
        setup::defmt_print()?;
    }
    let elf = firmware::build(root, target, Some(example))?.join(example);
    if qmp::QMP_TESTS.contains(&example) {
        eprintln!("Running {example} on {machine} under its QMP harness");
        return qmp::run(machine, example, &elf).map(|transcript| eprint!("{transcript}"));
    }
    let run = if firmware::KEYBOARD_EXAMPLES.contains(&example)
        || net::NETWORK_BINARIES.contains(&example)
    {
        firmware::Run::ConsoleRealTime
    } else {
        firmware::Run::Console
    };
    let mut qemu = firmware::qemu(machine, &elf, run, defmt);
    if net::NETWORK_BINARIES.contains(&example) {
        let ports = net::free_ports()?;
        net::add_nic(&mut qemu, ports);
        let net::Ports { echo, http } = ports;
        eprintln!(
            "Running {example} on {machine} (quit QEMU with Ctrl-A then X); once it listens:"
        );
        if example == "net" {
            eprintln!("  page:   curl http://127.0.0.1:{http}/");
            eprintln!("  LED 0:  curl -X POST http://127.0.0.1:{http}/led/0");
        }
        eprintln!("  echo:   nc 127.0.0.1 {echo}");
        return cmd::run(&mut qemu);
    }
    if !defmt {
        eprintln!("Running {example} on {machine} (quit QEMU with Ctrl-A then X)");
        return cmd::run(&mut qemu);
    }
    eprintln!(
        "Running {example} on {machine}, its defmt frames decoded by defmt-print (Ctrl-C quits)"
    );
    run_defmt(&mut qemu, &mut firmware::defmt_print(&elf))
}

/// Runs `qemu` with its standard output (defmt frames) piped into `decoder`, whose text
/// output is the terminal's; an error unless both exit with status 0.
fn run_defmt(qemu: &mut Command, decoder: &mut Command) -> Result<(), Error> {
    cmd::echo(qemu);
    cmd::echo(decoder);
    let mut emulator = qemu
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", qemu.get_program()))?;
    let frames = emulator.stdout.take().expect("stdout is piped");
    let decoded = decoder
        .stdin(frames)
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", decoder.get_program()));
    let ran = emulator.wait().map_err(|e| e.to_string())?;
    let decoded = decoded?;
    if !ran.success() {
        return Err(format!("{:?} failed: {ran}", qemu.get_program()));
    }
    if !decoded.success() {
        return Err(format!("{:?} failed: {decoded}", decoder.get_program()));
    }
    Ok(())
}

fn size(root: &Path, example: &str, target: &str) -> Result<(), Error> {
    let elf = firmware::build(root, target, Some(example))?.join(example);
    cmd::run(Command::new(size::llvm_size()?).arg(&elf))
}

/// The task-size report of one firmware binary ([`task_sizes`]), cross-checked against
/// the linker's pool symbols before it is printed.
fn size_tasks(root: &Path, example: &str, target: &str) -> Result<(), Error> {
    let elf = firmware::build(root, target, Some(example))?.join(example);
    let records = task_sizes::read(&elf)?;
    task_sizes::cross_check(&records, &task_sizes::pool_symbols(&elf)?)?;
    println!("{example} on {target}: static RAM of each task function (bytes)");
    print!("{}", task_sizes::table(&records));
    Ok(())
}

/// Checks that `args` holds only flags from `known`, and returns them.
fn parse_flags<'a>(args: &'a [String], known: &[&str]) -> Result<Vec<&'a str>, Error> {
    args.iter()
        .map(|arg| {
            if known.contains(&arg.as_str()) {
                Ok(arg.as_str())
            } else {
                Err(format!("unexpected argument `{arg}`\n{USAGE}"))
            }
        })
        .collect()
}

/// Parses `[--runs N] [--target T]` of `net-test`.
fn parse_net_test(args: &[String]) -> Result<(usize, String), Error> {
    let mut runs = 1;
    let mut target = DEFAULT_TARGET.to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("`{arg}` needs a value\n{USAGE}"))?;
        match arg.as_str() {
            "--runs" => {
                runs = value
                    .parse()
                    .ok()
                    .filter(|&n| (1..=100).contains(&n))
                    .ok_or_else(|| format!("`--runs` takes 1 to 100, not `{value}`"))?
            }
            "--target" => target = value.clone(),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
        }
    }
    Ok((runs, target))
}

struct ExampleOpts {
    example: String,
    target: String,
    machine: Option<String>,
}

/// Parses `<example> [--target T] [--machine M]` (`--machine` only if `with_machine`).
fn parse_example(args: &[String], with_machine: bool) -> Result<ExampleOpts, Error> {
    let mut example = None;
    let mut target = DEFAULT_TARGET.to_string();
    let mut machine = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--target" => target = value("--target")?,
            "--machine" if with_machine => {
                let m = value("--machine")?;
                if !firmware::MACHINES.contains(&m.as_str()) {
                    return Err(format!(
                        "unknown machine `{m}`; choose one of {}",
                        firmware::MACHINES.join(", ")
                    ));
                }
                machine = Some(m);
            }
            flag if flag.starts_with('-') => {
                return Err(format!("unexpected argument `{flag}`\n{USAGE}"))
            }
            name if example.is_none() => example = Some(name.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`\n{USAGE}")),
        }
    }
    if !setup::THUMB_TARGETS.contains(&target.as_str()) {
        return Err(format!(
            "unknown target `{target}`; choose one of {}",
            setup::THUMB_TARGETS.join(", ")
        ));
    }
    let example = example.ok_or_else(|| format!("which example?\n{USAGE}"))?;
    Ok(ExampleOpts {
        example,
        target,
        machine,
    })
}
