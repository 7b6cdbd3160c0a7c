//! UART echo with idle-line reads: the driver's `UartRx::read_until_idle` collects what
//! arrives on UART0 until the line has been quiet for a set time (or the buffer is
//! full), the way a driver reads a packet whose length it does not know. Each batch is
//! echoed back.
//!
//! ```text
//! bytes:  h e l l o ␣ w o r l d ·········· (quiet ≥ IDLE) ─► batch "hello world"
//! read_until_idle: waits as long as it takes for the first byte, then ends the batch
//!                  after IDLE of quiet, on a full buffer, or before a receive loss
//! ```
//!
//! How QEMU delivers the test input (`input/uart_idle.txt`) in time is up to the host, so
//! batch boundaries are not printed: the output shows the echoed text line by line, and
//! the checks that hold however the input was cut: every batch is non-empty and ended by
//! a full buffer or by a quiet line, the echo is the input byte for byte, and after the
//! input the line stays quiet. Exits 1 if a check fails.
//!
//! Run: `cargo xtask qemu uart_idle`. Expected output: `expected/uart_idle.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_io_async::Write;
use mote::executor::Executor;
use mote::time::{with_timeout, Duration, Instant};
use mote_mps2::serial::{self, IdleEnd, IdleRead, Uart, UART0};
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    UARTRX0 => serial::InterruptHandler<UART0>;
    UARTTX0 => serial::InterruptHandler<UART0>;
});

static EXECUTOR: Executor = Executor::new();

/// Quiet time that ends a batch: about 100 character times at 115 200 baud.
const IDLE: Duration = Duration::from_millis(10);
/// How long the line must stay quiet after the input for the program to end.
const END_OF_INPUT: Duration = Duration::from_millis(500);
const INPUT: &[u8] = include_bytes!("../../input/uart_idle.txt");

#[mote::task]
async fn echo() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let (mut tx, mut rx) = Uart::new(p.UART0, Irqs).split();
    println!(
        "uart_idle: send something; a batch ends after {} ms of quiet",
        IDLE.as_millis()
    );

    let mut ok = true;
    let mut batch = [0u8; 32];
    let mut line = [0u8; 80];
    let mut line_len = 0;
    let mut total = 0;
    while total < INPUT.len() {
        let IdleRead { len: n, end } = match rx.read_until_idle(&mut batch, IDLE).await {
            Ok(r) => r,
            Err(e) => {
                println!("receive error: {}", e);
                ok = false;
                break;
            }
        };
        ok &= n > 0
            && match end {
                IdleEnd::Idle => true,
                IdleEnd::BufferFull => n == batch.len(),
                IdleEnd::ErrorNext => false, // no loss expected at this pace
            };
        ok &= INPUT.get(total..total + n) == Some(&batch[..n]);
        total += n;
        for &b in &batch[..n] {
            if b == b'\n' {
                let _ = tx.write_all(b"echo: ").await;
                let _ = tx.write_all(&line[..line_len]).await;
                let _ = tx.write_all(b"\n").await;
                line_len = 0;
            } else if line_len < line.len() {
                line[line_len] = b;
                line_len += 1;
            }
        }
    }
    // The input is over: the line must stay quiet.
    let start = Instant::now();
    let quiet = with_timeout(END_OF_INPUT, rx.read_until_idle(&mut batch, IDLE))
        .await
        .is_err();
    ok &= quiet && start.elapsed() >= END_OF_INPUT;
    println!(
        "{} bytes echoed; then quiet for {} ms: {}",
        total,
        END_OF_INPUT.as_millis(),
        if quiet { "yes" } else { "no" }
    );
    mote_mps2::exit(if ok {
        mote_mps2::EXIT_SUCCESS
    } else {
        mote_mps2::EXIT_FAILURE
    })
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(echo()))
}
