//! The networked example's servers: embassy-net 0.9 (smoltcp inside) on Mote, over
//! `mote-mps2`'s LAN9118 driver, with embassy-time on Mote's clock (mote feature
//! `embassy-time-driver`). The binary `net` wires them up; this library holds them.
//!
//! - [`http`]: an HTTP/1.0 server on port 80: `GET /` returns a plain-text page with the
//!   board's uptime, the LEDs' state and the servers' connection counts; `POST /led/<n>`
//!   toggles user LED `n`.
//! - [`echo`]: a TCP echo server on port 7.
//!
//! Concurrency: one listening socket per server task, [`HTTP_SOCKETS`] HTTP tasks and
//! [`ECHO_SOCKETS`] echo tasks, so that many clients are accepted at once (a SYN that
//! finds no listening socket is answered with a reset by smoltcp: there is no accept
//! queue). [`stats`] counts open and served connections, so the page shows whether a
//! socket was leaked.
#![no_std]

pub mod conn;
pub mod echo;
pub mod http;
pub mod leds;
pub mod meter;
pub mod once;
pub mod page;
pub mod stats;

/// Listening sockets (and tasks) of the HTTP server: 16 clients are served at once.
pub const HTTP_SOCKETS: usize = 16;
/// Listening sockets (and tasks) of the echo server.
pub const ECHO_SOCKETS: usize = 2;
/// Sockets of the stack: every server task's.
pub const SOCKETS: usize = HTTP_SOCKETS + ECHO_SOCKETS;
/// The guest's address on QEMU's user network (static: no DHCP), a /24.
pub const ADDRESS: [u8; 4] = [10, 0, 2, 15];
/// QEMU's user-network gateway.
pub const GATEWAY: [u8; 4] = [10, 0, 2, 2];
/// The HTTP server's port.
pub const HTTP_PORT: u16 = 80;
/// The echo server's port.
pub const ECHO_PORT: u16 = 7;
/// Idle time after which a connection is dropped (a client gone without a FIN or RST).
pub const IDLE_TIMEOUT_SECS: u64 = 10;
