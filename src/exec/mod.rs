//! Executors: one concurrency model each, running a list of tasks for real.
//!
//! Every executor marks its lanes' state changes through the instrumentation; none reads the
//! trace clock to stamp them itself.

pub mod cloud;
pub mod event_loop;
pub mod gil;
pub mod process;
pub mod queue;
pub mod rayon_pool;
pub mod threads;
pub mod worker;

use crate::error::Error;
use crate::instrument::{mark_run, Clock, Mark, Sink};
use crate::trace::{LaneKind, RunMeta};
use crate::workload::Task;
use std::path::PathBuf;
use std::process::Child;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::Dispatch;

/// The concurrency models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecKind {
    Sync,
    Threads,
    FreeThreads,
    Async,
    Process,
    Rayon,
    Cloud,
}

impl ExecKind {
    pub const ALL: [ExecKind; 7] = [
        ExecKind::Sync,
        ExecKind::Threads,
        ExecKind::FreeThreads,
        ExecKind::Async,
        ExecKind::Process,
        ExecKind::Rayon,
        ExecKind::Cloud,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExecKind::Sync => "sync",
            ExecKind::Threads => "threads",
            ExecKind::FreeThreads => "free-threads",
            ExecKind::Async => "async",
            ExecKind::Process => "process",
            ExecKind::Rayon => "rayon",
            ExecKind::Cloud => "cloud",
        }
    }

    /// The most workers a pool may have: threads are cheap, processes less so.
    pub fn max_workers(self) -> u32 {
        match self {
            ExecKind::Process | ExecKind::Cloud => 256,
            _ => 1024,
        }
    }

    /// Pools take a worker count; the event loop takes a limit on tasks at once (a
    /// semaphore, `async:3`).
    fn takes_count(self) -> bool {
        !matches!(self, ExecKind::Sync)
    }
}

/// An executor as asked for on the command line: `threads`, `threads:10`, `process:4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecSpec {
    pub kind: ExecKind,
    pub workers: Option<u32>,
    /// A variant of the executor, named after a `/`: `async/offload`, `threads/lock`, ...
    pub variant: Option<Variant>,
}

impl FromStr for ExecSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<ExecSpec, Error> {
        let (spec_name, variant) = match spec.split_once('/') {
            Some((name, variant)) => (name, Some(variant)),
            None => (spec, None),
        };
        let (name, count) = match spec_name.split_once(':') {
            Some((name, count)) => (name, Some(count)),
            None => (spec_name, None),
        };
        let kind = ExecKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| Error::UnknownExecutor {
                name: name.to_string(),
                known: ExecKind::ALL.map(ExecKind::name).join(", "),
            })?;
        let bad = |why: &str| Error::BadExecutor {
            spec: spec.to_string(),
            why: why.to_string(),
        };
        let workers = match count {
            None => None,
            Some(_) if !kind.takes_count() => {
                return Err(bad("only pools take a worker count (and async a limit)"))
            }
            Some(n) => match n.parse::<u32>() {
                Ok(0) => return Err(bad("the worker count must be at least 1")),
                Ok(n) if n > kind.max_workers() => {
                    return Err(bad(&format!("at most {} workers", kind.max_workers())))
                }
                Ok(n) => Some(n),
                Err(_) => return Err(bad("the worker count must be a whole number")),
            },
        };
        let variant = match variant {
            None => None,
            Some(v) => Some(Variant::parse(kind, v).map_err(|why| bad(&why))?),
        };
        Ok(ExecSpec {
            kind,
            workers,
            variant,
        })
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

    fn parse(kind: ExecKind, name: &str) -> Result<Variant, String> {
        let offered: &[Variant] = match kind {
            ExecKind::Async => &[Variant::Blocking, Variant::Offload],
            ExecKind::Process | ExecKind::Cloud => &[],
            _ => &[Variant::Unprotected, Variant::Lock, Variant::Atomic],
        };
        let names: Vec<&str> = offered.iter().map(|v| v.name()).collect();
        offered
            .iter()
            .copied()
            .find(|v| v.name() == name)
            .ok_or_else(|| match names.is_empty() {
                true => format!("{} has no variants", kind.name()),
                false => format!("the variants of {} are {}", kind.name(), names.join(", ")),
            })
    }
}

/// The memory a run's tasks share: the counter of the race lesson.
#[derive(Debug, Default)]
pub struct Shared {
    pub counter: AtomicU64,
    pub lock: Mutex<()>,
    /// The lesson's queues, in its order.
    pub queues: Vec<queue::Queue>,
}

/// The article's pool of 5 threads.
pub const DEFAULT_THREADS: u32 = 5;

impl ExecSpec {
    pub fn new(kind: ExecKind) -> ExecSpec {
        ExecSpec {
            kind,
            workers: None,
            variant: None,
        }
    }

    pub fn workers(&self) -> u32 {
        match self.kind {
            ExecKind::Sync | ExecKind::Async => 1,
            ExecKind::Threads | ExecKind::FreeThreads => self.workers.unwrap_or(DEFAULT_THREADS),
            ExecKind::Process | ExecKind::Rayon => self.workers.unwrap_or_else(cores),
            ExecKind::Cloud => self.workers.unwrap_or(cloud::DEFAULT_INSTANCES),
        }
    }

    pub fn meta(&self, tasks: u32) -> RunMeta {
        let kind = self.kind;
        let variant = self.variant.map(Variant::name);
        let label = match (kind, variant, self.workers) {
            (ExecKind::Threads, Some(v), _) => format!("threads (GIL, {v})"),
            (ExecKind::Threads, None, _) => "threads (GIL)".to_string(),
            (ExecKind::Async, None, Some(n)) => format!("async ({n} at a time)"),
            (ExecKind::Cloud, None, _) => "cloud functions".to_string(),
            (other, Some(v), _) => format!("{} ({v})", other.name()),
            (other, None, _) => other.name().to_string(),
        };
        RunMeta {
            executor: kind.name().to_string(),
            label,
            variant: variant.map(str::to_string),
            workers: self.workers(),
            gil: kind == ExecKind::Threads,
            tasks,
            lane_kind: match kind {
                ExecKind::Async => LaneKind::Task,
                ExecKind::Process => LaneKind::Process,
                ExecKind::Cloud => LaneKind::Instance,
                _ => LaneKind::Thread,
            },
            queues: Vec::new(),
            model: None,
        }
    }
}

pub fn cores() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
}

/// What executors need besides their tasks.
#[derive(Clone, Debug)]
pub struct Env {
    pub http_timeout: Duration,
    pub switch_interval: Duration,
    /// The program started as a worker process (the runwait binary).
    pub worker_program: PathBuf,
    /// How the `cloud` executor's platform behaves.
    pub cloud: cloud::Platform,
}

impl Default for Env {
    fn default() -> Env {
        Env {
            http_timeout: Duration::from_secs(10),
            switch_interval: gil::DEFAULT_SWITCH_INTERVAL,
            worker_program: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("runwait")),
            cloud: cloud::Platform::default(),
        }
    }
}

/// One run's connection to the instrumentation, and its stop flag.
#[derive(Clone)]
pub struct RunCtx {
    pub run: u32,
    pub dispatch: Dispatch,
    /// For facts that are not marks (a worker process's name) and records a worker process
    /// stamped with its own Layer.
    pub sink: Sink,
    /// The trace clock, for aligning worker processes' clocks to it.
    pub clock: Clock,
    pub env: Arc<Env>,
    pub stop: Stop,
    /// What the run's tasks share (one per run).
    pub shared: Arc<Shared>,
    /// How adds to the shared counter are guarded.
    pub guard: Variant,
}

impl RunCtx {
    /// A run registered with `recorder` as `run`, marking through `dispatch`, with the
    /// defaults: its own stop flag, an empty shared memory, unprotected adds.
    pub fn new(
        run: u32,
        dispatch: Dispatch,
        recorder: &crate::instrument::Recorder,
        env: Arc<Env>,
    ) -> RunCtx {
        RunCtx {
            run,
            dispatch,
            sink: recorder.sink(),
            clock: recorder.clock(),
            env,
            stop: Stop::default(),
            shared: Arc::default(),
            guard: Variant::Unprotected,
        }
    }

    pub fn stopped(&self) -> bool {
        self.stop.requested()
    }
}

/// Stops runs early (quit, run again): no new task starts, CPU work stops at its next chunk,
/// the event loop drops its tasks, and worker processes are killed.
#[derive(Clone, Debug, Default)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    children: Arc<Mutex<Vec<Arc<Mutex<Child>>>>>,
}

impl Stop {
    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    pub fn request(&self) {
        self.flag.store(true, Ordering::Relaxed);
        let children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        for child in children.iter() {
            let _ = child.lock().unwrap_or_else(|e| e.into_inner()).kill();
        }
    }

    /// Keep a worker process to kill on a stop; killed at once if the stop came first.
    pub fn adopt(&self, child: Arc<Mutex<Child>>) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children.retain(|c| Arc::strong_count(c) > 1);
        if self.requested() {
            let _ = child.lock().unwrap_or_else(|e| e.into_inner()).kill();
        }
        children.push(child);
    }
}

/// The pool's queue (ThreadPoolExecutor's work queue): every task in order of arrival, each put
/// in when it arrives (a feeder thread waits for those that arrive later). The queue closes
/// once every task is in it; a stop, or the queue being dropped, ends the feeder early.
pub struct TaskQueue {
    rx: crossbeam_channel::Receiver<Task>,
    /// Set when the queue is given up: the feeder stops and hands back what it still holds.
    closed: Arc<AtomicBool>,
    feeder: Option<std::thread::JoinHandle<Vec<Task>>>,
}

impl TaskQueue {
    pub fn new(ctx: &RunCtx, mut tasks: Vec<Task>) -> TaskQueue {
        let t0 = Instant::now();
        tasks.sort_by_key(|t| t.arrive_ms);
        let later = tasks.split_off(tasks.partition_point(|t| t.arrive_ms == 0));
        let (tx, rx) = crossbeam_channel::unbounded();
        for task in tasks {
            let _ = tx.send(task);
        }
        let closed = Arc::new(AtomicBool::new(false));
        let feeder = (!later.is_empty()).then(|| {
            let (stop, closed) = (ctx.stop.clone(), closed.clone());
            std::thread::Builder::new()
                .name("runwait-arrivals".into())
                .spawn(move || {
                    let given_up = || stop.requested() || closed.load(Ordering::Relaxed);
                    let mut later = later.into_iter();
                    while let Some(task) = later.next() {
                        let due = t0 + Duration::from_millis(task.arrive_ms);
                        if !sleep_until(due, given_up) {
                            return std::iter::once(task).chain(later).collect();
                        }
                        let _ = tx.send(task);
                    }
                    Vec::new()
                })
                .expect("cannot start the arrivals thread")
        });
        TaskQueue { rx, closed, feeder }
    }

    /// The next task, waiting for it to arrive; `None` once every task has been taken.
    pub fn next(&self) -> Option<Task> {
        self.rx.recv().ok()
    }

    /// Give the queue up: every task not yet taken, arrived or not, in order of arrival.
    pub fn rest(mut self) -> Vec<Task> {
        self.closed.store(true, Ordering::Relaxed);
        let mut rest: Vec<Task> = self.rx.try_iter().collect();
        if let Some(feeder) = self.feeder.take() {
            rest.extend(feeder.join().unwrap_or_default());
        }
        rest
    }
}

impl Drop for TaskQueue {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

/// Sleep until `deadline`, unless `given_up` says so first: whether the deadline came.
pub fn sleep_until(deadline: Instant, given_up: impl Fn() -> bool) -> bool {
    loop {
        if given_up() {
            return false;
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return true;
        };
        std::thread::sleep(left.min(Duration::from_millis(10)));
    }
}

/// Run `body(lane)` on `workers` threads named `name-LANE`, each with the run's dispatcher
/// installed; returns when all have finished.
fn on_pool_threads(ctx: &RunCtx, workers: u32, name: &str, body: impl Fn(u32) + Sync) {
    std::thread::scope(|scope| {
        for lane in 0..workers {
            let body = &body;
            std::thread::Builder::new()
                .name(format!("{name}-{lane}"))
                .spawn_scoped(scope, move || {
                    let _default = tracing::dispatcher::set_default(&ctx.dispatch);
                    body(lane);
                })
                .expect("cannot start a pool thread");
        }
    });
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
    match spec.kind {
        ExecKind::Sync => threads::run(ctx, tasks, 1, false),
        ExecKind::Threads => threads::run(ctx, tasks, spec.workers(), true),
        ExecKind::FreeThreads => threads::run(ctx, tasks, spec.workers(), false),
        ExecKind::Async => event_loop::run(
            ctx,
            tasks,
            spec.variant == Some(Variant::Offload),
            spec.workers,
        ),
        ExecKind::Process => process::run(ctx, tasks, spec.workers()),
        ExecKind::Rayon => rayon_pool::run(ctx, tasks, spec.workers()),
        ExecKind::Cloud => cloud::run(ctx, tasks, spec.workers()),
    }
    mark_run(ctx.run, Mark::RunEnd);
    report_counter(spec, ctx, adds);
}

/// The race lesson's figures: how many adds the tasks made, and what the shared counter says.
/// Worker processes share no memory, so a process run has no shared counter to report.
fn report_counter(spec: &ExecSpec, ctx: &RunCtx, adds: u64) {
    if adds == 0 || matches!(spec.kind, ExecKind::Process | ExecKind::Cloud) {
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
        assert_eq!((s.kind, s.workers()), (ExecKind::Threads, 10));
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
