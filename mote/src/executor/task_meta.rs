//! What `#[mote::task]` knows about a task function at compile time: its name and the
//! sizes of its static storage ([`TaskSizes`]).
//!
//! The figures reach two readers, at no cost to a build that reads neither:
//! - `mote::trace` (feature `trace`): each slot's header points to its task function's
//!   [`TaskMeta`] (the pointer that held the name before), so `TaskInfo::sizes` costs no
//!   header byte; the `TaskMeta` statics (a name and four words per task function, in
//!   flash) exist only with `trace`.
//! - `cargo xtask size --tasks <example>`: on bare-metal targets (`target_os = "none"`)
//!   the macro also writes one record per task function into the ELF section
//!   `.mote.tasks`, which is not allocated (like debug info): it takes no flash and no
//!   RAM, and `llvm-size`'s text/data/bss do not change. Record layout, little-endian
//!   32-bit words, each record 4-byte aligned ([`RECORD_MAGIC`] first):
//!
//!   ```text
//!   magic "TASK" · future · slot · pool_size · pool_bytes · "path::to::task_fn\0" · pad to 4
//!   ```

use core::future::Future;
use core::marker::PhantomData;
use core::mem;

use super::pool::pool_layout;

/// The first word of each `.mote.tasks` record: `b"TASK"` read as a little-endian `u32`.
#[doc(hidden)]
pub const RECORD_MAGIC: u32 = u32::from_le_bytes(*b"TASK");

/// The static RAM of one task function, computed at compile time from the type of its
/// future (all in bytes, except `pool_size`).
///
/// `pool_bytes` is the task's whole cost in `.bss`: `pool_size` slots of `slot` bytes,
/// plus a two-word free-list head for pools of more than 4 slots. A slot is the task
/// header (16 bytes on 32-bit targets; more with `trace`) followed by the future, padded
/// to the future's alignment. The future holds the task's arguments and every local
/// that lives across an `.await`: that is the part a task's code controls.
///
/// ```
/// use mote::executor::TaskSizes;
/// let sizes = TaskSizes { future: 24, slot: 40, pool_size: 2, pool_bytes: 80 };
/// assert_eq!(sizes.pool_bytes, sizes.pool_size * sizes.slot);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskSizes {
    /// Size of the task's future.
    pub future: usize,
    /// Size of one slot: the task header, the future and padding.
    pub slot: usize,
    /// Instances that may run at once (`#[mote::task(pool_size = N)]`, 1 by default).
    pub pool_size: usize,
    /// Size of the task function's static pool: every slot, plus the free-list head of
    /// a pool of more than 4 slots.
    pub pool_bytes: usize,
}

/// The sizes of the task function whose future type `Fut` is, with a pool of `N`
/// (the argument only carries the type).
#[doc(hidden)]
pub const fn task_sizes<Fut: Future<Output = ()>, const N: usize>(
    type_of: PhantomData<Fut>,
) -> TaskSizes {
    TaskSizes {
        future: mem::size_of::<Fut>(),
        slot: pool_layout::<Fut, 1>(type_of).0,
        pool_size: N,
        pool_bytes: pool_layout::<Fut, N>(type_of).0,
    }
}

/// A task function's name and sizes: one `static` per task function, declared by
/// `#[mote::task]` and pointed to by its slots' headers with `trace`.
#[doc(hidden)]
#[derive(Debug)]
pub struct TaskMeta {
    /// The task function's name.
    pub name: &'static str,
    /// Its sizes.
    pub sizes: TaskSizes,
}
