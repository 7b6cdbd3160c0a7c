//! Connection counters of the servers, shown on the page: a socket leaked by a task
//! (an accepted connection never ended) shows as an `open` count that stays up.

use portable_atomic::{AtomicU32, Ordering};

/// Counters of one server.
///
/// ```
/// use mote_examples_net::stats::Server;
/// static S: Server = Server::new();
/// S.opened();
/// S.closed(5);
/// assert_eq!((S.open(), S.served(), S.bytes()), (0, 1, 5));
/// ```
pub struct Server {
    open: AtomicU32,
    served: AtomicU32,
    bytes: AtomicU32,
}

impl Server {
    /// No connection yet.
    pub const fn new() -> Self {
        Self {
            open: AtomicU32::new(0),
            served: AtomicU32::new(0),
            bytes: AtomicU32::new(0),
        }
    }
    /// A connection was accepted.
    pub fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
    }
    /// A connection ended after moving `bytes` (received, for the echo server).
    pub fn closed(&self, bytes: u32) {
        self.open.fetch_sub(1, Ordering::Relaxed);
        self.served.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    /// Connections accepted and not yet ended.
    pub fn open(&self) -> u32 {
        self.open.load(Ordering::Relaxed)
    }
    /// Connections ended.
    pub fn served(&self) -> u32 {
        self.served.load(Ordering::Relaxed)
    }
    /// Bytes of ended connections.
    pub fn bytes(&self) -> u32 {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

/// The HTTP server's counters.
pub static HTTP: Server = Server::new();
/// The echo server's counters.
pub static ECHO: Server = Server::new();
