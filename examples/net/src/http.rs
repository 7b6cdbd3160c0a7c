//! The HTTP/1.0 server: one task per listening socket, one request per connection
//! (`Connection: close`).
//!
//! - `GET /`: `200`, the status page ([`page::status`]).
//! - `POST /led/<n>`: toggles LED `n`; `200` with its new state, `404` when the board
//!   has no LED `n`.
//! - Any other path `404`, any other method `405`, a head longer than [`HEAD`] bytes or
//!   not HTTP `400`. A client that sends no complete head within [`IDLE_TIMEOUT_SECS`]
//!   (or resets) is dropped.

use core::fmt::Write;

use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embassy_time::Duration;

use crate::page::{self, Text};
use crate::{conn, leds, stats, HTTP_PORT, IDLE_TIMEOUT_SECS};

/// Largest request head read (request line and headers); a body is ignored.
pub const HEAD: usize = 512;
/// Bytes of each HTTP socket's receive and transmit buffers.
pub const BUF: usize = 1024;

/// A request the server understands.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET /`.
    Page,
    /// `POST /led/<n>`.
    Toggle(usize),
    /// A path that names nothing (404).
    NotFound,
    /// A method other than GET and POST (405).
    BadMethod,
    /// Not an HTTP request line, or a head too long (400).
    Bad,
}

/// Parses the request line of `head`.
pub fn parse(head: &[u8]) -> Request {
    let line_end = head.iter().position(|&b| b == b'\r' || b == b'\n');
    let Some(line) = line_end.and_then(|end| core::str::from_utf8(&head[..end]).ok()) else {
        return Request::Bad;
    };
    let mut words = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Request::Bad;
    };
    if !version.starts_with("HTTP/1.") {
        return Request::Bad;
    }
    match method {
        "GET" if path == "/" => Request::Page,
        "POST" => match path.strip_prefix("/led/").map(str::parse::<usize>) {
            Some(Ok(n)) => Request::Toggle(n),
            _ => Request::NotFound,
        },
        "GET" => Request::NotFound,
        _ => Request::BadMethod,
    }
}

/// Reads a request head (up to the blank line) into `buf`: its length, or `None` when
/// the client closed, reset or timed out first. A head that fills `buf` is returned
/// as is (and parses as [`Request::Bad`] unless its request line is whole).
async fn read_head(socket: &mut TcpSocket<'_>, buf: &mut [u8]) -> Option<usize> {
    let mut len = 0;
    while len < buf.len() {
        match socket.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => len += n,
        }
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            return Some(len);
        }
    }
    Some(len)
}

/// Writes all of `data`; false when the connection failed.
async fn write_all(socket: &mut TcpSocket<'_>, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        match socket.write(data).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data = &data[n..],
        }
    }
    true
}

/// Answers one request on `socket`.
async fn answer(socket: &mut TcpSocket<'_>) {
    let mut head = [0u8; HEAD];
    let Some(len) = read_head(socket, &mut head).await else {
        return;
    };
    let mut body = Text::<{ page::PAGE }>::new();
    let status = match parse(&head[..len]) {
        Request::Page => {
            let _ = page::status(&mut body);
            "200 OK"
        }
        Request::Toggle(n) => match leds::toggle(n) {
            Some(on) => {
                let _ = writeln!(body, "led{n}: {}", if on { "on" } else { "off" });
                "200 OK"
            }
            None => "404 Not Found",
        },
        Request::NotFound => "404 Not Found",
        Request::BadMethod => "405 Method Not Allowed",
        Request::Bad => "400 Bad Request",
    };
    let mut response = Text::<128>::new();
    let _ = write!(
        response,
        "HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.as_bytes().len()
    );
    if write_all(socket, response.as_bytes()).await {
        write_all(socket, body.as_bytes()).await;
    }
}

/// Serves HTTP connections on [`HTTP_PORT`] forever, one at a time.
pub async fn serve(stack: Stack<'static>) -> ! {
    let mut rx = [0u8; BUF];
    let mut tx = [0u8; BUF];
    loop {
        let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
        socket.set_timeout(Some(Duration::from_secs(IDLE_TIMEOUT_SECS)));
        if socket.accept(HTTP_PORT).await.is_err() {
            continue;
        }
        stats::HTTP.opened();
        answer(&mut socket).await;
        conn::finish(&mut socket).await;
        stats::HTTP.closed(0);
    }
}
