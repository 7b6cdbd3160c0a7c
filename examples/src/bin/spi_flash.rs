//! SPI flash: reads the JEDEC ID of a SPI NOR flash over the async PL022 driver (the
//! seed's example) and names the chip.
//!
//! QEMU attaches a Winbond W25Q64 model to the PL022 at `0x4002_7000` (`SPI4`, line
//! `PORT0_0` in QEMU 7.2): `cargo xtask qemu spi_flash` adds `-device w25q64,bus=ssi`.
//! Expected output: `expected/spi_flash.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal_async::spi::SpiBus;
use mote::executor::Executor;
use mote_mps2::spi::{self, Config, Spi};
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    PORT0_0 => spi::InterruptHandler<spi::SPI4>;
});

static EXECUTOR: Executor = Executor::new();

/// JEDEC "Read Identification": the answer is manufacturer, memory type, capacity.
const READ_ID: u8 = 0x9F;

#[mote::task]
async fn identify() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let config = Config {
        frequency: 10_000_000,
        ..Config::default()
    };
    let mut flash = match Spi::new(p.SPI4, Irqs, config) {
        Ok(flash) => flash,
        Err(e) => {
            println!("SPI set-up failed: {}", e);
            mote_mps2::exit(mote_mps2::EXIT_FAILURE)
        }
    };
    println!("SPI4 at {} Hz, mode 0", flash.frequency());
    let mut buf = [READ_ID, 0, 0, 0];
    if let Err(e) = flash.transfer_in_place(&mut buf).await {
        println!("transfer failed: {}", e);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
    let [_, manufacturer, kind, capacity] = buf;
    println!(
        "JEDEC ID: manufacturer {:#04x}, type {:#04x}, capacity {:#04x}",
        manufacturer, kind, capacity
    );
    let name = match (manufacturer, kind) {
        (0xEF, 0x40) => "Winbond W25Q series",
        (0x20, 0xBA) => "Micron N25Q series",
        (0xBF, 0x25) => "SST 25VF series",
        _ => "unknown",
    };
    let size_kib = if capacity < 32 {
        1u32 << capacity >> 10
    } else {
        0
    };
    println!("chip: {}, {} KiB", name, size_kib);
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(identify()))
}
