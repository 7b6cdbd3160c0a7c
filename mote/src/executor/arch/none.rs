//! No backend selected: only the [`RawExecutor`](crate::executor::raw::RawExecutor) is
//! available; bring your own loop.

/// Without a backend there is no way to tell; the crate assumes thread mode.
#[allow(dead_code)]
pub(crate) fn in_thread_mode() -> bool {
    true
}
