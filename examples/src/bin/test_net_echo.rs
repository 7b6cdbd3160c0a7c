//! Firmware test: TCP echo over the LAN9118 driver and smoltcp, with the xtask harness
//! as the client on the host (`-nic user,model=lan9118,restrict=on,hostfwd=...-:7`).
//!
//! The harness waits for the `listening` line, then makes [`SIZES`]`.len()` connections
//! in turn, sending `SIZES[k]` bytes of the shared pattern on connection `k`, checking
//! the echo byte for byte and closing. The firmware checks, per connection, the byte
//! count and the pattern, prints the stack task's instructions per echoed KiB for the
//! largest transfer (SysTick under `-icount shift=0`). Then it checks link state through
//! the PHY interrupt: the harness switches the link off and on with QEMU's monitor
//! (`set_link`) when the firmware prints `link test: waiting`, and each change must wake
//! the task. It exits with the verdict.
#![no_std]
#![no_main]

use core::future::poll_fn;
use core::task::Poll;

use cortex_m_rt::entry;
use embassy_net_driver::{Driver, LinkState};
use mote::executor::Executor;
use mote_mps2::testing::Checks;
use mote_mps2::{bind_interrupts, eth, println};

#[path = "../../shared/net_echo_app.rs"]
mod app;

bind_interrupts!(struct Irqs {
    ETHERNET => eth::InterruptHandler;
});

/// Bytes the harness sends on each connection (`xtask/src/net.rs` uses the same list).
const SIZES: [u32; 3] = [4096, 65_536, 1 << 20];

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn net() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut cp = cortex_m::Peripherals::take().unwrap();
    let mut checks = Checks::new("test_net_echo");
    let mut nic = match eth::Lan9118::new(p.ETH, Irqs) {
        Ok(nic) => nic,
        Err(e) => {
            checks.check("driver init", false);
            println!("error: {}", e);
            checks.finish()
        }
    };
    let mac = nic.mac_address();
    checks.check(
        "MAC address from the device (-nic mac=52:54:00:12:34:56)",
        mac == [0x52, 0x54, 0, 0x12, 0x34, 0x56],
    );
    checks.check(
        "capabilities: MTU 1514",
        nic.capabilities().max_transmission_unit == 1514,
    );
    let up = poll_fn(|cx| Poll::Ready(nic.link_state(cx))).await;
    checks.check("link up after init", up == LinkState::Up);
    let mut results = [app::Connection::default(); SIZES.len()];
    app::serve(
        &mut nic,
        &mut cp.SYST,
        Some(SIZES.len() as u32),
        |event| match event {
            app::Event::Listening => println!("listening on 10.0.2.15:{}", app::PORT),
            app::Event::Ended(n, conn) => {
                if let Some(slot) = results.get_mut(n as usize - 1) {
                    *slot = conn;
                }
            }
        },
    )
    .await;
    for (k, (conn, &size)) in results.iter().zip(&SIZES).enumerate() {
        println!("connection {}: {} bytes", k + 1, conn.bytes);
        checks.check("  byte count as sent", conn.bytes == size);
        checks.check("  bytes in pattern order", conn.pattern_ok);
    }
    if let Some(big) = results.last() {
        let kib = u64::from(big.bytes / 1024).max(1);
        println!(
            "per echoed KiB ({} KiB): {} instructions in the stack task, {} of them in smoltcp's poll with the driver",
            kib,
            big.instructions / kib,
            big.stack_instructions / kib
        );
    }
    // Link changes: the harness switches the link off, then on (QEMU monitor `set_link`);
    // each is seen through the PHY interrupt, not by polling.
    println!("link test: waiting");
    let polls = wait_link(&mut nic, LinkState::Down).await;
    println!("link: down");
    checks.check("link down seen, woken by the PHY interrupt", polls <= 3);
    let polls = wait_link(&mut nic, LinkState::Up).await;
    println!("link: up");
    checks.check("link up seen, woken by the PHY interrupt", polls <= 3);
    println!(
        "dropped frames: {}, chip errors: {}",
        nic.dropped(),
        nic.errors()
    );
    checks.check("no frame dropped by the driver", nic.dropped() == 0);
    checks.check("no RX/TX error interrupt (FIFO misuse)", nic.errors() == 0);
    checks.finish()
}

/// Waits until the driver reports `want`, returning how many times it was polled (the
/// link does not change by itself in QEMU, so only its interrupt should wake the task:
/// a poll that registers, then one per wake, with at most one stray RX wake).
async fn wait_link(nic: &mut eth::Lan9118, want: LinkState) -> u32 {
    let mut polls = 0;
    poll_fn(|cx| {
        polls += 1;
        if nic.link_state(cx) == want {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    polls
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(net()))
}
