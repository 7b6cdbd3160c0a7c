//! Networked firmware: QEMU's LAN9118 on a user-mode network, and the host-side client
//! that tests it.
//!
//! Safety of the set-up: the guest network is `restrict=on` (the guest reaches nothing
//! outside QEMU), the only ways in are two forwarded ports on 127.0.0.1, and every client
//! step has a bounded number of tries and a time-out.
//!
//! A run of a [`NETWORK_BINARIES`] binary: pick two free ports (bind port 0 on 127.0.0.1,
//! read the port, release it), start QEMU with them forwarded to the guest's ports 7
//! (echo) and 80 (HTTP),
//! wait for the firmware's `listening` line on UART0, then make the binary's connections
//! in turn: each sends a pattern (byte `i` is `i % 251`, as `examples/shared/net_echo_app.rs`
//! expects), reads the echo to the end and compares it byte for byte. `test_net_echo`
//! then asks for a link change, which the harness makes with QEMU's monitor (`set_link`,
//! on a Unix socket). `test_*` binaries then exit by themselves with their verdict; an
//! example that serves forever is stopped once its transfer checked out. The `net`
//! example (embassy-net) gets the checks of [`crate::http_client`] instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::{self, Error};

/// Binaries that need the network: run with a forwarded port and a client, never on the
/// AN500 (whose LAN9118 sits at 0xA000_0000, not where `mote-mps2` drives it).
pub const NETWORK_BINARIES: &[&str] = &["net_echo", "test_net_echo", "net"];

/// The ports of 127.0.0.1 forwarded into the guest: to its echo port 7 and its HTTP
/// port 80.
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    pub echo: u16,
    pub http: u16,
}

/// The guest's MAC address; `test_net_echo` checks the driver reads this one.
const MAC: &str = "52:54:00:12:34:56";

/// The QEMU name of the LAN9118's network client (`info network`), for `set_link`.
const NIC_NAME: &str = "lan9118.0";

/// Binaries that, after their transfers, wait for the link to go down and up again
/// (the harness switches it with the monitor's `set_link`).
const LINK_TESTS: &[&str] = &["test_net_echo"];

/// Bytes sent on each connection of a binary (`test_net_echo` checks the same list).
fn transfers(bin: &str) -> &'static [usize] {
    if bin == "test_net_echo" {
        &[4096, 65_536, 1 << 20]
    } else {
        &[4096]
    }
}

/// Two distinct ports of 127.0.0.1 free right now (both held while the second is picked).
pub fn free_ports() -> Result<Ports, Error> {
    let bind = || TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind a port: {e}"));
    let (a, b) = (bind()?, bind()?);
    let port = |l: &TcpListener| {
        l.local_addr()
            .map(|a| a.port())
            .map_err(|e| format!("no local address: {e}"))
    };
    Ok(Ports {
        echo: port(&a)?,
        http: port(&b)?,
    })
}

/// Adds the LAN9118 on a restricted user network to `qemu`, with 127.0.0.1:`ports.echo`
/// forwarded to the guest's TCP port 7 and 127.0.0.1:`ports.http` to its port 80. With
/// `XTASK_NET_PCAP=<folder>` set, QEMU also writes every frame of the guest's link to
/// `<folder>/<http port>.pcap` (its `filter-dump`), for diagnosing a failed run.
pub fn add_nic(qemu: &mut Command, ports: Ports) {
    let Ports { echo, http } = ports;
    qemu.arg("-nic").arg(format!(
        "user,id=net0,model=lan9118,restrict=on,mac={MAC},\
         hostfwd=tcp:127.0.0.1:{echo}-:7,hostfwd=tcp:127.0.0.1:{http}-:80"
    ));
    if let Ok(dir) = std::env::var("XTASK_NET_PCAP") {
        qemu.arg("-object").arg(format!(
            "filter-dump,id=dump0,netdev=net0,file={dir}/{http}.pcap"
        ));
    }
}

/// One echo transfer of `size` pattern bytes to 127.0.0.1:`port`.
pub fn echo(port: u16, size: usize) -> Result<(), Error> {
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(10))
            .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
    let timeout = Some(Duration::from_secs(30));
    stream
        .set_read_timeout(timeout)
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(timeout)
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let sent = data.clone();
    let send = thread::spawn(move || -> Result<(), String> {
        writer.write_all(&sent).map_err(|e| format!("send: {e}"))?;
        writer
            .shutdown(Shutdown::Write)
            .map_err(|e| format!("shutdown: {e}"))
    });
    let mut got = Vec::with_capacity(size);
    let read = (&stream).read_to_end(&mut got);
    let sent = send
        .join()
        .map_err(|_| "sender thread panicked".to_string())?;
    read.map_err(|e| format!("receive after {} bytes: {e}", got.len()))?;
    sent?;
    if got.len() != size {
        return Err(format!("{size} bytes sent, {} echoed", got.len()));
    }
    if let Some(at) = got.iter().zip(&data).position(|(a, b)| a != b) {
        return Err(format!("echo differs at byte {at} of {size}"));
    }
    Ok(())
}

/// Runs `qemu` (a [`NETWORK_BINARIES`] binary, its NIC added with [`add_nic`] on
/// `port`) with the client, all within `timeout`. The run's status is `None` when QEMU was
/// stopped: after a time-out, or after the transfers of an example that serves forever.
/// For [`LINK_TESTS`] binaries, QEMU's monitor listens on a Unix socket of the temporary
/// folder, through which the harness switches the link off and on once the firmware
/// asks for it.
pub fn run(
    qemu: &mut Command,
    bin: &str,
    ports: Ports,
    timeout: Duration,
) -> Result<(cmd::Captured, Result<(), Error>), Error> {
    let port = ports.echo;
    let monitor = LINK_TESTS.contains(&bin).then(|| {
        std::env::temp_dir().join(format!("mote-net-{}-{port}.monitor", std::process::id()))
    });
    if let Some(path) = &monitor {
        let _ = std::fs::remove_file(path);
        qemu.arg("-monitor")
            .arg(format!("unix:{},server=on,wait=off", path.display()));
    }
    let serves_forever = !bin.starts_with("test_");
    let result = run_client(qemu, timeout, serves_forever, |lines, deadline| {
        let listening = wait_line(lines, "listening on", deadline)?;
        if bin == "net" {
            return crate::http_client::check_net(ports, &listening, deadline);
        }
        for (k, &size) in transfers(bin).iter().enumerate() {
            echo(ports.echo, size).map_err(|e| format!("connection {}: {e}", k + 1))?;
        }
        match monitor.as_deref() {
            Some(monitor) => link_test(monitor, lines, deadline),
            None => Ok(()),
        }
    });
    if let Some(path) = &monitor {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Waits (until `deadline`) for a line of the firmware containing `what`; the line.
fn wait_line(
    lines: &mpsc::Receiver<String>,
    what: &str,
    deadline: Instant,
) -> Result<String, Error> {
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains(what) => return Ok(line),
            Ok(_) => {}
            Err(_) => return Err(format!("no `{what}` line from the firmware")),
        }
    }
}

/// The link test: switches the NIC's link off, waits for the firmware to see it, then on.
fn link_test(
    monitor: &std::path::Path,
    lines: &mpsc::Receiver<String>,
    deadline: Instant,
) -> Result<(), Error> {
    wait_line(lines, "link test: waiting", deadline)?;
    let mut hmp = std::os::unix::net::UnixStream::connect(monitor)
        .map_err(|e| format!("monitor {}: {e}", monitor.display()))?;
    hmp.write_all(format!("set_link {NIC_NAME} off\n").as_bytes())
        .map_err(|e| format!("monitor: {e}"))?;
    wait_line(lines, "link: down", deadline)?;
    hmp.write_all(format!("set_link {NIC_NAME} on\n").as_bytes())
        .map_err(|e| format!("monitor: {e}"))?;
    wait_line(lines, "link: up", deadline).map(drop)
}

/// Runs the bench client of a `net` firmware (`examples/net`'s library under either
/// runtime, see [`crate::http_client::bench`]) in `qemu` (its NIC added with [`add_nic`]
/// on `ports`), within `timeout`: its figures once it listens, then QEMU is stopped.
pub fn run_bench(
    qemu: &mut Command,
    ports: Ports,
    timeout: Duration,
) -> Result<(cmd::Captured, Result<crate::http_client::NetFigures, Error>), Error> {
    run_client(qemu, timeout, true, |lines, deadline| {
        wait_line(lines, "listening on", deadline)?;
        crate::http_client::bench(ports)
    })
}

/// Starts `qemu`, runs `client` (given the firmware's UART0 lines and the deadline) and
/// waits for QEMU: killed at once if `serves_forever` (or the client failed), else until
/// it exits or `timeout` has passed since the start.
fn run_client<T>(
    qemu: &mut Command,
    timeout: Duration,
    serves_forever: bool,
    client: impl FnOnce(&mpsc::Receiver<String>, Instant) -> Result<T, Error>,
) -> Result<(cmd::Captured, Result<T, Error>), Error> {
    cmd::echo(qemu);
    let start = Instant::now();
    let mut child = qemu
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", qemu.get_program()))?;
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            text.push_str(&line);
            text.push('\n');
            let _ = lines_tx.send(line);
        }
        text
    });
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let deadline = start + timeout;
    let client = client(&lines, deadline);

    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if serves_forever || client.is_err() || start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = errors.join().unwrap_or_default();
    let captured = cmd::Captured {
        status,
        raw_stdout: stdout.clone().into_bytes(),
        stdout,
        stderr,
        elapsed: start.elapsed(),
    };
    Ok((captured, client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_and_bindable() {
        let ports = free_ports().unwrap();
        assert_ne!(ports.echo, ports.http);
        TcpListener::bind(("127.0.0.1", ports.echo)).unwrap();
        TcpListener::bind(("127.0.0.1", ports.http)).unwrap();
    }

    #[test]
    fn nic_forwards_only_loopback_and_is_restricted() {
        let mut qemu = Command::new("qemu-system-arm");
        add_nic(
            &mut qemu,
            Ports {
                echo: 4242,
                http: 4280,
            },
        );
        let args: Vec<_> = qemu
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args[0], "-nic");
        assert!(args[1].contains("restrict=on"));
        assert!(args[1].contains("hostfwd=tcp:127.0.0.1:4242-:7,"));
        assert!(args[1].contains("hostfwd=tcp:127.0.0.1:4280-:80"));
        assert_eq!(args[1].matches("hostfwd=tcp:127.0.0.1:").count(), 2);
    }
}
