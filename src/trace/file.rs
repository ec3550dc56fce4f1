//! The trace file: the whole trace as a versioned JSON document that loads back losslessly
//! (`ingest` reads it into a trace through the recorder).
//!
//! ```json
//! {"format": "runwait-trace", "version": 5, "trace": {"scenario": "io", "dropped": 0, "runs": [...]}}
//! ```
//!
//! Version 5 added who woke whom (a run's `wakes`) and the class's predictions (the trace's
//! `questions`); files before it have neither.
//! Version 4 linked a real program's run (`--cpython`) to the run it stands beside (`beside`:
//! `{"run": N}`, instead of `"real": true`) and gave its own report of its work typed fields
//! (`report`: `of`, `done`, `timed_ns`, `timed_from_ns`, `exit_code`) instead of figures in
//! `lesson`; older files' real runs are linked and their figures read into it once, on load.
//! Version 3 gave each lane a typed identity (`id`: kind, number, process, a program's own name,
//! OS thread id) instead of a name; older files' names are read into it once, on load.
//! Version 2 added the typed facts of a run's executor to its metadata (`baseline`, `ready`,
//! `strength`, `origin`); version 1 files are read too, those facts filled in from the executor.

use super::{limits, Lane, Run, Trace, MAX_NS};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const FORMAT: &str = "runwait-trace";
pub const VERSION: u32 = 5;
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
    let version = check_header(header.format.as_deref(), header.version).map_err(bad)?;
    let doc: DocIn = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    check(&doc.trace).map_err(bad)?;
    Ok((doc.trace, version))
}

/// The version of a file whose header says `format` and `version`, if runwait reads it.
pub fn check_header(format: Option<&str>, version: Option<u32>) -> Result<u32, String> {
    if format != Some(FORMAT) {
        return Err(format!("not a {FORMAT} file"));
    }
    match version {
        Some(v @ OLDEST..=VERSION) => Ok(v),
        Some(v) => Err(format!(
            "version {v} is not supported (this runwait reads {VERSION})"
        )),
        None => Err("no version".into()),
    }
}

/// How far a span may reach outside its run: a worker process's marks are put on runwait's
/// clock by the handshake, which is right to within its error (tens of microseconds).
pub const OUTSIDE_NS: u64 = 1_000_000;

/// What every view relies on: sizes within runwait's own bounds; runs that end after they
/// start; in each run lanes of different names, spans in order, not overlapping and inside the
/// run, task numbers within the run, ends on lanes of the run, queue lengths of its queues and
/// wakes between its lanes inside it.
/// The error names the first thing wrong.
pub fn check(trace: &Trace) -> Result<(), String> {
    if let Some(why) = limits::over(
        "the number of runs",
        trace.runs.len() as u64,
        limits::MAX_TRACE_RUNS as u64,
    ) {
        return Err(why);
    }
    for (r, run) in trace.runs.iter().enumerate() {
        check_run(run).map_err(|why| format!("run {r} ({}): {why}", run.meta.label))?;
    }
    if trace.questions.len() > MAX_QUESTIONS {
        return Err(format!("more than {MAX_QUESTIONS} questions"));
    }
    for (i, q) in trace.questions.iter().enumerate() {
        check_question(trace, q).map_err(|why| format!("question {}: {why}", i + 1))?;
    }
    Ok(())
}

/// The most questions a trace holds (each set's, a lesson's 32 at most and one a run).
const MAX_QUESTIONS: usize = 10_000;

/// A question about a run the trace has (or a set of it), as many counts as answers (if any),
/// its answers and counts as [`super::Question::check`] has them.
fn check_question(trace: &Trace, q: &super::Question) -> Result<(), String> {
    if q.run.is_some_and(|r| r as usize >= trace.runs.len()) {
        return Err(format!(
            "about run {}, which the trace does not have",
            q.run.unwrap_or(0)
        ));
    }
    if !q.counts.is_empty() && q.counts.len() != q.answers.len() {
        return Err(format!(
            "{} counts for {} answers",
            q.counts.len(),
            q.answers.len()
        ));
    }
    // The answers as a lesson file's are checked, and counts no bigger than a class gives.
    q.check()
}

fn check_run(run: &Run) -> Result<(), String> {
    let tasks = run.meta.tasks;
    let most = limits::MAX_TASKS as u64;
    if let Some(why) = limits::over("the number of tasks", tasks as u64, most)
        .or_else(|| limits::over("the number of lanes", run.lanes.len() as u64, most))
    {
        return Err(why);
    }
    if let (Some(s), Some(e)) = (run.start_ns, run.end_ns) {
        if e < s {
            return Err("it ends before it starts".into());
        }
    }
    if run
        .start_ns
        .into_iter()
        .chain(run.end_ns)
        .any(|t| t > MAX_NS)
    {
        return Err("times beyond runwait's range (104 days)".into());
    }
    let mut ids = HashMap::new();
    for (i, lane) in run.lanes.iter().enumerate() {
        if let Some(j) = ids.insert((&lane.id, lane.old_name.as_deref()), i) {
            return Err(format!("lanes {} and {} are the same lane", j + 1, i + 1));
        }
        let named = || match &lane.old_name {
            Some(name) => name.clone(),
            None => format!("lane {}", i + 1),
        };
        check_lane(run, lane).map_err(|why| format!("{}: {why}", named()))?;
    }
    check_ends(run)?;
    check_repeats(run)?;
    check_queues(run)?;
    check_wakes(run)
}

/// Where a run's times may lie: from its start to its end, each widened by [`OUTSIDE_NS`].
fn bounds(run: &Run) -> (u64, u64) {
    let from = run.start_ns.map_or(0, |s| s.saturating_sub(OUTSIDE_NS));
    let to = run.end_ns.map_or(MAX_NS, |e| e.saturating_add(OUTSIDE_NS));
    (from, to.min(MAX_NS))
}

/// A run's wakes: from and to lanes it has, at times inside it.
fn check_wakes(run: &Run) -> Result<(), String> {
    let (lanes, (from, to)) = (run.lanes.len(), bounds(run));
    for (i, w) in run.wakes.iter().enumerate() {
        let cause = w.cause.name();
        if let Some(l) = w
            .from
            .into_iter()
            .chain([w.to])
            .find(|&l| l as usize >= lanes)
        {
            return Err(format!(
                "wake {i} ({cause}) names lane {l}, and the run has {lanes} lanes"
            ));
        }
        if [w.from_ns, w.to_ns].iter().any(|&t| t < from || t > to) {
            return Err(format!(
                "wake {i} ({cause}, {} to {} ns) outside the run",
                w.from_ns, w.to_ns
            ));
        }
    }
    Ok(())
}

/// A run's repeats: no more than runwait makes, their times within its range.
fn check_repeats(run: &Run) -> Result<(), String> {
    let Some(r) = &run.meta.repeats else {
        return Ok(());
    };
    let most = limits::MAX_REPEATS as u64;
    if let Some(why) = limits::over("the number of repeats", r.n as u64, most)
        .or_else(|| limits::over("the repeats' times", r.times_ns.len() as u64, r.n as u64))
    {
        return Err(why);
    }
    match r.times_ns.iter().any(|&t| t > MAX_NS) {
        true => Err("times beyond runwait's range (104 days)".into()),
        false => Ok(()),
    }
}

fn check_lane(run: &Run, lane: &Lane) -> Result<(), String> {
    let tasks = run.meta.tasks;
    let (from, to) = bounds(run);
    let mut last_end = 0;
    for span in &lane.spans {
        if span.end_ns < span.start_ns || span.start_ns < last_end {
            return Err("spans out of order".into());
        }
        if span.end_ns > MAX_NS {
            return Err("times beyond runwait's range (104 days)".into());
        }
        if span.start_ns < from || span.end_ns > to {
            return Err(format!(
                "a span ({} to {} ns) outside the run",
                span.start_ns, span.end_ns
            ));
        }
        if span.task.is_some_and(|t| t >= tasks) {
            return Err(format!("a task beyond the run's {tasks}"));
        }
        last_end = span.end_ns;
    }
    match lane.open {
        Some(open) if open.start_ns < last_end.max(from) || open.start_ns > MAX_NS => {
            Err("its open span starts before its last span ends or outside the run".into())
        }
        Some(open) if open.task.is_some_and(|t| t >= tasks) => {
            Err(format!("a task beyond the run's {tasks}"))
        }
        _ => Ok(()),
    }
}

fn check_ends(run: &Run) -> Result<(), String> {
    let tasks = run.meta.tasks;
    for end in &run.ends {
        if end.task >= tasks {
            return Err(format!("a task end beyond the run's {tasks} tasks"));
        }
        if end.lane as usize >= run.lanes.len() {
            return Err(format!(
                "task {}'s end is on lane {}, and the run has {} lanes",
                end.task,
                end.lane,
                run.lanes.len()
            ));
        }
        if end.at_ns > MAX_NS {
            return Err("times beyond runwait's range (104 days)".into());
        }
    }
    Ok(())
}

fn check_queues(run: &Run) -> Result<(), String> {
    let queues = run.meta.queues.len();
    if let Some(why) = limits::over(
        "the number of queues",
        queues as u64,
        limits::MAX_QUEUES as u64,
    ) {
        return Err(why);
    }
    if run.queue_lengths.len() > queues {
        return Err(format!(
            "lengths of queue {} and the run has {queues} queues",
            run.queue_lengths.len() - 1
        ));
    }
    for (q, points) in run.queue_lengths.iter().enumerate() {
        if points.windows(2).any(|w| w[1].0 < w[0].0) {
            return Err(format!("the lengths of queue {q} are out of order"));
        }
        if points.last().is_some_and(|&(t, _)| t > MAX_NS) {
            return Err("times beyond runwait's range (104 days)".into());
        }
    }
    Ok(())
}

/// Write the trace to `path` as it is serialized, never whole in memory.
pub fn save(trace: &Trace, path: &Path) -> Result<(), Error> {
    let write = || -> std::io::Result<()> {
        let mut out = BufWriter::new(File::create(path)?);
        let doc = DocOut {
            format: FORMAT,
            version: VERSION,
            trace,
        };
        serde_json::to_writer(&mut out, &doc)?;
        out.flush()
    };
    write().map_err(|e| Error::cannot_write(path, e))
}
