//! Instructions the firmware spends in its tasks' polls, for the bench figures on the
//! page: SysTick runs free at the core clock (25 MHz on the AN385/AN386; under QEMU's
//! `-icount shift=0` one instruction takes 1 ns, so a count is 40 instructions), and
//! [`metered`] adds the counts of every poll of the future it wraps. Interrupt handlers
//! that run during a poll are counted; the executor's own work and idle time are not.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use core::cell::Cell;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;

use critical_section::Mutex;

/// Instructions per SysTick count under `-icount shift=0` at the MPS2's 25 MHz.
pub const INSTRUCTIONS_PER_COUNT: u64 = 40;
/// SysTick's counter mask (24 bits; it wraps every 0.67 s, far above one poll).
const MASK: u32 = 0x00FF_FFFF;

static COUNTS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// Starts SysTick free-running at the core clock; taking `SYST` keeps anyone else from
/// reprogramming it.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(MASK);
    syst.clear_current();
    syst.enable_counter();
}

/// Runs `future`, adding the SysTick counts of each of its polls to [`instructions`].
/// (A struct, not an `async fn`: an `async fn` would keep both its argument and the
/// pinned copy in its state, doubling the task's static RAM.)
pub fn metered<F: Future>(future: F) -> Metered<F> {
    Metered { future }
}

/// The future of [`metered`].
pub struct Metered<F> {
    future: F,
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: `Metered` never moves it out, has no
        // `Drop` impl, and is `Unpin` only when `F` is (auto trait).
        let future = unsafe { self.map_unchecked_mut(|m| &mut m.future) };
        let start = SYST::get_current();
        let result = future.poll(cx);
        let spent = start.wrapping_sub(SYST::get_current()) & MASK;
        critical_section::with(|cs| {
            let counts = COUNTS.borrow(cs);
            counts.set(counts.get() + u64::from(spent));
        });
        result
    }
}

/// Instructions spent in metered polls so far (valid under `-icount shift=0`).
pub fn instructions() -> u64 {
    critical_section::with(|cs| COUNTS.borrow(cs).get()) * INSTRUCTIONS_PER_COUNT
}
