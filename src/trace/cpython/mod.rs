//! A real program's run beside a lesson's (`runwait run LESSON --cpython`): typed, its link to
//! the run of runwait's it stands beside ([`Beside`], in its metadata) and the program's own
//! report ([`Report`], on the run). The program times its own work (as the articles' programs
//! do, around the work and not the interpreter's start-up); its speedup is taken from that
//! timing, against the real baseline's (`run.rs`: what a run asks of them).

mod run;

use serde::{Deserialize, Serialize};

/// What makes a run a real program's: the emulated run it stands beside.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beside {
    /// That run's index in the trace; `None` only for a real run of an old file (before
    /// version 4) whose emulated run was not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u32>,
}

impl Beside {
    /// Beside run `run` of the trace.
    pub fn run(run: u32) -> Beside {
        Beside { run: Some(run) }
    }
}

/// What a real program said of its work, and how it ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// How much work it was given: the lesson's tasks.
    #[serde(default)]
    pub of: u32,
    /// How much of it it says it did (pages, sums, tasks); `None` until it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<u32>,
    /// How long its work took, by its own clock (ns); `None` if it did not finish it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_ns: Option<u64>,
    /// Where, from the run's start, its timing began (ns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_from_ns: Option<u64>,
    /// The exit code of a program that failed (`None` when it exited 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

/// The names trace files before version 4 gave these figures in a run's `lesson`, read once on
/// load into its [`Report`] (`ingest::saved`).
pub mod old_names {
    pub const TIMED: &str = "timed_ns";
    pub const TIMED_FROM: &str = "timed_from_ns";
    pub const EXIT_CODE: &str = "exit_code";
    pub const PROGRAM_DONE: &str = "program_done";
    pub const PROGRAM_OF: &str = "program_of";
}
