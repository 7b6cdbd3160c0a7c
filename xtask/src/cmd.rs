//! Running commands: echoed before they run, with their status turned into `Result`s, and
//! (for firmware) a time-out after which the child is killed.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Error type of the xtask: a message for the user.
pub type Error = String;

/// Prints `cmd` (and the directory it runs in) the way a shell user would type it.
pub fn echo(cmd: &Command) {
    let mut line = String::new();
    if let Some(dir) = cmd.get_current_dir() {
        line.push_str(&format!("(cd {} && ", dir.display()));
    }
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            line.push_str(&format!(
                "{}={} ",
                key.to_string_lossy(),
                value.to_string_lossy()
            ));
        }
    }
    line.push_str(&cmd.get_program().to_string_lossy());
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    if cmd.get_current_dir().is_some() {
        line.push(')');
    }
    eprintln!("{}", style("1", &format!("$ {line}")));
}

/// `text` in the ANSI style `sgr` (e.g. "1" bold, "31" red) when stderr is a terminal.
pub fn style(sgr: &str, text: &str) -> String {
    if std::io::stderr().is_terminal() {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Runs `cmd` with inherited stdio; an error unless it exits with status 0.
pub fn run(cmd: &mut Command) -> Result<(), Error> {
    echo(cmd);
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed: {status}", cmd.get_program()))
    }
}

/// Runs `cmd`, which must fail (a build that must not compile): an error if it succeeds
/// (`built` says what), or if its standard error lacks any of `messages` (then printed).
pub fn fails_with(cmd: &mut Command, built: &str, messages: &[&str]) -> Result<(), Error> {
    echo(cmd);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Err(format!("{built}; it must fail with {messages:?}"));
    }
    match messages.iter().find(|m| !stderr.contains(**m)) {
        Some(missing) => Err(format!("failed without `{missing}`:\n{stderr}")),
        None => Ok(()),
    }
}

/// Runs `cmd` silently and returns its standard output if it succeeds.
pub fn output(cmd: &mut Command) -> Result<String, Error> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{:?} failed: {}", cmd.get_program(), out.status))
    }
}

/// True if `program --version` can be run and succeeds.
pub fn exists(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// What a child run with [`run_with_timeout`] did.
pub struct Captured {
    /// Exit status, or `None` if the time-out killed the child.
    pub status: Option<ExitStatus>,
    /// Standard output and standard error, each complete (`stdout` as text, invalid
    /// UTF-8 replaced; `raw_stdout` as the bytes, e.g. defmt frames).
    pub stdout: String,
    /// Standard output, byte for byte.
    pub raw_stdout: Vec<u8>,
    /// Standard error.
    pub stderr: String,
    /// Wall-clock time the child ran.
    pub elapsed: Duration,
}

/// Runs `cmd` with `stdin` as its standard input (`Stdio::null()` for none, or a file to
/// feed a firmware's UART), stdout and stderr captured, and kills it once `timeout` has
/// passed.
pub fn run_with_timeout(
    cmd: &mut Command,
    timeout: Duration,
    stdin: Stdio,
) -> Result<Captured, Error> {
    echo(cmd);
    let start = Instant::now();
    let mut child = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if start.elapsed() >= timeout {
            // The child may exit between `try_wait` and `kill`; `wait` reaps it either way.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let raw_stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(Captured {
        status,
        stdout: String::from_utf8_lossy(&raw_stdout).into_owned(),
        raw_stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// `cargo`, as the rustup proxy from `PATH` (so `+nightly` works), run in `dir`.
pub fn cargo(dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(dir);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_with_timeout_captures_output_and_status() {
        let run = run_with_timeout(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Duration::from_secs(10),
            Stdio::null(),
        )
        .unwrap();
        assert_eq!(run.status.and_then(|s| s.code()), Some(3));
        assert_eq!(run.stdout, "out\n");
        assert_eq!(run.stderr, "err\n");
    }

    #[test]
    fn run_with_timeout_feeds_stdin_to_the_child() {
        let path = std::env::temp_dir().join(format!("xtask-stdin-{}.txt", std::process::id()));
        std::fs::write(&path, "fed through stdin\n").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let run = run_with_timeout(
            Command::new("sh").args(["-c", "cat"]),
            Duration::from_secs(10),
            file.into(),
        )
        .unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(run.status.and_then(|s| s.code()), Some(0));
        assert_eq!(run.stdout, "fed through stdin\n");
    }

    #[test]
    fn run_with_timeout_kills_a_child_that_runs_too_long() {
        let run = run_with_timeout(
            Command::new("sh").args(["-c", "echo started; exec sleep 30"]),
            Duration::from_millis(300),
            Stdio::null(),
        )
        .unwrap();
        assert!(run.status.is_none(), "the time-out must report a kill");
        assert_eq!(run.stdout, "started\n");
        assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    }
}
