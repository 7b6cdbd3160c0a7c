//! The checks shared by `test_systick` (full 2^24-cycle periods) and
//! `test_systick_wraps` (periods capped at a few thousand cycles, so every check spans
//! hundreds of 24-bit-style wraps). Included with `#[path]` by both binaries.
//!
//! Reference clock: CMSDK TIMER1, free-running at the same 25 MHz, read directly. It is
//! independent of SysTick, so comparing elapsed cycles against it measures the driver's
//! accounting (wraps, cuts), not only its self-consistency. Compared only over spans
//! where the CPU does not sleep: under `-icount shift=0,sleep=off` (the deterministic
//! mode these tests need, since with `sleep=on` an idle CPU follows the host clock and
//! alarms come late by host latency) QEMU 7.2's CMSDK timer runs ahead across WFI. Measured
//! without Mote: a plain periodic SysTick (2.5 M cycles) over 4 periods reads 10 000 000
//! TIMER1 counts busy-waiting, 20 000 000 sleeping in WFI. So the sleeping spans are
//! checked against `Instant` and the alarm deadlines only.

use core::cell::RefCell;
use core::ptr::{read_volatile, write_volatile};

use critical_section::Mutex;
use mote::time::driver::{self, AlarmCallback, Driver};
use mote::time::drivers::systick::SysTickDriver;
use mote::time::{Duration, Instant, Ticker, Timer};
use mote_mps2::testing::Checks;

const TIMER1_CTRL: *mut u32 = 0x4000_1000 as *mut u32;
const TIMER1_VALUE: *mut u32 = 0x4000_1004 as *mut u32;
const TIMER1_RELOAD: *mut u32 = 0x4000_1008 as *mut u32;

/// SysTick cycles per tick (25 MHz core, 1 MHz ticks).
const CYCLES_PER_TICK: u64 = 25;

fn reference_start() {
    // SAFETY: TIMER1 is a CMSDK timer present on mps2-an385; this test is its only user.
    unsafe {
        write_volatile(TIMER1_CTRL, 0);
        write_volatile(TIMER1_RELOAD, u32::MAX);
        write_volatile(TIMER1_VALUE, u32::MAX);
        write_volatile(TIMER1_CTRL, 1);
    }
}

/// `(driver cycles, reference count)` read back to back, interrupts masked.
fn stamp(d: &SysTickDriver<4>) -> (u64, u32) {
    critical_section::with(|_| {
        let c = d.now_cycles();
        // SAFETY: as in `reference_start`; a read has no side effect.
        let r = unsafe { read_volatile(TIMER1_VALUE) };
        (c, r)
    })
}

/// Driver cycles minus reference counts between two stamps (the reference counts down).
fn drift(a: (u64, u32), b: (u64, u32)) -> i64 {
    let dc = (b.0 - a.0) as i64;
    let dr = a.1.wrapping_sub(b.1) as i64;
    dc - dr
}

/// Fire log of the alarm test: (slot id, tick at fire) entries and their count.
type FireLog = ([(u8, u64); 8], usize);
static FIRED: Mutex<RefCell<FireLog>> = Mutex::new(RefCell::new(([(0, 0); 8], 0)));

fn on_alarm(ctx: *const ()) {
    let id = ctx as usize as u8;
    let at = Instant::now().as_ticks();
    critical_section::with(|cs| {
        let mut log = FIRED.borrow(cs).borrow_mut();
        let i = log.1;
        if i < log.0.len() {
            log.0[i] = (id, at);
        }
        log.1 += 1;
    });
}

fn callback(id: u8) -> AlarmCallback {
    // SAFETY: `on_alarm` only uses its context as an integer and touches a
    // critical-section-protected static: callable from any context, any number of times.
    unsafe { AlarmCallback::new(on_alarm, id as usize as *const ()) }
}

/// Runs every check against `d` (the registered driver) and exits with the verdict.
///
/// `wraps`: natural wraps the busy-read check must cross; `masked_windows`: how many
/// critical sections of 90 % of a max period to read through (each costs that much busy
/// virtual time, so a full-period driver uses few).
pub async fn run(
    d: &'static SysTickDriver<4>,
    name: &'static str,
    wraps: u32,
    masked_windows: u32,
) -> ! {
    let mut checks = Checks::new(name);
    reference_start();
    mote_mps2::println!(
        "max period {} cycles, cut sequence {} cycles",
        d.max_period(),
        d.sequence_cycles()
    );
    let start = stamp(d);
    let _ = drift(start, start);

    // 1. Timer::after(100 ms), in Instant and in SysTick cycles.
    let i0 = Instant::now();
    let s0 = stamp(d);
    Timer::after(Duration::from_millis(100)).await;
    let i1 = Instant::now();
    let s1 = stamp(d);
    let el = i1.duration_since(i0);
    mote_mps2::println!(
        "timer 100 ms: {} us, {} cycles, drift vs TIMER1 {}",
        el.as_micros(),
        s1.0 - s0.0,
        drift(s0, s1)
    );
    checks.check(
        "Timer::after(100 ms) elapsed 100 ms .. +200 us in Instant",
        el >= Duration::from_millis(100) && el < Duration::from_micros(100_200),
    );
    checks.check(
        "Timer::after(100 ms) elapsed 2.5 M cycles (-1 tick .. +200 us)",
        s1.0 - s0.0 >= 2_500_000 - CYCLES_PER_TICK && s1.0 - s0.0 < 2_505_000,
    );

    // 2. A 10 ms ticker, 20 ticks, each on the grid.
    let mut ticker = Ticker::every(Duration::from_millis(10));
    let first = ticker.next_deadline();
    let mut on_grid = true;
    let mut worst_late = 0;
    for k in 0..20u64 {
        let deadline = ticker.next_deadline();
        on_grid &= deadline == first + Duration::from_millis(10 * k);
        ticker.next().await;
        let late = Instant::now().duration_since(deadline).as_ticks();
        on_grid &= Instant::now() >= deadline;
        worst_late = worst_late.max(late);
    }
    mote_mps2::println!("ticker: worst lateness {} ticks", worst_late);
    checks.check("ticker: 20 ticks on the 10 ms grid, none early", on_grid);
    checks.check("ticker: each tick late by < 200 us", worst_late < 200);

    // 3. Monotonic across wraps, with interrupts enabled: busy-read until two periods
    //    have ended (no alarm is armed now, so they are full max periods).
    let p0 = d.periods();
    let b0 = stamp(d);
    let mut last = (b0.0, Instant::now());
    let mut monotonic = true;
    let mut reads = 0u32;
    while d.periods().wrapping_sub(p0) < wraps && reads < 200_000_000 {
        let c = d.now_cycles();
        let i = Instant::now();
        monotonic &= c >= last.0 && i >= last.1;
        last = (c, i);
        reads += 1;
    }
    let b1 = stamp(d);
    mote_mps2::println!(
        "busy: {} reads over {} periods, drift {}",
        reads,
        d.periods().wrapping_sub(p0),
        drift(b0, b1)
    );
    checks.check(
        "busy reads cross the wraps, clock never decreases",
        monotonic && d.periods().wrapping_sub(p0) >= wraps,
    );
    checks.check(
        "no count lost across the wraps (|drift| <= 64)",
        drift(b0, b1).abs() <= 64,
    );

    // 4. A wrap whose interrupt is still pending: read inside a critical section
    //    spanning 90 % of a max period, ten times.
    let mut folded_masked = 0;
    let mut masked_ok = true;
    let window = u64::from(d.max_period()) * 9 / 10;
    for _ in 0..masked_windows {
        critical_section::with(|_| {
            let p = d.periods();
            let a = stamp(d);
            let mut prev = a.0;
            loop {
                let c = d.now_cycles();
                masked_ok &= c >= prev;
                prev = c;
                if c - a.0 >= window {
                    break;
                }
            }
            let b = stamp(d);
            masked_ok &= drift(a, b).abs() <= 64;
            if d.periods() != p {
                folded_masked += 1;
            }
        });
    }
    mote_mps2::println!("masked windows with a folded wrap: {}", folded_masked);
    checks.check(
        "wraps folded with the interrupt pending, monotonic, no count lost",
        masked_ok && (masked_windows == 0 || folded_masked >= 1),
    );

    // 5. Alarms on two slots (plus a re-armed and a disarmed one), raw driver API.
    let a = d.allocate_alarm();
    let b = d.allocate_alarm();
    let c = d.allocate_alarm();
    checks.check(
        "three more slots allocated",
        a.is_some() && b.is_some() && c.is_some(),
    );
    if let (Some(a), Some(b), Some(c)) = (a, b, c) {
        let now = driver::now();
        checks.check(
            "set_alarm in the past returns false",
            !d.set_alarm(a, now, callback(9)),
        );
        let at_a = now + 2_000;
        let at_b = now + 3_000;
        let ok = d.set_alarm(b, at_b, callback(2))
            && d.set_alarm(a, now + 1_000, callback(8))
            && d.set_alarm(a, at_a, callback(1)) // replaces the 1 ms arming
            && d.set_alarm(c, now + 1_500, callback(3))
            && d.set_alarm(c, u64::MAX, callback(3)); // disarms
        checks.check("alarms armed", ok);
        Timer::after(Duration::from_millis(5)).await;
        let (log, n) = critical_section::with(|cs| *FIRED.borrow(cs).borrow());
        mote_mps2::println!(
            "alarms: {} fired, {:?} (deadlines a {} b {})",
            n,
            &log[..n.min(8)],
            at_a,
            at_b
        );
        checks.check(
            "two slots fired once each, a then b, none early, < 200 us late",
            n == 2
                && log[0].0 == 1
                && log[1].0 == 2
                && log[0].1 >= at_a
                && log[0].1 < at_a + 200
                && log[1].1 >= at_b
                && log[1].1 < at_b + 200,
        );
    }

    mote_mps2::println!(
        "total: {} cycles, {} periods, {} cuts",
        stamp(d).0 - start.0,
        d.periods(),
        d.cuts()
    );
    checks.finish()
}
