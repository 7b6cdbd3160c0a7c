//! The time-driver seam: the one place where Mote's core meets a clock and an alarm.
//!
//! Guarantees:
//! - Exactly one driver serves the whole program. It is registered once, with
//!   [`time_driver!`](crate::time_driver), on stable Rust and without a type parameter
//!   leaking into the executor or the timer types: the macro defines a handful of
//!   Rust-ABI functions with fixed symbol names and the core calls those. Each symbol
//!   name is a sentence, so a program without a driver (only if time is used) fails to
//!   link with an error that says what to add:
//!
//!   ```text
//!   undefined symbol: mote::time: no time driver linked (register one with
//!   mote::time_driver!, or add `use <board crate> as _;` if your board crate provides it) [now]
//!   ```
//!
//!   Two drivers: link error `symbol multiply defined`.
//! - The clock is a monotonic `u64` tick counter at [`TICK_HZ`](super::TICK_HZ) that
//!   never wraps (the driver extends narrower hardware counters).
//! - **One alarm per executor.** Every executor (thread mode and each interrupt
//!   executor) that uses timers takes one alarm slot with [`allocate_alarm`] and keeps
//!   it for the life of the program; so does the [fallback queue](super::fallback) of
//!   timers polled with foreign wakers. Each arms its slot for the earliest deadline of
//!   its own queue, however many timers that queue holds. A firmware driver offers a
//!   small fixed set of slots (executors plus one); a driver with a single hardware
//!   comparator multiplexes them with [`AlarmSlots`]: the comparator is programmed with
//!   the earliest armed slot. The std and simulated drivers grow their slot set, so any
//!   number of executors gets one.
//! - A slot the driver cannot give (a fixed set exhausted) is not lost silently: that
//!   executor or queue polls its timers instead of sleeping on an alarm (documented in
//!   [`executor_timers`](super::executor_timers) and [`fallback`](super::fallback)).
//!
//! ```text
//!   executor A ─┐ set_alarm(slot 0, at, cb_A)           alarm fires (interrupt/thread)
//!   executor B ─┼─► driver slots ─► hardware compare ─► cb(ctx) for each due slot
//!   fallback   ─┘   (AlarmSlots)    = min(armed)         = "wake the executor that armed it"
//! ```
//!
//! Alarm slot states (per slot):
//!
//! ```text
//!            allocate_alarm()            set_alarm(at > now) → true
//!   FREE ───────────────────► IDLE ─────────────────────────────► ARMED(at, cb)
//!                              ▲  ◄── set_alarm(at <= now) → false   │
//!                              │      (nothing armed, cb not called) │ now >= at:
//!                              └─────────────────────────────────────┘ driver calls cb once
//! ```
//!
//! Re-arming an `ARMED` slot replaces its deadline and callback. `at == u64::MAX` arms
//! a deadline that is never reached, i.e. disarms.

pub use super::alarm_slots::AlarmSlots;
use super::fallback::FallbackQueue;

/// An alarm slot of the registered driver, obtained from [`allocate_alarm`].
///
/// Slots are never freed: an executor allocates one at start-up and keeps it. The
/// index is a `u32`, so a driver with a growable slot set (the std and simulated
/// drivers) never runs out of handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlarmHandle(u32);

impl AlarmHandle {
    /// The handle of slot `index`. Drivers use this to hand out their slots; a handle
    /// the driver did not allocate is ignored by it (`set_alarm` returns `false`).
    ///
    /// ```
    /// use mote::time::driver::AlarmHandle;
    /// assert_eq!(AlarmHandle::new(3).index(), 3);
    /// ```
    pub const fn new(index: u32) -> AlarmHandle {
        AlarmHandle(index)
    }

    /// The slot index.
    pub const fn index(self) -> u32 {
        self.0
    }
}

/// What a driver calls when an alarm fires: a function and its context pointer,
/// typically "pend the executor at `ctx`".
///
/// The driver calls it at most once per arming, from wherever its alarm is detected:
/// the timer interrupt on Cortex-M, a helper thread for the std driver, or inside
/// `advance`/`idle` on the calling thread for the simulated driver.
#[derive(Clone, Copy, Debug)]
pub struct AlarmCallback {
    func: fn(*const ()),
    ctx: *const (),
}

// SAFETY: an `AlarmCallback` is only a function pointer and an opaque context; its
// constructor (`AlarmCallback::new`, unsafe) requires that calling `func(ctx)` is sound
// from any thread or interrupt priority, which is exactly what moving or sharing it
// across threads allows.
unsafe impl Send for AlarmCallback {}
// SAFETY: as for `Send`: `call` is the only use of the fields and it is sound from any
// context by the constructor's contract.
unsafe impl Sync for AlarmCallback {}

impl AlarmCallback {
    /// Bundles `func` and its context.
    ///
    /// # Safety
    ///
    /// - `func(ctx)` must be sound to call from any thread and any interrupt priority,
    ///   any number of times (alarms may fire late, or spuriously after a re-arm race).
    /// - `ctx` must stay valid for as long as any alarm armed with this callback can
    ///   fire; since a driver may call a callback shortly after it was replaced, use a
    ///   context that lives for the rest of the program (a `static` executor) unless
    ///   the driver documents a stronger guarantee (the simulated driver does).
    ///
    /// ```
    /// use mote::time::driver::AlarmCallback;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// static FIRED: AtomicU32 = AtomicU32::new(0);
    /// fn on_alarm(ctx: *const ()) {
    ///     // SAFETY: ctx is &FIRED (see below), a static.
    ///     let counter = unsafe { &*(ctx as *const AtomicU32) };
    ///     counter.fetch_add(1, Ordering::Relaxed);
    /// }
    /// // SAFETY: `on_alarm` only touches an atomic static, from any context.
    /// let cb = unsafe { AlarmCallback::new(on_alarm, &FIRED as *const AtomicU32 as *const ()) };
    /// cb.call();
    /// assert_eq!(FIRED.load(Ordering::Relaxed), 1);
    /// ```
    pub const unsafe fn new(func: fn(*const ()), ctx: *const ()) -> AlarmCallback {
        AlarmCallback { func, ctx }
    }

    /// Calls the function with its context.
    pub fn call(self) {
        (self.func)(self.ctx)
    }
}

/// A time driver: a monotonic tick clock plus a few alarm slots.
///
/// Implement it for a type, then register one `static` instance with
/// [`time_driver!`](crate::time_driver). See the [module docs](self) for the
/// slot state machine.
///
/// ```
/// use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
///
/// /// A clock that is always at tick 0 and has no alarms.
/// struct Frozen;
/// impl Driver for Frozen {
///     fn now(&self) -> u64 { 0 }
///     fn allocate_alarm(&self) -> Option<AlarmHandle> { None }
///     fn set_alarm(&self, _: AlarmHandle, _: u64, _: AlarmCallback) -> bool { false }
/// }
/// mote::time_driver!(static DRIVER: Frozen = Frozen;);
///
/// assert_eq!(mote::time::Instant::now().as_ticks(), 0);
/// ```
pub trait Driver: Send + Sync + 'static {
    /// The rate, in Hz, at which [`now`](Driver::now) counts when the driver returns a
    /// hardware counter as is (e.g. a 32 768 Hz RTC, a timer prescaled to 1 MHz), or
    /// `None` (the default) when it converts its counter to [`TICK_HZ`](super::TICK_HZ)
    /// and so works at every tick rate. With `Some(hz)`, [`time_driver!`](crate::time_driver)
    /// fails to compile unless `hz == TICK_HZ`, with a message naming the `tick-*`
    /// features: the rate is chosen by features of the whole build (the finest enabled
    /// one wins), so a dependency can change it.
    ///
    /// ```
    /// use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};
    ///
    /// /// An RTC counting at 32 768 Hz: registering it with `time_driver!` compiles
    /// /// only when the build's tick rate is 32 768 Hz (`tick-32768hz`, not `tick-1mhz`).
    /// struct Rtc;
    /// impl Driver for Rtc {
    ///     const FIXED_TICK_HZ: Option<u64> = Some(32_768);
    ///     fn now(&self) -> u64 { 0 }
    ///     fn allocate_alarm(&self) -> Option<AlarmHandle> { None }
    ///     fn set_alarm(&self, _: AlarmHandle, _: u64, _: AlarmCallback) -> bool { false }
    /// }
    /// # assert_eq!(Rtc::FIXED_TICK_HZ, Some(32_768));
    /// ```
    const FIXED_TICK_HZ: Option<u64> = None;

    /// The current tick count. Must never decrease and must never wrap.
    fn now(&self) -> u64;

    /// Takes a free alarm slot, or `None` when all are taken. Called once per executor
    /// (and once by each fallback queue), at start-up. A driver with a fixed number of
    /// slots needs one per executor that uses timers, plus one if timers are polled
    /// outside Mote tasks (the fallback queue).
    fn allocate_alarm(&self) -> Option<AlarmHandle>;

    /// Arms `alarm` to call `callback` once when `now() >= at`, replacing whatever the
    /// slot held.
    ///
    /// Returns `false` without arming (and without calling `callback`) if `at` has
    /// already been reached (`at <= now()`), and for a handle this driver did not
    /// allocate; the caller then handles its due deadline itself. The check must be
    /// race-free: a driver that returns `true` guarantees the callback will run.
    /// `at == u64::MAX` disarms the slot.
    fn set_alarm(&self, alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool;

    /// Called by an executor that has nothing to run and has armed its alarm, right
    /// before it sleeps. A driver with virtual time (the simulated driver) advances its
    /// clock to the earliest alarm of the calling context, fires it and returns `true`:
    /// the executor then re-checks its queues instead of sleeping. Real-time drivers
    /// keep this default, which returns `false` ("go to sleep").
    fn idle(&self) -> bool {
        false
    }

    /// The queue for timers polled outside a Mote task (foreign executors, `block_on`,
    /// a `FuturesUnordered` inside a task). The default is the crate's shared
    /// [`FallbackQueue`], which takes one alarm slot on
    /// first use. A driver whose clock is not global (the simulated driver keeps one
    /// clock per thread) overrides it with a queue of its own per clock.
    fn fallback_queue(&self) -> &'static FallbackQueue {
        &super::fallback::SHARED
    }
}

/// The symbol of the driver entry point `$name`: a sentence that a linker error for a
/// missing driver shows as is.
#[doc(hidden)]
#[macro_export]
macro_rules! __mote_time_symbol {
    ($name:literal) => {
        concat!(
            "mote::time: no time driver linked (register one with mote::time_driver!, or add ",
            "`use <board crate> as _;` if your board crate provides it) [",
            $name,
            "]"
        )
    };
}

/// Registers the program's time driver: `time_driver!(static NAME: Type = expr;)`.
///
/// Defines the `static` and the symbols through which Mote reaches it, and checks at
/// compile time that a driver with a [fixed rate](Driver::FIXED_TICK_HZ) counts at
/// [`TICK_HZ`](super::TICK_HZ). Use it exactly once per program (a second use fails to link with "symbol multiply
/// defined"), in the binary or in a board-support crate.
///
/// ```
/// use mote::time::drivers::sim::SimDriver;
/// mote::time_driver!(static DRIVER: SimDriver = SimDriver::new(););
///
/// let t0 = mote::time::Instant::now();
/// mote::time::drivers::sim::advance(mote::time::Duration::from_ticks(5));
/// assert_eq!(t0.elapsed().as_ticks(), 5);
/// ```
#[macro_export]
macro_rules! time_driver {
    ($(#[$attr:meta])* $vis:vis static $name:ident : $ty:ty = $init:expr ;) => {
        $(#[$attr])*
        $vis static $name: $ty = $init;

        // A driver counting at a fixed rate must match the build's tick rate.
        const _: () = $crate::_export::check_driver_rate(
            <$ty as $crate::time::driver::Driver>::FIXED_TICK_HZ,
        );

        const _: () = {
            #[unsafe(export_name = $crate::__mote_time_symbol!("now"))]
            fn _mote_time_now() -> u64 {
                <$ty as $crate::time::driver::Driver>::now(&$name)
            }
            #[unsafe(export_name = $crate::__mote_time_symbol!("allocate_alarm"))]
            fn _mote_time_allocate_alarm() -> ::core::option::Option<$crate::time::driver::AlarmHandle> {
                <$ty as $crate::time::driver::Driver>::allocate_alarm(&$name)
            }
            #[unsafe(export_name = $crate::__mote_time_symbol!("set_alarm"))]
            fn _mote_time_set_alarm(
                alarm: $crate::time::driver::AlarmHandle,
                at: u64,
                callback: $crate::time::driver::AlarmCallback,
            ) -> bool {
                <$ty as $crate::time::driver::Driver>::set_alarm(&$name, alarm, at, callback)
            }
            #[unsafe(export_name = $crate::__mote_time_symbol!("idle"))]
            fn _mote_time_idle() -> bool {
                <$ty as $crate::time::driver::Driver>::idle(&$name)
            }
            #[unsafe(export_name = $crate::__mote_time_symbol!("fallback_queue"))]
            fn _mote_time_fallback_queue() -> &'static $crate::time::fallback::FallbackQueue {
                <$ty as $crate::time::driver::Driver>::fallback_queue(&$name)
            }
        };
    };
}

// The symbols `time_driver!` defines. Keep the two lists in sync. `set_alarm` is
// declared `safe` (Registered Driver Invariant, below), so that the executor's driver
// table can point at the symbol itself: through the `set_alarm` function below, a
// 20-byte thunk that only copies its stack arguments was linked on thumbv7m.
unsafe extern "Rust" {
    #[link_name = crate::__mote_time_symbol!("now")]
    fn _mote_time_now() -> u64;
    #[link_name = crate::__mote_time_symbol!("allocate_alarm")]
    fn _mote_time_allocate_alarm() -> Option<AlarmHandle>;
    #[link_name = crate::__mote_time_symbol!("set_alarm")]
    pub(crate) safe fn _mote_time_set_alarm(
        alarm: AlarmHandle,
        at: u64,
        callback: AlarmCallback,
    ) -> bool;
    #[link_name = crate::__mote_time_symbol!("idle")]
    fn _mote_time_idle() -> bool;
    #[link_name = crate::__mote_time_symbol!("fallback_queue")]
    fn _mote_time_fallback_queue() -> &'static FallbackQueue;
}

// Named invariant, cited below as "Registered Driver Invariant": each of these
// symbols is defined by `time_driver!` with exactly the signature declared above and
// forwards to a `Driver` method, which is safe to call. Anyone who defines one by hand
// does so with `#[unsafe(no_mangle)]` and thereby vouches for the same signature.

/// The registered driver's clock, in ticks ([`Driver::now`]).
pub fn now() -> u64 {
    // SAFETY: Registered Driver Invariant.
    unsafe { _mote_time_now() }
}

/// Takes an alarm slot of the registered driver ([`Driver::allocate_alarm`]).
pub fn allocate_alarm() -> Option<AlarmHandle> {
    // SAFETY: Registered Driver Invariant.
    unsafe { _mote_time_allocate_alarm() }
}

/// Arms an alarm slot of the registered driver ([`Driver::set_alarm`]); `false` if `at`
/// has already been reached.
pub fn set_alarm(alarm: AlarmHandle, at: u64, callback: AlarmCallback) -> bool {
    _mote_time_set_alarm(alarm, at, callback)
}

/// Lets the registered driver use an executor's idle moment ([`Driver::idle`]);
/// `true` means "something may have been woken: re-check instead of sleeping".
pub fn idle() -> bool {
    // SAFETY: Registered Driver Invariant.
    unsafe { _mote_time_idle() }
}

/// The registered driver's fallback queue ([`Driver::fallback_queue`]), for the
/// calling context.
pub(crate) fn fallback_queue() -> &'static FallbackQueue {
    // SAFETY: Registered Driver Invariant.
    unsafe { _mote_time_fallback_queue() }
}
