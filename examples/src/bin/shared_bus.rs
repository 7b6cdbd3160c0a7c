//! Shared bus: two driver tasks (a sensor and a display) share one bus through an async
//! [`Mutex`]. Each transaction is several steps with awaits in between (the bus "clocks
//! out" bytes for a while, and the driver yields), and holds the lock from the first step
//! to the last, so transactions never interleave.
//!
//! ```text
//! sensor  ──lock──[select 0x48 · write · read · release]──unlock─ yield ─lock (waits) ─ ...
//! display ──lock (waits, FIFO) ─────────────────────────────────[select 0x3c · write ...]
//! ```
//!
//! The bus records which device is selected; every step checks that it is still its own
//! device (a step of the other driver in the middle would change it). The mutex hands the
//! lock over in FIFO order, so the two drivers alternate. Exits 1 if any step found the
//! bus taken by the other driver.
//!
//! Run: `cargo xtask qemu shared_bus`. Expected output: `expected/shared_bus.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::futures::yield_now;
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::channel::Channel;
use mote::sync::mutex::Mutex;
use mote::time::Timer;
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

/// Transactions each driver runs.
const TRANSACTIONS: u32 = 3;

/// A simulated bus: which device address is selected, and a log of what it carried.
struct Bus {
    selected: Option<u8>,
    /// Steps that found another device selected (must stay 0).
    collisions: u32,
    /// Bytes moved over the bus.
    bytes: u32,
}

impl Bus {
    /// Selects `addr`; the bus must be idle.
    async fn select(&mut self, addr: u8) {
        if self.selected.is_some() {
            self.collisions += 1;
        }
        self.selected = Some(addr);
        self.wire(addr, 1).await;
    }

    /// Moves `n` bytes for `addr`: 1 ms per byte on the wire, yielding to other tasks.
    async fn wire(&mut self, addr: u8, n: u32) {
        for _ in 0..n {
            Timer::after_millis(1).await;
            yield_now().await;
            if self.selected != Some(addr) {
                self.collisions += 1;
            }
            self.bytes += 1;
        }
    }

    /// Ends the transaction of `addr`.
    fn release(&mut self, addr: u8) {
        if self.selected != Some(addr) {
            self.collisions += 1;
        }
        self.selected = None;
    }
}

static BUS: Mutex<ThreadModeRawMutex, Bus> = Mutex::new(Bus {
    selected: None,
    collisions: 0,
    bytes: 0,
});

/// Both drivers: a transaction that writes `write` bytes then reads `read` bytes.
async fn transaction(name: &str, addr: u8, n: u32, write: u32, read: u32) {
    let mut bus = match BUS.try_lock() {
        Ok(bus) => bus,
        Err(_) => {
            println!("{} #{}: bus busy, queued", name, n);
            BUS.lock().await
        }
    };
    println!("{} #{}: select 0x{:02x}", name, n, addr);
    bus.select(addr).await;
    println!("{} #{}:   write {} byte(s)", name, n, write);
    bus.wire(addr, write).await;
    if read > 0 {
        println!("{} #{}:   read {} byte(s)", name, n, read);
        bus.wire(addr, read).await;
    }
    bus.release(addr);
    println!("{} #{}: release", name, n);
}

#[mote::task]
async fn sensor() {
    for n in 1..=TRANSACTIONS {
        transaction("sensor ", 0x48, n, 1, 2).await;
        // Between transactions: let the other tasks run once. The driver the bus was
        // handed to runs first (it was woken first), so this one queues behind it.
        yield_now().await;
    }
    FINISHED.send("sensor").await;
}

#[mote::task]
async fn display() {
    for n in 1..=TRANSACTIONS {
        transaction("display", 0x3c, n, 4, 0).await;
        yield_now().await;
    }
    FINISHED.send("display").await;
}

/// Each driver sends its name when its transactions are over.
static FINISHED: Channel<ThreadModeRawMutex, &str, 2> = Channel::new();

#[mote::task]
async fn report() {
    for _ in 0..2 {
        println!("{} finished", FINISHED.receive().await);
    }
    let bus = BUS.lock().await;
    println!(
        "{} transactions, {} bytes, interleaved steps: {}",
        2 * TRANSACTIONS,
        bus.bytes,
        bus.collisions
    );
    mote_mps2::exit(if bus.collisions == 0 {
        mote_mps2::EXIT_SUCCESS
    } else {
        mote_mps2::EXIT_FAILURE
    })
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(sensor());
        spawner.must_spawn(display());
        spawner.must_spawn(report());
    })
}
