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
//! draws an arrow from one to the other. A viewer binds a flow's start to the slice around
//! its time and draws the arrow from that slice's end, and its end to the slice around its time
//! and draws the arrow to that slice's start: the start is written 1 ns before the hand-off
//! (what the waker was doing up to it: a run span ending at the hand-off) and the end 1 ns
//! after it (what the woken lane did from then: its ready span), each with the exact times in
//! `args` (`from_ns`, `to_ns`). A wake from the outside (an I/O completion, a timer) has no
//! lane to start from: it is an instant event (`"ph": "i"`) of the same category and name on
//! the woken thread, no arrow.

use crate::ingest::chrome::{RunExtra, CAT, FORMAT_VERSION, WAKE_CAT};
use crate::trace::{Run, Trace, Wake};
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
        write_wake(events, pid, wake)?;
    }
    Ok(())
}

/// One wake: a flow from the waker's thread to the woken one's, or from the outside an
/// instant on the woken thread (see the module's words).
fn write_wake<W: Write>(events: &mut Events<W>, pid: usize, w: &Wake) -> std::io::Result<()> {
    let (name, to_tid) = (w.cause.name(), w.to + 1);
    let args = json!({"from_ns": w.from_ns, "to_ns": w.to_ns});
    let Some(from) = w.from else {
        return events.push(&json!({"ph": "i", "s": "t", "pid": pid, "tid": to_tid,
            "cat": WAKE_CAT, "name": name, "ts": us(w.to_ns), "args": args}));
    };
    events.flows += 1;
    let id = events.flows;
    events.push(
        &json!({"ph": "s", "id": id, "pid": pid, "tid": from + 1, "cat": WAKE_CAT,
        "name": name, "ts": us(w.from_ns.saturating_sub(1)), "args": args}),
    )?;
    events.push(
        &json!({"ph": "f", "bp": "e", "id": id, "pid": pid, "tid": to_tid,
        "cat": WAKE_CAT, "name": name, "ts": us(w.to_ns + 1), "args": args}),
    )
}
