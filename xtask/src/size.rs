//! Code and data size: `llvm-size` from the llvm-tools component, and the size budgets of
//! the firmware examples (`examples/budgets.txt`).
//!
//! A budget is a ceiling, in bytes, on `.text`, `.data` and `.bss` of one example built
//! for one target (release). `cargo xtask test` measures every example that has an
//! expected output and fails when one exceeds its budget or has none, so a change that
//! makes the seed applications bigger shows up in CI and is a decision, not an accident.
//! Budgets sit a little above the measured figure; lower them when code gets smaller.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, Error};

/// The sections reported, in order.
pub const SECTIONS: [&str; 4] = [".text", ".rodata", ".data", ".bss"];

/// The budget file, relative to the repository root.
pub const BUDGETS: &str = "examples/budgets.txt";

/// `llvm-size` from the llvm-tools component: `<sysroot>/lib/rustlib/<host>/bin/llvm-size`.
pub fn llvm_size() -> Result<PathBuf, Error> {
    llvm_tool("llvm-size")
}

/// A tool of the llvm-tools component: `<sysroot>/lib/rustlib/<host>/bin/<name>`.
pub fn llvm_tool(name: &str) -> Result<PathBuf, Error> {
    let sysroot = cmd::output(Command::new("rustc").args(["--print", "sysroot"]))?;
    let rustlib = Path::new(sysroot.trim()).join("lib/rustlib");
    let entries =
        fs::read_dir(&rustlib).map_err(|e| format!("cannot list {}: {e}", rustlib.display()))?;
    entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path().join("bin").join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| format!("{name} not found: run `rustup component add llvm-tools`"))
}

/// `.text`, `.rodata`, `.data`, `.bss` of `elf` (`llvm-size -A`; absent sections: 0).
pub fn sections(elf: &Path) -> Result<[u64; 4], Error> {
    let out = cmd::output(Command::new(llvm_size()?).arg("-A").arg(elf))?;
    parse_size(&out)
}

/// `.text`, `.rodata`, `.data`, `.bss` sizes from `llvm-size -A` output (absent: 0).
pub fn parse_size(out: &str) -> Result<[u64; 4], Error> {
    let mut sizes = [0; 4];
    let mut found_text = false;
    for line in out.lines() {
        let mut words = line.split_whitespace();
        let (Some(name), Some(size)) = (words.next(), words.next()) else {
            continue;
        };
        if let Some(i) = SECTIONS.iter().position(|s| *s == name) {
            sizes[i] = size
                .parse()
                .map_err(|_| format!("llvm-size: bad size in {line:?}"))?;
            found_text |= i == 0;
        }
    }
    if found_text {
        Ok(sizes)
    } else {
        Err(format!("llvm-size printed no .text section:\n{out}"))
    }
}

/// One line of the budget file: ceilings for one example on one target, and optionally
/// on its largest task.
#[derive(Debug, PartialEq, Eq)]
pub struct Budget {
    /// The example binary.
    pub bin: String,
    /// The target triple it is built for.
    pub target: String,
    /// Ceilings on `.text` (with `.rodata`: code and constants in flash), `.data`, `.bss`.
    pub text: u64,
    /// Ceiling on `.data`.
    pub data: u64,
    /// Ceiling on `.bss`.
    pub bss: u64,
    /// Ceiling on the static RAM of the example's largest task function (its pool, as
    /// `cargo xtask size --tasks` reports it), if the line has a sixth column.
    pub task: Option<u64>,
}

/// Parses the budget file: `<bin> <target> <text> <data> <bss> [<task>]` per line, `#`
/// comments.
pub fn parse_budgets(text: &str) -> Result<Vec<Budget>, Error> {
    let mut budgets = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let bad = || {
            format!(
                "{BUDGETS}:{}: expected `<bin> <target> <text> <data> <bss> [<task>]`, got {line:?}",
                n + 1
            )
        };
        let (bin, target, text, data, bss, task) = match words[..] {
            [bin, target, text, data, bss] => (bin, target, text, data, bss, None),
            [bin, target, text, data, bss, task] => (bin, target, text, data, bss, Some(task)),
            _ => return Err(bad()),
        };
        let num = |s: &str| s.parse::<u64>().map_err(|_| bad());
        budgets.push(Budget {
            bin: bin.to_string(),
            target: target.to_string(),
            text: num(text)?,
            data: num(data)?,
            bss: num(bss)?,
            task: task.map(num).transpose()?,
        });
    }
    Ok(budgets)
}

/// Reads the budget file of the repository at `root`.
pub fn budgets(root: &Path) -> Result<Vec<Budget>, Error> {
    let path = root.join(BUDGETS);
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_budgets(&text)
}

/// Judges measured `sections` of `bin` on `target` against `budgets`: `Ok` with a short
/// summary, or an error naming each section over budget (or the missing budget line).
pub fn check(
    budgets: &[Budget],
    bin: &str,
    target: &str,
    sections: [u64; 4],
) -> Result<String, Error> {
    let budget = budgets
        .iter()
        .find(|b| b.bin == bin && b.target == target)
        .ok_or_else(|| {
            format!(
                "no size budget for {bin} on {target}: add `{bin} {target} <text> <data> <bss>` \
                 to {BUDGETS} (measured: text {} data {} bss {})",
                sections[0] + sections[1],
                sections[2],
                sections[3]
            )
        })?;
    let measured = [
        ("text", sections[0] + sections[1], budget.text),
        ("data", sections[2], budget.data),
        ("bss", sections[3], budget.bss),
    ];
    let over: Vec<String> = measured
        .iter()
        .filter(|(_, size, ceiling)| size > ceiling)
        .map(|(name, size, ceiling)| format!("{name} {size} > budget {ceiling}"))
        .collect();
    if over.is_empty() {
        Ok(measured
            .iter()
            .map(|(name, size, ceiling)| format!("{name} {size}/{ceiling}"))
            .collect::<Vec<_>>()
            .join(" "))
    } else {
        Err(format!(
            "{bin} on {target} is over its size budget ({BUDGETS}): {}",
            over.join(", ")
        ))
    }
}

/// Checks each of `bins` (ELF files in `elf_dir`, built for `target`) against its budget
/// line; prints each figure, and fails naming every binary over budget or without one.
pub fn check_bins<'a>(
    root: &Path,
    target: &str,
    elf_dir: &Path,
    bins: impl IntoIterator<Item = &'a str>,
) -> Result<(), Error> {
    let budgets = budgets(root)?;
    let mut errors = Vec::new();
    for bin in bins {
        let checked = sections(&elf_dir.join(bin))
            .and_then(|sections| check(&budgets, bin, target, sections));
        match checked {
            Ok(summary) => eprintln!("size {target} {bin}: {summary}"),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Judges the largest task of `bin` on `target` (its name and pool bytes, `None` if it has
/// no task) against the sixth column of its budget line: `Ok` with a summary (empty when
/// the line has no task ceiling), or an error naming the task over its ceiling (or saying
/// that a capped example has no task record at all).
pub fn check_task(
    budgets: &[Budget],
    bin: &str,
    target: &str,
    largest: Option<(&str, u64)>,
) -> Result<String, Error> {
    let ceiling = budgets
        .iter()
        .find(|b| b.bin == bin && b.target == target)
        .and_then(|b| b.task);
    match (ceiling, largest) {
        (Some(ceiling), Some((name, bytes))) if bytes > ceiling => Err(format!(
            "{bin} on {target}: its largest task `{name}` takes {bytes} bytes of static RAM \
             > task budget {ceiling} ({BUDGETS}, sixth column)"
        )),
        (Some(ceiling), Some((_, bytes))) => Ok(format!("largest task {bytes}/{ceiling}")),
        (Some(ceiling), None) => Err(format!(
            "{bin} on {target} has a task budget ({ceiling}) but no task record: \
             `cargo xtask size --tasks {bin} --target {target}` finds none"
        )),
        (None, _) => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::{check, check_task, parse_budgets, parse_size};

    #[test]
    fn parses_llvm_size_output() {
        let out = "x  :\nsection size addr\n.text 1020 0\n.rodata 16 0\n.data 24 0\n.bss 96 0\n";
        assert_eq!(parse_size(out).unwrap(), [1020, 16, 24, 96]);
        assert!(parse_size(".bss 4 0\n").is_err());
    }

    #[test]
    fn parses_budgets_and_rejects_bad_lines() {
        let budgets = parse_budgets("# c\nblinky thumbv7m-none-eabi 100 4 50 # note\n\n").unwrap();
        assert_eq!(budgets.len(), 1);
        assert_eq!(
            (budgets[0].text, budgets[0].data, budgets[0].bss),
            (100, 4, 50)
        );
        assert!(parse_budgets("blinky thumbv7m 1 2\n").is_err());
        assert!(parse_budgets("blinky thumbv7m 1 2 x\n").is_err());
        assert_eq!(budgets[0].task, None);
        let with_task = parse_budgets("blinky t 100 4 50 400\n").unwrap();
        assert_eq!(with_task[0].task, Some(400));
        assert!(parse_budgets("blinky t 100 4 50 x\n").is_err());
        assert!(parse_budgets("blinky t 100 4 50 400 1\n").is_err());
    }

    #[test]
    fn check_task_caps_the_largest_task_only_where_a_ceiling_is_set() {
        let budgets = parse_budgets("a t 100 4 50 400\nb t 100 4 50\n").unwrap();
        assert!(check_task(&budgets, "a", "t", Some(("x::big", 400))).is_ok());
        let err = check_task(&budgets, "a", "t", Some(("x::big", 401))).unwrap_err();
        assert!(err.contains("`x::big` takes 401 bytes"), "{err}");
        assert_eq!(
            check_task(&budgets, "b", "t", Some(("x", 1 << 20))),
            Ok(String::new())
        );
        assert!(check_task(&budgets, "a", "t", None).is_err());
        assert_eq!(check_task(&budgets, "b", "t", None), Ok(String::new()));
    }

    #[test]
    fn check_counts_rodata_as_text_and_names_what_is_over() {
        let budgets = parse_budgets("a t 100 4 50\n").unwrap();
        assert!(check(&budgets, "a", "t", [90, 10, 4, 50]).is_ok());
        let err = check(&budgets, "a", "t", [90, 11, 4, 51]).unwrap_err();
        assert!(err.contains("text 101 > budget 100"), "{err}");
        assert!(err.contains("bss 51 > budget 50"), "{err}");
        let missing = check(&budgets, "b", "t", [1, 0, 0, 0]).unwrap_err();
        assert!(missing.contains("no size budget for b on t"), "{missing}");
    }
}
