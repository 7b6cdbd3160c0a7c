//! UART echo: an async task reads UART0 through the interrupt-driven driver and writes
//! each line back, prefixed with `echo: `, until it reads the line `quit`.
//!
//! Run: `cargo xtask qemu uart_echo` and type (Ctrl-A then X quits QEMU). The test run
//! feeds `examples/input/uart_echo.txt`; expected output: `expected/uart_echo.txt`.
//!
//! Reads return whatever has arrived (at least one byte), so the task handles input in
//! pieces of any size and never waits for a full buffer.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_io_async::{Read, Write};
use mote::executor::Executor;
use mote_mps2::bind_interrupts;
use mote_mps2::serial::{self, Uart, UART0};

bind_interrupts!(struct Irqs {
    UARTRX0 => serial::InterruptHandler<UART0>;
    UARTTX0 => serial::InterruptHandler<UART0>;
});

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn echo() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut uart = Uart::new(p.UART0, Irqs);
    let _ = uart.write_all(b"uart echo: type a line\n").await;
    let mut line = [0u8; 64];
    let mut len = 0;
    let mut piece = [0u8; 16];
    loop {
        let n = match uart.read(&mut piece).await {
            Ok(n) => n,
            Err(e) => {
                mote_mps2::println!("receive error: {}", e);
                continue;
            }
        };
        for &b in &piece[..n] {
            if b == b'\n' || b == b'\r' {
                if len == 0 {
                    continue;
                }
                if &line[..len] == b"quit" {
                    let _ = uart.write_all(b"bye\n").await;
                    mote_mps2::exit(mote_mps2::EXIT_SUCCESS);
                }
                let _ = uart.write_all(b"echo: ").await;
                let _ = uart.write_all(&line[..len]).await;
                let _ = uart.write_all(b"\n").await;
                len = 0;
            } else if len < line.len() {
                line[len] = b;
                len += 1;
            }
        }
    }
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(echo()))
}
