//! TCP echo server over the LAN9118 driver and smoltcp, at 10.0.2.15:7 on QEMU's user
//! network.
//!
//! Run: `cargo xtask qemu net_echo`: it forwards a free port of 127.0.0.1 to the guest's
//! port 7 and prints it; then `nc 127.0.0.1 <port>` echoes every line typed. The guest
//! network is `restrict=on`: it reaches nothing beyond QEMU. Ctrl-A then X quits QEMU.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote_mps2::{bind_interrupts, eth, println};

#[path = "../../shared/net_echo_app.rs"]
mod app;

bind_interrupts!(struct Irqs {
    ETHERNET => eth::InterruptHandler;
});

static EXECUTOR: Executor = Executor::new();

#[mote::task]
async fn net() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut cp = cortex_m::Peripherals::take().unwrap();
    let mut nic = match eth::Lan9118::new(p.ETH, Irqs) {
        Ok(nic) => nic,
        Err(e) => {
            println!("net_echo: {}", e);
            mote_mps2::exit(mote_mps2::EXIT_FAILURE)
        }
    };
    let m = nic.mac_address();
    println!(
        "net_echo: MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
    app::serve(&mut nic, &mut cp.SYST, None, |event| match event {
        app::Event::Listening => println!("net_echo: listening on 10.0.2.15:{}", app::PORT),
        app::Event::Ended(n, conn) => {
            println!(
                "net_echo: connection {} closed after {} bytes",
                n, conn.bytes
            )
        }
    })
    .await;
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(net()))
}
