//! The networked example's servers: embassy-net 0.9 (smoltcp inside) over `mote-mps2`'s
//! LAN9118 driver, written against embassy-time and wakers only, so that any executor runs
//! them. The binary `net` runs them on Mote (embassy-time on Mote's clock, mote feature
//! `embassy-time-driver`); `bench/fw`'s `net` runs the same library on embassy-executor
//! with an embassy-time driver of its own, for the bench's comparison. Each runtime's
//! `main` only declares the tasks (each a call into this library) and spawns them.
//!
//! - [`http`]: an HTTP/1.0 server on port 80: `GET /` returns a plain-text page with the
//!   board's uptime, the LEDs' state, the servers' connection counts and (feature
//!   `trace`) Mote's task table; `POST /led/<n>` toggles user LED `n`.
//! - [`echo`]: a TCP echo server on port 7.
//! - [`board`]: the bring-up both mains share (LEDs, SysTick meter, NIC, stack
//!   resources); [`address`]: DHCP (feature `dhcp`) with the static address as fallback;
//!   [`tasks`]: the bodies of the small tasks (clock keeper, address announcement).
//!
//! Concurrency: one listening socket per server task, [`HTTP_SOCKETS`] HTTP tasks and
//! [`ECHO_SOCKETS`] echo tasks, so that many clients are accepted at once (a SYN that
//! finds no listening socket is answered with a reset by smoltcp: there is no accept
//! queue). [`stats`] counts open and served connections, so the page shows whether a
//! socket was leaked.
#![no_std]

pub mod address;
pub mod board;
pub mod conn;
pub mod echo;
pub mod http;
pub mod leds;
pub mod meter;
pub mod once;
pub mod page;
pub mod stats;
pub mod tasks;

/// Listening sockets (and tasks) of the HTTP server: 16 clients are served at once.
pub const HTTP_SOCKETS: usize = 16;
/// Listening sockets (and tasks) of the echo server.
pub const ECHO_SOCKETS: usize = 2;
/// Sockets of the servers: every server task's.
pub const SOCKETS: usize = HTTP_SOCKETS + ECHO_SOCKETS;
/// Sockets of the stack: the servers' and, with feature `dhcp`, the DHCP client's.
pub const STACK_SOCKETS: usize = SOCKETS + address::DHCP_SOCKETS;
/// The guest's address on QEMU's user network (what its DHCP server hands out, and the
/// static address without `dhcp` or when no lease comes), a /24.
pub const ADDRESS: [u8; 4] = [10, 0, 2, 15];
/// QEMU's user-network gateway.
pub const GATEWAY: [u8; 4] = [10, 0, 2, 2];
/// The HTTP server's port.
pub const HTTP_PORT: u16 = 80;
/// The echo server's port.
pub const ECHO_PORT: u16 = 7;
/// Idle time after which a connection is dropped (a client gone without a FIN or RST).
pub const IDLE_TIMEOUT_SECS: u64 = 10;
