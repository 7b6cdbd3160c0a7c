//! Host-side checks: the test suite, Miri and Clippy. The invocations live in the tables
//! below so that new ones are one line each.

use std::env;
use std::path::Path;

use crate::cmd::{self, Error};
use crate::report::Report;

/// Features of `mote` the host tests and Clippy use.
const HOST_FEATURES: &str = "mote/std,mote/time";

/// Host test invocations: (name in the summary, arguments of `cargo`). Doc tests run as
/// part of `cargo test` (no `--lib`/`--tests` filter).
pub const HOST_TESTS: &[(&str, &[&str])] = &[
    (
        "host: cargo test --workspace (std,time)",
        &["test", "--workspace", "--features", HOST_FEATURES],
    ),
    // Heap tasks (feature `alloc`): adversary tests against a counting, failing global
    // allocator, and the `spawn_boxed` doc tests.
    (
        "host: mote heap tasks (std,time,alloc)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,alloc",
            "--test",
            "heap_tasks",
        ],
    ),
    (
        "host: mote spawn_boxed doc tests (std,time,alloc)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,alloc",
            "--doc",
            "spawn_boxed",
        ],
    ),
    // The time module's exact tick conversions, at the two other tick rates.
    (
        "host: mote time tests at 1 kHz ticks",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,tick-1khz",
            "--test",
            "time_*",
        ],
    ),
    (
        "host: mote time tests at 32768 Hz ticks",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,tick-32768hz",
            "--test",
            "time_*",
        ],
    ),
    // Features are additive (issue 12): two tick features on at once build, and the
    // finest wins (the test asserts 32 768 Hz and the conversions at that rate) ...
    (
        "host: mote time tests with tick-1khz + tick-32768hz (finest wins)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,tick-1khz,tick-32768hz",
            "--test",
            "time_duration",
        ],
    ),
    // ... and both backends on at once pick the std backend on the host: the
    // thread-parking executor's tests pass (the Cortex-M one could not run them).
    (
        "host: mote executor tests with cortex-m + std (std backend chosen)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,cortex-m,time,tick-1khz,tick-1mhz",
            "--test",
            "executor_std",
            "--test",
            "time_duration",
        ],
    ),
    // `mote::trace`: count-only (no clock) and with durations on simulated time, plus the
    // trace module's doc tests (the rest of the suite runs without `trace`).
    (
        "host: mote trace tests (std,trace)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,trace",
            "--test",
            "trace",
        ],
    ),
    (
        "host: mote trace tests (std,time,trace,log)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,trace,log",
            "--test",
            "trace",
        ],
    ),
    (
        "host: mote trace doc tests (std,time,trace)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,trace",
            "--doc",
            "trace",
        ],
    ),
    // `embassy_time` on Mote's clock (feature `embassy-time-driver`): in Mote tasks on
    // simulated time, with foreign wakers on the std driver, and the module's doc tests.
    (
        "host: mote embassy-time bridge (std,time,embassy-time-driver)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,embassy-time-driver",
            "--test",
            "embassy_time_*",
        ],
    ),
    (
        "host: mote embassy-time bridge doc tests",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,embassy-time-driver",
            "--doc",
            "embassy_driver",
        ],
    ),
    // ... and at 1 kHz, with embassy-time-driver's matching rate feature.
    (
        "host: mote embassy-time bridge at 1 kHz ticks",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time,embassy-time-driver,tick-1khz,embassy-time-driver/tick-hz-1_000",
            "--test",
            "embassy_time_sim",
        ],
    ),
    // Mote tasks under an embassy HAL's integrated timer queue (feature
    // `embassy-executor-timer-queue`, without `time`), and Mote's time over a fake
    // nRF-shaped embassy-time driver (feature `time-driver-embassy`), with the doc tests.
    (
        "host: mote embassy timer-queue items (std,embassy-executor-timer-queue)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,embassy-executor-timer-queue",
            "--test",
            "embassy_queue_item",
        ],
    ),
    (
        "host: mote embassy timer-queue items doc tests",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,embassy-executor-timer-queue",
            "--doc",
            "embassy_queue_item",
        ],
    ),
    (
        "host: mote time over an embassy driver (std,time-driver-embassy)",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time-driver-embassy",
            "--test",
            "time_on_embassy*",
        ],
    ),
    (
        "host: mote time over an embassy driver doc tests",
        &[
            "test",
            "-p",
            "mote",
            "--features",
            "std,time-driver-embassy",
            "--doc",
            "drivers::embassy",
        ],
    ),
    // Without a backend feature `ThreadModeRawMutex` must not exist (nothing could tell
    // thread mode apart): the raw mutex module's doc tests, built with no feature of
    // `mote`, include a compile-fail test that imports it (and one that imports the
    // kinds that do exist).
    (
        "host: mote raw mutex doc tests without a backend",
        &["test", "-p", "mote", "--doc", "blocking_mutex::raw"],
    ),
    // The board crate's doc tests, including its compile-fail tests (unbound interrupts,
    // LEDs that do not exist) and `read_until_idle` (feature `time`); without the panic
    // handler, which would clash with std's, or the time driver.
    (
        "host: mote-mps2 doc tests",
        &[
            "test",
            "--doc",
            "--no-default-features",
            "--features",
            "time",
            "--manifest-path",
            "mote-mps2/Cargo.toml",
        ],
    ),
];

/// Test targets of `mote` that Miri runs (`cargo +nightly miri test -p mote --features
/// std,time` followed by one of these). Add integration tests as `&["--test", "name"]`.
pub const MIRI_TESTS: &[&[&str]] = &[
    &["--lib"],
    &["--test", "executor"],
    &["--test", "executor_adversary"],
    &["--test", "futures"],
    &["--test", "sync_*"],
    &["--test", "time_queue"],
    &["--test", "time_sim"],
    &["--test", "time_executor"],
    &["--test", "time_fallback"],
    &["--test", "time_adversary"],
    &["--features", "alloc", "--test", "time_seam_adversary"],
    &["--features", "trace", "--test", "time_seam_adversary"],
    &["--test", "time_alarm_slot_indices"],
    &["--test", "time_std_scale"],
    &[
        "--features",
        "embassy-time-driver",
        "--test",
        "embassy_time_*",
    ],
    &["--features", "trace", "--test", "trace"],
    &["--features", "alloc", "--test", "heap_tasks"],
    &["--test", "executor_join"],
    &["--features", "alloc", "--test", "executor_panic_adversary"],
];

/// Cross-thread races that weak-memory emulation finds only under some schedules: each
/// runs under Miri once per seed of `MIRI_SEEDS` (`-Zmiri-many-seeds`), with the flags
/// below. The std executor's park/wake ping-pong lost a wake on seeds 0 and 63 before its
/// fences.
pub const MIRI_SEEDED_TESTS: &[&[&str]] = &[
    &["--test", "executor_std"],
    // A heap task's waker woken from another thread while the task finishes and frees.
    &[
        "--features",
        "alloc",
        "--test",
        "heap_tasks",
        "--",
        "another_thread",
    ],
    // A join or an abort from another thread while the task runs or finishes.
    &["--test", "executor_join", "--", "another_thread"],
    // A task's waker on another thread schedules its timer while the executor pops due
    // timers and the task finishes.
    &["--test", "time_adversary", "--", "another_thread"],
    // Another thread wakes a task while its executor pops the task's due timer and
    // pushes it in the same critical section (`wake_due`).
    &["--test", "time_seam_adversary", "--", "another_thread"],
];

/// The seeds of [`MIRI_SEEDED_TESTS`].
const MIRI_SEEDS: &str = "0..64";

/// Flags for Miri, unless the caller set `MIRIFLAGS` themselves. Leaks are ignored because
/// tests give tasks `'static` headers and pools with `Box::leak`, on purpose.
const MIRIFLAGS: &str = "-Zmiri-strict-provenance -Zmiri-ignore-leaks";

/// Clippy invocations (each followed by `-- -D warnings`): (name, directory relative to
/// the repository root, arguments of `cargo`).
pub const CLIPPY: &[(&str, &str, &[&str])] = &[
    (
        "clippy: host workspace",
        ".",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            HOST_FEATURES,
        ],
    ),
    (
        "clippy: mote thumbv7m",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    // The optional integrations (defmt formatting of the public error types and the
    // defmt long-poll hook) build too.
    (
        "clippy: mote thumbv7m (time, trace, defmt)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m,time,trace,defmt",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    // Both backends and two tick rates on a bare-metal target: the Cortex-M backend is
    // chosen and nothing pulls in `std` (`critical-section/std` would not build here).
    (
        "clippy: mote thumbv7m (cortex-m + std, two tick features)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m,std,time,trace,tick-1khz,tick-32768hz",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: mote host (embassy-time-driver)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--all-targets",
            "--features",
            "std,time,embassy-time-driver",
        ],
    ),
    (
        "clippy: mote thumbv7m (cortex-m, embassy-time-driver)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m,embassy-time-driver",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: mote host (time-driver-embassy)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--all-targets",
            "--features",
            "std,time-driver-embassy",
        ],
    ),
    (
        "clippy: mote host (embassy-executor-timer-queue, no time)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--all-targets",
            "--features",
            "std,embassy-executor-timer-queue",
        ],
    ),
    (
        "clippy: mote thumbv6m (cortex-m, time-driver-embassy)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m,tick-32768hz,time-driver-embassy",
            "--target",
            "thumbv6m-none-eabi",
        ],
    ),
    (
        "clippy: mote thumbv6m",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m",
            "--target",
            "thumbv6m-none-eabi",
        ],
    ),
    (
        "clippy: mote thumbv6m (time, alloc)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--features",
            "cortex-m,time,alloc",
            "--target",
            "thumbv6m-none-eabi",
        ],
    ),
    (
        "clippy: mote host (std, time, alloc)",
        ".",
        &[
            "clippy",
            "-p",
            "mote",
            "--all-targets",
            "--features",
            "std,time,alloc",
        ],
    ),
    (
        "clippy: examples/heap thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-heap",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: mote-mps2 thumbv7m",
        "mote-mps2",
        &["clippy", "--target", "thumbv7m-none-eabi"],
    ),
    (
        "clippy: examples thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/systick thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-systick",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/trace thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-trace",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    // The starvation example with its timeline (`cargo xtask trace starvation`).
    (
        "clippy: examples/trace thumbv7m (timeline)",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-trace",
            "--bins",
            "--features",
            "timeline",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/embassy-time thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-embassy-time",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/net thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-net",
            "--lib",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/net thumbv7m (library without Mote, as bench/fw's Embassy build)",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-net",
            "--lib",
            "--no-default-features",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/panics thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-panics",
            "--lib",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/compile-fail thumbv7m (its correct use)",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-compile-fail",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/defmt thumbv7m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-defmt",
            "--bins",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
    (
        "clippy: examples/microbit thumbv6m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-microbit",
            "--bins",
            "--target",
            "thumbv6m-none-eabi",
        ],
    ),
    (
        "clippy: examples/microbit-systick thumbv6m",
        "examples",
        &[
            "clippy",
            "--release",
            "-p",
            "mote-examples-microbit-systick",
            "--bins",
            "--target",
            "thumbv6m-none-eabi",
        ],
    ),
];

/// Runs every [`HOST_TESTS`] entry, then [`tick_mismatch`].
pub fn tests(root: &Path, report: &mut Report) {
    for (name, args) in HOST_TESTS {
        report.step(*name, || cmd::run(cmd::cargo(root).args(*args)));
    }
    report.step(
        "host: embassy-time tick-rate mismatch is a compile error naming the features",
        || tick_mismatch(root),
    );
    report.step(
        "host: embassy-time-driver with time-driver-embassy is a compile error saying so",
        || both_embassy_directions(root),
    );
}

/// `mote` with both `embassy-time-driver` (serve embassy-time) and `time-driver-embassy`
/// (run on embassy-time's driver) must fail to build with the message naming both.
fn both_embassy_directions(root: &Path) -> Result<(), Error> {
    let mut cmd = cmd::cargo(root);
    cmd.args([
        "check",
        "-p",
        "mote",
        "--features",
        "std,embassy-time-driver,time-driver-embassy",
    ]);
    cmd::fails_with(
        &mut cmd,
        "both embassy features built",
        &["`embassy-time-driver` and `time-driver-embassy` exclude each other"],
    )
}

/// `mote` with `embassy-time-driver` at 1 kHz while embassy-time-driver keeps its
/// 1 MHz default must fail to build, with the message that names both crates' features.
fn tick_mismatch(root: &Path) -> Result<(), Error> {
    let mut cmd = cmd::cargo(root);
    cmd.args([
        "check",
        "-p",
        "mote",
        "--features",
        "std,embassy-time-driver,tick-1khz",
    ]);
    cmd::fails_with(
        &mut cmd,
        "the mismatched tick rates built",
        &["embassy_time_driver::TICK_HZ differs", "tick-hz-1_000"],
    )
}

/// Loom model checks, built with `--cfg loom` in a target directory of their own (the
/// flag changes every crate's build): `mote` unit tests whose names contain `loom`, and
/// the `loom_*` integration tests.
pub const LOOM_RUNS: &[(&str, &[&str])] = &[
    ("loom: mote unit models", &["--lib", "loom"]),
    ("loom: mote loom_* tests", &["--test", "loom_*"]),
];

/// Runs the loom model checks of the lock-free structures.
pub fn loom(root: &Path, report: &mut Report) {
    for (name, args) in LOOM_RUNS {
        report.step(*name, || {
            cmd::run(
                cmd::cargo(root)
                    .args(["test", "-p", "mote", "--release"])
                    .args(*args)
                    .env("RUSTFLAGS", "--cfg loom")
                    .env("CARGO_TARGET_DIR", root.join("target/loom")),
            )
        });
    }
}

/// API documentation builds, with rustdoc warnings (broken or private intra-doc links)
/// denied: (name, arguments of `cargo`).
pub const DOCS: &[(&str, &[&str])] = &[
    (
        "docs: mote (std,time)",
        &["doc", "-p", "mote", "--no-deps", "--features", "std,time"],
    ),
    (
        "docs: mote (std,time,trace)",
        &[
            "doc",
            "-p",
            "mote",
            "--no-deps",
            "--features",
            "std,time,trace",
        ],
    ),
    (
        "docs: mote (std,time,embassy-time-driver)",
        &[
            "doc",
            "-p",
            "mote",
            "--no-deps",
            "--features",
            "std,time,embassy-time-driver",
        ],
    ),
    (
        "docs: mote (std,time-driver-embassy)",
        &[
            "doc",
            "-p",
            "mote",
            "--no-deps",
            "--features",
            "std,time-driver-embassy",
        ],
    ),
    (
        "docs: mote (std,time,alloc)",
        &[
            "doc",
            "-p",
            "mote",
            "--no-deps",
            "--features",
            "std,time,alloc",
        ],
    ),
    (
        "docs: mote (cortex-m,time) thumbv7m",
        &[
            "doc",
            "-p",
            "mote",
            "--no-deps",
            "--features",
            "cortex-m,time",
            "--target",
            "thumbv7m-none-eabi",
        ],
    ),
];

/// Builds every [`DOCS`] entry with warnings denied.
pub fn docs(root: &Path, report: &mut Report) {
    for (name, args) in DOCS {
        report.step(*name, || {
            cmd::run(
                cmd::cargo(root)
                    .args(*args)
                    .env("RUSTDOCFLAGS", "-D warnings"),
            )
        });
    }
}

/// Runs every [`MIRI_TESTS`] entry under Miri.
pub fn miri(root: &Path, report: &mut Report) {
    let flags = env::var("MIRIFLAGS").unwrap_or_else(|_| MIRIFLAGS.to_string());
    for target in MIRI_TESTS {
        let name = format!("miri: mote {}", target.join(" "));
        report.step(name, || miri_test(root, target, &flags));
    }
}

/// Runs every [`MIRI_SEEDED_TESTS`] entry under Miri once per seed.
pub fn miri_seeded(root: &Path, report: &mut Report) {
    let flags = env::var("MIRIFLAGS").unwrap_or_else(|_| MIRIFLAGS.to_string());
    let flags = format!("{flags} -Zmiri-many-seeds={MIRI_SEEDS}");
    for target in MIRI_SEEDED_TESTS {
        let name = format!("miri: mote {} (seeds {MIRI_SEEDS})", target.join(" "));
        report.step(name, || miri_test(root, target, &flags));
    }
}

/// `cargo +nightly miri test -p mote --features std,time <target>` with `flags`.
fn miri_test(root: &Path, target: &[&str], flags: &str) -> Result<(), Error> {
    cmd::run(
        cmd::cargo(root)
            .args([
                "+nightly",
                "miri",
                "test",
                "-p",
                "mote",
                "--features",
                "std,time",
            ])
            .args(target)
            .env("MIRIFLAGS", flags),
    )
}

/// Builds `mote` for Cortex-M (with `time` and `trace`) with the declared minimum Rust
/// version, so `rust-version` stays true.
pub fn msrv(root: &Path, report: &mut Report) {
    let msrv = crate::setup::MSRV;
    report.step(
        format!("msrv: mote (cortex-m,time,trace) builds with Rust {msrv}"),
        || {
            crate::setup::msrv()?;
            cmd::run(
                cmd::cargo(root)
                    .args([
                        &format!("+{msrv}"),
                        "build",
                        "-p",
                        "mote",
                        "--features",
                        "cortex-m,time,trace",
                        "--target",
                        "thumbv7m-none-eabi",
                    ])
                    .env("CARGO_TARGET_DIR", root.join("target/msrv")),
            )
        },
    );
}

/// The benchmark firmware, built (and linked: a duplicate vector or symbol shows only
/// there) for both runtimes with every workload feature on, so that a change the
/// benchmarks alone would see breaks the test command instead of `cargo xtask bench`.
const BENCH_BUILDS: &[(&str, &str)] = &[
    ("mote", "mote,live,timers,mote-time-driver,irq-executor,net"),
    ("embassy", "embassy,live,timers,irq-executor,net"),
];

/// Builds [`BENCH_BUILDS`] (release, thumbv7m) with Clippy's warnings denied, then links.
pub fn bench_builds(root: &Path, report: &mut Report) {
    let dir = root.join("bench/fw");
    for (runtime, features) in BENCH_BUILDS {
        report.step(
            format!("bench/fw: clippy + build of every benchmark on {runtime}"),
            || {
                let args = [
                    "--release",
                    "--target",
                    "thumbv7m-none-eabi",
                    "--bins",
                    "--features",
                    features,
                ];
                cmd::run(
                    cmd::cargo(&dir)
                        .arg("clippy")
                        .args(args)
                        .args(["--", "-D", "warnings"]),
                )?;
                cmd::run(cmd::cargo(&dir).arg("build").args(args))
            },
        );
    }
}

/// The Cargo workspaces whose sources `cargo fmt --check` covers (every package of
/// the repository is a member of one of them; the real chips' firmware projects are
/// workspaces of their own, `crate::chips`).
const FMT_WORKSPACES: &[&str] = &[
    ".",
    "examples",
    "bench/fw",
    "bench/host",
    "examples/nrf52840",
    "examples/rp2040",
];

/// `cargo fmt --all --check` in every workspace: the standard is rustfmt's output.
pub fn fmt(root: &Path, report: &mut Report) {
    for dir in FMT_WORKSPACES {
        let name = format!("rustfmt --check ({dir})");
        report.step(name, || {
            cmd::run(cmd::cargo(&root.join(dir)).args(["fmt", "--all", "--check"]))
        });
    }
}

/// Runs every [`CLIPPY`] entry with warnings denied.
pub fn clippy(root: &Path, report: &mut Report) {
    for (name, dir, args) in CLIPPY {
        report.step(*name, || -> Result<(), Error> {
            cmd::run(
                cmd::cargo(&root.join(dir))
                    .args(*args)
                    .args(["--", "-D", "warnings"]),
            )
        });
    }
}
