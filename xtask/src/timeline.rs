//! `cargo xtask trace <example>`: a timeline of a firmware run, drawn.
//!
//! The example is built with its package's `timeline` feature (it then starts a
//! `mote::trace::timeline::Timeline` and prints it at the end, see
//! `examples/trace/src/bin/starvation.rs`), run in QEMU under `-icount` (virtual time:
//! the same timeline on every run), and its `timeline: ...` lines become:
//!
//! - `target/trace/<example>.json`: Chrome trace-event JSON, which the Perfetto UI
//!   (ui.perfetto.dev) and `chrome://tracing` open: one process per executor, holding a
//!   track of its busy time (a slice from waking, or from an interrupt executor's entry,
//!   to going idle; an instant per interrupt entry) and one track per task spawned on
//!   it, with a slice per poll and an instant event per ready (spawn or wake); tasks of
//!   no known executor under a process named after the firmware;
//! - `target/trace/<example>.svg`: the same as a picture (per executor a row of busy
//!   bars, then a row per task with a bar per poll and a tick per ready), for a browser
//!   or a README.
//!
//! [`check_against_stats`] is the test: the timeline must agree with the per-task
//! statistics (`mote::trace`) the firmware prints in the same run: as many finished poll
//! slices as polls, as many ready events as wakes plus the spawn, the same longest poll.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::cmd::{self, Error};
use crate::firmware;

/// One event of the printed timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Ticks of the firmware's time driver.
    pub at: u64,
    /// `R` ready, `B` poll begin, `E` poll end (task events); `I` idle, `U` busy (woke),
    /// `X` interrupt-executor entry (executor events).
    pub kind: char,
    /// Task name as printed (`name`, `name#2`, `?`); for an executor event, the
    /// executor (`executor@<hex address>`).
    pub task: String,
}

impl Event {
    /// Whether this is an executor event (`I`, `U`, `X`).
    pub fn is_executor(&self) -> bool {
        matches!(self.kind, 'I' | 'U' | 'X')
    }
}

/// A parsed timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// Ticks per second of the timestamps.
    pub tick_hz: u64,
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// Events the firmware's buffer lost (overwritten when full).
    pub overwritten: u64,
    /// (task, executor) from the `timeline: task <executor> <task>` lines.
    pub task_executors: Vec<(String, String)>,
}

/// One poll of one task: begin and end ticks (`None`: still running when the timeline
/// was printed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    /// Start, in ticks.
    pub begin: u64,
    /// End, in ticks.
    pub end: Option<u64>,
}

impl Timeline {
    /// Task names in order of first appearance.
    pub fn tasks(&self) -> Vec<&str> {
        let mut tasks: Vec<&str> = Vec::new();
        for e in self.events.iter().filter(|e| !e.is_executor()) {
            if !tasks.contains(&e.task.as_str()) {
                tasks.push(&e.task);
            }
        }
        tasks
    }

    /// Executor names in order of first appearance (task lines, then events).
    pub fn executors(&self) -> Vec<&str> {
        let mut executors: Vec<&str> = Vec::new();
        let named = self.task_executors.iter().map(|(_, x)| x.as_str());
        let seen = self
            .events
            .iter()
            .filter(|e| e.is_executor())
            .map(|e| e.task.as_str());
        for x in named.chain(seen) {
            if !executors.contains(&x) {
                executors.push(x);
            }
        }
        executors
    }

    /// The executor `task` was spawned on, if the firmware said.
    pub fn executor_of(&self, task: &str) -> Option<&str> {
        self.task_executors
            .iter()
            .find(|(t, _)| t == task)
            .map(|(_, x)| x.as_str())
    }

    /// Whether `executor` is an interrupt executor (it recorded interrupt entries).
    pub fn is_interrupt_executor(&self, executor: &str) -> bool {
        self.events
            .iter()
            .any(|e| e.kind == 'X' && e.task == executor)
    }

    /// The busy spans of `executor`: from a wake (`U`) or an interrupt entry (`X`) to
    /// the next idle (`I`); an executor whose first event is `I` was busy from the
    /// timeline's start; `end: None` for a span still open at its end.
    pub fn busy(&self, executor: &str) -> Vec<Poll> {
        let mut spans: Vec<Poll> = Vec::new();
        let mut first = true;
        for e in self
            .events
            .iter()
            .filter(|e| e.task == executor && e.is_executor())
        {
            let open = spans.last().is_some_and(|p| p.end.is_none());
            match e.kind {
                'U' | 'X' if !open => spans.push(Poll {
                    begin: e.at,
                    end: None,
                }),
                'I' if open => {
                    if let Some(p) = spans.last_mut() {
                        p.end = Some(e.at);
                    }
                }
                'I' if first => spans.push(Poll {
                    begin: self.span().0,
                    end: Some(e.at),
                }),
                _ => {}
            }
            first = false;
        }
        spans
    }

    /// The interrupt entries (`X`) of `executor` (ticks).
    pub fn interrupt_entries(&self, executor: &str) -> Vec<u64> {
        self.events
            .iter()
            .filter(|e| e.task == executor && e.kind == 'X')
            .map(|e| e.at)
            .collect()
    }

    /// The polls of `task`, in order.
    pub fn polls(&self, task: &str) -> Vec<Poll> {
        let mut polls: Vec<Poll> = Vec::new();
        for e in self.events.iter().filter(|e| e.task == task) {
            match e.kind {
                'B' => polls.push(Poll {
                    begin: e.at,
                    end: None,
                }),
                'E' => {
                    if let Some(p) = polls.last_mut().filter(|p| p.end.is_none()) {
                        p.end = Some(e.at);
                    }
                }
                _ => {}
            }
        }
        polls
    }

    /// The ready events of `task` (ticks).
    pub fn readies(&self, task: &str) -> Vec<u64> {
        self.events
            .iter()
            .filter(|e| e.task == task && e.kind == 'R')
            .map(|e| e.at)
            .collect()
    }

    /// Ticks as microseconds.
    fn micros(&self, ticks: u64) -> f64 {
        ticks as f64 * 1e6 / self.tick_hz as f64
    }

    /// First and last timestamps.
    fn span(&self) -> (u64, u64) {
        let first = self.events.first().map_or(0, |e| e.at);
        let last = self.events.last().map_or(first, |e| e.at);
        (first, last.max(first + 1))
    }
}

/// Parses the `timeline: ...` lines of a firmware's output (other lines are ignored).
pub fn parse(output: &str) -> Result<Timeline, Error> {
    let mut header = None;
    let mut events = Vec::new();
    let mut task_executors = Vec::new();
    let mut ended = false;
    for line in output.lines() {
        let Some(rest) = line.trim_end().strip_prefix("timeline: ") else {
            continue;
        };
        let bad = || format!("bad timeline line {line:?}");
        let num = |s: &str| s.parse::<u64>().map_err(|_| bad());
        if let Some(nums) = rest.strip_prefix("begin ") {
            let nums: Vec<&str> = nums.split(' ').collect();
            let [hz, count, overwritten] = nums[..] else {
                return Err(bad());
            };
            header = Some((num(hz)?, num(count)?, num(overwritten)?));
            continue;
        }
        let words: Vec<&str> = rest.splitn(3, ' ').collect();
        match words[..] {
            ["end"] => ended = true,
            ["task", executor, task] if header.is_some() && !ended => {
                task_executors.push((task.to_string(), executor.to_string()));
            }
            [at, kind, task] if header.is_some() && !ended => {
                let kind = match kind {
                    "R" | "B" | "E" | "I" | "U" | "X" => kind.chars().next().unwrap_or('?'),
                    _ => return Err(bad()),
                };
                events.push(Event {
                    at: num(at)?,
                    kind,
                    task: task.to_string(),
                });
            }
            _ => return Err(bad()),
        }
    }
    let (tick_hz, count, overwritten) =
        header.ok_or("no `timeline: begin` line in the firmware's output")?;
    if !ended {
        return Err("the timeline has no `timeline: end` line (cut short?)".into());
    }
    if events.len() as u64 != count {
        return Err(format!(
            "the timeline announces {count} events but holds {}",
            events.len()
        ));
    }
    if tick_hz == 0 {
        return Err("tick rate 0".into());
    }
    if events.windows(2).any(|w| w[1].at < w[0].at) {
        return Err("timeline timestamps go backwards".into());
    }
    Ok(Timeline {
        tick_hz,
        events,
        overwritten,
        task_executors,
    })
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The Chrome trace-event JSON of `timeline` (see the module docs); `title` names the
/// process of the tasks of no known executor (and so the firmware). Track ids (`tid`)
/// are unique across processes.
pub fn to_json(timeline: &Timeline, title: &str) -> String {
    let mut events = vec![format!(
        r#"{{"ph":"M","pid":1,"tid":0,"name":"process_name","args":{{"name":{}}}}}"#,
        json_string(title)
    )];
    let (_, last) = timeline.span();
    let executors = timeline.executors();
    let pid_of = |executor: Option<&str>| {
        executor
            .and_then(|x| executors.iter().position(|e| *e == x))
            .map_or(1, |i| i + 2)
    };
    let mut tid = 0;
    let slice = |pid: usize, tid: usize, name: &str, cat: &str, span: Poll| {
        let end = span.end.unwrap_or(last);
        format!(
            r#"{{"ph":"X","pid":{pid},"tid":{tid},"name":"{name}","cat":"{cat}","ts":{:.3},"dur":{:.3}{}}}"#,
            timeline.micros(span.begin),
            timeline.micros(end - span.begin),
            if span.end.is_none() {
                r#","args":{"unfinished":true}"#
            } else {
                ""
            }
        )
    };
    let instant = |pid: usize, tid: usize, name: &str, cat: &str, at: u64| {
        format!(
            r#"{{"ph":"i","s":"t","pid":{pid},"tid":{tid},"name":"{name}","cat":"{cat}","ts":{:.3}}}"#,
            timeline.micros(at)
        )
    };
    let thread_name = |pid: usize, tid: usize, name: &str| {
        format!(
            r#"{{"ph":"M","pid":{pid},"tid":{tid},"name":"thread_name","args":{{"name":{}}}}}"#,
            json_string(name)
        )
    };
    for executor in &executors {
        let pid = pid_of(Some(executor));
        let kind = if timeline.is_interrupt_executor(executor) {
            "interrupt executor"
        } else {
            "thread-mode executor"
        };
        events.push(format!(
            r#"{{"ph":"M","pid":{pid},"tid":0,"name":"process_name","args":{{"name":{}}}}}"#,
            json_string(&format!("{executor} ({kind})"))
        ));
        tid += 1;
        events.push(thread_name(pid, tid, &format!("{executor}: busy")));
        for span in timeline.busy(executor) {
            events.push(slice(pid, tid, "busy", "executor", span));
        }
        for at in timeline.interrupt_entries(executor) {
            events.push(instant(pid, tid, "interrupt entry", "executor", at));
        }
    }
    for task in timeline.tasks() {
        let pid = pid_of(timeline.executor_of(task));
        tid += 1;
        events.push(thread_name(pid, tid, task));
        for poll in timeline.polls(task) {
            events.push(slice(pid, tid, "poll", "task", poll));
        }
        for at in timeline.readies(task) {
            events.push(instant(pid, tid, "ready", "task", at));
        }
    }
    format!(
        "{{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n{}\n]}}\n",
        events.join(",\n")
    )
}

/// `s` escaped for SVG text.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plot width of the SVG (the time axis), in pixels.
const PLOT_W: f64 = 960.0;
/// Width of the task-name column.
const LABEL_W: f64 = 110.0;
/// Height of a task's row.
const ROW_H: f64 = 28.0;

/// One row of the SVG: an executor's busy time, or a task.
enum SvgRow<'a> {
    Executor(usize, &'a str),
    Task(&'a str, bool),
}

/// The SVG picture of `timeline`: per executor a row of busy bars (idle is the gap) over
/// the rows of its tasks; per task a row with a bar per poll (its length the poll's
/// duration, at least two pixels) and a tick above it per ready event; a millisecond
/// axis.
pub fn to_svg(timeline: &Timeline, title: &str) -> String {
    let executors = timeline.executors();
    let mut rows: Vec<SvgRow> = Vec::new();
    for (i, executor) in executors.iter().enumerate() {
        rows.push(SvgRow::Executor(i + 1, executor));
        for task in timeline.tasks() {
            if timeline.executor_of(task) == Some(*executor) {
                rows.push(SvgRow::Task(task, true));
            }
        }
    }
    for task in timeline.tasks() {
        if !timeline
            .executor_of(task)
            .is_some_and(|x| executors.contains(&x))
        {
            rows.push(SvgRow::Task(task, false));
        }
    }
    let (first, last) = timeline.span();
    let span = (last - first) as f64;
    let x = |at: u64| LABEL_W + (at - first) as f64 / span * PLOT_W;
    let top = 34.0;
    let height = top + ROW_H * rows.len() as f64 + 30.0;
    let width = LABEL_W + PLOT_W + 20.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="4" y="16" font-size="13">{}: per executor, busy time (green) over its tasks: bars are polls, ticks are wakes</text>
"#,
        xml_text(title)
    );
    for (row, what) in rows.iter().enumerate() {
        let y = top + ROW_H * row as f64;
        let label = match what {
            SvgRow::Executor(i, executor) => format!(
                "executor {i}{}",
                if timeline.is_interrupt_executor(executor) {
                    " (irq)"
                } else {
                    ""
                }
            ),
            SvgRow::Task(task, under) => format!("{}{task}", if *under { "  " } else { "" }),
        };
        let _ = writeln!(
            svg,
            r##"<text x="4" y="{:.1}" xml:space="preserve">{}</text><line x1="{LABEL_W}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#ddd"/>"##,
            y + 17.0,
            xml_text(&label),
            y + ROW_H - 2.0,
            LABEL_W + PLOT_W,
            y + ROW_H - 2.0
        );
        let task = match what {
            SvgRow::Executor(_, executor) => {
                for busy in timeline.busy(executor) {
                    let end = busy.end.unwrap_or(last);
                    let w = (x(end) - x(busy.begin)).max(1.0);
                    let _ = writeln!(
                        svg,
                        r##"<rect class="busy" x="{:.2}" y="{:.1}" width="{w:.2}" height="14" fill="#4caf50"><title>{} busy {:.3} ms</title></rect>"##,
                        x(busy.begin),
                        y + 8.0,
                        xml_text(executor),
                        timeline.micros(end - busy.begin) / 1000.0
                    );
                }
                continue;
            }
            SvgRow::Task(task, _) => *task,
        };
        for poll in timeline.polls(task) {
            let end = poll.end.unwrap_or(last);
            let w = (x(end) - x(poll.begin)).max(2.0);
            let _ = writeln!(
                svg,
                r##"<rect class="poll" x="{:.2}" y="{:.1}" width="{w:.2}" height="14" fill="{}"><title>{} poll {:.3} ms</title></rect>"##,
                x(poll.begin),
                y + 8.0,
                if poll.end.is_some() {
                    "#3b7dd8"
                } else {
                    "#9ab"
                },
                xml_text(task),
                timeline.micros(end - poll.begin) / 1000.0
            );
        }
        for at in timeline.readies(task) {
            let _ = writeln!(
                svg,
                r##"<line class="ready" x1="{0:.2}" y1="{1:.1}" x2="{0:.2}" y2="{2:.1}" stroke="#e07b00"/>"##,
                x(at),
                y + 2.0,
                y + 7.0
            );
        }
    }
    // The axis: a label every `step` ms, `step` chosen for about ten labels.
    let axis_y = top + ROW_H * rows.len() as f64 + 14.0;
    let span_ms = timeline.micros(last - first) / 1000.0;
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        .into_iter()
        .find(|s| span_ms / s <= 12.0)
        .unwrap_or(1000.0);
    let mut ms = 0.0;
    while ms <= span_ms {
        let px = LABEL_W + ms / span_ms * PLOT_W;
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#888"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{ms} ms</text>"##,
            axis_y - 6.0,
            axis_y - 2.0,
            axis_y + 11.0
        );
        ms += step;
    }
    svg.push_str("</svg>\n");
    svg
}

/// A JSON value, from [`parse_json`] (the check's own reader: no dependency).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`, `true`, `false`.
    Lit(&'static str),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, in order.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Parses `text` as one JSON value (RFC 8259), or says where it is not JSON.
pub fn parse_json(text: &str) -> Result<Json, Error> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let value = json_value(bytes, &mut at)?;
    skip_ws(bytes, &mut at);
    if at != bytes.len() {
        return Err(format!("JSON: trailing text at byte {at}"));
    }
    Ok(value)
}

fn skip_ws(b: &[u8], at: &mut usize) {
    while *at < b.len() && matches!(b[*at], b' ' | b'\n' | b'\r' | b'\t') {
        *at += 1;
    }
}

fn json_value(b: &[u8], at: &mut usize) -> Result<Json, Error> {
    skip_ws(b, at);
    let err = |at: usize, what: &str| format!("JSON: {what} at byte {at}");
    match b.get(*at) {
        Some(b'{') => {
            *at += 1;
            let mut members = Vec::new();
            skip_ws(b, at);
            if b.get(*at) == Some(&b'}') {
                *at += 1;
                return Ok(Json::Obj(members));
            }
            loop {
                skip_ws(b, at);
                let Json::Str(key) = json_value(b, at)? else {
                    return Err(err(*at, "expected a string key"));
                };
                skip_ws(b, at);
                if b.get(*at) != Some(&b':') {
                    return Err(err(*at, "expected `:`"));
                }
                *at += 1;
                members.push((key, json_value(b, at)?));
                skip_ws(b, at);
                match b.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b'}') => {
                        *at += 1;
                        return Ok(Json::Obj(members));
                    }
                    _ => return Err(err(*at, "expected `,` or `}`")),
                }
            }
        }
        Some(b'[') => {
            *at += 1;
            let mut items = Vec::new();
            skip_ws(b, at);
            if b.get(*at) == Some(&b']') {
                *at += 1;
                return Ok(Json::Arr(items));
            }
            loop {
                items.push(json_value(b, at)?);
                skip_ws(b, at);
                match b.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b']') => {
                        *at += 1;
                        return Ok(Json::Arr(items));
                    }
                    _ => return Err(err(*at, "expected `,` or `]`")),
                }
            }
        }
        Some(b'"') => {
            *at += 1;
            let mut s = String::new();
            loop {
                match b.get(*at) {
                    None => return Err(err(*at, "unterminated string")),
                    Some(b'"') => {
                        *at += 1;
                        return Ok(Json::Str(s));
                    }
                    Some(b'\\') => {
                        let c = match b.get(*at + 1) {
                            Some(b'"') => '"',
                            Some(b'\\') => '\\',
                            Some(b'/') => '/',
                            Some(b'n') => '\n',
                            Some(b't') => '\t',
                            Some(b'r') => '\r',
                            Some(b'b') => '\u{8}',
                            Some(b'f') => '\u{c}',
                            Some(b'u') => {
                                let hex = b
                                    .get(*at + 2..*at + 6)
                                    .and_then(|h| std::str::from_utf8(h).ok())
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                    .ok_or_else(|| err(*at, "bad \\u escape"))?;
                                *at += 4;
                                char::from_u32(hex).unwrap_or('\u{fffd}')
                            }
                            _ => return Err(err(*at, "bad escape")),
                        };
                        s.push(c);
                        *at += 2;
                    }
                    Some(&c) if c < 0x20 => return Err(err(*at, "control character in string")),
                    Some(_) => {
                        let rest = std::str::from_utf8(&b[*at..])
                            .map_err(|_| err(*at, "invalid UTF-8"))?;
                        let c = rest.chars().next().unwrap_or('\u{fffd}');
                        s.push(c);
                        *at += c.len_utf8();
                    }
                }
            }
        }
        Some(b't') if b[*at..].starts_with(b"true") => {
            *at += 4;
            Ok(Json::Lit("true"))
        }
        Some(b'f') if b[*at..].starts_with(b"false") => {
            *at += 5;
            Ok(Json::Lit("false"))
        }
        Some(b'n') if b[*at..].starts_with(b"null") => {
            *at += 4;
            Ok(Json::Lit("null"))
        }
        Some(c) if *c == b'-' || c.is_ascii_digit() => {
            let start = *at;
            *at += 1;
            while *at < b.len() && matches!(b[*at], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
            {
                *at += 1;
            }
            let text = std::str::from_utf8(&b[start..*at]).unwrap_or("");
            text.parse::<f64>()
                .map(Json::Num)
                .map_err(|_| err(start, "bad number"))
        }
        _ => Err(err(*at, "expected a value")),
    }
}

/// Per-task statistics as the firmware's `mote::trace` table prints them:
/// `name state polls wakes <longest poll> ms <longest wait> ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Polls.
    pub polls: u64,
    /// Wakes.
    pub wakes: u64,
    /// Longest poll, whole milliseconds.
    pub longest_poll_ms: u64,
}

/// The rows of the statistics table in `output` (lines of eight words ending in `ms`).
pub fn parse_stats(output: &str) -> BTreeMap<String, Stats> {
    let mut rows = BTreeMap::new();
    for line in output.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if let [name, _state, polls, wakes, longest, "ms", _wait, "ms"] = w[..] {
            if let (Ok(polls), Ok(wakes), Ok(longest_poll_ms)) =
                (polls.parse(), wakes.parse(), longest.parse())
            {
                rows.insert(
                    name.to_string(),
                    Stats {
                        polls,
                        wakes,
                        longest_poll_ms,
                    },
                );
            }
        }
    }
    rows
}

/// The test of a run: `json` (this exporter's output for `timeline`) is valid JSON whose
/// events say what the firmware's own statistics (`stats`) say: per task, one poll slice
/// per poll, one ready per wake plus the spawn, and the same longest poll (ms).
pub fn check_against_stats(
    timeline: &Timeline,
    json: &str,
    stats: &BTreeMap<String, Stats>,
) -> Result<(), Error> {
    if timeline.overwritten != 0 {
        return Err(format!(
            "the firmware's timeline lost {} events: make its buffer larger",
            timeline.overwritten
        ));
    }
    if stats.is_empty() {
        return Err("no statistics table in the firmware's output".into());
    }
    let doc = parse_json(json)?;
    let Some(Json::Arr(events)) = doc.get("traceEvents") else {
        return Err("JSON: no traceEvents array".into());
    };
    let str_of = |e: &Json, k: &str| match e.get(k) {
        Some(Json::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let num_of = |e: &Json, k: &str| match e.get(k) {
        Some(Json::Num(n)) => Some(*n),
        _ => None,
    };
    // tid -> task name, from the thread_name metadata.
    let mut names = BTreeMap::new();
    for e in events {
        if str_of(e, "ph").as_deref() == Some("M")
            && str_of(e, "name").as_deref() == Some("thread_name")
        {
            let name = e.get("args").and_then(|a| match a.get("name") {
                Some(Json::Str(s)) => Some(s.clone()),
                _ => None,
            });
            if let (Some(tid), Some(name)) = (num_of(e, "tid"), name) {
                names.insert(tid as u64, name);
            }
        }
    }
    let mut errors = Vec::new();
    // Executor tracks: each executor was busy at some point, and when the firmware named
    // tasks' executors, every task of the table has one.
    for executor in timeline.executors() {
        if timeline.busy(executor).is_empty() {
            errors.push(format!("{executor}: no busy span in the timeline"));
        }
    }
    if !timeline.task_executors.is_empty() {
        for task in stats.keys() {
            if timeline.executor_of(task).is_none() {
                errors.push(format!("`{task}`: the timeline names no executor for it"));
            }
        }
    }
    for (task, want) in stats {
        let Some(&tid) = names.iter().find(|(_, n)| *n == task).map(|(t, _)| t) else {
            errors.push(format!("`{task}`: no track in the JSON"));
            continue;
        };
        let of_task = |ph: &str| {
            events
                .iter()
                .filter(|e| str_of(e, "ph").as_deref() == Some(ph))
                .filter(|e| num_of(e, "tid") == Some(tid as f64))
                .collect::<Vec<_>>()
        };
        // `mote::trace` counts a poll when it ends: a poll still running when the table
        // was printed (the reporting task's own) is an unfinished slice, not counted.
        let finished: Vec<&Json> = of_task("X")
            .into_iter()
            .filter(|e| e.get("args").is_none())
            .collect();
        let readies = of_task("i");
        if finished.len() as u64 != want.polls {
            errors.push(format!(
                "`{task}`: {} finished poll slices, the firmware counted {} polls",
                finished.len(),
                want.polls
            ));
        }
        if readies.len() as u64 != want.wakes + 1 {
            errors.push(format!(
                "`{task}`: {} ready events, the firmware counted {} wakes (+1 spawn)",
                readies.len(),
                want.wakes
            ));
        }
        let longest_us = finished
            .iter()
            .filter_map(|e| num_of(e, "dur"))
            .fold(0.0, f64::max);
        if (longest_us / 1000.0).floor() as u64 != want.longest_poll_ms {
            errors.push(format!(
                "`{task}`: longest poll slice {:.3} ms, the firmware measured {} ms",
                longest_us / 1000.0,
                want.longest_poll_ms
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// What one run produced.
pub struct Exported {
    /// The parsed timeline.
    pub timeline: Timeline,
    /// The JSON file and its text.
    pub json: (PathBuf, String),
    /// The SVG file.
    pub svg: PathBuf,
    /// The firmware's whole UART output.
    pub output: String,
}

/// Builds `example` for `target` with its package's `timeline` feature, runs it in QEMU
/// with `-icount`, and writes `target/trace/<example>.{json,svg}`.
pub fn run(root: &Path, example: &str, target: &str) -> Result<Exported, Error> {
    let package = firmware::package_of(root, example)?
        .ok_or_else(|| format!("no firmware binary named `{example}`"))?;
    let manifest = root.join(package.dir).join("../../Cargo.toml");
    let has_feature = fs::read_to_string(&manifest)
        .map(|m| m.lines().any(|l| l.starts_with("timeline = ")))
        .unwrap_or(false);
    if !has_feature {
        return Err(format!(
            "`{example}` cannot record a timeline: its package ({}) has no `timeline` feature \
             (see examples/trace: the feature starts a mote::trace::timeline::Timeline and \
             prints it at the end)",
            package.name
        ));
    }
    let examples = root.join("examples");
    cmd::run(cmd::cargo(&examples).args([
        "build",
        "--release",
        "--target",
        target,
        "-p",
        package.name,
        "--bin",
        example,
        "--features",
        "timeline",
    ]))?;
    let elf = firmware::target_dir(&examples)?
        .join(target)
        .join("release")
        .join(example);
    let machine = firmware::machine_for(root, example, target)?;
    let mut qemu = firmware::qemu(machine, &elf, firmware::Run::Test, false);
    let run = cmd::run_with_timeout(&mut qemu, Duration::from_secs(120), Stdio::null())?;
    if !run.status.is_some_and(|s| s.success()) {
        return Err(format!(
            "{example} did not exit with status 0 ({:?}):\n{}{}",
            run.status, run.stdout, run.stderr
        ));
    }
    let timeline = parse(&run.stdout)?;
    let title = format!("{example} ({target}, {machine}, -icount)");
    let dir = root.join("target/trace");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let json = to_json(&timeline, &title);
    let json_path = dir.join(format!("{example}.json"));
    let svg_path = dir.join(format!("{example}.svg"));
    fs::write(&json_path, &json).map_err(|e| format!("{}: {e}", json_path.display()))?;
    fs::write(&svg_path, to_svg(&timeline, &title))
        .map_err(|e| format!("{}: {e}", svg_path.display()))?;
    Ok(Exported {
        timeline,
        json: (json_path, json),
        svg: svg_path,
        output: run.stdout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
hello
task       state    polls wakes  longest poll  longest wait
a          sleeping     2     1          3 ms          0 ms
b          running      0     0          0 ms          0 ms
timeline: begin 1000 8 0
timeline: 0 R a
timeline: 1 B a
timeline: 4 E a
timeline: 5 R a
timeline: 5 R b
timeline: 5 B b
timeline: 6 B a
timeline: 6 E a
timeline: end
";

    fn timeline() -> Timeline {
        parse(OUTPUT).unwrap()
    }

    #[test]
    fn parses_the_printed_timeline() {
        let t = timeline();
        assert_eq!(t.tick_hz, 1000);
        assert_eq!(t.events.len(), 8);
        assert_eq!(t.tasks(), ["a", "b"]);
        assert_eq!(
            t.polls("a"),
            [
                Poll {
                    begin: 1,
                    end: Some(4)
                },
                Poll {
                    begin: 6,
                    end: Some(6)
                }
            ]
        );
        assert_eq!(
            t.polls("b"),
            [Poll {
                begin: 5,
                end: None
            }]
        );
        assert_eq!(t.readies("a"), [0, 5]);
        assert_eq!(t.readies("b"), [5]);
        let miscounted = OUTPUT.replace("begin 1000 8 0", "begin 1000 7 0");
        assert!(parse(&miscounted)
            .unwrap_err()
            .contains("announces 7 events but holds 8"));
        assert!(parse("timeline: begin 1000 0 0\n")
            .unwrap_err()
            .contains("end"));
        assert!(parse("timeline: begin 1000 1 0\ntimeline: 5 Z a\ntimeline: end\n").is_err());
        let backwards = "timeline: begin 1 2 0\ntimeline: 5 R a\ntimeline: 4 R a\ntimeline: end\n";
        assert!(parse(backwards).unwrap_err().contains("backwards"));
    }

    #[test]
    fn json_is_valid_and_agrees_with_the_statistics() {
        let t = timeline();
        let json = to_json(&t, "demo \"run\"");
        let doc = parse_json(&json).unwrap();
        let Some(Json::Arr(events)) = doc.get("traceEvents") else {
            panic!("no traceEvents: {json}");
        };
        // process name, 2 thread names, 3 polls, 3 readies.
        assert_eq!(events.len(), 9, "{json}");
        assert!(json.contains(r#""name":"demo \"run\"""#), "{json}");
        // Task a's first poll: 1 ms to 4 ms at 1 kHz ticks, in microseconds.
        assert!(json.contains(r#""tid":1,"name":"poll","cat":"task","ts":1000.000,"dur":3000.000"#));
        let stats = parse_stats(OUTPUT);
        assert_eq!(stats.len(), 2);
        check_against_stats(&t, &json, &stats).unwrap();
        let mut wrong = stats.clone();
        wrong.get_mut("a").unwrap().polls = 3;
        wrong.get_mut("b").unwrap().longest_poll_ms = 1;
        let err = check_against_stats(&t, &json, &wrong).unwrap_err();
        assert!(
            err.contains("`a`: 2 finished poll slices, the firmware counted 3"),
            "{err}"
        );
        // b's only poll is unfinished: no finished poll to compare, longest 0.
        assert!(err.contains("`b`: longest poll slice 0.000 ms"), "{err}");
    }

    /// A thread-mode executor (busy before the timeline starts, idle at 2, woken at 3,
    /// busy at the end) running task `a`, and an interrupt executor entered at 6 and
    /// done at 8.
    const WITH_EXECUTORS: &str = "\
timeline: begin 1000 7 0
timeline: task executor@100 a
timeline: 2 I executor@100
timeline: 3 R a
timeline: 3 U executor@100
timeline: 3 B a
timeline: 5 E a
timeline: 6 X executor@200
timeline: 8 I executor@200
timeline: end
";

    #[test]
    fn executors_get_busy_spans_and_group_their_tasks() {
        let t = parse(WITH_EXECUTORS).unwrap();
        assert_eq!(t.tasks(), ["a"], "executor events name no task");
        assert_eq!(t.executors(), ["executor@100", "executor@200"]);
        assert_eq!(t.executor_of("a"), Some("executor@100"));
        let span = |begin, end| Poll { begin, end };
        assert_eq!(
            t.busy("executor@100"),
            [span(2, Some(2)), span(3, None)],
            "busy from the timeline's start (2) to its first idle, then from its wake on"
        );
        assert_eq!(t.busy("executor@200"), [span(6, Some(8))]);
        assert!(
            t.is_interrupt_executor("executor@200") && !t.is_interrupt_executor("executor@100")
        );

        let json = to_json(&t, "demo");
        let doc = parse_json(&json).unwrap();
        let Some(Json::Arr(events)) = doc.get("traceEvents") else {
            panic!("no traceEvents: {json}");
        };
        // The firmware's process; per executor its process and busy track, then its busy
        // slices (2, then 1 and the interrupt entry); task a's track, poll and ready.
        assert_eq!(events.len(), 1 + (2 + 2) + (2 + 1 + 1) + 3, "{json}");
        for line in [
            r#"{"ph":"M","pid":2,"tid":0,"name":"process_name","args":{"name":"executor@100 (thread-mode executor)"}}"#,
            r#"{"ph":"M","pid":3,"tid":0,"name":"process_name","args":{"name":"executor@200 (interrupt executor)"}}"#,
            r#"{"ph":"X","pid":2,"tid":1,"name":"busy","cat":"executor","ts":3000.000,"dur":5000.000,"args":{"unfinished":true}}"#,
            r#"{"ph":"X","pid":3,"tid":2,"name":"busy","cat":"executor","ts":6000.000,"dur":2000.000}"#,
            r#"{"ph":"i","s":"t","pid":3,"tid":2,"name":"interrupt entry","cat":"executor","ts":6000.000}"#,
            r#"{"ph":"M","pid":2,"tid":3,"name":"thread_name","args":{"name":"a"}}"#,
            r#"{"ph":"X","pid":2,"tid":3,"name":"poll","cat":"task","ts":3000.000,"dur":2000.000}"#,
        ] {
            assert!(json.contains(line), "{line} missing from {json}");
        }

        let svg = to_svg(&t, "demo");
        assert_eq!(svg.matches(r#"class="busy""#).count(), 3);
        assert_eq!(svg.matches(r#"class="poll""#).count(), 1);
        let rows: Vec<&str> = svg
            .lines()
            .filter_map(|l| l.strip_prefix("<text x=\"4\" y=\""))
            .filter_map(|l| l.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
            .map(|(label, _)| label)
            .collect();
        assert_eq!(
            rows[1..],
            ["executor 1", "  a", "executor 2 (irq)"],
            "after the title: {svg}"
        );
    }

    #[test]
    fn json_reader_rejects_what_is_not_json() {
        assert!(parse_json(r#"{"a":[1,2.5e3,-1,true,null,"x\u0041\n"]}"#).is_ok());
        for bad in [
            r#"{"a":}"#,
            "[1,]",
            r#"{"a" 1}"#,
            "[1] 2",
            "\"\u{1}\"",
            "tru",
        ] {
            assert!(parse_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn svg_draws_a_bar_per_poll_and_a_tick_per_ready() {
        let t = timeline();
        let svg = to_svg(&t, "demo <run>");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches(r#"class="poll""#).count(), 3);
        assert_eq!(svg.matches(r#"class="ready""#).count(), 3);
        assert!(svg.contains("demo &lt;run&gt;"));
        assert!(svg.contains(">a</text>") && svg.contains(">b</text>"));
    }
}
