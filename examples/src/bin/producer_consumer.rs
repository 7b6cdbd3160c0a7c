//! Producer/consumer: a producer task samples a (fake, deterministic) temperature sensor
//! on a 100 ms [`Ticker`] and sends each sample into a capacity-4 [`Channel`]; a consumer
//! task prints every sample and a warning for those above a threshold.
//!
//! ```text
//! producer ──Ticker 100 ms──► sample k ──send().await──► Channel<Sample, 4> ──► consumer
//!                                         (waits while full)                    print, warn
//! ```
//!
//! The consumer is slow on purpose after a warning (it "logs to flash" for 250 ms), so
//! the channel fills and the producer's `send` waits: backpressure, no sample lost. The
//! ticker then skips the ticks it missed (catch-up) and samples at once. Times are
//! printed to 10 ms: every event happens at least 50 ms from a decision boundary, so
//! the output is the same on every run.
//!
//! Run: `cargo xtask qemu producer_consumer`. Expected output:
//! `expected/producer_consumer.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::channel::Channel;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

/// Sampling period.
const PERIOD: Duration = Duration::from_millis(100);
/// Samples the producer takes before it stops.
const SAMPLES: u32 = 16;
/// Temperatures above this (in tenths of a degree) are reported.
const THRESHOLD_DECI_C: i32 = 300;

/// One sensor reading.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Sample number, from 1.
    index: u32,
    /// Milliseconds since the producer started, on the ticker's grid.
    at_ms: u64,
    /// Temperature in tenths of a degree Celsius.
    deci_c: i32,
}

static SAMPLES_CHANNEL: Channel<ThreadModeRawMutex, Sample, 4> = Channel::new();

/// A fake sensor: the readings (tenths of a degree) of a warm spell.
fn read_sensor(index: u32) -> i32 {
    const READINGS: [i32; 16] = [
        241, 255, 262, 270, 284, 297, 305, 318, 322, 309, 296, 281, 275, 266, 258, 250,
    ];
    READINGS[(index as usize - 1) % READINGS.len()]
}

#[mote::task]
async fn producer() {
    let mut ticker = Ticker::every(PERIOD);
    // The grid's origin: the first deadline is one period after it.
    let start = ticker.next_deadline() - PERIOD;
    for index in 1..=SAMPLES {
        ticker.next().await;
        // When the sample was taken, to 10 ms: on the 100 ms grid, or 50 ms after it when
        // the producer caught up after waiting for the (slow) consumer.
        let at_ms = (Instant::now() - start).as_millis() / 10 * 10;
        let sample = Sample {
            index,
            at_ms,
            deci_c: read_sensor(index),
        };
        if SAMPLES_CHANNEL.is_full() {
            println!("producer: channel full at sample {}, waiting", index);
        }
        SAMPLES_CHANNEL.send(sample).await;
    }
    println!("producer: done after {} samples", SAMPLES);
}

#[mote::task]
async fn consumer() {
    let mut warnings = 0;
    let mut last = 0;
    loop {
        let s = SAMPLES_CHANNEL.receive().await;
        let in_order = s.index == last + 1;
        last = s.index;
        println!(
            "sample {:>2} (taken at {:>4} ms): {}.{} C{}",
            s.index,
            s.at_ms,
            s.deci_c / 10,
            s.deci_c % 10,
            if in_order { "" } else { "  (OUT OF ORDER)" }
        );
        if !in_order {
            mote_mps2::exit(mote_mps2::EXIT_FAILURE);
        }
        if s.deci_c > THRESHOLD_DECI_C {
            warnings += 1;
            println!(
                "  WARNING: above {}.{} C; logging it (250 ms)",
                THRESHOLD_DECI_C / 10,
                THRESHOLD_DECI_C % 10
            );
            Timer::after_millis(250).await;
        }
        if s.index == SAMPLES {
            println!(
                "consumer: {} samples, {} warnings, none lost",
                SAMPLES, warnings
            );
            mote_mps2::exit(mote_mps2::EXIT_SUCCESS);
        }
    }
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(consumer());
        spawner.must_spawn(producer());
    })
}
