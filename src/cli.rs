//! The command line (clap derive), grouped by what the options are about.

use crate::exec::ExecSpec;
use crate::ingest::python::{DEFAULT_HZ, MAX_HZ};
use crate::trace::limits::{
    HOUR_MS, MAX_ADDS, MAX_FILE_BYTES, MAX_REPEATS, MAX_SIZE, MAX_TASKS, MAX_TRIALS,
};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "runwait",
    version,
    about = "Watch concurrency happen: one workload under sync, threads (emulated GIL), async and processes, as timing diagrams",
    after_help = "With no command, runwait opens the `io` lesson live in the terminal."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Write logs to FILE (filtered by RUST_LOG, default info); without it nothing is logged.
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// A completion script for `shell`, from the same definitions as the command line.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "runwait", &mut out);
    out
}

/// The man page (roff), from the same definitions as the command line.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the lessons, each with its point.
    List,
    /// Run a lesson under each of its executors, live in the terminal (or as text / JSON).
    Run(RunArgs),
    /// Open a trace saved with `--save` or `s` (or a Chrome trace, viztracer's), paused at its start.
    Replay(ReplayArgs),
    /// Open two saved traces together on one time axis: each run of the second with the run at
    /// its place in the first dimmed under it, both figures in its title.
    Compare(CompareArgs),
    /// Write a trace (saved with `--save`, or a Chrome trace) as an SVG picture or a Chrome trace.
    Export(ExportArgs),
    /// Start a Python program and draw its threads, processes and asyncio tasks live, sampled
    /// (`runwait py -- python3 app.py`); it is stopped on quit.
    Py(PyArgs),
    /// Draw a running Python program's threads live, sampled; it is never stopped.
    Attach(AttachArgs),
    /// Print a completion script for a shell (`runwait completions bash >
    /// ~/.local/share/bash-completion/completions/runwait`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print runwait's man page (`runwait man > runwait.1; man -l runwait.1`).
    Man,
}

/// What runwait starts itself as, not a command of people's (so never in the help, the
/// completions or the man page): `__worker` (a worker process) and `__watchdog GROUP DIR`
/// (watching a Python program it started).
pub enum Internal {
    Worker,
    Watchdog { group: u32, dir: PathBuf },
}

impl Internal {
    /// What `args` (the whole command line) start, if it is one of these.
    pub fn of(args: &[std::ffi::OsString]) -> Option<Internal> {
        match args.get(1)?.to_str()? {
            "__worker" => Some(Internal::Worker),
            "__watchdog" => Some(Internal::Watchdog {
                group: args.get(2)?.to_str()?.parse().ok()?,
                dir: PathBuf::from(args.get(3)?),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Args, Default)]
pub struct PyArgs {
    #[command(flatten)]
    pub sampling: SamplingArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "PROGRAM [ARGS]")]
    pub command: Vec<String>,
}

#[derive(Debug, Args, Default)]
pub struct AttachArgs {
    /// The process id of a running Python program.
    pub pid: u32,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Sampling")]
pub struct SamplingArgs {
    /// Samples a second (the default keeps a CPU-bound program's slowdown within 5% here).
    #[arg(allow_negative_numbers = true, long, value_name = "HZ", default_value_t = DEFAULT_HZ, value_parser = clap::value_parser!(u32).range(1..=MAX_HZ as i64))]
    pub rate: u32,
    /// Pause the program at each sample (py-spy's blocking mode): consistent stacks, a slower
    /// program.
    #[arg(long)]
    pub lock: bool,
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// The lesson: a name from `runwait list`, or a lesson file (`path/to/lesson.toml`).
    pub scenario: String,
    #[command(flatten)]
    pub executors: ExecArgs,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Beside each run that has one, run the article's own program under a real CPython
    /// (default: the newest 3.11+ found, python3.N in PATH, then pyenv's; several separated by
    /// commas, each a command or a version: `3.9,3.12`), against the same loopback server with
    /// the same figures, sampled as `runwait py` samples (3.11+; an older one's program runs for
    /// its own figures) (runs go one after another). A Python that lacks the programs' packages gets an environment of runwait's
    /// own, made once in ~/.cache/runwait ($XDG_CACHE_HOME/runwait).
    #[arg(long, value_name = "PYTHON", num_args = 0..=1, default_missing_value = "")]
    pub cpython: Option<String>,
    /// With --cpython: never install the programs' packages; say what to install instead.
    #[arg(long, requires = "cpython")]
    pub no_install: bool,
    /// Predict, then run: ask the lesson's questions before its runs ("how fast against
    /// sync?", the lesson's own); live, the runs open named and not started, each asking its
    /// question, the class's answers counted by key (1-9, u undoes) until space runs them;
    /// headless, print each with the answers given, the measured figure and the right answer.
    #[arg(long)]
    pub predict: bool,
    /// With --predict: an answer given (repeat it, once a raised hand): RUN is an executor as the
    /// lesson writes it (`threads:10/sleep0`), a run's label or its number from 1, or `lesson`;
    /// LABEL an answer's label, a part of one, or its number from 1 (`--answer threads=2x`).
    #[arg(long = "answer", value_name = "RUN=LABEL", requires = "predict")]
    pub answers: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Default)]
pub struct ReplayArgs {
    /// The trace file.
    pub file: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Default)]
pub struct CompareArgs {
    /// The trace before (drawn dimmed).
    pub before: PathBuf,
    /// The trace after.
    pub after: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// The largest trace file read (512M by default; loading takes up to about three times
    /// its size in memory); K, M, G or T, or bytes.
    #[arg(long, value_name = "SIZE", value_parser = crate::ingest::read::parse_size)]
    pub max_file_size: Option<u64>,
}

impl InputArgs {
    pub fn cap(&self) -> u64 {
        self.max_file_size.unwrap_or(MAX_FILE_BYTES)
    }
}

#[derive(Debug, Args, Default)]
#[command(group = clap::ArgGroup::new("formats").required(true).multiple(true))]
pub struct ExportArgs {
    /// The trace file.
    pub file: PathBuf,
    /// Write the timing diagrams as an SVG picture.
    #[arg(long, value_name = "FILE", group = "formats")]
    pub svg: Option<PathBuf>,
    /// Write Chrome Trace Event JSON (opens in Perfetto and chrome://tracing).
    #[arg(long, value_name = "FILE", group = "formats")]
    pub chrome: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// The SVG picture's width in pixels.
    #[arg(allow_negative_numbers = true, long, value_name = "PX", default_value_t = 1200, value_parser = clap::value_parser!(u32).range(300..=20_000))]
    pub svg_width: u32,
}

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Executors")]
pub struct ExecArgs {
    // The help names every executor in the registry.
    #[arg(long, value_delimiter = ',', value_parser = parse_exec, value_name = "LIST", help = executors_help())]
    pub executors: Option<Vec<ExecSpec>>,
    /// The emulated GIL's switch interval (CPython's default is 5 ms).
    #[arg(allow_negative_numbers = true, long, value_name = "MS", default_value_t = 5, value_parser = whole(1, u64::MAX))]
    pub switch_interval: u64,
    /// The CPython whose thread switching the emulated GIL models: 3.10 and later switch only
    /// at backward jumps and calls, 3.9 and before between most bytecodes (so inside `counter
    /// += 1`) (default: the lesson's, else 3.12).
    #[arg(long, value_name = "3.N", value_parser = parse_python)]
    pub python: Option<crate::exec::Switching>,
    /// Start every run at once (the default for I/O-bound lessons: watch them race).
    #[arg(long, conflicts_with = "one_by_one")]
    pub together: bool,
    /// Run one after another, each from its own t = 0 (the default for CPU-bound lessons and
    /// for text and JSON: honest timings).
    #[arg(long)]
    pub one_by_one: bool,
    /// Headless (text, JSON, --save): run the lesson N times over and show each run's median
    /// repeat, with the spread (fastest to slowest) in the table (default: the lesson's
    /// `repeats`, else once).
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_REPEATS as i64))]
    pub repeat: Option<u32>,
}

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Workload")]
pub struct WorkloadArgs {
    /// How many tasks (io: 40, the article's run is 160; cpu: 20).
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_TASKS as i64))]
    pub tasks: Option<u32>,
    /// io: how long the loopback server takes to answer each request (default: the lesson's, else 100).
    #[arg(allow_negative_numbers = true, long, value_name = "MS", value_parser = whole(0, HOUR_MS))]
    pub latency: Option<u64>,
    /// io: each answer takes up to this much longer, chosen from --seed.
    #[arg(allow_negative_numbers = true, long, value_name = "MS", default_value_t = 0, value_parser = whole(0, HOUR_MS))]
    pub jitter: u64,
    /// The seed of the jitter and of a lesson's random picks (counts, durations).
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 0, value_parser = whole(0, u64::MAX))]
    pub seed: u64,
    /// io: fetch this URL instead of the loopback server (repeat for several, taken in turn).
    #[arg(long = "url", value_name = "URL")]
    pub urls: Vec<String>,
    /// io: the loopback server's port (default: a free one).
    #[arg(
        allow_negative_numbers = true,
        long,
        value_name = "PORT",
        default_value_t = 0
    )]
    pub port: u16,
    /// io: give up on a request after this long.
    #[arg(allow_negative_numbers = true, long, value_name = "MS", default_value_t = 10_000, value_parser = whole(1, HOUR_MS))]
    pub timeout: u64,
    /// cpu: the first number summed up to (sum of i*i for i below it); one task takes about 100-200 ms by default.
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = whole(1, MAX_SIZE))]
    pub size: Option<u64>,
    /// race: how many times each task adds 1 to the shared counter (the lesson's: 100).
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_ADDS as i64))]
    pub adds: Option<u32>,
    /// race: run the race this many times over, counting the trials that lost updates (the
    /// lesson's: 100).
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_TRIALS as i64))]
    pub trials: Option<u32>,
}

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print the results as text instead of opening the terminal UI (also when stdout is not a
    /// terminal).
    #[arg(long)]
    pub headless: bool,
    /// Print one JSON object with a summary row per run instead of text.
    #[arg(long)]
    pub json: bool,
    /// Save the whole trace to FILE (versioned JSON, see the README).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Record what the terminal UI draws to FILE, an asciicast v2 recording with a marker at
    /// every step (`asciinema play -m FILE` pauses there).
    #[arg(long, value_name = "FILE.cast")]
    pub record: Option<PathBuf>,
    /// Width of the text diagrams (default: the terminal's, else 100).
    #[arg(allow_negative_numbers = true, long, value_name = "COLS", value_parser = clap::value_parser!(u16).range(20..))]
    pub width: Option<u16>,
    /// Leave the mouse to the terminal (no clicks, wheel or drags in the UI), for terminals
    /// that misbehave with mouse reports.
    #[arg(long)]
    pub no_mouse: bool,
    /// Frames a second of the terminal UI.
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..=240))]
    pub fps: u16,
}

fn executors_help() -> String {
    format!(
        "Executors in display order, NAME or NAME:WORKERS ({})",
        crate::exec::names()
    )
}

fn parse_python(version: &str) -> Result<crate::exec::Switching, String> {
    version.parse()
}

fn parse_exec(spec: &str) -> Result<ExecSpec, String> {
    spec.parse().map_err(|e: crate::error::Error| e.to_string())
}

/// A parser of a whole number in `low..=high` that says so of anything else, `-5` included
/// (clap's own says `invalid digit found in string` of a negative number).
fn whole(low: u64, high: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |text: &str| {
        let range = match high {
            u64::MAX => format!("a whole number from {low} up"),
            _ => format!("a whole number in {low}..={high}"),
        };
        match text.trim().parse::<u64>() {
            Ok(n) if (low..=high).contains(&n) => Ok(n),
            _ => Err(format!("{text} is not {range}")),
        }
    }
}
