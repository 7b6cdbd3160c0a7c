//! Firmware test: an interrupt storm feeds a `Channel` and a `Signal` while thread-mode
//! tasks consume, and nothing is lost, duplicated or reordered.
//!
//! ```text
//! SysTick (every TICK_CYCLES) ──pend──► I2S handler: seq += 1
//!                                          ├─ CHANNEL.try_send(seq)  Ok → SENT bit, sent_ok
//!                                          │                         Err(full) → send_failed
//!                                          └─ SIGNAL.signal(seq)     (latest value wins)
//! consumer 0 ─┐ CHANNEL.receive() → RECEIVED bit (must be new), seq > its last
//! consumer 1 ─┘
//! watcher     SIGNAL.wait() → seq > its last
//! ```
//!
//! The storm lasts exactly `EVENTS` handler runs (pends that merge while the line is
//! already pending count once: events are handler runs). Every 32nd value it takes,
//! consumer 0 stays busy without yielding until a `try_send` found the capacity-4 channel
//! full, so the full path is taken many times; failed sends are counted, never retried.
//!
//! Checks once the storm is over: some sends failed; every successful send was received
//! exactly once (the bitmaps are equal, and `received == sent_ok`), each consumer saw
//! increasing sequence numbers, `sent_ok + send_failed == EVENTS`, and the signal watcher
//! saw increasing values ending with the last event. `I2S` is a line QEMU's AN385 drives
//! from no device. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::NVIC;
use cortex_m_rt::{entry, exception};
use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::channel::Channel;
use mote::sync::signal::Signal;
use mote_mps2::testing::Checks;
use mote_mps2::{interrupt, println};
use portable_atomic::{AtomicBool, AtomicU32};

static EXECUTOR: Executor = Executor::new();

/// Handler runs (events) in the storm.
const EVENTS: u32 = 3000;
/// SysTick period in core cycles: a tick every 20 µs of the virtual 25 MHz clock.
const TICK_CYCLES: u32 = 500;
/// Bound on the waits for the storm's end and the drain (executor rounds).
const MAX_ROUNDS: u32 = 20_000_000;
/// Bound on one busy phase of consumer 0.
const MAX_SPINS: u32 = 10_000_000;
const WORDS: usize = (EVENTS as usize + 1).div_ceil(32);

static CHANNEL: Channel<CriticalSectionRawMutex, u32, 4> = Channel::new();
static SIGNAL: Signal<CriticalSectionRawMutex, u32> = Signal::new();

/// Written by the I2S handler only.
static SEQ: AtomicU32 = AtomicU32::new(0);
static SENT_OK: AtomicU32 = AtomicU32::new(0);
static SEND_FAILED: AtomicU32 = AtomicU32::new(0);
static STORM_OVER: AtomicBool = AtomicBool::new(false);
/// Bit `seq` set: `seq` went into the channel (handler) / came out of it (consumers).
static SENT: [AtomicU32; WORDS] = [const { AtomicU32::new(0) }; WORDS];
static RECEIVED: [AtomicU32; WORDS] = [const { AtomicU32::new(0) }; WORDS];

/// Written by the tasks.
static RECEIVED_COUNT: AtomicU32 = AtomicU32::new(0);
static DUPLICATES: AtomicU32 = AtomicU32::new(0);
static OUT_OF_ORDER: AtomicU32 = AtomicU32::new(0);
static PER_CONSUMER: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];
static SIGNAL_TAKES: AtomicU32 = AtomicU32::new(0);
static SIGNAL_LAST: AtomicU32 = AtomicU32::new(0);
static SIGNAL_NOT_INCREASING: AtomicU32 = AtomicU32::new(0);

/// Sets bit `n` in `bits` (single writer per bitmap at a time: no read-modify-write
/// atomics needed, which thumbv6m lacks); returns whether it was set already.
fn set_bit(bits: &[AtomicU32; WORDS], n: u32) -> bool {
    let (word, bit) = ((n / 32) as usize, 1u32 << (n % 32));
    let old = bits[word].load(Relaxed);
    bits[word].store(old | bit, Relaxed);
    old & bit != 0
}

#[exception]
fn SysTick() {
    NVIC::pend(interrupt::I2S);
}

#[interrupt]
fn I2S() {
    let seq = SEQ.load(Relaxed);
    if seq >= EVENTS {
        return; // a pend that raced with the end of the storm
    }
    let seq = seq + 1;
    SEQ.store(seq, Relaxed);
    match CHANNEL.try_send(seq) {
        Ok(()) => {
            set_bit(&SENT, seq);
            SENT_OK.store(SENT_OK.load(Relaxed) + 1, Relaxed);
        }
        Err(_) => SEND_FAILED.store(SEND_FAILED.load(Relaxed) + 1, Relaxed),
    }
    SIGNAL.signal(seq);
    if seq == EVENTS {
        // SAFETY: only this handler stops SysTick, and `main` configured it before the
        // executor started; stopping a running counter races with nothing.
        let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
        syst.disable_interrupt();
        syst.disable_counter();
        STORM_OVER.store(true, Release);
    }
}

#[mote::task(pool_size = 2)]
async fn consumer(id: usize) {
    let mut last = 0;
    loop {
        let seq = CHANNEL.receive().await;
        // Bookkeeping happens in the same poll as the receive: a task that read
        // RECEIVED_COUNT sees every taken value accounted for.
        // Both consumers run in thread mode, one at a time: a single writer.
        if set_bit(&RECEIVED, seq) {
            DUPLICATES.fetch_add(1, Relaxed);
        }
        if seq <= last {
            OUT_OF_ORDER.fetch_add(1, Relaxed);
        }
        last = seq;
        let taken = PER_CONSUMER[id].fetch_add(1, Relaxed) + 1;
        RECEIVED_COUNT.fetch_add(1, Release);
        if id == 0 && taken.is_multiple_of(32) {
            // Busy without yielding until the storm found the channel full (bounded, so
            // a stopped storm cannot hang the test).
            let failed = SEND_FAILED.load(Acquire);
            let mut spins = 0u32;
            while SEND_FAILED.load(Acquire) == failed && !STORM_OVER.load(Acquire) {
                spins = black_box(spins + 1);
                if spins == MAX_SPINS {
                    break;
                }
            }
        }
    }
}

#[mote::task]
async fn watcher() {
    loop {
        let seq = SIGNAL.wait().await;
        if seq <= SIGNAL_LAST.load(Relaxed) {
            SIGNAL_NOT_INCREASING.fetch_add(1, Relaxed);
        }
        SIGNAL_LAST.store(seq, Release);
        SIGNAL_TAKES.fetch_add(1, Relaxed);
    }
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_sync_irq");
    // SAFETY: no critical section in this program relies on the I2S line being masked.
    unsafe { NVIC::unmask(interrupt::I2S) };
    start_systick();

    let mut rounds = 0;
    while !STORM_OVER.load(Acquire) && rounds < MAX_ROUNDS {
        mote::futures::yield_now().await;
        rounds += 1;
    }
    checks.check("the storm ended", STORM_OVER.load(Acquire));
    let sent_ok = SENT_OK.load(Acquire);
    let failed = SEND_FAILED.load(Acquire);
    // Let the consumers and the watcher drain what the storm left.
    while (RECEIVED_COUNT.load(Acquire) < sent_ok || SIGNAL_LAST.load(Acquire) != EVENTS)
        && rounds < MAX_ROUNDS
    {
        mote::futures::yield_now().await;
        rounds += 1;
    }
    // Anything received beyond sent_ok would show up after a few more rounds.
    for _ in 0..10 {
        mote::futures::yield_now().await;
    }

    let received = RECEIVED_COUNT.load(Acquire);
    println!(
        "events {}, sent {}, send failed (channel full) {}, received {} ({} + {})",
        EVENTS,
        sent_ok,
        failed,
        received,
        PER_CONSUMER[0].load(Relaxed),
        PER_CONSUMER[1].load(Relaxed)
    );
    checks.check(
        "every event was sent or counted failed",
        sent_ok + failed == EVENTS,
    );
    checks.check(
        "the channel filled up at times (try_send failed)",
        failed > 0,
    );
    checks.check("received == sent", received == sent_ok);
    checks.check(
        "received exactly the sent sequence numbers",
        (0..WORDS).all(|w| SENT[w].load(Relaxed) == RECEIVED[w].load(Relaxed)),
    );
    checks.check("no duplicates", DUPLICATES.load(Relaxed) == 0);
    checks.check(
        "each consumer saw increasing numbers",
        OUT_OF_ORDER.load(Relaxed) == 0,
    );
    checks.check(
        "both consumers took part",
        PER_CONSUMER.iter().all(|c| c.load(Relaxed) > 0),
    );
    checks.check("the channel is empty", CHANNEL.is_empty());
    let takes = SIGNAL_TAKES.load(Relaxed);
    println!(
        "signal: {} values taken, last {}",
        takes,
        SIGNAL_LAST.load(Relaxed)
    );
    checks.check(
        "signal values increasing",
        SIGNAL_NOT_INCREASING.load(Relaxed) == 0,
    );
    checks.check(
        "signal: last value is the last event",
        SIGNAL_LAST.load(Relaxed) == EVENTS && (1..=EVENTS).contains(&takes),
    );
    checks.check("nothing left in the signal", !SIGNAL.signaled());
    checks.finish()
}

/// Starts SysTick, the storm's source: an interrupt every [`TICK_CYCLES`] core cycles.
fn start_systick() {
    // SAFETY: SYST is configured here, once, before its interrupt is enabled; afterwards
    // only the I2S handler touches it (to stop it).
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(TICK_CYCLES - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(consumer(0));
        spawner.must_spawn(consumer(1));
        spawner.must_spawn(watcher());
        spawner.must_spawn(scenario());
    })
}
