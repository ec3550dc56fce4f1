//! A session: one scenario's workload made ready (its server started, its URLs checked) and its
//! runs executed, recording one trace.

use crate::error::Error;
use crate::exec::{execute, Env, ExecSpec, RunCtx, Stop};
use crate::instrument::Recorder;
use crate::scenario::{Scenario, WorkloadKind};
use crate::trace::Trace;
use crate::workload::cpu::DEFAULT_SIZE;
use crate::workload::http::{check_url, Blocking};
use crate::workload::server::{Server, ServerConfig};
use crate::workload::{cpu_tasks, io_tasks, Task};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What a user can set about a scenario's runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub executors: Option<Vec<ExecSpec>>,
    pub tasks: Option<u32>,
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub seed: u64,
    pub urls: Vec<String>,
    pub size: Option<u64>,
    pub port: u16,
    pub env: Env,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            executors: None,
            tasks: None,
            latency_ms: 100,
            jitter_ms: 0,
            seed: 0,
            urls: Vec::new(),
            size: None,
            port: 0,
            env: Env::default(),
        }
    }
}

/// A scenario ready to run.
pub struct Session {
    pub scenario: Scenario,
    pub runs: Vec<ExecSpec>,
    pub tasks: Vec<Task>,
    pub env: Arc<Env>,
    /// The loopback server, kept alive for the session.
    pub server: Option<Server>,
}

/// How a session's runs share the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// All at once: watch them race (I/O-bound lessons).
    Together,
    /// One after another, each from its own t = 0: honest timings (CPU-bound lessons).
    OneByOne,
}

/// Runs under way; dropping it stops them and waits for them.
pub struct Started {
    stop: Stop,
    threads: Vec<JoinHandle<()>>,
}

impl Started {
    pub fn finished(&self) -> bool {
        self.threads.iter().all(JoinHandle::is_finished)
    }

    /// Stop every run (worker processes are killed) and wait for their threads.
    pub fn stop(mut self) {
        self.stop.request();
        self.join();
    }

    fn join(&mut self) {
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a run's thread panicked");
            }
        }
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.stop.request();
            self.join();
        }
    }
}

impl Session {
    pub fn prepare(scenario: Scenario, options: Options) -> Result<Session, Error> {
        crate::workload::raise_fd_limit();
        let count = options.tasks.unwrap_or(scenario.default_tasks);
        let runs = options
            .executors
            .clone()
            .unwrap_or_else(|| scenario.default_executors());
        let mut server = None;
        let tasks = match scenario.workload {
            WorkloadKind::Cpu => cpu_tasks(count, options.size.unwrap_or(DEFAULT_SIZE)),
            WorkloadKind::Io if options.urls.is_empty() => {
                let started = Server::start(ServerConfig {
                    port: options.port,
                    latency_ms: options.latency_ms,
                    jitter_ms: options.jitter_ms,
                    seed: options.seed,
                })?;
                let urls: Vec<String> =
                    (0..count).map(|i| started.url(&format!("t/{i}"))).collect();
                server = Some(started);
                io_tasks(count, &urls)
            }
            WorkloadKind::Io => {
                check_urls(&options.urls, options.env.http_timeout)?;
                io_tasks(count, &options.urls)
            }
        };
        Ok(Session {
            scenario,
            runs,
            tasks,
            env: Arc::new(options.env),
            server,
        })
    }

    /// Register every run with `recorder` and start them; the recorder must be drained while
    /// they go (the UI does it once per frame).
    pub fn start(&self, recorder: &mut Recorder, order: Order) -> Started {
        let stop = Stop::default();
        let dispatch = recorder.dispatch();
        let jobs: Vec<(ExecSpec, RunCtx)> = self
            .runs
            .iter()
            .map(|spec| {
                let run = recorder.add_run(spec.meta(self.tasks.len() as u32));
                let ctx = RunCtx {
                    run,
                    dispatch: dispatch.clone(),
                    sink: recorder.sink(),
                    clock: recorder.clock(),
                    env: self.env.clone(),
                    stop: stop.clone(),
                };
                (*spec, ctx)
            })
            .collect();
        let spawn = |name: String, jobs: Vec<(ExecSpec, RunCtx)>, tasks: Vec<Task>| {
            std::thread::Builder::new()
                .name(name)
                .spawn(move || {
                    for (spec, ctx) in jobs {
                        if !ctx.stopped() {
                            execute(&spec, &ctx, tasks.clone());
                        }
                    }
                })
                .expect("cannot start a run thread")
        };
        let threads = match order {
            Order::OneByOne => vec![spawn("runwait-runs".into(), jobs, self.tasks.clone())],
            Order::Together => jobs
                .into_iter()
                .map(|job| {
                    spawn(
                        format!("runwait-run-{}", job.1.run),
                        vec![job],
                        self.tasks.clone(),
                    )
                })
                .collect(),
        };
        Started { stop, threads }
    }

    /// Every run one after another, each from its own t = 0 (honest timings).
    pub fn run_one_by_one(&self) -> Trace {
        let mut recorder = Recorder::new(self.scenario.name);
        let started = self.start(&mut recorder, Order::OneByOne);
        while !started.finished() {
            recorder.drain();
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(started);
        recorder.into_trace()
    }
}

/// Malformed URLs, and servers that do not answer, are errors before anything runs.
fn check_urls(urls: &[String], timeout: Duration) -> Result<(), Error> {
    for url in urls {
        check_url(url).map_err(|why| Error::BadUrl {
            url: url.clone(),
            why,
        })?;
    }
    let client = Blocking::new(timeout);
    let mut seen = std::collections::HashSet::new();
    for url in urls.iter().filter(|u| seen.insert(*u)) {
        client.get(url).map_err(|why| Error::NoAnswer {
            url: url.clone(),
            why,
        })?;
    }
    Ok(())
}
