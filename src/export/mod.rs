//! Views of a trace that are not the terminal UI: the headless text, the JSON summary, the
//! Chrome trace (and its importer).

pub mod chrome;
pub mod json;
pub mod svg;
pub mod text;

use crate::trace::{Run, Trace};

/// speedup = the sync run's wall time / this run's wall time; `None` without a sync run, or
/// when either run did not do every task (a run that lost tasks finished early, not fast).
pub fn speedup(trace: &Trace, run: &Run) -> Option<f64> {
    let sync = trace.runs.iter().find(|r| r.meta.executor == "sync")?;
    if !sync.all_done() || !run.all_done() {
        return None;
    }
    let wall = run.wall_ns()? as f64;
    (wall > 0.0).then(|| sync.wall_ns().unwrap_or(0) as f64 / wall)
}

pub fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}
