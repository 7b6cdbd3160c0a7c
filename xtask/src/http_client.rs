//! The host side of `examples/net`'s test: a minimal HTTP/1.0 client over `std::net`
//! (no curl: CI may not have it) and the checks of the example's servers.
//!
//! Every connection goes to 127.0.0.1 (a port QEMU forwards into its restricted user
//! network), has a connect, read and write time-out, and every loop has a bounded count.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::Error;
use crate::net::{echo, Ports};

/// Time-out of each connect, read and write.
const IO_TIMEOUT: Duration = Duration::from_secs(20);
/// Concurrent HTTP connections of the concurrency check (the firmware has 16 sockets).
pub const CONCURRENT: usize = 16;
/// Tries, 100 ms apart, of the check that every aborted connection was freed.
const SETTLE_TRIES: usize = 100;

/// An HTTP response: status code and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

fn connect(port: u16) -> Result<TcpStream, Error> {
    let stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), IO_TIMEOUT)
        .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Parses a whole response (head and body, as read to the end of the connection or to
/// `Content-Length`).
pub fn parse_response(raw: &[u8]) -> Result<Response, Error> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of head in {text:?}"))?;
    let status = head
        .strip_prefix("HTTP/1.0 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no HTTP/1.0 status line in {head:?}"))?;
    let length: Option<usize> = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    });
    if let Some(length) = length {
        if body.len() != length {
            return Err(format!(
                "Content-Length {length}, body of {} bytes",
                body.len()
            ));
        }
    }
    Ok(Response {
        status,
        body: body.to_string(),
    })
}

/// Reads a response on `stream` until the server closes or the body is complete.
fn read_response(stream: &mut TcpStream) -> Result<Response, Error> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    // Bounded: a response is under 2 KiB, each read has a time-out.
    for _ in 0..64 {
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if !raw.is_empty() => {
                return parse_response(&raw).map_err(|p| format!("{p} (then {e})"))
            }
            Err(e) => return Err(format!("receive: {e}")),
        };
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if parse_response(&raw).is_ok() {
            break;
        }
    }
    parse_response(&raw)
}

/// One request (`method path`, no body) on a new connection to 127.0.0.1:`port`.
pub fn request(port: u16, method: &str, path: &str) -> Result<Response, Error> {
    let mut stream = connect(port)?;
    stream
        .write_all(format!("{method} {path} HTTP/1.0\r\nHost: mote\r\n\r\n").as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    read_response(&mut stream).map_err(|e| format!("{method} {path}: {e}"))
}

/// The value of `key: value` line `key` of the status page.
pub fn field<'a>(page: &'a str, key: &str) -> Option<&'a str> {
    page.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(": "))
}

fn get_page(port: u16) -> Result<String, Error> {
    let response = request(port, "GET", "/")?;
    if response.status != 200 {
        return Err(format!("GET / answered {}", response.status));
    }
    Ok(response.body)
}

/// The uptime on the page, in ms.
fn uptime_ms(page: &str) -> Result<u64, Error> {
    let text = field(page, "uptime").ok_or_else(|| format!("no uptime in {page:?}"))?;
    let secs = text.strip_suffix(" s").unwrap_or(text);
    let (whole, frac) = secs.split_once('.').unwrap_or((secs, "0"));
    match (whole.parse::<u64>(), frac.parse::<u64>()) {
        (Ok(s), Ok(ms)) if frac.len() == 3 => Ok(s * 1000 + ms),
        _ => Err(format!("uptime {text:?} is not seconds with 3 decimals")),
    }
}

/// Pause after each connection of [`concurrent_gets`], for slirp to accept it (see there).
const CONNECT_PACE: Duration = Duration::from_millis(10);
/// Read time-out of the concurrent clients: covers Linux's SYN-ACK retransmissions
/// (1 + 2 + 4 + 8 + 16 s) should a connection still overflow slirp's backlog.
const CONCURRENT_TIMEOUT: Duration = Duration::from_secs(45);

/// `n` connections, all open before any sends, then each a `GET /` at once; every one
/// must be answered with the page.
///
/// The connections are opened one after another, [`CONNECT_PACE`] apart: QEMU's user
/// network listens on the forwarded port with a backlog of 1 (`ss -ltn` shows `Send-Q`
/// 1), so of 16 simultaneous connects the host kernel queues about two for slirp to
/// accept and drops the handshake's last ACK of the others (the client believes it is
/// connected and sends); those reach the guest only after the kernel's SYN-ACK
/// retransmissions, 1, 2, 4, 8, 16 s apart. Measured (a capture of the guest's link with
/// `XTASK_NET_PCAP`): SYNs reaching the guest in pairs 2.3, 4.8 and 9.4 s apart, and
/// once a client unanswered after its 20 s time-out, which is the flake this round had.
fn concurrent_gets(port: u16, n: usize) -> Result<(), Error> {
    let mut streams = Vec::with_capacity(n);
    for k in 0..n {
        let stream = connect(port).map_err(|e| format!("concurrent client {}: {e}", k + 1))?;
        stream
            .set_read_timeout(Some(CONCURRENT_TIMEOUT))
            .map_err(|e| e.to_string())?;
        streams.push(stream);
        thread::sleep(CONNECT_PACE);
    }
    let barrier = Arc::new(Barrier::new(n));
    let clients: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || -> Result<(), Error> {
                barrier.wait();
                stream
                    .write_all(b"GET / HTTP/1.0\r\n\r\n")
                    .map_err(|e| format!("send: {e}"))?;
                let response = read_response(&mut stream)?;
                match response.status {
                    200 if response.body.contains("uptime: ") => Ok(()),
                    status => Err(format!("answered {status}: {:?}", response.body)),
                }
            })
        })
        .collect();
    for (k, client) in clients.into_iter().enumerate() {
        client
            .join()
            .map_err(|_| format!("client {k} panicked"))?
            .map_err(|e| format!("concurrent client {} of {n}: {e}", k + 1))?;
    }
    Ok(())
}

/// Clients that go away mid-transfer: an echo client that sends 64 KiB and closes without
/// reading (the host resets the connection: unread data), an echo client that connects
/// and closes at once, an HTTP client that sends half a request line and closes.
fn abandon(ports: Ports) -> Result<(), Error> {
    let mut echo_client = connect(ports.echo)?;
    let data: Vec<u8> = (0..65_536).map(|i| (i % 251) as u8).collect();
    // The echo's send window may fill before all of it is taken: a partial send is fine.
    let _ = echo_client.write(&data);
    drop(echo_client);
    drop(connect(ports.echo)?);
    let mut http_client = connect(ports.http)?;
    http_client
        .write_all(b"GET / HT")
        .map_err(|e| format!("send: {e}"))?;
    let _ = http_client.shutdown(Shutdown::Both);
    Ok(())
}

/// Waits (bounded) until the page shows no echo connection open and only the page's own
/// HTTP connection: every socket of earlier connections was given back. A request that
/// fails is tried again: right after a round that used every HTTP socket, all of them may
/// still be closing, and smoltcp (no accept queue) resets a SYN that finds no socket
/// listening.
fn settled(port: u16) -> Result<String, Error> {
    let mut page = String::new();
    for _ in 0..SETTLE_TRIES {
        match get_page(port) {
            Ok(p) => page = p,
            Err(e) => {
                page = format!("(no page: {e})");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        let echo_idle = field(&page, "echo").is_some_and(|v| v.starts_with("0 open"));
        let http_idle = field(&page, "http").is_some_and(|v| v.starts_with("1 open"));
        if echo_idle && http_idle {
            return Ok(page);
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "connections still open after {SETTLE_TRIES} tries:\n{page}"
    ))
}

/// The guest's address as QEMU's DHCP server hands it out, as the `listening` line
/// names it when the address came from a lease.
const DHCP_ADDRESS: &str = "listening on 10.0.2.15 (dhcp)";

/// The task table's rows on the page (after its `tasks:` line and the header): (name,
/// polls) of each task slot.
pub fn task_rows(page: &str) -> Vec<(&str, u64)> {
    page.lines()
        .skip_while(|line| *line != "tasks:")
        .skip(2)
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (name, _state, polls) = (words.next()?, words.next()?, words.next()?);
            Some((name, polls.parse().ok()?))
        })
        .collect()
}

/// Checks the page's task table (the `net` binary has Mote's `trace` on): one row per
/// task slot, every server's socket task listed, each polled at least once.
fn check_task_table(page: &str) -> Result<(), Error> {
    let rows = task_rows(page);
    let count = |name: &str| rows.iter().filter(|(n, _)| *n == name).count();
    let want = [
        ("runner", 1),
        ("http_server", CONCURRENT),
        ("echo_server", 2),
        ("keep_clock", 1),
        ("announce", 1),
    ];
    for (name, n) in want {
        if count(name) != n {
            return Err(format!(
                "task table: {} rows of {name}, expected {n}:\n{page}",
                count(name)
            ));
        }
    }
    if rows.len() != want.iter().map(|(_, n)| n).sum::<usize>() {
        return Err(format!("task table: unexpected rows:\n{page}"));
    }
    if let Some((name, _)) = rows.iter().find(|(_, polls)| *polls == 0) {
        return Err(format!("task table: {name} never polled:\n{page}"));
    }
    Ok(())
}

/// The checks of `examples/net` (binary `net`), once it printed its `listening` line;
/// `Ok` with a summary.
pub fn check_net(ports: Ports, listening: &str, deadline: Instant) -> Result<(), Error> {
    let step = |what: &str| -> Result<(), Error> {
        if Instant::now() >= deadline {
            return Err(format!("time-out before {what}"));
        }
        eprintln!("  net: {what}");
        Ok(())
    };
    step("address from QEMU's DHCP server")?;
    if !listening.contains(DHCP_ADDRESS) {
        return Err(format!("expected {DHCP_ADDRESS:?}, got {listening:?}"));
    }
    step("GET / shows uptime, LEDs off, the task table")?;
    let first = get_page(ports.http)?;
    for want in ["led0: off", "led1: off", "http: 1 open of 16 sockets"] {
        if !first.contains(want) {
            return Err(format!("GET /: no {want:?} in {first:?}"));
        }
    }
    check_task_table(&first)?;
    let t0 = uptime_ms(&first)?;

    step("POST /led/1 toggles LED 1, and the page says so")?;
    let toggled = request(ports.http, "POST", "/led/1")?;
    if toggled.status != 200 || toggled.body.trim() != "led1: on" {
        return Err(format!("POST /led/1: {toggled:?}"));
    }
    let after = get_page(ports.http)?;
    if field(&after, "led1") != Some("on") || field(&after, "led0") != Some("off") {
        return Err(format!("after POST /led/1: {after:?}"));
    }
    if uptime_ms(&after)? < t0 {
        return Err(format!("uptime went back: {first:?} then {after:?}"));
    }
    let missing = request(ports.http, "POST", "/led/7")?;
    if missing.status != 404 {
        return Err(format!(
            "POST /led/7 (no such LED) answered {}",
            missing.status
        ));
    }
    let bad = request(ports.http, "DELETE", "/")?;
    if bad.status != 405 {
        return Err(format!("DELETE / answered {}", bad.status));
    }

    step("1 MiB echoed byte for byte")?;
    echo(ports.echo, 1 << 20).map_err(|e| format!("1 MiB echo: {e}"))?;

    step("16 concurrent connections, all served")?;
    concurrent_gets(ports.http, CONCURRENT)?;
    settled(ports.http)?;

    step("clients leaving mid-transfer; then every socket is free and both servers answer")?;
    abandon(ports)?;
    let page = settled(ports.http)?;
    // The echoed MiB alone costs tens of millions of instructions: emulated milliseconds.
    if uptime_ms(&page)? <= t0 {
        return Err(format!("uptime did not advance: {first:?} then {page:?}"));
    }
    echo(ports.echo, 4096).map_err(|e| format!("echo after the aborted clients: {e}"))?;
    step("16 concurrent connections again: every HTTP socket still serves")?;
    concurrent_gets(ports.http, CONCURRENT)
        .map_err(|e| format!("after the aborted clients: {e}"))?;
    let page = settled(ports.http)?;
    eprintln!("  net: page at the end:\n{page}");
    step("bench: instructions per HTTP request and per echoed KiB")?;
    let NetFigures {
        per_request,
        per_kib,
    } = bench(ports)?;
    eprintln!(
        "  bench net: {per_request} instructions per HTTP request (GET /), \
         {per_kib} per echoed KiB (1 MiB), in task polls under -icount shift=0"
    );
    Ok(())
}

/// Requests of the per-request figure.
const BENCH_REQUESTS: u64 = 50;

/// The page's count of instructions spent in task polls.
fn instructions(page: &str) -> Result<u64, Error> {
    field(page, "instructions")
        .and_then(|v| v.split(' ').next()?.parse().ok())
        .ok_or_else(|| format!("no instruction count in {page:?}"))
}

/// The bench figures of a `net` firmware: instructions in task polls.
#[derive(Clone, Copy, Debug)]
pub struct NetFigures {
    /// Per `GET /` (one connection, one request, the page).
    pub per_request: u64,
    /// Per KiB of a 1 MiB echo.
    pub per_kib: u64,
}

/// Instructions per `GET /` and per echoed KiB, from the page's count (firmware
/// [`meter`](../../examples/net/src/meter.rs)). Between the moments two pages are rendered
/// lie the rest of the first request, whatever ran in between, and the start of the
/// second: one whole request plus what ran in between.
pub fn bench(ports: Ports) -> Result<NetFigures, Error> {
    // The 16 sockets of the previous step may all still be closing (a SYN that finds no
    // listening socket is reset): retry, bounded, until one listens again.
    let mut first = get_page(ports.http);
    for _ in 0..SETTLE_TRIES {
        if first.is_ok() {
            break;
        }
        thread::sleep(Duration::from_millis(100));
        first = get_page(ports.http);
    }
    let before = instructions(&first?)?;
    for _ in 0..BENCH_REQUESTS {
        get_page(ports.http)?;
    }
    let after = instructions(&get_page(ports.http)?)?;
    let per_request = after.saturating_sub(before) / (BENCH_REQUESTS + 1);
    echo(ports.echo, 1 << 20).map_err(|e| format!("bench echo: {e}"))?;
    let echoed = instructions(&get_page(ports.http)?)?;
    let per_kib = echoed.saturating_sub(after).saturating_sub(per_request) / 1024;
    if per_request == 0 || per_kib == 0 {
        return Err(format!(
            "instruction counts did not grow: {before}, {after}, {echoed}"
        ));
    }
    Ok(NetFigures {
        per_request,
        per_kib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_response_and_checks_its_length() {
        let r = parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello").unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "hello"));
        assert!(parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello").is_err());
        assert!(parse_response(b"HTTP/1.0 200 OK\r\n").is_err());
        assert!(parse_response(b"SMTP 200\r\n\r\n").is_err());
    }

    #[test]
    fn reads_the_task_table() {
        let page = "uptime: 1.000 s\ntasks:\n\
                    task                 state     polls    wakes  longest poll us\n\
                    runner               sleeping     12       11               40\n\
                    http_server          running       3        2                9\n";
        assert_eq!(task_rows(page), vec![("runner", 12), ("http_server", 3)]);
        assert!(task_rows("uptime: 1.000 s\n").is_empty());
        assert!(check_task_table(page).is_err());
    }

    #[test]
    fn reads_page_fields_and_uptime() {
        let page = "uptime: 12.034 s\nled0: on\n";
        assert_eq!(field(page, "led0"), Some("on"));
        assert_eq!(field(page, "led1"), None);
        assert_eq!(uptime_ms(page).unwrap(), 12_034);
        assert!(uptime_ms("uptime: 12.3 s\n").is_err());
    }
}
