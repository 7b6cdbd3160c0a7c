//! Task pools: exactly-sized static storage for the instances of one task function, and
//! O(1) claiming and releasing of its slots.
//!
//! `#[mote::task(pool_size = N)]` declares one zero-initialised static per task function,
//! a [`PoolStorage`] whose size and alignment are computed on stable Rust from the type of
//! the task's future ([`pool_layout`]), so no arena has to be sized by hand. Being all
//! zeroes, it lands in `.bss` and costs no flash. At spawn, [`spawn_in_pool`] views those
//! bytes as a `TaskPool<F, N>`:
//!
//! ```text
//! N > SMALL_POOL:  TaskPool<F, N> = PoolHead { free list, fresh count } · [TaskHeader · F] × N
//! N <= SMALL_POOL: [TaskStorage<F>; N] = [TaskHeader · F] × N   (no head: the state words
//!                                                                 say it all)
//! ```
//!
//! The macro also generates one small non-generic poll function per task function that
//! names its pool statically ([`poll_in_pool`]); the task header stores it, so running a
//! task is one indirect call, and the pool head needs no pointer back from each slot.
//!
//! Guarantees:
//! - Claiming a slot is O(1) whatever `N` (invariant 2): slots never used yet are handed
//!   out by a counter (`fresh`), finished ones are recycled through an intrusive free list
//!   linked through their headers. Both are touched only inside a short critical section,
//!   so interrupts and other threads may spawn too. A small pool (at most [`SMALL_POOL`]
//!   slots; the default `pool_size` is 1) has no head at all: a slot is claimed by one
//!   atomic state transition (FREE → CLAIMED, see [`state`](super::state)), trying its at
//!   most four slots in turn (bounded work, so still O(1)), and is free again as soon as
//!   its state returns to 0, so releasing it costs nothing. The choice is made at compile
//!   time from `N`; both kinds are behind the same [`PoolRef`].
//! - A full pool returns `None` ([`SpawnError::Busy`](super::SpawnError::Busy)) and
//!   changes nothing.
//! - A slot is released (pushed on the free list) exactly once, by whoever drives its
//!   state to `FREE` (see [`state`](super::state)), after its future was dropped.

use core::cell::UnsafeCell;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::pin::Pin;
use core::ptr;
use core::task::Context;

use super::header::{TaskHeader, TaskRef};
use super::join::Joinable;
use super::spawner::SpawnToken;
use super::timers;
use super::waker::waker_for;

/// Runs one turn of a task taken from the run queue: dequeue, poll, and on completion drop
/// the future and release the slot. Monomorphised per task function, so the task's waker
/// is a compile-time constant there and `wake` calls inside the future are direct calls.
pub type PollFn = unsafe fn(TaskRef);

/// Pools of up to this many slots claim by state word and have no [`PoolHead`]: trying
/// four state words costs less than a free list, and saves its 8 bytes of RAM.
pub(crate) const SMALL_POOL: usize = 4;

/// Per-pool bookkeeping of pools of more than [`SMALL_POOL`] slots (8 bytes on 32-bit
/// targets), valid when all-zero. Both fields are accessed only inside a critical section.
#[repr(C)]
pub struct PoolHead {
    free: UnsafeCell<*const TaskHeader>,
    fresh: UnsafeCell<usize>,
}

impl PoolHead {
    /// Puts a finished task's slot back on its pool's free list.
    ///
    /// # Safety
    /// As for [`release_in_cs`](Self::release_in_cs), without holding a critical section.
    unsafe fn release(&self, task: TaskRef) {
        // SAFETY: forwarded contract; the critical section is held.
        critical_section::with(|_| unsafe { self.release_in_cs(task) });
    }

    /// [`release`](Self::release) inside a critical section the caller holds.
    ///
    /// # Safety
    /// The caller holds a critical section; the task's state is `FREE`, its future has been
    /// dropped, and nobody else releases it (the state machine's single releaser).
    #[inline]
    unsafe fn release_in_cs(&self, task: TaskRef) {
        // SAFETY: the free list and the free slot's link are guarded by the caller's
        // critical section; the slot has no run-queue entry (state FREE), so its link is
        // unused.
        unsafe {
            *task.header().run_next.get() = *self.free.get();
            *self.free.get() = task.as_ptr();
        }
    }
}

/// Which pool a slot belongs to, as far as releasing it goes: the head of a large pool, or
/// null for a small one (whose slots are free once their state is 0).
#[derive(Clone, Copy)]
pub(crate) struct PoolRef(*const PoolHead);

impl PoolRef {
    /// A small pool: nothing to release into.
    pub(crate) const BY_STATE: Self = Self(ptr::null());

    /// Gives back a slot that `dequeue` or `finish` just drove to `FREE`.
    ///
    /// # Safety
    /// As for [`PoolHead::release`]; `self` is the task's pool.
    #[inline]
    unsafe fn release_freed(self, task: TaskRef) {
        // SAFETY: a non-null PoolRef is a 'static head (made from `&'static PoolHead`);
        // forwarded contract.
        if let Some(head) = unsafe { self.0.as_ref() } {
            // SAFETY: forwarded contract.
            unsafe { head.release(task) };
        }
        // A small pool: state 0 already made the slot claimable.
    }
}

/// One task slot: the header, then the future in place.
#[repr(C)]
pub(crate) struct TaskStorage<F> {
    header: TaskHeader,
    future: UnsafeCell<MaybeUninit<F>>,
}

/// The typed view of a [`PoolStorage`] with `N > 1` slots.
#[repr(C)]
pub(crate) struct TaskPool<F, const N: usize> {
    head: PoolHead,
    slots: [TaskStorage<F>; N],
}

/// Claims a free slot of a small pool (at most [`SMALL_POOL`] slots) by its state word,
/// trying each slot once, or `None` if all are in use.
#[inline]
fn claim_small<F: Future<Output = ()> + 'static, const N: usize>(
    slots: &'static [TaskStorage<F>; N],
) -> Option<TaskRef> {
    // A pool of one (the default) without a loop: at opt-level "z" the loop would stay.
    let slot = if N == 1 {
        Some(&slots[0]).filter(|slot| slot.header.state.claim())
    } else {
        slots.iter().find(|slot| slot.header.state.claim())
    }?;
    // SAFETY: the slot lives in a 'static pool (Header Valid Invariant); the pointer is
    // taken to the whole TaskStorage, whose repr(C) header comes first.
    Some(unsafe { TaskRef::from_ptr(ptr::from_ref(slot).cast()) })
}

impl<F: Future<Output = ()> + 'static, const N: usize> TaskPool<F, N> {
    /// Claims a free slot in O(1), or `None` if all `N` are in use.
    #[inline]
    fn claim(&'static self) -> Option<TaskRef> {
        critical_section::with(|_| {
            // SAFETY: `free` and `fresh` are guarded by this critical section.
            unsafe {
                let free = *self.head.free.get();
                if !free.is_null() {
                    *self.head.free.get() = *(*free).run_next.get();
                    return Some(TaskRef::from_ptr(free));
                }
                let fresh = *self.head.fresh.get();
                if fresh < N {
                    *self.head.fresh.get() = fresh + 1;
                    // The pointer must cover the whole slot (header and future), so it is
                    // taken to the TaskStorage and cast: the header comes first in a
                    // repr(C) TaskStorage, at the same address.
                    let slot = ptr::addr_of!(self.slots[fresh]) as *const TaskHeader;
                    return Some(TaskRef::from_ptr(slot));
                }
                None
            }
        })
    }
}

/// One turn of `task`, a slot of a pool of `F` futures whose releases go to `pool` (see
/// [`PollFn`]).
///
/// # Safety
/// `task` was just taken from its executor's run queue by that executor (its only
/// poller), and is a slot of the pool `pool` stands for.
#[inline(always)]
unsafe fn poll_task<F: Future<Output = ()>>(task: TaskRef, pool: PoolRef) {
    let header = task.header();
    #[cfg(feature = "trace")]
    let trace = crate::trace::task_trace::poll_begin(task);
    if !header.state.dequeue() {
        // SAFETY: `dequeue` drove the state to FREE.
        unsafe { stale(task, pool) };
        return;
    }
    let storage = task.as_ptr() as *const TaskStorage<F>;
    // Mote wakers need no drop (no reference count): skip the vtable call.
    let waker = ManuallyDrop::new(waker_for(task));
    let mut cx = Context::from_waker(&waker);
    // SAFETY: the slot lives in a 'static pool and is never moved (pinned); the future
    // was initialised at claim (the task is spawned: `dequeue` observed SPAWNED) and
    // only this executor polls it.
    let fut = unsafe { Pin::new_unchecked((*(*storage).future.get()).assume_init_mut()) };
    // Finishes the task if its poll unwinds (a no-op with `panic = abort`).
    let on_panic = PanicGuard::<F> {
        task,
        pool,
        _future: PhantomData,
    };
    let ready = fut.poll(&mut cx).is_ready();
    mem::forget(on_panic);
    #[cfg(feature = "trace")]
    crate::trace::task_trace::poll_end(task, trace);
    if ready {
        // A completed future may still own values (a joinable task's output left by a
        // dropped handle): if their drop unwinds, the task is finished all the same, or
        // a stale waker would have the dropped future polled, and dropped, again.
        let on_drop_panic = DropPanicGuard { task, pool };
        // SAFETY: the future completed; it is dropped exactly once, here, in place.
        unsafe { (*(*storage).future.get()).assume_init_drop() };
        mem::forget(on_drop_panic);
        if pool.0.is_null() {
            // A small pool: finishing is one state change, which also releases the slot
            // (inline: smaller than a call and its frame), unless the task's timer node
            // may still be queued (then an out-of-line unlink; module `timers`).
            // SAFETY: the task completed on its executor, which is the caller.
            unsafe { timers::finish_small(task) };
        } else {
            // SAFETY: the task completed on its executor, which is the caller.
            unsafe { finished(task, pool) };
        }
    }
}

/// Armed around a task's poll: if the poll panics and unwinds, the task is finished
/// as if its future had completed (dropped in place, timer unlinked, slot freed), so the
/// executor stays consistent and later wakes of the task do nothing. Disarmed with
/// `mem::forget` after a normal return; with `panic = abort` it compiles to nothing.
struct PanicGuard<F> {
    task: TaskRef,
    pool: PoolRef,
    _future: PhantomData<F>,
}

impl<F> Drop for PanicGuard<F> {
    #[cold]
    fn drop(&mut self) {
        let storage = self.task.as_ptr() as *const TaskStorage<F>;
        // SAFETY: only reached while the task's poll unwinds: its executor (this
        // context) owns the initialised future, which is dropped exactly once, here (a
        // panic in that drop, during unwinding, aborts the process).
        unsafe { (*(*storage).future.get()).assume_init_drop() };
        // SAFETY: the future was dropped by the task's executor, the caller of its poll.
        unsafe { finished(self.task, self.pool) };
    }
}

/// Armed around the drop of a completed future: if that drop unwinds, the task is
/// finished (timer unlinked, slot freed) as after a normal drop; the future counts as
/// dropped (its remaining fields were dropped by the unwinding). Disarmed with
/// `mem::forget`; with `panic = abort` it compiles to nothing.
struct DropPanicGuard {
    task: TaskRef,
    pool: PoolRef,
}

impl Drop for DropPanicGuard {
    #[cold]
    fn drop(&mut self) {
        // SAFETY: only reached while the drop of the completed future unwinds, on the
        // task's executor (the caller of its poll).
        unsafe { finished(self.task, self.pool) };
    }
}

/// A stale run-queue entry of a task that finished after being woken: release the slot.
/// Not generic and out of line: rare, and kept out of every task's poll function.
///
/// # Safety
/// `dequeue` just drove the task's state to FREE (so the caller is the single releaser),
/// and `pool` is the task's pool.
#[cold]
#[inline(never)]
unsafe fn stale(task: TaskRef, pool: PoolRef) {
    #[cfg(feature = "trace")]
    crate::trace::task_trace::poll_skipped(task);
    // SAFETY: forwarded contract; the future was dropped when the task completed.
    unsafe { pool.release_freed(task) };
}

/// After a task's future completed and was dropped: leave the executor's queues and
/// release the slot unless a stale run-queue entry will do it (module `timers` for the
/// timer node). Not generic, kept out of line: it runs once per task lifetime.
///
/// # Safety
/// Called by the task's executor, right after dropping its completed future; `pool` is the
/// task's pool.
#[inline(never)]
unsafe fn finished(task: TaskRef, pool: PoolRef) {
    // SAFETY: a non-null PoolRef is a 'static head.
    match unsafe { pool.0.as_ref() } {
        // SAFETY: forwarded contract.
        None => unsafe { timers::finish_small(task) },
        Some(head) => critical_section::with(|cs| {
            // SAFETY: forwarded contract; the critical section is held.
            if unsafe { timers::finish_in_cs(cs, task) } {
                // SAFETY: the state reached FREE with no queue entry left; the future
                // was dropped by the caller; the critical section is held.
                unsafe { head.release_in_cs(task) };
            }
        }),
    }
}

/// Zero-initialised, suitably aligned bytes for one task pool. Declared by
/// `#[mote::task]`; not meant to be named in user code.
#[repr(C)]
pub struct PoolStorage<const SIZE: usize, const ALIGN: usize>
where
    Align<ALIGN>: Alignment,
{
    _align: [<Align<ALIGN> as Alignment>::Archetype; 0],
    bytes: UnsafeCell<MaybeUninit<[u8; SIZE]>>,
}

// SAFETY: the bytes are only accessed as a TaskPool, whose shared state is guarded by
// critical sections (pool head) or follows the task state machine (slots).
unsafe impl<const SIZE: usize, const ALIGN: usize> Sync for PoolStorage<SIZE, ALIGN> where
    Align<ALIGN>: Alignment
{
}

impl<const SIZE: usize, const ALIGN: usize> PoolStorage<SIZE, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    /// All-zero storage: every slot free.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            _align: [],
            bytes: UnsafeCell::new(MaybeUninit::zeroed()),
        }
    }
}

impl<const SIZE: usize, const ALIGN: usize> PoolStorage<SIZE, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    /// The storage's bytes, after checking at compile time that they have the layout of
    /// a pool of `N` futures of type `Fut` ([`pool_layout`]).
    #[inline(always)]
    fn checked<Fut: Future<Output = ()> + 'static, const N: usize>(&'static self) -> *const u8 {
        const {
            let (size, align) = pool_layout::<Fut, N>(PhantomData);
            assert!(SIZE == size && ALIGN == align);
        };
        self.bytes.get().cast_const().cast()
    }

    /// The typed view of the storage of a small pool (`N <= SMALL_POOL`, which the caller
    /// tests: the layout check, compiled in both branches of that test, always holds).
    ///
    /// # Safety
    /// `N <= SMALL_POOL`, and the storage is used for futures of type `Fut` with pool size
    /// `N` only.
    #[inline(always)]
    unsafe fn small<Fut: Future<Output = ()> + 'static, const N: usize>(
        &'static self,
    ) -> &'static [TaskStorage<Fut>; N] {
        debug_assert!(N <= SMALL_POOL);
        // SAFETY: with N <= SMALL_POOL size and alignment are those of N TaskStorages
        // (checked), all-zero bytes are free slots, every field is interior-mutable, and
        // the caller guarantees a single future type and pool size per storage.
        unsafe { &*self.checked::<Fut, N>().cast::<[TaskStorage<Fut>; N]>() }
    }

    /// The typed view of the storage of a pool of `N > 1`.
    ///
    /// # Safety
    /// The storage is used for futures of type `Fut` with pool size `N` only.
    #[inline(always)]
    unsafe fn typed<Fut: Future<Output = ()> + 'static, const N: usize>(
        &'static self,
    ) -> &'static TaskPool<Fut, N> {
        // SAFETY: as in `small`: all-zero bytes are a valid empty TaskPool.
        unsafe { &*self.checked::<Fut, N>().cast::<TaskPool<Fut, N>>() }
    }

    /// The release handle of this storage's pool.
    ///
    /// # Safety
    /// As for [`typed`](Self::typed).
    #[inline(always)]
    unsafe fn pool_ref<Fut: Future<Output = ()> + 'static, const N: usize>(
        &'static self,
    ) -> PoolRef {
        if N <= SMALL_POOL {
            PoolRef::BY_STATE
        } else {
            // SAFETY: forwarded contract.
            PoolRef(unsafe { &self.typed::<Fut, N>().head })
        }
    }
}

/// One turn of a task of the pool in `storage`: the body of the poll function that
/// `#[mote::task]` generates for each task function (see `PollFn`).
///
/// # Safety
/// As for [`spawn_in_pool`] (one future type per storage), and `task` was just taken from
/// its executor's run queue by that executor and belongs to this pool.
#[inline(always)]
pub unsafe fn poll_in_pool<Fut, const N: usize, const SIZE: usize, const ALIGN: usize>(
    storage: &'static PoolStorage<SIZE, ALIGN>,
    task: TaskRef,
    _type_of: PhantomData<Fut>,
) where
    Fut: Future<Output = ()> + 'static,
    Align<ALIGN>: Alignment,
{
    // SAFETY: forwarded contract: `task` is a slot of this storage's pool.
    unsafe { poll_task::<Fut>(task, storage.pool_ref::<Fut, N>()) }
}

/// Marker type mapping an alignment value to a type with that alignment.
pub struct Align<const N: usize>;

/// Implemented by `Align<N>` for every supported power of two.
pub trait Alignment {
    /// A zero-sized type aligned to `N`.
    type Archetype: Copy;
}

macro_rules! alignments {
    ($($n:literal => $name:ident),*) => {$(
        #[doc(hidden)]
        #[derive(Clone, Copy)]
        #[repr(align($n))]
        pub struct $name;
        impl Alignment for Align<$n> {
            type Archetype = $name;
        }
    )*};
}
alignments!(1 => A1, 2 => A2, 4 => A4, 8 => A8, 16 => A16, 32 => A32, 64 => A64,
    128 => A128, 256 => A256, 512 => A512, 1024 => A1024, 2048 => A2048, 4096 => A4096);

/// Size and alignment of the pool for `N` instances of the future type a task function
/// returns: `N` bare slots for a small pool (`N <= 4`), a pool head and `N` slots
/// otherwise. The
/// argument only carries the type; it is never called.
pub const fn pool_layout<Fut: Future<Output = ()>, const N: usize>(
    _type_of: PhantomData<Fut>,
) -> (usize, usize) {
    if N <= SMALL_POOL {
        (
            mem::size_of::<[TaskStorage<Fut>; N]>(),
            mem::align_of::<[TaskStorage<Fut>; N]>(),
        )
    } else {
        (
            mem::size_of::<TaskPool<Fut, N>>(),
            mem::align_of::<TaskPool<Fut, N>>(),
        )
    }
}

/// Claims a slot of `storage` and moves the future made by `make` into it, or returns a
/// token that reports [`SpawnError::Busy`](super::SpawnError::Busy) when spawned.
///
/// # Safety
/// What `#[mote::task]` guarantees by declaring one storage and one poll function per
/// task function:
/// - `storage` is used for futures of type `Fut` with pool size `N` only;
/// - `poll` is the poll function of this pool: it calls [`poll_in_pool`] with this
///   `storage`, `Fut` and `N` (the executor calls it for the task of every token made
///   here);
/// - `Fut` is not a [`Joinable`]: a task that returns a value is spawned through
///   [`spawn_joinable_in_pool`], which leaves the slot's epoch word alone (module
///   `executor::join`, Epoch Invariant; writing it here would race with stale abort
///   handles reading it).
pub unsafe fn spawn_in_pool<Fut, const N: usize, const SIZE: usize, const ALIGN: usize>(
    storage: &'static PoolStorage<SIZE, ALIGN>,
    poll: PollFn,
    make: impl FnOnce() -> Fut,
) -> SpawnToken<Fut>
where
    Fut: Future<Output = ()> + 'static,
    Align<ALIGN>: Alignment,
{
    let write = |slot: *mut Fut, fut| {
        // SAFETY: the claimed slot's future field, exclusively ours (`spawn_in_pool_by`).
        unsafe { slot.write(fut) }
    };
    // SAFETY: forwarded contract; `write` initialises the whole future.
    unsafe { spawn_in_pool_by::<Fut, N, SIZE, ALIGN>(storage, poll, make, write) }
}

/// [`spawn_in_pool`] for a task that returns a value (a [`Joinable`] future): the
/// future is moved in field by field, leaving the slot's epoch word as the previous
/// occupant left it (module `executor::join`, Epoch Invariant: stale abort handles may
/// read it while the slot is re-initialised).
///
/// # Safety
/// As for [`spawn_in_pool`] (with `Joinable<B>` as the pool's future type), and the
/// storage's slots are only ever claimed through this function.
pub unsafe fn spawn_joinable_in_pool<B, const N: usize, const SIZE: usize, const ALIGN: usize>(
    storage: &'static PoolStorage<SIZE, ALIGN>,
    poll: PollFn,
    make: impl FnOnce() -> Joinable<B>,
) -> SpawnToken<Joinable<B>>
where
    B: Future + 'static,
    Align<ALIGN>: Alignment,
{
    let write = |slot: *mut Joinable<B>, fut| {
        // SAFETY: the claimed slot's future field (`spawn_in_pool_by`), exclusively ours
        // but for the epoch word, which is initialised: zeroed storage, or left by the
        // slot's previous occupant (a `u32` in any case).
        unsafe { Joinable::init_keeping_epoch(slot, fut) }
    };
    // SAFETY: forwarded contract; `write` initialises every field but the epoch, which
    // is already valid.
    unsafe { spawn_in_pool_by::<Joinable<B>, N, SIZE, ALIGN>(storage, poll, make, write) }
}

/// The body of both spawns: claim, then `write` the future made by `make` into the
/// claimed slot's (uninitialised, exclusively owned) future field.
///
/// # Safety
/// As for [`spawn_in_pool`]; `write` leaves the future field initialised.
#[inline(always)]
unsafe fn spawn_in_pool_by<Fut, const N: usize, const SIZE: usize, const ALIGN: usize>(
    storage: &'static PoolStorage<SIZE, ALIGN>,
    poll: PollFn,
    make: impl FnOnce() -> Fut,
    write: impl FnOnce(*mut Fut, Fut),
) -> SpawnToken<Fut>
where
    Fut: Future<Output = ()> + 'static,
    Align<ALIGN>: Alignment,
{
    let claimed = if N <= SMALL_POOL {
        // SAFETY: N <= SMALL_POOL, and the storage holds `Fut` futures with pool size N
        // only (forwarded contract).
        claim_small(unsafe { storage.small::<Fut, N>() })
    } else {
        // SAFETY: forwarded contract.
        unsafe { storage.typed::<Fut, N>() }.claim()
    };
    match claimed {
        Some(task) => {
            let slot = task.as_ptr() as *const TaskStorage<Fut>;
            // SAFETY: the claimed slot is exclusively ours until spawned (state FREE or
            // CLAIMED, off every list); its future field is uninitialised (but for a
            // joinable's epoch word, which `write` leaves alone); the pool handle is this
            // storage's (forwarded contract).
            unsafe {
                write((*slot).future.get().cast::<Fut>(), make());
                *task.header().poll.get() = Some(poll);
                SpawnToken::new(task, storage.pool_ref::<Fut, N>())
            }
        }
        None => SpawnToken::busy(),
    }
}

/// The future of the slot `task`.
///
/// # Safety
/// `task` is a slot of a pool of `F` futures (the pointer is only valid to use under the
/// rules of the caller's own state machine; see `join.rs`).
pub(crate) unsafe fn future_ptr<F>(task: TaskRef) -> *const F {
    let storage = task.as_ptr() as *const TaskStorage<F>;
    // SAFETY: per the contract the header heads a `TaskStorage<F>` in a 'static pool;
    // only the field's address is taken.
    unsafe { ptr::addr_of!((*storage).future) }.cast()
}

/// Drops the future of a claimed but never spawned task and releases its slot. Out of
/// line: a dropped token is rare, and this keeps the drop glue out of every spawn.
///
/// # Safety
/// `task` was claimed by [`spawn_in_pool`] from `pool`, holds an initialised future of
/// type `Fut`, and is never spawned.
#[cold]
#[inline(never)]
pub(crate) unsafe fn abandon<Fut>(task: TaskRef, pool: PoolRef) {
    /// Releases the slot when dropped: after the future's drop, even if it unwinds
    /// (std), so a panicking drop does not keep the slot claimed for ever.
    struct Release(TaskRef, PoolRef);
    impl Drop for Release {
        fn drop(&mut self) {
            let Self(task, pool) = *self;
            // SAFETY: never spawned: the state is FREE (large pool) or CLAIMED (small
            // pool), the future was dropped (or its drop unwound), and this is the only
            // release (`abandon`'s contract).
            match unsafe { pool.0.as_ref() } {
                None => task.header().state.unclaim(),
                // SAFETY: as above.
                Some(head) => unsafe { head.release(task) },
            }
        }
    }
    let _release = Release(task, pool);
    let storage = task.as_ptr() as *const TaskStorage<Fut>;
    // SAFETY: per the contract the future is initialised and owned by the caller.
    unsafe { (*(*storage).future.get()).assume_init_drop() };
}
