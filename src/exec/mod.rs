//! Executors: one concurrency model each, running a list of tasks for real, behind one
//! [`Executor`] trait and one registry ([`BUILTIN`]).
//!
//! Every executor marks its lanes' state changes through the instrumentation; none reads the
//! trace clock to stamp them itself. What the views need to know of an executor (whether it is
//! the baseline, has a GIL, is a model, what its `ready` waits for, why it wins) it says once,
//! in the [`RunMeta`] its [`Executor::describe`] returns, which is saved with the trace: nothing
//! outside this module looks at an executor's name.
//!
//! # Adding an executor
//! 1. A file here, say `exec/green.rs`, with a unit struct that implements [`Executor`]: its
//!    `name` (what `--executors green:4` and lesson files say), its default worker count,
//!    `describe` (label, lane kind and the typed facts; start from [`meta`]) and `run` (mark every
//!    state change with `instrument::mark`; [`pool`] and [`worker::Worker`] do most of it for a
//!    pool of threads).
//! 2. `pub mod green;` below, and `&green::Green,` in [`BUILTIN`].
//!
//! That is all: the command line, lesson files, the UI, the verdict, the text, JSON and SVG learn
//! of it through the registry and its runs' metadata. (An executor outside this crate, a test's,
//! is added at run time with [`register`].)

pub mod cloud;
mod ctx;
pub mod event_loop;
pub mod free_threads;
pub mod gil;
pub mod heartbeat;
pub mod notes;
pub mod pool;
pub mod process;
pub mod rayon_pool;
pub mod resources;
pub mod shared;
pub mod sync;
pub mod threads;
pub mod worker;

pub use ctx::{Env, Platform, RunCtx, Stop};
pub use notes::Notes;
pub use shared::Shared;

use crate::error::Error;
use crate::instrument::{mark_run, probe, Mark};
use crate::trace::{LaneKind, Reason, RunMeta, Strength};
use crate::workload::Task;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::RwLock;

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

    /// For a pool of threads: whether its threads take turns under the emulated GIL, and the
    /// executor that is the same pool the other way (`threads` and `free-threads`).
    fn gil_twin(&self) -> Option<(bool, &'static str)> {
        None
    }

    /// Whether its tasks share the run's memory (the race lesson's counter): not across
    /// processes.
    fn shares_memory(&self) -> bool {
        true
    }

    /// What a run of it is, for every view (start from [`meta`]).
    fn describe(&self, spec: &ExecSpec, env: &Env) -> RunMeta;

    /// Run `tasks` on this thread and its helpers; return when every task has ended.
    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>);
}

/// Every executor runwait has, in the order the help lists them.
pub static BUILTIN: &[&dyn Executor] = &[
    &sync::Sequential,
    &threads::Threads,
    &free_threads::FreeThreads,
    &event_loop::Async,
    &process::Processes,
    &rayon_pool::Rayon,
    &cloud::Cloud,
];

/// Executors added at run time (a test's own).
static REGISTERED: RwLock<Vec<&'static dyn Executor>> = RwLock::new(Vec::new());

/// Add an executor from outside this crate; its name must be new.
pub fn register(executor: &'static dyn Executor) -> Result<(), Error> {
    if find(executor.name()).is_some() {
        return Err(Error::Usage(format!(
            "an executor named '{}' exists",
            executor.name()
        )));
    }
    REGISTERED
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(executor);
    Ok(())
}

/// Every executor: the built-in ones, then those registered.
pub fn all() -> Vec<&'static dyn Executor> {
    let registered = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    BUILTIN
        .iter()
        .copied()
        .chain(registered.iter().copied())
        .collect()
}

pub fn find(name: &str) -> Option<&'static dyn Executor> {
    all().into_iter().find(|e| e.name() == name)
}

/// The executors' names, for help and errors: `sync, threads, ...`.
pub fn names() -> String {
    all()
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A run's metadata with the defaults an executor changes what it must of: labelled by its
/// name, a lane a thread, measured, ready for a CPU, its threads' CPU waits sampled (as
/// [`worker::Worker`] does for the thread it runs on; an executor that does not use it sets
/// `cpu_waits_hz` to `None`, or watches its threads with `instrument::probe::watch`).
pub fn meta(spec: &ExecSpec, label: String) -> RunMeta {
    RunMeta {
        executor: spec.executor.name().to_string(),
        label,
        variant: spec.variant.map(|v| v.name().to_string()),
        workers: spec.workers(),
        gil: false,
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
        sampled: None,
        real: false,
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

    fn parse_count(&self, spec: &str, count: &str) -> Result<u32, Error> {
        let bad = |why: String| Error::BadExecutor {
            spec: spec.to_string(),
            why,
        };
        let Some(max) = self.executor.max_workers() else {
            return Err(bad(
                "only pools take a worker count (and async a limit)".into()
            ));
        };
        match count.parse::<u32>() {
            Ok(0) => Err(bad("the worker count must be at least 1".into())),
            Ok(n) if n > max => Err(bad(format!("at most {max} workers"))),
            Ok(n) => Ok(n),
            Err(_) => Err(bad("the worker count must be a whole number".into())),
        }
    }

    fn parse_variant(&self, spec: &str, name: &str) -> Result<Variant, Error> {
        let offered = self.executor.variants();
        let names: Vec<&str> = offered.iter().map(|v| v.name()).collect();
        let exec = self.executor.name();
        offered
            .iter()
            .copied()
            .find(|v| v.name() == name)
            .ok_or_else(|| Error::BadExecutor {
                spec: spec.to_string(),
                why: match names.is_empty() {
                    true => format!("{exec} has no variants"),
                    false => format!("the variants of {exec} are {}", names.join(", ")),
                },
            })
    }
}

impl FromStr for ExecSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<ExecSpec, Error> {
        let (head, variant) = match text.split_once('/') {
            Some((head, variant)) => (head, Some(variant)),
            None => (text, None),
        };
        let (name, count) = match head.split_once(':') {
            Some((name, count)) => (name, Some(count)),
            None => (head, None),
        };
        let executor = find(name).ok_or_else(|| Error::UnknownExecutor {
            name: name.to_string(),
            known: names(),
        })?;
        let mut spec = ExecSpec {
            executor,
            workers: None,
            variant: None,
        };
        if let Some(count) = count {
            spec.workers = Some(spec.parse_count(text, count)?);
        }
        if let Some(variant) = variant {
            spec.variant = Some(spec.parse_variant(text, variant)?);
        }
        Ok(spec)
    }
}

/// Variants of an executor that a lesson compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// async: CPU segments run on the loop (the default).
    Blocking,
    /// async: CPU segments marked `offload` go to a worker pool (asyncio's run_in_executor).
    Offload,
    /// Adds to the shared counter read, compute, then write back, with nothing held (the
    /// default).
    Unprotected,
    /// Adds hold a lock from the read to the write.
    Lock,
    /// Adds are one atomic add.
    Atomic,
}

/// How adds to a shared counter may be guarded: the variants of executors whose tasks share
/// memory.
pub const GUARDS: &[Variant] = &[Variant::Unprotected, Variant::Lock, Variant::Atomic];

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Blocking => "blocking",
            Variant::Offload => "offload",
            Variant::Unprotected => "unprotected",
            Variant::Lock => "lock",
            Variant::Atomic => "atomic",
        }
    }

    /// How adds to the shared counter are guarded in a run of this variant.
    pub fn guard(variant: Option<Variant>) -> Variant {
        match variant {
            Some(v @ (Variant::Lock | Variant::Atomic)) => v,
            _ => Variant::Unprotected,
        }
    }
}

pub fn cores() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
}

/// Run `tasks` under `spec` on this thread and its helpers; returns when every task ended.
pub fn execute(spec: &ExecSpec, ctx: &RunCtx, tasks: Vec<Task>) {
    let adds: u64 = tasks
        .iter()
        .flat_map(|t| &t.segments)
        .map(|s| match s {
            crate::workload::Segment::Add { times } => *times as u64,
            _ => 0,
        })
        .sum();
    let _default = tracing::dispatcher::set_default(&ctx.dispatch);
    mark_run(ctx.run, Mark::RunStart);
    for queue in &ctx.shared.queues {
        queue.mark_length();
    }
    spec.executor.run(ctx, spec, tasks);
    mark_run(ctx.run, Mark::RunEnd);
    report_counter(spec, ctx, adds);
}

/// The race lesson's figures: how many adds the tasks made, and what the shared counter says.
/// Worker processes share no memory, so a process run has no shared counter to report.
fn report_counter(spec: &ExecSpec, ctx: &RunCtx, adds: u64) {
    if adds == 0 || !spec.executor.shares_memory() {
        return;
    }
    let actual = ctx.shared.counter.load(Ordering::SeqCst);
    for (name, value) in [("expected", adds), ("actual", actual)] {
        ctx.sink.send(crate::instrument::Msg::Figure {
            run: ctx.run,
            name: name.to_string(),
            value,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s: ExecSpec = "threads:10".parse().unwrap();
        assert_eq!((s.executor.name(), s.workers()), ("threads", 10));
        assert_eq!("async".parse::<ExecSpec>().unwrap().workers(), 1);
        assert_eq!("free-threads".parse::<ExecSpec>().unwrap().workers(), 5);
        for bad in ["thread", "threads:0", "threads:x", "sync:2", ""] {
            assert!(bad.parse::<ExecSpec>().is_err(), "{bad}");
        }
        let e = "bogus".parse::<ExecSpec>().unwrap_err().to_string();
        assert!(
            e.contains("unknown executor 'bogus'") && e.contains("free-threads"),
            "{e}"
        );
    }
}
