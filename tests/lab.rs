//! The engine's shape: an executor is one file and one registry line (here a test's own,
//! registered at run time), and the lab runs a second set of runs beside the first.

mod common;

use common::*;
use runwait::exec::worker::Worker;
use runwait::exec::{self, meta, Env, ExecSpec, Executor, RunCtx};
use runwait::lab::scenario::{self, Order};
use runwait::lab::Lab;
use runwait::trace::{RunMeta, Strength};
use runwait::workload::Task;
use std::time::Duration;

/// A tiny executor: one thread doing the tasks last first. All it takes is this.
struct Backwards;

impl Executor for Backwards {
    fn name(&self) -> &'static str {
        "backwards"
    }

    fn default_workers(&self) -> u32 {
        1
    }

    fn max_workers(&self) -> Option<u32> {
        None
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            strength: Strength::Overlaps,
            ..meta(spec, "backwards (last first)".to_string())
        }
    }

    fn run(&self, ctx: &RunCtx, _spec: &ExecSpec, tasks: Vec<Task>) {
        let mut worker = Worker::new(ctx.run, 0, None, ctx.env.http_timeout);
        for task in tasks.iter().rev() {
            worker.run_task(task);
        }
    }
}

static BACKWARDS: Backwards = Backwards;

fn register_backwards() {
    // Tests in this file share the registry: register once.
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| exec::register(&BACKWARDS).unwrap());
}

#[test]
fn an_executor_registered_from_outside_runs_like_a_builtin_one() {
    register_backwards();
    assert!(exec::names().ends_with(", backwards"), "{}", exec::names());
    assert!(exec::register(&BACKWARDS).is_err(), "a name is taken once");
    let e = "backwards:3".parse::<ExecSpec>().unwrap_err().to_string();
    assert!(e.contains("only pools take a worker count"), "{e}");
    let trace = run("io", "sync,backwards", |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(20);
    });
    let run = by_executor(&trace, "backwards (last first)");
    assert_lanes_well_formed(run);
    assert_every_task_done_once(run);
    let order: Vec<u32> = run.ends.iter().map(|e| e.task).collect();
    assert_eq!(order, [3, 2, 1, 0], "last first");
    let x = runwait::trace::speedup(&trace, run).unwrap();
    assert!(x > 0.5 && x < 2.0, "as fast as sync: {x}");
}

#[test]
fn a_lesson_file_can_name_a_registered_executor() {
    register_backwards();
    let text = "name = \"b\"\npoint = \"p\"\nexecutors = [\"backwards\"]\n[[tasks]]\ncount = 3\nsegments = [{ sleep_ms = 5 }]\n";
    let lesson = scenario::parse(text, "b.toml").unwrap();
    let trace = session(lesson, None, |_| {}).run_one_by_one();
    assert_eq!(trace.runs[0].meta.executor, "backwards");
    assert_every_task_done_once(&trace.runs[0]);
}

#[test]
fn a_second_set_runs_beside_the_first_on_one_trace() {
    let io = || scenario::find("io").unwrap();
    let first = session(io(), Some("sync,threads:2"), |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(30);
    });
    let second = session(io(), Some("threads:4"), |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(30);
    });
    let mut lab = Lab::new(first.in_order(Order::Together));
    lab.start();
    let set = lab.start_beside(second);
    assert_eq!(set, 1);
    while !lab.finished() {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    let trace = lab.into_trace();
    let sets: Vec<(u32, &str)> = trace
        .runs
        .iter()
        .map(|r| (r.meta.set, r.meta.label.as_str()))
        .collect();
    assert_eq!(
        sets,
        [(0, "sync"), (0, "threads (GIL)"), (1, "threads (GIL)")]
    );
    for run in &trace.runs {
        assert_lanes_well_formed(run);
        assert_every_task_done_once(run);
    }
    let wall = |i: usize| trace.runs[i].wall_ns().unwrap() as f64;
    assert!(
        wall(1) / wall(2) > 1.4,
        "4 threads beat 2: {} {}",
        wall(1),
        wall(2)
    );
}

#[test]
fn a_rerun_starts_a_new_trace() {
    let plan = session(scenario::find("io").unwrap(), Some("async"), |o| {
        o.tasks = Some(3);
        o.latency_ms = Some(2000);
    });
    let mut lab = Lab::new(plan.in_order(Order::Together));
    lab.start();
    std::thread::sleep(Duration::from_millis(100));
    lab.drain();
    assert!(lab.trace().runs[0].start_ns.is_some());
    lab.rerun();
    std::thread::sleep(Duration::from_millis(50));
    lab.drain();
    let trace = lab.trace();
    assert_eq!(
        trace.runs.len(),
        1,
        "the old runs are gone from the new trace"
    );
    assert!(trace.runs[0].ends.is_empty(), "still waiting on the server");
    lab.stop();
}

#[test]
fn a_rerun_after_a_what_if_runs_only_the_what_if_again() {
    let io = |tasks| {
        session(scenario::find("io").unwrap(), Some("async"), move |o| {
            o.tasks = Some(tasks);
            o.latency_ms = Some(10);
        })
    };
    let mut lab = Lab::new(io(2).in_order(Order::Together));
    lab.start();
    lab.start_beside(io(3));
    while !lab.finished() {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.rerun();
    while !lab.finished() {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    let trace = lab.into_trace();
    let runs: Vec<(u32, usize)> = trace
        .runs
        .iter()
        .map(|r| (r.meta.set, r.ends.len()))
        .collect();
    assert_eq!(runs, [(0, 3)], "the latest set alone, as the first");
}

/// Runs the lab's runs to their end, taking in what they record.
fn finish(lab: &mut Lab) {
    while !lab.finished() {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.drain();
}

#[test]
fn a_what_if_runs_again_only_the_runs_whose_settings_changed() {
    let plan = session(
        scenario::find("io").unwrap(),
        Some("sync,threads:2,async"),
        |o| {
            o.tasks = Some(4);
            o.latency_ms = Some(20);
        },
    );
    let options = plan.options.clone();
    let mut lab = Lab::new(plan.in_order(Order::Together));
    lab.start();
    finish(&mut lab);
    // More threads: sync and async are as they were.
    let more = runwait::lab::Options {
        executors: Some(specs("sync,threads:4,async")),
        ..options.clone()
    };
    assert_eq!(lab.what_if(more).unwrap(), 1);
    finish(&mut lab);
    let trace = lab.trace();
    let set1: Vec<(&str, bool)> = (trace.runs.iter())
        .filter(|r| r.meta.set == 1)
        .map(|r| (r.meta.label.as_str(), r.meta.kept))
        .collect();
    assert_eq!(
        set1,
        [("sync", true), ("threads (GIL)", false), ("async", true)]
    );
    // A kept run is the record of the run before, not a new one.
    assert_eq!(trace.runs[3].lanes, trace.runs[0].lanes);
    assert_eq!(trace.runs[3].end_ns, trace.runs[0].end_ns);
    assert!(trace.runs[4].start_ns > trace.runs[1].end_ns, "run again");
    assert_eq!(trace.runs[4].meta.workers, 4);
    // The GIL off for every pool: only the pool runs again, as free threads.
    let free = runwait::lab::Options {
        executors: Some(specs("sync,free-threads:4,async")),
        ..options
    };
    lab.what_if(free).unwrap();
    finish(&mut lab);
    let trace = lab.trace();
    let set2: Vec<(&str, bool)> = (trace.runs.iter())
        .filter(|r| r.meta.set == 2)
        .map(|r| (r.meta.label.as_str(), r.meta.kept))
        .collect();
    assert_eq!(
        set2,
        [("sync", true), ("free-threads", false), ("async", true)]
    );
    for run in &trace.runs {
        assert_every_task_done_once(run);
    }
    // Run again, every run of the latest set is run: none was kept in the new trace.
    lab.rerun();
    finish(&mut lab);
    let trace = lab.into_trace();
    assert_eq!(trace.runs.len(), 3);
    assert!(trace.runs.iter().all(|r| !r.meta.kept && r.ends.len() == 4));
}
