//! Mote's time driver on this board: the nRF51's **TIMER1** (base `0x4000_9000`,
//! interrupt line 9), a 32-bit counter at 16 MHz / 2^4 = 1 MHz, extended to 64 bits.
//! Registered here with `mote::time_driver!`; the line-9 vector is in [`irq`](crate::irq).
//!
//! Guarantees:
//! - **Exact, monotonic, never wraps.** One counter count is one `mote::time` tick
//!   (1 MHz, Mote's default rate; `FIXED_TICK_HZ` makes any other rate a compile
//!   error). The counter's wraps (every 2^32 µs, 71.6 min) are counted, so `now()` is
//!   a 64-bit tick count.
//! - **Race-free `now()`.** The counter and the wrap count are read in one critical
//!   section, and a wrap is detected by whoever reads first (see below), exactly once.
//! - **Alarms never fire early**, with [`ALARM_SLOTS`] slots multiplexed on one compare
//!   channel: a slot's callback runs only once `now() >= at`, from the TIMER1 interrupt,
//!   outside the critical section, earliest first. A deadline the compare channel
//!   might miss (too close to now when it is written) pends the interrupt instead.
//!   Deadlines beyond half a wrap are reached in hops of at most 2^31 µs.
//! - The clock starts at 0 on first use.
//!
//! - Requirement: interrupts are never masked for half a wrap (35.8 min).
//!
//! Resources: TIMER1 and its interrupt line, at the line's reset priority. TIMER0 and
//! TIMER2 stay free.
//!
//! # Counting wraps
//!
//! The nRF51 counter is read only by capturing it (`TASKS_CAPTURE[3]`, then `CC[3]`).
//! Every reading is compared with the previous one (`last`): a smaller count means the
//! counter wrapped since, exactly once, *provided readings are less than one wrap
//! apart*. Two compare channels guarantee that: `CC[0] = 2^31` and `CC[2] = 0` raise
//! the interrupt twice per wrap, and the handler takes a reading.
//!
//! ```text
//!  counter  0 ────────── 2^31 ────────── 2^32-1 │ 0 ──────── 2^31 ...
//!  readings  ▲ CC[2]       ▲ CC[0]              │ ▲ CC[2]: c < last → wraps += 1
//!           (plus every now(), set_alarm and alarm interrupt)
//!  now = wraps·2³² + c
//! ```
//!
//! Why not a "wrap event" flag: QEMU 7.2's model (hw/timer/nrf51_timer.c) also raises
//! `EVENTS_COMPARE[n]` whenever the counter *equals* `CC[n]` at a capture or register
//! write, so a flag at `CC = 0` fires many times during the first microsecond and would
//! be counted as many wraps (measured). Comparing readings makes spurious events
//! harmless: they only cause an extra reading.
//!
//! `CC[1]` holds the earliest alarm's low 32 bits; a spurious `COMPARE[1]` only makes
//! the handler look for due slots and find none.
//!
//! Why not SysTick: the real nRF51822's Cortex-M0 has no SysTick. QEMU's `microbit`
//! does provide one (at the 16 MHz core clock), and Mote's SysTick driver runs on it
//! (`examples/microbit-systick`), but under `-icount shift=0,sleep=off` QEMU 7.2 skips a
//! SysTick period each time SysTick wakes the CPU from WFI (see the SysTick driver's
//! docs). A board timer with compare registers needs neither cuts nor that wake-up.

use core::cell::Cell;
use core::ptr::{read_volatile, write_volatile};

use cortex_m::peripheral::NVIC;
use critical_section::Mutex;
use mote::time::driver::{AlarmCallback, AlarmHandle, AlarmSlots, Driver};

use crate::irq::Interrupt;

const BASE: usize = 0x4000_9000;
const TASKS_START: usize = 0x000;
const TASKS_CAPTURE3: usize = 0x04C;
const EVENTS_COMPARE0: usize = 0x140;
const EVENTS_COMPARE1: usize = 0x144;
const EVENTS_COMPARE2: usize = 0x148;
const INTENSET: usize = 0x304;
const INTENCLR: usize = 0x308;
const MODE: usize = 0x504;
const BITMODE: usize = 0x508;
const PRESCALER: usize = 0x510;
const CC0: usize = 0x540;
const CC1: usize = 0x544;
const CC2: usize = 0x548;
const CC3: usize = 0x54C;

const INT_COMPARE0: u32 = 1 << 16;
const INT_COMPARE1: u32 = 1 << 17;
const INT_COMPARE2: u32 = 1 << 18;
const HALF: u32 = 1 << 31;
const BITMODE_32: u32 = 3;
/// 16 MHz / 2^4 = 1 MHz.
const PRESCALE_1MHZ: u32 = 4;

/// The longest hop of the alarm channel: half a wrap, so a compare value is never
/// ambiguous.
const MAX_HOP: u64 = 1 << 31;
/// An alarm this close to now (in ticks) might already be behind the counter when the
/// compare register takes it: the interrupt is pended instead of trusting the compare.
const MIN_LEAD: u64 = 2;

/// Alarm slots: the thread-mode executor, one interrupt executor and mote's fallback
/// queue.
pub const ALARM_SLOTS: usize = 3;

fn write(offset: usize, value: u32) {
    // SAFETY: TIMER1 Register Invariant: `BASE + offset` is one of the nRF51 TIMER1
    // registers named above (valid MMIO), and this driver is TIMER1's only user.
    unsafe { write_volatile((BASE + offset) as *mut u32, value) }
}

fn read(offset: usize) -> u32 {
    // SAFETY: TIMER1 Register Invariant (see `write`); reads have no side effect.
    unsafe { read_volatile((BASE + offset) as *const u32) }
}

fn capture() -> u32 {
    write(TASKS_CAPTURE3, 1);
    read(CC3)
}

/// Driver state, only touched inside the driver's critical section.
struct State {
    started: Cell<bool>,
    wraps: Cell<u32>,
    /// The latest reading of the counter.
    last: Cell<u32>,
    slots: AlarmSlots<ALARM_SLOTS>,
}

/// The TIMER1 time driver (see the [module docs](self)).
pub struct Timer1Driver {
    state: Mutex<State>,
}

impl Timer1Driver {
    const fn new() -> Self {
        Timer1Driver {
            state: Mutex::new(State {
                started: Cell::new(false),
                wraps: Cell::new(0),
                last: Cell::new(0),
                slots: AlarmSlots::new(),
            }),
        }
    }

    /// Starts TIMER1 on first use: 32-bit, 1 MHz, the two half-wrap interrupts on, line
    /// unmasked.
    fn start(&self, st: &State) {
        if st.started.get() {
            return;
        }
        write(MODE, 0);
        write(BITMODE, BITMODE_32);
        write(PRESCALER, PRESCALE_1MHZ);
        write(CC0, HALF);
        write(CC2, 0);
        write(EVENTS_COMPARE0, 0);
        write(EVENTS_COMPARE1, 0);
        write(EVENTS_COMPARE2, 0);
        write(INTENSET, INT_COMPARE0 | INT_COMPARE2);
        write(TASKS_START, 1);
        // SAFETY: unmasking TIMER1 can only run `on_interrupt`, which takes the driver's
        // critical section before touching shared state; no mask-based critical section
        // is in use (this runs inside `critical_section::with`, which masks interrupts
        // globally, not per line).
        unsafe { NVIC::unmask(Interrupt::TIMER1) };
        st.started.set(true);
    }

    /// The current tick count: a reading, with a wrap counted if the counter is below
    /// the previous reading (see [Counting wraps](self#counting-wraps)).
    fn sync(&self, st: &State) -> u64 {
        self.start(st);
        let count = capture();
        if count < st.last.get() {
            st.wraps.set(st.wraps.get().wrapping_add(1));
        }
        st.last.set(count);
        (u64::from(st.wraps.get()) << 32) | u64::from(count)
    }

    /// Points the compare channel at the earliest armed deadline (or a hop towards it),
    /// or switches its interrupt off when nothing is armed.
    fn schedule(&self, st: &State) {
        let Some(at) = st.slots.next_deadline() else {
            write(INTENCLR, INT_COMPARE1);
            return;
        };
        let now = self.sync(st);
        let target = at.min(now + MAX_HOP);
        write(CC1, target as u32);
        write(EVENTS_COMPARE1, 0);
        write(INTENSET, INT_COMPARE1);
        if self.sync(st) + MIN_LEAD >= target {
            // Due or about to be: the compare may have been written behind the counter.
            NVIC::pend(Interrupt::TIMER1);
        }
    }

    /// Call from the TIMER1 interrupt (and only there): takes a reading, runs the
    /// callbacks of every due slot and reprograms the compare channel. Spurious calls are
    /// harmless.
    pub fn on_interrupt(&self) {
        critical_section::with(|cs| {
            let st = self.state.borrow(cs);
            write(EVENTS_COMPARE0, 0);
            write(EVENTS_COMPARE1, 0);
            write(EVENTS_COMPARE2, 0);
            self.sync(st);
        });
        loop {
            let due = critical_section::with(|cs| {
                let st = self.state.borrow(cs);
                let now = self.sync(st);
                st.slots.take_earliest_due(now)
            });
            match due {
                Some((_, cb)) => cb.call(),
                None => break,
            }
        }
        critical_section::with(|cs| self.schedule(self.state.borrow(cs)));
    }
}

impl Driver for Timer1Driver {
    // One counter count is one tick: `time_driver!` rejects any other tick rate at
    // compile time, naming the tick-* features.
    const FIXED_TICK_HZ: Option<u64> = Some(1_000_000);

    fn now(&self) -> u64 {
        critical_section::with(|cs| self.sync(self.state.borrow(cs)))
    }

    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        critical_section::with(|cs| self.state.borrow(cs).slots.allocate())
    }

    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
        critical_section::with(|cs| {
            let st = self.state.borrow(cs);
            if at <= self.sync(st) {
                st.slots.disarm(alarm);
                return false;
            }
            let armed = st.slots.arm(alarm, at, callback);
            if armed {
                self.schedule(st);
            }
            armed
        })
    }
}

mote::time_driver!(
    /// The board's time driver.
    pub static DRIVER: Timer1Driver = Timer1Driver::new();
);
