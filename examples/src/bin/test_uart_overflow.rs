//! Firmware test: the interrupt-driven UART keeps receiving while no task reads, and a
//! full receive ring is reported as an error at its place in the stream.
//!
//! Input: `examples/input/test_uart_overflow.txt` (300 bytes) arrives on UART0 as fast as
//! the RX interrupt takes it. The task does not read until every byte was either stored
//! or lost, then checks:
//!
//! ```text
//! stream: [ first RX_CAPACITY bytes | lost ... ]
//! reads:  Ok(bytes) equal to the input prefix, then Err(Overflow), then nothing pending
//! ```
//!
//! and that async writes on the TX half complete. Exits 0 when every check holds.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_io_async::Write;
use mote::executor::Executor;
use mote_mps2::bind_interrupts;
use mote_mps2::serial::{self, Error, Uart, RX_CAPACITY, UART0};
use mote_mps2::testing::Checks;

bind_interrupts!(struct Irqs {
    UARTRX0 => serial::InterruptHandler<UART0>;
    UARTTX0 => serial::InterruptHandler<UART0>;
});

static EXECUTOR: Executor = Executor::new();
const INPUT: &[u8] = include_bytes!("../../input/test_uart_overflow.txt");
/// Bound on the wait for the input (executor rounds); reaching it fails the test. Generous:
/// QEMU feeds standard input at host speed, which a loaded host slows down relative to the
/// emulated CPU (5 000 000 rounds were seen to run out on a busy 2-core machine).
const MAX_WAIT_ROUNDS: u32 = 50_000_000;

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_uart_overflow");
    let p = mote_mps2::Peripherals::take().unwrap();
    let (mut tx, mut rx) = Uart::new(p.UART0, Irqs).split();

    // Let the input arrive without reading it.
    let mut rounds = 0;
    while rx.available() + rx.lost() as usize != INPUT.len() && rounds < MAX_WAIT_ROUNDS {
        mote::futures::yield_now().await;
        rounds += 1;
    }
    checks.check(
        "every input byte was stored or counted lost",
        rounds < MAX_WAIT_ROUNDS,
    );
    checks.check("the ring filled up", rx.available() == RX_CAPACITY);
    checks.check(
        "the rest was counted lost",
        rx.lost() as usize == INPUT.len() - RX_CAPACITY,
    );

    // Read in odd-sized pieces: data first, in order, then the error. Everything has
    // arrived, so a read that waited would be a bug (the run would time out).
    let mut piece = [0u8; 13];
    let mut got = [0u8; RX_CAPACITY + 13];
    let mut len = 0;
    let error = loop {
        match rx.read(&mut piece).await {
            Ok(n) if len + n <= got.len() => {
                got[len..len + n].copy_from_slice(&piece[..n]);
                len += n;
            }
            Ok(_) => break None,
            Err(e) => break Some(e),
        }
    };
    checks.check(
        "bytes before the loss equal the input prefix",
        len == RX_CAPACITY && got[..len] == INPUT[..RX_CAPACITY],
    );
    checks.check("then Err(Overflow)", error == Some(Error::Overflow));
    let mut one = [0u8; 1];
    checks.check(
        "then nothing is pending",
        rx.try_read(&mut one).is_none() && rx.available() == 0,
    );
    let pending = mote::futures::poll_once(rx.read(&mut one)).await;
    checks.check("a read now waits", pending.is_pending());

    let written = tx.write_all(b"async write: ok\n").await;
    checks.check("async write completes", written.is_ok());
    tx.flush().await;

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
