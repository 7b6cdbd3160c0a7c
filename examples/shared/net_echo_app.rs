//! A TCP echo server on smoltcp over the LAN9118 driver: shared by `net_echo` (serves
//! forever) and `test_net_echo` (serves a fixed number of connections and checks them).
//!
//! Network: static address 10.0.2.15/24, gateway 10.0.2.2 (QEMU's user network), port 7.
//! Two sockets listen, so a new client is accepted while the last one closes.
//!
//! The stack runs in one task: a pass polls smoltcp through [`Smol`] (the adapter that
//! lends the driver and the task's `Context` to smoltcp's `phy::Device`), moves echoed
//! bytes, and asks smoltcp when it next needs a poll; the task then sleeps until that
//! time or until the driver's interrupt wakes it, whichever is first.

use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use embassy_net_driver::Driver;
use mote::futures::select;
use mote::time::{Duration, Instant, Timer};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet, SocketStorage};
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address};

/// The TCP port of the echo server.
pub const PORT: u16 = 7;
/// Sockets (connections served at once).
const SOCKETS: usize = 2;
/// Bytes of each socket's receive and of its transmit buffer.
const SOCKET_BUF: usize = 4096;

/// smoltcp's `phy::Device` over an `embassy-net-driver` `Driver`: the driver needs the
/// task's `Context` to register wakers, smoltcp's device API has none, so the adapter
/// carries it for the length of one poll.
pub struct Smol<'d, 'c, 'w, D: Driver> {
    pub driver: &'d mut D,
    pub cx: &'c mut Context<'w>,
}

/// smoltcp's receive token over the driver's.
pub struct SmolRx<T>(T);
/// smoltcp's transmit token over the driver's.
pub struct SmolTx<T>(T);

impl<T: embassy_net_driver::RxToken> phy::RxToken for SmolRx<T> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        self.0.consume(|frame| f(frame))
    }
}

impl<T: embassy_net_driver::TxToken> phy::TxToken for SmolTx<T> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        self.0.consume(len, f)
    }
}

impl<D: Driver> phy::Device for Smol<'_, '_, '_, D> {
    type RxToken<'a>
        = SmolRx<D::RxToken<'a>>
    where
        Self: 'a;
    type TxToken<'a>
        = SmolTx<D::TxToken<'a>>
    where
        Self: 'a;

    fn receive(
        &mut self,
        _: smoltcp::time::Instant,
    ) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        self.driver
            .receive(self.cx)
            .map(|(rx, tx)| (SmolRx(rx), SmolTx(tx)))
    }

    fn transmit(&mut self, _: smoltcp::time::Instant) -> Option<Self::TxToken<'_>> {
        self.driver.transmit(self.cx).map(SmolTx)
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = self.driver.capabilities().max_transmission_unit;
        caps
    }
}

/// smoltcp's clock: Mote's, in milliseconds.
fn now() -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_millis(Instant::now().as_millis() as i64)
}

/// Completes the second time it is polled: after any wake of the task.
struct AnyWake(bool);

impl Future for AnyWake {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

/// What happened to one connection, reported when it ends.
#[derive(Clone, Copy, Debug, Default)]
pub struct Connection {
    /// Bytes received (and echoed).
    pub bytes: u32,
    /// Every received byte matched [`pattern`] at its position.
    pub pattern_ok: bool,
    /// Instructions the stack task spent while this connection was open (SysTick under
    /// `-icount shift=0`: 40 instructions per count), `u64` to hold a 1 MiB transfer.
    pub instructions: u64,
    /// The part of `instructions` spent inside smoltcp's `Interface::poll` (the stack and
    /// the driver), without the echo loop's copying and pattern check.
    pub stack_instructions: u64,
}

/// The period of the test pattern the harness sends: byte `i` is `i % PATTERN_PERIOD`
/// (prime, so a segment lost, repeated or reordered shifts the pattern).
pub const PATTERN_PERIOD: u8 = 251;

#[derive(Clone, Copy, Default)]
struct Conn {
    open: bool,
    /// The pattern byte expected next (a running value: ARMv6-M has no divide).
    next: u8,
    stats: Connection,
}

/// SysTick as a free-running 24-bit down-counter at the core clock (25 MHz on the
/// AN385/AN386), used to count the stack task's busy time.
fn start_systick(syst: &mut SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(0x00FF_FFFF);
    syst.clear_current();
    syst.enable_counter();
}

/// SysTick counts from `start` to now (the counter wraps in 0.67 s, far above a pass).
fn counts_since(start: u32) -> u32 {
    start.wrapping_sub(SYST::get_current()) & 0x00FF_FFFF
}

/// What [`serve`] reports.
pub enum Event {
    /// The sockets listen: clients may connect from now on (reported once).
    Listening,
    /// Connection number `.0` (from 1) ended.
    Ended(u32, Connection),
}

/// Serves echo connections on [`PORT`] until `limit` of them have ended (forever with
/// `None`), reporting to `event`. Every connection's bytes are compared with the pattern
/// (a client sending anything else just gets `pattern_ok: false`).
pub async fn serve<D: Driver>(
    driver: &mut D,
    syst: &mut SYST,
    limit: Option<u32>,
    mut event: impl FnMut(Event),
) {
    start_systick(syst);
    let mac = match driver.hardware_address() {
        embassy_net_driver::HardwareAddress::Ethernet(mac) => mac,
        _ => [0x02, 0, 0, 0, 0, 1],
    };
    let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
    config.random_seed = u64::from_le_bytes([mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 7, 7]);
    let mut config = Some(config);
    let mut iface = poll_fn(|cx| {
        let mut dev = Smol {
            driver: &mut *driver,
            cx,
        };
        match config.take() {
            Some(config) => Poll::Ready(Interface::new(config, &mut dev, now())),
            None => Poll::Pending,
        }
    })
    .await;
    iface.update_ip_addrs(|addrs| {
        let _ = addrs.push(IpCidr::new(Ipv4Address::new(10, 0, 2, 15).into(), 24));
    });
    let _ = iface
        .routes_mut()
        .add_default_ipv4_route(Ipv4Address::new(10, 0, 2, 2));

    let mut bufs = [[0u8; SOCKET_BUF]; 2 * SOCKETS];
    let mut storage = [SocketStorage::EMPTY; SOCKETS];
    let mut sockets = SocketSet::new(&mut storage[..]);
    let mut handles: [Option<SocketHandle>; SOCKETS] = [None; SOCKETS];
    let mut chunks = bufs.chunks_mut(2);
    for handle in handles.iter_mut() {
        let Some([rx, tx]) = chunks.next() else { break };
        let socket = tcp::Socket::new(
            tcp::SocketBuffer::new(&mut rx[..]),
            tcp::SocketBuffer::new(&mut tx[..]),
        );
        *handle = Some(sockets.add(socket));
    }
    let mut conns = [Conn::default(); SOCKETS];
    let mut ended_count = 0u32;
    let mut scratch = [0u8; 1024];
    let mut listening = false;

    loop {
        let delay = poll_fn(|cx| {
            let start = SYST::get_current();
            let mut dev = Smol {
                driver: &mut *driver,
                cx,
            };
            iface.poll(now(), &mut dev, &mut sockets);
            let mut stack = counts_since(start);
            for (handle, conn) in handles.iter().zip(conns.iter_mut()) {
                let Some(handle) = *handle else { continue };
                let socket = sockets.get_mut::<tcp::Socket>(handle);
                if !socket.is_open() {
                    if conn.open {
                        conn.open = false;
                        ended_count += 1;
                        event(Event::Ended(ended_count, conn.stats));
                    }
                    let _ = socket.listen(PORT);
                    continue;
                }
                if !conn.open && socket.is_active() {
                    conn.open = true;
                    conn.next = 0;
                    conn.stats = Connection {
                        pattern_ok: true,
                        ..Connection::default()
                    };
                }
                // Echo what fits in the transmit buffer.
                while socket.can_recv() && socket.can_send() {
                    let room = (socket.send_capacity() - socket.send_queue()).min(scratch.len());
                    let Ok(n) = socket.recv_slice(&mut scratch[..room]) else {
                        break;
                    };
                    if n == 0 {
                        break;
                    }
                    for &b in &scratch[..n] {
                        conn.stats.pattern_ok &= b == conn.next;
                        conn.next = if conn.next + 1 == PATTERN_PERIOD {
                            0
                        } else {
                            conn.next + 1
                        };
                    }
                    conn.stats.bytes = conn.stats.bytes.wrapping_add(n as u32);
                    let _ = socket.send_slice(&scratch[..n]);
                }
                // The client finished sending and everything was echoed: close our side.
                if !socket.may_recv() && socket.send_queue() == 0 && socket.may_send() {
                    socket.close();
                }
            }
            let second = SYST::get_current();
            iface.poll(now(), &mut dev, &mut sockets);
            stack += counts_since(second);
            if !listening {
                listening = true;
                event(Event::Listening);
            }
            let delay = iface.poll_delay(now(), &sockets);
            let spent = u64::from(counts_since(start)) * 40;
            for conn in conns.iter_mut().filter(|c| c.open) {
                conn.stats.instructions += spent;
                conn.stats.stack_instructions += u64::from(stack) * 40;
            }
            Poll::Ready(delay)
        })
        .await;
        if limit.is_some_and(|limit| ended_count >= limit) {
            return;
        }
        let wait = delay
            .map(|d| Duration::from_micros(d.total_micros()))
            .unwrap_or(Duration::from_secs(1));
        // A zero delay still yields once, so other tasks run.
        select(Timer::after(wait), AnyWake(false)).await;
    }
}
