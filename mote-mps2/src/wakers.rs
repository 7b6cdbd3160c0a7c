//! The per-interrupt-line waker table: one waker slot per NVIC line, the meeting point of
//! a driver's futures (which register) and its interrupt handler (which wakes).
//!
//! Guarantees:
//! - A wake is never lost: a future registers its waker *before* its final check of the
//!   hardware/driver state, and the handler updates that state *before* waking; so
//!   either the future's check sees the update or the handler sees the waker.
//! - One waiter per line: registering replaces the previous waker (the slot holds one).
//!   Drivers give each line a single waiting party (for example `UartRx` waits on the RX
//!   line, `UartTx` on the TX line).
//!
//! ## The pattern for a new driver
//!
//! ```text
//! task: poll_fn(|cx| {                      IRQ handler (Handler<L>::on_interrupt):
//!   if ready()  { return Ready }              acknowledge the source (W1C), move data
//!   line_waker(L).register(cx.waker());       make ready() true
//!   if ready()  { return Ready }  // re-check  line_waker(L).wake();
//!   Pending
//! })
//! ```
//!
//! 1. Define a zero-sized `InterruptHandler<Instance>` and implement
//!    [`Handler<line::X>`](crate::binding::Handler) for it: acknowledge, move data, then
//!    [`LineWaker::wake`] the line's slot.
//! 2. Take `impl Binding<line::X, InterruptHandler<Instance>>` in the constructor, and
//!    unmask the line there.
//! 3. In each future: check, [`LineWaker::register`], check again, `Pending`.
//!
//! ```no_run
//! use core::future::poll_fn;
//! use core::task::Poll;
//! use mote_mps2::{wakers::line_waker, Interrupt};
//!
//! # fn ready() -> bool { true }
//! # async fn wait() {
//! poll_fn(|cx| {
//!     if ready() {
//!         return Poll::Ready(());
//!     }
//!     line_waker(Interrupt::TIMER0).register(cx.waker());
//!     if ready() { Poll::Ready(()) } else { Poll::Pending }
//! })
//! .await
//! # }
//! ```

use core::cell::RefCell;
use core::task::Waker;

use critical_section::Mutex;

use crate::Interrupt;

/// One waker slot. Every operation is a short critical section (a waker clone or take).
#[derive(Debug)]
pub struct LineWaker {
    waker: Mutex<RefCell<Option<Waker>>>,
}

impl LineWaker {
    /// An empty slot.
    ///
    /// ```no_run
    /// let slot = mote_mps2::wakers::LineWaker::new();
    /// slot.wake(); // nothing registered: no effect
    /// ```
    pub const fn new() -> Self {
        Self {
            waker: Mutex::new(RefCell::new(None)),
        }
    }

    /// Stores `waker` (replacing an earlier one unless it wakes the same task).
    pub fn register(&self, waker: &Waker) {
        critical_section::with(|cs| {
            let mut slot = self.waker.borrow_ref_mut(cs);
            match &*slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        });
    }

    /// Wakes and removes the stored waker, if any.
    pub fn wake(&self) {
        // Take it out first: the wake itself runs outside the critical section.
        if let Some(waker) = critical_section::with(|cs| self.waker.borrow_ref_mut(cs).take()) {
            waker.wake();
        }
    }
}

impl Default for LineWaker {
    fn default() -> Self {
        Self::new()
    }
}

const LINES: usize = 32;

static TABLE: [LineWaker; LINES] = [const { LineWaker::new() }; LINES];

/// The waker slot of `line`.
///
/// ```
/// use mote_mps2::{wakers::line_waker, Interrupt};
/// assert!(core::ptr::eq(line_waker(Interrupt::UARTRX0), line_waker(Interrupt::UARTRX0)));
/// assert!(!core::ptr::eq(line_waker(Interrupt::UARTRX0), line_waker(Interrupt::UARTTX0)));
/// ```
pub fn line_waker(line: Interrupt) -> &'static LineWaker {
    &TABLE[line as usize]
}
