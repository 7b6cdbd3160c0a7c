//! No backend selected: only the [`RawExecutor`](crate::executor::raw::RawExecutor) is
//! available; bring your own loop.
//!
//! Nothing here can tell thread mode from an interrupt handler or one thread from
//! another, so there is no `in_thread_mode` and hence no `ThreadModeRawMutex`: a
//! `ThreadModeRawMutex` that let every caller in would be a `Sync` lock that excludes
//! nothing. Use `CriticalSectionRawMutex` (shared data) or `NoopRawMutex` (one context).
