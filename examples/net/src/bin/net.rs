//! HTTP/1.0 and TCP echo servers on embassy-net 0.9 (smoltcp inside), running on Mote
//! over the LAN9118 driver, at 10.0.2.15/24 (static) on QEMU's user network.
//!
//! Run: `cargo xtask qemu net`: it forwards two free ports of 127.0.0.1 to the guest's
//! ports 80 and 7 and prints the URLs; then `curl http://127.0.0.1:<port>/` shows the
//! page (uptime, LEDs, connection counts), `curl -X POST http://127.0.0.1:<port>/led/0`
//! toggles LED 0, and `nc 127.0.0.1 <port>` echoes. The guest network is `restrict=on`:
//! it reaches nothing beyond QEMU. Ctrl-A then X quits QEMU.
//!
//! Tasks: the stack's runner, [`HTTP_SOCKETS`] HTTP tasks and [`ECHO_SOCKETS`] echo
//! tasks, each with its own listening socket. embassy-net's timers are embassy-time's,
//! served by Mote's clock (mote feature `embassy-time-driver`). Every task is
//! [`metered`]: the page shows the instructions spent in task polls (the bench figures).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_time::{Duration, Ticker};
use mote::executor::Executor;
use mote_examples_net::meter::{self, metered};
use mote_examples_net::once::Once;
use mote_examples_net::{
    echo, http, leds, ADDRESS, ECHO_PORT, ECHO_SOCKETS, GATEWAY, HTTP_PORT, HTTP_SOCKETS, SOCKETS,
};
use mote_mps2::{bind_interrupts, eth, println};

bind_interrupts!(struct Irqs {
    ETHERNET => eth::InterruptHandler;
});

static EXECUTOR: Executor = Executor::new();
static RESOURCES: Once<StackResources<SOCKETS>> = Once::new(StackResources::new());

/// The stack's seed for TCP initial sequence numbers and ports. Fixed: QEMU has no
/// entropy source this firmware reads, and a test run wants the same run every time.
const SEED: u64 = 0x6d6f_7465_2d6e_6574;

/// Period of [`keep_clock`]'s ticker.
const KEEP_CLOCK_MS: u64 = 50;

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

/// Keeps a timer pending at all times. Under `-icount` (as `cargo xtask` runs QEMU),
/// QEMU's virtual clock advances while the guest sleeps only up to the guest's next timer
/// deadline; with none pending (an idle stack waits on its interrupt alone) virtual time
/// stops, and with it the user network's own timers (slirp's retransmissions, its ARP
/// queue), so a first connection stalls until some other packet arrives (measured: a
/// first `curl` timed out without this task, answered in 0.5 s with it). Real hardware
/// needs no such task.
#[mote::task]
async fn keep_clock() -> ! {
    let mut ticker = Ticker::every(Duration::from_millis(KEEP_CLOCK_MS));
    metered(async {
        loop {
            ticker.next().await;
        }
    })
    .await
}

#[mote::task]
async fn announce(stack: Stack<'static>) {
    stack.wait_config_up().await;
    println!(
        "net: listening on {}.{}.{}.{}: http port {}, echo port {}",
        ADDRESS[0], ADDRESS[1], ADDRESS[2], ADDRESS[3], HTTP_PORT, ECHO_PORT
    );
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        let p = mote_mps2::Peripherals::take().unwrap();
        if let Some(cp) = cortex_m::Peripherals::take() {
            meter::start(cp.SYST);
        }
        leds::init(p.LED0, p.LED1);
        let nic = match eth::Lan9118::new(p.ETH, Irqs) {
            Ok(nic) => nic,
            Err(e) => {
                println!("net: {}", e);
                mote_mps2::exit(mote_mps2::EXIT_FAILURE)
            }
        };
        let [a, b, c, d] = ADDRESS;
        let [g0, g1, g2, g3] = GATEWAY;
        let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
            address: Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), 24),
            gateway: Some(Ipv4Address::new(g0, g1, g2, g3)),
            dns_servers: Default::default(),
        });
        let Some(resources) = RESOURCES.take() else {
            mote_mps2::exit(mote_mps2::EXIT_FAILURE)
        };
        let (stack, net_runner) = embassy_net::new(nic, config, resources, SEED);
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
