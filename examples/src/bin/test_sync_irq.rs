//! Firmware test: an interrupt storm feeds a `Channel` and a `Signal` for one second of
//! emulated time while thread-mode tasks consume, and nothing is lost, duplicated or
//! reordered.
//!
//! ```text
//! CMSDK TIMER0 (every PERIOD_CYCLES = 20 µs: 50 kHz) ──► TIMER0 line:
//!     timer::InterruptHandler (acknowledge, count), then Storm: seq += 1
//!                                          ├─ CHANNEL.try_send(seq)  Ok → SENT bit, sent_ok
//!                                          │                         Err(full) → send_failed
//!                                          └─ SIGNAL.signal(seq)     (latest value wins)
//! consumer 0 ─┐ CHANNEL.receive() → RECEIVED bit (must be new), seq > its last
//! consumer 1 ─┘
//! watcher     SIGNAL.wait() → seq > its last
//! scenario    start TIMER0, Timer::after(1 s), stop the storm; measure the storm's length
//!             with `Instant` (mote's time driver on the CMSDK dual timer)
//! ```
//!
//! Events are handler runs. QEMU 7.2 with `-icount sleep=off` drops about every other
//! expiry of a short periodic CMSDK timer while the CPU idles (see `xtask/src/firmware.rs`;
//! measured here: about 26 000 runs in the second), so the count is measured, not
//! assumed: at least `MIN_EVENTS` in the second, i.e. 10 kHz on average.
//! Every 32nd value it takes, consumer 0 stays busy without yielding until a `try_send`
//! found the capacity-4 channel full, so the full path is taken many times; failed sends
//! are counted, never retried.
//!
//! Checks once the storm is over: it lasted at least 1 s of emulated time and ran at
//! least `MIN_EVENTS` times; some sends failed; every successful send was received
//! exactly once (the bitmaps are equal, and `received == sent_ok`), each consumer saw
//! increasing sequence numbers, `sent_ok + send_failed == events`, and the signal watcher
//! saw increasing values ending with the last event. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::channel::Channel;
use mote::sync::signal::Signal;
use mote::time::{Duration, Instant, Timer};
use mote_mps2::binding::{line, Handler};
use mote_mps2::testing::Checks;
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};
use mote_mps2::{bind_interrupts, println};
use portable_atomic::{AtomicBool, AtomicU32};

// TIMER0's vector acknowledges the timer, then runs the storm's work.
bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>, Storm;
});

static EXECUTOR: Executor = Executor::new();

/// Storm length, in emulated time.
const STORM: Duration = Duration::from_secs(1);
/// TIMER0 period in APB cycles (25 MHz): 20 µs, a 50 kHz interrupt.
const PERIOD_CYCLES: u32 = 500;
/// Fewest handler runs the storm must make in `STORM` (10 kHz on average).
const MIN_EVENTS: u32 = 10_000;
/// Most handler runs the bitmaps can account for (the storm stops counting beyond).
const MAX_EVENTS: u32 = 65_536;
/// Bound on the drain wait (executor rounds).
const MAX_ROUNDS: u32 = 20_000_000;
/// Bound on one busy phase of consumer 0.
const MAX_SPINS: u32 = 10_000_000;
const WORDS: usize = (MAX_EVENTS as usize + 1).div_ceil(32);

static CHANNEL: Channel<CriticalSectionRawMutex, u32, 4> = Channel::new();
static SIGNAL: Signal<CriticalSectionRawMutex, u32> = Signal::new();

/// Written by the storm handler only.
static SEQ: AtomicU32 = AtomicU32::new(0);
static SENT_OK: AtomicU32 = AtomicU32::new(0);
static SEND_FAILED: AtomicU32 = AtomicU32::new(0);
static OVERFLOW: AtomicBool = AtomicBool::new(false);
/// Set by the scenario: the handler does nothing more afterwards.
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

/// The storm's work, run in TIMER0's interrupt after the timer driver acknowledged it.
struct Storm;

impl Handler<line::TIMER0> for Storm {
    unsafe fn on_interrupt() {
        if STORM_OVER.load(Acquire) {
            return; // an expiry that raced with the end of the storm
        }
        let seq = SEQ.load(Relaxed);
        if seq >= MAX_EVENTS {
            OVERFLOW.store(true, Relaxed);
            return;
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
    let p = mote_mps2::Peripherals::take().unwrap();

    let start = Instant::now();
    let storm = PeriodicTimer::new(p.TIMER0, Irqs, PERIOD_CYCLES);
    Timer::after(STORM).await;
    // The handler preempts thread mode: once this store is done, no run sends any more.
    STORM_OVER.store(true, Release);
    let lasted = Instant::now() - start;
    storm.stop();
    let events = SEQ.load(Acquire);
    let sent_ok = SENT_OK.load(Acquire);
    let failed = SEND_FAILED.load(Acquire);

    // Let the consumers and the watcher drain what the storm left.
    let mut rounds = 0;
    while (RECEIVED_COUNT.load(Acquire) < sent_ok || SIGNAL_LAST.load(Acquire) != events)
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
        "storm: {} ms emulated, {} events ({} per s)",
        lasted.as_millis(),
        events,
        u64::from(events) * 1_000_000 / lasted.as_micros().max(1)
    );
    println!(
        "sent {}, send failed (channel full) {}, received {} ({} + {})",
        sent_ok,
        failed,
        received,
        PER_CONSUMER[0].load(Relaxed),
        PER_CONSUMER[1].load(Relaxed)
    );
    checks.check("the storm lasted 1 s of emulated time", lasted >= STORM);
    checks.check(
        "the storm ran at 10 kHz or more on average",
        events >= MIN_EVENTS,
    );
    checks.check(
        "the bitmaps accounted for every event",
        !OVERFLOW.load(Relaxed),
    );
    checks.check(
        "every event was sent or counted failed",
        sent_ok + failed == events,
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
        SIGNAL_LAST.load(Relaxed) == events && (1..=events).contains(&takes),
    );
    checks.check("nothing left in the signal", !SIGNAL.signaled());
    checks.finish()
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
