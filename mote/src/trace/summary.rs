//! A printable table of every task: [`summary`].
//!
//! Guarantees: formatting takes one snapshot per task (see
//! [`for_each_task`](super::for_each_task)) and holds no critical section while writing,
//! so printing to a slow UART does not block interrupts. Durations are printed in
//! microseconds.

use core::fmt;

use super::for_each_task;

/// The table [`summary`] returns; format it with `{}` (`Display`).
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    _private: (),
}

/// A table of every task ever spawned, one line each, for `{}` formatting:
///
/// ```text
/// task                 state     polls    wakes  longest poll us  total poll us  longest wait us
/// hog                  sleeping      4        0            30000          90000                0
/// ```
///
/// (The three duration columns exist with the `time` feature.)
///
/// ```
/// let table = format!("{}", mote::trace::summary());
/// assert!(table.starts_with("task"));
/// ```
pub fn summary() -> Summary {
    Summary { _private: () }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<20} {:<8} {:>6} {:>8}",
            "task", "state", "polls", "wakes"
        )?;
        #[cfg(feature = "time")]
        write!(
            f,
            " {:>16} {:>14} {:>16}",
            "longest poll us", "total poll us", "longest wait us"
        )?;
        writeln!(f)?;
        let mut result = Ok(());
        for_each_task(|task| {
            if result.is_err() {
                return;
            }
            result = (|| {
                write!(
                    f,
                    "{:<20} {:<8} {:>6} {:>8}",
                    task.name, task.state, task.polls, task.wakes
                )?;
                #[cfg(feature = "time")]
                write!(
                    f,
                    " {:>16} {:>14} {:>16}",
                    task.longest_poll.as_micros(),
                    task.total_poll.as_micros(),
                    task.longest_wait.as_micros()
                )?;
                writeln!(f)
            })();
        });
        result
    }
}
