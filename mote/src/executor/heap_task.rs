//! Heap tasks (feature `alloc`): a future spawned with its captures in one heap
//! allocation ([`Spawner::spawn_boxed`](super::Spawner::spawn_boxed)), run by the same
//! executor and run queue as static tasks, and freed when nothing refers to it any more.
//!
//! A heap task is a [`TaskHeader`] (the same header a static slot has, so the executor,
//! the run queue and the state machine of [`state`](super::state) treat it exactly like
//! one) followed by a reference count, the function that frees it, and the future:
//!
//! ```text
//! HeapTask<F> = TaskHeader · refs · free fn · F        (one allocation, never moved)
//! ```
//!
//! # Soundness: who keeps the allocation alive
//!
//! A static slot lives for ever, so a stale waker of a static task is harmless. A heap
//! task's memory is freed, so every pointer to it that may be dereferenced holds one
//! reference, counted in `refs`:
//!
//! - **alive**: one reference while the task is spawned (`SPAWNED`), dropped by its
//!   executor after the future completed (or panicked) and was dropped in place;
//! - **queued**: one reference per run-queue entry (`RUN_QUEUED`), taken by the wake that
//!   set `RUN_QUEUED`, inside [`wake_and_push`] (before the push publishes the entry),
//!   and dropped by the poll function at the end of the turn that dequeued it;
//! - **waker**: one reference per [`Waker`] (and per clone): `clone` increments, `drop`
//!   and wake-by-value decrement. The waker the executor lends to `poll` is borrowed from
//!   the turn's queued reference and is never dropped.
//!
//! Whoever drops the last reference frees the allocation; the future has been dropped by
//! then (the alive reference is only released after that), so freeing is one `dealloc`.
//!
//! ```text
//!          spawn_boxed: alloc, refs = 1 (alive), SPAWNED, wake
//!   (none) ─────────────────────────────────────────────────────► SPAWNED          refs = 1 + w
//!                                  (1) wake: RUN_QUEUED, refs + 1 │   ▲
//!                                                                 ▼   │ (2) poll turn ends
//!                                                     SPAWNED|QUEUED  │     Pending: refs - 1
//!                                                  refs = 2 + w  │    │
//!          (3) poll turn: Ready (or panic): drop future, finish, │────┘
//!              refs - 1 (alive), refs - 1 (queued)               ▼
//!                                                         FINISHED   refs = w (+1 if woken
//!                                                           │         while finishing: a stale
//!                                                           │         entry, dropped at dequeue)
//!          (4) the last waker dropped / stale entry drained ▼
//!                                                         FREED (dealloc)
//! ```
//!
//! (w = live wakers.) Why no free can race a wake, from an interrupt or another thread:
//! a wake is always made through a waker, which holds a reference for the whole call, so
//! the count is at least 1 while [`State::wake`](super::state) runs and while the run
//! queue is pushed; the increment for the new entry happens before the push. The
//! executor reads a run-queue entry's link before it polls the task (the batch iterator),
//! so the turn that may free the task is the last thing that touches it. A wake of a
//! finished task fails at `RUN_QUEUED` (not `SPAWNED`) and only drops its own reference.
//!
//! The reference count saturates instead of wrapping: at `usize::MAX` it stays there
//! (the task is then never freed: a leak, which 2^32 forgotten wakers on a 32-bit target
//! deserve, never a use after free).
//!
//! **Timers** (feature `time`). A heap task's waker is not a static task waker, so a
//! timer it awaits registers the timer future's own fallback entry (`time::TimerEntry`),
//! which lives inside the task's future and
//! unlinks itself when dropped: the header's timer node is never queued, and nothing of
//! the task is left in any timer queue when the future is dropped, before the free.
//! (The fallback queue takes one alarm slot of the time driver.)
//!
//! **Tracing** (feature `trace`). The trace registry lists every task ever spawned and
//! never unlinks (`trace/registry.rs`): it may only hold `'static` headers. Heap tasks
//! are therefore not traced; their names are not recorded.
//!
//! **Panics** (`panic = unwind`): a panic in the future's poll drops the future where it
//! stopped, finishes the task and drops the turn's two references (alive and queued), as
//! a completion does; the panic then propagates out of `RawExecutor::poll`.
//!
//! Costs: one allocation and one free per task; a waker clone or drop is one
//! compare-and-swap on the count; a wake that queues adds one. RAM per task: the header
//! plus two words, plus the future. Measured in QEMU (`examples/heap`, `test_heap_tasks`,
//! thumbv7m, `-icount shift=0`, n = 1000): spawn + run + finish of a trivial task costs
//! 66 instructions as a static task and 328 as a heap task, of which 168 are the
//! allocator (`embedded-alloc`'s `LlffHeap`, an allocation and a free). Static tasks pay
//! nothing: their wakers, poll functions and slots are untouched by this module, and
//! every `mote` function of a static-only firmware has the same size with `alloc` on or
//! off (blinky, multiprio and producer_consumer, thumbv7m, compared symbol by symbol).

use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use super::header::{TaskHeader, TaskRef};
use super::raw::RawExecutor;
use super::run_queue::wake_and_push;
use super::spawner::SpawnError;
use crate::loom::{AtomicUsize, Ordering};

/// The type-independent part of a heap task: the executor's header, the reference count
/// and how to free the allocation.
#[repr(C)]
struct HeapHeader {
    task: TaskHeader,
    refs: AtomicUsize,
    /// Frees the allocation (its future already dropped); monomorphised per future type.
    free: unsafe fn(NonNull<HeapHeader>),
}

/// One heap task: the header, then the future in place.
#[repr(C)]
struct HeapTask<F> {
    head: HeapHeader,
    future: UnsafeCell<MaybeUninit<F>>,
}

/// A count that stuck at its maximum: never decremented, never freed.
const SATURATED: usize = usize::MAX;

// A `static` (not a `const`) so its address is unique: `heap_task_from_waker` compares it.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The heap header a `TaskRef` of a heap task points to (its first field).
#[inline]
fn heap_of(task: TaskRef) -> NonNull<HeapHeader> {
    // SAFETY: a TaskRef is non-null; a heap task's header is the first field of its
    // repr(C) HeapHeader, at the same address.
    unsafe { NonNull::new_unchecked(task.as_ptr().cast_mut().cast()) }
}

/// Takes one more reference. The caller holds one (the count is at least 1).
///
/// # Safety
/// `h` is a live heap task on which the caller holds a reference.
#[inline]
unsafe fn retain(h: NonNull<HeapHeader>) {
    // SAFETY: the caller's reference keeps the allocation alive.
    let refs = unsafe { &h.as_ref().refs };
    // Relaxed: a new reference is made from an existing one, which already orders every
    // access it allows (as `Arc::clone`).
    let _ = refs.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
        (n != SATURATED).then_some(n + 1)
    });
}

/// Drops one reference, freeing the task if it was the last.
///
/// # Safety
/// `h` is a live heap task on which the caller holds a reference, which it gives up.
#[inline]
unsafe fn release(h: NonNull<HeapHeader>) {
    // SAFETY: the caller's reference keeps the allocation alive until this decrement.
    let refs = unsafe { &h.as_ref().refs };
    // AcqRel: every use of the task by other reference holders (Release of their
    // decrement) happens before the free (Acquire of the last one).
    let prev = refs.fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| {
        (n != SATURATED).then(|| n - 1)
    });
    if prev == Ok(1) {
        // SAFETY: that was the last reference: nothing can reach the task any more
        // (Heap Reference rules in the module docs) and its future was dropped when the
        // alive reference was released.
        unsafe { free_task(h) };
    }
}

/// Frees the allocation through its own monomorphised `free`. Out of line and cold.
///
/// # Safety
/// No reference to the task is left.
#[cold]
#[inline(never)]
unsafe fn free_task(h: NonNull<HeapHeader>) {
    // SAFETY: the last reference was just dropped: the fields may be read one last time.
    let free = unsafe { h.as_ref().free };
    // SAFETY: forwarded contract.
    unsafe { free(h) }
}

/// Deallocates a `HeapTask<F>` whose future was dropped.
///
/// # Safety
/// `h` was allocated by [`spawn_boxed`] with the layout of `HeapTask<F>` and no
/// reference to it is left.
unsafe fn dealloc_task<F>(h: NonNull<HeapHeader>) {
    // SAFETY: allocated by `alloc::alloc::alloc` with this layout (contract).
    unsafe { alloc::alloc::dealloc(h.as_ptr().cast(), Layout::new::<HeapTask<F>>()) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the data pointer of a heap waker is a live heap task on which the waker
    // being cloned holds a reference.
    unsafe { retain(NonNull::new_unchecked(data.cast_mut().cast())) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: as in `clone`; wake-by-value then gives up the waker's reference.
    unsafe {
        wake_by_ref(data);
        drop_waker(data);
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `clone`: the waker's reference keeps the task alive for this call.
    let task = unsafe { TaskRef::from_ptr(data.cast()) };
    wake_heap(task);
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: as in `clone`; the waker's reference is given up.
    unsafe { release(NonNull::new_unchecked(data.cast_mut().cast())) };
}

/// Queues a heap task on its executor unless it is queued already or finished. The
/// caller holds a reference to it.
fn wake_heap(task: TaskRef) {
    let mut executor: Option<&'static RawExecutor> = None;
    let queued = wake_and_push(task, |task| {
        // SAFETY: the caller holds a reference; the new run-queue entry's reference is
        // taken before the push publishes the entry.
        unsafe { retain(heap_of(task)) };
        // SAFETY: the wake saw the task SPAWNED (Acquire, or in the critical section of
        // the state change), so the executor written once before the spawn is visible;
        // a heap task is spawned exactly once, so it is current; executors are 'static.
        let e = unsafe { task.header().executor() };
        executor = Some(e);
        e.run_queue()
    });
    if let (Some(true), Some(e)) = (queued, executor) {
        e.pend();
    }
}

/// The task behind `waker` if it is a heap task's waker. The task stays alive while the
/// borrow of `waker` lasts (the waker holds a reference); the caller must not keep the
/// `TaskRef` beyond it.
#[inline]
pub(crate) fn heap_task_from_waker(waker: &Waker) -> Option<TaskRef> {
    if ptr::eq(waker.vtable(), &VTABLE) {
        // SAFETY: only heap wakers have this vtable, and their data is a live task.
        Some(unsafe { TaskRef::from_ptr(waker.data().cast()) })
    } else {
        None
    }
}

/// One turn of a heap task taken from the run queue: dequeue, poll, and on completion
/// drop the future and the task's references. Monomorphised per future type; stored in
/// the header's `poll` like a pool's poll function.
///
/// # Safety
/// `task` is a heap task with future type `F`, just taken from its executor's run queue
/// by that executor (its only poller); the caller gives this function the entry's
/// reference.
unsafe fn poll_heap<F: Future<Output = ()>>(task: TaskRef) {
    let h = heap_of(task);
    // Drops the entry's reference however this turn ends (return or unwind).
    let queued = QueuedRef(h);
    if !task.header().state.dequeue() {
        return; // a stale entry of a finished task: only its reference to drop
    }
    let storage = h.as_ptr().cast::<HeapTask<F>>();
    // Borrows the entry's reference: never dropped, cloning takes a reference of its own.
    // SAFETY: the vtable functions uphold the RawWaker contract under the reference rules
    // of the module docs, and this waker is only lent to the poll below.
    let waker =
        ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(task.as_ptr().cast(), &VTABLE)) });
    let mut cx = Context::from_waker(&waker);
    // SAFETY: the allocation is never moved (pinned); the future was initialised before
    // the spawn (the task is spawned: `dequeue` saw SPAWNED) and only this executor polls
    // it.
    let fut = unsafe { Pin::new_unchecked((*(*storage).future.get()).assume_init_mut()) };
    let on_panic = PanicGuard::<F>(h, PhantomData);
    let ready = fut.poll(&mut cx).is_ready();
    mem::forget(on_panic);
    if ready {
        // SAFETY: the future completed on its executor (the caller).
        unsafe { finish::<F>(h) };
    }
    drop(queued);
}

/// Drops the future in place, marks the task finished and drops the alive reference.
///
/// # Safety
/// Called once, by the task's executor, during the turn in which the future completed or
/// panicked; the turn still holds its queued reference (so this does not free).
unsafe fn finish<F>(h: NonNull<HeapHeader>) {
    /// Finishes the task when dropped: after the future's drop, even if that drop
    /// unwinds (a future may own values after `Ready`), so a stale waker never has the
    /// dropped future polled again.
    struct Finished(NonNull<HeapHeader>);
    impl Drop for Finished {
        fn drop(&mut self) {
            // SAFETY: the turn's reference keeps the task alive.
            let header = unsafe { &self.0.as_ref().task };
            // Wakes fail from here on. A wake that came during the drop left a run-queue
            // entry with its own reference; its dequeue sees the task finished and drops
            // it.
            let _ = header.state.finish();
            // SAFETY: the alive reference, given up once, here.
            unsafe { release(self.0) };
        }
    }
    let _finished = Finished(h);
    let storage = h.as_ptr().cast::<HeapTask<F>>();
    // SAFETY: the future is initialised and owned by the executor; dropped exactly once.
    unsafe { (*(*storage).future.get()).assume_init_drop() };
}

/// The reference of the run-queue entry a turn is working on.
struct QueuedRef(NonNull<HeapHeader>);

impl Drop for QueuedRef {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the turn owned the entry's reference (`poll_heap`'s contract).
        unsafe { release(self.0) };
    }
}

/// Armed around a heap task's poll: on unwind, finishes the task as a completion would
/// (the turn's queued reference is dropped afterwards by its own guard).
struct PanicGuard<F>(NonNull<HeapHeader>, PhantomData<F>);

impl<F> Drop for PanicGuard<F> {
    #[cold]
    fn drop(&mut self) {
        // SAFETY: only reached while the poll unwinds, on the executor, within the turn.
        unsafe { finish::<F>(self.0) };
    }
}

/// Allocates a heap task for `future` and spawns it on `executor`, or gives
/// [`SpawnError::HeapFull`] (dropping the future) if the allocator returned null.
///
/// # Safety
/// The caller may hand `future` to `executor`'s context: it is that context (a
/// `Spawner`), or the future is `Send` (a `SendSpawner`).
pub(crate) unsafe fn spawn_boxed<F: Future<Output = ()> + 'static>(
    executor: &'static RawExecutor,
    future: F,
) -> Result<(), SpawnError> {
    let layout = Layout::new::<HeapTask<F>>();
    // SAFETY: the layout is not zero-sized (it holds a header).
    let raw = unsafe { alloc::alloc::alloc(layout) }.cast::<HeapTask<F>>();
    let Some(task) = NonNull::new(raw) else {
        return Err(SpawnError::HeapFull);
    };
    let p = task.as_ptr();
    // SAFETY: fresh, suitably aligned memory of the right layout, owned here: the header
    // is written all-zero (a free, unqueued header, as in a zeroed pool), then the count,
    // the free function, the poll function and the future.
    unsafe {
        ptr::addr_of_mut!((*p).head.task).write_bytes(0, 1);
        ptr::addr_of_mut!((*p).head.refs).write(AtomicUsize::new(1)); // alive
        ptr::addr_of_mut!((*p).head.free).write(dealloc_task::<F>);
        ptr::addr_of_mut!((*p).future).write(UnsafeCell::new(MaybeUninit::new(future)));
        *(*p).head.task.poll.get() = Some(poll_heap::<F>);
    }
    // SAFETY: the task is alive (its alive reference is held until it finishes).
    let task = unsafe { TaskRef::from_ptr(p.cast::<TaskHeader>()) };
    task.header().set_executor(executor);
    // Publishes the header and the future (Release), then queues the task.
    task.header().state.spawn();
    wake_heap(task);
    Ok(())
}
