//! Firmware test: the PL022 SPI driver, async and blocking, in loopback and against an
//! emulated SPI NOR flash.
//!
//! QEMU command line (added by xtask for this binary): `-device w25q64,bus=ssi`, a Winbond
//! W25Q64 model on the PL022 at `0x4002_7000` (`SPI4`).
//!
//! Checks:
//! - loopback (SSPCR1.LBM on `SPI0`): async `transfer` of every length 1..=4096 returns
//!   exactly the bytes written (a different pattern per length); the blocking bus does the
//!   same for every length 1..=300; `transfer_in_place`, `read` (sends 0x00, so reads
//!   zeros back), `write`, and `transfer` with read and write buffers of different lengths
//!   follow the embedded-hal contract;
//! - flash (`SPI4`, no loopback): the JEDEC ID command (0x9F) answers `EF 40 17`, the ID
//!   Winbond documents for the W25Q64 (manufacturer 0xEF, memory type 0x40, capacity
//!   0x17 = 2^23 bytes), async and then blocking. QEMU's model returns 6 ID bytes (the 3
//!   of the ID then zeros) and goes back to idle, so a second command works without a
//!   chip-select edge (the PL022's SSPFSSOUT is not wired in QEMU, the flash stays
//!   selected); a read-data command (0x03) never ends, so it comes last: after it the
//!   flash answers every byte with data (blank: 0xFF), a JEDEC ID command included;
//! - the interrupt path: with SPI0 stopped (SSPCR1.SSE cleared by the test) a transfer
//!   arms the RX interrupt and waits; restarting the controller runs the driver's handler
//!   (which masks the interrupt) and the woken transfer completes byte for byte;
//! - cost: virtual time of 64 KiB of loopback transfers under `-icount shift=0` (1 ns per
//!   instruction), printed as instructions per byte.
#![no_std]
#![no_main]

use core::pin::pin;
use core::ptr;

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::futures::poll_once;
use mote::time::Instant;
use mote_mps2::spi::{self, Config, Spi};
use mote_mps2::testing::Checks;
use mote_mps2::{bind_interrupts, println};

bind_interrupts!(struct Irqs {
    SPI => spi::InterruptHandler<spi::SPI0>;
    PORT0_0 => spi::InterruptHandler<spi::SPI4>;
});

static EXECUTOR: Executor = Executor::new();

const MAX_LEN: usize = 4096;
const SPI0_CR1: *mut u32 = 0x4002_0004 as *mut u32;
const SPI0_IMSC: *mut u32 = 0x4002_0014 as *mut u32;
const CR1_LBM: u32 = 1 << 0;
const CR1_SSE: u32 = 1 << 1;
const W25Q64_JEDEC_ID: [u8; 3] = [0xEF, 0x40, 0x17];

fn pattern(len: usize, i: usize) -> u8 {
    (i.wrapping_mul(31) ^ len.wrapping_mul(7) ^ (i >> 8)) as u8
}

#[mote::task]
async fn scenario() {
    use embedded_hal_async::spi::SpiBus as _;
    let mut checks = Checks::new("test_spi");
    let p = mote_mps2::Peripherals::take().unwrap();

    checks.check(
        "a frequency below 385 Hz is an error value",
        Spi::new_blocking(
            p.SPI1,
            Config {
                frequency: 100,
                ..Config::default()
            },
        )
        .err()
            == Some(spi::ConfigError::FrequencyTooLow),
    );

    let loopback = Config {
        frequency: 12_500_000,
        loopback: true,
        ..Config::default()
    };
    let mut bus = Spi::new(p.SPI0, Irqs, loopback).unwrap();
    checks.check("12.5 MHz is reachable", bus.frequency() == 12_500_000);

    let mut tx = [0u8; MAX_LEN];
    let mut rx = [0u8; MAX_LEN];
    let mut bad_len = None;
    for len in 1..=MAX_LEN {
        for (i, b) in tx[..len].iter_mut().enumerate() {
            *b = pattern(len, i);
        }
        rx[..len].fill(!tx[0]);
        let ok = bus.transfer(&mut rx[..len], &tx[..len]).await.is_ok();
        if !ok || rx[..len] != tx[..len] {
            bad_len.get_or_insert(len);
        }
    }
    checks.check(
        "async loopback: every length 1..=4096 comes back byte for byte",
        bad_len.is_none(),
    );
    if let Some(len) = bad_len {
        println!("  first bad length: {}", len);
    }

    let mut bad_len = None;
    for len in 1..=300 {
        for (i, b) in tx[..len].iter_mut().enumerate() {
            *b = pattern(len, i) ^ 0x5A;
        }
        rx[..len].fill(0);
        let ok = embedded_hal::spi::SpiBus::transfer(&mut bus, &mut rx[..len], &tx[..len]).is_ok();
        if !ok || rx[..len] != tx[..len] {
            bad_len.get_or_insert(len);
        }
    }
    checks.check(
        "blocking loopback: every length 1..=300 comes back byte for byte",
        bad_len.is_none(),
    );

    let mut buf = [9u8, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xFF];
    let ok = bus.transfer_in_place(&mut buf).await.is_ok();
    checks.check(
        "transfer_in_place keeps the bytes (loopback)",
        ok && buf == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xFF],
    );
    let mut zeros = [0xAAu8; 20];
    let ok = bus.read(&mut zeros).await.is_ok();
    checks.check(
        "read sends 0x00 (loopback reads zeros)",
        ok && zeros == [0; 20],
    );
    checks.check("write completes", bus.write(&tx[..1000]).await.is_ok());
    let mut short = [0u8; 3];
    let ok = bus.transfer(&mut short, &[1, 2, 3, 4, 5, 6]).await.is_ok();
    checks.check(
        "transfer: a shorter read keeps the first bytes",
        ok && short == [1, 2, 3],
    );
    let mut long = [0xEEu8; 6];
    let ok = bus.transfer(&mut long, &[1, 2]).await.is_ok();
    checks.check(
        "transfer: a longer read gets 0x00 past the write",
        ok && long == [1, 2, 0, 0, 0, 0],
    );
    // `short` dropped three received frames: none of them may show up here.
    let mut after = [0u8; 4];
    let ok = bus
        .transfer(&mut after, &[0x11, 0x22, 0x33, 0x44])
        .await
        .is_ok();
    checks.check(
        "no stale frame leaks into the next transfer",
        ok && after == [0x11, 0x22, 0x33, 0x44],
    );

    // The wait path, which QEMU's instant transfers never take by themselves: with the
    // controller stopped (SSPCR1.SSE = 0) QEMU keeps frames in the TX FIFO, so the
    // transfer must arm the interrupt and wait. Restarting the controller moves the 8
    // queued frames at once; the RX FIFO level (>= 4) raises the line, and the driver's
    // handler masks the interrupt (IMSC = 0) and wakes the task.
    // SAFETY: writes and reads of SPI0's CR1 and IMSC registers (device memory); the
    // driver's state lives in the future, which tolerates the controller pausing.
    unsafe { ptr::write_volatile(SPI0_CR1, CR1_LBM) };
    for (i, b) in tx[..64].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(13);
    }
    rx[..64].fill(0);
    {
        let mut transfer = pin!(bus.transfer(&mut rx[..64], &tx[..64]));
        let first = poll_once(transfer.as_mut()).await;
        // SAFETY: as above.
        let armed = unsafe { ptr::read_volatile(SPI0_IMSC) };
        checks.check(
            "stopped controller: the transfer waits with RXIM | RTIM armed",
            first.is_pending() && armed == 0b0110,
        );
        // SAFETY: as above; the handler runs as soon as this write raises the line.
        unsafe { ptr::write_volatile(SPI0_CR1, CR1_LBM | CR1_SSE) };
        // SAFETY: as above.
        let after = unsafe { ptr::read_volatile(SPI0_IMSC) };
        checks.check(
            "restarted: the interrupt handler ran (IMSC = 0)",
            after == 0,
        );
        let done = transfer.await;
        checks.check("the woken transfer completes", done.is_ok());
    }
    checks.check(
        "the woken transfer read back byte for byte",
        rx[..64] == tx[..64],
    );

    // Cost: 16 transfers of 4 KiB; virtual nanoseconds = instructions (icount shift=0).
    for (i, b) in tx.iter_mut().enumerate() {
        *b = i as u8;
    }
    let start = Instant::now();
    for _ in 0..16 {
        let _ = bus.transfer(&mut rx, &tx).await;
    }
    let ns = (Instant::now() - start).as_micros() * 1000;
    println!(
        "cost: async transfer, {} instructions per byte (64 KiB, icount shift=0)",
        ns / (16 * MAX_LEN as u64)
    );
    let start = Instant::now();
    for _ in 0..16 {
        let _ = embedded_hal::spi::SpiBus::write(&mut bus, &tx);
    }
    let ns = (Instant::now() - start).as_micros() * 1000;
    println!(
        "cost: blocking write, {} instructions per byte (64 KiB, icount shift=0)",
        ns / (16 * MAX_LEN as u64)
    );

    // The flash: mode 0, well within the W25Q64's 104 MHz.
    let mut flash = Spi::new(p.SPI4, Irqs, Config::default()).unwrap();
    let mut id = [0x9F, 0, 0, 0, 0, 0, 0];
    let ok = flash.transfer_in_place(&mut id).await.is_ok();
    println!("JEDEC ID: {:02x} {:02x} {:02x}", id[1], id[2], id[3]);
    checks.check(
        "async JEDEC ID is the W25Q64's EF 40 17",
        ok && id[1..4] == W25Q64_JEDEC_ID && id[4..] == [0, 0, 0],
    );
    let mut id = [0u8; 7];
    let ok = embedded_hal::spi::SpiBus::transfer(&mut flash, &mut id, &[0x9F]).is_ok();
    checks.check(
        "blocking JEDEC ID again (the model went back to idle)",
        ok && id[1..4] == W25Q64_JEDEC_ID,
    );

    // What no chip select means: READ (0x03) streams data until the select rises, which
    // never happens here, so every later byte is flash data, a JEDEC ID command included.
    // (QEMU's model with no drive is blank: all 0xFF.)
    let mut read = [0x03, 0, 0, 0, 0, 0, 0, 0];
    let ok = flash.transfer_in_place(&mut read).await.is_ok();
    checks.check(
        "READ from 0: blank flash reads 0xFF",
        ok && read[4..] == [0xFF; 4],
    );
    let mut id = [0x9F, 0, 0, 0];
    let ok = flash.transfer_in_place(&mut id).await.is_ok();
    checks.check(
        "after READ, 0x9F no longer answers the ID (the READ never ended)",
        ok && id[1..] == [0xFF; 3],
    );

    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
