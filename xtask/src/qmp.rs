//! Firmware tests driven through QEMU's QMP socket while the firmware runs.
//!
//! `test_i2c_qmp` reads QEMU's TMP105 model every period, with Mote's I2C and with the
//! third-party `lm75` crate, and prints `reading <n>: <milli-°C> mC; lm75 crate: <milli-°C>
//! mC` (the harness requires the two to agree). This harness runs it in real time (no `-icount`: the
//! QMP commands come at host speed, so the guest's clock must follow the host's), and for
//! each of [`TEMPERATURES`]:
//!
//! 1. sets the sensor's `temperature` property with `qom-set` and waits for QMP's reply
//!    (the model holds the new value from then on);
//! 2. notes `n`, the number of the last reading printed before the reply;
//! 3. requires the new value in reading `n + 1` or `n + 2` (reading `n + 1` may have
//!    been taken just before the reply and printed just after it; reading `n + 2` started
//!    at least one period after the set: "within one reading period"), and in every
//!    reading after that until the next set (two are checked).
//!
//! Any other value in those readings, an error line, QEMU exiting, or no reading within
//! [`LINE_TIMEOUT`] fails the test with the transcript.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::{self, Error};
use crate::setup::QEMU;

/// The binaries this harness runs (instead of the plain run-and-compare).
pub const QMP_TESTS: &[&str] = &["test_i2c_qmp"];

/// The values set, in milli-°C: multiples of 1/8 °C (the coarser of the two readings),
/// so each reads back exactly; negative and above 100 °C included.
pub const TEMPERATURES: &[i64] = &[21_500, -5_000, 37_250, 100_000, -40_125, 0];

/// Longest wait for any line from the firmware (a reading comes every 50 ms).
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// Readings after the first one showing a value that must show it too.
const STABLE_READINGS: u64 = 2;

/// Runs `elf` (the binary `bin`) on `machine` under the QMP harness; returns the
/// transcript (firmware lines and the harness's notes) when every check held.
pub fn run(machine: &str, bin: &str, elf: &Path) -> Result<String, Error> {
    let dir = std::env::temp_dir().join(format!("mote-qmp-{}-{bin}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let socket = dir.join("qmp.sock");
    let _ = std::fs::remove_file(&socket);
    let mut qemu = Command::new(QEMU);
    qemu.args(["-machine", machine]);
    qemu.args(["-display", "none", "-monitor", "none", "-serial", "stdio"]);
    qemu.args(crate::firmware::devices(bin));
    qemu.arg("-qmp")
        .arg(format!("unix:{},server=on,wait=off", socket.display()));
    qemu.args(["-semihosting-config", "enable=on,target=native", "-kernel"]);
    qemu.arg(elf);
    cmd::echo(&qemu);
    let mut child = qemu
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {QEMU}: {e}"))?;
    let lines = lines_of(&mut child);
    let mut session = Session {
        lines,
        transcript: String::new(),
        last_reading: None,
    };
    let result = session.drive(&socket);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => Ok(session.transcript),
        Err(e) => Err(format!(
            "{e}\n--- {bin}: transcript ---\n{}",
            session.transcript
        )),
    }
}

/// The firmware's standard output, line by line with the time each arrived, from a
/// reader thread.
fn lines_of(child: &mut Child) -> Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

struct Session {
    lines: Receiver<(Instant, String)>,
    transcript: String,
    /// Number of the last reading line seen.
    last_reading: Option<u64>,
}

/// A `reading <n>: <value> mC; lm75 crate: <value> mC` line: the reading number and the
/// value, an error when the line reports one or the two readings disagree.
fn parse_reading(line: &str) -> Option<(u64, Result<i64, String>)> {
    let rest = line.strip_prefix("reading ")?;
    let (n, values) = rest.split_once(": ")?;
    let n = n.parse().ok()?;
    let millis = |text: &str| text.strip_suffix(" mC")?.parse::<i64>().ok();
    let parsed = values
        .split_once("; lm75 crate: ")
        .and_then(|(ours, theirs)| Some((millis(ours)?, millis(theirs)?)));
    let value = match parsed {
        Some((ours, theirs)) if ours == theirs => Ok(ours),
        Some((ours, theirs)) => Err(format!("Mote read {ours} mC, the lm75 crate {theirs} mC")),
        None => Err(values.to_string()),
    };
    Some((n, value))
}

impl Session {
    fn drive(&mut self, socket: &Path) -> Result<(), Error> {
        // The first reading: the firmware is up and the sensor answers.
        self.next_reading()?;
        let mut qmp = Qmp::connect(socket)?;
        for &value in TEMPERATURES {
            qmp.qom_set("/machine/peripheral/tmp105", "temperature", value)?;
            self.transcript
                .push_str(&format!("[harness] temperature set to {value} mC\n"));
            let reply_at = Instant::now();
            let mut set_after = self.last_reading.unwrap_or(0);
            let first = loop {
                let (n, at, got) = self.next_reading()?;
                if at < reply_at {
                    set_after = n; // printed before the reply: taken before the set
                } else if got == value {
                    break n;
                } else if n >= set_after + 2 {
                    return Err(format!(
                        "{value} mC set after reading {set_after}: reading {n} still shows {got} mC"
                    ));
                }
            };
            for _ in 0..STABLE_READINGS {
                let (n, _, got) = self.next_reading()?;
                if got != value {
                    return Err(format!(
                        "{value} mC seen at reading {first}, but reading {n} shows {got} mC"
                    ));
                }
            }
            self.transcript.push_str(&format!(
                "[harness] {value} mC: first seen at reading {first} (set after reading {set_after})\n"
            ));
        }
        Ok(())
    }

    /// The next reading line: its number, when it arrived, and its value.
    fn next_reading(&mut self) -> Result<(u64, Instant, i64), Error> {
        let deadline = Instant::now() + LINE_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (at, line) = match self.lines.recv_timeout(left) {
                Ok(received) => received,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("no reading within {LINE_TIMEOUT:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("QEMU exited (the firmware stopped)".into())
                }
            };
            self.transcript.push_str(&line);
            self.transcript.push('\n');
            if let Some((n, value)) = parse_reading(&line) {
                self.last_reading = Some(n);
                return match value {
                    Ok(v) => Ok((n, at, v)),
                    Err(text) => Err(format!("reading {n} failed: {text}")),
                };
            }
        }
    }
}

/// A QMP client: one JSON object per line each way.
struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    /// Connects (QEMU creates the socket at start-up; retried for 10 s) and leaves
    /// capabilities negotiation mode.
    fn connect(socket: &Path) -> Result<Self, Error> {
        let start = Instant::now();
        let stream = loop {
            match UnixStream::connect(socket) {
                Ok(stream) => break stream,
                Err(e) if start.elapsed() > Duration::from_secs(10) => {
                    return Err(format!("QMP socket {}: {e}", socket.display()))
                }
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        let mut qmp = Qmp {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = qmp.read_line()?;
        if !greeting.contains("\"QMP\"") {
            return Err(format!("unexpected QMP greeting: {greeting}"));
        }
        qmp.execute(r#"{"execute":"qmp_capabilities"}"#)?;
        Ok(qmp)
    }

    fn qom_set(&mut self, path: &str, property: &str, value: i64) -> Result<(), Error> {
        self.execute(&format!(
            r#"{{"execute":"qom-set","arguments":{{"path":"{path}","property":"{property}","value":{value}}}}}"#
        ))
    }

    /// Sends `command` and waits for its reply, skipping asynchronous events.
    fn execute(&mut self, command: &str) -> Result<(), Error> {
        writeln!(self.writer, "{command}").map_err(|e| format!("QMP write: {e}"))?;
        loop {
            let reply = self.read_line()?;
            if reply.contains("\"return\"") {
                return Ok(());
            }
            if reply.contains("\"error\"") {
                return Err(format!("QMP {command} failed: {reply}"));
            }
        }
    }

    fn read_line(&mut self) -> Result<String, Error> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Err("QMP connection closed".into()),
            Ok(_) => Ok(line),
            Err(e) => Err(format!("QMP read: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_reading, TEMPERATURES};

    #[test]
    fn parse_reading_reads_number_and_value() {
        assert_eq!(
            parse_reading("reading 7: -5000 mC; lm75 crate: -5000 mC"),
            Some((7, Ok(-5000)))
        );
        assert_eq!(
            parse_reading("reading 8: 500 mC; lm75 crate: 0 mC"),
            Some((8, Err("Mote read 500 mC, the lm75 crate 0 mC".into())))
        );
        assert_eq!(
            parse_reading("reading 3: error: I2C: no device"),
            Some((3, Err("error: I2C: no device".into())))
        );
        assert_eq!(parse_reading("ready: period 50 ms"), None);
    }

    #[test]
    fn temperatures_are_exact_at_12_bits_and_consecutive_ones_differ() {
        for t in TEMPERATURES {
            // Exact at 1/8 °C, the lm75 crate's PCT2075 resolution (and so at 1/16 °C).
            assert_eq!(t * 8 % 1000, 0, "{t}");
            assert!(
                (-55_000..=125_000).contains(t),
                "{t}: outside the TMP105's range"
            );
        }
        assert!(TEMPERATURES.windows(2).all(|w| w[0] != w[1]));
        assert_ne!(
            TEMPERATURES[0], 0,
            "the first value must differ from the reset value"
        );
    }
}
