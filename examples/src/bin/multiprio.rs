//! Multi-priority: the thread-mode executor and two interrupt executors (medium on the
//! `TSC` line, high on the `I2S` line). A spawn onto a more urgent executor preempts the
//! spawner at once; a long computation in thread mode does not delay the high-priority
//! task, which keeps counting SysTick wake-ups meanwhile.
//!
//! ```text
//! priority   I2S 0x40 (high)   ───────────█──────────────█─█─█─█─  (ticks)
//!            TSC 0x80 (medium) ───────█████──────────────────────
//!            thread mode       ██████─────████████████████████████ (crunch)
//! ```
//!
//! Run: `cargo xtask qemu multiprio`. Expected output: `expected/multiprio.txt`.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::future::poll_fn;
use core::hint::black_box;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::task::{Poll, Waker};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use critical_section::Mutex;
use mote::executor::Executor;
use mote::SendSpawner;
use mote_mps2::{println, Interrupt};
use portable_atomic::{AtomicBool, AtomicU32};

static THREAD: Executor = Executor::new();
// Each executor with the handler of its line (the vector polls it; nothing else can).
mote::interrupt_executor!(static MEDIUM = Interrupt::TSC);
mote::interrupt_executor!(static HIGH = Interrupt::I2S);

static TICKS: AtomicU32 = AtomicU32::new(0);
static TICK_WAKER: Mutex<RefCell<Option<Waker>>> = Mutex::new(RefCell::new(None));
static COUNTED: AtomicU32 = AtomicU32::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

#[exception]
fn SysTick() {
    TICKS.fetch_add(1, Release);
    if let Some(w) = critical_section::with(|cs| TICK_WAKER.borrow(cs).take()) {
        w.wake();
    }
}

#[mote::task]
async fn high_hello() {
    println!("  high: runs at once, before medium continues");
}

#[mote::task]
async fn medium_hello(high: SendSpawner) {
    println!(" medium: start; spawning a high-priority task");
    high.must_spawn(high_hello());
    println!(" medium: resumes after high finished");
}

/// Counts SysTick wake-ups while `COUNTING` is set.
#[mote::task]
async fn high_ticker() {
    let mut seen = TICKS.load(Acquire);
    loop {
        poll_fn(|cx| {
            critical_section::with(|cs| TICK_WAKER.borrow(cs).replace(Some(cx.waker().clone())));
            let now = TICKS.load(Acquire);
            if now != seen {
                seen = now;
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        if COUNTING.load(Acquire) {
            COUNTED.fetch_add(1, Relaxed);
        }
    }
}

#[mote::task]
async fn low(medium: SendSpawner, high: SendSpawner) {
    println!("thread: start; spawning a medium-priority task");
    medium.must_spawn(medium_hello(high));
    println!("thread: resumes after medium finished");

    println!("thread: computing without yielding...");
    high.must_spawn(high_ticker());
    COUNTING.store(true, Release);
    let mut x = black_box(0x1234_5678u32);
    let mut rounds = 0u32;
    while COUNTED.load(Relaxed) < 10 && rounds < 50_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        rounds += 1;
    }
    COUNTING.store(false, Release);
    black_box(x);
    println!(
        "thread: done; high-priority task counted 10 ticks meanwhile: {}",
        if COUNTED.load(Relaxed) >= 10 {
            "yes"
        } else {
            "no"
        }
    );
    mote_mps2::exit(if COUNTED.load(Relaxed) >= 10 {
        mote_mps2::EXIT_SUCCESS
    } else {
        mote_mps2::EXIT_FAILURE
    })
}

#[entry]
fn main() -> ! {
    let medium = MEDIUM.start(0x80);
    let high = HIGH.start(0x40);

    // SAFETY: only this code touches SYST, before its interrupt is enabled.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(25_000 - 1); // 1 ms at 25 MHz
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    THREAD.run(|spawner| spawner.must_spawn(low(medium, high)))
}
