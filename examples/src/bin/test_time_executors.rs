//! Firmware test (issue "Time"): the time driver's alarm slots serve several executors at
//! once, and its interrupt coexists with interrupt executors and other drivers.
//!
//! Tasks on the thread-mode executor and on two interrupt executors (lines `TSC` and
//! `I2S`, priorities 0x80 and 0x40) each sleep on interleaved `Timer`s, while CMSDK
//! TIMER0 runs as a 1 ms `PeriodicTimer` (its own interrupt, another driver). Each wake
//! records (executor, deadline) and checks it did not come early. Checks: every executor
//! got its own alarm (all tasks finished), the global wake order is the deadline order,
//! no wake was early, and TIMER0 kept counting meanwhile.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use mote::executor::Executor;
use mote::time::{Duration, Instant, Timer};
use mote_mps2::testing::Checks;
use mote_mps2::timer::{self, PeriodicTimer, TIMER0};
use mote_mps2::{bind_interrupts, Interrupt};

bind_interrupts!(struct Irqs {
    TIMER0 => timer::InterruptHandler<TIMER0>;
});

static THREAD: Executor = Executor::new();
mote::interrupt_executor!(static MEDIUM = Interrupt::TSC);
mote::interrupt_executor!(static HIGH = Interrupt::I2S);

const WAKES_PER_TASK: u64 = 5;
const EXECUTORS: u64 = 3;
const TOTAL: usize = (WAKES_PER_TASK * EXECUTORS) as usize;

struct Log {
    deadlines: [u64; TOTAL],
    len: usize,
    early: usize,
}

static LOG: Mutex<RefCell<Log>> = Mutex::new(RefCell::new(Log {
    deadlines: [0; TOTAL],
    len: 0,
    early: 0,
}));

/// Executor `index` sleeps until `base + (n · 3 + index) · 7 ms` for n = 1..=5: the
/// three executors' deadlines interleave.
#[mote::task(pool_size = 3)]
async fn sleeper(base: Instant, index: u64) {
    for n in 1..=WAKES_PER_TASK {
        let at = base + Duration::from_millis((n * EXECUTORS + index) * 7);
        Timer::at(at).await;
        let early = Instant::now() < at;
        critical_section::with(|cs| {
            let mut log = LOG.borrow_ref_mut(cs);
            let i = log.len;
            if i < TOTAL {
                log.deadlines[i] = at.as_ticks();
            }
            log.len = i + 1;
            log.early += usize::from(early);
        });
    }
}

#[mote::task]
async fn scenario(base: Instant) {
    let mut checks = Checks::new("test_time_executors");
    let p = mote_mps2::Peripherals::take().unwrap();
    let ms = PeriodicTimer::new(p.TIMER0, Irqs, 25_000);
    let t_start = Instant::now();
    let spawner = mote::Spawner::for_current_executor().await;
    spawner.must_spawn(sleeper(base, 0));

    Timer::at(base + Duration::from_millis((WAKES_PER_TASK + 2) * EXECUTORS * 7)).await;
    let (len, ordered, early) = critical_section::with(|cs| {
        let log = LOG.borrow_ref(cs);
        let ordered = log.deadlines.windows(2).all(|w| w[0] < w[1]);
        (log.len, ordered, log.early)
    });
    checks.check("every executor's sleeper woke 5 times", len == TOTAL);
    checks.check("wakes across executors in deadline order", ordered);
    checks.check("no wake before its deadline", early == 0);
    let periods = ms.expiries();
    let elapsed_ms = t_start.elapsed().as_millis() as u32;
    mote_mps2::println!("TIMER0: {} period interrupts in {} ms", periods, elapsed_ms);
    // Under `-icount shift=0,sleep=off` (xtask's test runs) QEMU 7.2 delivers only about
    // every other period of a 1 ms CMSDK timer while the CPU idles (measured: 84 in
    // 152 ms; 152 without `sleep=off`), so the bound is "at least a third", not "all".
    checks.check(
        "TIMER0 (another driver) kept interrupting meanwhile",
        periods >= elapsed_ms / 3 && elapsed_ms >= 140,
    );
    ms.stop();
    checks.finish()
}

#[entry]
fn main() -> ! {
    let medium = MEDIUM.start(0x80);
    let high = HIGH.start(0x40);
    let base = Instant::now() + Duration::from_millis(5);
    medium.must_spawn(sleeper(base, 1));
    high.must_spawn(sleeper(base, 2));
    THREAD.run(|spawner| spawner.must_spawn(scenario(base)))
}
