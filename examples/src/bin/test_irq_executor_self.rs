//! Firmware test (review of issue 11's bound interrupt executor): tasks of a
//! `mote::interrupt_executor!` executor spawn onto their own executor, fill its pool,
//! await timers and `Timer::after_ticks(0)` yield points, all inside the line's handler.
//!
//! ```text
//! thread mode: main ── spawns `parent` on HIGH (I2S, 0x40) ── waits for DONE ── checks
//! HIGH:  parent ── Spawner::for_current_executor ── spawns child 0, 1, 2 (pool of 3,
//!          deadlines t0+3, +2, +1 ms), a 4th spawn: Busy ── 10 × Timer::after_ticks(0)
//!          while `counter` (also spawned from HIGH) yields ── sleeps 5 ms ── respawns
//!          the three children into their freed slots ── sleeps 4 ms ── DONE
//!        child 2 (first due) spawns `tail` onto HIGH from its own poll
//! ```
//!
//! Checks: every task ran inside the I2S handler; no timer completed before its
//! deadline; the children completed in deadline order (2, 1, 0), `tail` right after
//! child 2, the respawned ones too; the pool refused a 4th instance with `Busy` and took
//! three again once they had finished; each `Timer::after_ticks(0)` let `counter` run.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::{Executor, SpawnError};
use mote::time::{Duration, Instant, Timer};
use mote_mps2::testing::Checks;
use mote_mps2::Interrupt;
use portable_atomic::{AtomicBool, AtomicU32, Ordering};

static THREAD: Executor = Executor::new();
mote::interrupt_executor!(static HIGH = Interrupt::I2S);

/// Set when a task ran outside the I2S handler, or a timer completed early.
static WRONG_CONTEXT: AtomicBool = AtomicBool::new(false);
static EARLY: AtomicBool = AtomicBool::new(false);
/// The 4th spawn into the full pool returned `Busy`.
static BUSY_REFUSED: AtomicBool = AtomicBool::new(false);
/// The respawn into the freed slots succeeded.
static RESPAWNED: AtomicBool = AtomicBool::new(false);
/// Yields of `counter` seen across parent's `Timer::after_ticks(0)` awaits, one each.
static YIELD_GAPS_OK: AtomicU32 = AtomicU32::new(0);
static COUNTER: AtomicU32 = AtomicU32::new(0);
static STOP_COUNTER: AtomicBool = AtomicBool::new(false);
static DONE: AtomicBool = AtomicBool::new(false);

/// Completion order (child index, 10 for `tail`).
static ORDER: Mutex<RefCell<([u32; 8], usize)>> = Mutex::new(RefCell::new(([0; 8], 0)));

fn record(id: u32) {
    critical_section::with(|cs| {
        let mut o = ORDER.borrow_ref_mut(cs);
        let n = o.1;
        if n < o.0.len() {
            o.0[n] = id;
        }
        o.1 = n + 1;
    });
}

fn in_i2s_handler() -> bool {
    // SAFETY: a side-effect-free read of ICSR; VECTACTIVE is 16 + n in line n's handler.
    let icsr = unsafe { core::ptr::read_volatile(0xE000_ED04 as *const u32) };
    icsr & 0x1FF == 16 + Interrupt::I2S as u32
}

fn check_context() {
    if !in_i2s_handler() {
        WRONG_CONTEXT.store(true, Ordering::Relaxed);
    }
}

#[mote::task(pool_size = 3)]
async fn child(id: u32, at: Instant, spawn_tail: bool) {
    check_context();
    Timer::at(at).await;
    check_context();
    if Instant::now() < at {
        EARLY.store(true, Ordering::Relaxed);
    }
    record(id);
    if spawn_tail {
        // Onto its own executor, from its own poll.
        mote::Spawner::for_current_executor()
            .await
            .must_spawn(tail());
    }
}

#[mote::task]
async fn tail() {
    check_context();
    record(10);
}

#[mote::task]
async fn counter() {
    while !STOP_COUNTER.load(Ordering::Relaxed) {
        check_context();
        COUNTER.fetch_add(1, Ordering::Relaxed);
        mote::futures::yield_now().await;
    }
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[mote::task]
async fn parent() {
    check_context();
    let t0 = Instant::now();
    {
        // A `Spawner` (not `Send`) of the executor this task runs on; not held across
        // an await, so that `parent` stays `Send`.
        let spawner = mote::Spawner::for_current_executor().await;
        for i in 0..3u32 {
            spawner.must_spawn(child(i, t0 + ms(3 - u64::from(i)), i == 2));
        }
        BUSY_REFUSED.store(
            matches!(spawner.spawn(child(3, t0, false)), Err(SpawnError::Busy)),
            Ordering::Relaxed,
        );
        spawner.must_spawn(counter());
    }
    // Timer yield points: `counter` runs between each two.
    mote::futures::yield_now().await;
    for _ in 0..10 {
        let before = COUNTER.load(Ordering::Relaxed);
        Timer::after_ticks(0).await;
        if COUNTER.load(Ordering::Relaxed) > before {
            YIELD_GAPS_OK.fetch_add(1, Ordering::Relaxed);
        }
    }
    STOP_COUNTER.store(true, Ordering::Relaxed);
    Timer::at(t0 + ms(5)).await;
    check_context();
    // The pool's three slots are free again.
    let t1 = Instant::now();
    {
        let spawner = mote::Spawner::for_current_executor().await;
        let mut ok = true;
        for i in 0..3u32 {
            ok &= spawner
                .spawn(child(20 + i, t1 + ms(3 - u64::from(i)), false))
                .is_ok();
        }
        RESPAWNED.store(ok, Ordering::Relaxed);
    }
    Timer::at(t1 + ms(4)).await;
    DONE.store(true, Ordering::Release);
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_irq_executor_self");
    for _ in 0..50 {
        if DONE.load(Ordering::Acquire) {
            break;
        }
        Timer::after_millis(1).await;
    }
    checks.check(
        "the scenario on HIGH finished",
        DONE.load(Ordering::Acquire),
    );
    checks.check(
        "every HIGH task ran in the I2S handler",
        !WRONG_CONTEXT.load(Ordering::Relaxed),
    );
    checks.check(
        "no timer completed before its deadline",
        !EARLY.load(Ordering::Relaxed),
    );
    checks.check(
        "a 4th spawn into the full pool of 3: Busy",
        BUSY_REFUSED.load(Ordering::Relaxed),
    );
    checks.check(
        "the freed slots took three children again",
        RESPAWNED.load(Ordering::Relaxed),
    );
    let yields = YIELD_GAPS_OK.load(Ordering::Relaxed);
    mote_mps2::println!("counter ran during {} of 10 Timer::after_ticks(0)", yields);
    checks.check("each Timer::after_ticks(0) let counter run", yields == 10);
    let (order, len) = critical_section::with(|cs| *ORDER.borrow_ref(cs));
    mote_mps2::println!("completion order: {:?}", &order[..len.min(8)]);
    checks.check(
        "deadline order, tail right after the child that spawned it",
        order[..len.min(8)] == [2, 10, 1, 0, 22, 21, 20],
    );
    checks.finish()
}

#[entry]
fn main() -> ! {
    let high = HIGH.start(0x40);
    high.must_spawn(parent());
    THREAD.run(|spawner| spawner.must_spawn(scenario()))
}
