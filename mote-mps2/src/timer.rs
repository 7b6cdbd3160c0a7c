//! The CMSDK APB timers (TIMER0 at `0x4000_0000`, line `TIMER0`; TIMER1 at `0x4000_1000`,
//! line `TIMER1`) as interrupt-driven periodic timers: [`PeriodicTimer::wait`] completes
//! at the next period boundary, and the down-counter doubles as a cycle-accurate stopwatch
//! within a period ([`PeriodicTimer::elapsed_in_period`]).
//!
//! Guarantees:
//! - No period is lost: the handler counts every expiry; `wait` returns how many passed
//!   since the previous `wait` (more than 1 means the waiting task was late).
//! - Follows the driver pattern of [`wakers`](crate::wakers): the handler acknowledges the
//!   interrupt, bumps the count, then wakes the line's slot; `wait` registers and
//!   re-checks.
//!
//! The timer counts down from `RELOAD` to 0 at the 25 MHz APB clock, then reloads and
//! raises its interrupt: one period is `RELOAD + 1` cycles.
//!
//! Cancel safety of [`PeriodicTimer::wait`]: cancel-safe; expiries that happen while no
//! `wait` is pending are counted by the next one.

use core::future::poll_fn;
use core::marker::PhantomData;
use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Poll;

use cortex_m::peripheral::NVIC;

use crate::binding::{line, Binding, Handler, Line};
use crate::wakers::line_waker;

const CTRL: usize = 0x00;
const VALUE: usize = 0x04;
const RELOAD: usize = 0x08;
const INTCLEAR: usize = 0x0C;
const CTRL_ENABLE: u32 = 1 << 0;
const CTRL_IRQ_ENABLE: u32 = 1 << 3;

mod sealed {
    pub trait Sealed {}
}

/// A CMSDK timer instance.
pub trait Instance: sealed::Sealed + 'static {
    /// Base address of the register block.
    const BASE: usize;
    /// The timer's interrupt line.
    type Line: Line;
    #[doc(hidden)]
    fn expiries() -> &'static AtomicU32;
}

/// The interrupt handler of timer `T`; bind it to `T`'s line.
#[derive(Debug)]
pub struct InterruptHandler<T: Instance> {
    _timer: PhantomData<T>,
}

macro_rules! instances {
    ($($name:ident: $base:literal, $line:ident;)*) => {$(
        #[doc = concat!("Token of CMSDK timer `", stringify!($name), "` (base `",
            stringify!($base), "`, line `", stringify!($line), "`).")]
        #[derive(Debug)]
        pub struct $name {
            pub(crate) _private: (),
        }
        impl sealed::Sealed for $name {}
        impl Instance for $name {
            const BASE: usize = $base;
            type Line = line::$line;
            fn expiries() -> &'static AtomicU32 {
                static EXPIRIES: AtomicU32 = AtomicU32::new(0);
                &EXPIRIES
            }
        }
        impl Handler<line::$line> for InterruptHandler<$name> {
            unsafe fn on_interrupt() {
                write_reg($base, INTCLEAR, 1);
                // Load and store only: this handler is the single writer, and thumbv6m
                // has no atomic read-modify-write.
                let count = $name::expiries();
                count.store(count.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release);
                line_waker(line::$line::INTERRUPT).wake();
            }
        }
    )*};
}

instances! {
    TIMER0: 0x4000_0000, TIMER0;
    TIMER1: 0x4000_1000, TIMER1;
}

fn read_reg(base: usize, offset: usize) -> u32 {
    // SAFETY: `base` is a CMSDK timer register block listed in `instances!`, `offset` one
    // of its word-aligned registers: device memory outside any Rust object.
    unsafe { ptr::read_volatile((base + offset) as *const u32) }
}

fn write_reg(base: usize, offset: usize, value: u32) {
    // SAFETY: as in `read_reg`.
    unsafe { ptr::write_volatile((base + offset) as *mut u32, value) }
}

/// A CMSDK timer raising its interrupt every period.
///
/// ```no_run
/// use mote_mps2::{bind_interrupts, timer};
///
/// bind_interrupts!(struct Irqs {
///     TIMER0 => timer::InterruptHandler<timer::TIMER0>;
/// });
///
/// async fn every_millisecond() {
///     let p = mote_mps2::Peripherals::take().unwrap();
///     let mut t = timer::PeriodicTimer::new(p.TIMER0, Irqs, 25_000); // 1 ms at 25 MHz
///     loop {
///         let passed = t.wait().await;
///         if passed > 1 {
///             // this task was late by `passed - 1` periods
///         }
///     }
/// }
/// ```
#[derive(Debug)]
pub struct PeriodicTimer {
    base: usize,
    irq: crate::Interrupt,
    expiries: &'static AtomicU32,
    seen: u32,
    period: u32,
}

impl PeriodicTimer {
    /// Starts timer `T` with a period of `period_cycles` APB cycles (clamped to at least
    /// 2) and unmasks its line. `_irqs` proves the line calls [`InterruptHandler<T>`].
    pub fn new<T: Instance>(
        _timer: T,
        _irqs: impl Binding<T::Line, InterruptHandler<T>>,
        period_cycles: u32,
    ) -> Self
    where
        InterruptHandler<T>: Handler<T::Line>,
    {
        let period = period_cycles.max(2);
        write_reg(T::BASE, CTRL, 0);
        write_reg(T::BASE, INTCLEAR, 1);
        write_reg(T::BASE, RELOAD, period - 1);
        write_reg(T::BASE, VALUE, period - 1);
        let irq = T::Line::INTERRUPT;
        // SAFETY: the binding proves the line runs this driver's handler, which touches
        // only this timer and its counter; no critical section relies on the line being
        // masked.
        unsafe { NVIC::unmask(irq) };
        let expiries = T::expiries();
        let seen = expiries.load(Ordering::Acquire);
        write_reg(T::BASE, CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE);
        PeriodicTimer {
            base: T::BASE,
            irq,
            expiries,
            seen,
            period,
        }
    }

    /// Waits for the next period boundary and returns how many boundaries passed since
    /// the last `wait` (or since `new`): 1 when on time, more when late. Completes at
    /// once if one already passed.
    pub async fn wait(&mut self) -> u32 {
        poll_fn(|cx| {
            let now = self.expiries.load(Ordering::Acquire);
            if now != self.seen {
                return Poll::Ready(self.take(now));
            }
            line_waker(self.irq).register(cx.waker());
            let now = self.expiries.load(Ordering::Acquire);
            if now != self.seen {
                Poll::Ready(self.take(now))
            } else {
                Poll::Pending
            }
        })
        .await
    }

    fn take(&mut self, now: u32) -> u32 {
        let passed = now.wrapping_sub(self.seen);
        self.seen = now;
        passed
    }

    /// Period boundaries since `new` (wrapping).
    pub fn expiries(&self) -> u32 {
        self.expiries.load(Ordering::Acquire)
    }

    /// APB cycles elapsed since the current period began (`0..period`).
    pub fn elapsed_in_period(&self) -> u32 {
        let value = read_reg(self.base, VALUE).min(self.period - 1);
        self.period - 1 - value
    }

    /// Stops the timer and its interrupt.
    pub fn stop(self) {
        write_reg(self.base, CTRL, 0);
        write_reg(self.base, INTCLEAR, 1);
    }
}
