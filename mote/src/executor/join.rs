//! Task output, join and abort: [`JoinHandle`], [`AbortHandle`], [`JoinError`], and
//! [`Joinable`], the future a task that returns a value keeps in its pool slot.
//!
//! A `#[mote::task]` that returns a value (`async fn f() -> T` with `T` not `()` or `!`)
//! stores a `Joinable` of its body's future in its slot instead of the bare future. The
//! output is kept in the same storage once the body's future is dropped (an enum of the
//! two: Rust lays its variants over each other), so there is no heap and no extra slot.
//! Tasks that return `()` or `!` are not wrapped: they pay nothing for this module.
//!
//! ```text
//!                 body Ready: output in the slot (1)               handle takes it (2)
//!  RUNNING ──────────────────────────────────────► DONE|HANDLE ─────────────────────┐
//!    │  (handle dropped: HANDLE cleared, (3))        │ handle dropped (3)            │
//!    ▼                                               ▼                               ▼
//!  RUNNING (detached) ── body Ready (1) ──► DONE: task returns Ready, the slot is freed
//!                                              by the executor (the output, if not taken,
//!                                              is dropped there, on the task's executor)
//! ```
//!
//! - (1) [`Joinable::poll`] (the task's executor, the only poller): polls the body; when
//!   it is `Ready` it drops the body in place and writes the output there, then sets
//!   `DONE` in a critical section. If a handle is attached it wakes the joiner and stays
//!   `Pending`: the slot stays busy (a spawn of the task function returns
//!   [`SpawnError::Busy`](super::SpawnError::Busy) while every slot is busy) until the
//!   handle lets go. Otherwise it returns `Ready` and the executor frees the slot as for
//!   any task.
//! - (2) `JoinHandle::poll`: in a critical section, if `DONE` it moves the output out and
//!   clears `HANDLE`, else it stores the joiner's waker. After taking the output it wakes
//!   the task, whose next poll sees `DONE` without `HANDLE` and returns `Ready`.
//! - (4) `JoinHandle::abort`: sets `ABORT` (unless `DONE`) in a critical section and
//!   wakes the task. The task's next poll, on its own executor and never during a poll
//!   (an abort from inside the task's own poll, or from an interrupt that preempted it,
//!   only sets the flag), drops the body in place, running its destructors there, and
//!   finishes as in (1) with [`JoinError::Aborted`].
//! - (3) `JoinHandle::drop` (detach): clears `HANDLE` in a critical section; if `DONE`
//!   was set it wakes the task, which frees its slot (dropping the output) at its next
//!   poll.
//! - (4') [`AbortHandle::abort`]: as (4), from anywhere, in one critical section that
//!   first checks the handle's epoch against the slot's (below) and wakes the task
//!   inside it.
//! - (5) Right before the task's poll returns its final `Ready` (`DONE` set, `HANDLE`
//!   clear), in the critical section that decides it, the task's executor bumps the
//!   slot's **epoch**. The slot is freed after that, and may be claimed again by a new
//!   spawn of the same task function.
//!
//! ```text
//!   slot epoch:   e ─────────────── occupant A (spawned, aborted, finished) ──(5)──► e+1
//!                 AbortHandle{e}: abort = set ABORT + wake  │  AbortHandle{e}: nothing
//!                                                           ▼
//!                          slot freed ─► claimed by B: every field rewritten but the
//!                          epoch (`init_keeping_epoch`) ─► B's handles hold e+1
//! ```
//!
//! An [`AbortHandle`] holds the task's header, a pointer to the slot's flags and epoch,
//! and the epoch read while its `JoinHandle` was attached. The **Epoch Invariant**: the
//! epoch word of a joinable task's slot is read only inside a critical section (or by
//! its occupant's own handle or spawner, which no writer races) and written only by its
//! occupant's executor in (5), inside one; it is never rewritten when the slot is
//! re-initialised. So an abort handle whose epoch still matches, inside its critical
//! section, sees the very occupant it was made for, not yet past (5): its flags are
//! valid and the slot will not be freed before the critical section ends. A stale handle
//! (epoch differs) touches nothing but the epoch word, which is a `u32` in a `'static`
//! slot in every state of the slot. Pool slots are never freed (Header Valid
//! Invariant), and only pool tasks have handles.
//!
//! Who touches what (the **Join Ownership Invariant**): `flags` and `joiner` only inside
//! a critical section. `stage` belongs to the task's executor while `DONE` is clear, and
//! once `DONE` is set and `HANDLE` clear; it belongs to the handle while both are set.
//! The critical section that changes a flag orders the accesses of the two owners.
//! While `HANDLE` is set the task's poll never returns `Ready`, so the slot (and the
//! `Joinable` the handle points to) cannot be freed or reused under the handle.
//!
//! Panics (only where panics unwind, i.e. with `std`): a panic of the body, or of the
//! drop of the body, is caught inside the task's poll. With a handle attached, the
//! joiner gets [`JoinError::Panicked`] and the executor goes on (the panic is not
//! raised again: raising it would free the slot under the handle). Without a handle
//! (detached), the panic is raised again after the body was dropped, as for any task.
//!
//! Cost: a joinable task's slot holds the larger of its future and its output, one flag
//! byte, the epoch word and an `Option<Waker>` (two words); finishing costs one more
//! poll of the task (after the handle lets go), and each step a short critical section.
//! The task header does not grow, and tasks that return `()` pay nothing: no epoch, no
//! flags (`bench/ANALYSIS.md`: spawn + run + join of a `u32` task, 421 instructions in
//! configuration (c), against 226 for a `()` task without a handle).

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::{PhantomData, PhantomPinned};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll, Waker};

use super::header::TaskRef;
use super::pool::future_ptr;
use super::spawner::{SendSpawner, SpawnError, SpawnToken, Spawner};
use super::waker::wake_task;

/// A handle is attached: the output waits for it.
const HANDLE: u8 = 1 << 0;
/// The body finished: `stage` holds its result (or the result was taken).
const DONE: u8 = 1 << 1;
/// The handle asked for an abort: the task's executor drops the body at its next turn.
const ABORT: u8 = 1 << 2;

/// The part of a [`Joinable`] that handles touch without knowing its type: the flags,
/// and the slot's epoch, which outlives the occupant (Epoch Invariant).
struct JoinCore {
    /// How many occupants of this slot have finished (wrapping): bumped by the task's
    /// executor, in a critical section, right before its final `Ready` (5). Never
    /// rewritten when the slot is re-initialised ([`Joinable::init_keeping_epoch`]).
    epoch: UnsafeCell<u32>,
    /// `HANDLE | DONE | ABORT`.
    flags: UnsafeCell<u8>,
}

impl JoinCore {
    /// (4') An [`AbortHandle`]'s abort: sets `ABORT` and wakes the task, in one critical
    /// section, only if `epoch` is still the slot's (the task it was made for occupies
    /// it) and that task has not finished or been aborted already.
    fn abort(&self, epoch: u32, task: TaskRef) {
        critical_section::with(|_| {
            // SAFETY: `epoch` and `flags` only in a critical section; a matching epoch
            // means the occupant the handle was made for has not passed (5), so the slot
            // is neither freed nor re-initialised until this critical section ends
            // (Epoch Invariant).
            unsafe {
                if *self.epoch.get() != epoch {
                    return;
                }
                let flags = &mut *self.flags.get();
                if *flags & (DONE | ABORT) == 0 {
                    *flags |= ABORT;
                    // Inside the critical section: the task cannot finish before it is
                    // queued, so the wake cannot reach a later occupant.
                    wake_task(task);
                }
            }
        })
    }

    /// Whether the occupant of epoch `epoch` finished (or its slot moved on).
    fn is_finished(&self, epoch: u32) -> bool {
        // SAFETY: `epoch` and `flags` only in a critical section (Epoch Invariant).
        critical_section::with(|_| unsafe {
            *self.epoch.get() != epoch || *self.flags.get() & DONE != 0
        })
    }
}

/// Why a joined task gave no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum JoinError {
    /// The task panicked (only where panics unwind: with `std`). Its future was dropped
    /// on its executor and its slot freed.
    Panicked,
    /// The task was aborted ([`JoinHandle::abort`]) before it finished: its future was
    /// dropped on its executor, running its destructors there.
    Aborted,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked => f.write_str("the joined task panicked"),
            JoinError::Aborted => f.write_str("the joined task was aborted"),
        }
    }
}

impl core::error::Error for JoinError {}

/// What a joinable task's slot holds: its body's future, then its result.
enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Taken,
}

/// The future stored in the pool slot of a task that returns a value: the task's body
/// and, once it finished, its output, waiting for its [`JoinHandle`]. Made by
/// `#[mote::task]`; named in the type of the task function's [`SpawnToken`], which
/// [`Spawner::spawn_with_handle`] accepts. Not meant to be built or polled by hand.
///
/// ```
/// #[mote::task]
/// async fn answer() -> u32 { 42 }
///
/// let token: mote::SpawnToken<mote::executor::Joinable<_>> = answer();
/// # drop(token);
/// ```
pub struct Joinable<F: Future> {
    core: JoinCore,
    stage: UnsafeCell<Stage<F>>,
    joiner: UnsafeCell<Option<Waker>>,
    // A handle reads `flags`, `stage` and `joiner` through a shared pointer while the
    // executor holds a `Pin<&mut Self>`: `!Unpin` keeps that pinned reference from
    // asserting uniqueness.
    _pinned: PhantomPinned,
}

impl<F: Future> Joinable<F> {
    /// Wraps a task's body. Called by the code `#[mote::task]` generates.
    #[doc(hidden)]
    pub fn new(body: F) -> Self {
        Self {
            core: JoinCore {
                epoch: UnsafeCell::new(0),
                flags: UnsafeCell::new(0),
            },
            stage: UnsafeCell::new(Stage::Running(body)),
            joiner: UnsafeCell::new(None),
            _pinned: PhantomPinned,
        }
    }

    /// Moves `value` into the pool slot `dst` field by field, leaving `dst`'s epoch word
    /// as it is (the **Epoch Invariant**: stale [`AbortHandle`]s may read it at any time,
    /// in a critical section; every other field is theirs to ignore).
    ///
    /// # Safety
    /// `dst` is the future field of a claimed, not yet spawned slot (exclusively the
    /// caller's but for reads of the epoch word), whose epoch word is initialised (zeroed
    /// storage, or left by the slot's previous occupant).
    pub(crate) unsafe fn init_keeping_epoch(dst: *mut Self, value: Self) {
        let Self {
            core: JoinCore { epoch: _, flags },
            stage,
            joiner,
            _pinned,
        } = value;
        // SAFETY: per the contract these fields are exclusively ours; only their
        // addresses are taken, no reference to the whole (whose epoch is shared).
        unsafe {
            ptr::addr_of_mut!((*dst).core.flags).write(flags);
            ptr::addr_of_mut!((*dst).stage).write(stage);
            ptr::addr_of_mut!((*dst).joiner).write(joiner);
        }
    }
}

/// Runs `f`, catching an unwinding panic where panics unwind (`std`); elsewhere a panic
/// never returns, so there is nothing to catch.
#[cfg(mote_std)]
fn catching<R>(f: impl FnOnce() -> R) -> Result<R, Payload> {
    std::panic::catch_unwind(core::panic::AssertUnwindSafe(f))
}
#[cfg(not(mote_std))]
#[inline(always)]
fn catching<R>(f: impl FnOnce() -> R) -> Result<R, Payload> {
    Ok(f())
}

#[cfg(mote_std)]
type Payload = std::boxed::Box<dyn core::any::Any + Send>;
#[cfg(not(mote_std))]
type Payload = core::convert::Infallible;

/// Drops a panic payload, swallowing a panic of its own drop (which would otherwise leave
/// the task's poll by unwinding while a handle is attached).
#[cfg(mote_std)]
fn drop_payload(payload: Payload) {
    if let Err(again) = catching(move || drop(payload)) {
        core::mem::forget(again);
    }
}
#[cfg(not(mote_std))]
fn drop_payload(payload: Payload) {
    match payload {}
}

impl<F: Future> Future for Joinable<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this: &Self = self.into_ref().get_ref();
        // SAFETY: `flags` and `epoch` only in a critical section (Join Ownership
        // Invariant); this task's executor is the only writer of the epoch.
        let flags = critical_section::with(|_| unsafe {
            let flags = *this.core.flags.get();
            if flags & (DONE | HANDLE) == DONE {
                // (5) About to return Ready, freeing the slot: retire this occupant's
                // abort handles (Epoch Invariant).
                *this.core.epoch.get() = (*this.core.epoch.get()).wrapping_add(1);
            }
            flags
        });
        if flags & DONE != 0 {
            // Finished: wait for the handle (a spurious wake), or free the slot.
            return if flags & HANDLE != 0 {
                Poll::Pending
            } else {
                Poll::Ready(())
            };
        }
        let stage = this.stage.get();
        let step = catching(|| {
            if flags & ABORT != 0 {
                // Aborted (4): drop the body in place, on this executor, between polls
                // (a panic of its drop is caught below as for a poll).
                // SAFETY: DONE is clear, so the stage is this executor's.
                unsafe { *stage = Stage::Finished(Err(JoinError::Aborted)) };
                return Poll::Ready(());
            }
            // SAFETY: DONE is clear, so the stage is this executor's (Join Ownership
            // Invariant); it is `Running` until this poll finishes it. The body is pinned:
            // the slot is never moved, and it is dropped in place below.
            let Stage::Running(body) = (unsafe { &mut *stage }) else {
                return Poll::Ready(());
            };
            // SAFETY: as above: pinned in the 'static slot.
            match unsafe { Pin::new_unchecked(body) }.poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(out) => {
                    // Drops the body in place; the output takes its place (if the drop
                    // panics, the assignment still writes the output).
                    // SAFETY: as above.
                    unsafe { *stage = Stage::Finished(Ok(out)) };
                    Poll::Ready(())
                }
            }
        });
        let panicked = match step {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(())) => None,
            Err(payload) => {
                // The body (or its drop) panicked: drop what is left and record it.
                // SAFETY: still this executor's stage (DONE clear).
                if let Err(again) = catching(|| unsafe { *stage = Stage::Taken }) {
                    drop_payload(again);
                }
                // SAFETY: as above.
                unsafe { *stage = Stage::Finished(Err(JoinError::Panicked)) };
                Some(payload)
            }
        };
        let (attached, joiner) = critical_section::with(|_| {
            // SAFETY: `flags` and `joiner` only in a critical section.
            unsafe {
                *this.core.flags.get() |= DONE;
                let attached = *this.core.flags.get() & HANDLE != 0;
                if !attached {
                    // (5) Returning Ready (or unwinding) next, freeing the slot.
                    *this.core.epoch.get() = (*this.core.epoch.get()).wrapping_add(1);
                }
                (attached, (*this.joiner.get()).take())
            }
        });
        if !attached {
            #[cfg(mote_std)]
            if let Some(payload) = panicked {
                // Detached: nobody will see the error, so the executor's caller does.
                std::panic::resume_unwind(payload);
            }
            #[cfg(not(mote_std))]
            let _ = panicked;
            return Poll::Ready(());
        }
        if let Some(payload) = panicked {
            drop_payload(payload);
        }
        if let Some(joiner) = joiner {
            // A foreign waker may panic: that must not unwind out of this poll while the
            // handle is attached (the slot would be freed under it).
            if let Err(payload) = catching(move || joiner.wake()) {
                drop_payload(payload);
            }
        }
        Poll::Pending
    }
}

/// The handle's view of a [`Joinable`], with the body's type erased.
trait JoinTarget<T> {
    /// (2): the output if the task finished (then the handle is released), else
    /// registers the waker.
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    /// (3): detaches the handle; `true` if the task finished (wake it to free its slot).
    fn detach(&self) -> bool;
    /// Whether the task finished.
    fn is_done(&self) -> bool;
    /// (4): asks for an abort; `true` if the task must be woken for it.
    fn abort(&self) -> bool;
    /// The type-erased flags and epoch, for an [`AbortHandle`].
    fn core(&self) -> &JoinCore;
}

impl<F: Future> JoinTarget<F::Output> for Joinable<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        let mut old = None;
        let out = critical_section::with(|_| {
            // SAFETY: `flags` and `joiner` only in a critical section; with DONE and
            // HANDLE set the stage is the handle's (Join Ownership Invariant), and
            // clearing HANDLE in the same critical section hands it back.
            unsafe {
                if *self.core.flags.get() & DONE != 0 {
                    *self.core.flags.get() &= !HANDLE;
                    Some(core::mem::replace(&mut *self.stage.get(), Stage::Taken))
                } else {
                    let joiner = &mut *self.joiner.get();
                    if !joiner.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        old = joiner.replace(cx.waker().clone());
                    }
                    None
                }
            }
        });
        drop(old);
        match out {
            Some(Stage::Finished(result)) => Poll::Ready(result),
            // The handle is the only taker and takes once (it is consumed after Ready).
            Some(_) => Poll::Ready(Err(JoinError::Panicked)),
            None => Poll::Pending,
        }
    }

    fn detach(&self) -> bool {
        let (done, joiner) = critical_section::with(|_| {
            // SAFETY: `flags` and `joiner` only in a critical section.
            unsafe {
                *self.core.flags.get() &= !HANDLE;
                (
                    *self.core.flags.get() & DONE != 0,
                    (*self.joiner.get()).take(),
                )
            }
        });
        // Dropped outside the critical section: a foreign waker's drop is user code.
        drop(joiner);
        done
    }

    fn is_done(&self) -> bool {
        // SAFETY: `flags` only in a critical section.
        critical_section::with(|_| unsafe { *self.core.flags.get() & DONE != 0 })
    }

    fn core(&self) -> &JoinCore {
        &self.core
    }

    fn abort(&self) -> bool {
        critical_section::with(|_| {
            // SAFETY: `flags` only in a critical section.
            unsafe {
                let flags = &mut *self.core.flags.get();
                let wake = *flags & (DONE | ABORT) == 0;
                if *flags & DONE == 0 {
                    *flags |= ABORT;
                }
                wake
            }
        })
    }
}

/// The handle of a task spawned with [`Spawner::spawn_with_handle`]: `.await` it for the
/// task's output. The output waits in the task's pool slot (no heap), so the slot stays
/// busy until the output is taken or the handle dropped.
///
/// Dropping the handle detaches the task: it runs on, and its output is dropped on its
/// executor when it finishes. A handle may be awaited from another executor or thread
/// when `T: Send`. Leaking it (`mem::forget`) keeps the task's slot busy for good, its
/// output never dropped (`tests/executor_forget.rs`).
///
/// Cancel-safe: yes. Dropping the `.await` midway is dropping the handle (detach); the
/// output is never lost to a joiner that is still waiting.
///
/// ```
/// #[mote::task]
/// async fn square(n: u32) -> u32 { n * n }
///
/// #[mote::task]
/// async fn main_task(spawner: mote::Spawner) {
///     let handle = spawner.spawn_with_handle(square(7)).unwrap();
///     assert_eq!(handle.await, Ok(49));
///     // `square`'s slot is free again once it has run one more turn.
/// }
/// # let _ = main_task;
/// ```
#[must_use = "dropping a JoinHandle detaches the task; `.await` it for the output"]
pub struct JoinHandle<T> {
    task: TaskRef,
    /// `None` once the output was taken.
    target: Option<NonNull<dyn JoinTarget<T>>>,
    _output: PhantomData<T>,
}

// SAFETY: the handle's only access to the shared `Joinable` is through critical sections
// (flags, joiner) and to the stage it owns (Join Ownership Invariant); the one thing that
// crosses contexts is the output, moved out to whoever polls the handle: sound when
// `T: Send`. The `Joinable` lives in a `'static` slot that cannot be freed while the
// handle is attached.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `is_finished` (a flag read in a critical section).
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Whether the task has finished (its output is waiting, or it panicked). `false`
    /// after the output was taken.
    ///
    /// ```
    /// # fn f(h: &mote::executor::JoinHandle<u32>) {
    /// if h.is_finished() { /* `.await` returns at once */ }
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        // SAFETY: attached, so the Joinable is alive (Join Ownership Invariant).
        self.target.is_some_and(|t| unsafe { t.as_ref() }.is_done())
    }
}

impl<T> JoinHandle<T> {
    /// Aborts the task: its executor drops its future at the task's next turn (never in
    /// the middle of a poll, so an abort from inside the task itself or from an interrupt
    /// handler that preempted it is safe), running its destructors there: a held
    /// [`Mutex`](crate::sync::mutex::Mutex) guard is released, a pending channel send is
    /// cancelled. The handle then gives [`JoinError::Aborted`]. A task that already
    /// finished keeps its output; aborting twice, or after the output was taken, does
    /// nothing. Callable from any context that can reach the handle (`&self`; the handle
    /// is `Sync` when `T: Send`), e.g. an interrupt handler through a static
    /// `critical_section::Mutex`.
    ///
    /// The slot is freed once the handle let go (awaited or dropped) as for a finished
    /// task; until then, a timer the task was waiting on may still wake it once (a
    /// spurious turn that does nothing).
    ///
    /// ```
    /// #[mote::task]
    /// async fn forever() -> u32 {
    ///     core::future::pending::<()>().await;
    ///     0
    /// }
    ///
    /// #[mote::task]
    /// async fn parent(spawner: mote::Spawner) {
    ///     let handle = spawner.spawn_with_handle(forever()).unwrap();
    ///     handle.abort();
    ///     assert_eq!(handle.await, Err(mote::executor::JoinError::Aborted));
    /// }
    /// # let _ = parent;
    /// ```
    pub fn abort(&self) {
        if let Some(target) = self.target {
            // SAFETY: attached, so the Joinable is alive.
            if unsafe { target.as_ref() }.abort() {
                wake_task(self.task);
            }
        }
    }
}

impl<T> JoinHandle<T> {
    /// An [`AbortHandle`] for this task: it can abort it from anywhere (another
    /// executor, another thread, an interrupt handler), carries no output, and stays
    /// harmless after the task finished and its slot was reused. After this handle
    /// returned the output, the abort handle made from it does nothing.
    ///
    /// ```
    /// #[mote::task]
    /// async fn worker() -> u32 { 7 }
    ///
    /// #[mote::task]
    /// async fn parent(spawner: mote::Spawner) {
    ///     let handle = spawner.spawn_with_handle(worker()).unwrap();
    ///     let abort = handle.abort_handle();
    ///     // `abort` is `Send + Sync + Clone + 'static`: store it for an interrupt handler.
    ///     abort.abort();
    ///     assert_eq!(handle.await, Err(mote::executor::JoinError::Aborted));
    /// }
    /// # let _ = parent;
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        let Some(target) = self.target else {
            return AbortHandle {
                task: self.task,
                core: None,
                epoch: 0,
            };
        };
        // SAFETY: attached, so the Joinable is alive and stays its occupant's: its
        // executor bumps the epoch only after `HANDLE` is cleared (5), so reading it here
        // races with no write (other handles only read it).
        let core = unsafe { target.as_ref() }.core();
        // SAFETY: as above.
        let epoch = unsafe { *core.epoch.get() };
        AbortHandle {
            task: self.task,
            core: Some(NonNull::from(core)),
            epoch,
        }
    }
}

/// Aborts one spawned task from anywhere: another executor, another thread (`std`), an
/// interrupt handler. Made by [`JoinHandle::abort_handle`]; `Send + Sync + Clone`
/// whatever the task's output (it never touches the output), and free to outlive the
/// task and its `JoinHandle`.
///
/// An abort handle names one *occupant* of the task's pool slot, by the slot's epoch
/// (module docs, Epoch Invariant): once that task has finished and its slot was freed,
/// [`abort`](Self::abort) does nothing, even after the slot was reused by a new spawn of
/// the same task function: the new task is neither aborted nor woken. (The epoch is a
/// wrapping `u32`: a handle kept across exactly 2<sup>32</sup> reuses of one slot would
/// match again; it would then abort a task of the same type, never touch freed memory.)
///
/// Cost: three words; `abort` and `is_finished` are one short critical section each.
///
/// ```
/// use mote::executor::AbortHandle;
/// use mote::sync::blocking_mutex::{raw::CriticalSectionRawMutex, Mutex};
/// use core::cell::Cell;
///
/// /// Where an interrupt handler finds the task to stop.
/// static STOP: Mutex<CriticalSectionRawMutex, Cell<Option<AbortHandle>>> =
///     Mutex::new(Cell::new(None));
///
/// fn on_button_interrupt() {
///     STOP.lock(|stop| {
///         if let Some(h) = stop.take() {
///             h.abort(); // stops the task at its next turn, on its own executor
///         }
///     });
/// }
///
/// #[mote::task]
/// async fn blink() -> u32 {
///     core::future::pending::<()>().await;
///     0
/// }
///
/// #[mote::task]
/// async fn parent(spawner: mote::Spawner) {
///     let handle = spawner.spawn_with_handle(blink()).unwrap();
///     STOP.lock(|stop| stop.set(Some(handle.abort_handle())));
///     on_button_interrupt();
///     assert_eq!(handle.await, Err(mote::executor::JoinError::Aborted));
/// }
/// # let _ = parent;
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    task: TaskRef,
    /// `None`: made after the output was taken (does nothing).
    core: Option<NonNull<JoinCore>>,
    /// The slot's epoch while its task was this handle's.
    epoch: u32,
}

// SAFETY: an abort handle only reads and writes the `JoinCore` of a `'static` pool slot
// (which is never freed: Header Valid Invariant; abort handles are only made for pool
// tasks) inside critical sections, and only while the epoch it holds is the slot's
// (Epoch Invariant); it wakes the task, which any context may do (invariant 8). It never
// touches the task's future or output, so neither needs to be `Send`.
unsafe impl Send for AbortHandle {}
// SAFETY: `&AbortHandle` allows exactly what an owned one does (above).
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Aborts the task, as [`JoinHandle::abort`] does: its future is dropped on its own
    /// executor at its next turn, never during a poll; its joiner gets
    /// [`JoinError::Aborted`]. Does nothing if the task finished already (its output is
    /// kept), was aborted already, or its slot has moved on to another spawn.
    ///
    /// ```
    /// # fn f(h: mote::executor::AbortHandle) {
    /// h.abort();
    /// h.abort(); // twice: the same as once
    /// # }
    /// ```
    pub fn abort(&self) {
        if let Some(core) = self.core {
            // SAFETY: a 'static slot's JoinCore, only used through its critical sections
            // (see the `Send` impl).
            unsafe { core.as_ref() }.abort(self.epoch, self.task);
        }
    }

    /// Whether the task has finished (or was aborted and dropped); `true` too once its
    /// slot was freed or reused.
    ///
    /// ```
    /// # fn f(h: &mote::executor::AbortHandle) {
    /// if !h.is_finished() { h.abort(); }
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        match self.core {
            // SAFETY: as in `abort`.
            Some(core) => unsafe { core.as_ref() }.is_finished(self.epoch),
            None => true,
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    /// # Panics
    /// If polled again after it returned `Ready` (the `Future` contract).
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let target = self
            .target
            .expect("JoinHandle polled after it returned its output");
        // SAFETY: attached (target is Some), so the Joinable is alive.
        let out = unsafe { target.as_ref() }.poll_join(cx);
        if out.is_ready() {
            self.target = None;
            // The task finishes at its next poll, freeing the slot.
            wake_task(self.task);
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(target) = self.target.take() {
            // SAFETY: attached until this call, so the Joinable is alive.
            if unsafe { target.as_ref() }.detach() {
                // A stale wake at worst (if the slot was freed and reused meanwhile).
                wake_task(self.task);
            }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

/// The token of a task that returns a value: what [`Spawner::spawn_with_handle`]
/// accepts (a [`SpawnToken`] of a [`Joinable`]). Sealed.
#[diagnostic::on_unimplemented(
    message = "only a task that returns a value has a `JoinHandle`",
    label = "this task's token has no output to join",
    note = "spawn a task that returns `()` with `Spawner::spawn`, or give it a return type \
            (`async fn task() -> T`)"
)]
pub trait JoinableToken: sealed::Sealed {
    /// The task's output.
    type Output;
    #[doc(hidden)]
    fn attach(self) -> Result<(TaskRef, JoinHandle<Self::Output>), SpawnError>;
}

mod sealed {
    pub trait Sealed {}
    impl<F: core::future::Future> Sealed for super::SpawnToken<super::Joinable<F>> {}
}

impl<F: Future + 'static> JoinableToken for SpawnToken<Joinable<F>> {
    type Output = F::Output;

    /// Takes the claimed task out of the token and attaches a handle to it (before it
    /// runs).
    fn attach(self) -> Result<(TaskRef, JoinHandle<F::Output>), SpawnError> {
        let task = self.take()?;
        // SAFETY: the token's slot holds an initialised `Joinable<F>` (its type parameter).
        let joinable = unsafe { future_ptr::<Joinable<F>>(task) };
        // SAFETY: claimed, not yet spawned: the slot is exclusively ours; the spawn's
        // Release store publishes this write.
        unsafe { *(*joinable).core.flags.get() = HANDLE };
        // SAFETY: non-null (inside a 'static slot).
        let target: NonNull<dyn JoinTarget<F::Output>> =
            unsafe { NonNull::new_unchecked(joinable.cast_mut()) };
        Ok((
            task,
            JoinHandle {
                task,
                target: Some(target),
                _output: PhantomData,
            },
        ))
    }
}

impl Spawner {
    /// Spawns a task that returns a value and gives its [`JoinHandle`]. A full pool gives
    /// [`SpawnError::Busy`] and changes nothing. (Tasks spawned with
    /// [`spawn`](Self::spawn) run detached; tasks returning `()` have no handle, and pay
    /// nothing for this.)
    ///
    /// ```
    /// #[mote::task]
    /// async fn child(n: u32) -> u32 { n + 1 }
    ///
    /// #[mote::task]
    /// async fn parent(spawner: mote::Spawner) {
    ///     let handle = spawner.spawn_with_handle(child(1)).unwrap();
    ///     assert_eq!(handle.await, Ok(2));
    /// }
    /// # let _ = parent;
    /// ```
    pub fn spawn_with_handle<T: JoinableToken>(
        &self,
        token: T,
    ) -> Result<JoinHandle<T::Output>, SpawnError> {
        let (task, handle) = token.attach()?;
        // SAFETY: the token held a claimed, unspawned task; `take` consumed it.
        unsafe { self.executor.spawn(task) };
        Ok(handle)
    }
}

impl SendSpawner {
    /// [`Spawner::spawn_with_handle`] from any context, for a task whose future is `Send`.
    ///
    /// ```
    /// #[mote::task]
    /// async fn child() -> u8 { 1 }
    ///
    /// fn start(spawner: mote::SendSpawner) -> Result<mote::executor::JoinHandle<u8>, mote::SpawnError> {
    ///     spawner.spawn_with_handle(child())
    /// }
    /// # let _ = start;
    /// ```
    pub fn spawn_with_handle<T: JoinableToken + Send>(
        &self,
        token: T,
    ) -> Result<JoinHandle<T::Output>, SpawnError>
    where
        T::Output: Send,
    {
        let (task, handle) = token.attach()?;
        // SAFETY: as in `Spawner::spawn_with_handle`; the future is Send, and spawning
        // is thread-safe.
        unsafe { self.executor.spawn(task) };
        Ok(handle)
    }
}
