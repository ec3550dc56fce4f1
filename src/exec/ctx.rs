//! What executors need besides their tasks: the run's connection to the instrumentation, its
//! stop flag, the settings that are not the workload's (timeouts, the GIL's switch interval,
//! the cloud platform), and the memory its tasks share.

use super::gil::DEFAULT_SWITCH_INTERVAL;
use super::notes::Notes;
use super::shared::Shared;
use super::switching::Switching;
use super::variant::Variant;
use crate::instrument::{Clock, Recorder, Sink};
use serde::Deserialize;
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tracing::Dispatch;

/// What executors need besides their tasks.
#[derive(Clone, Debug)]
pub struct Env {
    pub http_timeout: Duration,
    pub switch_interval: Duration,
    /// The program started as a worker process (the runwait binary).
    pub worker_program: PathBuf,
    /// How the `cloud` executor's platform behaves.
    pub cloud: Platform,
    /// The most requests in flight at once that the open-file limit allows, when a run's
    /// tasks would have more (an event loop holds the rest back, and its title says so).
    pub in_flight: Option<u32>,
    /// The loopback server's address, if the lesson has one: it also speaks HTTP/2, and the
    /// event loop multiplexes its requests to it over one connection.
    pub loopback: Option<std::net::SocketAddr>,
    /// The CPython whose thread switching the emulated GIL models (where a switch may fall).
    pub switching: Switching,
    /// How many times a pool runs a race (tasks adding to the shared counter), one trial after
    /// another, to count the trials that lost updates.
    pub trials: u32,
}

impl Default for Env {
    fn default() -> Env {
        Env {
            http_timeout: Duration::from_secs(10),
            switch_interval: DEFAULT_SWITCH_INTERVAL,
            worker_program: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("runwait")),
            cloud: Platform::default(),
            in_flight: None,
            loopback: None,
            switching: Switching::default(),
            trials: 1,
        }
    }
}

/// How the cloud platform behaves (a lesson's `[cloud]` table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Platform {
    /// A cold start's runtime loading (the interpreter, the imports), after the process starts.
    pub init_ms: u64,
    /// How long an idle instance is kept warm before it is reclaimed.
    pub keep_warm_ms: u64,
    /// A request's time limit: past it the request is thrown away.
    pub timeout_ms: u64,
}

impl Default for Platform {
    fn default() -> Platform {
        Platform {
            init_ms: 250,
            keep_warm_ms: 1_000,
            timeout_ms: 3_000,
        }
    }
}

impl Platform {
    pub fn ms(&self) -> impl Iterator<Item = u64> {
        [self.init_ms, self.keep_warm_ms, self.timeout_ms].into_iter()
    }

    /// What is a model, in words for the screen.
    pub fn words(&self) -> String {
        format!(
            "modelled: instances are local processes, a cold start loads for {} ms, idle ones kept {} ms, limit {} ms a request",
            self.init_ms, self.keep_warm_ms, self.timeout_ms
        )
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
    /// Why tasks failed or were lost, for the summary after the runs.
    pub notes: Notes,
    /// How many workers the run has (its spec's), to judge how fast each can go.
    pub workers: u32,
    /// Why the run failed, once something it needed could not be had ([`RunCtx::fail`]).
    pub failure: Arc<OnceLock<String>>,
}

impl RunCtx {
    /// A run registered with `recorder` as `run`, marking through `dispatch`, with the
    /// defaults: its own stop flag, an empty shared memory, unprotected adds.
    pub fn new(run: u32, dispatch: Dispatch, recorder: &Recorder, env: Arc<Env>) -> RunCtx {
        RunCtx {
            run,
            dispatch,
            sink: recorder.sink(),
            clock: recorder.clock(),
            env,
            stop: Stop::default(),
            shared: Arc::default(),
            guard: Variant::Unprotected,
            notes: Notes::default(),
            workers: 1,
            failure: Arc::default(),
        }
    }

    /// Whether the run is to end: a stop was asked for, or the run failed.
    pub fn stopped(&self) -> bool {
        self.stop.requested() || self.failure.get().is_some()
    }

    /// End the run for want of something it needed (a thread, a process, a runtime), and say
    /// why: no task starts after this, and those not ended count as not run. The first reason
    /// is the one kept.
    pub fn fail(&self, why: String) {
        if self.failure.set(why.clone()).is_ok() {
            tracing::error!(run = self.run, "the run failed: {why}");
            let halt = crate::trace::Halt::Failed(why);
            self.sink.send(crate::instrument::Msg::Halt {
                run: self.run,
                halt,
            });
        }
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
