//! The [`Executor`] trait, what a run of one is ([`ExecSpec`], [`meta`]) and how a run of one
//! starts and ends ([`execute`]).

use super::ctx::{Env, RunCtx};
use super::variant::Variant;
use crate::instrument::{mark_run, probe, Mark};
use crate::trace::{LaneKind, Reason, RunMeta, Strength};
use crate::workload::Task;
use std::sync::atomic::Ordering;

/// One concurrency model.
pub trait Executor: Send + Sync + 'static {
    /// Its name on the command line and in lesson files: `threads`.
    fn name(&self) -> &'static str;

    /// How many workers it has when the spec does not say.
    fn default_workers(&self) -> u32;

    /// The most workers a spec may ask for, or `None` if it takes no count.
    fn max_workers(&self) -> Option<u32> {
        Some(crate::trace::limits::MAX_THREADS)
    }

    /// The variants a lesson may compare (`threads/lock`); the first is the default.
    fn variants(&self) -> &'static [Variant] {
        &[]
    }

    /// Whether it can take tasks that arrive over time (a pool can; a gather starts all at
    /// once).
    fn takes_arrivals(&self) -> bool {
        true
    }

    /// Whether its threads take turns under the emulated GIL, and if so the executor that is
    /// the same pool without it (the what-if form's "GIL off" runs that instead; its "GIL on"
    /// runs the first registered executor whose `without` this one is). Every run's
    /// [`RunMeta::gil`] says this (set by [`meta`]).
    fn gil(&self) -> Gil {
        Gil::Off
    }

    /// Whether its count (`async:N`) is how many tasks it lets in at a time, not workers.
    fn count_is_limit(&self) -> bool {
        false
    }

    /// How a run of `variant` of it is done by a real CPython, for `--cpython` (which runs the
    /// articles' program of that model beside it); `None`: no program does it.
    fn python_model(&self, _variant: Option<Variant>) -> Option<PythonModel> {
        None
    }

    /// Whether its tasks share the run's memory (the race lesson's counter): not across
    /// processes.
    fn shares_memory(&self) -> bool {
        true
    }

    /// Whether it runs a race on the shared counter in the run's trials (`Env::trials`), as
    /// [`pool::blocking_pool`](super::pool::blocking_pool) does.
    fn runs_trials(&self) -> bool {
        false
    }

    /// What a run of it is, for every view (start from [`meta`]).
    fn describe(&self, spec: &ExecSpec, env: &Env) -> RunMeta;

    /// Run `tasks` on this thread and its helpers; return when every task has ended.
    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>);
}

/// Whether an executor's threads take turns under the emulated GIL ([`Executor::gil`]).
#[derive(Clone, Copy)]
pub enum Gil {
    /// No GIL: its threads (if it has several) run at once.
    Off,
    /// Under the GIL; `without` is the same pool without it (`threads`: `free-threads`).
    On { without: &'static dyn Executor },
}

impl Gil {
    pub fn is_on(self) -> bool {
        matches!(self, Gil::On { .. })
    }
}

/// How CPython does what an executor does: which of the articles' programs is its real
/// counterpart under `--cpython` ([`Executor::python_model`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PythonModel {
    /// One thread, one task after another.
    Sync,
    /// A pool of threads: with the GIL if the executor has it ([`Executor::gil`]), else under a
    /// free-threaded CPython.
    Threads,
    /// An asyncio loop, CPU work on it.
    Loop,
    /// An asyncio loop, CPU work handed to a pool (run_in_executor).
    Offload,
    /// A pool of processes.
    Processes,
}

/// A run's metadata with the defaults an executor changes what it must of: labelled by its
/// name, a lane a thread, measured, ready for a CPU, its threads' CPU waits sampled (as
/// [`Worker`](super::worker::Worker) does for the thread it runs on; an executor that does not use it sets
/// `cpu_waits_hz` to `None`, or watches its threads with `instrument::probe::watch`).
pub fn meta(spec: &ExecSpec, label: String) -> RunMeta {
    RunMeta {
        executor: spec.executor.name().to_string(),
        label,
        variant: spec.variant.map(|v| v.name().to_string()),
        workers: spec.workers(),
        gil: spec.executor.gil().is_on(),
        tasks: 0,
        lane_kind: LaneKind::Thread,
        queues: Vec::new(),
        model: None,
        baseline: false,
        ready: Reason::Cpu,
        strength: Strength::Overlaps,
        origin: crate::trace::Origin::Measured,
        cpu_waits_hz: probe::available().then_some(probe::PROBE_HZ),
        cores: Some(cores()),
        roles: Vec::new(),
        point: Default::default(),
        settings: Default::default(),
        set: 0,
        kept: false,
        sampled: None,
        beside: None,
        old_real: false,
        repeats: None,
    }
}

/// The label of most executors: the name, and the variant in parentheses.
pub fn plain_label(spec: &ExecSpec) -> String {
    match spec.variant {
        Some(v) => format!("{} ({})", spec.executor.name(), v.name()),
        None => spec.executor.name().to_string(),
    }
}

/// An executor as asked for on the command line: `threads`, `threads:10`, `process:4`,
/// `async/offload`.
#[derive(Clone, Copy)]
pub struct ExecSpec {
    pub executor: &'static dyn Executor,
    pub workers: Option<u32>,
    /// A variant of the executor, named after a `/`: `async/offload`, `threads/lock`, ...
    pub variant: Option<Variant>,
}

impl PartialEq for ExecSpec {
    fn eq(&self, other: &ExecSpec) -> bool {
        self.executor.name() == other.executor.name()
            && (self.workers, self.variant) == (other.workers, other.variant)
    }
}

impl Eq for ExecSpec {}

impl std::fmt::Debug for ExecSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSpec")
            .field("executor", &self.executor.name())
            .field("workers", &self.workers)
            .field("variant", &self.variant)
            .finish()
    }
}

/// As written on the command line: `threads:10/lock` (it parses back to the same spec).
impl std::fmt::Display for ExecSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.executor.name())?;
        if let Some(n) = self.workers {
            write!(f, ":{n}")?;
        }
        if let Some(v) = self.variant {
            write!(f, "/{}", v.name())?;
        }
        Ok(())
    }
}

impl ExecSpec {
    /// The workers asked for, else the executor's default.
    pub fn workers(&self) -> u32 {
        self.workers
            .unwrap_or_else(|| self.executor.default_workers())
    }

    /// What a run of this spec is.
    pub fn describe(&self, env: &Env) -> RunMeta {
        self.executor.describe(self, env)
    }
}

pub fn cores() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
}

/// Run `tasks` under `spec` on this thread and its helpers; returns when every task ended.
pub fn execute(spec: &ExecSpec, ctx: &RunCtx, tasks: Vec<Task>) {
    let adds = crate::workload::adds(&tasks);
    let _default = tracing::dispatcher::set_default(&ctx.dispatch);
    mark_run(ctx.run, Mark::RunStart);
    for queue in &ctx.shared.queues {
        queue.mark_length();
    }
    spec.executor.run(ctx, spec, tasks);
    mark_run(ctx.run, Mark::RunEnd);
    report_counter(spec, ctx, adds);
}

/// The race lesson's figures: how many adds the tasks made, and what the shared counter says;
/// run in trials, those summed over the trials, how many trials lost any update and the most
/// one lost. Worker processes share no memory, so a process run has no shared counter to
/// report.
fn report_counter(spec: &ExecSpec, ctx: &RunCtx, adds: u64) {
    if adds == 0 || !spec.executor.shares_memory() {
        return;
    }
    let t = ctx.shared.tallied();
    let figures = match t.trials {
        0 => vec![
            ("expected", adds),
            ("actual", ctx.shared.counter.load(Ordering::SeqCst)),
        ],
        _ => vec![
            ("expected", t.expected),
            ("actual", t.actual),
            ("trials", t.trials),
            ("trials_lost", t.lossy),
            ("lost_most", t.most),
        ],
    };
    for (name, value) in figures {
        ctx.sink.send(crate::instrument::Msg::Figure {
            run: ctx.run,
            name: name.to_string(),
            value,
        });
    }
}
