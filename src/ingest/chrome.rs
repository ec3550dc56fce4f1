//! Chrome Trace Event JSON in: runwait's own traces (exported with `export --chrome`) come back
//! exactly, and traces made elsewhere (viztracer's, of a real Python program) are mapped.
//!
//! From elsewhere: every process is a run and every thread a lane. On each thread the innermost
//! slice at each instant says what it does: `run`, unless it is a call known to block
//! ([`BLOCKING`]: socket receive / send / connect / accept, select / poll / epoll, sleep, lock
//! acquire), which is `wait`. Time outside any slice is not running. Each thread's work is one
//! task. Event kinds it does not use are skipped and counted, never fatal.
//!
//! Events are read one at a time into runs of slices; each run then goes into the trace through
//! the recorder, as every source does.

use crate::error::Error;
use crate::instrument::{Mark, Msg, Record, Recorder, NO_TASK};
use crate::trace::limits::{self, MAX_TASKS, MAX_TRACE_RUNS};
use crate::trace::{
    Cause, EventKind, LaneEvent, LaneId, LaneKind, Origin, Outcome, QueueMeta, Reason, RunMeta,
    Span, State, TaskEnd, Trace, Wake, MAX_NS,
};
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// The category of runwait's own events.
pub const CAT: &str = "runwait";

/// The category of runwait's wakes: flows from the waker's thread to the woken one's, and
/// instants on the woken thread for wakes from the outside (`export::chrome` says how).
pub const WAKE_CAT: &str = "runwait.wake";

/// The version of what runwait writes in its Chrome traces' metadata (`otherData`): 2 since runs'
/// metadata carries its executor's facts as typed fields.
pub const FORMAT_VERSION: u32 = 2;

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

/// Microseconds as nanoseconds, if they are a time runwait can hold.
fn ns(us: f64) -> Option<u64> {
    let ns = (us * 1e3).round();
    (ns.is_finite() && ns >= 0.0 && ns <= MAX_NS as f64).then_some(ns as u64)
}

/// What of a run is not in its spans, ends and queue counters: kept in its process's metadata
/// so that runwait's own Chrome traces come back exactly.
#[derive(Serialize, Deserialize)]
pub struct RunExtra {
    pub meta: RunMeta,
    #[serde(default)]
    pub lesson: std::collections::BTreeMap<String, u64>,
    /// A real program's own report (`--cpython`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::trace::cpython::Report>,
    #[serde(default)]
    pub reordered: u32,
    #[serde(default)]
    pub max_reorder_ns: u64,
    #[serde(default)]
    pub cpu_wait_error_ns: u64,
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
    /// A flow's id.
    id: Value,
}

/// A slice on one thread, from an `X` event or a `B` / `E` pair.
struct Slice {
    start: u64,
    end: u64,
    /// What it waits for, if it is a call known to block ([`blocking_reason`]): `wait` where
    /// it is innermost.
    wait: Option<Reason>,
    /// Its place in the file: of two slices over the same time, the later is the outer one
    /// (a tracer writes a call when it returns, after the calls it made).
    order: usize,
    /// runwait's own: its state and task, exactly.
    own: Option<(State, Option<u32>, Option<Reason>)>,
}

#[derive(Default)]
struct LaneIn {
    name: Option<String>,
    /// What runwait said the lane is, in a file of its own (from version 3).
    id: Option<LaneId>,
    clock_error_ns: Option<u64>,
    slices: Vec<Slice>,
    /// `B` events waiting for their `E`: when, and what the call waits for if it blocks.
    open: Vec<(u64, Option<Reason>)>,
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
    /// (lane, event)
    events: Vec<(usize, LaneEvent)>,
    /// runwait's wakes, as the file numbered lanes: each flow's start (its waker's lane) by id.
    flow_starts: HashMap<u64, usize>,
    wakes: Vec<WakeIn>,
}

/// A wake of runwait's read from the file: its flow's id (`None`: from the outside), the lane
/// woken (as the file numbered it), its times and cause.
struct WakeIn {
    flow: Option<u64>,
    to: usize,
    from_ns: u64,
    to_ns: u64,
    cause: Cause,
}

impl RunIn {
    /// Its wakes' flows that end but never start (none in runwait's own files).
    fn unstarted(&self) -> u64 {
        let lost = |w: &&WakeIn| w.flow.is_some_and(|id| !self.flow_starts.contains_key(&id));
        self.wakes.iter().filter(lost).count() as u64
    }
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
const MAX_LANES: usize = MAX_TASKS as usize;

/// Every run being read, found by pid.
#[derive(Default)]
struct Runs {
    runs: Vec<RunIn>,
    run_of: HashMap<String, usize>,
}

impl Runs {
    /// The run of process `pid`, added if new.
    fn run(&mut self, pid: &Value) -> &mut RunIn {
        let key = pid.to_string();
        let r = match self.run_of.get(&key) {
            Some(&r) => r,
            None => {
                self.runs.push(RunIn {
                    pid: pid.as_str().map_or_else(|| pid.to_string(), str::to_string),
                    ..RunIn::default()
                });
                self.run_of.insert(key, self.runs.len() - 1);
                self.runs.len() - 1
            }
        };
        &mut self.runs[r]
    }
}

/// A Chrome trace (runwait's own or one made elsewhere) as a trace.
pub fn import(text: &str, origin: &str) -> Result<Trace, Error> {
    let mut reader = Reader::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let other = Whole(&mut reader)
        .deserialize(&mut de)
        .and_then(|other| de.end().map(|()| other))
        .map_err(|e| Error::BadTrace {
            path: origin.to_string(),
            why: format!("not a Chrome trace: {e}"),
        })?;
    reader.finish(&other, origin)
}

/// A Chrome trace being read, one event at a time as the JSON parser reaches it (so a large
/// trace is never held whole, as text or as generic JSON).
#[derive(Default)]
pub struct Reader {
    runs: Runs,
    skipped: u64,
    events: usize,
}

impl Reader {
    fn take(&mut self, Lenient(event): Lenient) -> Result<(), String> {
        let order = self.events;
        self.events += 1;
        let used = event.is_some_and(|event| take(event, order, &mut self.runs));
        if !used {
            self.skipped += 1;
        }
        match limits::over(
            "the number of processes",
            self.runs.runs.len() as u64,
            MAX_TRACE_RUNS as u64,
        ) {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }

    /// The trace, once every event has been read; `other` is the file's `otherData`.
    pub fn finish(self, other: &Value, origin: &str) -> Result<Trace, Error> {
        let bad = |why: String| Error::BadTrace {
            path: origin.to_string(),
            why,
        };
        let mut skipped = self.skipped;
        let mut recorder = Recorder::new(&scenario_name(other, origin));
        recorder.apply(Msg::Dropped(
            other.get("dropped").and_then(Value::as_u64).unwrap_or(0),
        ));
        let upgrade = other.get("format_version").and_then(Value::as_u64) < Some(2);
        for run in self.runs.runs {
            // A `B` never ended is a slice runwait cannot place.
            skipped += run.lanes.iter().map(|l| l.open.len() as u64).sum::<u64>();
            skipped += run.unstarted();
            let has_slices = run.lanes.iter().any(|l| !l.slices.is_empty());
            if run.extra.is_some() || has_slices {
                emit_run(run, &mut recorder, upgrade);
            }
        }
        skipped += other.get("skipped").and_then(Value::as_u64).unwrap_or(0);
        recorder.apply(Msg::Skipped(skipped));
        let trace = recorder.into_trace();
        if trace.runs.is_empty() {
            return Err(bad("no slices in it".into()));
        }
        crate::trace::file::check(&trace).map_err(bad)?;
        Ok(trace)
    }
}

/// The `traceEvents` array (or a whole trace that is an array): each event handed to the
/// [`Reader`] as it is parsed.
pub struct Events<'a>(pub &'a mut Reader);

impl<'de> DeserializeSeed<'de> for Events<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Events<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of trace events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(event) = seq.next_element::<Lenient>()? {
            self.0.take(event).map_err(A::Error::custom)?;
        }
        Ok(())
    }
}

/// A whole Chrome trace: an array of events, or an object with `traceEvents` (and perhaps
/// `otherData`, which it returns).
struct Whole<'a>(&'a mut Reader);

impl<'de> DeserializeSeed<'de> for Whole<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Whole<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Chrome trace (a list of events, or an object with traceEvents)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        Events(self.0).visit_seq(seq).map(|()| Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let (mut events, mut other) = (false, Value::Null);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "traceEvents" => {
                    map.next_value_seed(Events(&mut *self.0))?;
                    events = true;
                }
                "otherData" => other = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match events {
            true => Ok(other),
            false => Err(A::Error::custom("no traceEvents")),
        }
    }
}

/// Named as runwait named it, else after the file.
fn scenario_name(other: &Value, origin: &str) -> String {
    match other.get("scenario").and_then(Value::as_str) {
        Some(name) => name.to_string(),
        None => std::path::Path::new(origin)
            .file_stem()
            .map_or(origin.into(), |s| s.to_string_lossy().into_owned()),
    }
}

/// What an event says, as runwait reads it.
struct Read<'a> {
    ph: &'a str,
    name: &'a str,
    /// Its time, if it has one: `None` inside when it is not a time runwait can hold.
    ts: Option<Option<u64>>,
    /// One of runwait's own events.
    own: bool,
    task: Option<u32>,
    event: &'a Event,
}

/// Use one event; false if runwait has no use for it.
fn take(event: Event, order: usize, runs: &mut Runs) -> bool {
    let (Some(ph), Some(pid)) = (event.ph.as_str(), &event.pid) else {
        return false;
    };
    let task = event
        .args
        .get("task")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok());
    let read = Read {
        ph,
        name: event.name.as_str().unwrap_or(""),
        ts: event.ts.as_f64().map(ns),
        own: event.cat.as_str() == Some(CAT),
        task,
        event: &event,
    };
    let run = runs.run(pid);
    if read.event.cat.as_str() == Some(WAKE_CAT) {
        return take_wake(&read, run);
    }
    match (read.ph, read.name) {
        ("M", "process_name") => take_process_name(&read, run),
        ("M", "thread_name") => take_thread_name(&read, run),
        ("X", _) => take_complete(&read, order, run),
        ("B", _) => take_begin(&read, run),
        ("E", _) => take_end(&read, order, run),
        ("i" | "I", _) if read.own => take_instant(&read, run),
        ("C", _) if read.own => take_counter(&read, run),
        _ => false,
    }
}

fn text(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_string)
}

fn take_process_name(read: &Read, run: &mut RunIn) -> bool {
    let args = &read.event.args;
    run.name = text(args, "name");
    run.extra = args
        .get("runwait")
        .and_then(|m| serde_json::from_value(m.clone()).ok());
    true
}

fn take_thread_name(read: &Read, run: &mut RunIn) -> bool {
    let Some(l) = run.lane(&read.event.tid) else {
        return false;
    };
    let args = &read.event.args;
    let lane = &mut run.lanes[l];
    lane.name = text(args, "name");
    lane.id = args
        .get("runwait")
        .and_then(|id| serde_json::from_value(id.clone()).ok());
    lane.clock_error_ns = args.get("clock_error_ns").and_then(Value::as_u64);
    true
}

/// An `X` event: a slice with its duration.
fn take_complete(read: &Read, order: usize, run: &mut RunIn) -> bool {
    let dur = read.event.dur.as_f64().map(ns);
    let (Some(Some(start)), Some(Some(dur))) = (read.ts, dur) else {
        return false;
    };
    let Some(end) = start.checked_add(dur).filter(|&e| e <= MAX_NS) else {
        return false;
    };
    let Some(l) = run.lane(&read.event.tid) else {
        return false;
    };
    let reason = read.event.args.get("reason").cloned();
    let reason = reason.and_then(|r| serde_json::from_value::<Reason>(r).ok());
    let own = read
        .own
        .then(|| State::ALL.into_iter().find(|s| s.name() == read.name))
        .flatten()
        .map(|state| (state, read.task, reason));
    run.lanes[l].slices.push(Slice {
        start,
        end,
        wait: blocking_reason(read.name),
        order,
        own,
    });
    true
}

fn take_begin(read: &Read, run: &mut RunIn) -> bool {
    match (read.ts, run.lane(&read.event.tid)) {
        (Some(Some(ts)), Some(l)) => {
            run.lanes[l].open.push((ts, blocking_reason(read.name)));
            true
        }
        _ => false,
    }
}

/// An `E` event ends the innermost `B` on its thread.
fn take_end(read: &Read, order: usize, run: &mut RunIn) -> bool {
    let Some(l) = run.lane(&read.event.tid) else {
        return false;
    };
    let lane = &mut run.lanes[l];
    match (read.ts, lane.open.pop()) {
        (Some(Some(ts)), Some((start, wait))) => {
            lane.slices.push(Slice {
                start,
                end: ts.max(start),
                wait,
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

/// runwait's own instants: a run's start and end, a task's end.
fn take_instant(read: &Read, run: &mut RunIn) -> bool {
    let at = read.ts.flatten();
    match read.name {
        "run start" => run.start = at,
        "run end" => run.end = at,
        name if EventKind::ALL
            .iter()
            .any(|k| k.name() == name && *k != EventKind::Timeout) =>
        {
            return take_event(read, run);
        }
        outcome => {
            let outcome = Outcome::ALL.into_iter().find(|o| o.name() == outcome);
            let lane = run.lane(&read.event.tid);
            let (Some(outcome), Some(task), Some(at), Some(l)) = (outcome, read.task, at, lane)
            else {
                return false;
            };
            run.ends.push((l, task, outcome, at));
            return true;
        }
    }
    at.is_some()
}

/// One of runwait's wakes: a flow's start (on the waker's thread), its end (on the woken
/// thread), or an instant on the woken thread (a wake from the outside); the exact times are
/// in its `args`.
fn take_wake(read: &Read, run: &mut RunIn) -> bool {
    let cause = Cause::ALL.into_iter().find(|c| c.name() == read.name);
    let args = &read.event.args;
    let at = |key: &str| {
        args.get(key)
            .and_then(Value::as_u64)
            .filter(|&t| t <= MAX_NS)
    };
    let lane = run.lane(&read.event.tid);
    let (Some(cause), Some(from_ns), Some(to_ns), Some(l)) =
        (cause, at("from_ns"), at("to_ns"), lane)
    else {
        return false;
    };
    let flow = match (read.ph, read.event.id.as_u64()) {
        ("s", Some(id)) => return run.flow_starts.insert(id, l).is_none(),
        ("f", Some(id)) => Some(id),
        ("i", _) => None,
        _ => return false,
    };
    let to = l;
    run.wakes.push(WakeIn {
        flow,
        to,
        from_ns,
        to_ns,
        cause,
    });
    true
}

/// One of runwait's own lane events: a lost update, a cold start.
fn take_event(read: &Read, run: &mut RunIn) -> bool {
    let kind = EventKind::ALL.into_iter().find(|k| k.name() == read.name);
    let count = read.event.args.get("count").and_then(Value::as_u64);
    let count = count.and_then(|c| u32::try_from(c).ok()).unwrap_or(1);
    let (Some(kind), Some(at_ns), Some(l)) = (kind, read.ts.flatten(), run.lane(&read.event.tid))
    else {
        return false;
    };
    let event = LaneEvent {
        lane: 0,
        at_ns,
        kind,
        count,
    };
    run.events.push((l, event));
    true
}

/// runwait's own counters: a queue's length.
fn take_counter(read: &Read, run: &mut RunIn) -> bool {
    let args = &read.event.args;
    let queue = args.get("queue").and_then(Value::as_u64);
    let len = args
        .get("length")
        .and_then(Value::as_u64)
        .and_then(|l| u32::try_from(l).ok());
    match (queue, len, read.ts.flatten()) {
        (Some(q), Some(len), Some(at)) if q < limits::MAX_QUEUES as u64 => {
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

/// A run's lanes as spans, in the order they are shown: runwait's own as they were; a thread
/// from elsewhere as one task (its number in the run), in the order threads first did something.
struct Mapped {
    lanes: Vec<MappedLane>,
    /// Tasks made of threads from elsewhere.
    tasks: u32,
}

struct MappedLane {
    /// Its place in the file.
    was: usize,
    name: Option<String>,
    id: Option<LaneId>,
    clock_error_ns: Option<u64>,
    spans: Vec<Span>,
}

fn map_lanes(run_in: &mut RunIn, own: bool) -> Mapped {
    let mut order: Vec<usize> = (0..run_in.lanes.len()).collect();
    if !own {
        let first = |l: &LaneIn| l.slices.iter().map(|s| s.start).min().unwrap_or(u64::MAX);
        order.sort_by_key(|&l| first(&run_in.lanes[l]));
    }
    let mut tasks = 0u32;
    let lanes = order
        .into_iter()
        .map(|l| {
            let lane = std::mem::take(&mut run_in.lanes[l]);
            let spans = if own {
                own_spans(lane.slices)
            } else {
                let spans = innermost(lane.slices, tasks);
                tasks += u32::from(!spans.is_empty());
                spans
            };
            MappedLane {
                was: l,
                name: lane.name,
                id: lane.id,
                clock_error_ns: lane.clock_error_ns,
                spans,
            }
        })
        .collect();
    Mapped { lanes, tasks }
}

/// The metadata of a run from elsewhere (or runwait's own, if its metadata was lost).
fn foreign_meta(run_in: &RunIn, lanes: u32, tasks: u32, own: bool) -> RunMeta {
    RunMeta {
        executor: "imported".into(),
        label: run_in
            .name
            .clone()
            .unwrap_or_else(|| format!("pid {}", run_in.pid)),
        variant: None,
        workers: lanes,
        gil: false,
        tasks,
        lane_kind: crate::trace::LaneKind::Thread,
        queues: Vec::new(),
        model: (!own)
            .then(|| "imported: innermost slices are run, known blocking calls wait".to_string()),
        baseline: false,
        ready: crate::trace::Reason::Cpu,
        strength: crate::trace::Strength::Overlaps,
        origin: if own {
            Origin::Measured
        } else {
            Origin::Imported
        },
        cpu_waits_hz: None,
        cores: None,
        roles: Vec::new(),
        point: Default::default(),
        settings: Default::default(),
        set: 0,
        kept: false,
        beside: None,
        old_real: false,
        repeats: None,
        sampled: None,
    }
}

/// One run read from the file, into the trace through the recorder. `upgrade`: its metadata
/// predates the typed facts (an older runwait's export).
fn emit_run(mut run_in: RunIn, recorder: &mut Recorder, upgrade: bool) {
    // runwait's own slices come back as they were; anything else is mapped.
    let own = run_in
        .lanes
        .iter()
        .any(|l| l.slices.iter().any(|s| s.own.is_some()));
    let mapped = map_lanes(&mut run_in, own);
    let extra = run_in.extra.take();
    let mut meta = match &extra {
        Some(extra) => extra.meta.clone(),
        None => foreign_meta(&run_in, mapped.lanes.len() as u32, mapped.tasks, own),
    };
    if upgrade && extra.is_some() {
        super::saved::upgrade(&mut meta);
    }
    if std::mem::take(&mut meta.old_real) && meta.beside.is_none() {
        meta.beside = Some(Default::default());
    }
    if own {
        // A run's tasks: as its meta says, else as many as its spans name.
        let named = mapped
            .lanes
            .iter()
            .flat_map(|l| &l.spans)
            .filter_map(|s| s.task);
        let ended = run_in.ends.iter().map(|e| e.1);
        let most = named.chain(ended).max().map_or(0, |t| t + 1);
        meta.tasks = meta.tasks.max(most);
    }
    for q in meta.queues.len()..run_in.queues.len() {
        meta.queues.push(QueueMeta {
            name: format!("queue {q}"),
            capacity: 0,
            start: 0,
        });
    }
    let lane_kind = meta.lane_kind;
    let run = recorder.add_run(meta);
    emit_lanes(recorder, run, &mapped, own, lane_kind);
    emit_rest(recorder, run, run_in, &mapped, extra);
}

/// Each lane's name and spans; a thread from elsewhere's task ends when its last slice does
/// (those ends in time order).
fn emit_lanes(recorder: &mut Recorder, run: u32, mapped: &Mapped, own: bool, kind: LaneKind) {
    let mut ends = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, mapped_lane) in mapped.lanes.iter().enumerate() {
        let (lane, spans) = (i as u32, &mapped_lane.spans);
        let id = match (&mapped_lane.id, &mapped_lane.name) {
            (Some(id), _) => id.clone(),
            // runwait's own names, before its files said what a lane is.
            (None, Some(name)) if own => super::old_names::lane_id(name, kind, lane),
            (None, Some(name)) => {
                // Two threads of one name are told apart by their places.
                let mut name = name.clone();
                if !names.insert(name.clone()) {
                    name = format!("{name} ({})", i + 1);
                    names.insert(name.clone());
                }
                LaneId::named(LaneKind::Thread, lane + 1, name)
            }
            (None, None) => LaneId::numbered(kind, lane),
        };
        recorder.apply(Msg::LaneId { run, lane, id });
        if let Some(error_ns) = mapped_lane.clock_error_ns {
            recorder.apply(Msg::ClockError {
                run,
                lane,
                error_ns,
            });
        }
        for &span in spans {
            recorder.apply(Msg::Span { run, lane, span });
        }
        if let (false, Some(last)) = (own, spans.last()) {
            ends.push(TaskEnd {
                task: ends.len() as u32,
                lane,
                outcome: Outcome::Done,
                at_ns: last.end_ns,
            });
        }
    }
    ends.sort_by_key(|e| e.at_ns);
    for end in ends {
        recorder.apply(Msg::End { run, end });
    }
}

/// A run's start and end, its own ends, queue lengths and figures.
fn emit_rest(
    recorder: &mut Recorder,
    run: u32,
    run_in: RunIn,
    mapped: &Mapped,
    extra: Option<RunExtra>,
) {
    let spans = || mapped.lanes.iter().flat_map(|l| &l.spans);
    let start = run_in.start.or_else(|| spans().map(|s| s.start_ns).min());
    let end = run_in.end.or_else(|| spans().map(|s| s.end_ns).max());
    let record = |t_ns, lane, task, mark| {
        Msg::Record(Record {
            t_ns,
            run,
            lane,
            task,
            mark,
            reason: None,
        })
    };
    // Ends name lanes as the file numbered them.
    let shown_as: HashMap<usize, u32> = mapped
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.was, i as u32))
        .collect();
    emit_wakes(recorder, run, &run_in, &shown_as);
    for (l, task, outcome, at_ns) in run_in.ends {
        let lane = shown_as.get(&l).copied().unwrap_or(0);
        let end = TaskEnd {
            task,
            lane,
            outcome,
            at_ns,
        };
        recorder.apply(Msg::End { run, end });
    }
    for (l, event) in run_in.events {
        let lane = shown_as.get(&l).copied().unwrap_or(0);
        if let Some((mark, n)) = Mark::of_event(&event) {
            recorder.apply(record(event.at_ns, lane, n, mark));
        }
    }
    for (q, points) in run_in.queues.into_iter().enumerate() {
        for (t, len) in points {
            recorder.apply(record(t, q as u32, len, Mark::Queue));
        }
    }
    if let Some(mut extra) = extra {
        // An older runwait's real run: still real, its figures its report (beside no run).
        if std::mem::take(&mut extra.meta.old_real) {
            extra.report = extra.report.or(super::saved::old_report(&mut extra.lesson));
        }
        if let Some(report) = extra.report {
            recorder.apply(Msg::Report { run, report });
        }
        for (name, value) in extra.lesson {
            recorder.apply(Msg::Figure { run, name, value });
        }
        let (count, max_ns) = (extra.reordered, extra.max_reorder_ns);
        recorder.apply(Msg::Carried {
            run,
            reordered: count,
            max_reorder_ns: max_ns,
            cpu_wait_error_ns: extra.cpu_wait_error_ns,
        });
    }
    for (t, mark) in [(start, Mark::RunStart), (end, Mark::RunEnd)] {
        if let Some(t) = t {
            recorder.apply(record(t, 0, NO_TASK, mark));
        }
    }
}

/// A run's wakes, on its lanes as shown (a flow that ends but never starts, or on a thread not
/// shown as a lane, left out and counted as skipped: never moved onto another lane).
fn emit_wakes(recorder: &mut Recorder, run: u32, run_in: &RunIn, shown_as: &HashMap<usize, u32>) {
    let mut skipped = 0;
    for w in &run_in.wakes {
        let from = match w.flow.map(|id| run_in.flow_starts.get(&id)) {
            None => None,
            Some(None) => continue,
            Some(Some(l)) => match shown_as.get(l) {
                Some(&l) => Some(l),
                None => {
                    skipped += 1;
                    continue;
                }
            },
        };
        let Some(&to) = shown_as.get(&w.to) else {
            skipped += 1;
            continue;
        };
        let wake = Wake {
            from,
            from_ns: w.from_ns,
            to,
            to_ns: w.to_ns,
            cause: w.cause,
        };
        recorder.apply(Msg::Wake { run, wake });
    }
    if skipped > 0 {
        recorder.apply(Msg::Skipped(skipped));
    }
}

/// runwait's own slices: its spans, in order (the recorder keeps them from overlapping).
fn own_spans(mut slices: Vec<Slice>) -> Vec<Span> {
    slices.sort_by_key(|s| s.start);
    slices
        .into_iter()
        .filter_map(|s| {
            let (state, task, reason) = s.own?;
            Some(Span {
                task,
                state,
                reason,
                start_ns: s.start,
                end_ns: s.end,
            })
        })
        .collect()
}

/// Whether a slice's name is a call that blocks: its last dotted part, before any
/// ` (file:line)`, is in [`BLOCKING`] (`socket.recv_into`, `time.sleep`,
/// `_thread.lock.acquire`).
pub fn blocks(name: &str) -> bool {
    blocking_reason(name).is_some()
}

/// What a call known to block waits for: a timer (`sleep`), a lock (`acquire`), else I/O.
pub fn blocking_reason(name: &str) -> Option<Reason> {
    let call = name.split(" (").next().unwrap_or(name);
    let last = call.rsplit(['.', ':']).next().unwrap_or(call);
    let reason = match last {
        "sleep" => Reason::Timer,
        "acquire" => Reason::Lock,
        _ => Reason::Io,
    };
    BLOCKING.contains(&last).then_some(reason)
}

/// A thread's nested slices as spans of its `task`: at each instant the innermost slice says the
/// state.
fn innermost(mut slices: Vec<Slice>, task: u32) -> Vec<Span> {
    // Outer before inner: by start, the longer first, and of two over the same time the one
    // written later (the caller, written when it returned).
    slices.sort_by(|a, b| (a.start, b.end, b.order).cmp(&(b.start, a.end, a.order)));
    let mut spans: Vec<Span> = Vec::new();
    let mut emit = |from: u64, to: u64, reason: Option<Reason>| {
        if to <= from {
            return;
        }
        let state = reason.map_or(State::Run, |_| State::Wait);
        match spans.last_mut() {
            Some(last) if last.end_ns == from && last.reason == reason => last.end_ns = to,
            _ => spans.push(Span {
                task: Some(task),
                state,
                reason,
                start_ns: from,
                end_ns: to,
            }),
        }
    };
    // The slices open now, innermost last: (end, what it waits for, if it blocks).
    let mut stack: Vec<(u64, Option<Reason>)> = Vec::new();
    let mut t = 0;
    // Move time on to `to`: slices that end by then close, innermost first.
    let mut advance = |stack: &mut Vec<(u64, Option<Reason>)>, t: &mut u64, to: u64| {
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
        stack.push((end, slice.wait));
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
            wait: blocking_reason(name),
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
