//! The fallback timer queue: deadlines of futures that are **not** polled by a Mote
//! executor (a foreign executor, `block_on`), so there is no task timer node to queue.
//!
//! Guarantees:
//! - A registered waker is woken at or after its deadline (never early, except for the
//!   documented spurious wakes below), and never lost.
//! - Capacity is fixed ([`FALLBACK_CAPACITY`] entries for the shared queue), no heap.
//!   Registering the same waker again keeps one entry with the earlier deadline.
//! - **When full**, the new waker is woken at once instead of being queued: a spurious
//!   wake. The future polls again, finds its deadline not reached and registers again,
//!   so it degrades to polling until an entry frees up, but a wake is never lost. The
//!   same happens if the driver has no alarm slot left for the queue.
//! - A future dropped before its deadline leaves its entry until the deadline: one
//!   spurious wake of its waker, then the entry is free.
//!
//! The queue takes one alarm slot of the driver on first use and keeps it armed for its
//! earliest deadline.
//!
//! Costs: every operation is a linear pass over the entries (capacity is small), inside
//! a critical section; wakers are woken outside it.

use core::cell::RefCell;
use core::task::Waker;

use critical_section::Mutex;

use super::driver::{self, AlarmCallback, AlarmHandle};

/// Entries in the shared fallback queue (the one the default
/// [`Driver::schedule_wake`](super::driver::Driver::schedule_wake) uses).
///
/// On a 32-bit target each entry costs 16 bytes of RAM (deadline and waker).
pub const FALLBACK_CAPACITY: usize = 8;

/// The shared queue behind the default [`Driver::schedule_wake`](super::driver::Driver::schedule_wake).
pub(crate) static SHARED: FallbackQueue<FALLBACK_CAPACITY> = FallbackQueue::new();

/// Wakes `waker` once the clock reaches `at`, through the registered driver's fallback
/// queue. Used by the timer futures when they are not polled by a Mote executor.
///
/// ```
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
/// use mote::time::{drivers::sim, fallback, Duration};
/// use std::sync::{atomic::{AtomicBool, Ordering}, Arc};
/// use std::task::{Wake, Waker};
///
/// struct Flag(AtomicBool);
/// impl Wake for Flag {
///     fn wake(self: Arc<Self>) { self.0.store(true, Ordering::SeqCst) }
/// }
/// let flag = Arc::new(Flag(AtomicBool::new(false)));
/// fallback::schedule_wake(10, &Waker::from(flag.clone()));
/// sim::advance(Duration::from_ticks(9));
/// assert!(!flag.0.load(Ordering::SeqCst));
/// sim::advance(Duration::from_ticks(1));
/// assert!(flag.0.load(Ordering::SeqCst));
/// ```
pub fn schedule_wake(at: u64, waker: &Waker) {
    driver::driver_schedule_wake(at, waker)
}

enum Alarm {
    NotYetAllocated,
    Allocated(AlarmHandle),
    /// The driver had no free slot: every registration is woken at once.
    Unavailable,
}

struct Inner<const N: usize> {
    entries: [Option<(u64, Waker)>; N],
    alarm: Alarm,
}

/// A fixed-capacity queue of `(deadline, Waker)` driven by one alarm slot of the
/// registered driver. See the [module docs](self) for what happens when it is full.
///
/// Drivers whose clock is not global keep one per clock (the simulated driver keeps
/// one per thread); everyone else uses the shared one through [`schedule_wake`].
pub struct FallbackQueue<const N: usize> {
    inner: Mutex<RefCell<Inner<N>>>,
}

impl<const N: usize> Default for FallbackQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Wakers collected inside the critical section, woken after it.
struct Due<const N: usize> {
    wakers: [Option<Waker>; N],
    /// A waker that could not be queued (full, or no alarm): wake it too.
    overflow: Option<Waker>,
}

impl<const N: usize> Due<N> {
    fn wake_all(self) {
        for w in self.wakers.into_iter().flatten() {
            w.wake();
        }
        if let Some(w) = self.overflow {
            w.wake();
        }
    }
}

impl<const N: usize> FallbackQueue<N> {
    /// An empty queue; it allocates its alarm slot on first use.
    pub const fn new() -> Self {
        FallbackQueue {
            inner: Mutex::new(RefCell::new(Inner {
                entries: [const { None }; N],
                alarm: Alarm::NotYetAllocated,
            })),
        }
    }

    /// Wakes `waker` once the driver clock reaches `at` (at once if the queue is full
    /// or no alarm slot is available: a spurious wake, never a lost one).
    pub fn schedule_wake(&'static self, at: u64, waker: &Waker) {
        let overflow = critical_section::with(|cs| {
            let mut inner = self.inner.borrow_ref_mut(cs);
            if matches!(inner.alarm, Alarm::Unavailable) {
                return Some(waker.clone());
            }
            let entries = &mut inner.entries;
            if let Some((deadline, _)) = entries
                .iter_mut()
                .flatten()
                .find(|(_, w)| w.will_wake(waker))
            {
                *deadline = (*deadline).min(at);
                None
            } else if let Some(free) = entries.iter_mut().find(|e| e.is_none()) {
                *free = Some((at, waker.clone()));
                None
            } else {
                Some(waker.clone())
            }
        });
        if let Some(w) = overflow {
            w.wake();
        }
        self.process();
    }

    /// Wakes every due entry and re-arms the alarm for the earliest remaining one,
    /// repeating while the driver reports that deadline as already passed.
    fn process(&'static self) {
        loop {
            let (due, again) = critical_section::with(|cs| {
                let mut inner = self.inner.borrow_ref_mut(cs);
                self.collect_and_arm(&mut inner)
            });
            due.wake_all();
            if !again {
                break;
            }
        }
    }

    /// Inside the critical section: takes the due wakers out, arms the alarm for the
    /// earliest remaining deadline. Returns the due wakers and whether to go again
    /// (the alarm deadline had already passed).
    fn collect_and_arm(&'static self, inner: &mut Inner<N>) -> (Due<N>, bool) {
        let now = driver::now();
        let mut due = Due {
            wakers: [const { None }; N],
            overflow: None,
        };
        let mut next = u64::MAX;
        for (entry, out) in inner.entries.iter_mut().zip(due.wakers.iter_mut()) {
            match entry {
                Some((at, _)) if *at <= now => *out = entry.take().map(|(_, w)| w),
                Some((at, _)) => next = next.min(*at),
                None => {}
            }
        }
        if next == u64::MAX {
            return (due, false);
        }
        if let Alarm::NotYetAllocated = inner.alarm {
            inner.alarm = match driver::allocate_alarm() {
                Some(h) => Alarm::Allocated(h),
                None => Alarm::Unavailable,
            };
        }
        let handle = match inner.alarm {
            Alarm::Allocated(h) => h,
            _ => {
                // No alarm slot: wake everything queued at once (documented
                // degradation to polling); registration wakes at once from now on.
                for (entry, out) in inner.entries.iter_mut().zip(due.wakers.iter_mut()) {
                    if let Some((_, w)) = entry.take() {
                        *out = Some(w);
                    }
                }
                return (due, false);
            }
        };
        // SAFETY: `on_alarm::<N>` only calls `process` on `self`, which is `'static`
        // (so valid for the rest of the program) and synchronises through its
        // critical-section mutex, so it may run from any thread or interrupt.
        let callback =
            unsafe { AlarmCallback::new(Self::on_alarm, self as *const Self as *const ()) };
        let armed = driver::set_alarm(handle, next, callback);
        (due, !armed)
    }

    fn on_alarm(ctx: *const ()) {
        // SAFETY: `ctx` was made from `&'static Self` in `collect_and_arm` (the only
        // place that builds this callback), so it points to a live `FallbackQueue<N>`.
        let this: &'static Self = unsafe { &*(ctx as *const Self) };
        this.process();
    }
}
