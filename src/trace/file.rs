//! The trace file: the whole trace as a versioned JSON document that loads back losslessly
//! (`ingest` reads it into a trace through the recorder).
//!
//! ```json
//! {"format": "runwait-trace", "version": 2, "trace": {"scenario": "io", "dropped": 0, "runs": [...]}}
//! ```
//!
//! Version 2 added the typed facts of a run's executor to its metadata (`baseline`, `ready`,
//! `strength`, `origin`); version 1 files are read too, those facts filled in from the executor.

use super::Trace;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "runwait-trace";
pub const VERSION: u32 = 2;
/// The oldest version still read.
pub const OLDEST: u32 = 1;

#[derive(Serialize)]
struct DocOut<'a> {
    format: &'a str,
    version: u32,
    trace: &'a Trace,
}

#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

#[derive(Deserialize)]
struct DocIn {
    trace: Trace,
}

pub fn to_json(trace: &Trace) -> String {
    serde_json::to_string(&DocOut {
        format: FORMAT,
        version: VERSION,
        trace,
    })
    .expect("a trace always serializes")
}

/// A trace file's text as a trace, checked, with the file's version.
pub fn parse(text: &str, origin: &str) -> Result<(Trace, u32), Error> {
    let bad = |why: String| Error::BadTrace {
        path: origin.to_string(),
        why,
    };
    let header: Header = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!("not a {FORMAT} file")));
    }
    let version = match header.version {
        Some(v @ OLDEST..=VERSION) => v,
        Some(v) => {
            return Err(bad(format!(
                "version {v} is not supported (this runwait reads {VERSION})"
            )))
        }
        None => return Err(bad("no version".into())),
    };
    let doc: DocIn = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    check(&doc.trace).map_err(bad)?;
    Ok((doc.trace, version))
}

/// What every view relies on: runs that end after they start, spans in order and not
/// overlapping, task numbers within the run, sizes within runwait's own bounds.
pub fn check(trace: &Trace) -> Result<(), String> {
    for (r, run) in trace.runs.iter().enumerate() {
        let tasks = run.meta.tasks;
        if tasks > super::limits::MAX_TASKS || run.lanes.len() > super::limits::MAX_TASKS as usize {
            return Err(format!("run {r}: more tasks or lanes than runwait makes"));
        }
        if let (Some(s), Some(e)) = (run.start_ns, run.end_ns) {
            if e < s {
                return Err(format!("run {r} ends before it starts"));
            }
        }
        let latest = run
            .lanes
            .iter()
            .filter_map(|l| l.spans.last().map(|s| s.end_ns))
            .chain(run.start_ns)
            .chain(run.end_ns)
            .chain(run.ends.iter().map(|e| e.at_ns))
            .max();
        if latest.is_some_and(|t| t > super::MAX_NS) {
            return Err(format!("run {r}: times beyond runwait's range (104 days)"));
        }
        for lane in &run.lanes {
            let mut last_end = 0;
            for span in &lane.spans {
                if span.end_ns < span.start_ns || span.start_ns < last_end {
                    return Err(format!("run {r}, {}: spans out of order", lane.name));
                }
                if span.task.is_some_and(|t| t >= tasks) {
                    return Err(format!(
                        "run {r}, {}: a task beyond the run's {tasks}",
                        lane.name
                    ));
                }
                last_end = span.end_ns;
            }
        }
        if run.ends.iter().any(|e| e.task >= tasks) {
            return Err(format!(
                "run {r}: a task end beyond the run's {tasks} tasks"
            ));
        }
    }
    Ok(())
}

pub fn save(trace: &Trace, path: &Path) -> Result<(), Error> {
    std::fs::write(path, to_json(trace)).map_err(|e| Error::cannot_write(path, e))
}
