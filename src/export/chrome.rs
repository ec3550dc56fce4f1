//! Chrome Trace Event JSON, the format Perfetto and chrome://tracing open: runwait's traces go
//! out as it, and traces made elsewhere in it (viztracer's, of a real Python program) come in.
//!
//! Out: one process per run and one thread per lane, named with metadata events; a complete
//! event (`"ph": "X"`, microseconds) per span, named by its state (`run`, `wait`, `ready`), with
//! the task in `args`; an instant event per task end and at the run's start and end; a counter
//! per queue. All of runwait's own events have `"cat": "runwait"`, which is how they are known
//! when they come back in, exactly.
//!
//! In, from elsewhere: every process is a run and every thread a lane. On each thread the
//! innermost slice at each instant says what it does: `run`, unless it is a call known to block
//! ([`BLOCKING`]: socket receive / send / connect / accept, select / poll / epoll, sleep, lock
//! acquire), which is `wait`. Time outside any slice is not running. Each outermost slice is a
//! task. Event kinds it does not use are skipped and counted, never fatal.

use crate::error::Error;
use crate::trace::{Lane, LaneKind, Outcome, QueueMeta, Run, RunMeta, Span, State, TaskEnd, Trace};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The category of runwait's own events.
const CAT: &str = "runwait";

/// Calls that block (the last part of a slice's name, before any ` (file:line)`): a slice of
/// one of these, innermost, is `wait`.
pub const BLOCKING: &[&str] = &[
    "recv",
    "recv_into",
    "recvfrom",
    "recvfrom_into",
    "recvmsg",
    "send",
    "sendall",
    "sendto",
    "sendmsg",
    "sendfile",
    "connect",
    "connect_ex",
    "accept",
    "select",
    "poll",
    "epoll",
    "control",
    "sleep",
    "acquire",
];

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

fn ns(us: f64) -> u64 {
    (us * 1e3).round().max(0.0) as u64
}

/// The trace as Chrome Trace Event JSON.
pub fn to_json(trace: &Trace) -> String {
    let mut events = Vec::new();
    for (r, run) in trace.runs.iter().enumerate() {
        let pid = r + 1;
        events.push(
            json!({"ph": "M", "pid": pid, "tid": 0, "name": "process_name",
            "args": {"name": run.meta.label, "runwait": run.meta}}),
        );
        for (mark, at) in [("run start", run.start_ns), ("run end", run.end_ns)] {
            if let Some(at) = at {
                events.push(
                    json!({"ph": "i", "s": "p", "pid": pid, "tid": 0, "cat": CAT,
                    "name": mark, "ts": us(at)}),
                );
            }
        }
        for (l, lane) in run.lanes.iter().enumerate() {
            let tid = l + 1;
            events.push(
                json!({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name",
                "args": {"name": lane.name}}),
            );
            for span in &lane.spans {
                events.push(json!({"ph": "X", "pid": pid, "tid": tid, "cat": CAT,
                    "name": span.state.name(), "ts": us(span.start_ns), "dur": us(span.len_ns()),
                    "args": {"task": span.task}}));
            }
        }
        for end in &run.ends {
            events.push(
                json!({"ph": "i", "s": "t", "pid": pid, "tid": end.lane + 1, "cat": CAT,
                "name": end.outcome.name(), "ts": us(end.at_ns), "args": {"task": end.task}}),
            );
        }
        for (q, points) in run.queue_lengths.iter().enumerate() {
            let name = run.meta.queues.get(q).map_or("queue", |m| m.name.as_str());
            for &(t, len) in points {
                events.push(json!({"ph": "C", "pid": pid, "tid": 0, "cat": CAT,
                    "name": format!("{name} queue"), "ts": us(t), "args": {"length": len, "queue": q}}));
            }
        }
    }
    serde_json::to_string(&json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {"scenario": trace.scenario, "dropped": trace.dropped, "made_by": "runwait"},
    }))
    .expect("a trace always serializes")
}

/// Whether a JSON text looks like a Chrome trace (an object with `traceEvents`, or an array
/// of events) rather than a runwait trace file.
pub fn looks_like(text: &str) -> bool {
    let start = text.trim_start();
    start.starts_with('[') || (start.starts_with('{') && text.contains("\"traceEvents\""))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Object {
        #[serde(rename = "traceEvents")]
        events: Vec<Value>,
        #[serde(default, rename = "otherData")]
        other: Value,
    },
    Array(Vec<Value>),
}

/// A slice on one thread, from an `X` event or a `B` / `E` pair.
struct Slice {
    start: u64,
    end: u64,
    name: String,
    /// runwait's own: its state and task, exactly.
    own: Option<(State, Option<u32>)>,
}

#[derive(Default)]
struct LaneIn {
    name: Option<String>,
    slices: Vec<Slice>,
    /// `B` events waiting for their `E`.
    open: Vec<(u64, String)>,
}

#[derive(Default)]
struct RunIn {
    name: Option<String>,
    meta: Option<RunMeta>,
    lanes: Vec<(Value, LaneIn)>,
    start: Option<u64>,
    end: Option<u64>,
    ends: Vec<(Value, u32, Outcome, u64)>,
    queues: Vec<Vec<(u64, u32)>>,
}

impl RunIn {
    fn lane(&mut self, tid: &Value) -> &mut LaneIn {
        match self.lanes.iter().position(|(t, _)| t == tid) {
            Some(i) => &mut self.lanes[i].1,
            None => {
                self.lanes.push((tid.clone(), LaneIn::default()));
                &mut self.lanes.last_mut().expect("just pushed").1
            }
        }
    }
}

/// A Chrome trace (runwait's own or one made elsewhere) as a trace.
pub fn import(text: &str, origin: &str) -> Result<Trace, Error> {
    let bad = |why: String| Error::BadTrace {
        path: origin.to_string(),
        why,
    };
    let doc: Doc =
        serde_json::from_str(text).map_err(|e| bad(format!("not a Chrome trace: {e}")))?;
    let (events, other) = match doc {
        Doc::Object { events, other } => (events, other),
        Doc::Array(events) => (events, Value::Null),
    };
    let mut runs: Vec<(Value, RunIn)> = Vec::new();
    let mut skipped = 0u64;
    for event in &events {
        if !take(event, &mut runs) {
            skipped += 1;
        }
    }
    // Named as runwait named it, else after the file.
    let file_name = std::path::Path::new(origin)
        .file_stem()
        .map_or(origin.into(), |s| s.to_string_lossy());
    let mut trace = Trace::new(
        other
            .get("scenario")
            .and_then(Value::as_str)
            .unwrap_or(&file_name),
    );
    trace.dropped = other.get("dropped").and_then(Value::as_u64).unwrap_or(0);
    trace.skipped = skipped;
    for (pid, run) in runs {
        if run.lanes.iter().all(|(_, l)| l.slices.is_empty()) {
            continue;
        }
        trace.runs.push(build_run(&pid, run).map_err(bad)?);
    }
    if trace.runs.is_empty() {
        return Err(bad("no slices in it".into()));
    }
    trace.reindex();
    Ok(trace)
}

/// Use one event; false if runwait has no use for it.
fn take(event: &Value, runs: &mut Vec<(Value, RunIn)>) -> bool {
    let (Some(ph), Some(pid)) = (event.get("ph").and_then(Value::as_str), event.get("pid")) else {
        return false;
    };
    let tid = event.get("tid").cloned().unwrap_or(Value::Null);
    let name = event.get("name").and_then(Value::as_str).unwrap_or("");
    let ts = event.get("ts").and_then(Value::as_f64);
    let args = event.get("args").cloned().unwrap_or(Value::Null);
    let own = event.get("cat").and_then(Value::as_str) == Some(CAT);
    let run = match runs.iter().position(|(p, _)| p == pid) {
        Some(i) => &mut runs[i].1,
        None => {
            runs.push((pid.clone(), RunIn::default()));
            &mut runs.last_mut().expect("just pushed").1
        }
    };
    let task = || {
        args.get("task")
            .and_then(Value::as_u64)
            .and_then(|t| u32::try_from(t).ok())
    };
    match (ph, name) {
        ("M", "process_name") => {
            run.name = args.get("name").and_then(Value::as_str).map(str::to_string);
            run.meta = args
                .get("runwait")
                .and_then(|m| serde_json::from_value(m.clone()).ok());
            true
        }
        ("M", "thread_name") => {
            run.lane(&tid).name = args.get("name").and_then(Value::as_str).map(str::to_string);
            true
        }
        ("X", _) => {
            let (Some(ts), Some(dur)) = (ts, event.get("dur").and_then(Value::as_f64)) else {
                return false;
            };
            let start = ns(ts);
            let own = own
                .then(|| State::ALL.into_iter().find(|s| s.name() == name))
                .flatten()
                .map(|state| (state, task()));
            run.lane(&tid).slices.push(Slice {
                start,
                end: start + ns(dur.max(0.0)),
                name: name.to_string(),
                own,
            });
            true
        }
        ("B", _) => match ts {
            Some(ts) => {
                run.lane(&tid).open.push((ns(ts), name.to_string()));
                true
            }
            None => false,
        },
        ("E", _) => {
            let lane = run.lane(&tid);
            match (ts, lane.open.pop()) {
                (Some(ts), Some((start, name))) => {
                    lane.slices.push(Slice {
                        start,
                        end: ns(ts).max(start),
                        name,
                        own: None,
                    });
                    true
                }
                _ => false,
            }
        }
        ("i" | "I", "run start") if own => {
            run.start = ts.map(ns);
            true
        }
        ("i" | "I", "run end") if own => {
            run.end = ts.map(ns);
            true
        }
        ("i" | "I", outcome) if own => {
            let outcome = [
                Outcome::Done,
                Outcome::Failed,
                Outcome::Lost,
                Outcome::Timeout,
            ]
            .into_iter()
            .find(|o| o.name() == outcome);
            match (outcome, task(), ts) {
                (Some(outcome), Some(task), Some(ts)) => {
                    run.ends.push((tid, task, outcome, ns(ts)));
                    true
                }
                _ => false,
            }
        }
        ("C", _) if own => {
            let queue = args.get("queue").and_then(Value::as_u64);
            let len = args.get("length").and_then(Value::as_u64);
            match (queue, len, ts) {
                (Some(q), Some(len), Some(ts)) if q < 1_000 => {
                    let q = q as usize;
                    if run.queues.len() <= q {
                        run.queues.resize(q + 1, Vec::new());
                    }
                    run.queues[q].push((ns(ts), len as u32));
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn build_run(pid: &Value, mut run_in: RunIn) -> Result<Run, String> {
    let imported = run_in.meta.is_none();
    if imported {
        // Threads in the order they first did something.
        run_in
            .lanes
            .sort_by_key(|(_, l)| l.slices.iter().map(|s| s.start).min().unwrap_or(u64::MAX));
    }
    let lanes_n = run_in.lanes.len();
    let mut meta = run_in.meta.unwrap_or_else(|| RunMeta {
        executor: "imported".into(),
        label: run_in.name.clone().unwrap_or_else(|| format!("pid {pid}")),
        variant: None,
        workers: lanes_n as u32,
        gil: false,
        tasks: 0,
        lane_kind: LaneKind::Thread,
        queues: Vec::new(),
        model: Some("imported: innermost slices are run, known blocking calls wait".to_string()),
    });
    if lanes_n > crate::cli::MAX_TASKS as usize {
        return Err(format!(
            "more than {} threads in a process",
            crate::cli::MAX_TASKS
        ));
    }
    let mut run = Run::new(meta.clone());
    let mut tasks = 0u32;
    let mut lane_index: HashMap<String, u32> = HashMap::new();
    for (i, (tid, lane_in)) in run_in.lanes.into_iter().enumerate() {
        lane_index.insert(tid.to_string(), i as u32);
        let mut lane = Lane::named(lane_in.name.unwrap_or_else(|| format!("thread {tid}")));
        let spans = if imported {
            innermost(lane_in.slices, &mut tasks, |task, at_ns| {
                run.ends.push(TaskEnd {
                    task,
                    lane: i as u32,
                    outcome: Outcome::Done,
                    at_ns,
                })
            })
        } else {
            own_spans(lane_in.slices)
        };
        for span in spans {
            lane.push(span);
        }
        run.lanes.push(lane);
        if tasks > crate::cli::MAX_TASKS {
            return Err(format!(
                "more than {} top-level slices in a process",
                crate::cli::MAX_TASKS
            ));
        }
    }
    if imported {
        meta.tasks = tasks;
        run.meta = meta;
        run.ends.sort_by_key(|e| e.at_ns);
    }
    let spans = || run.lanes.iter().flat_map(|l| &l.spans);
    run.start_ns = run_in.start.or_else(|| spans().map(|s| s.start_ns).min());
    run.end_ns = run_in.end.or_else(|| spans().map(|s| s.end_ns).max());
    for (tid, task, outcome, at_ns) in run_in.ends {
        if let Some(&lane) = lane_index.get(&tid.to_string()) {
            run.ends.push(TaskEnd {
                task,
                lane,
                outcome,
                at_ns,
            });
        }
    }
    run.queue_lengths = run_in.queues;
    if run.meta.queues.len() < run.queue_lengths.len() {
        run.meta
            .queues
            .extend(
                (run.meta.queues.len()..run.queue_lengths.len()).map(|q| QueueMeta {
                    name: format!("queue {q}"),
                    capacity: 0,
                    start: 0,
                }),
            );
    }
    Ok(run)
}

/// runwait's own slices: its spans, as they were (in order, never overlapping).
fn own_spans(mut slices: Vec<Slice>) -> Vec<Span> {
    slices.sort_by_key(|s| s.start);
    let mut last_end = 0;
    slices
        .into_iter()
        .filter_map(|s| {
            let (state, task) = s.own?;
            let start = s.start.max(last_end);
            (s.end > start).then(|| {
                last_end = s.end;
                Span {
                    task,
                    state,
                    start_ns: start,
                    end_ns: s.end,
                }
            })
        })
        .collect()
}

/// Whether a slice's name is a call that blocks: its last dotted part, before any
/// ` (file:line)`, is in [`BLOCKING`] (`socket.recv_into`, `time.sleep`,
/// `_thread.lock.acquire`).
pub fn blocks(name: &str) -> bool {
    let call = name.split(" (").next().unwrap_or(name);
    let last = call.rsplit(['.', ':']).next().unwrap_or(call);
    BLOCKING.contains(&last)
}

/// A thread's nested slices as spans: at each instant the innermost slice says the state.
/// Each outermost slice is a task (numbered from `tasks` on); `ended` hears of its end.
fn innermost(
    mut slices: Vec<Slice>,
    tasks: &mut u32,
    mut ended: impl FnMut(u32, u64),
) -> Vec<Span> {
    // Outer before inner: by start, the longer first.
    slices.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut spans: Vec<Span> = Vec::new();
    let mut stack: Vec<(u64, State)> = Vec::new();
    let mut task = 0;
    let mut t = 0;
    let mut emit = |from: u64, to: u64, state: State, task: u32| {
        if to <= from {
            return;
        }
        match spans.last_mut() {
            Some(last) if last.end_ns == from && last.state == state && last.task == Some(task) => {
                last.end_ns = to
            }
            _ => spans.push(Span {
                task: Some(task),
                state,
                start_ns: from,
                end_ns: to,
            }),
        }
    };
    // Move time on to `to`: slices that end by then close, innermost first.
    let mut advance = |stack: &mut Vec<(u64, State)>, t: &mut u64, to: u64, task: u32| {
        while let Some(&(end, state)) = stack.last() {
            if end > to {
                emit(*t, to, state, task);
                break;
            }
            emit(*t, end, state, task);
            *t = (*t).max(end);
            stack.pop();
            if stack.is_empty() {
                ended(task, end);
            }
        }
        *t = (*t).max(to);
    };
    for slice in slices {
        advance(&mut stack, &mut t, slice.start, task);
        if stack.is_empty() {
            task = *tasks;
            *tasks += 1;
        }
        // A slice reaching past its parent's end is cut at it (not properly nested).
        let end = stack.last().map_or(slice.end, |&(e, _)| slice.end.min(e));
        let state = if blocks(&slice.name) {
            State::Wait
        } else {
            State::Run
        };
        stack.push((end, state));
    }
    advance(&mut stack, &mut t, u64::MAX, task);
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(start: u64, end: u64, name: &str) -> Slice {
        Slice {
            start,
            end,
            name: name.into(),
            own: None,
        }
    }

    #[test]
    fn known_blocking_calls_wait() {
        for name in [
            "socket.recv_into",
            "time.sleep",
            "_thread.lock.acquire",
            "select.select",
            "select.epoll.poll",
            "socket.connect",
            "Semaphore.acquire (/usr/lib/python3.11/threading.py:440)",
        ] {
            assert!(blocks(name), "{name}");
        }
        for name in [
            "builtins.len",
            "_imp.acquire_lock",
            "download (x.py:3)",
            "sleepy",
        ] {
            assert!(!blocks(name), "{name}");
        }
    }

    #[test]
    fn the_innermost_slice_says_the_state() {
        // main() 0-100: a call 10-40 with a sleep 20-30 in it; a recv 60-80; a second
        // top-level call 120-130.
        let slices = vec![
            slice(10, 40, "work (x.py:1)"),
            slice(0, 100, "main (x.py:9)"),
            slice(20, 30, "time.sleep"),
            slice(60, 80, "socket.recv_into"),
            slice(120, 130, "tidy (x.py:20)"),
        ];
        let mut ends = Vec::new();
        let mut tasks = 0;
        let spans = innermost(slices, &mut tasks, |t, at| ends.push((t, at)));
        let got: Vec<(u64, u64, State, Option<u32>)> = spans
            .iter()
            .map(|s| (s.start_ns, s.end_ns, s.state, s.task))
            .collect();
        assert_eq!(
            got,
            [
                (0, 20, State::Run, Some(0)),
                (20, 30, State::Wait, Some(0)),
                (30, 60, State::Run, Some(0)),
                (60, 80, State::Wait, Some(0)),
                (80, 100, State::Run, Some(0)),
                (120, 130, State::Run, Some(1)),
            ]
        );
        assert_eq!(tasks, 2);
        assert_eq!(ends, [(0, 100), (1, 130)]);
    }
}
