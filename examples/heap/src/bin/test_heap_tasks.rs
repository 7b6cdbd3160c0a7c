//! Firmware test of heap tasks (`mote/alloc`) beside static tasks on one executor, with
//! `embedded-alloc` as the global allocator:
//! - static and heap tasks share the run queue in FIFO turns (a fixed order);
//! - heap tasks sleep on timers beside a static sleeper and wake in deadline order;
//! - filling the heap gives `SpawnError::HeapFull` (no panic), and once those tasks
//!   finish the allocator is back where it started (`used()`), as after 1000 more;
//! - the cost of a heap spawn + run + finish against a static one, in instructions
//!   (SysTick on the core clock: one count is 40 instructions under `-icount shift=0`;
//!   n = 1000 iterations of each, so the figures are exact to 0.04 instruction), and the
//!   allocator's own share (an allocation and a free of a task's size).
//!
//! Exits 0 when every check holds. Runs on thumbv7m, thumbv6m and thumbv7em.
#![no_std]
#![no_main]

extern crate alloc;

use core::cell::RefCell;
use core::mem::MaybeUninit;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::entry;
use critical_section::Mutex;
use embedded_alloc::LlffHeap as Heap;
use mote::executor::Executor;
use mote::futures::yield_now;
use mote::time::{Duration, Timer};
use mote::{SpawnError, Spawner};
use mote_mps2::{exit, println, EXIT_FAILURE, EXIT_SUCCESS};
use portable_atomic::{AtomicBool, AtomicU32, Ordering};

#[global_allocator]
static HEAP: Heap = Heap::empty();
const HEAP_SIZE: usize = 8 * 1024;

static EXECUTOR: Executor = Executor::new();

/// Which task bodies ran, in order.
static ORDER: Mutex<RefCell<([u8; 32], usize)>> = Mutex::new(RefCell::new(([0; 32], 0)));

fn record(name: u8) {
    critical_section::with(|cs| {
        let mut o = ORDER.borrow(cs).borrow_mut();
        let i = o.1;
        if i < o.0.len() {
            o.0[i] = name;
        }
        o.1 += 1;
    });
}

fn take_order() -> ([u8; 32], usize) {
    critical_section::with(|cs| core::mem::take(&mut *ORDER.borrow(cs).borrow_mut()))
}

fn check(ok: bool, what: &str) {
    if !ok {
        println!("FAIL: {}", what);
        exit(EXIT_FAILURE);
    }
    println!("ok: {}", what);
}

static DONE: AtomicU32 = AtomicU32::new(0);

#[mote::task(pool_size = 2)]
async fn static_yielder(name: u8) {
    for _ in 0..2 {
        record(name);
        yield_now().await;
    }
    record(name);
    DONE.fetch_add(1, Ordering::Relaxed);
}

#[mote::task]
async fn static_sleeper(ms: u64) {
    Timer::after(Duration::from_millis(ms)).await;
    record(b'S');
    DONE.fetch_add(1, Ordering::Relaxed);
}

#[mote::task(pool_size = 4)]
async fn nop() {}

static RELEASE: AtomicBool = AtomicBool::new(false);

/// SysTick counting down on the core clock, no interrupt (the time driver uses the
/// CMSDK timer, not SysTick).
fn start_systick() {
    // SAFETY: only this test touches SYST, here before measuring and by reads after.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.disable_interrupt();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(0x00FF_FFFF);
    syst.clear_current();
    syst.enable_counter();
}

fn counts_since(t0: u32) -> u32 {
    t0.wrapping_sub(SYST::get_current()) & 0x00FF_FFFF
}

/// Prints `counts` for `n` iterations as instructions per iteration, two decimals.
fn print_per_iter(what: &str, counts: u32, n: u32) {
    let centi = counts as u64 * 40 * 100 / n as u64;
    println!("{}: {}.{:02} instructions", what, centi / 100, centi % 100);
}

#[mote::task]
async fn main_task(spawner: Spawner) {
    let heap_start = HEAP.used();

    // 1. FIFO turns: static A, heap x, static B, heap y, each running three turns.
    spawner.must_spawn(static_yielder(b'A'));
    for name in [b'x', b'y'] {
        let spawned = spawner.spawn_boxed("yielder", async move {
            for _ in 0..2 {
                record(name);
                yield_now().await;
            }
            record(name);
            DONE.fetch_add(1, Ordering::Relaxed);
        });
        check(spawned.is_ok(), "heap task spawned");
        if name == b'x' {
            spawner.must_spawn(static_yielder(b'B'));
        }
    }
    while DONE.load(Ordering::Relaxed) < 4 {
        yield_now().await;
    }
    let (order, len) = take_order();
    check(
        len == 12 && &order[..12] == b"AxByAxByAxBy",
        "static and heap tasks run in FIFO turns",
    );
    check(
        HEAP.used() == heap_start,
        "finished heap tasks freed their memory",
    );

    // 2. Timers: heap sleepers of 30, 10 and 20 ms beside a static one of 15 ms.
    DONE.store(0, Ordering::Relaxed);
    for (name, ms) in [(b'3', 30u64), (b'1', 10), (b'2', 20)] {
        spawner
            .spawn_boxed("sleeper", async move {
                Timer::after(Duration::from_millis(ms)).await;
                record(name);
                DONE.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
    }
    spawner.must_spawn(static_sleeper(15));
    Timer::after(Duration::from_millis(40)).await;
    let (order, len) = take_order();
    check(
        DONE.load(Ordering::Relaxed) == 4 && len == 4 && &order[..4] == b"1S23",
        "heap and static sleepers wake in deadline order",
    );
    check(HEAP.used() == heap_start, "sleepers freed their memory");

    // 3. A full heap: tasks holding 1 KiB each until released, until the heap says no.
    let mut held = 0u32;
    let mut size: u32;
    let full = loop {
        let block = [0u8; 1024];
        let holder = async move {
            while !RELEASE.load(Ordering::Relaxed) {
                yield_now().await;
            }
            core::hint::black_box(&block);
        };
        size = core::mem::size_of_val(&holder) as u32;
        let spawned = spawner.spawn_boxed("holder", holder);
        match spawned {
            Ok(()) => held += 1,
            Err(e) => break e,
        }
        if held > 100 {
            break SpawnError::Busy; // the heap never filled: wrong
        }
    };
    check(
        full == SpawnError::HeapFull,
        "a full heap gives SpawnError::HeapFull",
    );
    println!("held {} tasks of {} bytes", held, size);
    check(
        held * size <= HEAP_SIZE as u32 && (held + 2) * size > HEAP_SIZE as u32,
        "the heap filled up to within two tasks",
    );
    RELEASE.store(true, Ordering::Relaxed);
    yield_now().await;
    yield_now().await;
    check(
        HEAP.used() == heap_start,
        "the heap is back where it started",
    );
    spawner
        .spawn_boxed("after", async { record(b'!') })
        .unwrap();
    yield_now().await;
    check(take_order().1 == 1, "spawning works again after HeapFull");

    // 4. 1000 heap tasks, spawned and finished in rounds of 10.
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let count = &COUNT;
    for _ in 0..100 {
        for _ in 0..10 {
            spawner
                .spawn_boxed("many", async move {
                    yield_now().await;
                    count.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap();
        }
        for _ in 0..3 {
            yield_now().await;
        }
    }
    check(count.load(Ordering::Relaxed) == 1000, "1000 heap tasks ran");
    check(HEAP.used() == heap_start, "and gave all their memory back");

    // 5. Cost: spawn + run + finish, static against heap, n = 1000 each, minus the
    //    loop with no spawn (the measuring task's own yield).
    const N: u32 = 1000;
    start_systick();
    let t0 = SYST::get_current();
    for _ in 0..N {
        yield_now().await;
    }
    let base = counts_since(t0);
    let t0 = SYST::get_current();
    for _ in 0..N {
        spawner.must_spawn(nop());
        yield_now().await;
    }
    let stat = counts_since(t0);
    let t0 = SYST::get_current();
    for _ in 0..N {
        let _ = spawner.spawn_boxed("nop", async {});
        yield_now().await;
    }
    let heap = counts_since(t0);
    check(HEAP.used() == heap_start, "measured heap tasks freed");
    // The allocator's share: one allocation and one free of a heap task's size.
    let t0 = SYST::get_current();
    for _ in 0..N {
        // SAFETY: a non-zero-sized layout; the block is freed at once with it.
        unsafe {
            let layout = core::alloc::Layout::from_size_align_unchecked(48, 4);
            let p = alloc::alloc::alloc(core::hint::black_box(layout));
            alloc::alloc::dealloc(p, layout);
        }
    }
    let allocator = counts_since(t0);
    print_per_iter("yield loop alone", base, N);
    print_per_iter("static spawn + run + finish", stat - base, N);
    print_per_iter("heap spawn + run + finish", heap - base, N);
    print_per_iter(
        "of which the allocator (alloc + free, 48 bytes)",
        allocator,
        N,
    );
    exit(EXIT_SUCCESS)
}

#[entry]
fn main() -> ! {
    static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
    // SAFETY: `HEAP_MEM` is this `entry`'s own static (cortex-m-rt hands out a unique
    // `&mut`), given to the allocator once, before any allocation.
    unsafe { HEAP.init(HEAP_MEM.as_mut_ptr() as usize, HEAP_SIZE) }
    EXECUTOR.run(|spawner| spawner.must_spawn(main_task(spawner)))
}
