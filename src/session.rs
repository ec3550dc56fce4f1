//! A session: one scenario's workload made ready (its server started, its URLs checked) and its
//! runs executed, recording one trace.

use crate::error::Error;
use crate::exec::{execute, Env, ExecSpec, RunCtx};
use crate::instrument::Recorder;
use crate::scenario::{Scenario, WorkloadKind};
use crate::trace::Trace;
use crate::workload::cpu::DEFAULT_SIZE;
use crate::workload::http::{check_url, Blocking};
use crate::workload::server::{Server, ServerConfig};
use crate::workload::{cpu_tasks, io_tasks, Task};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
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
    pub cancel: Arc<AtomicBool>,
}

impl Session {
    pub fn prepare(scenario: Scenario, options: Options) -> Result<Session, Error> {
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
            cancel: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn context(&self, recorder: &Recorder, run: u32) -> RunCtx {
        RunCtx {
            run,
            dispatch: recorder.dispatch(),
            sink: recorder.sink(),
            clock: recorder.clock(),
            env: self.env.clone(),
            cancel: self.cancel.clone(),
        }
    }

    /// Every run one after another, each from its own t = 0 (honest timings).
    pub fn run_one_by_one(&self) -> Trace {
        let mut recorder = Recorder::new(self.scenario.name);
        for spec in &self.runs {
            let run = recorder.add_run(spec.meta(self.tasks.len() as u32));
            let ctx = self.context(&recorder, run);
            let (spec, tasks) = (*spec, self.tasks.clone());
            let handle = std::thread::Builder::new()
                .name(format!("runwait-run-{run}"))
                .spawn(move || execute(&spec, &ctx, tasks))
                .expect("cannot start a run thread");
            while !handle.is_finished() {
                recorder.drain();
                std::thread::sleep(Duration::from_millis(5));
            }
            if handle.join().is_err() {
                tracing::error!(run, "the run's thread panicked");
            }
            recorder.drain();
        }
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
