//! Networked firmware rows: `examples/net`'s HTTP/1.0 and TCP echo servers
//! (`mote-examples-net`: embassy-net 0.9 over mote-mps2's LAN9118 driver), the same
//! library and the same tasks on either runtime. Only the task attributes and the executor
//! differ (the [`rt`] seam); embassy-time runs on Mote's clock and timer queues in the Mote
//! build (mote feature `embassy-time-driver`), on the bench's CMSDK driver
//! (`src/embassy_time_driver.rs`) in the Embassy build. Static address (no DHCP), no
//! `trace`: the page is the one the figures are taken from.
//!
//! `cargo xtask bench` runs it in QEMU with the NIC on a restricted user network
//! (`-icount shift=0`, as the test command runs `net`), waits for the `listening` line and
//! reads the instructions spent in task polls from the page
//! (`mote_examples_net::meter`) around 51 `GET /` and one 1 MiB echo.
#![no_std]
#![no_main]

use bench_fw::{rt, spawn};
use cortex_m_rt::entry;
use embassy_net::{Runner, Stack};
use mote_examples_net::meter::metered;
use mote_examples_net::{board, echo, http, tasks, ECHO_SOCKETS, HTTP_SOCKETS};
use mote_mps2::{bind_interrupts, eth};

bind_interrupts!(struct Irqs {
    ETHERNET => eth::InterruptHandler;
});

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn runner(mut runner: Runner<'static, eth::Lan9118>) -> ! {
    metered(runner.run()).await
}

#[cfg_attr(feature = "mote", mote::task(pool_size = HTTP_SOCKETS))]
#[cfg_attr(feature = "embassy", embassy_executor::task(pool_size = HTTP_SOCKETS))]
async fn http_server(stack: Stack<'static>) -> ! {
    metered(http::serve(stack)).await
}

#[cfg_attr(feature = "mote", mote::task(pool_size = ECHO_SOCKETS))]
#[cfg_attr(feature = "embassy", embassy_executor::task(pool_size = ECHO_SOCKETS))]
async fn echo_server(stack: Stack<'static>) -> ! {
    metered(echo::serve(stack)).await
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn keep_clock() -> ! {
    metered(tasks::keep_clock()).await
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn announce(stack: Stack<'static>) {
    tasks::announce(stack).await
}

#[entry]
fn main() -> ! {
    rt::run(|spawner| {
        let board = board::start(Irqs);
        let (stack, net_runner) =
            embassy_net::new(board.nic, board.config, board.resources, board::SEED);
        spawn!(spawner, runner(net_runner));
        for _ in 0..HTTP_SOCKETS {
            spawn!(spawner, http_server(stack));
        }
        for _ in 0..ECHO_SOCKETS {
            spawn!(spawner, echo_server(stack));
        }
        spawn!(spawner, keep_clock());
        spawn!(spawner, announce(stack));
    })
}
