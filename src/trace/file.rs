//! The trace file: the whole trace as a versioned JSON document that loads back losslessly.
//!
//! ```json
//! {"format": "runwait-trace", "version": 1, "trace": {"scenario": "io", "dropped": 0, "runs": [...]}}
//! ```

use super::Trace;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "runwait-trace";
pub const VERSION: u32 = 1;

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

pub fn from_json(text: &str, origin: &str) -> Result<Trace, Error> {
    let bad = |why: String| Error::BadTrace {
        path: origin.to_string(),
        why,
    };
    let header: Header = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!("not a {FORMAT} file")));
    }
    match header.version {
        Some(VERSION) => {}
        Some(v) => {
            return Err(bad(format!(
                "version {v} is not supported (this runwait reads {VERSION})"
            )))
        }
        None => return Err(bad("no version".into())),
    }
    let mut doc: DocIn = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    check(&doc.trace).map_err(bad)?;
    doc.trace.reindex();
    Ok(doc.trace)
}

/// What every view relies on: runs that end after they start, spans in order and not
/// overlapping, task numbers within the run, sizes within runwait's own bounds.
fn check(trace: &Trace) -> Result<(), String> {
    for (r, run) in trace.runs.iter().enumerate() {
        let tasks = run.meta.tasks;
        if tasks > crate::cli::MAX_TASKS || run.lanes.len() > crate::cli::MAX_TASKS as usize {
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

/// A trace file: runwait's own, or a Chrome trace (Perfetto's format, viztracer's output).
pub fn load(path: &Path) -> Result<Trace, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        what: format!("cannot read {}", path.display()),
        source: e,
    })?;
    let origin = path.display().to_string();
    if crate::export::chrome::looks_like(&text) {
        let trace = crate::export::chrome::import(&text, &origin)?;
        check(&trace).map_err(|why| Error::BadTrace { path: origin, why })?;
        return Ok(trace);
    }
    from_json(&text, &origin)
}
