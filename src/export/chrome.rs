//! Chrome Trace Event JSON out, the format Perfetto and chrome://tracing open: one process per
//! run and one thread per lane, named with metadata events; a complete event (`"ph": "X"`,
//! microseconds) per span, named by its state (`run`, `wait`, `ready`), with the task in `args`;
//! an instant event per task end, per lesson event (a lost update, a cold start) and at the run's
//! start and end; a counter per queue. All of
//! runwait's own events have `"cat": "runwait"`, which is how `ingest::chrome` knows them when
//! they come back in, exactly.
//!
//! Each wake (who woke whom) is a flow, `"cat": "runwait.wake"`, named by its cause
//! (`gil-interval`), with an `id` of its own in the file: a flow start (`"ph": "s"`) on the
//! waker's thread and a flow end (`"ph": "f"`, `"bp": "e"`) on the woken thread, so Perfetto
//! draws an arrow from one to the other. A viewer binds a flow's start to the slice around its
//! time and draws the arrow from that slice's end, and binds its end to the slice around its
//! time and draws the arrow to that slice's start. So the start's `ts` is the hand-off if the
//! waker was running then, else 1 ns before the end of its last span ended by then (the GIL's
//! holder stopped running when it let go, a moment before its taker stamped the hand-over), and
//! the end's 1 ns into the woken lane's span that begins nearest the wake (its change of
//! state); the hand-off's own times are in `args`
//! (`from_ns`, `to_ns`), which runwait reads back. A wake from the outside (an I/O completion,
//! a timer) has no lane to start from: it is an instant event (`"ph": "i"`) of the same
//! category and name on the woken thread at its time, no arrow.

use crate::ingest::chrome::{RunExtra, CAT, FORMAT_VERSION, WAKE_CAT};
use crate::trace::{Lane, Run, State, Trace, Wake};
use serde_json::json;
use std::io::Write;

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

/// The trace as Chrome Trace Event JSON.
pub fn to_json(trace: &Trace) -> String {
    let mut out = Vec::new();
    write(trace, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Write the trace as Chrome Trace Event JSON, one event at a time: never whole in memory.
pub fn write(trace: &Trace, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"{\"traceEvents\":[")?;
    let mut events = Events {
        out,
        first: true,
        flows: 0,
    };
    for (r, run) in trace.runs.iter().enumerate() {
        write_run(&mut events, r + 1, run)?;
    }
    let other = json!({"scenario": trace.scenario, "dropped": trace.dropped,
        "skipped": trace.skipped, "made_by": "runwait", "format_version": FORMAT_VERSION});
    write!(
        events.out,
        "],\"displayTimeUnit\":\"ms\",\"otherData\":{other}}}"
    )
}

/// The events written so far: a comma goes before every one but the first.
struct Events<'a, W: Write> {
    out: &'a mut W,
    first: bool,
    /// Flows written so far: the next one's id is one more.
    flows: u64,
}

impl<W: Write> Events<'_, W> {
    fn push(&mut self, event: &serde_json::Value) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, event).map_err(std::io::Error::from)
    }
}

fn write_run<W: Write>(events: &mut Events<W>, pid: usize, run: &Run) -> std::io::Result<()> {
    let extra = RunExtra {
        meta: run.meta.clone(),
        lesson: run.lesson.clone(),
        report: run.report,
        reordered: run.reordered,
        max_reorder_ns: run.max_reorder_ns,
        cpu_wait_error_ns: run.cpu_wait_error_ns,
    };
    events.push(
        &json!({"ph": "M", "pid": pid, "tid": 0, "name": "process_name",
        "args": {"name": run.meta.label, "runwait": extra}}),
    )?;
    for (mark, at) in [("run start", run.start_ns), ("run end", run.end_ns)] {
        if let Some(at) = at {
            events.push(
                &json!({"ph": "i", "s": "p", "pid": pid, "tid": 0, "cat": CAT,
                "name": mark, "ts": us(at)}),
            )?;
        }
    }
    for (l, lane) in run.lanes.iter().enumerate() {
        let tid = l + 1;
        events.push(
            &json!({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name",
            "args": {"name": crate::present::words::lane_text(lane),
                "clock_error_ns": lane.clock_error_ns, "runwait": lane.id}}),
        )?;
        for span in &lane.spans {
            events.push(&json!({"ph": "X", "pid": pid, "tid": tid, "cat": CAT,
                "name": span.state.name(), "ts": us(span.start_ns), "dur": us(span.len_ns()),
                "args": {"task": span.task, "reason": span.reason}}))?;
        }
    }
    for end in &run.ends {
        events.push(
            &json!({"ph": "i", "s": "t", "pid": pid, "tid": end.lane + 1, "cat": CAT,
            "name": end.outcome.name(), "ts": us(end.at_ns), "args": {"task": end.task}}),
        )?;
    }
    for e in &run.events {
        events.push(
            &json!({"ph": "i", "s": "t", "pid": pid, "tid": e.lane + 1, "cat": CAT,
            "name": e.kind.name(), "ts": us(e.at_ns), "args": {"count": e.count}}),
        )?;
    }
    for (q, points) in run.queue_lengths.iter().enumerate() {
        let name = run.meta.queues.get(q).map_or("queue", |m| m.name.as_str());
        for &(t, len) in points {
            events.push(&json!({"ph": "C", "pid": pid, "tid": 0, "cat": CAT,
                "name": format!("{name} queue"), "ts": us(t), "args": {"length": len, "queue": q}}))?;
        }
    }
    for wake in &run.wakes {
        write_wake(events, pid, run, wake)?;
    }
    Ok(())
}

/// One wake: a flow from the waker's thread to the woken one's, or from the outside an
/// instant on the woken thread (see the module's words).
fn write_wake<W: Write>(
    events: &mut Events<W>,
    pid: usize,
    run: &Run,
    w: &Wake,
) -> std::io::Result<()> {
    let (name, to_tid) = (w.cause.name(), w.to + 1);
    let lane = |l: u32| run.lanes.get(l as usize);
    let args = json!({"from_ns": w.from_ns, "to_ns": w.to_ns});
    let Some(from) = w.from else {
        return events.push(&json!({"ph": "i", "s": "t", "pid": pid, "tid": to_tid,
            "cat": WAKE_CAT, "name": name, "ts": us(w.to_ns), "args": args}));
    };
    events.flows += 1;
    let id = events.flows;
    let start = lane(from).map_or(w.from_ns, |l| start_ts(l, w.from_ns));
    let end = lane(w.to).map_or(w.to_ns, |l| end_ts(l, w.to_ns));
    events.push(
        &json!({"ph": "s", "id": id, "pid": pid, "tid": from + 1, "cat": WAKE_CAT,
        "name": name, "ts": us(start), "args": args}),
    )?;
    events.push(
        &json!({"ph": "f", "bp": "e", "id": id, "pid": pid, "tid": to_tid,
        "cat": WAKE_CAT, "name": name, "ts": us(end), "args": args}),
    )
}

/// Where a flow's start goes on the waker's lane for a hand-off at `at`: at `at` if the lane
/// was running then, else 1 ns before the end of its last span ended by then (what it did up to
/// letting go), or at `at` if it has none.
pub fn start_ts(lane: &Lane, at: u64) -> u64 {
    let ended = lane.spans.partition_point(|s| s.end_ns <= at);
    let before = ended.checked_sub(1).map(|i| &lane.spans[i]);
    match (lane.spans.get(ended), before) {
        (Some(s), _) if s.state == State::Run && s.start_ns <= at => at,
        (_, Some(s)) if s.end_ns > s.start_ns => s.end_ns - 1,
        _ => at,
    }
}

/// Where a flow's end goes on the woken lane for a wake at `at`: 1 ns into its span that begins
/// nearest `at` (its change of state), or at `at` if it has none.
pub fn end_ts(lane: &Lane, at: u64) -> u64 {
    let i = lane.spans.partition_point(|s| s.start_ns < at);
    let near = [i.checked_sub(1), Some(i)]
        .into_iter()
        .flatten()
        .filter_map(|j| lane.spans.get(j))
        .min_by_key(|s| s.start_ns.abs_diff(at));
    match near {
        Some(s) if s.len_ns() > 1 => s.start_ns + 1,
        Some(s) => s.start_ns,
        None => at,
    }
}
