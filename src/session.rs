//! A session: one scenario's workload made ready (its server started, its URLs checked) and its
//! runs executed, recording one trace.

use crate::error::Error;
use crate::exec::{execute, Env, ExecKind, ExecSpec, RunCtx, Stop, Variant};
use crate::instrument::Recorder;
use crate::scenario::{Scenario, SegmentSpec, Target};
use crate::trace::Trace;
use crate::workload::http::{check_url, Blocking};
use crate::workload::server::{Server, ServerConfig};
use crate::workload::{Segment, Task};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The loopback server's answer time when neither the user nor the lesson sets one.
pub const DEFAULT_LATENCY_MS: u64 = 100;

/// What a user can set about a scenario's runs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub executors: Option<Vec<ExecSpec>>,
    pub tasks: Option<u32>,
    /// The loopback server's answer time: this, else the lesson's, else 100 ms.
    pub latency_ms: Option<u64>,
    pub jitter_ms: u64,
    pub seed: u64,
    pub urls: Vec<String>,
    pub size: Option<u64>,
    pub port: u16,
    pub env: Env,
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
    pub fn prepare(mut scenario: Scenario, options: Options) -> Result<Session, Error> {
        crate::workload::raise_fd_limit();
        for (g, group) in scenario.groups.iter_mut().enumerate() {
            group.count = match (options.tasks, group.count_up_to) {
                (Some(n), _) => n,
                (None, Some(to)) => {
                    pick(options.seed, &[g as u64], group.count as u64, to as u64) as u32
                }
                (None, None) => group.count,
            };
            group.count_up_to = None;
            for segment in &mut group.segments {
                if let (SegmentSpec::Cpu { n, .. }, Some(size)) = (segment, options.size) {
                    *n = size;
                }
            }
        }
        let runs = options
            .executors
            .clone()
            .unwrap_or_else(|| scenario.executors.clone());
        if scenario.groups.iter().any(|g| g.arrive_ms != (0, None)) {
            if let Some(spec) = runs
                .iter()
                .find(|s| matches!(s.kind, ExecKind::Async | ExecKind::Rayon))
            {
                return Err(Error::BadExecutor {
                    spec: spec.kind.name().to_string(),
                    why: "it starts every task at once, and this lesson's tasks arrive over time (arrive_ms): use sync, threads, process or cloud".into(),
                });
            }
        }
        let mut env = options.env;
        if let Some(platform) = scenario.cloud {
            env.cloud = platform;
        }
        let lesson_urls: Vec<String> = scenario
            .segments()
            .filter_map(|s| match s {
                SegmentSpec::Http(Target::Url(u)) => Some(u.clone()),
                _ => None,
            })
            .collect();
        check_urls(&options.urls, env.http_timeout)?;
        check_urls(&lesson_urls, env.http_timeout)?;
        let server = if scenario.uses_loopback() && options.urls.is_empty() {
            Some(Server::start(ServerConfig {
                port: options.port,
                latency_ms: options
                    .latency_ms
                    .or(scenario.latency_ms)
                    .unwrap_or(DEFAULT_LATENCY_MS),
                jitter_ms: options.jitter_ms,
                seed: options.seed,
                concurrency: scenario.server_concurrency,
            })?)
        } else {
            None
        };
        let tasks = make_tasks(&scenario, server.as_ref(), &options.urls, options.seed);
        Ok(Session {
            scenario,
            runs,
            tasks,
            env: Arc::new(env),
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
                let mut meta = spec.meta(self.tasks.len() as u32);
                meta.queues = self.scenario.queues.clone();
                if spec.kind == ExecKind::Cloud {
                    meta.model = Some(self.env.cloud.words());
                }
                let run = recorder.add_run(meta);
                let ctx = RunCtx {
                    stop: stop.clone(),
                    shared: Arc::new(crate::exec::Shared {
                        queues: self
                            .scenario
                            .queues
                            .iter()
                            .enumerate()
                            .map(|(i, q)| {
                                crate::exec::queue::Queue::new(q.capacity, q.start)
                                    .marked(run, i as u32)
                            })
                            .collect(),
                        ..Default::default()
                    }),
                    guard: match spec.variant {
                        Some(v @ (Variant::Lock | Variant::Atomic)) => v,
                        _ => Variant::Unprotected,
                    },
                    ..RunCtx::new(run, dispatch.clone(), recorder, self.env.clone())
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
        let mut recorder = Recorder::new(&self.scenario.name);
        let started = self.start(&mut recorder, Order::OneByOne);
        while !started.finished() {
            recorder.drain();
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(started);
        recorder.into_trace()
    }
}

/// The lesson's tasks, numbered from 0 across its groups: loopback requests go to the server
/// (a page per task) or, with `--url`, to those URLs taken in turn.
/// Durations given as ranges are picked with the seed, the same for the same seed and task.
fn make_tasks(
    scenario: &Scenario,
    server: Option<&Server>,
    urls: &[String],
    seed: u64,
) -> Vec<Task> {
    let mut tasks = Vec::with_capacity(scenario.task_count() as usize);
    for group in &scenario.groups {
        for k in 0..group.count as u64 {
            let id = tasks.len() as u32;
            let segments = group
                .segments
                .iter()
                .enumerate()
                .map(|(s, spec)| match spec {
                    SegmentSpec::Cpu { n, step, offload } => {
                        let n = n.saturating_add(step.saturating_mul(k));
                        if *offload {
                            Segment::Offload { n }
                        } else {
                            Segment::Cpu { n }
                        }
                    }
                    SegmentSpec::Sleep { ms, up_to: None } => Segment::Sleep { ms: *ms },
                    SegmentSpec::Sleep {
                        ms,
                        up_to: Some(to),
                    } => Segment::Sleep {
                        ms: pick(seed, &[1 << 32 | id as u64, s as u64], *ms, *to),
                    },
                    SegmentSpec::Add { times } => Segment::Add { times: *times },
                    SegmentSpec::Put { queue } => Segment::Put { queue: *queue },
                    SegmentSpec::Get { queue } => Segment::Get { queue: *queue },
                    SegmentSpec::Http(Target::Url(url)) => Segment::Http { url: url.clone() },
                    SegmentSpec::Http(Target::Loopback) => Segment::Http {
                        url: match server {
                            Some(server) => server.url(&format!("t/{id}")),
                            None => urls[id as usize % urls.len()].clone(),
                        },
                    },
                })
                .collect();
            let arrive_ms = match group.arrive_ms {
                (ms, None) => ms,
                (from, Some(to)) => pick(seed, &[2 << 32 | id as u64], from, to),
            };
            tasks.push(Task {
                id,
                segments,
                arrive_ms,
            });
        }
    }
    tasks
}

/// A number in `from..=to` fixed by the seed and `what` (which group, task, segment).
fn pick(seed: u64, what: &[u64], from: u64, to: u64) -> u64 {
    let h = what
        .iter()
        .fold(seed ^ 0x5eed, |h, &w| crate::workload::splitmix64(h ^ w));
    from + h % (to - from).saturating_add(1)
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
