//! The board's two user LEDs, shared by the HTTP tasks.

use core::cell::RefCell;

use critical_section::Mutex;
use embedded_hal::digital::{PinState, StatefulOutputPin};
use mote_mps2::fpgaio::{Led, Output, LED_COUNT};

static LEDS: Mutex<RefCell<Option<[Output; LED_COUNT as usize]>>> = Mutex::new(RefCell::new(None));

/// Takes the LEDs (dark) for [`toggle`] and [`lit`].
pub fn init(led0: Led<0>, led1: Led<1>) {
    let leds = [
        Output::new(led0, PinState::Low),
        Output::new(led1, PinState::Low),
    ];
    critical_section::with(|cs| *LEDS.borrow_ref_mut(cs) = Some(leds));
}

/// Toggles LED `n`; its new state (`true` = lit), or `None` when there is no LED `n`
/// (or [`init`] was not called).
pub fn toggle(n: usize) -> Option<bool> {
    critical_section::with(|cs| {
        let mut leds = LEDS.borrow_ref_mut(cs);
        let led = leds.as_mut()?.get_mut(n)?;
        led.toggle().ok()?;
        led.is_set_high().ok()
    })
}

/// Whether LED `n` is lit (read back from the board's register).
pub fn lit(n: usize) -> bool {
    n < 32 && mote_mps2::fpgaio::lit() & (1 << n) != 0
}
