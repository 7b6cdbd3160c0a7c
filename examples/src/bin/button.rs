//! Button: LED0 blinks from the start; a key pressed on the UART toggles blinking off and
//! on. `b` is the button, `q` ends the program; other keys are ignored. With no keyboard
//! (a pipe, CI) it simply keeps blinking.
//!
//! ```text
//! UART0 RX ─► button task: read a key ─ 'b' ─► BLINK.signal(on/off), then 350 ms hold-off
//!                                      └ 'q' ─► blinking off; LED0 must stay off; exit
//! blinker task: select(BLINK.wait(), ticker.next())
//!                 on  ─► toggle LED0 every 100 ms
//!                 off ─► LED0 off, wait for the next signal
//! ```
//!
//! Blinking starts switched on, as if `b` had just been pressed. After each press (and
//! at start) the button task ignores the line for a hold-off of 350 ms (as a debounce
//! would), while later keys wait in the driver's receive ring. The test input
//! (`input/button.txt`) arrives at once, so each on-phase lasts exactly one hold-off:
//! the blinker toggles LED0 at 100, 200 and 300 ms of it, at least 50 ms from the next
//! press, and the counts printed are the same on every run.
//!
//! Each toggle prints `LED0 on`/`LED0 off`. Run: `cargo xtask qemu button` (or
//! `cargo xtask demo`) and press `b` (then `q`). Expected output:
//! `expected/button.txt`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::digital::{OutputPin, PinState, StatefulOutputPin};
use mote::executor::Executor;
use mote::futures::{select, Either};
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::signal::Signal;
use mote::time::{Duration, Ticker, Timer};
use mote_mps2::fpgaio::Output;
use mote_mps2::serial::{self, Uart, UART0};
use mote_mps2::{bind_interrupts, println};
use portable_atomic::{AtomicU32, Ordering::Relaxed};

bind_interrupts!(struct Irqs {
    UARTRX0 => serial::InterruptHandler<UART0>;
    UARTTX0 => serial::InterruptHandler<UART0>;
});

static EXECUTOR: Executor = Executor::new();

const BLINK_PERIOD: Duration = Duration::from_millis(100);
const HOLD_OFF: Duration = Duration::from_millis(350);

/// `true`: blink; `false`: stop blinking.
static BLINK: Signal<ThreadModeRawMutex, bool> = Signal::new();
/// LED toggles since blinking was last switched on.
static TOGGLES: AtomicU32 = AtomicU32::new(0);

#[mote::task]
async fn blinker(mut led: Output) {
    let mut ticker: Option<Ticker> = None;
    loop {
        let tick = async {
            match ticker.as_mut() {
                Some(t) => t.next().await,
                None => core::future::pending().await,
            }
        };
        let event = select(BLINK.wait(), tick).await;
        match event {
            Either::First(true) => {
                TOGGLES.store(0, Relaxed);
                ticker = Some(Ticker::every(BLINK_PERIOD));
            }
            Either::First(false) => {
                ticker = None;
                let _ = led.set_low();
            }
            Either::Second(()) => {
                let _ = led.toggle();
                TOGGLES.store(TOGGLES.load(Relaxed) + 1, Relaxed);
                println!("LED0 {}", if led0_lit() { "on" } else { "off" });
            }
        }
    }
}

#[mote::task]
async fn button(mut uart: Uart) {
    println!("button: LED0 blinks; press b to toggle blinking, q to quit");
    BLINK.signal(true);
    let mut blinking = true;
    let mut presses = 0;
    Timer::after(HOLD_OFF).await;
    loop {
        let mut key = [0u8; 1];
        match uart.rx().read(&mut key).await {
            Ok(_) => {}
            Err(e) => {
                println!("receive error: {}", e);
                continue;
            }
        }
        match key[0] {
            b'b' => {
                if blinking {
                    // The blinker's count is read before the off signal reaches it.
                    let toggles = TOGGLES.load(Relaxed);
                    BLINK.signal(false);
                    blinking = false;
                    mote::futures::yield_now().await; // let the blinker switch LED0 off
                    println!(
                        "button: blinking off after {} toggles (LED0 {})",
                        toggles,
                        if led0_lit() { "on" } else { "off" }
                    );
                } else {
                    BLINK.signal(true);
                    blinking = true;
                    println!("button: blinking on");
                }
                presses += 1;
                Timer::after(HOLD_OFF).await;
            }
            b'q' => {
                if blinking {
                    BLINK.signal(false);
                }
                // Switched off, the blinker must leave LED0 alone: watch it for a while.
                let toggles = TOGGLES.load(Relaxed);
                Timer::after(HOLD_OFF).await;
                let clean = TOGGLES.load(Relaxed) == toggles && !led0_lit();
                println!(
                    "button: {} presses; LED0 stays off: {}; bye",
                    presses,
                    if clean { "yes" } else { "no" }
                );
                mote_mps2::exit(if clean {
                    mote_mps2::EXIT_SUCCESS
                } else {
                    mote_mps2::EXIT_FAILURE
                });
            }
            _ => {}
        }
    }
}

/// Whether LED0 is lit, read back from the board's register.
fn led0_lit() -> bool {
    mote_mps2::fpgaio::lit() & 1 != 0
}

#[entry]
fn main() -> ! {
    let p = mote_mps2::Peripherals::take().unwrap();
    let led = Output::new(p.LED0, PinState::Low);
    let uart = Uart::new(p.UART0, Irqs);
    EXECUTOR.run(|spawner| {
        spawner.must_spawn(blinker(led));
        spawner.must_spawn(button(uart));
    })
}
