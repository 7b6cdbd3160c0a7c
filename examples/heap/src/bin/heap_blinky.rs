//! Heap blinky: the blinky schedule written with heap tasks (`mote/alloc`) instead of a
//! `#[mote::task]` function: each LED's blinker is an `async move` block that captures
//! its LED and its schedule, spawned by name with `spawner.spawn_boxed("ld1", ..)`. No
//! task pool is declared; each block's memory comes from `embedded-alloc` and is freed
//! when the block finishes. A full heap would be an error value (`SpawnError::HeapFull`),
//! reported by `?`-style handling below, not a panic. Stops after 2.1 s and exits 0.
//!
//! Run: `cargo xtask qemu heap_blinky`. Expected output: `expected/heap_blinky.txt`.
#![no_std]
#![no_main]

use core::mem::MaybeUninit;

use cortex_m_rt::entry;
use embedded_alloc::LlffHeap as Heap;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote::executor::Executor;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote::Spawner;
use mote_mps2::fpgaio::Output;
use mote_mps2::println;

#[global_allocator]
static HEAP: Heap = Heap::empty();
const HEAP_SIZE: usize = 2 * 1024;

static EXECUTOR: Executor = Executor::new();

/// Spawns a heap task that toggles `led` every `period_ms`, `toggles` times, after
/// waiting `offset_ms` from `start`.
fn spawn_blinker(
    spawner: Spawner,
    name: &'static str,
    mut led: Output,
    start: Instant,
    offset_ms: u64,
    period_ms: u64,
    toggles: u32,
) -> Result<(), mote::SpawnError> {
    spawner.spawn_boxed(name, async move {
        Timer::at(start + Duration::from_millis(offset_ms)).await;
        let mut ticker = Ticker::every(Duration::from_millis(period_ms));
        for _ in 0..toggles {
            ticker.next().await;
            let _ = led.toggle();
            let on = led.is_set_high() == Ok(true);
            println!(
                "[{:>5} ms] {} {}",
                start.elapsed().as_millis(),
                name,
                if on { "on" } else { "off" }
            );
        }
    })
}

#[mote::task]
async fn app(spawner: Spawner) {
    let p = mote_mps2::Peripherals::take().unwrap();
    let ld1 = Output::new(p.LED0, PinState::Low);
    let ld2 = Output::new(p.LED1, PinState::Low);
    println!("heap_blinky: ld1 every 200 ms, ld2 every 300 ms from 50 ms");
    let start = Instant::now();
    let spawned = spawn_blinker(spawner, "ld1", ld1, start, 0, 200, 10)
        .and_then(|()| spawn_blinker(spawner, "ld2", ld2, start, 50, 300, 6));
    if let Err(e) = spawned {
        println!("heap_blinky: {}", e);
        mote_mps2::exit(mote_mps2::EXIT_FAILURE)
    }
    Timer::at(start + Duration::from_millis(2_100)).await;
    println!("heap_blinky: done, heap in use: {} bytes", HEAP.used());
    mote_mps2::exit(mote_mps2::EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
    // SAFETY: `HEAP_MEM` is this `entry`'s own static (cortex-m-rt hands out a unique
    // `&mut`), given to the allocator once, before any allocation.
    unsafe { HEAP.init(HEAP_MEM.as_mut_ptr() as usize, HEAP_SIZE) }
    EXECUTOR.run(|spawner| spawner.must_spawn(app(spawner)))
}
