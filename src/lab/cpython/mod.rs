//! `runwait run LESSON --cpython [PYTHON]`: the articles' own programs, run by a real CPython
//! beside the lesson's runs. Here: the interpreter (found and checked before anything runs),
//! the programs (embedded from `assets/python/`), and which run of a lesson has a real
//! counterpart, with what arguments. [`run`] runs one, sampled; [`venv`] makes an environment with
//! the programs' packages.
//!
//! A counterpart is found from what the lesson's tasks are, not from its name: tasks that each
//! GET a page of the loopback server are the download; tasks that each compute a sum of
//! squares are the CPU-bound sums; and so on. So a lesson file of the same shape gets them too.

pub mod run;
pub mod venv;

pub use run::{RealJob, Said};

use super::scenario::{Scenario, SegmentSpec};
use crate::error::Error;
use crate::exec::{ExecSpec, PythonModel as Kind, Variant};
use crate::ingest::python::process;
use crate::trace::cpython::Beside;
use crate::trace::{LaneKind, Origin, Reason, RunMeta, Sampled, Settings};
use crate::workload::{Segment, Task};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The programs, as written in `assets/python/`.
pub const PROGRAMS: &[(&str, &str)] = &[
    (
        "io_sync.py",
        include_str!("../../../assets/python/io_sync.py"),
    ),
    (
        "io_threads.py",
        include_str!("../../../assets/python/io_threads.py"),
    ),
    (
        "io_asyncio.py",
        include_str!("../../../assets/python/io_asyncio.py"),
    ),
    (
        "io_processes.py",
        include_str!("../../../assets/python/io_processes.py"),
    ),
    (
        "cpu_sync.py",
        include_str!("../../../assets/python/cpu_sync.py"),
    ),
    (
        "cpu_threads.py",
        include_str!("../../../assets/python/cpu_threads.py"),
    ),
    (
        "cpu_processes.py",
        include_str!("../../../assets/python/cpu_processes.py"),
    ),
    ("race.py", include_str!("../../../assets/python/race.py")),
    ("gil.py", include_str!("../../../assets/python/gil.py")),
    (
        "starve.py",
        include_str!("../../../assets/python/starve.py"),
    ),
];

/// Which program is the real counterpart of which run: by the lesson's shape, then by the
/// run's Python model, the program's file (see the file itself).
const TABLE: &str = include_str!("../../../assets/python/programs.toml");

/// The program for a lesson of `shape` run by an executor whose Python model is `kind`, as
/// [`TABLE`] says.
fn program_for(shape: &Shape, kind: Kind) -> Option<&'static str> {
    let file = table().get(shape.name())?.get(model_name(kind))?;
    PROGRAMS.iter().map(|p| p.0).find(|f| f == file)
}

/// [`TABLE`], read: shape to model to file.
fn table() -> &'static BTreeMap<String, BTreeMap<String, String>> {
    static READ: OnceLock<BTreeMap<String, BTreeMap<String, String>>> = OnceLock::new();
    READ.get_or_init(|| toml::from_str(TABLE).expect("assets/python/programs.toml is a table"))
}

/// A Python model as [`TABLE`] names it.
fn model_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Sync => "sync",
        Kind::Threads => "threads",
        Kind::Loop => "loop",
        Kind::Offload => "offload",
        Kind::Processes => "processes",
    }
}

/// The source of program `file`.
pub fn source(file: &str) -> Option<&'static str> {
    PROGRAMS.iter().find(|p| p.0 == file).map(|p| p.1)
}

/// Every CPython 3.`minor` found, `minor` from `from` up: `python3.N` in PATH (not pyenv's
/// shims), and pyenv's versions (`$PYENV_ROOT`, else `~/.pyenv`), with their versions (a PATH
/// one's patch level unknown: 0).
fn found_pythons(from: u32) -> Vec<((u32, u32, u32), String)> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let in_path = std::env::split_paths(&path).filter(|d| !d.to_string_lossy().contains("/shims"));
    let mut found: Vec<((u32, u32, u32), String)> = Vec::new();
    for dir in in_path {
        for minor in from..40 {
            let p = dir.join(format!("python3.{minor}"));
            if p.is_file() && !found.iter().any(|f| f.0 .1 == minor) {
                found.push(((3, minor, 0), p.to_string_lossy().into_owned()));
            }
        }
    }
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".pyenv")));
    if let Some(Ok(versions)) = pyenv.map(|r| std::fs::read_dir(r.join("versions"))) {
        for v in versions.flatten() {
            let name = v.file_name().to_string_lossy().into_owned();
            let numbers: Vec<u32> = name.split('.').map_while(|n| n.parse().ok()).collect();
            let python = v.path().join("bin/python3");
            if let [3, minor, patch] = numbers[..] {
                if minor >= from && python.is_file() {
                    found.push(((3, minor, patch), python.to_string_lossy().into_owned()));
                }
            }
        }
    }
    found
}

/// The one of `found` to take for minor version `minor`: PATH's before pyenv's, else pyenv's
/// newest.
fn pick_of(found: &[((u32, u32, u32), String)], minor: u32) -> Option<String> {
    let of_minor = found.iter().filter(|f| f.0 .1 == minor);
    of_minor
        .max_by_key(|f| (f.0 .2 == 0, f.0 .2))
        .map(|f| f.1.clone())
}

/// What runwait looks for when `--cpython` names no interpreter: the newest CPython 3.11 or later
/// as `python3.N` in PATH, else among pyenv's versions.
pub fn newest_python() -> Option<String> {
    let found = found_pythons(OLDEST.1);
    let minor = found.iter().map(|f| f.0 .1).max()?;
    pick_of(&found, minor)
}

/// CPython `version` (`3.9`) as `--cpython 3.9` names it: `python3.9` in PATH, else the newest
/// of pyenv's 3.9.*.
pub fn python_of(version: &str) -> Option<String> {
    let minor: u32 = version.strip_prefix("3.")?.parse().ok()?;
    pick_of(&found_pythons(minor), minor)
}

/// The CPU-bound lesson's first number under `--cpython` when `--size` is not given: the
/// article's 5,000,000 (CPython takes about 0.3 s for it here; runwait's Rust, 2 ms).
pub const CPYTHON_SIZE: u64 = 5_000_000;

/// How many times slower CPython's `sum(i * i for i in range(n))` is than runwait's Rust
/// (measured here: 64 ns an iteration on CPython 3.12, 0.47 ns in Rust). The `gil` and `starve`
/// programs make their point with sums this much smaller, for runs about as long as
/// runwait's.
pub const CPYTHON_SLOWER: u64 = 130;

/// The oldest CPython the sampler reads: an older one's programs run unsampled (their own
/// figures, no lanes).
const OLDEST: (u32, u32) = (3, 11);

/// The oldest CPython `--cpython` runs programs under (each program says in its script block
/// which it needs: `requires-python`).
const OLDEST_RUN: (u32, u32) = (3, 6);

/// An interpreter, as found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Python {
    /// As given: `python3`, `python3.12`, `/usr/bin/python3`.
    pub command: String,
    pub version: (u32, u32, u32),
    /// A free-threaded build with its GIL off (`python3.13t`).
    pub free_threaded: bool,
    /// The packages the programs use that it has (`requests`, `aiohttp`).
    pub packages: Vec<String>,
}

/// What the interpreter is asked about itself (runs on any Python, 2.7 on), with the packages to
/// look for as its arguments.
const ASK: &str = r#"
import json, platform, sys
try:
    import importlib.util as u
    has = [p for p in sys.argv[1:] if u.find_spec(p) is not None]
except Exception:
    has = []
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print(json.dumps({"impl": platform.python_implementation(), "version": list(sys.version_info[:3]),
                  "free": not gil, "packages": has}))
"#;

#[derive(serde::Deserialize)]
struct Answer {
    #[serde(rename = "impl")]
    implementation: String,
    version: (u32, u32, u32),
    free: bool,
    packages: Vec<String>,
}

impl Python {
    /// Find `command` and ask it what it is: CPython 3.11 or later, or an error saying why not.
    pub fn find(command: &str) -> Result<Python, Error> {
        let out = std::process::Command::new(command)
            .args(["-c", ASK])
            .args(all_needs())
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::Usage(format!("--cpython: no such program: {command}"))
                }
                _ => Error::Usage(format!("--cpython: cannot start {command}: {e}")),
            })?;
        let text = String::from_utf8_lossy(&out.stdout);
        let answer: Answer = serde_json::from_str(text.trim()).map_err(|_| {
            Error::Usage(format!(
                "--cpython: {command} did not answer as a Python interpreter does"
            ))
        })?;
        let (major, minor, patch) = answer.version;
        if answer.implementation != "CPython" || (major, minor) < OLDEST_RUN {
            return Err(Error::Usage(format!(
                "--cpython: {command} is {} {major}.{minor}.{patch}: runwait runs the programs \
                 under CPython {}.{} or later (and samples {}.{} or later)",
                answer.implementation, OLDEST_RUN.0, OLDEST_RUN.1, OLDEST.0, OLDEST.1
            )));
        }
        Ok(Python {
            command: command.to_string(),
            version: answer.version,
            free_threaded: answer.free,
            packages: answer.packages,
        })
    }

    /// Whether runwait's sampler reads it (3.11 and later): else its programs run unsampled.
    pub fn sampled(&self) -> bool {
        (self.version.0, self.version.1) >= OLDEST
    }

    /// Whether it is new enough for program `file` (its script block's `requires-python`).
    pub fn runs(&self, file: &str) -> bool {
        let needs = source(file).and_then(venv::requires_python);
        needs.is_none_or(|(a, b)| (self.version.0, self.version.1) >= (a, b))
    }

    /// `3.12`, `3.13t` (free-threaded).
    pub fn short(&self) -> String {
        let t = if self.free_threaded { "t" } else { "" };
        format!("{}.{}{t}", self.version.0, self.version.1)
    }

    /// `3.12.1`.
    pub fn full(&self) -> String {
        let (a, b, c) = self.version;
        format!("{a}.{b}.{c}")
    }
}

/// A real program to run beside a run: its file and arguments, and the packages it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterpart {
    pub file: &'static str,
    pub args: Vec<String>,
    /// From its inline script metadata (`# /// script`).
    pub needs: Vec<String>,
    /// The lesson's tasks, which the program does as many of.
    pub work: u32,
}

/// What a lesson's tasks are, as far as a real program can do the same.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// Each task GETs its page, `BASE` + its number.
    Download { base: String, count: usize },
    /// Each task sums squares below `size + step * k`.
    Sums { size: u64, step: u64, count: usize },
    /// Each task adds 1 to the shared counter `adds` times.
    Race { count: usize, adds: u32 },
    /// CPU-bound tasks beside one that GETs `url` `requests` times, with a little work after each.
    Gil {
        url: String,
        requests: usize,
        cpu: u64,
        io_cpu: u64,
    },
    /// Tickers (sleep, a little work, again) beside one task that sleeps, then computes long.
    Starve {
        tickers: usize,
        ticks: usize,
        tick_ms: u64,
        tick_cpu: u64,
        hog_ms: u64,
        hog_cpu: u64,
    },
}

impl Shape {
    /// As [`TABLE`] names it.
    fn name(&self) -> &'static str {
        match self {
            Shape::Download { .. } => "download",
            Shape::Sums { .. } => "sums",
            Shape::Race { .. } => "race",
            Shape::Gil { .. } => "gil",
            Shape::Starve { .. } => "starve",
        }
    }
}

/// The shape of `tasks`; `base`: the loopback server's pages' URL (`http://127.0.0.1:P/t/`).
fn shape(tasks: &[Task], base: Option<&str>) -> Option<Shape> {
    let first = tasks.first()?;
    let only = |t: &Task| match t.segments.as_slice() {
        [s] => Some(s.clone()),
        _ => None,
    };
    match only(first) {
        Some(Segment::Http { .. }) => download(tasks, base?),
        Some(Segment::Cpu { n }) if tasks.iter().all(|t| only(t).is_some()) => sums(tasks, n),
        Some(Segment::Add { times }) => {
            let same = tasks
                .iter()
                .all(|t| only(t) == Some(Segment::Add { times }));
            same.then_some(Shape::Race {
                count: tasks.len(),
                adds: times,
            })
        }
        _ => gil(tasks).or_else(|| starve(tasks)),
    }
}

fn download(tasks: &[Task], base: &str) -> Option<Shape> {
    let each = |t: &Task| match t.segments.as_slice() {
        [Segment::Http { url }] => *url == format!("{base}{}", t.id),
        _ => false,
    };
    tasks.iter().all(each).then(|| Shape::Download {
        base: base.to_string(),
        count: tasks.len(),
    })
}

fn sums(tasks: &[Task], size: u64) -> Option<Shape> {
    let n = |t: &Task| match t.segments.as_slice() {
        [Segment::Cpu { n }] => Some(*n),
        _ => None,
    };
    let step = match tasks.get(1) {
        Some(t) => n(t)?.checked_sub(size)?,
        None => 0,
    };
    let even = tasks
        .iter()
        .enumerate()
        .all(|(k, t)| n(t) == Some(size + step * k as u64));
    even.then_some(Shape::Sums {
        size,
        step,
        count: tasks.len(),
    })
}

/// CPU tasks of one size, then one task of (GET, compute) repeated.
fn gil(tasks: &[Task]) -> Option<Shape> {
    let (io, cpus) = tasks.split_last()?;
    let cpu = match cpus.first()?.segments.as_slice() {
        [Segment::Cpu { n }] => *n,
        _ => return None,
    };
    let same = cpus
        .iter()
        .all(|t| t.segments.as_slice() == [Segment::Cpu { n: cpu }]);
    let pairs = io.segments.chunks_exact(2);
    let (url, io_cpu) = match io.segments.as_slice() {
        [Segment::Http { url }, Segment::Cpu { n }, ..] => (url.clone(), *n),
        _ => return None,
    };
    let repeated = io.segments.len() % 2 == 0
        && pairs.into_iter().all(|p| {
            p == [
                Segment::Http { url: url.clone() },
                Segment::Cpu { n: io_cpu },
            ]
        });
    (same && repeated && cpus.len() == 2).then_some(Shape::Gil {
        url,
        requests: io.segments.len() / 2,
        cpu,
        io_cpu,
    })
}

/// Tickers of (sleep, compute) repeated, then one task: sleep, then offloadable work.
fn starve(tasks: &[Task]) -> Option<Shape> {
    let (hog, tickers) = tasks.split_last()?;
    let [Segment::Sleep { ms: hog_ms }, Segment::Offload { n: hog_cpu }] = hog.segments.as_slice()
    else {
        return None;
    };
    let (tick_ms, tick_cpu) = match tickers.first()?.segments.as_slice() {
        [Segment::Sleep { ms }, Segment::Cpu { n }, ..] => (*ms, *n),
        _ => return None,
    };
    let tick = [Segment::Sleep { ms: tick_ms }, Segment::Cpu { n: tick_cpu }];
    let ticks = tickers[0].segments.len() / 2;
    let same = tickers
        .iter()
        .all(|t| t.segments.len() == ticks * 2 && t.segments.chunks_exact(2).all(|p| p == tick));
    same.then_some(Shape::Starve {
        tickers: tickers.len(),
        ticks,
        tick_ms,
        tick_cpu,
        hog_ms: *hog_ms,
        hog_cpu: *hog_cpu,
    })
}

/// The real counterpart of a run of `spec` over `tasks` (a race: run `trials` times), if it
/// has one under `python`; `base`: the loopback server's pages' URL, if the lesson uses it.
pub fn counterpart(
    spec: &ExecSpec,
    (tasks, trials): (&[Task], u32),
    base: Option<&str>,
    python: &Python,
) -> Option<Counterpart> {
    let kind = kind_of(spec, python)?;
    let w = spec.workers().to_string();
    let n = |x: usize| x.to_string();
    let shape = shape(tasks, base)?;
    let file = program_for(&shape, kind).filter(|f| python.runs(f))?;
    let trials = match shape {
        Shape::Race { .. } => trials.max(1),
        _ => 1,
    };
    let program = |args: Vec<String>| Counterpart {
        file,
        args,
        needs: needs(file),
        work: tasks.len() as u32 * trials,
    };
    Some(match (shape, kind) {
        (Shape::Download { base, count }, kind) => {
            let mut args = vec![base, n(count)];
            match kind {
                Kind::Sync => {}
                Kind::Loop => args.push(spec.workers.unwrap_or(0).to_string()),
                _ => args.push(w),
            }
            program(args)
        }
        (Shape::Sums { size, step, count }, kind) => {
            let mut args = vec![size.to_string(), n(count), step.to_string()];
            if kind != Kind::Sync {
                args.push(w);
            }
            program(args)
        }
        (Shape::Race { count, adds }, Kind::Threads) => {
            let mode = match spec.variant {
                Some(Variant::Atomic) => return None,
                Some(v) => v.name(),
                None => "unprotected",
            };
            program(vec![
                n(count),
                adds.to_string(),
                w,
                n(trials as usize),
                mode.into(),
            ])
        }
        (shape @ Shape::Gil { .. }, Kind::Threads) if spec.workers() == 3 => {
            program(gil_args(shape))
        }
        (shape @ Shape::Starve { .. }, kind @ (Kind::Loop | Kind::Offload)) => {
            program(starve_args(shape, kind))
        }
        _ => return None,
    })
}

/// How a run of `spec` is done in Python, as its executor says ([`Executor::python_model`]):
/// a pool of threads only by a Python whose GIL is as the pool's (threads under CPython 3.12,
/// free-threads under 3.13t).
///
/// [`Executor::python_model`]: crate::exec::Executor::python_model
fn kind_of(spec: &ExecSpec, python: &Python) -> Option<Kind> {
    match spec.executor.python_model(spec.variant)? {
        Kind::Threads if spec.executor.gil().is_on() == python.free_threaded => None,
        kind => Some(kind),
    }
}

fn gil_args(shape: Shape) -> Vec<String> {
    let Shape::Gil {
        url,
        requests,
        cpu,
        io_cpu,
    } = shape
    else {
        return Vec::new();
    };
    let smaller = |n: u64| (n / CPYTHON_SLOWER).max(1).to_string();
    vec![url, requests.to_string(), smaller(cpu), smaller(io_cpu)]
}

fn starve_args(shape: Shape, kind: Kind) -> Vec<String> {
    let Shape::Starve {
        tickers,
        ticks,
        tick_ms,
        tick_cpu,
        hog_ms,
        hog_cpu,
    } = shape
    else {
        return Vec::new();
    };
    let smaller = |n: u64| (n / CPYTHON_SLOWER).max(1).to_string();
    let mode = if kind == Kind::Offload {
        "offload"
    } else {
        "blocking"
    };
    vec![
        mode.to_string(),
        tickers.to_string(),
        ticks.to_string(),
        tick_ms.to_string(),
        smaller(tick_cpu),
        hog_ms.to_string(),
        smaller(hog_cpu),
    ]
}

/// The packages program `file` needs, from its inline script metadata.
pub fn needs(file: &str) -> Vec<String> {
    // The programs are runwait's own, embedded: their metadata is checked by a test.
    source(file)
        .and_then(|s| venv::dependencies(s).ok())
        .unwrap_or_default()
}

/// The packages any of the programs needs, in the order first needed.
pub fn all_needs() -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for (file, _) in PROGRAMS {
        for need in needs(file) {
            if !all.contains(&need) {
                all.push(need);
            }
        }
    }
    all
}

/// The packages `python` lacks that `programs` need, in the order first needed.
pub fn missing<'a>(python: &Python, programs: &[&'a Counterpart]) -> Vec<&'a str> {
    let mut lacks: Vec<&str> = Vec::new();
    for need in programs.iter().flat_map(|p| &p.needs) {
        if !python.packages.contains(need) && !lacks.contains(&need.as_str()) {
            lacks.push(need);
        }
    }
    lacks
}

/// The one line that says what `python` lacks for which runs, and the `pip install` that
/// fixes it.
pub fn lacking(python: &Python, lacks: &[&str], runs: &[String]) -> Error {
    let listed = |items: &[&str]| match items.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let runs: Vec<&str> = runs.iter().map(String::as_str).collect();
    Error::Usage(format!(
        "--cpython: {} (CPython {}) lacks {}, which the real {} {} need{}: {} -m pip install {} \
         (or leave out --no-install and runwait makes an environment of its own)",
        python.command,
        python.full(),
        listed(lacks),
        listed(&runs),
        if runs.len() == 1 { "run" } else { "runs" },
        if runs.len() == 1 { "s" } else { "" },
        python.command,
        lacks.join(" ")
    ))
}

/// What a real run of `spec` is, beside its emulated run `emulated` (run `beside` of the
/// trace), before it starts.
pub fn meta(
    (beside, emulated): (u32, &RunMeta),
    spec: &ExecSpec,
    python: &Python,
    hz: u32,
) -> RunMeta {
    let mut name = match spec.variant {
        Some(v) => format!("{}/{}", spec.executor.name(), v.name()),
        None => spec.executor.name().to_string(),
    };
    // Runs told apart by their size (a lesson comparing pool sizes) are here too.
    if emulated.label.contains(" × ") {
        name.push_str(&format!(" × {}", spec.workers()));
    }
    RunMeta {
        label: format!("{name} · CPython {} · real", python.short()),
        gil: !python.free_threaded,
        tasks: 0,
        lane_kind: match emulated.lane_kind {
            LaneKind::Task => LaneKind::Thread,
            kind => kind,
        },
        queues: Vec::new(),
        // The lesson's roles are its tasks'; a real run's lanes are the program's threads.
        roles: Vec::new(),
        model: None,
        ready: Reason::Gil,
        origin: Origin::Sampled,
        // An interpreter too old to sample runs its program for its own figures (hz 0).
        cpu_waits_hz: (python.sampled() && crate::instrument::probe::available()).then_some(hz),
        // What the sampler will tell apart on this Python (its first sample says so again).
        sampled: Some(Sampled {
            python: python.full(),
            hz: if python.sampled() { hz } else { 0 },
            gil_waits: python.sampled()
                && process::tells_gil_waits((python.version.0, python.version.1)),
            syscalls: python.sampled() && process::TELLS_WAIT_REASONS,
            tasks: (python.version.0, python.version.1) >= (3, 12),
            ..Sampled::default()
        }),
        beside: Some(Beside::run(beside)),
        // Its GIL is the real one: no switching modelled.
        settings: Settings {
            switching: None,
            ..emulated.settings.clone()
        },
        ..emulated.clone()
    }
}

/// What `--cpython` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ask {
    /// The interpreters, separated by commas: commands or versions (`python3.12`, `3.9,3.12`;
    /// `None`: the newest CPython 3.11+ found, see [`newest_python`]).
    pub python: Option<String>,
    /// This binary, to watch its programs (should runwait die, the watchdog stops them; `None`:
    /// none).
    pub watchdog: Option<std::path::PathBuf>,
    /// Where to make an environment with the programs' packages when the interpreter lacks
    /// them (`None`: never; the error says what to install).
    pub cache: Option<std::path::PathBuf>,
}

/// The real runs of a plan: under each interpreter asked for, the counterpart of each of the
/// plan's runs.
#[derive(Clone, Debug)]
pub struct Cpython {
    /// In the order asked for (`--cpython 3.9,3.12`).
    pub reals: Vec<Real>,
    pub hz: u32,
    pub watchdog: Option<std::path::PathBuf>,
}

/// One interpreter's real runs.
#[derive(Clone, Debug)]
pub struct Real {
    pub python: Python,
    /// By the plan's runs, in their order.
    pub programs: Vec<Option<Counterpart>>,
}

/// The real runs of `runs` over `tasks` (a race run `trials` times), checked before anything
/// runs: each interpreter is CPython 3.6 or later, it has the packages the programs need, and
/// some run has one under it.
pub fn prepare(
    ask: &Ask,
    lesson: &str,
    runs: &[ExecSpec],
    (tasks, trials): (&[Task], u32),
    base: Option<&str>,
) -> Result<Cpython, Error> {
    let mut reals: Vec<Real> = Vec::new();
    for python in find(ask)? {
        if reals.iter().any(|r| r.python == python) {
            continue;
        }
        reals.push(prepare_one(
            ask,
            lesson,
            runs,
            (tasks, trials),
            base,
            python,
        )?);
    }
    Ok(Cpython {
        reals,
        hz: crate::ingest::python::DEFAULT_HZ,
        watchdog: ask.watchdog.clone(),
    })
}

/// [`prepare`] under one interpreter.
fn prepare_one(
    ask: &Ask,
    lesson: &str,
    runs: &[ExecSpec],
    work: (&[Task], u32),
    base: Option<&str>,
    mut python: Python,
) -> Result<Real, Error> {
    let programs: Vec<Option<Counterpart>> = runs
        .iter()
        .map(|spec| counterpart(spec, work, base, &python))
        .collect();
    if programs.iter().all(Option::is_none) {
        return Err(Error::Usage(format!(
            "--cpython: no run of {lesson} has a real counterpart under CPython {} (the \
             articles' programs: io, pool-size, cpu, race, gil and starve, against the loopback \
             server; under CPython before {}.{} only race's, from 3.8)",
            python.short(),
            OLDEST.0,
            OLDEST.1
        )));
    }
    let having: Vec<&Counterpart> = programs.iter().flatten().collect();
    let lacks = missing(&python, &having);
    if let (false, Some(cache)) = (lacks.is_empty(), &ask.cache) {
        python = with_packages(&python, cache)?;
    } else if !lacks.is_empty() {
        let runs: Vec<String> = runs
            .iter()
            .zip(&programs)
            .filter(|(_, p)| {
                p.as_ref()
                    .is_some_and(|p| p.needs.iter().any(|n| lacks.contains(&n.as_str())))
            })
            .map(|(spec, _)| spec.to_string())
            .collect();
        return Err(lacking(&python, &lacks, &runs));
    }
    Ok(Real { python, programs })
}

/// The interpreters asked for (`--cpython python3.12`, `--cpython 3.9,3.12`: a version is
/// found as [`python_of`] says), or the newest found.
fn find(ask: &Ask) -> Result<Vec<Python>, Error> {
    let Some(list) = &ask.python else {
        let newest = newest_python().ok_or_else(|| {
            Error::Usage(format!(
                "--cpython: no CPython {}.{} or later found (python3.N in PATH, or pyenv's \
                 versions): install one, or name it (--cpython PYTHON, --cpython 3.9,3.12)",
                OLDEST.0, OLDEST.1
            ))
        })?;
        return Ok(vec![Python::find(&newest)?]);
    };
    let asked = list.split(',').map(str::trim).filter(|p| !p.is_empty());
    asked
        .map(|item| match is_version(item) {
            true => Python::find(&python_of(item).ok_or_else(|| {
                Error::Usage(format!(
                    "--cpython: no CPython {item} found (python{item} in PATH, or pyenv's \
                     versions {item}.*): install it (`pyenv install {item}`), or name its \
                     interpreter"
                ))
            })?),
            false => Python::find(item),
        })
        .collect()
}

/// Whether `--cpython` was given a version (`3.9`), not an interpreter.
fn is_version(item: &str) -> bool {
    item.strip_prefix("3.")
        .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
}

/// `python`'s own environment under `cache` with every program's packages (made now if need
/// be, saying so on stderr), as a [`Python`].
fn with_packages(python: &Python, cache: &std::path::Path) -> Result<Python, Error> {
    let t = if python.free_threaded { "t" } else { "" };
    let name = format!("cpython-{}{t}", python.full());
    let mut say = |line: &str| eprintln!("runwait: --cpython: {}", crate::error::printable(line));
    let env = venv::ensure(&python.command, &name, &all_needs(), cache, &mut say)?;
    let inside = Python::find(&env.python.to_string_lossy())?;
    let lacks: Vec<String> = all_needs()
        .into_iter()
        .filter(|n| !inside.packages.contains(n))
        .collect();
    if !lacks.is_empty() {
        return Err(Error::Usage(format!(
            "--cpython: {} still lacks {} (remove it to have it made again)",
            env.python.display(),
            lacks.join(" ")
        )));
    }
    Ok(inside)
}

/// The first number of a lesson of CPU-bound sums under `--cpython` without `--size`: the
/// article's, for CPython's sake (the same for runwait's runs, so the work matches).
pub fn default_size(scenario: &Scenario) -> Option<u64> {
    let sums = scenario.groups.iter().all(|g| {
        matches!(
            g.segments.as_slice(),
            [SegmentSpec::Cpu { offload: false, .. }]
        )
    });
    sums.then_some(CPYTHON_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: u32, segments: Vec<Segment>) -> Task {
        Task {
            id,
            segments,
            arrive_ms: 0,
        }
    }

    fn python(free_threaded: bool) -> Python {
        Python {
            command: "python3.12".into(),
            version: (3, 12, 1),
            free_threaded,
            packages: vec!["requests".into()],
        }
    }

    fn spec(s: &str) -> ExecSpec {
        s.parse().expect("a spec")
    }

    #[test]
    fn a_real_run_says_from_the_start_what_the_sampler_tells_apart_on_its_python() {
        let threads = spec("threads");
        let emulated = threads.describe(&crate::exec::Env::default());
        let on = |version| {
            let python = Python {
                version,
                ..python(false)
            };
            let meta = meta((0, &emulated), &threads, &python, 500);
            let s = meta.sampled.expect("sampled");
            (s.gil_waits, s.tasks)
        };
        let known = process::TELLS_WAIT_REASONS;
        assert_eq!(on((3, 12, 1)), (known, true), "3.12 tells GIL waits apart");
        assert_eq!(on((3, 13, 0)), (known, true));
        assert_eq!(on((3, 11, 7)), (false, false), "3.11 cannot");
    }

    #[test]
    fn the_download_and_the_sums_have_their_programs_with_the_lessons_figures() {
        let base = "http://127.0.0.1:9/t/";
        let pages: Vec<Task> = (0..3)
            .map(|i| {
                task(
                    i,
                    vec![Segment::Http {
                        url: format!("{base}{i}"),
                    }],
                )
            })
            .collect();
        let py = python(false);
        let threads = counterpart(&spec("threads:7"), (&pages, 1), Some(base), &py).unwrap();
        assert_eq!(threads.file, "io_threads.py");
        assert_eq!(threads.args, [base, "3", "7"]);
        let asyncio = counterpart(&spec("async"), (&pages, 1), Some(base), &py).unwrap();
        assert_eq!(
            (asyncio.file, asyncio.args[2].as_str()),
            ("io_asyncio.py", "0")
        );
        assert_eq!(missing(&py, &[&threads, &asyncio]), ["aiohttp"]);
        assert_eq!(threads.needs, ["requests"]);
        assert!(counterpart(&spec("rayon"), (&pages, 1), Some(base), &py).is_none());
        assert!(counterpart(&spec("free-threads"), (&pages, 1), Some(base), &py).is_none());
        let ft = python(true);
        let free = counterpart(&spec("free-threads"), (&pages, 1), Some(base), &ft).unwrap();
        assert_eq!(free.file, "io_threads.py");
        let sums: Vec<Task> = (0..4)
            .map(|i| task(i, vec![Segment::Cpu { n: 100 + i as u64 }]))
            .collect();
        let process = counterpart(&spec("process"), (&sums, 1), None, &py).unwrap();
        assert_eq!(process.file, "cpu_processes.py");
        assert_eq!(process.args, ["100", "4", "1", "2"]);
        assert!(counterpart(&spec("async"), (&sums, 1), None, &py).is_none());
    }

    #[test]
    fn the_race_the_gil_and_the_starving_loop_are_found_by_their_shape() {
        let py = python(false);
        let adds: Vec<Task> = (0..10)
            .map(|i| task(i, vec![Segment::Add { times: 100 }]))
            .collect();
        let lock = counterpart(&spec("threads:10/lock"), (&adds, 1), None, &py).unwrap();
        assert_eq!(lock.args, ["10", "100", "10", "1", "lock"]);
        assert!(counterpart(&spec("threads:10/atomic"), (&adds, 1), None, &py).is_none());
        let url = "http://127.0.0.1:9/t/2".to_string();
        let pair = [Segment::Http { url: url.clone() }, Segment::Cpu { n: 260 }];
        let io: Vec<Segment> = (0..4).flat_map(|_| pair.clone()).collect();
        let gil = vec![
            task(0, vec![Segment::Cpu { n: 1300 }]),
            task(1, vec![Segment::Cpu { n: 1300 }]),
            task(2, io),
        ];
        let real = counterpart(&spec("threads:3"), (&gil, 1), None, &py).unwrap();
        assert_eq!(real.args, [url.as_str(), "4", "10", "2"]);
        let pair = [Segment::Sleep { ms: 20 }, Segment::Cpu { n: 1300 }];
        let tick: Vec<Segment> = (0..3).flat_map(|_| pair.clone()).collect();
        let hog = vec![Segment::Sleep { ms: 50 }, Segment::Offload { n: 13_000 }];
        let starve = vec![task(0, tick.clone()), task(1, tick), task(2, hog)];
        let real = counterpart(&spec("async/offload"), (&starve, 1), None, &py).unwrap();
        assert_eq!(real.args, ["offload", "2", "3", "20", "10", "50", "100"]);
    }

    #[test]
    fn a_script_block_says_the_oldest_python_it_runs_under() {
        assert_eq!(
            venv::requires_python(source("race.py").unwrap()),
            Some((3, 8))
        );
        let io = source("io_threads.py").unwrap();
        assert_eq!(venv::requires_python(io), Some((3, 11)));
        assert_eq!(venv::requires_python("print(1)\n"), None);
        let old = Python {
            version: (3, 9, 18),
            ..python(false)
        };
        assert!(old.runs("race.py") && !old.runs("io_threads.py") && !old.sampled());
        assert_eq!(python_of("3.x"), None);
    }

    #[test]
    fn every_program_says_what_it_needs_in_its_script_block() {
        for (file, source) in PROGRAMS {
            let needs = venv::dependencies(source).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(
                source.contains("# /// script"),
                "{file} has no script block"
            );
            assert_eq!(needs, super::needs(file), "{file}");
        }
        assert_eq!(all_needs(), ["requests", "aiohttp"]);
    }

    #[test]
    fn every_program_in_the_table_is_embedded_and_every_embedded_one_in_the_table() {
        let tabled: std::collections::BTreeSet<&str> = table()
            .values()
            .flat_map(|models| models.values().map(String::as_str))
            .collect();
        let embedded: std::collections::BTreeSet<&str> = PROGRAMS.iter().map(|p| p.0).collect();
        assert_eq!(tabled, embedded);
        let models = ["sync", "threads", "loop", "offload", "processes"];
        for (shape, by_model) in table() {
            assert!(
                ["download", "sums", "race", "gil", "starve"].contains(&shape.as_str()),
                "{shape}"
            );
            for model in by_model.keys() {
                assert!(models.contains(&model.as_str()), "{shape}.{model}");
            }
        }
    }

    #[test]
    fn what_a_python_lacks_is_said_with_the_pip_install_that_fixes_it() {
        let e = lacking(&python(false), &["aiohttp"], &["async".into()]);
        assert_eq!(
            e.to_string(),
            "--cpython: python3.12 (CPython 3.12.1) lacks aiohttp, which the real async run \
             needs: python3.12 -m pip install aiohttp (or leave out --no-install and runwait \
             makes an environment of its own)"
        );
    }
}
