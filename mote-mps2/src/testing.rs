//! Firmware test support: named checks printed on UART0, a summary line, and the verdict
//! as QEMU's exit status.
//!
//! Guarantees: every [`Checks::check`] prints exactly one line, `<what>: ok` or
//! `<what>: FAILED`, and never stops the test (later checks still run and print);
//! [`Checks::finish`] prints `<test>: all checks passed` and exits with [`EXIT_SUCCESS`]
//! when no check failed, else `<test>: <n> check(s) failed` and exits with
//! [`EXIT_FAILURE`]. A harness can therefore rely on the exit status alone, and a reader
//! of the log sees which checks failed.

use crate::{exit, println, EXIT_FAILURE, EXIT_SUCCESS};

/// The checks of one firmware test, counting the failures.
///
/// ```no_run
/// let mut checks = mote_mps2::testing::Checks::new("test_example");
/// checks.check("two plus two", 2 + 2 == 4);
/// checks.finish()
/// ```
#[must_use = "call `finish` to report the verdict and exit"]
pub struct Checks {
    test: &'static str,
    failures: u32,
}

impl Checks {
    /// Starts the checks of the test named `test` (the name in the summary line).
    pub const fn new(test: &'static str) -> Self {
        Self { test, failures: 0 }
    }

    /// Prints `<what>: ok` or `<what>: FAILED` and counts a failure when `ok` is false.
    pub fn check(&mut self, what: &str, ok: bool) {
        println!("{}: {}", what, if ok { "ok" } else { "FAILED" });
        if !ok {
            self.failures += 1;
        }
    }

    /// Prints the summary line and ends the QEMU run: status 0 if every check held,
    /// 1 otherwise.
    pub fn finish(self) -> ! {
        if self.failures == 0 {
            println!("{}: all checks passed", self.test);
            exit(EXIT_SUCCESS)
        } else {
            println!("{}: {} check(s) failed", self.test, self.failures);
            exit(EXIT_FAILURE)
        }
    }
}
