//! The architecture-independent executor: a run queue, a way to signal ("pend") the
//! context that runs it, and the poll loop that drains one batch. Backends in
//! [`arch`](super::arch) wrap it with their sleep and wake mechanics; custom backends
//! (another RTOS, a test harness) can use it directly.
//!
//! Guarantees:
//! - A wake polls only the woken task (invariant 3); [`RawExecutor::poll`] polls each
//!   task of its batch at most once, oldest wake first (invariant 4).
//! - The pender is called only when the run queue goes from empty to non-empty, so a
//!   busy executor that wakes itself never pays for a signal (on std: no system call).
//! - Slots of finished tasks go back to their pools before `poll` returns (or, if the task
//!   was woken after finishing, when that stale entry is drained).
//!
//! **Who may spawn where.** A [`RawExecutor`] is `!Sync`: a `&'static RawExecutor`, and
//! so a [`Spawner`] (which is `!Send`), stays in the context that made it, and only that
//! context may poll it. Tasks spawned through a `Spawner` may therefore hold `!Send`
//! state. The one way to spawn from another thread, executor or interrupt handler is a
//! [`SendSpawner`](super::SendSpawner) ([`Spawner::make_send`]), which takes only `Send`
//! futures. [`Spawner::for_current_executor`] checks, when awaited, that the current
//! context is the one polling the task's executor (a task's waker may be passed to a
//! future polled elsewhere) and panics otherwise. Executors that live in a `static`
//! (the Cortex-M ones) are `Sync` wrappers that check the context in their `spawner`.
//!
//! **Shared Fields Invariant.** Other contexts reach a `RawExecutor` through task
//! headers (wakers, timers). They touch only the run queue (lock-free), the pender
//! (callable anywhere by contract) and the timer queue (critical sections) — never the
//! poll loop's state.
//!
//! **Panics** (with `panic = unwind`, e.g. on std). A task whose poll panics is finished:
//! its future is dropped where it panicked (a panic in that drop aborts), its timer leaves
//! the queue and its slot is freed, so later wakes of it do nothing. The same holds
//! when the drop of a *completed* future panics (a joinable task's output dropped on its
//! executor, a heap task's future that owns values after `Ready`). The panic then
//! propagates out of [`RawExecutor::poll`] to its caller; the tasks of the batch that were
//! not polled yet go back to the run queue, and the next `poll` runs them, and the alarm
//! is re-armed as at a batch's end (for a timer registered earlier in the batch). With
//! `panic = abort` (the usual firmware profile) none of this costs anything.

use core::marker::PhantomData;

use super::header::TaskRef;
use super::run_queue::RunQueue;
use super::spawner::Spawner;
use super::timers::Timers;
use crate::loom::const_fn_unless_loom;
#[cfg(any(feature = "cortex-m", feature = "std"))]
use crate::loom::AtomicUsize;
#[allow(unused_imports)]
use crate::loom::Ordering;

/// How wakes reach the context running an executor: a function and a context word,
/// called when the run queue becomes non-empty. It must be callable from any context
/// (interrupts, other threads).
#[derive(Clone, Copy)]
pub struct Pender {
    // `None` for executors that need no signal: no call at all on their wake path, and an
    // all-zero executor that lands in `.bss`.
    func: Option<unsafe extern "C" fn(*const ())>,
    context: *const (),
}

// SAFETY: `Pender::new`'s contract requires `func(context)` to be callable from any
// context and thread.
unsafe impl Send for Pender {}
// SAFETY: as above; the pender is only ever called, never mutated.
unsafe impl Sync for Pender {}

impl Pender {
    /// A pender that does nothing: right for an executor whose sleep ends on any
    /// interrupt anyway (single-core thread mode with WFI), or that is polled by hand.
    ///
    /// ```
    /// let pender = mote::executor::raw::Pender::none();
    /// # let _ = pender;
    /// ```
    pub const fn none() -> Self {
        Self {
            func: None,
            context: core::ptr::null(),
        }
    }

    /// A pender calling `func(context)`. The C ABI lets a backend write the function in
    /// assembly (`#[unsafe(naked)]`, stable only for explicit ABIs): the Cortex-M interrupt
    /// executor's penders are three instructions.
    ///
    /// # Safety
    /// `func(context)` must be sound to call at any time from any interrupt priority and
    /// any thread, for as long as the executor lives.
    ///
    /// ```
    /// use mote::executor::raw::Pender;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static PENDS: AtomicUsize = AtomicUsize::new(0);
    /// unsafe extern "C" fn count(_: *const ()) { PENDS.fetch_add(1, Ordering::Relaxed); }
    /// // SAFETY: `count` only touches an atomic.
    /// let pender = unsafe { Pender::new(count, core::ptr::null()) };
    /// # let _ = pender;
    /// ```
    pub const unsafe fn new(func: unsafe extern "C" fn(*const ()), context: *const ()) -> Self {
        Self {
            func: Some(func),
            context,
        }
    }

    #[inline]
    pub(crate) fn pend(&self) {
        if let Some(func) = self.func {
            // SAFETY: `new`'s contract.
            unsafe { func(self.context) }
        }
    }
}

/// An executor without a run loop: spawn tasks through [`spawner`](Self::spawner), then call
/// [`poll`](Self::poll) whenever the pender fired. Must be borrowed for `'static`, and is
/// `!Sync`: it stays in the context that polls it (module docs: who may spawn where).
///
/// ```
/// use mote::executor::raw::{Pender, RawExecutor};
///
/// #[mote::task]
/// async fn hello(out: &'static std::sync::atomic::AtomicBool) {
///     out.store(true, std::sync::atomic::Ordering::Relaxed);
/// }
///
/// static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// // `!Sync`: not a `static`, but leaked (or in a `StaticCell`) on the thread polling it.
/// let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(Pender::none())));
/// exec.spawner().spawn(hello(&DONE)).unwrap();
/// // SAFETY: this thread is the only one polling `exec`.
/// unsafe { exec.poll() };
/// assert!(DONE.load(std::sync::atomic::Ordering::Relaxed));
/// ```
pub struct RawExecutor {
    run_queue: RunQueue,
    pender: Pender,
    /// Sleeping tasks' timer nodes and this executor's alarm slot: the seam to `time`
    /// ([`timers`](super::timers); zero bytes without the feature).
    pub(crate) timers: Timers,
    /// The context that polls this executor ([`arch::context_id`](super::arch)), 0 until
    /// the first poll. Read by `Spawner::for_current_executor` from any context.
    #[cfg(any(feature = "cortex-m", feature = "std"))]
    context: AtomicUsize,
    // `!Sync`: a `&RawExecutor` (hence a `Spawner`) stays in its context (module docs).
    _poll_context: UseSendSpawnerAcrossContexts,
}

/// Makes [`RawExecutor`] `!Sync`. Its name is what the compiler shows when code tries to
/// share an executor or a `Spawner` between threads: hand a
/// [`SendSpawner`](super::SendSpawner) (`spawner.make_send()`) to the other context
/// instead.
#[derive(Clone, Copy)]
pub(crate) struct UseSendSpawnerAcrossContexts(pub(crate) PhantomData<*mut ()>);

// SAFETY: an executor value holds no reference to its context until it is borrowed for
// `'static` (spawning and polling need `&'static self`), and a `&'static` of a `!Sync`
// type cannot leave its thread; moving the value itself moves nothing that is shared.
unsafe impl Send for RawExecutor {}

impl RawExecutor {
    const_fn_unless_loom! {
        /// A new executor signalled through `pender`.
        pub fn new(pender: Pender) -> Self {
            Self {
                run_queue: RunQueue::new(),
                pender,
                timers: Timers::new(),
                #[cfg(any(feature = "cortex-m", feature = "std"))]
                context: AtomicUsize::new(0),
                _poll_context: UseSendSpawnerAcrossContexts(PhantomData),
            }
        }
    }

    /// A spawner for this executor.
    pub fn spawner(&'static self) -> Spawner {
        Spawner::new(self)
    }

    /// True if no task is waiting to be polled (a hint: a wake may come at any moment).
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.run_queue.is_empty()
    }

    /// Publishes a claimed task as spawned on this executor and queues it: the task is
    /// marked spawned with its run-queue entry taken (so no waker can queue it), then
    /// pushed, and the executor pended if its queue was empty. No wake: its checks
    /// (spawned? queued already?) have known answers here.
    ///
    /// # Safety
    /// `task` was claimed from its pool, holds its future, and is not spawned yet.
    #[inline]
    pub(crate) unsafe fn spawn(&'static self, task: TaskRef) {
        // The unspawned slot is exclusively ours; the `SPAWNED` store publishes it.
        task.header().set_executor(self);
        #[cfg(not(feature = "trace"))]
        {
            task.header().state.spawn_queued();
            // SAFETY: `spawn_queued` took the run-queue entry for this context.
            if unsafe { self.run_queue.push(task) } {
                self.pend();
            }
        }
        #[cfg(feature = "trace")]
        {
            task.header().state.spawn();
            super::waker::wake_spawned(task);
        }
    }

    /// [`spawn`](Self::spawn), out of line: for [`SendSpawner`](super::SendSpawner)
    /// (spawning across contexts, seldom in a hot loop), so that the spawning code, often
    /// a big state machine, keeps its registers (inlined there, it cost the
    /// interrupt-latency benchmark's measuring task 4 instructions per interrupt).
    ///
    /// # Safety
    /// As for [`spawn`](Self::spawn).
    #[inline(never)]
    pub(crate) unsafe fn spawn_out_of_line(&'static self, task: TaskRef) {
        // SAFETY: forwarded contract.
        unsafe { self.spawn(task) }
    }

    /// The run queue (for the wake path).
    #[inline]
    pub(crate) fn run_queue(&self) -> &RunQueue {
        &self.run_queue
    }

    /// Signals the context running this executor.
    #[inline]
    pub(crate) fn pend(&self) {
        self.pender.pend();
    }

    /// Polls every task queued so far, once each, oldest wake first, and returns how many
    /// were taken from the queue. Tasks woken meanwhile wait for the next call.
    ///
    /// The calling context counts as the executor's own only while `poll` runs: for
    /// [`Spawner::for_current_executor`], and for a timer that one of its tasks' wakers
    /// registers (which then leaves re-arming the alarm to the end of the batch). A timer
    /// registered with a task's waker between two calls, even from the same thread or
    /// handler, pends the executor, so a loop that sleeps until pended polls again and
    /// re-arms for it.
    ///
    /// # Safety
    /// Only one context ever polls a given executor (its thread, or its interrupt
    /// handler), and it is the context its [`Spawner`]s are used in (tasks spawned
    /// through them may hold `!Send` state; safe code cannot take a `&RawExecutor` or a
    /// `Spawner` elsewhere, as both are `!Send`, so this only binds code that moved one
    /// with `unsafe`); `poll` is not re-entered from a task (nor from its waker or the
    /// pender).
    pub unsafe fn poll(&'static self) -> usize {
        #[cfg(any(feature = "cortex-m", feature = "std"))]
        let _polling = PollingContext::enter(self);
        // SAFETY: forwarded contract; the context is recorded for the call.
        unsafe { self.poll_batch() }
    }

    /// [`poll`](Self::poll) without recording the polling context: for backends that
    /// record it once, before their loop ([`record_context`](Self::record_context)) or at
    /// start ([`set_context`](Self::set_context)), so that no batch pays the check.
    ///
    /// # Safety
    /// As for [`poll`](Self::poll), and the context that calls it has been recorded.
    #[inline(always)]
    pub(crate) unsafe fn poll_batch(&'static self) -> usize {
        // SAFETY: forwarded contract.
        let polled = unsafe { self.poll_batch_in_loop() };
        // Re-arm if the earliest deadline moved during the batch.
        self.timers.after_batch(self);
        polled
    }

    /// [`poll_batch`](Self::poll_batch) for a loop that, right after, either calls it
    /// again or goes to sleep through [`timers_allow_sleep`](Self::timers_allow_sleep):
    /// the re-arm a batch may need is then done at the start of the next one, or before
    /// sleeping, and no batch pays a check after it (module `timers`).
    ///
    /// # Safety
    /// As for [`poll_batch`](Self::poll_batch), and the caller loops as said above.
    #[inline(always)]
    pub(crate) unsafe fn poll_batch_in_loop(&'static self) -> usize {
        // Timer work, only if there is some (module `timers`).
        self.timers.batch_begin(self);
        let mut batch = BatchGuard {
            executor: self,
            // SAFETY: single consumer per the contract.
            rest: unsafe { self.run_queue.take_batch() },
        };
        let mut polled = 0;
        for task in batch.rest.by_ref() {
            // SAFETY: the task came from this executor's run queue and this is its only
            // poller; its poll function was set before it was published (spawned).
            unsafe { (*task.header().poll.get()).unwrap_unchecked()(task) };
            polled += 1;
        }
        // The whole batch ran: nothing to re-queue, and the caller handles the timers.
        core::mem::forget(batch);
        polled
    }

    /// Records the polling context on the first poll (a load and a branch afterwards).
    #[cfg(any(feature = "cortex-m", feature = "std"))]
    #[inline(always)]
    pub(crate) fn record_context(&self) {
        if self.context.load(Ordering::Relaxed) == 0 {
            self.context
                .store(super::arch::context_id(), Ordering::Relaxed);
        }
    }

    /// Before sleeping: arms the alarm for the earliest timer (module `timers`); `false`:
    /// poll again instead. Always `true` without `time`.
    #[allow(dead_code)] // not every backend sleeps
    #[inline]
    pub(crate) fn timers_allow_sleep(&'static self) -> bool {
        self.timers.allow_sleep(self)
    }

    /// Records `id` ([`arch::context_id`](super::arch) of the context that will poll this
    /// executor) before its first poll: an interrupt executor knows its line at start.
    /// 0: no context is the executor's (between the polls of a backend that runs other
    /// code in its context after a batch, see [`poll`](Self::poll)).
    #[cfg(any(feature = "cortex-m", feature = "std"))]
    pub(crate) fn set_context(&self, id: usize) {
        self.context.store(id, Ordering::Relaxed);
    }

    /// True when the calling context is the one that polls this executor.
    #[cfg(any(feature = "cortex-m", feature = "std"))]
    pub(crate) fn is_current_context(&self) -> bool {
        self.context.load(Ordering::Relaxed) == super::arch::context_id()
    }

    /// Without a backend no context is known: never.
    #[cfg(not(any(feature = "cortex-m", feature = "std")))]
    #[allow(dead_code)] // only with `time`
    pub(crate) fn is_current_context(&self) -> bool {
        false
    }
}

/// The context of a [`RawExecutor::poll`] call, recorded for the call and forgotten when
/// it returns or unwinds: a timer registered in that context after the batch (when
/// nothing re-arms the alarm before the caller's loop sleeps) then pends the executor
/// (module `timers`).
#[cfg(any(feature = "cortex-m", feature = "std"))]
struct PollingContext(&'static RawExecutor);

#[cfg(any(feature = "cortex-m", feature = "std"))]
impl PollingContext {
    #[inline]
    fn enter(executor: &'static RawExecutor) -> Self {
        executor.set_context(super::arch::context_id());
        PollingContext(executor)
    }
}

#[cfg(any(feature = "cortex-m", feature = "std"))]
impl Drop for PollingContext {
    #[inline]
    fn drop(&mut self) {
        self.0.set_context(0);
    }
}

/// The unpolled rest of a batch, dropped only by a panic unwinding out of a task's poll
/// (a batch that ran to its end is forgotten): it puts the rest back on the run queue
/// (their `RUN_QUEUED` entries are still owned by this batch) so the next `poll` runs
/// them, and does the batch's end of timer work (`Timers::after_batch`), which the
/// unwinding skips: a timer that a task polled earlier in the batch registered from the
/// executor's context left its re-arm to that end, and a caller that catches the panic
/// and sleeps until pended would otherwise sleep through it.
struct BatchGuard {
    executor: &'static RawExecutor,
    rest: super::run_queue::Batch,
}

impl Drop for BatchGuard {
    #[cold]
    fn drop(&mut self) {
        if !self.rest.is_empty() {
            self.executor.requeue(&mut self.rest);
        }
        self.executor.timers.after_batch(self.executor);
    }
}

impl RawExecutor {
    /// Puts the unpolled tasks of a batch back on the run queue (a panic is unwinding).
    #[cold]
    #[inline(never)]
    fn requeue(&self, rest: &mut super::run_queue::Batch) {
        let mut pend = false;
        for task in rest {
            // SAFETY: the batch owned these entries (RUN_QUEUED still set, not dequeued),
            // and the iterator read each link before yielding the task.
            pend |= unsafe { self.run_queue.push(task) };
        }
        if pend {
            self.pend();
        }
    }
}
