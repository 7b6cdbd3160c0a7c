//! Spawning: [`SpawnToken`] (a claimed slot holding a ready-to-run future),
//! [`Spawner`] (stays on its executor) and [`SendSpawner`] (usable from other executors,
//! threads and interrupt handlers).
//!
//! A token is made by calling a `#[mote::task]` function. Making it claims the pool slot
//! and moves the future in, so a token in hand means the slot is reserved: do set-up work
//! after calling the task function and the spawn itself cannot fail for lack of room.
//! Dropping a token without spawning it drops the future and frees the slot.

use core::fmt;
use core::future::{poll_fn, Future};
use core::marker::PhantomData;
use core::task::Poll;

use super::header::TaskRef;
use super::pool::{abandon, PoolRef};
use super::raw::RawExecutor;
use super::waker::task_from_waker;

/// Why a spawn failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SpawnError {
    /// Every slot of the task's pool is in use (`pool_size` instances are running).
    /// Nothing changed: running tasks go on, the arguments were dropped.
    Busy,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Busy => f.write_str(
                "task pool full: every instance is running; raise `pool_size` or wait for one to finish",
            ),
        }
    }
}

impl core::error::Error for SpawnError {}

/// A task ready to be spawned, returned by a `#[mote::task]` function. `S` stands for the
/// task's future type, so a token is `Send` exactly when the task's future is.
#[must_use = "a spawn token does nothing unless passed to `Spawner::spawn`"]
pub struct SpawnToken<S> {
    task: Option<TaskRef>,
    pool: PoolRef,
    _future: PhantomData<*mut S>,
}

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

    fn take(mut self) -> Result<TaskRef, SpawnError> {
        let task = self.task.take().ok_or(SpawnError::Busy)?;
        #[cfg(feature = "trace")]
        crate::trace::task_trace::spawning(task);
        Ok(task)
    }
}

/// Gives the task of `token` its task function's name (`#[mote::task]` calls it with the
/// function's name). Without the `trace` feature it does nothing and compiles to nothing.
#[doc(hidden)]
#[inline(always)]
pub fn name_token<S>(token: SpawnToken<S>, name: &'static &'static str) -> SpawnToken<S> {
    #[cfg(feature = "trace")]
    if let Some(task) = token.task {
        crate::trace::task_trace::set_name(task, name);
    }
    #[cfg(not(feature = "trace"))]
    let _ = name;
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
    executor: &'static RawExecutor,
    _not_send: PhantomData<*mut ()>,
}

impl Spawner {
    pub(crate) fn new(executor: &'static RawExecutor) -> Self {
        Self {
            executor,
            _not_send: PhantomData,
        }
    }

    /// Spawns the task of `token`. A token from a full pool gives
    /// [`SpawnError::Busy`] and changes nothing.
    pub fn spawn<S>(&self, token: SpawnToken<S>) -> Result<(), SpawnError> {
        let task = token.take()?;
        // SAFETY: the token held a claimed, unspawned task; `take` consumed it.
        unsafe { self.executor.spawn(task) };
        Ok(())
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
    /// `block_on`), since there is no executor to return.
    ///
    /// ```
    /// #[mote::task]
    /// async fn parent() {
    ///     let spawner = mote::Spawner::for_current_executor().await;
    ///     let _ = spawner;
    /// }
    /// # let _ = parent;
    /// ```
    pub fn for_current_executor() -> impl Future<Output = Spawner> {
        poll_fn(|cx| {
            let task = task_from_waker(cx.waker())
                .expect("Spawner::for_current_executor awaited outside a Mote task");
            // SAFETY: the task is being polled, so it is spawned and its executor pointer
            // is set; executors are 'static.
            Poll::Ready(Spawner::new(unsafe { &**task.header().executor.get() }))
        })
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}

/// Spawns `Send` tasks on an executor from any context: another executor, another
/// thread, an interrupt handler.
#[derive(Clone, Copy)]
pub struct SendSpawner {
    executor: &'static RawExecutor,
}

impl SendSpawner {
    /// Spawns the task of `token`, whose future must be `Send` (it is moved to the
    /// executor's context). A token from a full pool gives [`SpawnError::Busy`].
    pub fn spawn<S: Send>(&self, token: SpawnToken<S>) -> Result<(), SpawnError> {
        let task = token.take()?;
        // SAFETY: as in `Spawner::spawn`; the future is Send, and spawning is thread-safe
        // (release store of the state, lock-free push).
        unsafe { self.executor.spawn(task) };
        Ok(())
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

    /// The `SendSpawner` of the executor running the current task.
    ///
    /// # Panics
    /// When awaited outside a Mote task.
    pub async fn for_current_executor() -> SendSpawner {
        Spawner::for_current_executor().await.make_send()
    }
}

impl fmt::Debug for SendSpawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSpawner").finish_non_exhaustive()
    }
}
