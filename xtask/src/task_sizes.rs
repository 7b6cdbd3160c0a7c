//! The task-size report: `cargo xtask size --tasks <example>` lists every task function
//! of a firmware build with its future size, pool size and static RAM, biggest first.
//!
//! Where the figures come from: `#[mote::task]` computes them at compile time and, on
//! bare-metal targets, writes one record per task function into the ELF section
//! `.mote.tasks`, which is not allocated (it costs no flash and no RAM; see mote's
//! `executor/task_meta.rs` for the layout). This module reads that section straight from
//! the ELF file. A record is written where the task's constructor is compiled, so a task
//! function that the firmware never spawns has none.
//!
//! [`cross_check`] holds the records against what the linker made of the pools: each
//! task's pool is a `.bss` symbol `<path>::__MOTE_POOL::h<hash>` whose size (`llvm-nm
//! -S`) must equal the record's `pool_bytes`, and every such symbol must have a record.
//! The test command runs it for every example, so the report cannot drift from the build.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::cmd::{self, Error};

/// The section the macro writes.
pub const SECTION: &str = ".mote.tasks";

/// First word of every record: `b"TASK"` as a little-endian `u32` (mote's `RECORD_MAGIC`).
const MAGIC: u32 = u32::from_le_bytes(*b"TASK");

/// One task function of a firmware build, as `#[mote::task]` computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// `crate::module::function`.
    pub name: String,
    /// Bytes of the task's future.
    pub future: u32,
    /// Bytes of one slot (task header + future + padding).
    pub slot: u32,
    /// Instances that may run at once.
    pub pool_size: u32,
    /// Bytes of the task's static pool in `.bss`.
    pub pool_bytes: u32,
}

/// The records of `elf`, biggest pool first (ties by name); empty if it has no task.
pub fn read(elf: &Path) -> Result<Vec<TaskRecord>, Error> {
    let bytes = fs::read(elf).map_err(|e| format!("cannot read {}: {e}", elf.display()))?;
    let section = elf32_section(&bytes, SECTION)
        .map_err(|e| format!("{}: {e}", elf.display()))?
        .unwrap_or(&[]);
    parse_records(section)
}

/// Parses the contents of a `.mote.tasks` section: records at 4-byte boundaries, zero
/// padding between them (each object file's part is aligned by the linker). A record
/// that appears several times (one per inlined copy of a task's constructor) is kept
/// once; two different records under one name are an error.
pub fn parse_records(section: &[u8]) -> Result<Vec<TaskRecord>, Error> {
    let word = |at: usize| -> Option<u32> {
        section
            .get(at..at + 4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    };
    let mut records: BTreeMap<String, TaskRecord> = BTreeMap::new();
    let mut at = 0;
    while at < section.len() {
        match word(at) {
            Some(0) => at += 4,
            Some(MAGIC) => {
                let field = |i: usize| {
                    word(at + 4 * i).ok_or_else(|| format!("{SECTION}: record cut short at {at}"))
                };
                let (future, slot, pool_size, pool_bytes) =
                    (field(1)?, field(2)?, field(3)?, field(4)?);
                let name_at = at + 20;
                let len = section[name_at..]
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or_else(|| format!("{SECTION}: unterminated name at {name_at}"))?;
                let name = std::str::from_utf8(&section[name_at..name_at + len])
                    .map_err(|_| format!("{SECTION}: name at {name_at} is not UTF-8"))?
                    .to_string();
                at = (name_at + len + 1).next_multiple_of(4);
                let record = TaskRecord {
                    name: name.clone(),
                    future,
                    slot,
                    pool_size,
                    pool_bytes,
                };
                if let Some(seen) = records.get(&name) {
                    if *seen != record {
                        return Err(format!(
                            "{SECTION}: two different records for `{name}`: {seen:?} and {record:?}"
                        ));
                    }
                }
                records.insert(name, record);
            }
            Some(other) => {
                return Err(format!(
                    "{SECTION}: expected a record at offset {at}, found word {other:#010x}"
                ))
            }
            None => {
                return Err(format!(
                    "{SECTION}: {} stray bytes at the end",
                    section.len() - at
                ))
            }
        }
    }
    let mut records: Vec<TaskRecord> = records.into_values().collect();
    records.sort_by(|a, b| b.pool_bytes.cmp(&a.pool_bytes).then(a.name.cmp(&b.name)));
    Ok(records)
}

/// The contents of section `name` of a 32-bit little-endian ELF file, or `None` if it has
/// no such section.
fn elf32_section<'a>(elf: &'a [u8], name: &str) -> Result<Option<&'a [u8]>, Error> {
    if elf.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err("not an ELF file".into());
    }
    if elf.get(4..6) != Some([1u8, 1].as_slice()) {
        return Err("not a 32-bit little-endian ELF file (firmware is)".into());
    }
    let bad = || "truncated ELF file".to_string();
    let u16_at = |at: usize| -> Result<usize, Error> {
        let b = elf.get(at..at + 2).ok_or_else(bad)?;
        Ok(usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |at: usize| -> Result<usize, Error> {
        let b = elf.get(at..at + 4).ok_or_else(bad)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (shoff, shentsize, shnum, shstrndx) =
        (u32_at(0x20)?, u16_at(0x2E)?, u16_at(0x30)?, u16_at(0x32)?);
    // Section header fields: name 0, type 4, offset 16, size 20.
    let header = |i: usize| shoff + i * shentsize;
    let contents = |i: usize| -> Result<&'a [u8], Error> {
        let (offset, size) = (u32_at(header(i) + 16)?, u32_at(header(i) + 20)?);
        elf.get(offset..offset + size).ok_or_else(bad)
    };
    let names = contents(shstrndx)?;
    for i in 0..shnum {
        let at = u32_at(header(i))?;
        let sh_name = names.get(at..).ok_or_else(bad)?;
        let end = sh_name.iter().position(|&b| b == 0).ok_or_else(bad)?;
        if &sh_name[..end] == name.as_bytes() {
            // SHT_NOBITS (8) has no contents in the file.
            return if u32_at(header(i) + 4)? == 8 {
                Ok(Some(&[]))
            } else {
                contents(i).map(Some)
            };
        }
    }
    Ok(None)
}

/// The pools the linker kept: task path → size of its `__MOTE_POOL` symbol, from
/// `llvm-nm -S --demangle` output.
pub fn parse_pool_symbols(nm: &str) -> BTreeMap<String, u64> {
    let mut pools = BTreeMap::new();
    for line in nm.lines() {
        // `<address> <size> <type> <name>`; symbols without a size have three fields.
        let fields: Vec<&str> = line.splitn(4, ' ').collect();
        let [_, size, _, name] = fields[..] else {
            continue;
        };
        let Some((path, hash)) = name.rsplit_once("::__MOTE_POOL::") else {
            continue;
        };
        if !hash.starts_with('h') {
            continue;
        }
        if let Ok(size) = u64::from_str_radix(size, 16) {
            pools.insert(path.to_string(), size);
        }
    }
    pools
}

/// The pools of `elf` ([`parse_pool_symbols`] over `llvm-nm -S --demangle`).
pub fn pool_symbols(elf: &Path) -> Result<BTreeMap<String, u64>, Error> {
    let nm = crate::size::llvm_tool("llvm-nm")?;
    let out = cmd::output(Command::new(nm).args(["-S", "--demangle"]).arg(elf))?;
    Ok(parse_pool_symbols(&out))
}

/// Checks `records` against the linker's pools (see the module docs) and the arithmetic
/// of each record: a pool of at most 4 slots is exactly its slots, a larger one has a
/// head of at least 8 bytes before them, and a slot holds more than its future.
pub fn cross_check(records: &[TaskRecord], pools: &BTreeMap<String, u64>) -> Result<(), Error> {
    let mut errors = Vec::new();
    for r in records {
        match pools.get(&r.name) {
            None => errors.push(format!("`{}`: no __MOTE_POOL symbol in the ELF", r.name)),
            Some(&size) if size != u64::from(r.pool_bytes) => errors.push(format!(
                "`{}`: record says {} bytes of pool, the linker's symbol has {size}",
                r.name, r.pool_bytes
            )),
            Some(_) => {}
        }
        let slots = r.pool_size * r.slot;
        let layout_ok = if r.pool_size <= 4 {
            r.pool_bytes == slots
        } else {
            r.pool_bytes >= slots + 8
        };
        if !layout_ok || r.slot <= r.future {
            errors.push(format!("`{}`: inconsistent sizes {r:?}", r.name));
        }
    }
    for name in pools.keys() {
        if !records.iter().any(|r| &r.name == name) {
            errors.push(format!(
                "`{name}`: a pool in the ELF but no {SECTION} record"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// The report: one line per task function, biggest first, and the total.
pub fn table(records: &[TaskRecord]) -> String {
    let width = records
        .iter()
        .map(|r| r.name.len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = format!(
        "{:<width$}  {:>6}  {:>6}  {:>9}  {:>10}\n",
        "task", "future", "slot", "pool_size", "static RAM"
    );
    for r in records {
        out += &format!(
            "{:<width$}  {:>6}  {:>6}  {:>9}  {:>10}\n",
            r.name, r.future, r.slot, r.pool_size, r.pool_bytes
        );
    }
    let total: u64 = records.iter().map(|r| u64::from(r.pool_bytes)).sum();
    out += &format!(
        "{:<width$}  {:>6}  {:>6}  {:>9}  {:>10}\n",
        format!("{} task functions", records.len()),
        "",
        "",
        "",
        total
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, words: [u32; 4]) -> Vec<u8> {
        let mut out = MAGIC.to_le_bytes().to_vec();
        for w in words {
            out.extend(w.to_le_bytes());
        }
        out.extend(name.as_bytes());
        out.push(0);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        out
    }

    #[test]
    fn parses_sorts_and_dedupes_records() {
        let mut section = record("app::small", [8, 48, 1, 48]);
        section.extend([0; 4]); // padding between object files
        section.extend(record("app::big", [100, 144, 2, 288]));
        section.extend(record("app::small", [8, 48, 1, 48])); // an inlined copy
        let records = parse_records(&section).unwrap();
        let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["app::big", "app::small"]);
        assert_eq!(
            records[0],
            TaskRecord {
                name: "app::big".into(),
                future: 100,
                slot: 144,
                pool_size: 2,
                pool_bytes: 288
            }
        );
    }

    #[test]
    fn rejects_garbage_and_conflicting_records() {
        assert!(parse_records(&[1, 2, 3, 4]).is_err());
        let mut two = record("a", [8, 48, 1, 48]);
        two.extend(record("a", [9, 48, 1, 48]));
        assert!(parse_records(&two).unwrap_err().contains("two different"));
        let cut = record("a", [8, 48, 1, 48]);
        assert!(parse_records(&cut[..10]).is_err());
    }

    #[test]
    fn finds_pool_symbols_in_nm_output() {
        let nm = "20000000 00000180 b blinky::app::blink::__MOTE_POOL::h764594bc37a5627c\n\
                  20000180 00000070 b blinky::app::__MOTE_POOL::h5ad042a56bee32e6\n\
                  00000100 T main\n\
                  20000200 00000004 b other::STATIC::h0123\n";
        let pools = parse_pool_symbols(nm);
        assert_eq!(pools.len(), 2);
        assert_eq!(pools["blinky::app::blink"], 0x180);
        assert_eq!(pools["blinky::app"], 0x70);
    }

    #[test]
    fn cross_check_names_each_disagreement() {
        let r = |name: &str, pool_size, pool_bytes| TaskRecord {
            name: name.into(),
            future: 72,
            slot: 112,
            pool_size,
            pool_bytes,
        };
        let pools: BTreeMap<String, u64> = [
            ("a".to_string(), 112),
            ("b".to_string(), 2000),
            ("c".to_string(), 4),
        ]
        .into();
        assert!(cross_check(&[r("a", 1, 112)], &[("a".to_string(), 112)].into()).is_ok());
        let err =
            cross_check(&[r("a", 1, 112), r("b", 8, 500), r("d", 1, 112)], &pools).unwrap_err();
        assert!(err.contains("`b`: record says 500"), "{err}");
        assert!(err.contains("`b`: inconsistent"), "{err}");
        assert!(err.contains("`c`: a pool in the ELF but no"), "{err}");
        assert!(err.contains("`d`: no __MOTE_POOL symbol"), "{err}");
    }

    #[test]
    fn table_lists_biggest_first_with_a_total() {
        let records = parse_records(
            &[
                record("x::b", [100, 144, 2, 288]),
                record("x::a", [8, 48, 1, 48]),
            ]
            .concat(),
        )
        .unwrap();
        let text = table(&records);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].starts_with("x::b") && lines[1].ends_with("288"),
            "{text}"
        );
        assert!(lines[2].starts_with("x::a"), "{text}");
        assert!(lines[3].starts_with("2 task functions") && lines[3].ends_with("336"));
    }
}
