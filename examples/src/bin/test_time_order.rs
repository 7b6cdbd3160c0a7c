//! Firmware test (issue "Time"): 1000 tasks (`pool_size = 1000`), each sleeping until its
//! own distinct deadline, wake in deadline order.
//!
//! The tasks are spawned in a scrambled order (task `i` gets deadline rank
//! `i · 389 mod 1000`), all sleep until `base + rank · 37 µs`, and each records its rank
//! when it wakes. Checks: all 1000 woke; the recorded ranks are exactly 0, 1, …, 999 in
//! that order; no task woke before its deadline. With 37 µs between deadlines several
//! tasks are often due in one alarm, so this also checks that the timer queue hands out
//! due timers earliest first.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Timer};
use mote_mps2::testing::Checks;

static EXECUTOR: Executor = Executor::new();

const TASKS: usize = 1000;
/// Coprime with 1000, so `i * SCRAMBLE % 1000` is a permutation.
const SCRAMBLE: usize = 389;
const STEP: Duration = Duration::from_micros(37);

struct Record {
    order: [u16; TASKS],
    woken: usize,
    early: usize,
}

static RECORD: Mutex<RefCell<Record>> = Mutex::new(RefCell::new(Record {
    order: [0; TASKS],
    woken: 0,
    early: 0,
}));

fn deadline(base: Instant, rank: usize) -> Instant {
    base + Duration::from_ticks(STEP.as_ticks() * rank as u64)
}

#[mote::task(pool_size = 1000)]
async fn sleeper(base: Instant, rank: u16) {
    let at = deadline(base, usize::from(rank));
    Timer::at(at).await;
    let early = Instant::now() < at;
    critical_section::with(|cs| {
        let mut r = RECORD.borrow_ref_mut(cs);
        let n = r.woken;
        if n < TASKS {
            r.order[n] = rank;
        }
        r.woken = n + 1;
        r.early += usize::from(early);
    });
}

#[mote::task]
async fn scenario() {
    let mut checks = Checks::new("test_time_order");
    let spawner = mote::Spawner::for_current_executor().await;
    // Far enough ahead that all spawns and first polls happen before the first deadline.
    let base = Instant::now() + Duration::from_millis(100);
    let mut spawned = 0;
    for i in 0..TASKS {
        let rank = (i * SCRAMBLE % TASKS) as u16;
        if spawner.spawn(sleeper(base, rank)).is_ok() {
            spawned += 1;
        }
    }
    checks.check("1000 sleepers spawned", spawned == TASKS);
    checks.check(
        "spawning took less time than the head start",
        Instant::now() < base,
    );

    Timer::at(deadline(base, TASKS) + Duration::from_millis(1)).await;
    let (woken, in_order, early) = critical_section::with(|cs| {
        let r = RECORD.borrow_ref(cs);
        let in_order = r.order.iter().enumerate().all(|(i, &rank)| usize::from(rank) == i);
        (r.woken, in_order, r.early)
    });
    checks.check("all 1000 woke", woken == TASKS);
    checks.check("they woke in deadline order", in_order);
    checks.check("none woke before its deadline", early == 0);
    checks.finish()
}

#[entry]
fn main() -> ! {
    EXECUTOR.run(|spawner| spawner.must_spawn(scenario()))
}
