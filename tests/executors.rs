//! Every registered executor, the built-in ones and two a test registers at run time (a pool of
//! threads under the GIL and its twin without), through a small io lesson and a small CPU
//! lesson: the trace keeps its invariants, saves and loads back the same, and reads true in the
//! text, JSON, SVG and Chrome exports; the what-if form's GIL choice turns each pool into its
//! twin; `--cpython` finds a counterpart from the trait, not the name. A new executor added to
//! the registry is run here with nothing to add.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runwait::exec::gil::Gil as Emulated;
use runwait::exec::pool::blocking_pool;
use runwait::exec::{self, meta, plain_label, Env, ExecSpec, Executor, Gil, PythonModel, RunCtx};
use runwait::export::{chrome, json, svg, text};
use runwait::ingest;
use runwait::lab::scenario::{self, Order};
use runwait::lab::{Lab, Options};
use runwait::trace::{file, Reason, RunMeta, State, Strength, Trace};
use runwait::ui::whatif::{Form, Outcome};
use runwait::workload::Task;
use std::time::Duration;

/// A pool of threads under the emulated GIL, as a new contributor writes one: its twin is
/// [`FreeFifo`].
struct ThreadsFifo;

impl Executor for ThreadsFifo {
    fn name(&self) -> &'static str {
        "threads-fifo"
    }

    fn default_workers(&self) -> u32 {
        3
    }

    fn gil(&self) -> Gil {
        Gil::On {
            without: &FREE_FIFO,
        }
    }

    fn python_model(&self, _variant: Option<exec::Variant>) -> Option<PythonModel> {
        Some(PythonModel::Threads)
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            ready: Reason::Gil,
            strength: Strength::ThreadsOverlapWaits,
            ..meta(spec, "threads-fifo (GIL)".to_string())
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        let gil = Emulated::new(ctx.env.switch_interval);
        blocking_pool(ctx, tasks, spec.workers(), Some(gil));
    }
}

/// [`ThreadsFifo`] without the GIL.
struct FreeFifo;

impl Executor for FreeFifo {
    fn name(&self) -> &'static str {
        "free-threads-fifo"
    }

    fn default_workers(&self) -> u32 {
        3
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            strength: Strength::NoGilUsesEveryCore,
            ..meta(spec, plain_label(spec))
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        blocking_pool(ctx, tasks, spec.workers(), None);
    }
}

static THREADS_FIFO: ThreadsFifo = ThreadsFifo;
static FREE_FIFO: FreeFifo = FreeFifo;

/// The test's executors in the registry (once: the tests of this file share it).
fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        exec::register(&THREADS_FIFO).unwrap();
        exec::register(&FREE_FIFO).unwrap();
    });
}

/// Every registered executor, as a list for `--executors`.
fn every_executor() -> String {
    register();
    let all: Vec<&str> = exec::all().iter().map(|e| e.name()).collect();
    assert!(
        all.ends_with(&["threads-fifo", "free-threads-fifo"]),
        "{all:?}"
    );
    all.join(",")
}

/// The run's invariants, and what its metadata says of its executor.
fn assert_invariants(trace: &Trace) {
    assert_eq!(trace.dropped, 0);
    for run in &trace.runs {
        assert_lanes_well_formed(run);
        assert_every_task_done_once(run);
        let executor = exec::find(&run.meta.executor).expect("a registered executor");
        assert_eq!(run.meta.gil, executor.gil().is_on(), "{}", run.meta.label);
        assert!(!run.lanes.is_empty(), "{}: no lanes", run.meta.label);
        // One thread of work at a time: under the GIL, or one worker doing one task at a time.
        if run.meta.gil || (run.meta.workers == 1 && run.meta.variant.is_none()) {
            assert_one_running_at_a_time(run);
        }
    }
}

/// Saved and loaded back, in memory and through a file: the same trace.
fn assert_saves_and_loads(trace: &Trace) {
    let back = ingest::from_json(&file::to_json(trace), "memory").unwrap();
    assert_eq!(&back, trace);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    file::save(trace, &path).unwrap();
    assert_eq!(&ingest::load(&path).unwrap(), trace);
}

/// The text, JSON, SVG and Chrome exports: each run there, as it ran.
fn assert_exports(trace: &Trace) {
    let style = text::Style {
        width: 140,
        color: false,
    };
    let words = text::render(trace, style);
    let summary: serde_json::Value = serde_json::from_str(&json::to_string(trace)).unwrap();
    let runs = summary["runs"].as_array().unwrap();
    assert_eq!(runs.len(), trace.runs.len());
    let picture = svg::render(trace, 1200);
    let doc = roxmltree::Document::parse(&picture).expect("well-formed SVG");
    let chrome_json = chrome::to_json(trace);
    let back = ingest::chrome::import(&chrome_json, "t.json").unwrap();
    assert_eq!(back.skipped, 0, "every Chrome event is used");
    assert_eq!(back.runs.len(), trace.runs.len());
    for (i, run) in trace.runs.iter().enumerate() {
        let label = &run.meta.label;
        assert!(
            words.contains(label.as_str()),
            "{label} in the text:\n{words}"
        );
        assert_eq!(runs[i]["executor"], run.meta.executor.as_str());
        assert_eq!(runs[i]["label"], label.as_str());
        assert_eq!(runs[i]["gil"], run.meta.gil);
        assert_eq!(runs[i]["done"], run.meta.tasks, "{label}: JSON's done");
        let group = doc
            .descendants()
            .find(|n| n.attribute("data-run") == Some(&i.to_string()))
            .unwrap_or_else(|| panic!("{label}: no SVG group"));
        let boxes = group
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .filter(|n| {
                State::ALL
                    .iter()
                    .any(|s| n.attribute("class") == Some(s.name()))
            })
            .count();
        assert_eq!(boxes, run.spans().count(), "{label}: one SVG box a span");
        let again = &back.runs[i];
        assert_eq!(
            again.lanes.len(),
            run.lanes.len(),
            "{label}: Chrome's lanes"
        );
        for (a, b) in run.lanes.iter().zip(&again.lanes) {
            assert_eq!(
                a.spans,
                b.spans,
                "{label}, {}: Chrome's spans",
                runwait::present::words::lane_text(a)
            );
        }
    }
}

fn assert_all_true(trace: &Trace) {
    let names: Vec<&str> = trace
        .runs
        .iter()
        .map(|r| r.meta.executor.as_str())
        .collect();
    let all: Vec<&str> = exec::all().iter().map(|e| e.name()).collect();
    assert_eq!(names, all, "a run of every registered executor");
    assert_invariants(trace);
    assert_saves_and_loads(trace);
    assert_exports(trace);
}

#[test]
fn every_registered_executor_runs_io_true_in_every_export() {
    let trace = run("io", &every_executor(), |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(10);
    });
    assert_all_true(&trace);
    for run in &trace.runs {
        assert!(
            run.stats().wait_ns >= 4 * 8_000_000,
            "{}: each task waits for its response",
            run.meta.label
        );
    }
}

#[test]
fn every_registered_executor_runs_cpu_true_in_every_export() {
    let size = cpu_for_ms(10).max(1_000);
    let trace = run("cpu", &every_executor(), |o| {
        o.tasks = Some(3);
        o.size = Some(size);
    });
    assert_all_true(&trace);
}

/// The what-if form over `runs` of the io lesson, its GIL field set to `on`, confirmed: the
/// runs it gives.
fn gil_whatif(runs: &[ExecSpec], base: &Options, on: bool) -> Options {
    let lesson = scenario::find("io").unwrap();
    let mut form = Form::new(&lesson, base, runs);
    let press = |form: &mut Form, code| form.key(KeyEvent::new(code, KeyModifiers::NONE), base);
    for _ in 0..form.fields.len() {
        if form.fields[form.cursor].label == "GIL" {
            break;
        }
        press(&mut form, KeyCode::Down);
    }
    assert_eq!(form.fields[form.cursor].label, "GIL", "a GIL field");
    let steps = if on { 1 } else { 2 };
    for _ in 0..steps {
        press(&mut form, KeyCode::Right);
    }
    match press(&mut form, KeyCode::Enter) {
        Outcome::Run(options) => *options,
        other => panic!("the form did not run: {other:?} {:?}", form.error),
    }
}

#[test]
fn the_what_if_gil_choice_turns_every_pool_into_its_twin() {
    let list = every_executor();
    let runs = specs(&list);
    let base = Options {
        env: env(),
        tasks: Some(3),
        latency_ms: Some(10),
        ..Options::default()
    };
    for on in [false, true] {
        let options = gil_whatif(&runs, &base, on);
        let after = options.executors.as_ref().unwrap();
        assert_eq!(after.len(), runs.len());
        for (was, now) in runs.iter().zip(after) {
            let (was_e, now_e) = (was.executor, now.executor);
            match exec::with_gil(was_e, on) {
                Some(twin) => assert_eq!(now_e.name(), twin.name(), "{was} with the GIL {on}"),
                None => assert_eq!(now, was, "{was}: no twin, as it was"),
            }
            if was_e.gil().is_on() != on && exec::with_gil(was_e, on).is_some() {
                assert_ne!(now_e.name(), was_e.name(), "{was}: the toggle changes it");
                assert_eq!(now_e.gil().is_on(), on, "{was} became {now}");
                assert!(exec::find(now_e.name()).is_some(), "{now}: registered");
            }
        }
    }
    // Every executor under the GIL has a registered twin without it.
    for e in exec::all().into_iter().filter(|e| e.gil().is_on()) {
        let twin = exec::with_gil(e, false).expect("a twin");
        assert!(exec::find(twin.name()).is_some(), "{}'s twin", e.name());
        assert!(!twin.gil().is_on());
    }
    // The test's pool under the GIL: the toggle runs its twin, beside the first runs.
    let pools = specs("threads-fifo:2,threads:2");
    let off = gil_whatif(&pools, &base, false);
    let names: Vec<String> = off
        .executors
        .iter()
        .flatten()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, ["free-threads-fifo:2", "free-threads:2"]);
    let _machine = take_machine();
    let first = session(scenario::find("io").unwrap(), Some("threads-fifo:2"), |o| {
        o.tasks = Some(3);
        o.latency_ms = Some(10);
    });
    let mut lab = Lab::new(first.in_order(Order::OneByOne));
    lab.start();
    wait_for(&mut lab);
    assert_eq!(lab.what_if(off).unwrap(), 1);
    wait_for(&mut lab);
    let trace = lab.into_trace();
    let runs: Vec<(u32, &str, bool)> = trace
        .runs
        .iter()
        .map(|r| (r.meta.set, r.meta.executor.as_str(), r.meta.gil))
        .collect();
    assert_eq!(
        runs,
        [
            (0, "threads-fifo", true),
            (1, "free-threads-fifo", false),
            (1, "free-threads", false)
        ]
    );
    assert_invariants(&trace);
}

fn wait_for(lab: &mut Lab) {
    while !lab.finished() {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.drain();
}

/// `--cpython` asks the executor how CPython does the same: the test's pool of threads gets
/// the threads program under a CPython with the GIL, none under a free-threaded one, and its
/// twin the other way round.
#[test]
fn the_cpython_counterpart_comes_from_the_trait() {
    use runwait::lab::cpython::{counterpart, Python};
    register();
    let python = |free_threaded| Python {
        command: "python3.12".into(),
        version: (3, 12, 1),
        free_threaded,
        packages: Vec::new(),
    };
    let base = "http://127.0.0.1:9/t/";
    let pages: Vec<Task> = (0..3)
        .map(|id| Task {
            id,
            segments: vec![runwait::workload::Segment::Http {
                url: format!("{base}{id}"),
            }],
            arrive_ms: 0,
        })
        .collect();
    let real = |spec: &str, free| {
        let spec: ExecSpec = spec.parse().unwrap();
        counterpart(&spec, (&pages, 1), Some(base), &python(free)).map(|c| (c.file, c.args))
    };
    let threads = Some(("io_threads.py", vec![base.into(), "3".into(), "2".into()]));
    assert_eq!(real("threads-fifo:2", false), threads);
    assert_eq!(real("threads-fifo:2", true), None);
    assert_eq!(real("free-threads-fifo:2", false), None, "no python_model");
    assert_eq!(real("free-threads:2", true), threads);
}
