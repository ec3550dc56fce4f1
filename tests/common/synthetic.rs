//! Synthetic traces, for tests and benchmarks that must not depend on timing: made by rule,
//! never shown as measured.
#![allow(dead_code)]

use runwait::trace::{Lane, LaneKind, Outcome, Reason, Run, RunMeta, Span, State, TaskEnd, Trace};

const MS: u64 = 1_000_000;

fn meta(
    executor: &str,
    label: &str,
    workers: u32,
    gil: bool,
    tasks: u32,
    kind: LaneKind,
) -> RunMeta {
    let mut meta = RunMeta {
        executor: executor.into(),
        label: label.into(),
        variant: None,
        workers,
        gil,
        tasks,
        lane_kind: kind,
        queues: Vec::new(),
        model: None,
        ..RunMeta::default()
    };
    // What the executor says of itself: baseline, what ready waits for, why it wins.
    runwait::ingest::saved::upgrade(&mut meta);
    meta
}

/// A span; waits are for I/O, readies for the GIL (runwait's threads').
fn span(task: Option<u32>, state: State, start_ms: f64, end_ms: f64) -> Span {
    Span {
        task,
        state,
        reason: reason(state, Reason::Gil),
        start_ns: (start_ms * MS as f64) as u64,
        end_ns: (end_ms * MS as f64) as u64,
    }
}

/// Why a span in `state` waits: I/O; or is ready: for `ready`.
fn reason(state: State, ready: Reason) -> Option<Reason> {
    match state {
        State::Run => None,
        State::Wait => Some(Reason::Io),
        State::Ready => Some(ready),
    }
}

/// A run where `workers` lanes each do their share of `tasks` I/O tasks: a 0.5 ms CPU burst,
/// `latency_ms` of waiting, a 0.5 ms burst; `ready_ms` of waiting for the GIL after each
/// response on every lane but the first.
fn io_run(m: RunMeta, start_ms: f64, latency_ms: f64, ready_ms: f64) -> Run {
    let lanes_n = if m.lane_kind == LaneKind::Task {
        m.tasks
    } else {
        m.workers
    };
    let mut run = Run::new(m.clone());
    let start = start_ms;
    let mut end = start;
    for lane in 0..lanes_n {
        let mut t = start + 0.1;
        let mut l = Lane::new(runwait::trace::LaneId::numbered(m.lane_kind, lane));
        if m.lane_kind == LaneKind::Process {
            l.spans.push(span(None, State::Run, t, t + 3.0));
            t += 3.2;
        }
        let mine: Vec<u32> = (0..m.tasks).filter(|k| k % lanes_n == lane).collect();
        for task in mine {
            let ready = if lane > 0 { ready_ms } else { 0.0 };
            l.spans.push(span(Some(task), State::Run, t, t + 0.5));
            l.spans
                .push(span(Some(task), State::Wait, t + 0.5, t + 0.5 + latency_ms));
            t += 0.5 + latency_ms;
            if ready > 0.0 {
                let mut waited = span(Some(task), State::Ready, t, t + ready);
                waited.reason = Some(m.ready);
                l.spans.push(waited);
                t += ready;
            }
            l.spans.push(span(Some(task), State::Run, t, t + 0.5));
            t += 0.5;
            run.ends.push(TaskEnd {
                task,
                lane,
                outcome: Outcome::Done,
                at_ns: (t * MS as f64) as u64,
            });
        }
        end = f64::max(end, t);
        run.lanes.push(l);
    }
    run.start_ns = Some((start * MS as f64) as u64);
    run.end_ns = Some(((end + 0.2) * MS as f64) as u64);
    run
}

/// The `io` lesson's shape: sync, threads (GIL), async and process runs of `tasks` tasks.
pub fn io_trace(tasks: u32) -> Trace {
    let mut trace = Trace::new("io");
    trace.runs.push(io_run(
        meta("sync", "sync", 1, false, tasks, LaneKind::Thread),
        0.0,
        100.0,
        0.0,
    ));
    trace.runs.push(io_run(
        meta("threads", "threads (GIL)", 3, true, tasks, LaneKind::Thread),
        0.0,
        100.0,
        0.3,
    ));
    trace.runs.push(io_run(
        meta("async", "async", 1, false, tasks, LaneKind::Task),
        0.0,
        100.0,
        0.2,
    ));
    trace.runs.push(io_run(
        meta("process", "process", 2, false, tasks, LaneKind::Process),
        0.0,
        100.0,
        0.0,
    ));
    trace
}

/// `panels` runs of `lanes` lanes with `spans_per_lane` spans each, alternating run / wait /
/// ready of 1 ms, for drawing benchmarks.
pub fn big_trace(panels: usize, lanes: usize, spans_per_lane: usize) -> Trace {
    let mut trace = Trace::new("big");
    for p in 0..panels {
        let mut run = Run::new(meta(
            "threads",
            "threads (GIL)",
            lanes as u32,
            true,
            (lanes * spans_per_lane) as u32,
            LaneKind::Thread,
        ));
        for lane in 0..lanes {
            let mut l = Lane::new(runwait::trace::LaneId::numbered(
                LaneKind::Thread,
                lane as u32,
            ));
            let offset = (lane % 7) as u64 * 100_000;
            for i in 0..spans_per_lane as u64 {
                let state = [State::Run, State::Wait, State::Ready][(i % 3) as usize];
                l.spans.push(Span {
                    task: Some((i / 3) as u32),
                    state,
                    reason: reason(state, Reason::Gil),
                    start_ns: offset + i * MS,
                    end_ns: offset + i * MS + MS - 1,
                });
            }
            run.lanes.push(l);
        }
        run.start_ns = Some(0);
        run.end_ns = Some(spans_per_lane as u64 * MS + MS);
        let _ = p;
        trace.runs.push(run);
    }
    trace
}
