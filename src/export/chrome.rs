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
//! acquire), which is `wait`. Time outside any slice is not running. Each thread's work is one
//! task. Event kinds it does not use are skipped and counted, never fatal.

use crate::error::Error;
use crate::trace::{
    Lane, LaneKind, Outcome, QueueMeta, Run, RunMeta, Span, State, TaskEnd, Trace, MAX_NS,
};
use serde::{Deserialize, Serialize};
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

/// Microseconds as nanoseconds, if they are a time runwait can hold.
fn ns(us: f64) -> Option<u64> {
    let ns = (us * 1e3).round();
    (ns.is_finite() && ns >= 0.0 && ns <= MAX_NS as f64).then_some(ns as u64)
}

/// What of a run is not in its spans, ends and queue counters: kept in its process's metadata
/// so that runwait's own Chrome traces come back exactly.
#[derive(Serialize, Deserialize)]
struct RunExtra {
    meta: RunMeta,
    #[serde(default)]
    lesson: std::collections::BTreeMap<String, u64>,
    #[serde(default)]
    reordered: u32,
    #[serde(default)]
    max_reorder_ns: u64,
}

/// The trace as Chrome Trace Event JSON.
pub fn to_json(trace: &Trace) -> String {
    let mut events = Vec::new();
    for (r, run) in trace.runs.iter().enumerate() {
        let pid = r + 1;
        let extra = RunExtra {
            meta: run.meta.clone(),
            lesson: run.lesson.clone(),
            reordered: run.reordered,
            max_reorder_ns: run.max_reorder_ns,
        };
        events.push(
            json!({"ph": "M", "pid": pid, "tid": 0, "name": "process_name",
            "args": {"name": run.meta.label, "runwait": extra}}),
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
                "args": {"name": lane.name, "clock_error_ns": lane.clock_error_ns}}),
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
        "otherData": {"scenario": trace.scenario, "dropped": trace.dropped,
            "skipped": trace.skipped, "made_by": "runwait"},
    }))
    .expect("a trace always serializes")
}

/// Just enough of a JSON document to tell a runwait trace file from a Chrome trace.
#[derive(Deserialize)]
#[serde(untagged)]
enum Kind {
    Object {
        format: Option<String>,
        #[serde(rename = "traceEvents")]
        events: Option<serde::de::IgnoredAny>,
    },
    Array(serde::de::IgnoredAny),
}

/// Whether a JSON text is a Chrome trace (an array of events, or an object with
/// `traceEvents` at its top and no runwait `format`) rather than a runwait trace file.
pub fn looks_like(text: &str) -> bool {
    match serde_json::from_str::<Kind>(text) {
        Ok(Kind::Array(_)) => true,
        Ok(Kind::Object { format, events }) => format.is_none() && events.is_some(),
        Err(_) => false,
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Object {
        #[serde(rename = "traceEvents")]
        events: Vec<Lenient>,
        #[serde(default, rename = "otherData")]
        other: Value,
    },
    Array(Vec<Lenient>),
}

/// An event as runwait reads it, or `None` for one it cannot (read one at a time, so a large
/// trace is never held as generic JSON).
struct Lenient(Option<Event>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Lenient, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(Lenient(serde_json::from_value(value).ok()))
    }
}

/// The fields of an event runwait reads (a field of another type reads as absent).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Event {
    ph: Value,
    pid: Option<Value>,
    tid: Value,
    ts: Value,
    dur: Value,
    name: Value,
    cat: Value,
    args: Value,
}

/// A slice on one thread, from an `X` event or a `B` / `E` pair.
struct Slice {
    start: u64,
    end: u64,
    name: String,
    /// Its place in the file: of two slices over the same time, the later is the outer one
    /// (a tracer writes a call when it returns, after the calls it made).
    order: usize,
    /// runwait's own: its state and task, exactly.
    own: Option<(State, Option<u32>)>,
}

#[derive(Default)]
struct LaneIn {
    name: Option<String>,
    clock_error_ns: Option<u64>,
    slices: Vec<Slice>,
    /// `B` events waiting for their `E`.
    open: Vec<(u64, String)>,
}

#[derive(Default)]
struct RunIn {
    /// The process id, for a process with no name.
    pid: String,
    name: Option<String>,
    extra: Option<RunExtra>,
    lanes: Vec<LaneIn>,
    lane_of: HashMap<String, usize>,
    start: Option<u64>,
    end: Option<u64>,
    /// (lane, task, outcome, at)
    ends: Vec<(usize, u32, Outcome, u64)>,
    queues: Vec<Vec<(u64, u32)>>,
}

impl RunIn {
    /// The lane of thread `tid`, added if new (`None` past the limit of lanes).
    fn lane(&mut self, tid: &Value) -> Option<usize> {
        let key = tid.to_string();
        if let Some(&i) = self.lane_of.get(&key) {
            return Some(i);
        }
        if self.lanes.len() >= MAX_LANES {
            return None;
        }
        self.lanes.push(LaneIn::default());
        self.lane_of.insert(key, self.lanes.len() - 1);
        Some(self.lanes.len() - 1)
    }
}

/// The most processes and threads an imported trace may have.
const MAX_LANES: usize = crate::cli::MAX_TASKS as usize;

/// Every run being read, found by pid.
#[derive(Default)]
struct Runs {
    runs: Vec<RunIn>,
    run_of: HashMap<String, usize>,
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
    let mut runs = Runs::default();
    let mut skipped = 0u64;
    for (order, Lenient(event)) in events.into_iter().enumerate() {
        let used = event.is_some_and(|event| take(event, order, &mut runs));
        if !used {
            skipped += 1;
        }
        if runs.runs.len() > MAX_LANES {
            return Err(bad(format!("more than {MAX_LANES} processes")));
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
    for run in runs.runs {
        // A `B` never ended is a slice runwait cannot place.
        skipped += run.lanes.iter().map(|l| l.open.len() as u64).sum::<u64>();
        let has_slices = run.lanes.iter().any(|l| !l.slices.is_empty());
        if run.extra.is_some() || has_slices {
            trace.runs.push(build_run(run).map_err(bad)?);
        }
    }
    trace.skipped = skipped + other.get("skipped").and_then(Value::as_u64).unwrap_or(0);
    if trace.runs.is_empty() {
        return Err(bad("no slices in it".into()));
    }
    trace.reindex();
    Ok(trace)
}

/// Use one event; false if runwait has no use for it.
fn take(event: Event, order: usize, runs: &mut Runs) -> bool {
    let (Some(ph), Some(pid)) = (event.ph.as_str(), &event.pid) else {
        return false;
    };
    let name = event.name.as_str().unwrap_or("");
    let ts = event.ts.as_f64().map(ns);
    let own = event.cat.as_str() == Some(CAT);
    let key = pid.to_string();
    let r = match runs.run_of.get(&key) {
        Some(&r) => r,
        None => {
            runs.runs.push(RunIn {
                pid: pid.as_str().map_or_else(|| pid.to_string(), str::to_string),
                ..RunIn::default()
            });
            runs.run_of.insert(key, runs.runs.len() - 1);
            runs.runs.len() - 1
        }
    };
    let run = &mut runs.runs[r];
    let args = &event.args;
    let task = args
        .get("task")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok());
    let text = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_string);
    match (ph, name) {
        ("M", "process_name") => {
            run.name = text("name");
            run.extra = args
                .get("runwait")
                .and_then(|m| serde_json::from_value(m.clone()).ok());
            true
        }
        ("M", "thread_name") => match run.lane(&event.tid) {
            Some(l) => {
                let lane = &mut run.lanes[l];
                lane.name = text("name");
                lane.clock_error_ns = args.get("clock_error_ns").and_then(Value::as_u64);
                true
            }
            None => false,
        },
        ("X", _) => {
            let dur = event.dur.as_f64().map(ns);
            let (Some(Some(start)), Some(Some(dur))) = (ts, dur) else {
                return false;
            };
            let Some(end) = start.checked_add(dur).filter(|&e| e <= MAX_NS) else {
                return false;
            };
            let Some(l) = run.lane(&event.tid) else {
                return false;
            };
            let own = own
                .then(|| State::ALL.into_iter().find(|s| s.name() == name))
                .flatten()
                .map(|state| (state, task));
            run.lanes[l].slices.push(Slice {
                start,
                end,
                name: name.to_string(),
                order,
                own,
            });
            true
        }
        ("B", _) => match (ts, run.lane(&event.tid)) {
            (Some(Some(ts)), Some(l)) => {
                run.lanes[l].open.push((ts, name.to_string()));
                true
            }
            _ => false,
        },
        ("E", _) => {
            let Some(l) = run.lane(&event.tid) else {
                return false;
            };
            let lane = &mut run.lanes[l];
            match (ts, lane.open.pop()) {
                (Some(Some(ts)), Some((start, name))) => {
                    lane.slices.push(Slice {
                        start,
                        end: ts.max(start),
                        name,
                        order,
                        own: None,
                    });
                    true
                }
                (_, Some(open)) => {
                    lane.open.push(open);
                    false
                }
                _ => false,
            }
        }
        ("i" | "I", "run start") if own => {
            run.start = ts.flatten();
            run.start.is_some()
        }
        ("i" | "I", "run end") if own => {
            run.end = ts.flatten();
            run.end.is_some()
        }
        ("i" | "I", outcome) if own => {
            let outcome = Outcome::ALL.into_iter().find(|o| o.name() == outcome);
            match (outcome, task, ts.flatten(), run.lane(&event.tid)) {
                (Some(outcome), Some(task), Some(at), Some(l)) => {
                    run.ends.push((l, task, outcome, at));
                    true
                }
                _ => false,
            }
        }
        ("C", _) if own => {
            let queue = args.get("queue").and_then(Value::as_u64);
            let len = args
                .get("length")
                .and_then(Value::as_u64)
                .and_then(|l| u32::try_from(l).ok());
            match (queue, len, ts.flatten()) {
                (Some(q), Some(len), Some(at)) if q < 1_000 => {
                    let q = q as usize;
                    if run.queues.len() <= q {
                        run.queues.resize(q + 1, Vec::new());
                    }
                    run.queues[q].push((at, len));
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn build_run(mut run_in: RunIn) -> Result<Run, String> {
    // runwait's own slices come back as they were; anything else is mapped.
    let own = run_in
        .lanes
        .iter()
        .any(|l| l.slices.iter().any(|s| s.own.is_some()));
    let mut lane_order: Vec<usize> = (0..run_in.lanes.len()).collect();
    if !own {
        // Threads in the order they first did something.
        lane_order.sort_by_key(|&l| {
            run_in.lanes[l]
                .slices
                .iter()
                .map(|s| s.start)
                .min()
                .unwrap_or(u64::MAX)
        });
    }
    let lanes_n = run_in.lanes.len() as u32;
    let label = run_in
        .name
        .clone()
        .unwrap_or_else(|| format!("pid {}", run_in.pid));
    let extra = run_in.extra.take();
    let mut run = Run::new(match &extra {
        Some(extra) => extra.meta.clone(),
        None => RunMeta {
            executor: "imported".into(),
            label,
            variant: None,
            workers: lanes_n,
            gil: false,
            tasks: 0,
            lane_kind: LaneKind::Thread,
            queues: Vec::new(),
            model: (!own).then(|| {
                "imported: innermost slices are run, known blocking calls wait".to_string()
            }),
        },
    });
    if let Some(extra) = extra {
        run.lesson = extra.lesson;
        run.reordered = extra.reordered;
        run.max_reorder_ns = extra.max_reorder_ns;
    }
    let mut tasks = 0u32;
    let mut new_index = vec![0u32; run_in.lanes.len()];
    for (i, &l) in lane_order.iter().enumerate() {
        new_index[l] = i as u32;
        let lane_in = std::mem::take(&mut run_in.lanes[l]);
        let mut lane = Lane::named(lane_in.name.unwrap_or_else(|| format!("thread {}", i + 1)));
        lane.clock_error_ns = lane_in.clock_error_ns;
        let spans = if own {
            own_spans(lane_in.slices)
        } else {
            // Each thread's work is one task, done when its last slice ends.
            let spans = innermost(lane_in.slices, tasks);
            if let Some(last) = spans.last() {
                run.ends.push(TaskEnd {
                    task: tasks,
                    lane: i as u32,
                    outcome: Outcome::Done,
                    at_ns: last.end_ns,
                });
                tasks += 1;
            }
            spans
        };
        for span in spans {
            lane.push(span);
        }
        run.lanes.push(lane);
    }
    if own {
        // A run's tasks: as its meta says, else as many as its spans name.
        let named = run
            .spans()
            .filter_map(|(_, s)| s.task)
            .chain(run_in.ends.iter().map(|e| e.1))
            .max()
            .map_or(0, |t| t + 1);
        run.meta.tasks = run.meta.tasks.max(named);
    } else {
        run.meta.tasks = tasks;
        run.ends.sort_by_key(|e| e.at_ns);
    }
    let spans = || run.lanes.iter().flat_map(|l| &l.spans);
    run.start_ns = run_in.start.or_else(|| spans().map(|s| s.start_ns).min());
    run.end_ns = run_in.end.or_else(|| spans().map(|s| s.end_ns).max());
    for (l, task, outcome, at_ns) in run_in.ends {
        run.ends.push(TaskEnd {
            task,
            lane: new_index[l],
            outcome,
            at_ns,
        });
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

/// A thread's nested slices as spans of its `task`: at each instant the innermost slice says the
/// state.
fn innermost(mut slices: Vec<Slice>, task: u32) -> Vec<Span> {
    // Outer before inner: by start, the longer first, and of two over the same time the one
    // written later (the caller, written when it returned).
    slices.sort_by(|a, b| (a.start, b.end, b.order).cmp(&(b.start, a.end, a.order)));
    let mut spans: Vec<Span> = Vec::new();
    let mut emit = |from: u64, to: u64, state: State| {
        if to <= from {
            return;
        }
        match spans.last_mut() {
            Some(last) if last.end_ns == from && last.state == state => last.end_ns = to,
            _ => spans.push(Span {
                task: Some(task),
                state,
                start_ns: from,
                end_ns: to,
            }),
        }
    };
    // The slices open now, innermost last: (end, state).
    let mut stack: Vec<(u64, State)> = Vec::new();
    let mut t = 0;
    // Move time on to `to`: slices that end by then close, innermost first.
    let mut advance = |stack: &mut Vec<(u64, State)>, t: &mut u64, to: u64| {
        while let Some(&(end, state)) = stack.last() {
            if end > to {
                emit(*t, to, state);
                break;
            }
            emit(*t, end, state);
            *t = (*t).max(end);
            stack.pop();
        }
        *t = (*t).max(to);
    };
    for slice in slices {
        advance(&mut stack, &mut t, slice.start);
        // A slice reaching past its parent's end is cut at it (not properly nested).
        let end = stack.last().map_or(slice.end, |&(e, _)| slice.end.min(e));
        let state = if blocks(&slice.name) {
            State::Wait
        } else {
            State::Run
        };
        stack.push((end, state));
    }
    advance(&mut stack, &mut t, u64::MAX);
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
            order: 0,
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
        // top-level call 120-130; a sleep 140-150 written before its caller over the same time.
        let mut slices = vec![
            slice(10, 40, "work (x.py:1)"),
            slice(0, 100, "main (x.py:9)"),
            slice(20, 30, "time.sleep"),
            slice(60, 80, "socket.recv_into"),
            slice(120, 130, "tidy (x.py:20)"),
            slice(140, 150, "time.sleep"),
            slice(140, 150, "nap (x.py:30)"),
        ];
        for (order, s) in slices.iter_mut().enumerate() {
            s.order = order;
        }
        let spans = innermost(slices, 7);
        let got: Vec<(u64, u64, State)> = spans
            .iter()
            .map(|s| (s.start_ns, s.end_ns, s.state))
            .collect();
        assert_eq!(
            got,
            [
                (0, 20, State::Run),
                (20, 30, State::Wait),
                (30, 60, State::Run),
                (60, 80, State::Wait),
                (80, 100, State::Run),
                (120, 130, State::Run),
                (140, 150, State::Wait),
            ]
        );
        assert!(spans.iter().all(|s| s.task == Some(7)), "the thread's task");
    }
}
