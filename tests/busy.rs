//! Verdicts that know when the machine was busy: a run that never has more lanes wanting a CPU
//! than there are cores waits for one only when other programs hold the cores; then the verdict
//! says the machine was busy and by how much, and names no winner between runs closer than
//! that noise. The text and the JSON carry the same flag.

mod common;

use common::*;
use runwait::present::verdict::verdict;
use runwait::trace::{
    busy, speedup, Lane, LaneId, LaneKind, Outcome, Point, Reason, Run, RunMeta, Span, State,
    TaskEnd, Trace,
};
use std::process::{Child, Command};

const MS: u64 = 1_000_000;

/// Busy loops holding the cores, killed (and waited for) when dropped.
struct Spinners(Vec<Child>);

impl Spinners {
    fn start(n: usize) -> Spinners {
        let spin = || {
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .expect("a busy loop starts")
        };
        let spinners = Spinners((0..n).map(|_| spin()).collect());
        // Let them reach the scheduler's fair share before anything is measured.
        std::thread::sleep(std::time::Duration::from_millis(200));
        spinners
    }
}

impl Drop for Spinners {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn verdict_of(trace: &Trace) -> String {
    verdict(trace, |i| trace.runs.get(i).map(Run::stats)).line
}

#[test]
fn a_cpu_lesson_beside_two_busy_loops_says_the_machine_was_busy() {
    let _machine = take_machine();
    let spinners = Spinners::start(2);
    let trace = run("cpu", "sync,threads,free-threads,process", |o| {
        o.tasks = Some(8);
        o.size = Some(3_000_000);
    });
    drop(spinners);
    let line = verdict_of(&trace);
    let json = runwait::export::json::to_string(&trace);
    if !runwait::instrument::probe::available() {
        // Without CPU waits measured nothing tells the machine was busy: no flag either way.
        assert!(!line.contains("Busy machine"), "{line}");
        assert!(json.contains("\"machine\":null"), "{json}");
        return;
    }
    let b = busy::latest(&trace).expect("sync tells how busy the machine was");
    assert!(
        b.is_busy() && b.share >= 0.15,
        "two busy loops on the cores: {} waited for a CPU {:.0}% of its time",
        trace.runs[b.run].meta.label,
        b.share * 100.0
    );
    assert!(line.starts_with("Busy machine: "), "{line}");
    assert!(line.contains("x are noise."), "{line}");
    no_winner_within_the_noise(&trace, &line, b.margin());
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(summary["machine"]["busy"], true, "{json}");
    assert!(summary["machine"]["cpu_wait_pct"].as_f64().unwrap() >= 15.0);
    let text = runwait::export::text::render(&trace, style());
    assert!(text.contains("Busy machine: "), "{text}");
}

fn style() -> runwait::export::text::Style {
    runwait::export::text::Style {
        width: 100,
        color: false,
    }
}

/// A run named as the winner is faster than every other run, and than the baseline, by more
/// than the noise `margin`.
fn no_winner_within_the_noise(trace: &Trace, line: &str, margin: f64) {
    let mut ranked: Vec<(&str, f64)> = (trace.runs.iter())
        .filter(|r| !r.meta.baseline)
        .filter_map(|r| Some((r.meta.label.as_str(), speedup(trace, r)?)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let named = ranked
        .iter()
        .find(|(label, _)| line.contains(&format!("{label} wins")));
    let Some(&(winner, x)) = named else {
        assert!(!line.contains(" wins "), "{line}");
        return;
    };
    assert!(x > 1.0 + margin, "{winner} at {x:.2}x named: {line}");
    for &(other, y) in ranked.iter().filter(|r| r.0 != winner) {
        assert!(
            x > y * (1.0 + margin),
            "{winner} {x:.2}x named over {other} {y:.2}x within the noise {margin:.2}: {line}"
        );
    }
}

/// A finished run of one task: `lanes` lanes that ran its `wall_ms`, `cpu_ms` of it (each)
/// ready for a CPU.
fn finished(label: &str, workers: u32, wall_ms: u64, cpu_ms: u64) -> Run {
    let mut meta = RunMeta {
        executor: label.split(' ').next().unwrap().into(),
        label: label.into(),
        workers,
        gil: label.contains("GIL"),
        tasks: 1,
        lane_kind: LaneKind::Thread,
        point: Point::Speedup,
        cpu_waits_hz: Some(1000),
        cores: Some(2),
        ..RunMeta::default()
    };
    runwait::ingest::saved::upgrade(&mut meta);
    let mut run = Run::new(meta);
    run.start_ns = Some(0);
    run.end_ns = Some(wall_ms * MS);
    for l in 0..workers.min(2) {
        let mut lane = Lane::new(LaneId::numbered(LaneKind::Thread, l));
        let span = |state, reason, start_ns, end_ns| Span {
            task: Some(0),
            state,
            reason,
            start_ns,
            end_ns,
        };
        lane.spans
            .push(span(State::Ready, Some(Reason::Cpu), 0, cpu_ms * MS));
        lane.spans
            .push(span(State::Run, None, cpu_ms * MS, wall_ms * MS));
        lane.reindex();
        run.lanes.push(lane);
    }
    run.ends.push(TaskEnd {
        task: 0,
        lane: 0,
        outcome: Outcome::Done,
        at_ns: wall_ms * MS,
    });
    run
}

fn trace_of(runs: Vec<Run>) -> Trace {
    Trace {
        runs,
        ..Trace::new("t")
    }
}

#[test]
fn on_a_quiet_machine_the_verdict_is_as_before() {
    let trace = trace_of(vec![
        finished("sync", 1, 1000, 5),
        finished("process", 2, 500, 5),
        finished("free-threads", 2, 420, 5),
    ]);
    let line = verdict_of(&trace);
    assert_eq!(
        line,
        "CPU-bound: free-threads wins (2.4x sync): without a GIL, threads use every core."
    );
    let json = runwait::export::json::to_string(&trace);
    assert!(json.contains("\"machine\":{\"busy\":false"), "{json}");
}

#[test]
fn on_a_busy_machine_runs_within_the_noise_are_not_told_apart() {
    // sync kept from a CPU 300 of its 1000 ms: a run may have taken up to 1.43x as long.
    let trace = trace_of(vec![
        finished("sync", 1, 1000, 300),
        finished("process", 2, 500, 100),
        finished("free-threads", 2, 420, 0),
        finished("threads (GIL)", 5, 950, 100),
    ]);
    let line = verdict_of(&trace);
    assert_eq!(
        line,
        "Busy machine: sync waited for a CPU 30% of its time (other programs' load), \
         so figures within 1.4x are noise. CPU-bound: free-threads and process are \
         within the noise of each other (2.0-2.4x sync): none can be named the fastest here."
    );
    // Nothing beats sync by more than the noise.
    let trace = trace_of(vec![
        finished("sync", 1, 1000, 300),
        finished("free-threads", 2, 800, 0),
    ]);
    let line = verdict_of(&trace);
    assert!(
        line.ends_with("none is faster than sync by more than the noise (best 1.25x)."),
        "{line}"
    );
    // A winner beyond the noise is still named, the machine said busy.
    let trace = trace_of(vec![
        finished("sync", 1, 1000, 300),
        finished("process", 2, 500, 100),
        finished("free-threads", 2, 250, 0),
    ]);
    let line = verdict_of(&trace);
    assert!(line.starts_with("Busy machine: sync waited"), "{line}");
    assert!(line.contains("free-threads wins (4.0x sync)"), "{line}");
    let text = runwait::export::text::render(&trace, style());
    assert!(text.contains(&line), "{text}");
}

/// `run` as the median of repeats that took `times_ms`.
fn repeated(mut run: Run, times_ms: &[u64]) -> Run {
    run.meta.repeats = Some(runwait::trace::Repeats {
        times_ns: times_ms.iter().map(|t| t * MS).collect(),
        n: times_ms.len() as u32,
    });
    run
}

#[test]
fn repeated_runs_whose_repeats_overlap_are_not_told_apart() {
    let trace = |free: &[u64], sync: &[u64]| {
        trace_of(vec![
            repeated(finished("sync", 1, 1000, 0), sync),
            repeated(finished("process", 2, 500, 0), &[450, 500, 700]),
            repeated(finished("free-threads", 2, 420, 0), free),
        ])
    };
    let sync = [980, 1000, 1100];
    let line = verdict_of(&trace(&[400, 420, 460], &sync));
    assert!(
        line.starts_with(
            "CPU-bound: free-threads and process about as fast (2.4x sync, median of 3)"
        ),
        "process's fastest repeat beat free-threads' slowest: {line}"
    );
    let line = verdict_of(&trace(&[400, 420, 430], &sync));
    assert!(
        line.starts_with("CPU-bound: free-threads wins (2.4x sync, median of 3)"),
        "{line}"
    );
    let line = verdict_of(&trace(&[400, 420, 1200], &[1000, 1000, 1300]));
    assert_eq!(
        line,
        "CPU-bound: none is faster than sync in every repeat (best 2.38x, median of 3)."
    );
}

/// Worker processes started at once on fewer cores wait for a CPU while they start, and their
/// start-ups (a lane's own work, no task) show it, as each worker's kernel counted it: a
/// start-up is not a lane running all along.
#[test]
fn worker_processes_starting_at_once_show_their_waits_for_a_cpu() {
    let workers = 4 * runwait::exec::cores();
    let trace = run("cpu", &format!("process:{workers}"), |o| {
        o.tasks = Some(workers);
        o.size = Some(1_000);
    });
    let r = &trace.runs[0];
    let start_ups = || {
        r.lanes
            .iter()
            .flat_map(|l| &l.spans)
            .filter(|s| s.task.is_none())
    };
    let waited: u64 = start_ups()
        .filter(|s| s.state == State::Ready && s.reason == Some(Reason::Cpu))
        .map(|s| s.end_ns - s.start_ns)
        .sum();
    let took: u64 = start_ups().map(|s| s.end_ns - s.start_ns).sum();
    assert!(
        waited > 0 && waited < took,
        "{workers} workers on {} cores: their start-ups took {took} ns, {waited} ns of it \
         waiting for a CPU",
        runwait::exec::cores()
    );
}
