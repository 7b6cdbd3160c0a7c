//! Bodies of the firmware's small tasks, the same for every runtime (each main wraps them
//! in its own task attribute, [`metered`](crate::meter::metered)).

use embassy_net::Stack;
use embassy_time::{Duration, Ticker};
use mote_mps2::println;

use crate::{address, ECHO_PORT, HTTP_PORT};

/// Period of [`keep_clock`]'s ticker.
pub const KEEP_CLOCK_MS: u64 = 50;

/// Keeps a timer pending at all times. Under `-icount` (as `cargo xtask` runs QEMU),
/// QEMU's virtual clock advances while the guest sleeps only up to the guest's next timer
/// deadline; with none pending (an idle stack waits on its interrupt alone) virtual time
/// stops, and with it the user network's own timers (slirp's retransmissions, its ARP
/// queue), so a first connection stalls until some other packet arrives (measured: a
/// first `curl` timed out without this task, answered in 0.5 s with it). Real hardware
/// needs no such task.
pub async fn keep_clock() -> ! {
    let mut ticker = Ticker::every(Duration::from_millis(KEEP_CLOCK_MS));
    loop {
        ticker.next().await;
    }
}

/// Waits for an address ([`address::configured`]), then prints the line the test harness
/// waits for: `net: listening on 10.0.2.15 (dhcp): http port 80, echo port 7`.
pub async fn announce(stack: Stack<'static>) {
    let source = address::configured(stack).await;
    let Some(config) = stack.config_v4() else {
        println!("net: no IPv4 configuration");
        return;
    };
    let [a, b, c, d] = config.address.address().octets();
    println!(
        "net: listening on {}.{}.{}.{} ({}): http port {}, echo port {}",
        a,
        b,
        c,
        d,
        source.as_str(),
        HTTP_PORT,
        ECHO_PORT
    );
}
