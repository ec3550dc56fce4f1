//! A plan: one lesson's workload made ready to run (its tasks made, its server started, its
//! URLs checked) and its runs described, with what the user changed of it.

use super::scenario::{Scenario, SegmentSpec, Target};
use crate::error::Error;
use crate::exec::{Env, ExecSpec};
use crate::trace::limits::{self, MAX_TASKS};
use crate::trace::{Role, RunMeta, Settings};
use crate::workload::http::{check_url, Blocking};
use crate::workload::server::{Server, ServerConfig};
use crate::workload::{Segment, Task};
use std::sync::Arc;
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
    /// Every task arrives at once, whatever the lesson says (a what-if).
    pub arrivals_at_once: bool,
    /// Run the articles' own programs under a real CPython beside the runs that have one
    /// (`--cpython`).
    pub cpython: Option<super::cpython::Ask>,
    /// The order asked for (`--together`, `--one-by-one`; headless runs go one by one), else
    /// the lesson's.
    pub order: Option<super::Order>,
    /// The CPython the emulated GIL's switching models (`--python`), else the lesson's, else
    /// 3.12.
    pub python: Option<crate::exec::Switching>,
    /// Trials of a race (`--trials`), else the lesson's, else 1.
    pub trials: Option<u32>,
    /// Every `add` segment's count (`--adds`).
    pub adds: Option<u32>,
    /// How many times headless runs run the lesson over (`--repeat`), else the lesson's.
    pub repeats: Option<u32>,
    /// Predict, then run (`--predict`): each set's questions are put in the trace before it
    /// runs.
    pub predict: bool,
}

/// A lesson ready to run.
pub struct Plan {
    /// The lesson as written and the options it is run with: a what-if starts from them.
    pub lesson: Scenario,
    pub options: Options,
    /// The lesson as it runs (its counts picked, its sizes set).
    pub scenario: Scenario,
    pub runs: Vec<ExecSpec>,
    pub tasks: Vec<Task>,
    pub env: Arc<Env>,
    /// The loopback server, kept alive while the plan is.
    pub server: Option<Server>,
    /// The real programs run beside the runs (`--cpython`).
    pub cpython: Option<super::cpython::Cpython>,
    /// The order its runs go in, decided here once: one by one beside real programs (honest
    /// timings), else as asked, else as the lesson says.
    pub order: super::Order,
    /// For each run, the trace's run it keeps instead of running again (a what-if's run whose
    /// settings did not change), if any.
    pub kept: Vec<Option<u32>>,
    /// How many times a headless run runs it over, the median shown: as asked, else as the
    /// lesson says, else once.
    pub repeats: u32,
}

impl Plan {
    pub fn prepare(mut scenario: Scenario, mut options: Options) -> Result<Plan, Error> {
        crate::workload::raise_fd_limit();
        let lesson = scenario.clone();
        if options.cpython.is_some() {
            if !options.urls.is_empty() {
                return Err(Error::Usage(
                    "--cpython runs the real programs against the loopback server: leave out --url"
                        .into(),
                ));
            }
            options.size = options.size.or(super::cpython::default_size(&scenario));
        }
        fit_groups(&mut scenario, &options);
        let runs = options
            .executors
            .clone()
            .unwrap_or_else(|| scenario.executors.clone());
        within_bounds(&scenario, &runs)?;
        arrivals_taken(&scenario, &runs)?;
        let mut env = env_for(&scenario, &options);
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
        within_trials(&tasks, &env)?;
        env.loopback = server.as_ref().map(Server::addr);
        env.in_flight = in_flight(&tasks, server.as_ref());
        let cpython = match &options.cpython {
            Some(ask) => Some(super::cpython::prepare(
                ask,
                &scenario.name,
                &runs,
                (&tasks, env.trials),
                server.as_ref().map(|s| s.url("t/")).as_deref(),
            )?),
            None => None,
        };
        let order = match (&cpython, options.order) {
            (Some(_), _) => super::Order::OneByOne,
            (None, Some(order)) => order,
            (None, None) => scenario.order,
        };
        Ok(Plan {
            order,
            repeats: options.repeats.or(lesson.repeats).unwrap_or(1),
            lesson,
            options,
            scenario,
            runs,
            tasks,
            env: Arc::new(env),
            server,
            cpython,
            kept: Vec::new(),
        })
    }

    /// The same plan, its runs in `order` (tests and benches).
    pub fn in_order(self, order: super::Order) -> Plan {
        Plan { order, ..self }
    }

    /// What each run is, as it joins a trace: its executor's description, with the plan's
    /// tasks and queues, in set `set`.
    pub fn metas(&self, set: u32) -> Vec<RunMeta> {
        let mut metas: Vec<RunMeta> = self
            .runs
            .iter()
            .map(|spec| RunMeta {
                tasks: self.tasks.len() as u32 * self.trials(spec),
                queues: self.scenario.queues.clone(),
                roles: self.roles(),
                point: self.scenario.verdict,
                settings: self.settings(spec),
                set,
                ..spec.describe(&self.env)
            })
            .collect();
        // Runs that would read alike (a lesson comparing pool sizes) are told apart by size.
        let labels: Vec<String> = metas.iter().map(|m| m.label.clone()).collect();
        for meta in &mut metas {
            if labels.iter().filter(|l| **l == meta.label).count() > 1 {
                meta.label = format!("{} × {}", meta.label, meta.workers);
            }
        }
        metas
    }

    /// The real runs beside run `i` of `metas` (its emulated run, run `beside` of the trace), if
    /// it has any (`--cpython`): which interpreter's, and what each is.
    pub fn real_metas(&self, i: usize, beside: u32, emulated: &RunMeta) -> Vec<(usize, RunMeta)> {
        let Some(cpython) = self.cpython.as_ref() else {
            return Vec::new();
        };
        let reals = cpython.reals.iter().enumerate();
        reals
            .filter(|(_, real)| real.programs.get(i).is_some_and(Option::is_some))
            .map(|(k, real)| {
                let python = &real.python;
                let meta =
                    super::cpython::meta((beside, emulated), &self.runs[i], python, cpython.hz);
                (k, meta)
            })
            .collect()
    }

    /// The questions asked before set `set`'s runs, `ids` their runs in the trace (`None`: a
    /// run kept from the set before, not run again, so not asked of).
    pub fn questions(&self, set: u32, ids: &[Option<u32>]) -> Vec<crate::trace::Question> {
        use super::questions::{at_once, Planned, Words};
        let tasks = self.tasks.len() as u32;
        let planned: Vec<Planned> = (self.runs.iter().zip(self.metas(set)))
            .zip(ids)
            .map(|((spec, meta), &run)| Planned {
                spec: *spec,
                label: meta.label.clone(),
                baseline: meta.baseline,
                at_once: at_once(spec, meta.lane_kind, tasks),
                run,
            })
            .collect();
        let adds = |t: &Task| -> u64 {
            (t.segments.iter())
                .map(|s| match s {
                    Segment::Add { times } => *times as u64,
                    _ => 0,
                })
                .sum()
        };
        let words = Words {
            tasks: tasks as u64,
            adds: self.tasks.first().map_or(0, adds),
            updates: self.tasks.iter().map(adds).sum(),
            trials: self.env.trials,
        };
        super::questions::questions(&self.scenario.questions, &planned, &words, set)
    }

    /// The runs set `set`'s runs will be in the trace, the first at `first`: each of its own
    /// (followed by its real programs' runs), or `None` where it keeps a run of the set before.
    pub fn run_ids(&self, set: u32, first: u32) -> Vec<Option<u32>> {
        let mut next = first;
        let metas = self.metas(set);
        (0..self.runs.len())
            .map(|i| {
                if let Some(&Some(_)) = self.kept.get(i) {
                    next += 1;
                    return None;
                }
                let id = next;
                next += 1 + self.real_metas(i, id, &metas[i]).len() as u32;
                Some(id)
            })
            .collect()
    }

    /// How many times a run of `spec` runs the tasks: its trials of a race, if its executor
    /// runs them.
    pub fn trials(&self, spec: &ExecSpec) -> u32 {
        match spec.executor.runs_trials() {
            true => crate::exec::pool::trials(&self.env, &self.tasks),
            false => 1,
        }
    }

    /// What a run of `spec` runs with: the server's latency (if the lesson uses it), the seed,
    /// the GIL's switch interval (for a run with the GIL).
    fn settings(&self, spec: &ExecSpec) -> Settings {
        let latency = self.server.as_ref().map(|_| {
            let o = &self.options;
            o.latency_ms
                .or(self.lesson.latency_ms)
                .unwrap_or(DEFAULT_LATENCY_MS)
        });
        let gil = spec.describe(&self.env).gil;
        Settings {
            latency_ms: latency,
            jitter_ms: self.options.jitter_ms,
            switch_ms: gil.then(|| self.env.switch_interval.as_millis() as u64),
            switching: gil.then(|| self.env.switching.to_string()),
            trials: Some(self.trials(spec)).filter(|&t| t > 1),
            seed: self.options.seed,
        }
    }

    /// The roles of the lesson's task groups, by task number.
    fn roles(&self) -> Vec<Role> {
        let mut first = 0;
        let mut roles = Vec::new();
        for group in &self.scenario.groups {
            if let Some(name) = &group.role {
                roles.push(Role {
                    name: name.clone(),
                    first,
                    count: group.count,
                });
            }
            first += group.count;
        }
        roles
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

/// The bound on requests in flight, if the tasks make requests elsewhere than the loopback
/// server (those each take a socket; requests to the loopback server share one) and there
/// are more tasks than the open-file limit lets make requests at once.
fn in_flight(tasks: &[Task], server: Option<&Server>) -> Option<u32> {
    let loopback = server.map(|s| s.url(""));
    bound(
        tasks,
        loopback.as_deref(),
        crate::workload::fd_budget().in_flight,
    )
}

/// `most`, if more `tasks` than that make requests to URLs outside `loopback`.
fn bound(tasks: &[Task], loopback: Option<&str>, most: u32) -> Option<u32> {
    let elsewhere = tasks.iter().flat_map(|t| &t.segments).any(|s| match s {
        Segment::Http { url } => loopback.is_none_or(|l| !url.starts_with(l)),
        _ => false,
    });
    (elsewhere && tasks.len() > most as usize).then_some(most)
}

/// The lesson's groups as the options ask: how many tasks, arriving when, of what size.
fn fit_groups(scenario: &mut Scenario, options: &Options) {
    for (g, group) in scenario.groups.iter_mut().enumerate() {
        group.count = match (options.tasks, group.count_up_to) {
            (Some(n), _) => n,
            (None, Some(to)) => {
                pick(options.seed, &[g as u64], group.count as u64, to as u64) as u32
            }
            (None, None) => group.count,
        };
        group.count_up_to = None;
        if options.arrivals_at_once {
            group.arrive_ms = (0, None);
        }
        for segment in &mut group.segments {
            match (segment, options.size, options.adds) {
                (SegmentSpec::Cpu { n, .. }, Some(size), _) => *n = size,
                (SegmentSpec::Add { times }, _, Some(adds)) => *times = adds,
                _ => {}
            }
        }
    }
}

/// What the runs need besides their tasks: the options', with the lesson's cloud platform, the
/// CPython whose switching the GIL models and the trials of a race (the options' first).
fn env_for(scenario: &Scenario, options: &Options) -> Env {
    let mut env = options.env.clone();
    if let Some(platform) = scenario.cloud {
        env.cloud = platform;
    }
    env.switching = options.python.or(scenario.python).unwrap_or_default();
    env.trials = options.trials.or(scenario.trials).unwrap_or(1);
    env
}

/// A race's trials are held to the bound on tasks: tasks x trials.
fn within_trials(tasks: &[Task], env: &Env) -> Result<(), Error> {
    let all = tasks.len() as u64 * env.trials as u64;
    match limits::over("the number of tasks in all trials", all, MAX_TASKS as u64) {
        Some(why) => Err(Error::Usage(why)),
        None => Ok(()),
    }
}

/// A lesson whose tasks arrive over time (`arrive_ms`) is run only by executors that take
/// arrivals; the error names those the registry has.
fn arrivals_taken(scenario: &Scenario, runs: &[ExecSpec]) -> Result<(), Error> {
    if scenario.groups.iter().all(|g| g.arrive_ms == (0, None)) {
        return Ok(());
    }
    match runs.iter().find(|s| !s.executor.takes_arrivals()) {
        Some(spec) => Err(Error::BadExecutor {
            spec: spec.executor.name().to_string(),
            why: format!(
                "it starts every task at once, and this lesson's tasks arrive over time \
                 (arrive_ms): use {}",
                crate::exec::names_of(|e| e.takes_arrivals())
            ),
        }),
        None => Ok(()),
    }
}

/// What the options made of a lesson is held to the bounds its file is ([`limits`]): `--tasks`
/// sets every group's count, `--size` every `cpu`.
fn within_bounds(scenario: &Scenario, runs: &[ExecSpec]) -> Result<(), Error> {
    let tasks: u64 = scenario.groups.iter().map(|g| g.count as u64).sum();
    let segments: u64 = scenario
        .groups
        .iter()
        .map(|g| g.count as u64 * g.segments.len() as u64)
        .sum();
    let largest_cpu = scenario.groups.iter().flat_map(|g| {
        g.segments.iter().filter_map(move |s| match s {
            SegmentSpec::Cpu { n, step, .. } => {
                let last = step.checked_mul(g.count.saturating_sub(1) as u64);
                Some(last.and_then(|l| l.checked_add(*n)).unwrap_or(u64::MAX))
            }
            _ => None,
        })
    });
    let why = limits::over(
        "the number of runs",
        runs.len() as u64,
        limits::MAX_RUNS as u64,
    )
    .or_else(|| limits::over("the number of tasks in all", tasks, MAX_TASKS as u64))
    .or_else(|| {
        let what = "the number of segments in all (tasks x segments)";
        limits::over(what, segments, limits::MAX_SEGMENTS)
    })
    .or_else(|| {
        let largest = largest_cpu.max().unwrap_or(0);
        limits::over(
            "the last task's cpu (cpu + step x k)",
            largest,
            limits::MAX_SIZE,
        )
    });
    match why {
        Some(why) => Err(Error::Usage(format!("{}: {why}", scenario.name))),
        None => Ok(()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> Task {
        Task {
            id: 0,
            segments: vec![Segment::Http { url: url.into() }],
            arrive_ms: 0,
        }
    }

    #[test]
    fn requests_elsewhere_are_bounded_by_the_open_file_limit() {
        let loopback = Some("http://127.0.0.1:9/");
        let mine = vec![get("http://127.0.0.1:9/t/0"); 10];
        assert_eq!(
            bound(&mine, loopback, 4),
            None,
            "one connection carries them all"
        );
        let theirs = vec![get("http://example.com/"); 10];
        assert_eq!(bound(&theirs, loopback, 4), Some(4));
        assert_eq!(bound(&theirs, loopback, 10), None, "no more than allowed");
    }
}
