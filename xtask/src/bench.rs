//! `cargo xtask bench [--host]`: the comparative benchmarks of `bench/`.
//!
//! Firmware part (always): builds `bench/fw` once per runtime and feature set (features
//! `mote`, `embassy`; same profile: opt-level "s", LTO, one codegen unit), runs each
//! workload binary under [`QEMU_ARGS`] (`-icount shift=0`: one SysTick count = 40
//! instructions, exact and repeatable), turns the `BENCH` lines into per-operation
//! instruction counts (differential: `(counts(n_max) - counts(n_min)) * 40 / (n_max -
//! n_min)`), and measures the footprint app with `llvm-size` at opt-level "s" and "z".
//! Every executor and sync workload is measured in the three [`CONFIGS`]: (a) time off,
//! (b) time on with no timer ever scheduled, (c) time on with `bench_fw::live` running (a
//! 1 ms `Ticker` task and ten sleepers, after timers fired). The two-LED `Ticker` blinky
//! (`bench/fw/src/bin/blinky.rs`) gives the app rows: flash and static RAM from
//! `llvm-size`, peak stack from its painted-stack report. The README's headline table
//! (between `<!-- bench-table -->` marks) is rewritten from the rows with a headline
//! label: configuration (c), timers, task headers and the blinky.
//!
//! Host part (`--host`): builds `bench/host` twice (profile `release`, and profile
//! `release-timers` with feature `timers`, which turns on Mote's `time`, for the timers
//! workload only) and runs each workload under `valgrind --tool=callgrind`
//! (instructions) and plainly (median wall time).
//!
//! Output: one table on stdout, `bench/REPORT.md` (table, command, machine notes and the
//! hand-written analysis in `bench/ANALYSIS.md`) and `bench/ratios.svg`. Any figure that
//! cannot be measured is shown as such and makes the command fail.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cmd::{self, Error};
use crate::size::{parse_size, SECTIONS};

/// The firmware benchmark crate (its own workspace) and its target.
const FW_DIR: &str = "bench/fw";
const FW_TARGET: &str = "thumbv7m-none-eabi";
/// The host benchmark crate (its own workspace).
const HOST_DIR: &str = "bench/host";
/// The runtimes the firmware is built for: Mote first, then its peer.
const RUNTIMES: [&str; 2] = ["mote", "embassy"];
/// How QEMU runs each benchmark (the ELF path follows `-kernel`).
pub const QEMU_ARGS: &[&str] = &[
    "-machine",
    "mps2-an385",
    "-icount",
    "shift=0,sleep=off",
    "-nographic",
    "-semihosting-config",
    "enable=on,target=native",
    "-kernel",
];
/// Instructions per SysTick count: 25 MHz core clock, 1 ns of virtual time per instruction.
const INSTR_PER_COUNT: f64 = 40.0;
/// Time one benchmark run may take before it is killed and counted as failed.
const TIMEOUT: Duration = Duration::from_secs(120);

/// One firmware workload: which binary prints it, with which cargo features (besides the
/// runtime's and its configuration's), under which `BENCH` name, minus which baseline, in
/// which table row.
struct FwWorkload {
    bin: &'static str,
    /// Extra features of `bench/fw` (comma-separated; "" for none).
    features: &'static str,
    name: &'static str,
    /// A `BENCH` name (same binary) whose per-operation figure is subtracted.
    baseline: Option<&'static str>,
    label: &'static str,
    /// Measured in each of the three [`CONFIGS`] (the executor and sync workloads);
    /// otherwise once, with `features` alone.
    configs: bool,
    /// The row's label in the README's headline table, if it is there (for a workload
    /// measured in three configurations: its configuration (c) row).
    headline: Option<&'static str>,
    /// For an operation the peer does not have (task handles): the (binary, `BENCH`
    /// name) whose figure, in the same build, fills the peer's column instead.
    peer: Option<(&'static str, &'static str)>,
}

const fn w(bin: &'static str, name: &'static str, label: &'static str) -> FwWorkload {
    FwWorkload {
        bin,
        features: "",
        name,
        baseline: None,
        label,
        configs: true,
        headline: None,
        peer: None,
    }
}

/// One configuration of the executor and sync rows: its tag, the features of `bench/fw`
/// that make it, and the text that ends the row's label.
struct Config {
    tag: &'static str,
    features: &'static str,
    label: &'static str,
}

/// The three configurations every executor and sync row is measured in (issue 11).
const CONFIGS: [Config; 3] = [
    Config {
        tag: "a",
        features: "",
        label: "(a) time off",
    },
    Config {
        tag: "b",
        features: "timers",
        label: "(b) time on, no timer ever scheduled",
    },
    Config {
        tag: "c",
        features: "timers,live",
        label: "(c) as users run it: time on, a 1 ms Ticker and 10 sleepers alive, timers fired",
    },
];

/// The configuration whose rows the README's headline table shows.
const HEADLINE_CONFIG: &str = "c";

/// Extra features of the timer workload.
const TIMERS: &str = "timers,irq-executor";

/// Extra features of the task-handle workloads: configuration (c) only.
const HANDLES: &str = "timers,live";

/// Firmware workloads, in table order.
const FW_WORKLOADS: &[FwWorkload] = &[
    FwWorkload {
        headline: Some("yield round trip, 2 tasks"),
        ..w("bench_yield", "yield", "1. yield round trip, 2 tasks,")
    },
    FwWorkload {
        headline: Some("capacity-1 channel ping-pong, per message"),
        ..w(
            "bench_channel",
            "channel",
            "2. channel (capacity 1) ping-pong, per message,",
        )
    },
    FwWorkload {
        headline: Some("Signal hand-off, per hand-off"),
        ..w(
            "bench_signal",
            "signal",
            "3. Signal hand-off between 2 tasks, per hand-off,",
        )
    },
    FwWorkload {
        headline: Some("spawn + run a trivial task"),
        ..w("bench_spawn", "spawn", "4. spawn + run trivial task,")
    },
    FwWorkload {
        features: HANDLES,
        configs: false,
        peer: Some(("bench_spawn", "spawn")),
        ..w(
            "bench_handles",
            "spawn_join",
            "4. spawn + run + join (`JoinHandle`) of a task returning a u32, (c); \
             embassy (no handles): spawn + run trivial task, (c)",
        )
    },
    FwWorkload {
        features: HANDLES,
        configs: false,
        peer: Some(("bench_spawn", "spawn")),
        ..w(
            "bench_handles",
            "spawn_abort",
            "4. spawn + abort + join of a task returning a u32, (c); \
             embassy (no abort): spawn + run trivial task, (c)",
        )
    },
    FwWorkload {
        features: TIMERS,
        configs: false,
        headline: Some("timer schedule + expire, no other task sleeping"),
        ..w(
            "bench_timer",
            "timer_n0",
            "5. timer schedule + expire, N = 0 sleeping",
        )
    },
    FwWorkload {
        features: TIMERS,
        configs: false,
        headline: Some("timer schedule + expire, 1 other task sleeping"),
        ..w(
            "bench_timer",
            "timer_n1",
            "5. timer schedule + expire, N = 1 sleeping",
        )
    },
    FwWorkload {
        features: TIMERS,
        configs: false,
        ..w(
            "bench_timer",
            "timer_n10",
            "5. timer schedule + expire, N = 10 sleeping",
        )
    },
    FwWorkload {
        features: TIMERS,
        configs: false,
        ..w(
            "bench_timer",
            "timer_n100",
            "5. timer schedule + expire, N = 100 sleeping",
        )
    },
    FwWorkload {
        features: TIMERS,
        configs: false,
        ..w(
            "bench_timer",
            "timer_n1000",
            "5. timer schedule + expire, N = 1000 sleeping",
        )
    },
    FwWorkload {
        features: TIMERS,
        configs: false,
        headline: Some("timer schedule + expire, 5000 other tasks sleeping"),
        ..w(
            "bench_timer",
            "timer_n5000",
            "5. timer schedule + expire, N = 5000 sleeping",
        )
    },
    FwWorkload {
        baseline: Some("irq_base"),
        headline: Some("interrupt → task latency, thread-mode executor"),
        ..w(
            "bench_irq",
            "irq_thread",
            "6. interrupt-to-task latency, thread-mode executor,",
        )
    },
    FwWorkload {
        features: "irq-executor",
        baseline: Some("irq_base"),
        headline: Some("interrupt → task latency, interrupt executor"),
        ..w(
            "bench_irq_executor",
            "irq_executor",
            "6. interrupt-to-task latency, interrupt executor,",
        )
    },
];

/// One measured figure of a workload: in one configuration, or the workload's only one.
struct FwRun {
    wl: &'static FwWorkload,
    /// Key of the figure: the `BENCH` name, plus `@<tag>` for a configuration.
    key: String,
    /// Extra features of the build (sorted, so equal sets share one build).
    features: String,
    label: String,
    headline: Option<&'static str>,
}

/// Every firmware figure, in table order: a workload with [`FwWorkload::configs`] once
/// per configuration, the others once.
fn fw_runs() -> Vec<FwRun> {
    let mut runs = Vec::new();
    for wl in FW_WORKLOADS {
        if wl.configs {
            for c in &CONFIGS {
                runs.push(FwRun {
                    wl,
                    key: format!("{}@{}", wl.name, c.tag),
                    features: feature_set(&[wl.features, c.features]),
                    label: format!("{} {}", wl.label, c.label),
                    headline: wl.headline.filter(|_| c.tag == HEADLINE_CONFIG),
                });
            }
        } else {
            runs.push(FwRun {
                wl,
                key: wl.name.to_string(),
                features: feature_set(&[wl.features]),
                label: wl.label.to_string(),
                headline: wl.headline,
            });
        }
    }
    runs
}

/// The union of comma-separated feature lists, sorted and without repeats.
fn feature_set(lists: &[&str]) -> String {
    let mut all: Vec<&str> = lists
        .iter()
        .flat_map(|l| l.split(','))
        .filter(|f| !f.is_empty())
        .collect();
    all.sort_unstable();
    all.dedup();
    all.join(",")
}

/// The timer-scaling row: Mote's and the peer's cost at N = 5000 over their cost at N = 1.
const TIMER_SCALING: (&str, &str, &str) = (
    "timer_n5000",
    "timer_n1",
    "5. timer scaling: cost(N = 5000) / cost(N = 1)",
);

/// The cargo features of a build of `bench/fw` for `rt` with `extra` features. Mote's
/// timer builds also take mote-mps2's time driver (not the Embassy build: its image would
/// hold Mote's driver code).
fn fw_features(rt: &str, extra: &str) -> String {
    let mut f = rt.to_string();
    if !extra.is_empty() {
        f.push(',');
        f.push_str(extra);
    }
    if rt == "mote" && extra.split(',').any(|x| x == "timers") {
        f.push_str(",mote-time-driver");
    }
    f
}

/// Host workloads: (`BENCH` name, table label).
const HOST_WORKLOADS: &[(&str, &str)] = &[
    ("yield", "host: yield round trip, 2 tasks"),
    ("spawn", "host: spawn-storm, 100 000 tasks (per task)"),
    (
        "channel",
        "host: channel (capacity 1) ping-pong, per message",
    ),
    (
        "timers",
        "host: 10 000 timers, distinct deadlines up to 100 ms (total)",
    ),
];
/// Host workloads that need `bench/host`'s `timers` feature (built with profile
/// [`HOST_TIMERS_PROFILE`], so the other workloads run Mote without its `time` feature).
const HOST_TIMER_WORKLOADS: &[&str] = &["timers"];
/// Cargo profile of the `timers` build of `bench/host` (its own output directory).
const HOST_TIMERS_PROFILE: &str = "release-timers";
/// Host peers, in table order.
const HOST_RUNTIMES: [&str; 3] = ["mote", "tokio", "embassy"];
/// Time one host run (plain or under callgrind) may take: Embassy's 100 000-task spawn
/// storm searches its pool linearly (quadratic in total) and takes minutes under callgrind.
const HOST_TIMEOUT: Duration = Duration::from_secs(1200);
/// Wall-time runs per host workload (the median is reported).
const WALL_RUNS: usize = 3;

/// One line of the table: a figure for Mote and for one peer (lower is better).
struct Row {
    label: String,
    unit: &'static str,
    peer: &'static str,
    mote: Result<f64, Error>,
    other: Result<f64, Error>,
    /// Label in the README's headline table, if the row is there.
    headline: Option<&'static str>,
}

impl Row {
    /// Mote's figure divided by the peer's (below 1: Mote is better).
    fn ratio(&self) -> Option<f64> {
        match (&self.mote, &self.other) {
            (Ok(m), Ok(p)) if *p != 0.0 => Some(m / p),
            _ => None,
        }
    }
}

/// `cargo xtask bench --net`: the networked firmware's rows alone, printed; no file is
/// written (the report needs every row).
pub fn net_only(root: &Path) -> Result<(), Error> {
    let mut rows = Vec::new();
    net_rows(&root.join(FW_DIR), &mut rows);
    println!("{}", table(&rows));
    match rows
        .iter()
        .find_map(|r| r.mote.as_ref().err().or(r.other.as_ref().err()))
    {
        Some(e) => Err(e.clone()),
        None => Ok(()),
    }
}

/// Runs the benchmarks; `host` adds the host part.
pub fn run(root: &Path, host: bool) -> Result<(), Error> {
    crate::setup::firmware()?;
    let mut rows = Vec::new();
    firmware(root, &mut rows);
    if host {
        host_part(root, &mut rows);
    }
    let table = table(&rows);
    println!("{table}");
    let failed: Vec<String> = rows
        .iter()
        .flat_map(|r| [(&r.mote, "mote"), (&r.other, r.peer)].map(|(v, who)| (r, v, who)))
        .filter_map(|(r, v, who)| {
            v.as_ref()
                .err()
                .map(|e| format!("{} ({who}): {e}", r.label))
        })
        .collect();
    write_report(root, &rows, &table, host)?;
    write_svg(&root.join("bench/ratios.svg"), &rows)?;
    write_readme(&root.join("README.md"), &rows)?;
    eprintln!("wrote bench/REPORT.md, bench/ratios.svg and README.md's headline table");
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} figure(s) could not be measured:\n  {}",
            failed.len(),
            failed.join("\n  ")
        ))
    }
}

// ---------------------------------------------------------------- firmware part

/// Builds, runs and sizes the firmware for both runtimes, adding rows to `rows`.
fn firmware(root: &Path, rows: &mut Vec<Row>) {
    let dir = root.join(FW_DIR);
    let runs = fw_runs();
    let mut per_rt: Vec<BTreeMap<String, Result<f64, Error>>> = Vec::new();
    let mut sizes: Vec<Result<Footprint, Error>> = Vec::new();
    for rt in RUNTIMES {
        per_rt.push(fw_figures(&dir, rt, &runs));
        sizes.push(footprint(&dir, rt));
    }
    for run in &runs {
        rows.push(Row {
            label: run.label.clone(),
            unit: "instr",
            peer: "embassy",
            mote: per_rt[0][&run.key].clone(),
            other: per_rt[1][&run.key].clone(),
            headline: run.headline,
        });
    }
    let (hi, lo, label) = TIMER_SCALING;
    let scaling = |f: &BTreeMap<String, Result<f64, Error>>| -> Result<f64, Error> {
        let (h, l) = (f[hi].clone()?, f[lo].clone()?);
        if l > 0.0 {
            Ok(h / l)
        } else {
            Err(format!("{lo} measured {l} instructions"))
        }
    };
    rows.push(Row {
        label: label.to_string(),
        unit: "ratio",
        peer: "embassy",
        mote: scaling(&per_rt[0]),
        other: scaling(&per_rt[1]),
        headline: None,
    });
    let pick = |i: usize, f: &dyn Fn(&Footprint) -> Result<f64, Error>| {
        sizes[i].as_ref().map_err(Clone::clone).and_then(f)
    };
    for (p, (profile, opt)) in PROFILES.iter().enumerate() {
        for (s, section) in SECTIONS.iter().enumerate() {
            let get = |f: &Footprint| Ok(f.sections[p][0][s] as f64);
            rows.push(Row {
                label: format!("7. footprint {section}, opt-level \"{opt}\" ({profile})"),
                unit: "bytes",
                peer: "embassy",
                mote: pick(0, &get),
                other: pick(1, &get),
                headline: None,
            });
        }
    }
    let per_task = |f: &Footprint| Ok(f.bss_per_task() as f64);
    rows.push(Row {
        label: "7. static RAM per extra task (.bss, pool 2 - pool 1)".into(),
        unit: "bytes",
        peer: "embassy",
        mote: pick(0, &per_task),
        other: pick(1, &per_task),
        headline: None,
    });
    let header = |bss: [u64; 2]| {
        let per_task = bss[1].saturating_sub(bss[0]);
        move |f: &Footprint| {
            per_task
                .checked_sub(f.future)
                .map(|h| h as f64)
                .ok_or_else(|| format!("per-task .bss {per_task} < future {}", f.future))
        }
    };
    for (label, headline, bss) in [
        (
            "7. task header (per-task .bss - future size), time off (a)",
            "task header, time off (a)",
            (|f: &Footprint| [f.sections[0][0][3], f.sections[0][1][3]])
                as fn(&Footprint) -> [u64; 2],
        ),
        (
            "7. task header (per-task .bss - future size), time on (b), (c)",
            "task header, time on (b), (c)",
            |f: &Footprint| f.timers_bss,
        ),
    ] {
        let get = |f: &Footprint| header(bss(f))(f);
        rows.push(Row {
            label: label.into(),
            unit: "bytes",
            peer: "embassy",
            mote: pick(0, &get),
            other: pick(1, &get),
            headline: Some(headline),
        });
    }
    type Figure = fn(&Footprint) -> f64;
    let app: [(&str, &str, Figure); 3] = [
        (
            "8. two-LED Ticker blinky: flash (.text + .rodata + .data), opt-level \"s\"",
            "two-LED Ticker blinky: flash (.text + .rodata + .data)",
            |f| (f.blinky[0] + f.blinky[1] + f.blinky[2]) as f64,
        ),
        (
            "8. two-LED Ticker blinky: static RAM (.data + .bss)",
            "two-LED Ticker blinky: static RAM (.data + .bss)",
            |f| (f.blinky[2] + f.blinky[3]) as f64,
        ),
        (
            "8. two-LED Ticker blinky: peak stack (painted high-water mark)",
            "two-LED Ticker blinky: peak stack",
            |f| f.blinky_stack as f64,
        ),
    ];
    for (label, headline, get) in app {
        rows.push(Row {
            label: label.into(),
            unit: "bytes",
            peer: "embassy",
            mote: pick(0, &|f| Ok(get(f))),
            other: pick(1, &|f| Ok(get(f))),
            headline: Some(headline),
        });
    }
    net_rows(&dir, rows);
}

// ---------------------------------------------------------------- networked firmware

/// Runs of the networked firmware per runtime; the median figure is reported (TCP timing
/// on QEMU's user network follows the host's clock, so runs differ by a few percent).
const NET_RUNS: usize = 3;
/// Time one networked run may take (the 1 MiB echo of an idle-spinning Embassy build
/// included).
const NET_TIMEOUT: Duration = Duration::from_secs(180);

/// The networked firmware's figures on one runtime: instructions per `GET /` and per
/// echoed KiB (medians of [`NET_RUNS`]), flash and static RAM.
struct NetFigures {
    per_request: Result<f64, Error>,
    per_kib: Result<f64, Error>,
    sizes: Result<[u64; 4], Error>,
}

/// Builds `bench/fw`'s `net` for `rt` and measures it (see [`NET_ROWS`]).
fn net_figures(dir: &Path, rt: &str) -> NetFigures {
    let elf = cmd::run(cmd::cargo(dir).args([
        "build",
        "--release",
        "--target",
        FW_TARGET,
        "--bin",
        "net",
        "--features",
        &fw_features(rt, "net,timers"),
    ]))
    .and_then(|()| crate::firmware::target_dir(dir))
    .map(|t| t.join(FW_TARGET).join("release").join("net"));
    let elf = match elf {
        Ok(elf) => elf,
        Err(e) => {
            let e = format!("build failed: {e}");
            return NetFigures {
                per_request: Err(e.clone()),
                per_kib: Err(e.clone()),
                sizes: Err(e),
            };
        }
    };
    let mut runs = Vec::new();
    let mut failure = None;
    for k in 1..=NET_RUNS {
        match net_run(&elf) {
            Ok(figures) => {
                eprintln!(
                    "net {rt}, run {k} of {NET_RUNS}: {} instructions per GET /, {} per echoed KiB",
                    figures.per_request, figures.per_kib
                );
                runs.push(figures)
            }
            Err(e) => failure = Some(e),
        }
    }
    let median = |get: fn(&crate::http_client::NetFigures) -> u64| -> Result<f64, Error> {
        let mut values: Vec<u64> = runs.iter().map(get).collect();
        values.sort_unstable();
        match (&failure, values.get(values.len() / 2)) {
            (None, Some(&v)) => Ok(v as f64),
            (Some(e), _) => Err(e.clone()),
            (None, None) => Err("no run".into()),
        }
    };
    NetFigures {
        per_request: median(|f| f.per_request),
        per_kib: median(|f| f.per_kib),
        sizes: crate::size::sections(&elf),
    }
}

/// One run of the networked firmware `elf` on the AN385 with its bench client.
fn net_run(elf: &Path) -> Result<crate::http_client::NetFigures, Error> {
    let ports = crate::net::free_ports()?;
    let mut qemu = crate::firmware::qemu("mps2-an385", elf, crate::firmware::Run::Network, false);
    crate::net::add_nic(&mut qemu, ports);
    let (captured, figures) = crate::net::run_bench(&mut qemu, ports, NET_TIMEOUT)?;
    figures.map_err(|e| format!("{e}; output:\n{}{}", captured.stdout, captured.stderr))
}

/// Rows of the networked firmware: (label, headline label, unit, figure).
type NetRow = (
    &'static str,
    Option<&'static str>,
    &'static str,
    fn(&NetFigures) -> Result<f64, Error>,
);

/// The networked firmware's rows (`bench/fw/src/bin/net.rs`).
const NET_ROWS: [NetRow; 4] = [
    (
        "9. HTTP server (embassy-net 0.9, LAN9118): instructions in task polls per `GET /`",
        Some("HTTP server: instructions per GET /"),
        "instr",
        |f| f.per_request.clone(),
    ),
    (
        "9. TCP echo (embassy-net 0.9, LAN9118): instructions in task polls per echoed KiB",
        Some("TCP echo: instructions per echoed KiB"),
        "instr",
        |f| f.per_kib.clone(),
    ),
    (
        "9. HTTP + echo firmware: flash (.text + .rodata + .data)",
        None,
        "bytes",
        |f| f.sizes.clone().map(|s| (s[0] + s[1] + s[2]) as f64),
    ),
    (
        "9. HTTP + echo firmware: static RAM (.data + .bss)",
        None,
        "bytes",
        |f| f.sizes.clone().map(|s| (s[2] + s[3]) as f64),
    ),
];

/// Measures the networked firmware on both runtimes and adds its rows.
fn net_rows(dir: &Path, rows: &mut Vec<Row>) {
    let figures = RUNTIMES.map(|rt| net_figures(dir, rt));
    for (label, headline, unit, get) in NET_ROWS {
        rows.push(Row {
            label: label.into(),
            unit,
            peer: "embassy",
            mote: get(&figures[0]),
            other: get(&figures[1]),
            headline,
        });
    }
}

/// Per-operation instructions of every run of `runs` on `rt`, by key: one build per
/// feature set, each binary run once per build (it may print several workloads).
fn fw_figures(dir: &Path, rt: &str, runs: &[FwRun]) -> BTreeMap<String, Result<f64, Error>> {
    let mut figures = BTreeMap::new();
    let mut feature_sets: Vec<&str> = Vec::new();
    for run in runs {
        if !feature_sets.contains(&run.features.as_str()) {
            feature_sets.push(&run.features);
        }
    }
    for extra in feature_sets {
        let group: Vec<&FwRun> = runs.iter().filter(|r| r.features == extra).collect();
        let elf_dir = match build_fw(dir, &fw_features(rt, extra)) {
            Ok(d) => d,
            Err(e) => {
                for run in group {
                    figures.insert(run.key.clone(), Err(format!("build failed: {e}")));
                }
                continue;
            }
        };
        let mut outputs: BTreeMap<&str, Result<Vec<Line>, Error>> = BTreeMap::new();
        for run in &group {
            let wl = run.wl;
            // The peer's stand-in for an operation it does not have.
            let (bin, name) = match wl.peer {
                Some(peer) if rt != RUNTIMES[0] => peer,
                _ => (wl.bin, wl.name),
            };
            let lines = outputs.entry(bin).or_insert_with(|| {
                run_fw(&elf_dir.join(bin), rt).and_then(|lines| {
                    check_calibration(&lines)?;
                    Ok(lines)
                })
            });
            let result = lines.clone().and_then(|lines| {
                let own = per_op(&lines, name)?;
                match wl.baseline {
                    Some(base) => Ok(own - per_op(&lines, base)?),
                    None => Ok(own),
                }
            });
            figures.insert(run.key.clone(), result);
        }
    }
    figures
}

/// Builds every benchmark binary of `bench/fw` that `features` (the runtime's and any
/// extra ones) allow; returns the folder of the ELFs.
fn build_fw(dir: &Path, features: &str) -> Result<PathBuf, Error> {
    cmd::run(cmd::cargo(dir).args([
        "build",
        "--release",
        "--target",
        FW_TARGET,
        "--bins",
        "--features",
        features,
    ]))?;
    Ok(crate::firmware::target_dir(dir)?
        .join(FW_TARGET)
        .join("release"))
}

/// One `BENCH <name> <runtime> n=<ops> counts=<counts>` line (firmware: SysTick counts,
/// stored as instructions; host: nanoseconds) or `... instr=<instructions>` line.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    name: String,
    n: u64,
    instr: u64,
}

/// Instructions per SysTick count, as an integer.
const PER_COUNT: u64 = INSTR_PER_COUNT as u64;

/// Runs one ELF in QEMU; its `BENCH` lines if it exits with status 0.
fn run_fw(elf: &Path, rt: &str) -> Result<Vec<Line>, Error> {
    let mut qemu = Command::new(crate::setup::QEMU);
    qemu.args(QEMU_ARGS).arg(elf);
    let run = cmd::run_with_timeout(&mut qemu, TIMEOUT, Stdio::null())?;
    let status = run
        .status
        .ok_or_else(|| format!("killed after the {} s time-out", TIMEOUT.as_secs()))?;
    if !status.success() {
        return Err(format!(
            "exited with {status}; output:\n{}{}",
            run.stdout, run.stderr
        ));
    }
    parse_lines(&run.stdout, rt, PER_COUNT)
}

/// The `BENCH` lines of `output` (other lines are ignored); each must name `rt`.
/// `counts=` figures are multiplied by `per_count` (firmware: [`INSTR_PER_COUNT`]; host:
/// 1, its counts are nanoseconds), `instr=` figures are taken as they are.
fn parse_lines(output: &str, rt: &str, per_count: u64) -> Result<Vec<Line>, Error> {
    let mut lines = Vec::new();
    for text in output.lines() {
        let Some(rest) = text.trim_end().strip_prefix("BENCH ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split(' ').collect();
        let bad = || format!("malformed result line {text:?}");
        let [name, runtime, n, counts] = fields[..] else {
            return Err(bad());
        };
        if runtime != rt {
            return Err(format!("line {text:?} is from {runtime}, expected {rt}"));
        }
        let num = |field: &str, key: &str| -> Result<u64, Error> {
            field
                .strip_prefix(key)
                .and_then(|v| v.parse().ok())
                .ok_or_else(bad)
        };
        let instr = if counts.starts_with("instr=") {
            num(counts, "instr=")?
        } else {
            num(counts, "counts=")? * per_count
        };
        lines.push(Line {
            name: name.to_string(),
            n: num(n, "n=")?,
            instr,
        });
    }
    Ok(lines)
}

/// Instructions per operation of workload `name`: the difference between its runs with
/// the most and the fewest operations, divided by the difference in operations.
fn per_op(lines: &[Line], name: &str) -> Result<f64, Error> {
    let runs: Vec<&Line> = lines.iter().filter(|l| l.name == name).collect();
    let lo = runs.iter().min_by_key(|l| l.n);
    let hi = runs.iter().max_by_key(|l| l.n);
    match (lo, hi) {
        (Some(lo), Some(hi)) if hi.n > lo.n && hi.instr >= lo.instr => {
            Ok((hi.instr - lo.instr) as f64 / (hi.n - lo.n) as f64)
        }
        _ => Err(format!(
            "no two `{name}` runs with different operation counts in the output"
        )),
    }
}

/// Checks the `calib` line pair: a two-instruction loop must measure 2 instructions per
/// iteration, or the clock is not what the figures assume.
fn check_calibration(lines: &[Line]) -> Result<(), Error> {
    let per_iter = per_op(lines, "calib")?;
    if (per_iter - 2.0).abs() <= 0.05 {
        Ok(())
    } else {
        Err(format!(
            "calibration: a 2-instruction loop measured {per_iter:.2} instructions per \
             iteration (is QEMU running with -icount shift=0?)"
        ))
    }
}

/// (profile, opt-level) of the footprint builds.
const PROFILES: [(&str, &str); 2] = [("release", "s"), ("release-z", "z")];

/// Sizes of the footprint app: `sections[profile][pool_size - 1][section]` (time off),
/// `timers_bss[pool_size - 1]` (time on, opt-level "s"), the size of the second task's
/// future as the firmware printed it, and the blinky's sections and peak stack.
struct Footprint {
    sections: [[[u64; 4]; 2]; 2],
    timers_bss: [u64; 2],
    future: u64,
    blinky: [u64; 4],
    blinky_stack: u64,
}

impl Footprint {
    /// `.bss` added by the second slot of `pong`'s pool (opt-level "s", time off).
    fn bss_per_task(&self) -> u64 {
        self.sections[0][1][3].saturating_sub(self.sections[0][0][3])
    }
}

/// Builds the footprint app for `rt` (panic-halt; pool 1 and 2; opt-level "s" and "z";
/// and at "s" with time on), measures it with `llvm-size`, and runs it once (it must exit
/// 0 and print its future size); builds the blinky (panic-halt, time on, "s") for its
/// sizes, and once more with `stack-report` to run it for its peak stack.
fn footprint(dir: &Path, rt: &str) -> Result<Footprint, Error> {
    let elf_dir = build_fw(dir, rt)?;
    let run = |elf: &Path, key: &str| -> Result<u64, Error> {
        let mut qemu = Command::new(crate::setup::QEMU);
        qemu.args(QEMU_ARGS).arg(elf);
        let run = cmd::run_with_timeout(&mut qemu, TIMEOUT, Stdio::null())?;
        if !run.status.is_some_and(|s| s.success()) {
            return Err(format!(
                "{} failed: {:?}\n{}",
                elf.display(),
                run.status,
                run.stdout
            ));
        }
        run.stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix(key)?.trim().parse().ok())
            .ok_or_else(|| format!("{} printed no `{key} <bytes>` line", elf.display()))
    };
    let future = run(&elf_dir.join("footprint"), "FUTURE")?;
    let size_tool = crate::size::llvm_size()?;
    let target_dir = crate::firmware::target_dir(dir)?;
    let build = |profile: &str, bins: &[&str], features: &str| -> Result<PathBuf, Error> {
        let mut c = cmd::cargo(dir);
        c.args(["build", "--profile", profile, "--target", FW_TARGET]);
        for bin in bins {
            c.args(["--bin", bin]);
        }
        c.args(["--no-default-features", "--features", features]);
        cmd::run(&mut c)?;
        Ok(target_dir.join(FW_TARGET).join(profile))
    };
    let size = |elf: &Path| -> Result<[u64; 4], Error> {
        parse_size(&cmd::output(Command::new(&size_tool).arg("-A").arg(elf))?)
    };
    let mut sections = [[[0; 4]; 2]; 2];
    for (p, (profile, _)) in PROFILES.iter().enumerate() {
        for (pool, extra) in ["", ",pool2"].iter().enumerate() {
            let out = build(profile, &["footprint"], &format!("{rt},panic-halt{extra}"))?;
            sections[p][pool] = size(&out.join("footprint"))?;
        }
    }
    let timed = fw_features(rt, "panic-halt,timers");
    let mut timers_bss = [0; 2];
    let mut blinky = [0; 4];
    for (pool, extra) in ["", ",pool2"].iter().enumerate() {
        // The pool-of-one build of the footprint app is also the blinky's size build.
        let bins: &[&str] = if pool == 0 {
            &["footprint", "blinky"]
        } else {
            &["footprint"]
        };
        let out = build(PROFILES[0].0, bins, &format!("{timed}{extra}"))?;
        timers_bss[pool] = size(&out.join("footprint"))?[3];
        if pool == 0 {
            blinky = size(&out.join("blinky"))?;
        }
    }
    let out = build(PROFILES[0].0, &["blinky"], &format!("{timed},stack-report"))?;
    let blinky_stack = run(&out.join("blinky"), "STACK")?;
    Ok(Footprint {
        sections,
        timers_bss,
        future,
        blinky,
        blinky_stack,
    })
}

// ---------------------------------------------------------------- host part

/// Builds `bench/host` (plain, and with feature `timers` for [`HOST_TIMER_WORKLOADS`])
/// and measures each host workload on each runtime: instructions per operation with
/// callgrind, and median wall time per operation (see [`host_ns`]).
fn host_part(root: &Path, rows: &mut Vec<Row>) {
    let dir = root.join(HOST_DIR);
    let build = |profile: &str, features: &[&str]| -> Result<PathBuf, Error> {
        let mut c = cmd::cargo(&dir);
        c.args(["build", "--profile", profile]);
        if !features.is_empty() {
            c.args(["--features", &features.join(",")]);
        }
        cmd::run(&mut c)?;
        Ok(crate::firmware::target_dir(&dir)?
            .join(profile)
            .join("mote-bench-host"))
    };
    let plain = build("release", &[]);
    let timers = build(HOST_TIMERS_PROFILE, &["timers"]);
    let measure = |rt: &str, name: &str, wall: bool| -> Result<f64, Error> {
        let built = if HOST_TIMER_WORKLOADS.contains(&name) {
            &timers
        } else {
            &plain
        };
        let exe = built.as_ref().map_err(|e| format!("build failed: {e}"))?;
        if wall {
            host_wall(exe, rt, name)
        } else {
            host_instructions(exe, rt, name)
        }
    };
    for (name, label) in HOST_WORKLOADS {
        for wall in [false, true] {
            let mote = measure("mote", name, wall);
            for peer in &HOST_RUNTIMES[1..] {
                rows.push(Row {
                    label: format!("{label}{}", if wall { ", wall" } else { "" }),
                    unit: if wall { "ns" } else { "instr" },
                    peer,
                    mote: mote.clone(),
                    other: measure(peer, name, wall),
                    headline: None,
                });
            }
        }
    }
}

/// Runs `exe <rt> <name> <n>` and returns its `BENCH` line's figure (nanoseconds for
/// the whole run).
fn host_once(exe: &Path, rt: &str, name: &str, n: u64) -> Result<Vec<Line>, Error> {
    let mut c = Command::new(exe);
    c.args([rt, name, &n.to_string()]);
    let run = cmd::run_with_timeout(&mut c, TIMEOUT, Stdio::null())?;
    if !run.status.is_some_and(|s| s.success()) {
        return Err(format!(
            "{rt} {name} failed: {:?}\n{}",
            run.status, run.stderr
        ));
    }
    parse_lines(&run.stdout, rt, 1)
}

/// Operations of the two runs whose difference gives the figure, and what to divide that
/// difference by. The storm is measured whole (100 000 against 0): its per-task cost may
/// grow with the storm's size, and that growth is part of what it measures. The timers
/// are measured whole too (10 000 against 0) and reported as a total, not per timer.
/// Yield counts round trips; channel counts messages.
fn host_ns(name: &str) -> (u64, u64, u64) {
    match name {
        "spawn" => (0, 100_000, 100_000),
        "timers" => (0, 10_000, 1),
        _ => (10_000, 100_000, 90_000),
    }
}

/// Median wall time per operation, in ns: median over [`WALL_RUNS`] runs of each size,
/// differential between the two sizes.
fn host_wall(exe: &Path, rt: &str, name: &str) -> Result<f64, Error> {
    let (n1, n2, per) = host_ns(name);
    let median = |n: u64| -> Result<u64, Error> {
        let mut v = Vec::new();
        for _ in 0..WALL_RUNS {
            let lines = host_once(exe, rt, name, n)?;
            let line = lines
                .iter()
                .find(|l| l.name == *name)
                .ok_or_else(|| format!("{rt} {name}: no result line"))?;
            v.push(line.instr);
        }
        v.sort_unstable();
        Ok(v[v.len() / 2])
    };
    let (t1, t2) = (median(n1)?, median(n2)?);
    Ok(t2.saturating_sub(t1) as f64 / per as f64)
}

/// Instructions per operation under callgrind: the difference of the total instruction
/// counts (`Ir`) of two runs with different operation counts, divided by that difference.
fn host_instructions(exe: &Path, rt: &str, name: &str) -> Result<f64, Error> {
    let (n1, n2, per) = host_ns(name);
    let ir = |n: u64| -> Result<u64, Error> {
        let out = std::env::temp_dir().join(format!("mote-bench-{rt}-{name}-{n}.callgrind"));
        let mut c = Command::new("valgrind");
        c.args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(exe)
            .args([rt, name, &n.to_string()]);
        let run = cmd::run_with_timeout(&mut c, HOST_TIMEOUT, Stdio::null())?;
        if run.status.is_none() {
            return Err(format!(
                "callgrind run of {rt} {name} n={n} killed after {} s",
                HOST_TIMEOUT.as_secs()
            ));
        }
        if !run.status.is_some_and(|s| s.success()) {
            return Err(format!(
                "valgrind {rt} {name} failed: {:?}\n{}",
                run.status, run.stderr
            ));
        }
        let text = fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let _ = fs::remove_file(&out);
        text.lines()
            .find_map(|l| l.strip_prefix("summary: ")?.trim().parse().ok())
            .ok_or_else(|| format!("no `summary:` line in {}", out.display()))
    };
    let (i1, i2) = (ir(n1)?, ir(n2)?);
    Ok(i2.saturating_sub(i1) as f64 / per as f64)
}

// ---------------------------------------------------------------- output

fn fmt_value(v: &Result<f64, Error>) -> String {
    match v {
        Ok(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Ok(x) => format!("{x:.2}"),
        Err(_) => "NOT MEASURED".into(),
    }
}

fn fmt_ratio(r: &Row) -> String {
    match (r.ratio(), &r.mote, &r.other) {
        (Some(x), _, _) if x < 0.01 => format!("{x:.5}"),
        (Some(x), _, _) => format!("{x:.2}"),
        (None, Ok(_), Ok(_)) => "n/a (peer 0)".into(),
        _ => "-".into(),
    }
}

/// The results as a Markdown table (also readable on a terminal).
fn table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| workload | unit | Mote | peer | peer's figure | Mote / peer |\n\
         | --- | --- | ---: | --- | ---: | ---: |\n",
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} |",
            r.label,
            r.unit,
            fmt_value(&r.mote),
            r.peer,
            fmt_value(&r.other),
            fmt_ratio(r)
        );
    }
    t
}

/// Machine notes for the report: CPU, cores, QEMU, rustc and the peers' versions.
fn machine_notes(root: &Path) -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split(':')
                    .nth(1)
                    .map(str::trim)
                    .map(String::from)
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let version = |prog: &str, arg: &str| {
        cmd::output(Command::new(prog).arg(arg))
            .map(|s| s.lines().next().unwrap_or("").to_string())
            .unwrap_or_else(|e| e)
    };
    let mut notes = format!(
        "- host CPU: {cpu}, {cores} cores (shared with other work; instruction counts do not \
         depend on it, wall times do)\n- {}\n- {}\n",
        version(crate::setup::QEMU, "--version"),
        version("rustc", "--version"),
    );
    for (lock, what) in [
        ("bench/fw/Cargo.lock", "firmware"),
        ("bench/host/Cargo.lock", "host"),
    ] {
        let Ok(text) = fs::read_to_string(root.join(lock)) else {
            continue;
        };
        let peers = locked_versions(
            &text,
            &[
                "embassy-executor",
                "embassy-futures",
                "embassy-time",
                "embassy-sync",
                "tokio",
            ],
        );
        if !peers.is_empty() {
            let _ = writeln!(notes, "- {what} peers (Cargo.lock): {}", peers.join(", "));
        }
    }
    notes
}

/// `name version` of each package of `names` found in a `Cargo.lock` text.
fn locked_versions(lock: &str, names: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if names.contains(&n.as_str()) {
                found.push(format!("{n} {}", v.trim_matches('"')));
            }
        }
    }
    found
}

/// Writes `bench/REPORT.md`: the table, how it was made, and `bench/ANALYSIS.md`.
fn write_report(root: &Path, rows: &[Row], table: &str, host: bool) -> Result<(), Error> {
    let analysis = fs::read_to_string(root.join("bench/ANALYSIS.md"))
        .unwrap_or_else(|_| "(bench/ANALYSIS.md is missing)\n".into());
    let wins = rows
        .iter()
        .filter(|r| r.ratio().is_some_and(|x| x < 1.0))
        .count();
    let losses = rows
        .iter()
        .filter(|r| r.ratio().is_some_and(|x| x > 1.0))
        .count();
    let mut md = String::new();
    let _ = write!(
        md,
        "# Mote benchmark report\n\n\
         Generated by `cargo xtask bench{}`; do not edit by hand (the analysis comes from \
         `bench/ANALYSIS.md`). Lower is better in every row; the last column is Mote's \
         figure divided by the peer's (below 1: Mote wins). Mote wins {wins} row(s) and \
         loses {losses}. Chart of the ratios: [ratios.svg](ratios.svg).\n\n\
         {table}\n\
         ## How the figures are made\n\n\
         Firmware: `bench/fw`, built per runtime (`--features mote` / `--features \
         embassy`, profile `release`: opt-level \"s\", LTO, codegen-units 1) and feature \
         set, run as\n\n\
         ```sh\nqemu-system-arm {} <elf>\n```\n\n\
         With `-icount shift=0,sleep=off` virtual time advances 1 ns per instruction, an \
         idle core (WFI) jumps straight to the next timer event, and SysTick (25 MHz core \
         clock) falls by one every 40 instructions, so counts are exact and identical run \
         to run. Each workload runs a warm-up, then n = 1000 and n = 11000 operations; per \
         operation = (counts(11000) - counts(1000)) x 40 / 10000, so set-up costs cancel \
         (resolution 0.004 instructions). Each binary first measures a 2-instruction loop \
         the same way and the run fails unless it reads 2.00. \
         Timer rows (5): the workload runs in an interrupt executor while thread mode spins \
         in a counting loop of 4 instructions (`bench/fw/src/busy.rs`); the figure is the \
         instructions executed outside that loop (elapsed - 4 x iterations), i.e. the \
         runtime's and its time driver's work per `Timer::after_ticks(100).await`, not the \
         100 us wait; runs of 100 and 1100 timers. Mote uses mote-mps2's driver (CMSDK dual \
         timer), registered by `bench/fw` with one alarm slot \
         (`mote_mps2::time_driver!(alarm_slots = 1)`: every workload's timers are on one \
         executor; the board crate's `time-driver` feature registers four); Embassy uses embassy-time with the driver in \
         `bench/fw/src/embassy_time_driver.rs` (CMSDK TIMER0/TIMER1, \
         embassy-time-queue-utils' integrated queue). Latency rows (6): CMSDK TIMER0 raises \
         its interrupt 100 timer cycles after being armed; the figure is the period of the \
         loop `arm; await the interrupt` minus the period of the same loop polling the \
         timer's flag with no runtime (`irq_base`): interrupt entry, handler, wake, executor \
         dispatch, up to the first instruction after the `.await` (within a few \
         instructions: the baseline's polling loop detects the flag up to 3 instructions \
         late). \
         Configurations of the executor and sync rows (1-4, 6), the same workload source \
         built three times: (a) time off (no `time` feature in Mote, no embassy-time); \
         (b) feature `timers`: Mote's `time` with mote-mps2's CMSDK driver, embassy-time \
         with the bench's driver on the same timer (`bench/fw/src/embassy_time_driver.rs`), \
         no timer ever scheduled; (c) features `timers,live`: the measuring task first \
         starts `bench_fw::live` in its own executor (a task ticking every 1 ms with a \
         `Ticker`, ten tasks asleep on timers 11.6 days away) and waits 5.5 ms, so the \
         ticker's alarm has fired five times; the ticker keeps running during the \
         measurement and its ticks count in the figure (about one per million \
         instructions: under 0.3 instruction per operation in rows 1-4; in the latency \
         rows a tick mostly runs while the core waits for the next interrupt, so it \
         counts only where it delays one). \
         Task handles (4, Mote only: Embassy has neither join nor abort, so its column \
         there is its spawn + run of a trivial task in (c), the same figure as the \
         row above): `bench/fw/src/bin/bench_handles.rs` in (c), a task returning a u32 \
         (pool of two) spawned with `spawn_with_handle`; `spawn_join` awaits the handle \
         (spawn, the task's poll to completion, the join, the task's last turn freeing \
         its slot), `spawn_abort` aborts it before its first poll and awaits \
         `JoinError::Aborted` (spawn, abort, the turn dropping its future, the join, the \
         last turn). A binary of its own, so the `spawn` row's measuring task is \
         unchanged. \
         Footprint: `llvm-size -A` of `bench/fw/src/bin/footprint.rs` built with \
         `--no-default-features --features <rt>,panic-halt` (and `pool2`), profiles \
         `release` (\"s\") and `release-z` (\"z\"); the time-on task header from the \
         same two builds with `timers` at \"s\" (a task header does not change between \
         (b) and (c)). Blinky (8): `bench/fw/src/bin/blinky.rs`, two tasks each toggling \
         one FPGAIO LED (mote-mps2's `Output` for both runtimes) on its `Ticker` (200 ms, \
         300 ms), built with `--no-default-features --features <rt>,timers,panic-halt` at \
         \"s\": flash = .text + .rodata + .data, static RAM = .data + .bss; peak stack: \
         the same source with feature `stack-report` paints the free stack in `main`, \
         and after 5 toggles prints the high-water mark (bytes below the stack top, \
         interrupt frames and `main`'s own frame included) and exits. \
         Networked firmware (9): `bench/fw/src/bin/net.rs`, `examples/net`'s library (an \
         HTTP/1.0 server on 16 sockets, a TCP echo server on 2, embassy-net 0.9 over \
         mote-mps2's LAN9118 driver, static address, no `trace`) with the same tasks on \
         either runtime, built with `--features <rt>,net,timers`; embassy-time runs on \
         Mote's clock and timer queue in the Mote build, on the bench's CMSDK driver in \
         the Embassy build. Run on `mps2-an385` with `-icount shift=0` (`sleep=on`, so the \
         idle guest waits for the host's packets in real time) and `-nic \
         user,model=lan9118,restrict=on` forwarding two ports of 127.0.0.1; the host \
         client (`xtask/src/http_client.rs`, `bench`) reads the page's count of \
         instructions spent in task polls (SysTick around each poll, interrupt handlers \
         during a poll included, executor and idle not) before and after 50 `GET /` \
         (difference / 51) and around one 1 MiB echo (minus one request, / 1024); median \
         of {NET_RUNS} runs (TCP timing follows the host's clock: single runs differ by a \
         few percent). Embassy's thread executor idles with WFE, which QEMU does not \
         implement as a sleep: it spins, which costs host time but no figure (idle is \
         not counted).\n\n",
        if host { " --host" } else { "" },
        QEMU_ARGS.join(" ")
    );
    if host {
        md.push_str(
            "Host: `bench/host`, one program taking `<runtime> <workload> <n>` (see its \
             `src/main.rs` for each workload), built with profile `release` (opt-level 3, \
             LTO, one codegen unit) and, for the timers row only, with feature `timers` \
             (Mote's `time` feature and its std driver; profile `release-timers`). \
             Instructions from `valgrind --tool=callgrind` (total `Ir` of the process, \
             differential: n = 100 000 minus n = 10 000 round trips for yield and messages \
             for channel, divided by 90 000; a storm of 100 000 tasks minus one of 0 for \
             spawn, divided by 100 000; 10 000 timers minus 0 timers for timers, not \
             divided: the whole run, whose wall time is at least the last deadline, \
             100 ms); wall time is the median of 3 runs, same differential. Each run may \
             take 300 s.\n\n",
        );
    }
    let _ = write!(md, "## Machine\n\n{}\n{analysis}", machine_notes(root));
    fs::write(root.join("bench/REPORT.md"), md).map_err(|e| format!("bench/REPORT.md: {e}"))
}

/// Marks around the generated headline table in `README.md`.
const README_MARKS: (&str, &str) = ("<!-- bench-table -->\n", "<!-- /bench-table -->");

/// The README's headline table: the rows with a [`Row::headline`] label (firmware
/// against Embassy: the executor and sync rows in configuration (c), timers, task header,
/// blinky).
fn headline_table(rows: &[Row]) -> String {
    let mut t = String::from(
        "Executor and sync rows in configuration (c), as users run it: time on, a task \
         ticking every 1 ms with a `Ticker` and 10 tasks asleep, measured after timers \
         fired (configurations (a) time off and (b) time on, no timer ever scheduled: \
         [`bench/REPORT.md`](bench/REPORT.md)).\n\n\
         | workload | unit | Mote | Embassy | Mote / Embassy |\n\
         | --- | --- | ---: | ---: | ---: |\n",
    );
    for r in rows {
        if let Some(label) = r.headline {
            let _ = writeln!(
                t,
                "| {label} | {} | {} | {} | {} |",
                r.unit,
                fmt_value(&r.mote),
                fmt_value(&r.other),
                fmt_ratio(r)
            );
        }
    }
    t
}

/// Replaces the text between the [`README_MARKS`] of `path` by the headline table.
fn write_readme(path: &Path, rows: &[Row]) -> Result<(), Error> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (open, close) = README_MARKS;
    let start = text
        .find(open)
        .map(|i| i + open.len())
        .ok_or_else(|| format!("{}: no `{}` mark", path.display(), open.trim()))?;
    let end = text[start..]
        .find(close)
        .map(|i| start + i)
        .ok_or_else(|| format!("{}: no `{close}` mark", path.display()))?;
    let new = format!("{}{}{}", &text[..start], headline_table(rows), &text[end..]);
    fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a horizontal bar chart of the Mote / peer ratios (log scale, 1 marked).
fn write_svg(path: &Path, rows: &[Row]) -> Result<(), Error> {
    let bars: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|r| {
            r.ratio()
                .map(|x| (format!("{} (vs {})", r.label, r.peer), x))
        })
        .collect();
    let (label_w, plot_w, bar_h, top) = (430.0, 400.0, 22.0, 50.0);
    let height = top + bars.len() as f64 * bar_h + 40.0;
    // Log2 scale from 1/4 to 4: the middle of the plot is ratio 1.
    let x_of = |r: f64| label_w + plot_w * ((r.log2().clamp(-2.0, 2.0) + 2.0) / 4.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Mote / peer \
         (log scale; left of 1 = Mote better, green)</text>\n",
        label_w + plot_w + 70.0
    );
    for (i, (label, r)) in bars.iter().enumerate() {
        let y = top + i as f64 * bar_h;
        let (x0, x1) = (x_of(1.0), x_of(*r));
        let (left, w) = (x0.min(x1), (x1 - x0).abs().max(1.0));
        let color = if *r <= 1.0 { "#2e9d4a" } else { "#c8453a" };
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n\
             <rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\n\
             <text x=\"{:.1}\" y=\"{}\">{r:.2}</text>",
            label_w - 8.0,
            y + 15.0,
            xml_escape(label),
            y + 3.0,
            bar_h - 6.0,
            x0.max(x1) + 4.0,
            y + 15.0,
        );
    }
    let bottom = top + bars.len() as f64 * bar_h;
    for tick in [0.25, 0.5, 1.0, 2.0, 4.0] {
        let x = x_of(tick);
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"{}\"/>\n\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{tick}</text>",
            top - 6.0,
            if tick == 1.0 { "black" } else { "#ccc" },
            bottom + 16.0
        );
    }
    svg.push_str("</svg>\n");
    fs::write(path, svg).map_err(|e| format!("{}: {e}", path.display()))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_result_lines_and_computes_the_differential() {
        let out = "FUTURE 24\nBENCH yield mote n=1000 counts=5686\n\
                   BENCH yield mote n=11000 counts=62436\n";
        let lines = parse_lines(out, "mote", PER_COUNT).unwrap();
        assert_eq!(lines.len(), 2);
        let per = per_op(&lines, "yield").unwrap();
        assert!((per - 227.0).abs() < 1e-9, "{per}");
        assert!(per_op(&lines, "spawn").is_err());
    }

    #[test]
    fn instruction_lines_are_not_scaled() {
        let out = "BENCH timer_n1 mote n=100 instr=144100\n\
                   BENCH timer_n1 mote n=1100 instr=1585140\n";
        let lines = parse_lines(out, "mote", PER_COUNT).unwrap();
        assert_eq!(lines[1].instr, 1_585_140);
        let per = per_op(&lines, "timer_n1").unwrap();
        assert!((per - 1441.04).abs() < 1e-9, "{per}");
    }

    #[test]
    fn timer_builds_of_mote_take_its_driver() {
        assert_eq!(fw_features("mote", ""), "mote");
        assert_eq!(
            fw_features("embassy", TIMERS),
            "embassy,timers,irq-executor"
        );
        assert_eq!(
            fw_features("mote", TIMERS),
            "mote,timers,irq-executor,mote-time-driver"
        );
    }

    #[test]
    fn configurations_share_builds_and_keys_are_unique() {
        assert_eq!(feature_set(&["timers,irq-executor"]), "irq-executor,timers");
        assert_eq!(
            feature_set(&["irq-executor", "timers,live", ""]),
            "irq-executor,live,timers"
        );
        let runs = fw_runs();
        let mut keys: Vec<&str> = runs.iter().map(|r| r.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), runs.len());
        // The interrupt executor's (b) build is the timer workload's build.
        let b = runs.iter().find(|r| r.key == "irq_executor@b").unwrap();
        let t = runs.iter().find(|r| r.key == "timer_n1").unwrap();
        assert_eq!(b.features, t.features);
    }

    #[test]
    fn rejects_lines_of_the_wrong_runtime_and_malformed_lines() {
        assert!(parse_lines("BENCH yield embassy n=1 counts=2\n", "mote", PER_COUNT).is_err());
        assert!(parse_lines("BENCH yield mote n=x counts=2\n", "mote", PER_COUNT).is_err());
        assert!(parse_lines("BENCH yield mote\n", "mote", PER_COUNT).is_err());
    }

    #[test]
    fn calibration_accepts_two_instructions_and_rejects_others() {
        let good = parse_lines(
            "BENCH calib mote n=1000 counts=50\nBENCH calib mote n=11000 counts=550\n",
            "mote",
            PER_COUNT,
        )
        .unwrap();
        assert!(check_calibration(&good).is_ok());
        let bad = parse_lines(
            "BENCH calib mote n=1000 counts=2\nBENCH calib mote n=11000 counts=22\n",
            "mote",
            PER_COUNT,
        )
        .unwrap();
        assert!(check_calibration(&bad).is_err());
    }

    #[test]
    fn reads_locked_versions() {
        let lock = "[[package]]\nname = \"embassy-executor\"\nversion = \"0.10.0\"\n\
                    [[package]]\nname = \"other\"\nversion = \"1.0.0\"\n";
        assert_eq!(
            locked_versions(lock, &["embassy-executor"]),
            ["embassy-executor 0.10.0"]
        );
    }
}
