//! HTTP/1.0 and TCP echo servers on embassy-net 0.9 (smoltcp inside), running on Mote
//! over the LAN9118 driver, at 10.0.2.15/24 on QEMU's user network (from its DHCP server,
//! or static if none answers: `mote_examples_net::address`).
//!
//! Run: `cargo xtask qemu net`: it forwards two free ports of 127.0.0.1 to the guest's
//! ports 80 and 7 and prints the URLs; then `curl http://127.0.0.1:<port>/` shows the
//! page (uptime, LEDs, connection counts, the task table), `curl -X POST
//! http://127.0.0.1:<port>/led/0` toggles LED 0, and `nc 127.0.0.1 <port>` echoes. The
//! guest network is `restrict=on`: it reaches nothing beyond QEMU. Ctrl-A then X quits
//! QEMU.
//!
//! Tasks: the stack's runner, [`HTTP_SOCKETS`] HTTP tasks and [`ECHO_SOCKETS`] echo
//! tasks, each with its own listening socket, the clock keeper and the announcement.
//! embassy-net's timers are embassy-time's, served by Mote's clock (mote feature
//! `embassy-time-driver`). Every task is [`metered`]: the page shows the instructions
//! spent in task polls (the bench figures). The application is the library's; this file
//! only declares Mote's tasks (`bench/fw/src/bin/net.rs` is the same for both runtimes).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embassy_net::{Runner, Stack};
use mote::executor::Executor;
use mote_examples_net::meter::metered;
use mote_examples_net::{board, echo, http, tasks, ECHO_SOCKETS, HTTP_SOCKETS};
use mote_mps2::{bind_interrupts, eth};

bind_interrupts!(struct Irqs {
    ETHERNET => eth::InterruptHandler;
});

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn runner(mut runner: Runner<'static, eth::Lan9118>) -> ! {
    metered(runner.run()).await
}

#[mote::task(pool_size = HTTP_SOCKETS)]
async fn http_server(stack: Stack<'static>) -> ! {
    metered(http::serve(stack)).await
}

#[mote::task(pool_size = ECHO_SOCKETS)]
async fn echo_server(stack: Stack<'static>) -> ! {
    metered(echo::serve(stack)).await
}

#[mote::task]
async fn keep_clock() -> ! {
    metered(tasks::keep_clock()).await
}

#[mote::task]
async fn announce(stack: Stack<'static>) {
    tasks::announce(stack).await
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        let board = board::start(Irqs);
        let (stack, net_runner) =
            embassy_net::new(board.nic, board.config, board.resources, board::SEED);
        spawner.must_spawn(runner(net_runner));
        for _ in 0..HTTP_SOCKETS {
            spawner.must_spawn(http_server(stack));
        }
        for _ in 0..ECHO_SOCKETS {
            spawner.must_spawn(echo_server(stack));
        }
        spawner.must_spawn(keep_clock());
        spawner.must_spawn(announce(stack));
    })
}
