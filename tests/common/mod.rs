//! Helpers shared by the integration tests.
#![allow(dead_code)]

use runwait::exec::{Env, ExecSpec};
use runwait::lab::scenario::{self, Scenario};
use runwait::lab::{Lab, Options, Order, Plan};
use runwait::trace::{LaneKind, Run, State, Trace};
use std::path::PathBuf;
use std::time::Duration;

/// Executors started as worker processes must be the runwait binary, not the test binary.
pub fn env() -> Env {
    Env {
        worker_program: PathBuf::from(env!("CARGO_BIN_EXE_runwait")),
        http_timeout: Duration::from_secs(10),
        ..Env::default()
    }
}

pub fn specs(list: &str) -> Vec<ExecSpec> {
    list.split(',').map(|s| s.parse().unwrap()).collect()
}

/// A lesson made ready with test options: worker processes are the runwait binary;
/// `executors` (if any) replaces the lesson's; `tune` sets the rest.
pub fn session(lesson: Scenario, executors: Option<&str>, tune: impl FnOnce(&mut Options)) -> Plan {
    let mut options = Options {
        executors: executors.map(specs),
        env: env(),
        ..Options::default()
    };
    tune(&mut options);
    Plan::prepare(lesson, options).unwrap()
}

/// A plan's runs one after another, to their end, in a lab of their own.
pub trait RunOneByOne {
    fn run_one_by_one(self) -> Trace;
}

impl RunOneByOne for Plan {
    fn run_one_by_one(self) -> Trace {
        Lab::new(self.in_order(Order::OneByOne)).run_to_end()
    }
}

/// Run a built-in lesson one run after another and return its trace.
/// Runs measured in this test binary take the machine in turn: tests run in parallel, and a
/// run beside another would measure that one's load (on two cores, threads could not run at
/// once). Other test binaries run one after another.
static MACHINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// How many [`Machine`]s this thread holds: taking the machine again is a no-op.
    static HELD: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The machine, held until dropped (see [`take_machine`]).
pub struct Machine(Option<std::sync::MutexGuard<'static, ()>>);

impl Drop for Machine {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get() - 1));
    }
}

/// Take the machine for the rest of the test (see [`MACHINE`]): a test that times anything
/// holds it from its start to its assertions, and so does one that runs work without [`run`]
/// or [`measured`], so as not to load another's measurement. A thread that holds it already
/// (a test that took it, then calls [`run`]) just goes on.
pub fn take_machine() -> Machine {
    let first = HELD.with(|h| {
        h.set(h.get() + 1);
        h.get() == 1
    });
    Machine(first.then(|| MACHINE.lock().unwrap_or_else(|e| e.into_inner())))
}

pub fn measured(plan: Plan) -> Trace {
    let _machine = take_machine();
    plan.run_one_by_one()
}

pub fn run(name: &str, executors: &str, tune: impl FnOnce(&mut Options)) -> Trace {
    measured(session(
        scenario::find(name).unwrap(),
        Some(executors),
        tune,
    ))
}

pub fn by_executor<'a>(trace: &'a Trace, label: &str) -> &'a Run {
    trace
        .runs
        .iter()
        .find(|r| r.meta.label == label)
        .unwrap_or_else(|| panic!("no run labelled {label}"))
}

/// Per lane, spans sorted by start and never overlapping, none of zero length, none outside
/// the run.
pub fn assert_lanes_well_formed(run: &Run) {
    let (start, end) = (run.start_ns.unwrap(), run.end_ns.unwrap());
    // The recorder moves a mark stamped before its lane's previous one; within one process
    // that must never happen, across the worker pipe (a worker process's lane, a cloud
    // instance's) only within the clock alignment.
    let across_pipes = [LaneKind::Process, LaneKind::Instance].contains(&run.meta.lane_kind);
    if across_pipes {
        assert!(
            run.max_reorder_ns < 1_000_000,
            "{}: reordered by {} ns",
            run.meta.label,
            run.max_reorder_ns
        );
    } else {
        assert_eq!(run.reordered, 0, "{}: marks out of order", run.meta.label);
    }
    for lane in &run.lanes {
        for s in &lane.spans {
            assert!(
                s.end_ns > s.start_ns,
                "{}: empty span {s:?}",
                runwait::present::words::lane_text(lane)
            );
            assert!(
                s.start_ns + 1_000_000 >= start && s.end_ns <= end + 1_000_000,
                "{}: span {s:?} outside the run [{start}, {end}]",
                runwait::present::words::lane_text(lane)
            );
        }
        for pair in lane.spans.windows(2) {
            assert!(
                pair[0].end_ns <= pair[1].start_ns,
                "{}: {:?} overlaps {:?}",
                runwait::present::words::lane_text(lane),
                pair[0],
                pair[1]
            );
        }
    }
}

/// Every task of the run ended exactly once, and done.
pub fn assert_every_task_done_once(run: &Run) {
    let mut ends = vec![0u32; run.meta.tasks as usize];
    for end in &run.ends {
        ends[end.task as usize] += 1;
        assert_eq!(end.outcome, runwait::trace::Outcome::Done, "{end:?}");
    }
    assert!(
        ends.iter().all(|&n| n == 1),
        "{}: ends per task {ends:?}",
        run.meta.label
    );
}

/// At no instant are two lanes of the run in `run` (checked independently of the stats code:
/// all run spans sorted by start must each end before the next starts).
pub fn assert_one_running_at_a_time(run: &Run) {
    let mut spans: Vec<_> = run.spans().filter(|(_, s)| s.state == State::Run).collect();
    spans.sort_by_key(|(_, s)| s.start_ns);
    for pair in spans.windows(2) {
        assert!(
            pair[0].1.end_ns <= pair[1].1.start_ns,
            "{}: lane {} {:?} runs while lane {} {:?} runs",
            run.meta.label,
            pair[0].0,
            pair[0].1,
            pair[1].0,
            pair[1].1
        );
    }
}

/// The CPU work (`cpu = n`) that takes about `ms` in this build: a debug build computes many
/// times slower than a release one, and a test's shape needs the work long against its timers.
pub fn cpu_for_ms(ms: u64) -> u64 {
    // Timed, and loading the machine: not beside another test's measurement.
    let _machine = take_machine();
    let n = 2_000_000;
    let t = std::time::Instant::now();
    runwait::workload::cpu::sum_of_squares(n, || true);
    let per_ms = n as f64 / t.elapsed().as_secs_f64().max(1e-6) / 1000.0;
    (per_ms * ms as f64) as u64
}
