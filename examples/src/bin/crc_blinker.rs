//! Cooperative long computation: a CRC-32 over a 128 KiB buffer runs next to a blinker
//! that toggles LED0 on a 1 ms [`Ticker`]. Computed in one go, the CRC holds the only
//! thread for milliseconds and the blinker misses its ticks; computed in pieces of 128
//! bytes with a `yield_now` after each, the same CRC leaves the blinker on schedule.
//!
//! ```text
//! blocking:  crc ████████████████████████████  blinker: ·  (late, ticks skipped)  ·
//! yielding:  crc ██ ██ ██ ██ ██ ██ ██ ██ ██ ██  blinker: ·  ·  ·  ·  ·  ·  ·  ·  ·  (on time)
//!                  ^ yield every 128 bytes
//! ```
//!
//! "On schedule" is measured: the blinker records how late each tick ran (clock reading
//! minus the tick's deadline) while a CRC is running. The checks: the blocking run made
//! it late by at least one period; the yielding run kept every tick within
//! [`MAX_LATENESS_US`] and the CRC spanned several ticks; both runs give the same CRC,
//! equal to the one computed before the blinker started. The output prints verdicts and
//! the CRC only, never timings, so it is the same on every run and target. Exits 1 if a
//! check fails.
//!
//! Run: `cargo xtask qemu crc_blinker`. Expected output: `expected/crc_blinker.txt`.
#![no_std]
#![no_main]

use core::cell::UnsafeCell;

use cortex_m_rt::entry;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote::executor::Executor;
use mote::futures::yield_now;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_mps2::fpgaio::Output;
use mote_mps2::println;
use portable_atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

static EXECUTOR: Executor = Executor::new();

const BUF_LEN: usize = 128 * 1024;
/// Bytes the cooperative CRC processes between two yields.
const CHUNK: usize = 128;
const BLINK_PERIOD: Duration = Duration::from_millis(1);
/// Largest lateness of a blinker tick that still counts as on schedule.
const MAX_LATENESS_US: u32 = 100;

/// The data: 128 KiB in `.bss`, handed out once as `&'static mut`.
static BUF: OnceBuffer = OnceBuffer {
    taken: AtomicBool::new(false),
    bytes: UnsafeCell::new([0; BUF_LEN]),
};

/// A static buffer that [`take_buffer`] hands out at most once.
struct OnceBuffer {
    taken: AtomicBool,
    bytes: UnsafeCell<[u8; BUF_LEN]>,
}

// SAFETY: `bytes` is reached only through `take_buffer`, which gives out one reference for the
// whole program (the `taken` flag is swapped atomically), so it is never shared.
unsafe impl Sync for OnceBuffer {}

/// The buffer, the first time; `None` afterwards.
fn take_buffer() -> Option<&'static mut [u8; BUF_LEN]> {
    if BUF.taken.swap(true, Relaxed) {
        return None;
    }
    // SAFETY: the swap above returned `false` exactly once: this is the only reference
    // ever made to `BUF.bytes`.
    Some(unsafe { &mut *BUF.bytes.get() })
}

/// Set while a CRC runs: the blinker records its lateness then.
static MEASURING: AtomicBool = AtomicBool::new(false);
static MAX_LATE_US: AtomicU32 = AtomicU32::new(0);
static TICKS_MEASURED: AtomicU32 = AtomicU32::new(0);

/// CRC-32 (IEEE 802.3, reflected, as zlib): continues `crc` over `data`.
fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    crc
}

fn crc32(data: &[u8]) -> u32 {
    !crc32_update(!0, data)
}

/// The same CRC, yielding to other tasks every [`CHUNK`] bytes.
async fn crc32_cooperative(data: &[u8]) -> u32 {
    let mut crc = !0;
    for chunk in data.chunks(CHUNK) {
        crc = crc32_update(crc, chunk);
        yield_now().await;
    }
    !crc
}

/// Fills `buf` with a fixed pseudo-random sequence (xorshift32).
fn fill(buf: &mut [u8]) {
    let mut x = 0x2545_f491u32;
    for b in buf {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
}

#[mote::task]
async fn blinker() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut led = Output::new(p.LED0, PinState::Low);
    let mut ticker = Ticker::every(BLINK_PERIOD);
    loop {
        let due = ticker.next_deadline();
        ticker.next().await;
        let late = (Instant::now() - due).as_micros().min(u64::from(u32::MAX)) as u32;
        let _ = led.toggle();
        if MEASURING.load(Relaxed) {
            TICKS_MEASURED.store(TICKS_MEASURED.load(Relaxed) + 1, Relaxed);
            if late > MAX_LATE_US.load(Relaxed) {
                MAX_LATE_US.store(late, Relaxed);
            }
        }
    }
}

/// Starts a measurement window of the blinker.
fn measure_start() {
    MAX_LATE_US.store(0, Relaxed);
    TICKS_MEASURED.store(0, Relaxed);
    MEASURING.store(true, Relaxed);
}

/// Ends the window: (ticks seen, largest lateness in µs).
fn measure_end() -> (u32, u32) {
    MEASURING.store(false, Relaxed);
    (TICKS_MEASURED.load(Relaxed), MAX_LATE_US.load(Relaxed))
}

#[mote::task]
async fn crc(spawner: mote::Spawner) {
    let buf = take_buffer().unwrap();
    fill(buf);
    let buf: &[u8] = buf;
    let reference = crc32(buf);
    println!("crc32 of {} KiB: 0x{:08x}", BUF_LEN / 1024, reference);

    spawner.must_spawn(blinker());
    // Let the blinker settle on its grid first.
    Timer::after_millis(5).await;
    let mut ok = true;

    measure_start();
    let blocking = crc32(buf);
    yield_now().await; // the blinker catches up (late) before the window closes
    let (_, late_us) = measure_end();
    let missed = late_us >= BLINK_PERIOD.as_micros() as u32;
    println!(
        "blocking CRC:  0x{:08x}; blinker missed ticks meanwhile: {}",
        blocking,
        if missed { "yes" } else { "no" }
    );
    ok &= blocking == reference && missed;

    Timer::after_millis(5).await;
    measure_start();
    let yielding = crc32_cooperative(buf).await;
    let (ticks, late_us) = measure_end();
    let on_time = late_us <= MAX_LATENESS_US && ticks >= 3;
    println!(
        "yielding CRC:  0x{:08x}; blinker on schedule meanwhile: {}",
        yielding,
        if on_time { "yes" } else { "no" }
    );
    ok &= yielding == reference && on_time;
    if !ok {
        println!("FAILED: {} ticks, max lateness {} us", ticks, late_us);
    }
    println!("same CRC every time: {}", if ok { "yes" } else { "no" });
    mote_mps2::exit(if ok {
        mote_mps2::EXIT_SUCCESS
    } else {
        mote_mps2::EXIT_FAILURE
    })
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(crc(spawner)))
}
