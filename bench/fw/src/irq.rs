//! The interrupt source of the latency workloads: CMSDK TIMER0 as a one-shot that raises
//! its line (`TIMER0`) a fixed number of cycles after [`arm`], an interrupt handler that
//! wakes the waiting task, and the runtime-free baseline.
//!
//! Guarantees:
//! - The line is raised exactly [`DELAY_CYCLES`] timer cycles after the `CTRL` write that
//!   ends [`arm`] (QEMU's timer runs on virtual time, which `-icount shift=0` ties to
//!   instructions), so a loop `arm(); wait for it` has a fixed period; the latency of a
//!   runtime is its loop's period minus the period of [`baseline`], the same loop that
//!   polls the timer's interrupt flag instead of taking the interrupt.
//! - [`Fired`] is the same code for both runtimes: a flag plus one waker slot in a
//!   critical section. Cancel safety: dropping it leaves a waker registered; the next
//!   interrupt wakes it spuriously, which is harmless.

use core::cell::{Cell, RefCell};
use core::future::poll_fn;
use core::ptr;
use core::task::{Poll, Waker};

use cortex_m::peripheral::NVIC;
use critical_section::Mutex;
use mote_mps2::Interrupt;

use crate::clock;

const BASE: usize = 0x4000_0000; // TIMER0
const CTRL: usize = 0x00;
const VALUE: usize = 0x04;
const RELOAD: usize = 0x08;
const INT: usize = 0x0C;
const CTRL_ENABLE: u32 = 1 << 0;
const CTRL_IRQ_ENABLE: u32 = 1 << 3;

/// Timer cycles from [`arm`] to the interrupt (x 40 instructions): room for the executor
/// to go idle first.
pub const DELAY_CYCLES: u32 = 100;

fn write(reg: usize, value: u32) {
    // SAFETY: a word-aligned CMSDK TIMER0 register, device memory outside any Rust
    // object; the latency workloads own TIMER0.
    unsafe { ptr::write_volatile((BASE + reg) as *mut u32, value) }
}

fn read(reg: usize) -> u32 {
    // SAFETY: as in `write`.
    unsafe { ptr::read_volatile((BASE + reg) as *const u32) }
}

/// Starts TIMER0 so that it raises its interrupt in [`DELAY_CYCLES`] cycles.
#[inline(always)]
pub fn arm() {
    write(CTRL, 0);
    write(RELOAD, u32::MAX);
    write(VALUE, DELAY_CYCLES);
    write(CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE);
}

#[inline(always)]
fn stop() {
    write(CTRL, 0);
    write(INT, 1);
}

static FIRED: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));
static WAITER: Mutex<RefCell<Option<Waker>>> = Mutex::new(RefCell::new(None));

/// The `TIMER0` handler's work: stop the timer, record the event, wake the waiter.
#[inline(always)]
pub fn on_interrupt() {
    stop();
    let waker = critical_section::with(|cs| {
        FIRED.borrow(cs).set(true);
        WAITER.borrow(cs).take()
    });
    if let Some(w) = waker {
        w.wake();
    }
}

/// Completes once the interrupt has fired since the last completion.
#[inline(always)]
pub async fn fired() {
    poll_fn(|cx| {
        critical_section::with(|cs| {
            if FIRED.borrow(cs).replace(false) {
                Poll::Ready(())
            } else {
                WAITER.borrow(cs).replace(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
    })
    .await
}

/// Unmasks `TIMER0` (the workload's handler must call [`on_interrupt`]).
pub fn enable() {
    // SAFETY: the handler only touches this module's state, under critical sections.
    unsafe { NVIC::unmask(Interrupt::TIMER0) };
}

/// The runtime-free baseline, with `TIMER0` masked: `arm`, poll the timer's interrupt
/// flag, stop; `n` times. Returns the SysTick counts.
#[inline(never)]
pub fn baseline(n: u32) -> u32 {
    NVIC::mask(Interrupt::TIMER0);
    let t0 = clock::now();
    for _ in 0..n {
        arm();
        while read(INT) & 1 == 0 {}
        stop();
    }
    let t1 = clock::now();
    NVIC::unpend(Interrupt::TIMER0);
    clock::elapsed(t0, t1)
}

/// Prints the baseline's two result lines (`irq_base`, n = 1000 and 11000).
pub fn report_baseline() {
    baseline(1000);
    for n in [1000, 11000] {
        crate::report("irq_base", n, baseline(n));
    }
}
