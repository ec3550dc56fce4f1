//! Views of a trace that are not the terminal UI: the headless text and the JSON summary.

pub mod json;
pub mod text;

use crate::trace::{Run, Trace};

/// speedup = the sync run's wall time / this run's wall time; `None` without a sync run.
pub fn speedup(trace: &Trace, run: &Run) -> Option<f64> {
    let sync = trace.sync_wall_ns()? as f64;
    let wall = run.wall_ns()? as f64;
    (wall > 0.0).then(|| sync / wall)
}

pub fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}
