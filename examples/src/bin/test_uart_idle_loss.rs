//! Firmware test: `UartRx::read_until_idle` ends its batches for the right reason and
//! keeps a receive loss in its place in the stream.
//!
//! Input: `examples/input/test_uart_idle_loss.txt` (300 bytes) arrives on UART0 as fast as
//! the RX interrupt takes it. The task does not read until every byte was either stored
//! in the ring or lost (the ring holds `RX_CAPACITY` = 128), then reads:
//!
//! ```text
//! stream:  [ 128 stored bytes | loss (Overflow) ]  then silence
//! reads:   read_until_idle(buf of 100) ─► Ok(100, BufferFull)   bytes 0..100
//!          read_until_idle(buf of 100) ─► Ok(28, ErrorNext)     bytes 100..128
//!          read_until_idle(buf of 100) ─► Err(Overflow)
//!          read_until_idle, 20 ms later still waiting for a first byte (no idle end
//!          without a byte), and cancelling it lost nothing
//! ```
//!
//! Exits 0 when every check holds.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::{with_timeout, Duration};
use mote_mps2::bind_interrupts;
use mote_mps2::serial::{self, Error, IdleEnd, IdleRead, Uart, RX_CAPACITY, UART0};
use mote_mps2::testing::Checks;

bind_interrupts!(struct Irqs {
    UARTRX0 => serial::InterruptHandler<UART0>;
    UARTTX0 => serial::InterruptHandler<UART0>;
});

static EXECUTOR: Executor = Executor::new();
const INPUT: &[u8] = include_bytes!("../../input/test_uart_idle_loss.txt");
/// Bound on the wait for the input (executor rounds); reaching it fails the test. Generous:
/// QEMU feeds standard input at host speed, which a loaded host slows down relative to the
/// emulated CPU (5 000 000 rounds were seen to run out on a busy 2-core machine).
const MAX_WAIT_ROUNDS: u32 = 50_000_000;
const IDLE: Duration = Duration::from_millis(2);
const PIECE: usize = 100;

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_uart_idle_loss");
    let p = mote_mps2::Peripherals::take().unwrap();
    let (_tx, mut rx) = Uart::new(p.UART0, Irqs).split();

    let mut rounds = 0;
    while rx.available() + rx.lost() as usize != INPUT.len() && rounds < MAX_WAIT_ROUNDS {
        mote::futures::yield_now().await;
        rounds += 1;
    }
    checks.check(
        "every input byte was stored or counted lost",
        rounds < MAX_WAIT_ROUNDS && rx.available() == RX_CAPACITY,
    );

    let mut buf = [0u8; PIECE];
    let first = rx.read_until_idle(&mut buf, IDLE).await;
    checks.check(
        "a full buffer ends the first batch",
        first
            == Ok(IdleRead {
                len: PIECE,
                end: IdleEnd::BufferFull,
            }),
    );
    checks.check("first batch = input prefix", buf == INPUT[..PIECE]);

    let second = rx.read_until_idle(&mut buf, IDLE).await;
    let rest = RX_CAPACITY - PIECE;
    checks.check(
        "the loss ends the second batch, after the bytes before it",
        second
            == Ok(IdleRead {
                len: rest,
                end: IdleEnd::ErrorNext,
            }),
    );
    checks.check(
        "second batch = the next input bytes",
        buf[..rest] == INPUT[PIECE..RX_CAPACITY],
    );

    let third = rx.read_until_idle(&mut buf, IDLE).await;
    checks.check(
        "then the loss: Err(Overflow)",
        third == Err(Error::Overflow),
    );

    let waiting = with_timeout(
        Duration::from_millis(20),
        rx.read_until_idle(&mut buf, IDLE),
    )
    .await;
    checks.check(
        "with nothing arriving, it waits for a first byte (no empty batch)",
        waiting.is_err(),
    );
    checks.check(
        "cancelled while waiting, it took nothing",
        rx.available() == 0 && rx.try_read(&mut buf).is_none(),
    );
    let empty = rx.read_until_idle(&mut [], IDLE).await;
    checks.check(
        "an empty buffer returns at once",
        empty
            == Ok(IdleRead {
                len: 0,
                end: IdleEnd::BufferFull,
            }),
    );
    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
