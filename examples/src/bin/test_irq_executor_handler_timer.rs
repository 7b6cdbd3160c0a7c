//! Firmware test (review12): an `InterruptExecutor` whose handler goes on with other
//! work after `on_interrupt`, and that work registers a timer with the waker of one of
//! the executor's tasks (the handler's own context, but outside the batch).
//!
//! The executor re-arms its alarm after its batch; a timer registered in its context
//! later must pend its line so that it runs again and arms for it. Before review12 the
//! registration counted as "inside the batch" (the same context) and did not pend: the
//! alarm stayed unarmed and the task slept until some other interrupt of the line.
//!
//! Checks, in virtual time (`-icount shift=0,sleep=off`): the task, woken only by that
//! 2 ms timer, runs 2 ms after the registration (at most 50 us later), in the handler.
//! Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::cell::{Cell, RefCell};
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use cortex_m::peripheral::NVIC;
use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::{Executor, InterruptExecutor};
use mote::time::{Duration, Instant, Timer};
use mote::SendSpawner;
use mote_mps2::testing::Checks;
use mote_mps2::{interrupt, println, Interrupt};

static THREAD: Executor = Executor::new();
static HIGH: InterruptExecutor = InterruptExecutor::new();

/// The waker of `waiter`, lent to the handler.
static WAKER: Mutex<RefCell<Option<Waker>>> = Mutex::new(RefCell::new(None));
/// Set by thread mode: the handler registers the 2 ms timer after its next batch.
static REGISTER: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));
/// When the handler registered (ticks, 0: not yet) and when the task woke (0: not yet).
static REGISTERED_AT: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
static WOKE_AT: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

const DELAY: Duration = Duration::from_millis(2);
const SLACK: Duration = Duration::from_micros(50);

#[interrupt]
fn I2S() {
    HIGH.on_interrupt();
    // Other work of the handler, after the batch.
    let waker = critical_section::with(|cs| {
        if REGISTER.borrow(cs).replace(false) {
            WAKER.borrow(cs).borrow().clone()
        } else {
            None
        }
    });
    if let Some(waker) = waker {
        let now = Instant::now();
        // A timer polled with the task's waker queues the task's own timer node; the
        // timer itself may go (the node stays queued).
        let mut timer = pin!(Timer::at(now + DELAY));
        let _ = timer.as_mut().poll(&mut Context::from_waker(&waker));
        critical_section::with(|cs| REGISTERED_AT.borrow(cs).set(now.as_ticks()));
    }
}

/// Lends its waker, then waits for the one wake the handler's timer gives.
#[mote::task]
async fn waiter() {
    let mut lent = false;
    poll_fn(|cx| {
        if lent {
            return Poll::Ready(());
        }
        lent = true;
        critical_section::with(|cs| *WAKER.borrow(cs).borrow_mut() = Some(cx.waker().clone()));
        Poll::Pending
    })
    .await;
    let now = Instant::now().as_ticks();
    critical_section::with(|cs| WOKE_AT.borrow(cs).set(now));
}

#[mote::task]
async fn scenario(high: SendSpawner) {
    let mut checks = Checks::new("test_irq_executor_handler_timer");
    high.must_spawn(waiter());
    Timer::after_millis(1).await;
    let lent = critical_section::with(|cs| WAKER.borrow(cs).borrow().is_some());
    checks.check("the task ran in the handler and lent its waker", lent);

    critical_section::with(|cs| REGISTER.borrow(cs).set(true));
    NVIC::pend(Interrupt::I2S);
    Timer::after_millis(10).await;

    let (registered, woke) =
        critical_section::with(|cs| (REGISTERED_AT.borrow(cs).get(), WOKE_AT.borrow(cs).get()));
    println!("registered at tick {}, task woke at {}", registered, woke);
    checks.check(
        "the handler registered the timer after its batch",
        registered != 0,
    );
    let (d, slack) = (DELAY.as_ticks(), SLACK.as_ticks());
    checks.check(
        "the task woke 2 ms after the registration (the line was pended to re-arm)",
        woke != 0 && woke >= registered + d && woke <= registered + d + slack,
    );
    checks.finish()
}

#[entry]
fn main() -> ! {
    let high = HIGH.start(Interrupt::I2S, 0x40);
    THREAD.run(|spawner| spawner.must_spawn(scenario(high)))
}
