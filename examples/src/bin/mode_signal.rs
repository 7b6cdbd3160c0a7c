//! Mode changes over a [`Signal`]: a controller task sets the operating mode, a worker
//! task blinks LED0 the way the current mode says and switches at once when a new mode
//! is signalled, even in the middle of a period.
//!
//! ```text
//! controller ──MODE.signal(m)──► Signal<Mode> ──wait()──┐
//!                                                       ▼
//! worker: select(MODE.wait(), ticker.next()) ─ mode ─► new ticker, report the old mode
//!                                            └ tick ─► toggle LED0
//! ```
//!
//! A signal keeps only the latest value: when the controller changes its mind (two modes
//! signalled back to back, with no await between), the worker only ever sees the second.
//! Every mode change happens at least 50 ms away from a blink, so the counts printed are
//! the same on every run.
//!
//! Run: `cargo xtask qemu mode_signal`. Expected output: `expected/mode_signal.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote::executor::Executor;
use mote::futures::{select, Either};
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::signal::Signal;
use mote::time::{Duration, Ticker, Timer};
use mote_mps2::fpgaio::Output;
use mote_mps2::println;

static EXECUTOR: Executor = Executor::new();

/// What the worker does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// LED off, no blinking.
    Off,
    /// Toggle every 250 ms.
    Slow,
    /// Toggle every 100 ms.
    Fast,
    /// Report and end the program.
    Stop,
}

impl Mode {
    /// The blink half-period, if the mode blinks.
    fn period(self) -> Option<Duration> {
        match self {
            Mode::Slow => Some(Duration::from_millis(250)),
            Mode::Fast => Some(Duration::from_millis(100)),
            Mode::Off | Mode::Stop => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Slow => "slow",
            Mode::Fast => "fast",
            Mode::Stop => "stop",
        }
    }
}

static MODE: Signal<ThreadModeRawMutex, Mode> = Signal::new();

#[mote::task]
async fn controller() {
    // (wait before the change, new mode)
    const SCRIPT: [(u64, Mode); 4] = [
        (0, Mode::Slow),
        (1100, Mode::Fast),
        (550, Mode::Off),
        (400, Mode::Slow),
    ];
    for (wait_ms, mode) in SCRIPT {
        Timer::after_millis(wait_ms).await;
        println!("controller: {}", mode.name());
        MODE.signal(mode);
    }
    Timer::after_millis(600).await;
    // Changes its mind: only the latest value reaches the worker.
    println!("controller: fast ... no, stop");
    MODE.signal(Mode::Fast);
    MODE.signal(Mode::Stop);
}

#[mote::task]
async fn worker() {
    let p = mote_mps2::Peripherals::take().unwrap();
    let mut led = Output::new(p.LED0, PinState::Low);
    let mut mode = Mode::Off;
    let mut ticker: Option<Ticker> = None;
    let mut toggles = 0u32;
    let mut changes = 0u32;
    loop {
        // In a mode without blinking the worker only waits for the next mode.
        let tick = async {
            match ticker.as_mut() {
                Some(t) => t.next().await,
                None => core::future::pending().await,
            }
        };
        let event = select(MODE.wait(), tick).await;
        match event {
            Either::First(new) => {
                changes += 1;
                println!(
                    "worker:     {} toggles in mode {} (LED0 {}); now {}",
                    toggles,
                    mode.name(),
                    if led.is_set_high() == Ok(true) {
                        "on"
                    } else {
                        "off"
                    },
                    new.name()
                );
                mode = new;
                toggles = 0;
                ticker = mode.period().map(Ticker::every);
                if mode == Mode::Off {
                    let _ = embedded_hal::digital::OutputPin::set_low(&mut led);
                }
                if mode == Mode::Stop {
                    println!("worker: {} mode changes seen; bye", changes);
                    mote_mps2::exit(mote_mps2::EXIT_SUCCESS);
                }
            }
            Either::Second(()) => {
                let _ = led.toggle();
                toggles += 1;
            }
        }
    }
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(worker());
        spawner.must_spawn(controller());
    })
}
