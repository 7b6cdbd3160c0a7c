//! Test helpers for the executor tests: a leaked `RawExecutor` polled by the test
//! itself, and a loop that polls it until a batch finds nothing to do.
#![allow(dead_code)]

use mote::executor::raw::{Pender, RawExecutor};

/// A new executor with no pender, borrowed for `'static` (the test polls it by hand).
pub fn leak_executor() -> &'static RawExecutor {
    Box::leak(Box::new(RawExecutor::new(Pender::none())))
}

/// Polls `exec` until a batch polls nothing; returns the number of task polls.
pub fn drain(exec: &'static RawExecutor) -> usize {
    let mut polled = 0;
    loop {
        // SAFETY: each test is the only poller of its executors, on its own thread.
        let n = unsafe { exec.poll() };
        if n == 0 {
            return polled;
        }
        polled += n;
    }
}
