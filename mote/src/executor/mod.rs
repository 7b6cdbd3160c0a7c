//! Executor (under construction in this commit: the API lands with the executor-core issue).
#![allow(missing_docs)]
pub struct Spawner;
pub struct SendSpawner;
pub struct SpawnToken;
pub enum SpawnError { Busy }
pub(crate) mod pool {
    pub struct PoolStorage;
    pub fn pool_layout() {}
    pub fn spawn_in_pool() {}
}
pub(crate) mod arch {
    /// True when the CPU runs in thread mode (not in an interrupt handler). On std: always true.
    #[allow(dead_code)]
    pub(crate) fn in_thread_mode() -> bool { true }
}
