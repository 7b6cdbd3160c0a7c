//! The summary table printed at the end of `cargo xtask test`.

use std::time::{Duration, Instant};

use crate::cmd::Error;

/// The result of one step (a host test run, a Miri run, a firmware binary on one target).
pub struct Outcome {
    /// What ran, e.g. `firmware thumbv6m-none-eabi test_smoke`.
    pub name: String,
    /// `Ok` or the reason it failed.
    pub result: Result<(), Error>,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// Collects outcomes and prints them as a table.
#[derive(Default)]
pub struct Report {
    outcomes: Vec<Outcome>,
}

impl Report {
    /// Runs `step`, timing it, and records its outcome under `name`.
    pub fn step(&mut self, name: impl Into<String>, step: impl FnOnce() -> Result<(), Error>) {
        let start = Instant::now();
        let result = step();
        self.push(Outcome {
            name: name.into(),
            result,
            elapsed: start.elapsed(),
        });
    }

    /// Records an outcome measured elsewhere.
    pub fn push(&mut self, outcome: Outcome) {
        if let Err(reason) = &outcome.result {
            eprintln!(
                "{} {}: {reason}",
                crate::cmd::style("31", "FAILED"),
                outcome.name
            );
        }
        self.outcomes.push(outcome);
    }

    /// Number of failed steps.
    pub fn failures(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_err()).count()
    }

    /// Prints the table and the closing `N passed, N failed` line.
    pub fn print(&self) {
        let width = self
            .outcomes
            .iter()
            .map(|o| o.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!();
        println!("{:<width$}  {:<6}  {:>8}", "step", "result", "time");
        println!("{:-<width$}  {:-<6}  {:->8}", "", "", "");
        for o in &self.outcomes {
            let verdict = if o.result.is_ok() { "pass" } else { "FAIL" };
            println!(
                "{:<width$}  {:<6}  {:>7.1}s",
                o.name,
                verdict,
                o.elapsed.as_secs_f64()
            );
        }
        for o in &self.outcomes {
            if let Err(reason) = &o.result {
                println!("  {}: {}", o.name, first_line(reason));
            }
        }
        let failed = self.failures();
        println!();
        println!("{} passed, {} failed", self.outcomes.len() - failed, failed);
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
