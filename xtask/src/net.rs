//! Networked firmware: QEMU's LAN9118 on a user-mode network, and the host-side client
//! that tests it.
//!
//! Safety of the set-up: the guest network is `restrict=on` (the guest reaches nothing
//! outside QEMU), the only way in is one forwarded port on 127.0.0.1, and every client
//! step has a bounded number of tries and a time-out.
//!
//! A run of a [`NETWORK_BINARIES`] binary: pick a free port (bind port 0 on 127.0.0.1,
//! read the port, release it), start QEMU with that port forwarded to the guest's port 7,
//! wait for the firmware's `listening` line on UART0, then make the binary's connections
//! in turn: each sends a pattern (byte `i` is `i % 251`, as `examples/shared/net_echo_app.rs`
//! expects), reads the echo to the end and compares it byte for byte. `test_*` binaries
//! then exit by themselves with their verdict; an example that serves forever is stopped
//! once its transfer checked out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::{self, Error};

/// Binaries that need the network: run with a forwarded port and a client, never on the
/// AN500 (whose LAN9118 sits at 0xA000_0000, not where `mote-mps2` drives it).
pub const NETWORK_BINARIES: &[&str] = &["net_echo", "test_net_echo"];

/// The guest's MAC address; `test_net_echo` checks the driver reads this one.
const MAC: &str = "52:54:00:12:34:56";

/// Bytes sent on each connection of a binary (`test_net_echo` checks the same list).
fn transfers(bin: &str) -> &'static [usize] {
    if bin == "test_net_echo" {
        &[4096, 65_536, 1 << 20]
    } else {
        &[4096]
    }
}

/// A port of 127.0.0.1 free right now.
pub fn free_port() -> Result<u16, Error> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind a port: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?
        .port();
    Ok(port)
}

/// Adds the LAN9118 on a restricted user network to `qemu`, with 127.0.0.1:`port`
/// forwarded to the guest's TCP port 7.
pub fn add_nic(qemu: &mut Command, port: u16) {
    qemu.arg("-nic").arg(format!(
        "user,model=lan9118,restrict=on,mac={MAC},hostfwd=tcp:127.0.0.1:{port}-:7"
    ));
}

/// One echo transfer of `size` pattern bytes to 127.0.0.1:`port`.
fn echo(port: u16, size: usize) -> Result<(), Error> {
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
pub fn run(
    qemu: &mut Command,
    bin: &str,
    port: u16,
    timeout: Duration,
) -> Result<(cmd::Captured, Result<(), Error>), Error> {
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

    let client = (|| {
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains("listening on") => break,
                Ok(_) => {}
                Err(_) => return Err("no `listening` line from the firmware".to_string()),
            }
        }
        for (k, &size) in transfers(bin).iter().enumerate() {
            echo(port, size).map_err(|e| format!("connection {}: {e}", k + 1))?;
        }
        Ok(())
    })();

    let serves_forever = !bin.starts_with("test_");
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
    fn free_port_is_bindable() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind(("127.0.0.1", port)).unwrap();
    }

    #[test]
    fn nic_forwards_only_loopback_and_is_restricted() {
        let mut qemu = Command::new("qemu-system-arm");
        add_nic(&mut qemu, 4242);
        let args: Vec<_> = qemu
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args[0], "-nic");
        assert!(args[1].contains("restrict=on"));
        assert!(args[1].contains("hostfwd=tcp:127.0.0.1:4242-:7"));
    }
}
