//! Scenarios: the lessons, as data. Each built-in lesson is a TOML file under
//! `assets/scenarios/`, embedded in the binary; `runwait run path/to/lesson.toml` runs a
//! teacher's own. A lesson names its tasks (groups of identical tasks, each a sequence of CPU
//! and I/O segments) and the executors to compare; an executor knows nothing of lessons.
//!
//! ```toml
//! name = "mixed"
//! point = "what the lesson shows, in one line"
//! executors = ["sync", "threads:4", "async"]
//! order = "together"          # or "one-by-one"; optional
//! latency_ms = 50             # the loopback server's answer time; optional
//! repeats = 3                 # run every executor 3 times headless: the median shown; optional
//! server_concurrency = 10     # it answers at most 10 requests at once; optional
//!
//! [[tasks]]
//! count = 10
//! segments = [{ cpu = 20_000_000 }, { http = "loopback" }, { sleep_ms = 30 }]
//! # count = [1, 10] and sleep_ms = [30, 90] pick from a range with --seed
//! repeat = 2                  # the segments twice over; optional
//! arrive_ms = [0, 500]        # when each task arrives (a seeded pick); optional, default 0
//! role = "grill"              # what these tasks are in the story: lanes are named by it
//! # verdict = "speedup" (the default), "pool-size", "lost-updates", "gil-wait", "loop-ready" or
//! # "cold-starts": what the lesson's point is measured by, at the top of the file
//! # { add = 100 }: add 1 to the run's shared counter 100 times (the race lesson); at the top,
//! # trials = 100 runs such a race 100 times over (sync and thread pools), and python = "3.9"
//! # has the emulated GIL switch threads where CPython 3.9 would (the default: "3.12")
//! # [[questions]]: questions asked before the runs (predict, then run; see `questions`)
//! # [queues] orders = 5, then { put = "orders" } / { get = "orders" }: queues between tasks;
//! # bowls = { capacity = 0, start = 3 } starts with 3 items in it
//! ```

use crate::error::Error;
use crate::exec::ExecSpec;
use crate::ingest::read::{Input, Kind};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// The built-in lessons, in the order `runwait list` shows them.
const BUILTIN: &[(&str, &str)] = &[
    ("io", include_str!("../../assets/scenarios/io.toml")),
    ("cpu", include_str!("../../assets/scenarios/cpu.toml")),
    ("gil", include_str!("../../assets/scenarios/gil.toml")),
    ("starve", include_str!("../../assets/scenarios/starve.toml")),
    ("race", include_str!("../../assets/scenarios/race.toml")),
    ("chefs", include_str!("../../assets/scenarios/chefs.toml")),
    (
        "burgers",
        include_str!("../../assets/scenarios/burgers.toml"),
    ),
    ("salads", include_str!("../../assets/scenarios/salads.toml")),
    (
        "coffees",
        include_str!("../../assets/scenarios/coffees.toml"),
    ),
    (
        "pool-size",
        include_str!("../../assets/scenarios/pool-size.toml"),
    ),
];

/// How a lesson's runs share the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// All at once: watch them race (I/O-bound lessons).
    Together,
    /// One after another, each from its own t = 0: honest timings (CPU-bound lessons).
    OneByOne,
}

/// Where an HTTP segment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The embedded loopback server (or the `--url`s, when given).
    Loopback,
    Url(String),
}

/// One piece of every task of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SegmentSpec {
    /// The sum of `i * i` for `i` below `n + step * k` in the group's task k; with `offload`,
    /// work an event loop may hand to a worker pool (`async/offload`).
    Cpu {
        n: u64,
        step: u64,
        offload: bool,
    },
    Http(Target),
    /// Blocking on a timer for `ms`, or, with `up_to`, a seeded pick from `ms..=up_to`.
    Sleep {
        ms: u64,
        up_to: Option<u64>,
    },
    /// Add 1 to the run's shared counter this many times (the race lesson).
    Add {
        times: u32,
    },
    /// Put an item in the lesson's queue number `queue` (waiting while it is full).
    Put {
        queue: u32,
    },
    /// Take one from it (waiting while it is empty).
    Get {
        queue: u32,
    },
}

/// `count` tasks made of the same segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskGroup {
    pub count: u32,
    /// With it, the count is a seeded pick from `count..=count_up_to` (`--seed`).
    pub count_up_to: Option<u32>,
    pub segments: Vec<SegmentSpec>,
    /// When its tasks arrive, in ms after the run starts: `(from, Some(to))` a seeded pick per
    /// task.
    pub arrive_ms: (u64, Option<u64>),
    /// What its tasks are in the lesson's story (`grill`, `washer`): lanes are named by it.
    pub role: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    /// The lesson in one line.
    pub point: String,
    pub source: String,
    pub executors: Vec<ExecSpec>,
    /// How the UI starts the runs; by default together when no task computes, else one by one.
    pub order: Order,
    pub latency_ms: Option<u64>,
    /// How many requests the loopback server answers at once (a model of a real site's
    /// capacity; unlimited when unset).
    pub server_concurrency: Option<u32>,
    /// Queues joining the tasks: name and capacity (0: no bound).
    pub queues: Vec<crate::trace::QueueMeta>,
    /// The cloud platform's settings, for `cloud` runs.
    pub cloud: Option<crate::exec::Platform>,
    /// What the lesson's point is measured by: its verdict says it.
    pub verdict: crate::trace::Point,
    /// The CPython whose thread switching the emulated GIL models (`python = "3.9"`).
    pub python: Option<crate::exec::Switching>,
    /// How many times a pool runs a race on the shared counter (`trials = 100`).
    pub trials: Option<u32>,
    /// How many times headless runs run it over (the median shown, the spread in the table);
    /// `--repeat` overrides it.
    pub repeats: Option<u32>,
    pub groups: Vec<TaskGroup>,
    /// The lesson's own questions, asked before its runs (predict, then run).
    pub questions: Vec<super::questions::LessonQuestion>,
}

impl Scenario {
    pub fn task_count(&self) -> u32 {
        self.groups.iter().map(|g| g.count).sum()
    }

    pub fn uses_loopback(&self) -> bool {
        self.segments()
            .any(|s| matches!(s, SegmentSpec::Http(Target::Loopback)))
    }

    pub fn segments(&self) -> impl Iterator<Item = &SegmentSpec> {
        self.groups.iter().flat_map(|g| &g.segments)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile {
    name: String,
    point: String,
    #[serde(default)]
    source: String,
    executors: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    order: Option<Spanned<String>>,
    #[serde(default)]
    latency_ms: Option<Spanned<u64>>,
    #[serde(default)]
    server_concurrency: Option<Spanned<u32>>,
    /// name = capacity (0: no bound).
    #[serde(default)]
    queues: Option<Spanned<toml::map::Map<String, toml::Value>>>,
    /// How the `cloud` executor's platform behaves.
    #[serde(default)]
    cloud: Option<Spanned<crate::exec::Platform>>,
    /// What the lesson's point is measured by.
    #[serde(default)]
    verdict: crate::trace::Point,
    /// The CPython whose switching the emulated GIL models: `"3.12"`, `"3.9"`.
    #[serde(default)]
    python: Option<Spanned<String>>,
    /// How many times a pool runs a race on the shared counter.
    #[serde(default)]
    trials: Option<Spanned<u32>>,
    /// Run it this many times over (headless), the median shown.
    #[serde(default)]
    repeats: Option<Spanned<u32>>,
    tasks: Spanned<Vec<GroupFile>>,
    /// The lesson's own questions (see `questions`).
    #[serde(default)]
    questions: Option<Spanned<Vec<Spanned<super::questions::QuestionFile>>>>,
}

/// A number, or a range `[low, high]` to pick from with the seed.
#[derive(Clone, Copy)]
enum Amount<T> {
    One(T),
    Range([T; 2]),
}

/// What an [`Amount`] is, for the error when a lesson gives something else.
const AMOUNT: &str = "a whole number from 0 up, or a range [low, high] of them";

/// Said as [`AMOUNT`] when it is anything else (`"ten"`, `-1`, `1.5`, `nan`).
impl<'de, T: TryFrom<u64>> Deserialize<'de> for Amount<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Amount<T>, D::Error> {
        use serde::de::{Error as _, SeqAccess, Visitor};
        struct Expect<T>(std::marker::PhantomData<T>);
        fn one<T: TryFrom<u64>, E: serde::de::Error>(n: u64) -> Result<T, E> {
            T::try_from(n).map_err(|_| E::custom(format!("{n} is too large: expected {AMOUNT}")))
        }
        impl<'de, T: TryFrom<u64>> Visitor<'de> for Expect<T> {
            type Value = Amount<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(AMOUNT)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Amount<T>, E> {
                one(n).map(Amount::One)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Amount<T>, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!("{n} is negative: expected {AMOUNT}"))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Amount<T>, A::Error> {
                let mut next = || -> Result<Option<T>, A::Error> {
                    match seq.next_element::<i64>()? {
                        Some(n) if n >= 0 => one(n as u64).map(Some),
                        Some(n) => Err(A::Error::custom(format!(
                            "{n} is negative: expected {AMOUNT}"
                        ))),
                        None => Ok(None),
                    }
                };
                match (next()?, next()?, next()?) {
                    (Some(low), Some(high), None) => Ok(Amount::Range([low, high])),
                    _ => Err(A::Error::custom(format!("expected {AMOUNT}"))),
                }
            }
        }
        d.deserialize_any(Expect(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    count: Spanned<Amount<u32>>,
    segments: Spanned<Vec<Spanned<SegmentFile>>>,
    /// The segments one after another this many times.
    #[serde(default)]
    repeat: Option<Spanned<u32>>,
    /// When the group's tasks arrive (ms after the run starts), or a range to pick from.
    #[serde(default)]
    arrive_ms: Option<Spanned<Amount<u64>>>,
    /// What its tasks are in the story.
    #[serde(default)]
    role: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentFile {
    cpu: Option<Spanned<u64>>,
    step: Option<Spanned<u64>>,
    offload: Option<bool>,
    http: Option<String>,
    sleep_ms: Option<Spanned<Amount<u64>>>,
    add: Option<Spanned<u32>>,
    put: Option<String>,
    get: Option<String>,
}

use crate::trace::limits::{
    self, over, HOUR_MS, MAX_ADDS, MAX_QUEUE, MAX_QUEUES, MAX_REPEAT, MAX_REPEATS, MAX_RUNS,
    MAX_SEGMENTS, MAX_SIZE, MAX_TASKS,
};

use super::mistake::{at, Mistake};

/// Read a lesson from its TOML text; `origin` names it in errors (`file:line:col: what`).
pub fn parse(text: &str, origin: &str) -> Result<Scenario, Error> {
    lesson(text).map_err(|m| {
        let (line, col) = m.span.map_or((1, 1), |s| line_col(text, s.start));
        Error::BadLesson {
            place: format!("{origin}:{line}:{col}"),
            why: m.why,
        }
    })
}

fn lesson(text: &str) -> Result<Scenario, Mistake> {
    let file: LessonFile = toml::from_str(text).map_err(|e| Mistake {
        span: e.span(),
        why: e.message().trim().to_string(),
    })?;
    let executors = executors(&file.executors)?;
    let mut queues = Vec::new();
    let table = file.queues.as_ref();
    for (name, value) in table.into_iter().flat_map(|t| t.get_ref()) {
        queues.push(queue(name, value).map_err(|why| Mistake {
            span: table.map(Spanned::span),
            why: format!("queue '{name}': {why}"),
        })?);
    }
    if let Some(why) = over(
        "the number of queues",
        queues.len() as u64,
        MAX_QUEUES as u64,
    ) {
        return Err(at(table.map_or(0..0, Spanned::span), why));
    }
    let groups = groups(&file.tasks, &queues)?;
    let computes = groups
        .iter()
        .flat_map(|g| &g.segments)
        .any(|s| matches!(s, SegmentSpec::Cpu { .. }));
    Ok(Scenario {
        name: file.name,
        point: file.point,
        source: file.source,
        executors: executors.clone(),
        order: order(file.order.as_ref(), computes)?,
        latency_ms: at_most(file.latency_ms.as_ref(), "latency_ms", HOUR_MS)?,
        server_concurrency: server_concurrency(file.server_concurrency.as_ref())?,
        queues,
        cloud: cloud(file.cloud)?,
        verdict: file.verdict,
        python: python(file.python.as_ref())?,
        trials: trials(file.trials.as_ref())?,
        repeats: repeats(file.repeats.as_ref())?,
        questions: super::questions::parse(file.questions.as_ref(), &executors)?,
        groups,
    })
}

fn python(version: Option<&Spanned<String>>) -> Result<Option<crate::exec::Switching>, Mistake> {
    version
        .map(|v| v.get_ref().parse().map_err(|why: String| at(v.span(), why)))
        .transpose()
}

fn trials(n: Option<&Spanned<u32>>) -> Result<Option<u32>, Mistake> {
    match n {
        Some(n) if *n.get_ref() == 0 => Err(at(n.span(), "trials must be at least 1")),
        n => at_most(n, "trials", limits::MAX_TRIALS as u64),
    }
}

/// A number the file may leave out, at most `max`.
fn at_most<T: Copy + Into<u64>>(
    value: Option<&Spanned<T>>,
    what: &str,
    max: u64,
) -> Result<Option<T>, Mistake> {
    match value {
        Some(v) => match over(what, (*v.get_ref()).into(), max) {
            Some(why) => Err(at(v.span(), why)),
            None => Ok(Some(*v.get_ref())),
        },
        None => Ok(None),
    }
}

/// `repeats = N`: from 1 to [`MAX_REPEATS`].
fn repeats(n: Option<&Spanned<u32>>) -> Result<Option<u32>, Mistake> {
    match n {
        Some(n) if *n.get_ref() == 0 => Err(at(n.span(), "repeats must be at least 1")),
        n => at_most(n, "repeats", MAX_REPEATS as u64),
    }
}

fn server_concurrency(n: Option<&Spanned<u32>>) -> Result<Option<u32>, Mistake> {
    match n {
        Some(n) if *n.get_ref() == 0 => Err(at(n.span(), "server_concurrency must be at least 1")),
        n => at_most(n, "server_concurrency", MAX_TASKS as u64),
    }
}

fn executors(list: &Spanned<Vec<Spanned<String>>>) -> Result<Vec<ExecSpec>, Mistake> {
    let executors = list
        .get_ref()
        .iter()
        .map(|e| {
            e.get_ref()
                .parse::<ExecSpec>()
                .map_err(|x| at(e.span(), x.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if executors.is_empty() {
        return Err(at(list.span(), "a lesson compares at least one executor"));
    }
    if let Some(why) = over("executors", executors.len() as u64, MAX_RUNS as u64) {
        return Err(at(list.span(), format!("{why} (runs compared at once)")));
    }
    Ok(executors)
}

fn groups(
    tasks: &Spanned<Vec<GroupFile>>,
    queues: &[crate::trace::QueueMeta],
) -> Result<Vec<TaskGroup>, Mistake> {
    let groups = tasks
        .get_ref()
        .iter()
        .map(|g| group(g, queues))
        .collect::<Result<Vec<_>, _>>()?;
    if groups.is_empty() {
        return Err(at(
            tasks.span(),
            "a lesson has at least one [[tasks]] group",
        ));
    }
    let most = |g: &TaskGroup| g.count_up_to.unwrap_or(g.count) as u64;
    let count: u64 = groups.iter().map(most).sum();
    let segments: u64 = groups
        .iter()
        .map(|g| most(g) * g.segments.len() as u64)
        .sum();
    let why = over("the number of tasks in all", count, MAX_TASKS as u64).or_else(|| {
        over(
            "the number of segments in all (tasks x segments x repeat)",
            segments,
            MAX_SEGMENTS,
        )
    });
    match why {
        Some(why) => Err(at(tasks.span(), why)),
        None => Ok(groups),
    }
}

/// The order asked for, else together unless a task computes.
fn order(order: Option<&Spanned<String>>, computes: bool) -> Result<Order, Mistake> {
    match order {
        None if computes => Ok(Order::OneByOne),
        None => Ok(Order::Together),
        Some(o) => match o.get_ref().as_str() {
            "together" => Ok(Order::Together),
            "one-by-one" => Ok(Order::OneByOne),
            other => Err(at(
                o.span(),
                format!("order '{other}' is not 'together' or 'one-by-one'"),
            )),
        },
    }
}

fn cloud(
    table: Option<Spanned<crate::exec::Platform>>,
) -> Result<Option<crate::exec::Platform>, Mistake> {
    match table {
        Some(c) if c.get_ref().timeout_ms == 0 => {
            Err(at(c.span(), "timeout_ms must be at least 1"))
        }
        Some(c) if c.get_ref().ms().any(|ms| ms > HOUR_MS) => {
            Err(at(c.span(), "cloud times are at most an hour"))
        }
        c => Ok(c.map(|c| *c.get_ref())),
    }
}

/// `name = capacity` or `name = { capacity = C, start = S }` (S items in it at first).
fn queue(name: &str, value: &toml::Value) -> Result<crate::trace::QueueMeta, String> {
    let whole = |v: &toml::Value, what: &str| {
        v.as_integer()
            .filter(|n| (0..=MAX_QUEUE as i64).contains(n))
            .map(|n| n as u32)
            .ok_or_else(|| {
                format!(
                    "{what} is a whole number from 0 to {}",
                    limits::grouped(MAX_QUEUE as u64)
                )
            })
    };
    let (capacity, start) = match value {
        toml::Value::Table(t) => {
            if let Some(key) = t
                .keys()
                .find(|k| !["capacity", "start"].contains(&k.as_str()))
            {
                return Err(format!(
                    "unknown key `{key}` (a queue has capacity and start)"
                ));
            }
            let get = |key: &str| t.get(key).map_or(Ok(0), |v| whole(v, key));
            (get("capacity")?, get("start")?)
        }
        v => (whole(v, "its capacity (0 for no bound)")?, 0),
    };
    if capacity > 0 && start > capacity {
        return Err(format!(
            "it starts with {start} items but holds at most {capacity}"
        ));
    }
    Ok(crate::trace::QueueMeta {
        name: name.to_string(),
        capacity,
        start,
    })
}

fn group(g: &GroupFile, queues: &[crate::trace::QueueMeta]) -> Result<TaskGroup, Mistake> {
    let (count, count_up_to) = match *g.count.get_ref() {
        Amount::One(n) => (n, None),
        Amount::Range([from, to]) if from <= to => (from, Some(to)),
        Amount::Range(_) => return Err(at(g.count.span(), "a range is [low, high]")),
    };
    if count == 0 {
        return Err(at(g.count.span(), "count must be at least 1"));
    }
    let segments = g
        .segments
        .get_ref()
        .iter()
        .map(|s| segment(s, queues))
        .collect::<Result<Vec<_>, _>>()?;
    let last_task = count_up_to.unwrap_or(count) - 1;
    for s in g.segments.get_ref() {
        steps_within_size(s.get_ref(), last_task)?;
    }
    if segments.is_empty() {
        return Err(at(g.segments.span(), "a task has at least one segment"));
    }
    let repeat = match &g.repeat {
        None => 1,
        Some(r) if *r.get_ref() == 0 || *r.get_ref() > MAX_REPEAT => {
            return Err(at(
                r.span(),
                format!(
                    "repeat must be between 1 and {}",
                    limits::grouped(MAX_REPEAT as u64)
                ),
            ))
        }
        Some(r) => *r.get_ref() as usize,
    };
    let arrive_ms = match g.arrive_ms.as_ref().map(|a| (a, *a.get_ref())) {
        None => (0, None),
        Some((_, Amount::One(ms))) if ms <= HOUR_MS => (ms, None),
        Some((_, Amount::Range([from, to]))) if from <= to && to <= HOUR_MS => (from, Some(to)),
        Some((a, _)) => {
            return Err(at(
                a.span(),
                "arrive_ms is at most an hour, or a range [low, high]",
            ))
        }
    };
    let role = match &g.role {
        Some(r) if r.get_ref().trim().is_empty() || r.get_ref().chars().count() > 24 => {
            return Err(at(r.span(), "a role is a name of 1 to 24 characters"))
        }
        r => r.as_ref().map(|r| r.get_ref().trim().to_string()),
    };
    Ok(TaskGroup {
        count,
        count_up_to,
        segments: std::iter::repeat_n(segments, repeat).flatten().collect(),
        arrive_ms,
        role,
    })
}

fn segment(
    s: &Spanned<SegmentFile>,
    queues: &[crate::trace::QueueMeta],
) -> Result<SegmentSpec, Mistake> {
    let f = s.get_ref();
    let bad = |why: &str| at(s.span(), why.to_string());
    let kinds = [
        f.cpu.is_some(),
        f.http.is_some(),
        f.sleep_ms.is_some(),
        f.add.is_some(),
        f.put.is_some(),
        f.get.is_some(),
    ];
    if kinds.iter().filter(|&&k| k).count() != 1 {
        return Err(bad("a segment is exactly one of { cpu = N }, { http = \"loopback\" or a URL }, { sleep_ms = N }, { add = N }, { put = \"queue\" }, { get = \"queue\" }"));
    }
    if (f.step.is_some() || f.offload.is_some()) && f.cpu.is_none() {
        return Err(bad("step and offload go with cpu"));
    }
    for (name, end) in [(&f.put, "put"), (&f.get, "get")] {
        if let Some(name) = name {
            let Some(queue) = queues.iter().position(|q| &q.name == name) else {
                return Err(bad(&format!("no queue '{name}' in [queues]")));
            };
            let queue = queue as u32;
            return Ok(if end == "put" {
                SegmentSpec::Put { queue }
            } else {
                SegmentSpec::Get { queue }
            });
        }
    }
    if let Some(times) = &f.add {
        return match *times.get_ref() {
            0 => Err(at(times.span(), "add must be at least 1")),
            n => {
                at_most(Some(times), "add", MAX_ADDS as u64).map(|_| SegmentSpec::Add { times: n })
            }
        };
    }
    if let Some(n) = &f.cpu {
        return cpu(f, n);
    }
    if let Some(sleep) = &f.sleep_ms {
        return sleep_ms(sleep);
    }
    match f.http.as_deref() {
        Some("loopback") => Ok(SegmentSpec::Http(Target::Loopback)),
        Some(url) => {
            crate::workload::http::check_url(url)
                .map_err(|why| bad(&format!("bad url '{url}': {why}")))?;
            Ok(SegmentSpec::Http(Target::Url(url.to_string())))
        }
        None => unreachable!("exactly one kind is set"),
    }
}

/// `{ cpu = N, step = S, offload = true }`: N from 1 to [`MAX_SIZE`], S at most as much.
fn cpu(f: &SegmentFile, n: &Spanned<u64>) -> Result<SegmentSpec, Mistake> {
    if *n.get_ref() == 0 {
        return Err(at(n.span(), "cpu must be at least 1"));
    }
    at_most(Some(n), "cpu", MAX_SIZE)?;
    at_most(f.step.as_ref(), "step", MAX_SIZE)?;
    Ok(SegmentSpec::Cpu {
        n: *n.get_ref(),
        step: f.step.as_ref().map_or(0, |s| *s.get_ref()),
        offload: f.offload.unwrap_or(false),
    })
}

/// `{ sleep_ms = N }` or `{ sleep_ms = [LOW, HIGH] }`, at most an hour.
fn sleep_ms(sleep: &Spanned<Amount<u64>>) -> Result<SegmentSpec, Mistake> {
    let (ms, up_to) = match *sleep.get_ref() {
        Amount::One(ms) => (ms, None),
        Amount::Range([from, to]) if from <= to => (from, Some(to)),
        Amount::Range(_) => return Err(at(sleep.span(), "a range is [low, high]")),
    };
    match over("sleep_ms", up_to.unwrap_or(ms), HOUR_MS) {
        Some(why) => Err(at(sleep.span(), format!("{why} (an hour)"))),
        None => Ok(SegmentSpec::Sleep { ms, up_to }),
    }
}

/// The last task of a group computes `cpu + step * k`: that too is at most [`MAX_SIZE`].
fn steps_within_size(f: &SegmentFile, last_task: u32) -> Result<(), Mistake> {
    let (Some(n), Some(step)) = (&f.cpu, &f.step) else {
        return Ok(());
    };
    let largest = step
        .get_ref()
        .checked_mul(last_task as u64)
        .and_then(|s| s.checked_add(*n.get_ref()));
    match largest {
        Some(largest) if largest <= MAX_SIZE => Ok(()),
        _ => Err(at(
            step.span(),
            format!(
                "cpu + step x {last_task} (the group's last task) is at most {}",
                limits::grouped(MAX_SIZE)
            ),
        )),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The built-in lessons.
pub fn builtin() -> Vec<Scenario> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            parse(text, &format!("assets/scenarios/{name}.toml"))
                .expect("the built-in lessons are valid (tested)")
        })
        .collect()
}

/// A built-in lesson by name, or a lesson file by path (anything ending in `.toml`).
pub fn find(name: &str) -> Result<Scenario, Error> {
    if name.ends_with(".toml") {
        let path = Path::new(name);
        let kind = Kind {
            what: "lesson files",
            raise: None,
        };
        let input = Input::open(path, limits::MAX_LESSON_BYTES, kind)?;
        return parse(&input.text()?, name);
    }
    let unknown = || {
        match crate::ingest::read::special_file(Path::new(name)) {
        Some(special) => Error::Input {
            path: name.to_string(),
            why: format!(
                "not a regular file ({special}): a lesson is a built-in one's name (see `runwait list`) or a .toml file"
            ),
        },
        None => Error::UnknownScenario(name.to_string()),
    }
    };
    builtin()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_lesson_parses_and_names_itself() {
        for (name, text) in BUILTIN {
            let s = parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&s.name, name);
        }
    }

    fn mistake(text: &str) -> String {
        parse(text, "l.toml").unwrap_err().to_string()
    }

    const HEAD: &str = "name = \"x\"\npoint = \"p\"\nexecutors = [\"sync\"]\n";

    #[test]
    fn mistakes_are_placed_at_line_and_column() {
        let e = mistake("name = \"x\"\npoint = \"p\"\nexecutors = [\"sync\", \"fibers\"]\n[[tasks]]\ncount = 1\nsegments = [{ sleep_ms = 1 }]\n");
        assert!(
            e.starts_with("l.toml:3:22: unknown executor 'fibers'"),
            "{e}"
        );
        let e = mistake(&format!(
            "{HEAD}[[tasks]]\ncount = 0\nsegments = [{{ sleep_ms = 1 }}]\n"
        ));
        assert!(e.starts_with("l.toml:5:9: count must be at least 1"), "{e}");
        let e = mistake(&format!(
            "{HEAD}[[tasks]]\ncount = 2\nsegments = [{{ cpu = 5, http = \"loopback\" }}]\n"
        ));
        assert!(
            e.starts_with("l.toml:6:13: a segment is exactly one of"),
            "{e}"
        );
        let e = mistake(&format!(
            "{HEAD}colour = 3\n[[tasks]]\ncount = 2\nsegments = [{{ cpu = 5 }}]\n"
        ));
        assert!(e.starts_with("l.toml:4:1: unknown field `colour`"), "{e}");
        let e = mistake("name = \"x\"\npoint = \n");
        assert!(e.starts_with("l.toml:2:"), "{e}");
        let e = mistake(&format!(
            "{HEAD}order = \"sideways\"\n[[tasks]]\ncount = 1\nsegments = [{{ cpu = 5 }}]\n"
        ));
        assert!(e.starts_with("l.toml:4:9: order 'sideways'"), "{e}");
        let e = mistake(&format!(
            "{HEAD}[[tasks]]\ncount = 1\nsegments = [{{ http = \"nope\" }}]\n"
        ));
        assert!(e.contains("bad url 'nope'"), "{e}");
    }

    #[test]
    fn a_race_names_the_python_whose_switching_is_modelled_and_its_trials() {
        let tasks = "[[tasks]]\ncount = 2\nsegments = [{ add = 5 }]\n";
        let s = parse(&format!("{HEAD}python = \"3.9\"\ntrials = 7\n{tasks}"), "x").unwrap();
        assert_eq!(s.python.map(|p| p.to_string()).as_deref(), Some("3.9"));
        assert_eq!(s.trials, Some(7));
        let e = mistake(&format!("{HEAD}python = \"2.7\"\n{tasks}"));
        assert!(
            e.starts_with("l.toml:4:10: '2.7' is not a CPython version"),
            "{e}"
        );
        let e = mistake(&format!("{HEAD}trials = 0\n{tasks}"));
        assert!(
            e.starts_with("l.toml:4:10: trials must be at least 1"),
            "{e}"
        );
        let race = find("race").unwrap();
        assert_eq!(
            (race.python.map(|p| p.minor), race.trials),
            (Some(12), Some(100))
        );
    }

    #[test]
    fn a_queue_is_a_capacity_or_a_table_with_a_start() {
        let tasks = "[[tasks]]\ncount = 1\nsegments = [{ get = \"c\" }]\n";
        let s = parse(
            &format!("{HEAD}[queues]\nb = {{ capacity = 4, start = 2 }}\na = 5\nc = {{ start = 7 }}\n{tasks}"),
            "x",
        )
        .unwrap();
        let got: Vec<(&str, u32, u32)> = s
            .queues
            .iter()
            .map(|q| (q.name.as_str(), q.capacity, q.start))
            .collect();
        assert_eq!(
            got,
            [("b", 4, 2), ("a", 5, 0), ("c", 0, 7)],
            "in file order"
        );
        let e = mistake(&format!(
            "{HEAD}[queues]\nc = {{ capacity = 1, start = 2 }}\n{tasks}"
        ));
        assert!(
            e.contains("queue 'c': it starts with 2 items but holds at most 1"),
            "{e}"
        );
        let e = mistake(&format!("{HEAD}[queues]\nc = {{ size = 1 }}\n{tasks}"));
        assert!(e.contains("unknown key `size`"), "{e}");
        let e = mistake(&format!("{HEAD}[queues]\nc = -1\n{tasks}"));
        assert!(e.contains("a whole number"), "{e}");
    }

    #[test]
    fn the_cloud_table_and_arrivals_are_checked() {
        let tasks = "[[tasks]]\ncount = 1\narrive_ms = [10, 20]\nsegments = [{ sleep_ms = 1 }]\n";
        let s = parse(&format!("{HEAD}[cloud]\ntimeout_ms = 50\n{tasks}"), "x").unwrap();
        let platform = s.cloud.unwrap();
        assert_eq!((platform.timeout_ms, platform.keep_warm_ms), (50, 1_000));
        assert_eq!(s.groups[0].arrive_ms, (10, Some(20)));
        let e = mistake(&format!("{HEAD}[cloud]\ntimeout_ms = 0\n{tasks}"));
        assert!(
            e.starts_with("l.toml:4:1: timeout_ms must be at least 1"),
            "{e}"
        );
        let e = mistake(&format!("{HEAD}[cloud]\nwarmth = 3\n{tasks}"));
        assert!(e.contains("unknown field `warmth`"), "{e}");
        let e = mistake(&format!(
            "{HEAD}[[tasks]]\ncount = 1\narrive_ms = [20, 10]\nsegments = [{{ sleep_ms = 1 }}]\n"
        ));
        assert!(e.starts_with("l.toml:6:13: arrive_ms"), "{e}");
    }

    #[test]
    fn order_defaults_by_what_tasks_do() {
        let io = parse(
            &format!("{HEAD}[[tasks]]\ncount = 1\nsegments = [{{ http = \"loopback\" }}]\n"),
            "x",
        )
        .unwrap();
        assert_eq!(io.order, Order::Together);
        assert!(io.uses_loopback());
        let cpu = parse(&format!("{HEAD}[[tasks]]\ncount = 1\nsegments = [{{ cpu = 9, step = 2 }}, {{ sleep_ms = 3 }}]\n"), "x").unwrap();
        assert_eq!(cpu.order, Order::OneByOne);
        assert_eq!(
            cpu.groups[0].segments,
            vec![
                SegmentSpec::Cpu {
                    n: 9,
                    step: 2,
                    offload: false
                },
                SegmentSpec::Sleep { ms: 3, up_to: None }
            ]
        );
    }
}
