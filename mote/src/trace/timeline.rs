//! A timeline of a run (features `trace` and `time`): every task event with its
//! timestamp, in a fixed RAM ring buffer, to be drained after the run and drawn.
//!
//! ```text
//!   static TIMELINE: Timeline<256>      events: ready (spawn or wake) · poll begin · poll end
//!                                       (tasks); idle · busy · interrupt entry (executors)
//!   TIMELINE.start()  ── installs the event hooks; every event: one critical section,
//!                        one clock read, 16 bytes written (the oldest overwritten when full)
//!   ... run ...
//!   timeline::stop()  ── removes the hooks
//!   TIMELINE.for_each(|event| print it)   oldest first
//! ```
//!
//! `cargo xtask trace <example>` runs a firmware that prints its timeline in the format
//! of [`Timeline::print`] and turns it into a Perfetto / Chrome trace-event JSON and an
//! SVG picture (one track per executor, showing when it is busy, with its tasks' tracks
//! grouped under it).
//!
//! Guarantees:
//! - **Fixed RAM**: `N` events of 16 bytes plus two words, in the `static` the program
//!   declares; no heap. When full, the oldest events are overwritten and counted
//!   ([`Timeline::overwritten`]).
//! - **Complete and ordered**: every event of the [`EventHooks`] seam
//!   while the timeline is started is recorded, in the order the hooks ran (each record
//!   is one critical section, clock read included, so events from interrupts interleave
//!   whole and timestamps never decrease). Timestamps are the time driver's clock, in
//!   ticks.
//! - **One at a time**: [`start`](Timeline::start) replaces the event hooks a program
//!   set itself (and a started timeline); [`stop`] removes them.
//!
//! - **Executors too**: a thread-mode executor records [`Idle`](EventKind::Idle) as it
//!   goes to sleep (interrupts masked, just before WFI; on `std`, before it parks) and
//!   [`Busy`](EventKind::Busy) once it woke (after the interrupt that woke it ran); an
//!   `InterruptExecutor` (Cortex-M) records
//!   [`Interrupt`](EventKind::Interrupt) as its handler starts a batch and `Idle` as it
//!   returns. These events name the executor (its address) in
//!   [`TimelineEvent::task`], and [`print`](Timeline::print) lists each task's executor,
//!   so a reader can group tasks under executors. With `trace` off none of this is
//!   compiled; with `trace` on and no timeline started, each executor event costs an
//!   atomic load and a branch, and no recording code is linked.

use core::cell::{Cell, RefCell};

use critical_section::Mutex;

use super::events::{self, EventHooks, TaskId};
use crate::loom::{AtomicPtr, Ordering};

/// What happened to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Spawned or woken: put in its executor's run queue.
    Ready,
    /// Its executor started polling it.
    PollBegin,
    /// The poll returned.
    PollEnd,
    /// (Executor event.) The executor goes to sleep: nothing to run.
    Idle,
    /// (Executor event.) A sleeping thread-mode executor woke up and runs again.
    Busy,
    /// (Executor event.) An interrupt executor's handler starts a batch; its `Idle`
    /// follows when the handler returns.
    Interrupt,
}

impl EventKind {
    /// One letter per kind, as [`Timeline::print`] writes it: `R`, `B`, `E` (tasks), `I`,
    /// `U`, `X` (executors).
    ///
    /// ```
    /// assert_eq!(mote::trace::timeline::EventKind::PollBegin.letter(), 'B');
    /// ```
    pub const fn letter(self) -> char {
        match self {
            EventKind::Ready => 'R',
            EventKind::PollBegin => 'B',
            EventKind::PollEnd => 'E',
            EventKind::Idle => 'I',
            EventKind::Busy => 'U',
            EventKind::Interrupt => 'X',
        }
    }

    /// Whether the event is about an executor (its [`TimelineEvent::task`] is then the
    /// executor's id) rather than a task.
    ///
    /// ```
    /// use mote::trace::timeline::EventKind;
    /// assert!(EventKind::Idle.is_executor() && !EventKind::Ready.is_executor());
    /// ```
    pub const fn is_executor(self) -> bool {
        matches!(
            self,
            EventKind::Idle | EventKind::Busy | EventKind::Interrupt
        )
    }
}

/// One recorded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineEvent {
    /// The time driver's clock when the event was recorded, in ticks.
    pub at: u64,
    /// The task (the same id as [`TaskInfo::id`](super::TaskInfo::id)); for an executor
    /// event ([`EventKind::is_executor`]), the executor's address.
    pub task: TaskId,
    /// What happened.
    pub kind: EventKind,
}

const EMPTY: TimelineEvent = TimelineEvent {
    at: 0,
    task: TaskId(0),
    kind: EventKind::Ready,
};

struct Ring<const N: usize> {
    events: [TimelineEvent; N],
    /// Events recorded since the last clear (the newest is at `(recorded - 1) % N`).
    recorded: u64,
}

/// Where the hooks write: the started timeline.
trait Recorder: Sync {
    fn record(&self, cs: critical_section::CriticalSection<'_>, event: TimelineEvent);
}

static ACTIVE: Mutex<Cell<Option<&'static dyn Recorder>>> = Mutex::new(Cell::new(None));

/// A ring buffer of the last `N` task events. Declare it as a `static`, then
/// [`start`](Self::start) it.
///
/// ```
/// use core::sync::atomic::{AtomicBool, Ordering};
/// use mote::trace::timeline::{self, EventKind, Timeline};
/// # mote::time_driver!(static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new(););
///
/// static TIMELINE: Timeline<64> = Timeline::new();
/// static DONE: AtomicBool = AtomicBool::new(false);
///
/// #[mote::task]
/// async fn naps() {
///     mote::time::Timer::after_ticks(7).await; // simulated time: exact
///     DONE.store(true, Ordering::Relaxed);
/// }
///
/// TIMELINE.start();
/// let executor = Box::leak(Box::new(mote::executor::Executor::new()));
/// executor.run_until(|s| s.must_spawn(naps()), || DONE.load(Ordering::Relaxed));
/// timeline::stop();
///
/// let mut kinds = Vec::new();
/// let mut times = Vec::new();
/// TIMELINE.for_each(|e| { kinds.push(e.kind); times.push(e.at); });
/// use EventKind::*;
/// assert_eq!(kinds, [Ready, PollBegin, PollEnd, Ready, PollBegin, PollEnd]);
/// assert_eq!(times[4] - times[1], 7, "the second poll comes 7 ticks after the first");
/// ```
pub struct Timeline<const N: usize> {
    ring: Mutex<RefCell<Ring<N>>>,
}

impl<const N: usize> Timeline<N> {
    /// An empty timeline of `N` events (16 bytes each, plus 8).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Timeline {
            ring: Mutex::new(RefCell::new(Ring {
                events: [EMPTY; N],
                recorded: 0,
            })),
        }
    }

    /// Empties the buffer and records every task event from now on, in place of any
    /// event hooks set before (see [`set_event_hooks`](super::set_event_hooks)).
    pub fn start(&'static self) {
        critical_section::with(|cs| {
            self.ring.borrow_ref_mut(cs).recorded = 0;
            ACTIVE.borrow(cs).set(Some(self));
        });
        events::set_event_hooks(&HOOKS);
        EXECUTOR_EVENTS.store(
            core::ptr::from_ref(&EXECUTOR_HOOK).cast_mut(),
            Ordering::Release,
        );
    }

    /// Events held (at most `N`).
    ///
    /// ```
    /// static T: mote::trace::timeline::Timeline<4> = mote::trace::timeline::Timeline::new();
    /// assert_eq!(T.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        critical_section::with(|cs| self.held(self.ring.borrow_ref(cs).recorded))
    }

    /// True when no event is held.
    ///
    /// ```
    /// static T: mote::trace::timeline::Timeline<4> = mote::trace::timeline::Timeline::new();
    /// assert!(T.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events lost because the buffer was full (the oldest are overwritten).
    ///
    /// ```
    /// static T: mote::trace::timeline::Timeline<4> = mote::trace::timeline::Timeline::new();
    /// assert_eq!(T.overwritten(), 0);
    /// ```
    pub fn overwritten(&self) -> u64 {
        critical_section::with(|cs| {
            let recorded = self.ring.borrow_ref(cs).recorded;
            recorded - self.held(recorded) as u64
        })
    }

    fn held(&self, recorded: u64) -> usize {
        if recorded < N as u64 {
            recorded as usize
        } else {
            N
        }
    }

    /// Calls `f` with each held event, oldest first, outside any critical section.
    /// Call [`stop`] first: events recorded meanwhile may overwrite those not visited
    /// yet. O(N).
    pub fn for_each(&self, mut f: impl FnMut(&TimelineEvent)) {
        let (recorded, held) = critical_section::with(|cs| {
            let recorded = self.ring.borrow_ref(cs).recorded;
            (recorded, self.held(recorded))
        });
        let oldest = recorded - held as u64;
        for i in 0..held as u64 {
            let at = ((oldest + i) % N as u64) as usize;
            let event = critical_section::with(|cs| self.ring.borrow_ref(cs).events[at]);
            f(&event);
        }
    }

    /// Writes the timeline in the text format `cargo xtask trace` reads: a line
    /// `timeline: begin <tick_hz> <events> <overwritten>`; one line
    /// `timeline: task <executor> <task name>` per task the held events name (the
    /// executor it was last spawned on);
    /// one line `timeline: <ticks> <R|B|E> <task name>` per task event and
    /// `timeline: <ticks> <I|U|X> <executor>` per executor event (oldest first); then
    /// `timeline: end`. Tasks not made by `#[mote::task]` are `?`, slots of one task
    /// function after its first are `name#2`, `name#3`, ...; an executor is
    /// `executor@<address in hex>`. Call [`stop`] first.
    ///
    /// ```
    /// static T: mote::trace::timeline::Timeline<4> = mote::trace::timeline::Timeline::new();
    /// let mut out = String::new();
    /// T.print(&mut out).unwrap();
    /// assert_eq!(out, "timeline: begin 1000000 0 0\ntimeline: end\n".replace("1000000", &mote::time::TICK_HZ.to_string()));
    /// ```
    pub fn print(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        writeln!(
            out,
            "timeline: begin {} {} {}",
            crate::time::TICK_HZ,
            self.len(),
            self.overwritten()
        )?;
        let mut result = Ok(());
        super::registry::walk(|task| {
            let executor = task.header().executor_ptr().addr();
            if result.is_err() || executor == 0 {
                return;
            }
            // Only the tasks the held events name (a scan of the ring per task: the
            // print runs after the run, and this keeps it free of any allocation).
            let id = super::task_trace::id_of(task);
            let mut named = false;
            self.for_each(|e| named |= !e.kind.is_executor() && e.task == id);
            if !named {
                return;
            }
            result = write!(out, "timeline: task executor@{executor:x} ")
                .and_then(|()| write_task_name(out, super::task_trace::id_of(task)))
                .and_then(|()| out.write_char('\n'));
        });
        result?;
        self.for_each(|e| {
            if result.is_err() {
                return;
            }
            result = write!(out, "timeline: {} {} ", e.at, e.kind.letter())
                .and_then(|()| {
                    if e.kind.is_executor() {
                        write!(out, "executor@{:x}", e.task.0)
                    } else {
                        write_task_name(out, e.task)
                    }
                })
                .and_then(|()| out.write_char('\n'));
        });
        result?;
        writeln!(out, "timeline: end")
    }
}

/// Writes the name of task `id`, with `#k` for the k-th listed slot of its task
/// function (k > 1), or `?`.
fn write_task_name(out: &mut impl core::fmt::Write, id: TaskId) -> core::fmt::Result {
    let mut name = None;
    super::for_each_task(|t| {
        if name.is_none() && t.id == id {
            name = Some(t.name);
        }
    });
    let Some(name) = name else {
        return out.write_char('?');
    };
    // Slots are listed in first-spawn order: count the slots of the same task function
    // listed before this one.
    let (mut found, mut before) = (false, 0);
    super::for_each_task(|t| {
        found |= t.id == id;
        if !found && t.name == name {
            before += 1;
        }
    });
    if before == 0 {
        out.write_str(name)
    } else {
        write!(out, "{name}#{}", before + 1)
    }
}

impl<const N: usize> Recorder for Timeline<N> {
    fn record(&self, cs: critical_section::CriticalSection<'_>, event: TimelineEvent) {
        if N == 0 {
            return;
        }
        let mut ring = self.ring.borrow_ref_mut(cs);
        let at = (ring.recorded % N as u64) as usize;
        ring.events[at] = event;
        ring.recorded += 1;
    }
}

/// Stops recording: removes the event hooks and detaches the started timeline (its
/// events stay, to be read).
///
/// ```
/// mote::trace::timeline::stop();
/// ```
pub fn stop() {
    events::clear_event_hooks();
    EXECUTOR_EVENTS.store(core::ptr::null_mut(), Ordering::Release);
    critical_section::with(|cs| ACTIVE.borrow(cs).set(None));
}

/// Records one event; the clock is read inside the critical section, so the order of
/// the records is the order of their timestamps, whichever contexts they come from.
fn record(task: TaskId, kind: EventKind) {
    critical_section::with(|cs| {
        if let Some(recorder) = ACTIVE.borrow(cs).get() {
            let at = crate::time::driver::now();
            recorder.record(cs, TimelineEvent { at, task, kind });
        }
    });
}

/// Where executor events go while a timeline is started: set by [`Timeline::start`],
/// cleared by [`stop`]. A pointer rather than a direct call, so that a program that
/// never starts a timeline pays one load and a branch per executor event and links no
/// recording code.
struct ExecutorHook {
    record: fn(TaskId, EventKind),
}

static EXECUTOR_HOOK: ExecutorHook = ExecutorHook { record };
static EXECUTOR_EVENTS: AtomicPtr<ExecutorHook> = AtomicPtr::new(core::ptr::null_mut());

/// Records an executor event (module docs) for the executor at `executor`, if a
/// timeline is started.
#[inline]
pub(crate) fn executor_event(executor: &crate::executor::raw::RawExecutor, kind: EventKind) {
    let hook = EXECUTOR_EVENTS.load(Ordering::Acquire);
    // SAFETY: null or `&EXECUTOR_HOOK`, a `'static` (stored by `start`).
    if let Some(hook) = unsafe { hook.cast_const().as_ref() } {
        (hook.record)(TaskId(core::ptr::from_ref(executor).addr()), kind);
    }
}

fn on_ready(task: TaskId) {
    record(task, EventKind::Ready);
}

fn on_poll_begin(task: TaskId) {
    record(task, EventKind::PollBegin);
}

fn on_poll_end(task: TaskId) {
    record(task, EventKind::PollEnd);
}

static HOOKS: EventHooks = EventHooks {
    ready: on_ready,
    poll_begin: on_poll_begin,
    poll_end: on_poll_end,
};
