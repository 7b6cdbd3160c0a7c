//! Spawning: [`SpawnToken`] (a claimed slot holding a ready-to-run future),
//! [`Spawner`] (stays on its executor) and [`SendSpawner`] (usable from other executors,
//! threads and interrupt handlers).
//!
//! A token is made by calling a `#[mote::task]` function. Making it claims the pool slot
//! and moves the future in, so a token in hand means the slot is reserved: do set-up work
//! after calling the task function and the spawn itself cannot fail for lack of room.
//! Dropping a token without spawning it drops the future and frees the slot. Leaking one
//! (`mem::forget`) keeps its slot claimed for good: the future is never dropped, and the
//! pool has one slot fewer (a full pool answers [`SpawnError::Busy`], as always).

use core::fmt;
use core::future::{poll_fn, Future};
use core::marker::PhantomData;
use core::task::Poll;

use super::header::TaskRef;
use super::pool::{abandon, PoolRef};
use super::raw::RawExecutor;
use super::waker::task_from_waker;

/// Why a spawn failed.
///
/// `#[non_exhaustive]`: a later release may add reasons, so a `match` needs a `_` arm.
///
/// ```
/// use mote::executor::SpawnError;
///
/// fn describe(e: SpawnError) -> &'static str {
///     match e {
///         SpawnError::Busy => "pool full, try later",
///         _ => "other",
///     }
/// }
/// assert_eq!(describe(SpawnError::Busy), "pool full, try later");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SpawnError {
    /// Every slot of the task's pool is in use (`pool_size` instances are running).
    /// Nothing changed: running tasks go on, the arguments were dropped.
    Busy,
    /// The allocator could not provide a heap task's memory
    /// (`Spawner::spawn_boxed`, feature `alloc`). Nothing changed: the future was dropped.
    HeapFull,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Busy => f.write_str(
                "task pool full: every instance is running; raise `pool_size` or wait for one to finish",
            ),
            SpawnError::HeapFull => {
                f.write_str("heap full: the allocator could not provide the task's memory")
            }
        }
    }
}

impl core::error::Error for SpawnError {}

/// A task ready to be spawned, returned by a `#[mote::task]` function. `S` stands for the
/// task's future type, so a token is `Send` exactly when the task's future is: a token
/// made on one thread can be sent to another and spawned there (through a
/// [`SendSpawner`], or that thread's own [`Spawner`]).
///
/// ```
/// #[mote::task]
/// async fn job(n: u32) { let _ = n; }
///
/// fn assert_send<T: Send>(_: &T) {}
/// let token = job(1);
/// assert_send(&token);
/// ```
///
/// Dropping a token unspawned drops the future and frees the slot; leaking it
/// (`mem::forget`) keeps the slot claimed for good, the future never dropped
/// (`tests/executor_forget.rs`).
///
/// A task whose arguments are not `Send` gives a token that is not `Send` either:
///
/// ```compile_fail
/// #[mote::task]
/// async fn local(n: std::rc::Rc<u32>) { let _ = n; }
///
/// fn assert_send<T: Send>(_: &T) {}
/// assert_send(&local(std::rc::Rc::new(1)));
/// ```
#[must_use = "a spawn token does nothing unless passed to `Spawner::spawn`"]
pub struct SpawnToken<S> {
    task: Option<TaskRef>,
    pool: PoolRef,
    _future: PhantomData<*mut S>,
}

// SAFETY: a token owns its claimed slot exclusively (no other context touches the slot
// until it is spawned or the token is dropped) and the future of type `S` inside it.
// Sending the token moves that ownership, which is sound when the future may move between
// threads: `S: Send`. (The slot's storage is a `'static` pool.)
unsafe impl<S: Send> Send for SpawnToken<S> {}

impl<S> SpawnToken<S> {
    /// # Safety
    /// `task` is claimed from `pool` and holds an initialised future of type `S`.
    pub(crate) unsafe fn new(task: TaskRef, pool: PoolRef) -> Self {
        Self {
            task: Some(task),
            pool,
            _future: PhantomData,
        }
    }

    pub(crate) fn busy() -> Self {
        Self {
            task: None,
            pool: PoolRef::BY_STATE,
            _future: PhantomData,
        }
    }

    /// `Ok` if this token holds a reserved slot, `Err(SpawnError::Busy)` if the pool was
    /// full when the task function was called (spawning it will fail the same way).
    ///
    /// ```
    /// #[mote::task(pool_size = 1)]
    /// async fn worker() {}
    ///
    /// let first = worker();
    /// assert!(first.reserved().is_ok());
    /// assert_eq!(worker().reserved(), Err(mote::SpawnError::Busy));
    /// drop(first); // frees the slot
    /// assert!(worker().reserved().is_ok());
    /// ```
    pub fn reserved(&self) -> Result<(), SpawnError> {
        self.task.map(|_| ()).ok_or(SpawnError::Busy)
    }

    pub(super) fn take(mut self) -> Result<TaskRef, SpawnError> {
        let task = self.task.take().ok_or(SpawnError::Busy)?;
        #[cfg(feature = "trace")]
        crate::trace::task_trace::spawning(task);
        Ok(task)
    }

    /// The token as a [`ReservedToken`], whose spawn cannot fail, so that
    /// `spawner.spawn(task(..).unwrap())` (Embassy 0.10's idiom) returns `()`.
    ///
    /// # Panics
    /// If the pool was full ([`SpawnError::Busy`]) when the task function was called.
    ///
    /// ```
    /// #[mote::task]
    /// async fn blink() {}
    ///
    /// fn start(spawner: mote::Spawner) {
    ///     spawner.spawn(blink().unwrap()); // as in Embassy 0.10
    /// }
    /// # let _ = start;
    /// ```
    #[track_caller]
    pub fn unwrap(self) -> ReservedToken<S> {
        if self.task.is_none() {
            // A literal message: no formatting machinery in firmware that never panics.
            panic!("task pool full (SpawnError::Busy); raise `pool_size`");
        }
        ReservedToken(self)
    }

    /// [`unwrap`](Self::unwrap) with a message of your own.
    ///
    /// # Panics
    /// If the pool was full, with `msg`.
    #[track_caller]
    pub fn expect(self, msg: &str) -> ReservedToken<S> {
        if self.task.is_none() {
            panic!("{}", msg);
        }
        ReservedToken(self)
    }
}

/// A [`SpawnToken`] known to hold a reserved slot ([`SpawnToken::unwrap`]): spawning it
/// cannot fail, so [`Spawner::spawn`] returns `()` for it (Embassy 0.10's signature)
/// where a plain token gives a `Result`.
#[must_use = "a spawn token does nothing unless passed to `Spawner::spawn`"]
pub struct ReservedToken<S>(SpawnToken<S>);

impl<S> fmt::Debug for ReservedToken<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReservedToken").field(&self.0).finish()
    }
}

/// What [`Spawner::spawn`] and [`SendSpawner::spawn`] accept, and what they return for
/// it: a [`SpawnToken`] gives `Result<(), SpawnError>` (Mote's idiom,
/// `spawner.spawn(task())?`), a [`ReservedToken`] gives `()` (Embassy 0.10's,
/// `spawner.spawn(task().unwrap())`). Both compile to the same code. Sealed.
pub trait Spawnable<S>: sealed::Sealed {
    /// The spawn's result for this kind of token.
    type Output;
    #[doc(hidden)]
    fn spawn_with(self, spawn: impl FnOnce(TaskRef)) -> Self::Output;
}

mod sealed {
    pub trait Sealed {}
    impl<S> Sealed for super::SpawnToken<S> {}
    impl<S> Sealed for super::ReservedToken<S> {}
}

impl<S> Spawnable<S> for SpawnToken<S> {
    type Output = Result<(), SpawnError>;
    #[inline]
    fn spawn_with(self, spawn: impl FnOnce(TaskRef)) -> Self::Output {
        spawn(self.take()?);
        Ok(())
    }
}

impl<S> Spawnable<S> for ReservedToken<S> {
    type Output = ();
    #[inline]
    fn spawn_with(self, spawn: impl FnOnce(TaskRef)) {
        // A reserved token always holds its slot (checked by `expect`).
        if let Ok(task) = self.0.take() {
            spawn(task);
        }
    }
}

/// Gives the task of `token` its task function's name and sizes (`#[mote::task]` calls
/// it with the function's [`TaskMeta`](super::task_meta::TaskMeta)). Without the `trace`
/// feature it does nothing and compiles to nothing.
#[doc(hidden)]
#[inline(always)]
pub fn name_token<S>(
    token: SpawnToken<S>,
    meta: &'static super::task_meta::TaskMeta,
) -> SpawnToken<S> {
    #[cfg(feature = "trace")]
    if let Some(task) = token.task {
        crate::trace::task_trace::set_name(task, meta);
    }
    #[cfg(not(feature = "trace"))]
    let _ = meta;
    token
}

impl<S> Drop for SpawnToken<S> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            // SAFETY: the token owned a claimed, never spawned slot of `pool` with a future
            // of type S.
            unsafe { abandon::<S>(task, self.pool) };
        }
    }
}

impl<S> fmt::Debug for SpawnToken<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnToken")
            .field("reserved", &self.task.is_some())
            .finish()
    }
}

/// Spawns tasks on the executor it came from. `Copy`, but not `Send`: it stays on that
/// executor's context. Use [`make_send`](Self::make_send) to hand spawning to others.
///
/// ```
/// use mote::Spawner;
///
/// #[mote::task(pool_size = 2)]
/// async fn child(n: u32) { let _ = n; }
///
/// fn start(spawner: Spawner) -> Result<(), mote::SpawnError> {
///     spawner.spawn(child(1))?;
///     spawner.spawn(child(2))?;
///     Ok(())
/// }
/// # let _ = start;
/// ```
#[derive(Clone, Copy)]
pub struct Spawner {
    pub(super) executor: &'static RawExecutor,
    _not_send: super::raw::UseSendSpawnerAcrossContexts,
}

impl Spawner {
    pub(crate) fn new(executor: &'static RawExecutor) -> Self {
        Self {
            executor,
            _not_send: super::raw::UseSendSpawnerAcrossContexts(PhantomData),
        }
    }

    /// Spawns the task of `token`. For a [`SpawnToken`] it returns `Result<(),
    /// SpawnError>`: a token from a full pool gives [`SpawnError::Busy`] and changes
    /// nothing. For a [`ReservedToken`] (`task().unwrap()`, Embassy 0.10's idiom) it
    /// returns `()`.
    ///
    /// ```
    /// #[mote::task(pool_size = 2)]
    /// async fn child(n: u32) { let _ = n; }
    ///
    /// fn start(spawner: mote::Spawner) -> Result<(), mote::SpawnError> {
    ///     spawner.spawn(child(1))?;          // Mote: a full pool is an error value
    ///     spawner.spawn(child(2).unwrap());  // Embassy 0.10: panics if the pool is full
    ///     Ok(())
    /// }
    /// # let _ = start;
    /// ```
    #[inline]
    pub fn spawn<S, T: Spawnable<S>>(&self, token: T) -> T::Output {
        token.spawn_with(|task| {
            // SAFETY: the token held a claimed, unspawned task; `take` consumed it.
            unsafe { self.executor.spawn(task) }
        })
    }

    /// Spawns `future` as a heap task (feature `alloc`): the future and its captures go
    /// into one heap allocation, which is freed when the task has finished and its last
    /// waker is dropped. Heap tasks run beside static tasks on the same executor, in the
    /// same run queue. A full heap is an error value ([`SpawnError::HeapFull`], the
    /// future dropped), never a panic or an abort.
    ///
    /// `name` labels the task at the call site; heap tasks are not listed by
    /// `mote::trace` (its registry keeps `'static` tasks only), so the name is
    /// not recorded today. Costs and soundness: the `heap_task` module docs (one
    /// allocation and one free per task; a waker clone or drop is one atomic update of a
    /// reference count).
    ///
    /// ```
    /// use core::sync::atomic::{AtomicU32, Ordering};
    ///
    /// #[mote::main]
    /// async fn main(spawner: mote::Spawner) {
    ///     static DONE: AtomicU32 = AtomicU32::new(0);
    ///     for led in 0..3u32 {
    ///         let (on, off) = (led * 10, led * 10 + 5); // captured by value
    ///         spawner
    ///             .spawn_boxed("led", async move {
    ///                 DONE.fetch_add(on + off, Ordering::Relaxed);
    ///             })
    ///             .unwrap();
    ///     }
    ///     mote::futures::yield_now().await;
    ///     assert_eq!(DONE.load(Ordering::Relaxed), 5 + 25 + 45);
    /// #   std::process::exit(0);
    /// }
    /// ```
    ///
    /// The future owns what it uses (`async move`): borrowing a local does not compile.
    ///
    /// ```compile_fail
    /// fn start(spawner: mote::Spawner) {
    ///     let local = 5u32;
    ///     let r = &local;
    ///     let _ = spawner.spawn_boxed("borrows", async move { drop(r) });
    /// }
    /// ```
    #[cfg(feature = "alloc")]
    pub fn spawn_boxed<F>(&self, name: &'static str, future: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        let _ = name;
        // SAFETY: a `Spawner` is used in its executor's context only (it is `!Send`), so
        // the future, `Send` or not, stays in that context.
        unsafe { super::heap_task::spawn_boxed(self.executor, future) }
    }

    /// Like [`spawn`](Self::spawn), for start-up code where a full pool is a bug.
    ///
    /// # Panics
    /// If the pool is full.
    #[track_caller]
    pub fn must_spawn<S>(&self, token: SpawnToken<S>) {
        if self.spawn(token).is_err() {
            // A literal message: no formatting machinery in firmware that never panics.
            panic!("must_spawn: task pool full (SpawnError::Busy); raise `pool_size`");
        }
    }

    /// A `Send` spawner for the same executor.
    pub fn make_send(&self) -> SendSpawner {
        SendSpawner {
            executor: self.executor,
        }
    }

    /// The spawner of the executor running the current task.
    ///
    /// # Panics
    /// When awaited outside a Mote task (a future polled by another executor or
    /// `block_on`), since there is no executor to return; and when awaited with a task's
    /// waker in a context that does not poll that task's executor (a future given the
    /// waker and polled on another thread or interrupt priority): a `Spawner` there would
    /// let `!Send` futures cross contexts. Use [`SendSpawner::for_current_executor`]
    /// (which spawns `Send` futures only) where that can happen.
    ///
    /// Not available without a backend feature (`std` or `cortex-m`), which is what tells
    /// contexts apart.
    ///
    /// ```
    /// #[mote::task]
    /// async fn parent() {
    ///     let spawner = mote::Spawner::for_current_executor().await;
    ///     let _ = spawner;
    /// }
    /// # let _ = parent;
    /// ```
    #[cfg(any(feature = "cortex-m", feature = "std"))]
    pub fn for_current_executor() -> impl Future<Output = Spawner> {
        poll_fn(|cx| {
            let task = any_task_from_waker(cx.waker())
                .expect("Spawner::for_current_executor awaited outside a Mote task");
            let executor = current_executor(task).expect(
                "Spawner::for_current_executor: waker used outside its executor's context; \
                 use SendSpawner::for_current_executor",
            );
            Poll::Ready(Spawner::new(executor))
        })
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}

/// The task of a static or (feature `alloc`) heap task waker. A heap task stays alive
/// while `waker` is borrowed; callers read its executor at once and keep nothing else.
fn any_task_from_waker(waker: &core::task::Waker) -> Option<TaskRef> {
    let task = task_from_waker(waker);
    #[cfg(all(feature = "alloc", not(loom)))]
    let task = task.or_else(|| super::heap_task::heap_task_from_waker(waker));
    task
}

/// The executor of `task` if the calling context is the one polling it, else `None`.
#[cfg(any(feature = "cortex-m", feature = "std"))]
fn current_executor(task: TaskRef) -> Option<&'static RawExecutor> {
    // The pointer may be stale if the waker is (the slot re-spawned elsewhere); any
    // executor it names is 'static, and the context check below is what makes handing
    // out a `Spawner` for it sound, whichever it is.
    // SAFETY: a non-null executor pointer was set from a `&'static RawExecutor`.
    let executor = unsafe { task.header().executor_ptr().as_ref() }?;
    executor.is_current_context().then_some(executor)
}

/// Spawns `Send` tasks on an executor from any context: another executor, another
/// thread, an interrupt handler.
#[derive(Clone, Copy)]
pub struct SendSpawner {
    pub(super) executor: &'static RawExecutor,
}

// SAFETY: a SendSpawner only spawns `Send` futures, through the thread-safe part of the
// executor (the claimed slot is published by a Release store, the run-queue push is
// lock-free or in a critical section, the pender is callable anywhere: the Shared Fields
// Invariant of `raw.rs`); it never polls and never touches the poll loop's state.
unsafe impl Send for SendSpawner {}
// SAFETY: as above; `&SendSpawner` allows nothing more than a `SendSpawner`.
unsafe impl Sync for SendSpawner {}

impl SendSpawner {
    /// Spawns the task of `token`, whose future must be `Send` (it is moved to the
    /// executor's context). As [`Spawner::spawn`]: a [`SpawnToken`] from a full pool
    /// gives [`SpawnError::Busy`]; a [`ReservedToken`] gives `()`.
    #[inline]
    pub fn spawn<S: Send, T: Spawnable<S>>(&self, token: T) -> T::Output {
        token.spawn_with(|task| {
            // SAFETY: as in `Spawner::spawn`; the future is Send, and spawning is
            // thread-safe (release store of the state, lock-free push).
            unsafe { self.executor.spawn_out_of_line(task) }
        })
    }

    /// [`Spawner::spawn_boxed`] from any context: the future must be `Send`.
    ///
    /// ```
    /// fn start(spawner: mote::SendSpawner, n: u32) -> Result<(), mote::SpawnError> {
    ///     spawner.spawn_boxed("worker", async move {
    ///         let _ = n;
    ///     })
    /// }
    /// # let _ = start;
    /// ```
    ///
    /// A future that is not `Send` does not compile here (use the executor's own
    /// `Spawner`):
    ///
    /// ```compile_fail
    /// fn start(spawner: mote::SendSpawner) {
    ///     let rc = std::rc::Rc::new(1u32);
    ///     let _ = spawner.spawn_boxed("local", async move { drop(rc) });
    /// }
    /// ```
    #[cfg(feature = "alloc")]
    pub fn spawn_boxed<F>(&self, name: &'static str, future: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let _ = name;
        // SAFETY: the future is `Send`, so it may move to the executor's context.
        unsafe { super::heap_task::spawn_boxed(self.executor, future) }
    }

    /// Like [`spawn`](Self::spawn), panicking if the pool is full.
    ///
    /// # Panics
    /// If the pool is full.
    #[track_caller]
    pub fn must_spawn<S: Send>(&self, token: SpawnToken<S>) {
        if self.spawn(token).is_err() {
            panic!("must_spawn: task pool full (SpawnError::Busy); raise `pool_size`");
        }
    }

    /// The `SendSpawner` of the executor of the current task: usable from any context,
    /// including a future polled elsewhere with the task's waker.
    ///
    /// # Panics
    /// When awaited outside a Mote task, or with the waker of a task that is not alive
    /// (a stale waker).
    ///
    /// ```
    /// #[mote::task]
    /// async fn parent() {
    ///     let spawner = mote::SendSpawner::for_current_executor().await;
    ///     let _ = spawner;
    /// }
    /// # let _ = parent;
    /// ```
    pub fn for_current_executor() -> impl Future<Output = SendSpawner> {
        poll_fn(|cx| {
            let task = any_task_from_waker(cx.waker())
                .expect("SendSpawner::for_current_executor awaited outside a Mote task");
            let executor = task.header().executor_ptr();
            // SAFETY: a non-null executor pointer was set from a `&'static RawExecutor`
            // (it may be stale: then it is another live executor, and spawning `Send`
            // futures on any executor is sound).
            let executor = unsafe { executor.as_ref() }
                .expect("SendSpawner::for_current_executor: the task was never spawned");
            Poll::Ready(SendSpawner { executor })
        })
    }
}

impl fmt::Debug for SendSpawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSpawner").finish_non_exhaustive()
    }
}
