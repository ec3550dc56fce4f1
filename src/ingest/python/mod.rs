//! A real Python program, sampled live (`runwait py`, `runwait attach`): one more source of
//! records for the recorder, like the worker processes' pipes and the files read by `ingest`.
//!
//! ```text
//!  program.rs: start PROGRAM (own process group, probe on its path, a watchdog)
//!        │
//!  sampler.rs: every 1/HZ ──► process.rs: py-spy stacks of each Python process
//!        │                       + procfs.rs: /proc syscall, schedstat, children
//!        │                       + classify.rs: run / ready (GIL) / wait (why)
//!        │   tasks.rs: the asyncio probe's reports (assets/python/sitecustomize.py)
//!        ▼
//!  Sink ──► Recorder: a run per process (NewRun), a lane per Python thread and asyncio task,
//!           marks, CPU waits, the top frame (Where)
//! ```
//!
//! Every process is a run, all drawn from the first one's start, so they share one time axis;
//! or, asked to ([`Sampler::start_into`], as `--cpython` does), every process's threads are
//! lanes of one run already in the trace, a worker process's first thread standing for it.

mod classify;
pub mod process;
mod procfs;
pub mod program;
mod sampler;
mod tasks;

pub use program::{watchdog_main, Launch};

use crate::error::Error;
use crate::instrument::{Clock, Sink};
use process::How;
use program::Program;
use sampler::Loop;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The default sampling rate: what keeps a CPU-bound program's slowdown within 5% here
/// (`cargo bench --bench python`), and never under 200.
pub const DEFAULT_HZ: u32 = 500;

/// The highest sampling rate asked for (a sample of a few threads takes about 300 µs).
pub const MAX_HZ: u32 = 2_000;

/// How long a program runwait started has to show an interpreter before it is taken as not
/// Python.
const START_PATIENCE: Duration = Duration::from_secs(5);

/// What to sample.
#[derive(Clone, Debug)]
pub enum Target {
    /// Start this program (and stop it when done).
    Start(Launch),
    /// A running process (never stopped).
    Attach(u32),
}

/// How to sample.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub hz: u32,
    /// Pause the program at each sample (py-spy's blocking mode).
    pub paused: bool,
}

/// A program being sampled; dropping it stops sampling (and the program, if runwait started it).
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Option<i32>>>,
    code: Option<i32>,
    output: Option<Arc<Mutex<Vec<u8>>>>,
    start_ns: u64,
    one_run: Option<Arc<Mutex<process::RunInto>>>,
}

/// Which runs a program's processes are sampled into.
enum Runs {
    /// A run each, the first process's `first`, the next ones added as they are found.
    Each(u32),
    /// One run, already in the trace, for them all.
    One(Arc<Mutex<process::RunInto>>),
}

impl Runs {
    /// The id of the first run a process is added as (none is, into one run).
    fn first(&self) -> u32 {
        match self {
            Runs::Each(first) => *first,
            Runs::One(_) => 0,
        }
    }

    fn one(&self) -> Option<Arc<Mutex<process::RunInto>>> {
        match self {
            Runs::One(into) => Some(into.clone()),
            Runs::Each(_) => None,
        }
    }
}

impl Sampler {
    /// Start sampling `target`, its first process as run `first_run` of the recorder `sink`
    /// feeds. Fails, with the program stopped, if it is not a Python process runwait can read;
    /// what a started program wrote before then is written to stderr.
    pub fn start(
        target: Target,
        options: Options,
        sink: Sink,
        clock: Clock,
        first_run: u32,
    ) -> Result<Sampler, Error> {
        Sampler::start_keeping(target, options, sink, clock, first_run).map_err(|(e, said)| {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), &said);
            e
        })
    }

    /// [`Sampler::start`], failing with what a started program wrote before then (a program
    /// over before its first sample may still have said all it had to).
    pub fn start_keeping(
        target: Target,
        options: Options,
        sink: Sink,
        clock: Clock,
        first_run: u32,
    ) -> Result<Sampler, (Error, Vec<u8>)> {
        Sampler::start_runs(target, options, (sink, clock), Runs::Each(first_run))
    }

    /// [`Sampler::start_keeping`], every process of the program in one run already in the
    /// trace, `run` of metadata `meta` (its worker processes' threads lanes within it): the run
    /// is started with the first sample, and ended by the caller, at [`Sampler::ended_ns`].
    pub fn start_into(
        target: Target,
        options: Options,
        (sink, clock): (Sink, Clock),
        (run, meta): (u32, crate::trace::RunMeta),
    ) -> Result<Sampler, (Error, Vec<u8>)> {
        let into = process::RunInto::new(run, meta, true);
        Sampler::start_runs(target, options, (sink, clock), Runs::One(into))
    }

    fn start_runs(
        target: Target,
        options: Options,
        (sink, clock): (Sink, Clock),
        runs: Runs,
    ) -> Result<Sampler, (Error, Vec<u8>)> {
        let (mut program, pid) = match &target {
            Target::Start(launch) => {
                let program = Program::start(launch).map_err(|e| (e, Vec::new()))?;
                let pid = program.pid();
                (Some(program), pid)
            }
            Target::Attach(pid) if procfs::alive(*pid) => (None, *pid),
            Target::Attach(pid) => {
                return Err((Error::Python(format!("no process {pid}")), Vec::new()))
            }
        };
        let spy = match attach(pid, options.paused, program.as_mut()) {
            Ok(spy) => spy,
            Err(e) => {
                // What the program said before it could be sampled, and why.
                let said = program.as_ref().map(Program::output);
                drop(program);
                let said = said.map_or(Vec::new(), |s| {
                    s.lock().unwrap_or_else(|e| e.into_inner()).clone()
                });
                return Err((e, said));
            }
        };
        let how = How {
            hz: options.hz,
            paused: options.paused,
            tasks: program.is_some() && (spy.version.major, spy.version.minor) >= (3, 12),
        };
        let output = program.as_ref().map(Program::output);
        let probe = program.as_mut().and_then(|p| {
            let epoch = tasks::monotonic_ns().saturating_sub(clock.now_ns());
            tasks::Listener::new(p.probe.take()?, epoch)
        });
        let mut sampler = Loop {
            processes: Vec::new(),
            known: HashMap::from([(pid, Instant::now())]),
            pending: HashSet::new(),
            others: HashSet::new(),
            program,
            probe,
            how,
            sink,
            clock,
            next_run: runs.first(),
            start_ns: clock.now_ns(),
            one_run: runs.one(),
            opened: 0,
        };
        let start_ns = sampler.start_ns;
        let first = sampler.add(spy);
        sampler.processes.push(first);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("runwait-py-sampler".into())
            .spawn(move || sampler.run(&flag))
            .map_err(|e| {
                let e = Error::Io {
                    what: "cannot start the sampler".into(),
                    source: e,
                };
                (e, Vec::new())
            })?;
        Ok(Sampler {
            stop,
            thread: Some(thread),
            code: None,
            output,
            start_ns,
            one_run: runs.one(),
        })
    }

    /// When the first process's run started.
    pub fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// With one run for every process ([`Sampler::start_into`]): when the last of them ended.
    pub fn ended_ns(&self) -> Option<u64> {
        let into = self.one_run.as_ref()?;
        into.lock().unwrap_or_else(|e| e.into_inner()).ended_ns
    }

    /// Whether sampling has ended (every process is gone).
    pub fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stop sampling (and the program runwait started) and wait for it.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.code = thread.join().unwrap_or(None);
        }
    }

    /// The exit code of the program runwait started, once it has ended by itself.
    pub fn exit_code(&mut self) -> Option<i32> {
        if self.finished() {
            self.join();
        }
        self.code
    }

    /// What the started program wrote while its output was kept.
    pub fn output(&self) -> Vec<u8> {
        self.output.as_ref().map_or(Vec::new(), |o| {
            o.lock().unwrap_or_else(|e| e.into_inner()).clone()
        })
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Open process `pid` for sampling: a started program is given time to start its
/// interpreter. The error says what to do.
fn attach(
    pid: u32,
    paused: bool,
    mut program: Option<&mut Program>,
) -> Result<py_spy::PythonSpy, Error> {
    let deadline = Instant::now() + START_PATIENCE;
    // Time for a launcher (a shell script) to become Python (exec).
    let settled = Instant::now() + Duration::from_millis(500);
    loop {
        let err = match process::open(pid, paused) {
            Ok(spy) if (spy.version.major, spy.version.minor) < OLDEST => {
                return Err(Error::Python(too_old(pid, &spy.version)));
            }
            Ok(mut spy) => match spy.get_stack_traces() {
                Ok(_) => return Ok(spy),
                Err(e) => e,
            },
            Err(e) => e,
        };
        let exited = match program.as_deref_mut() {
            Some(p) => p.exited(),
            None => (!procfs::alive(pid)).then_some(0),
        };
        if let Some(code) = exited {
            return Err(Error::Python(match program {
                Some(_) => format!("the program exited (code {code}) before its first sample"),
                None => format!("process {pid} exited before its first sample"),
            }));
        }
        // A program that maps no Python after a moment (`/bin/sleep`) is not one: said at
        // once, not once it ends.
        let not_python = Instant::now() > settled && procfs::surely_not_python(pid);
        let fatal = denied(&err) || unsupported(&err).is_some() || program.is_none() || not_python;
        if fatal || Instant::now() > deadline {
            return Err(Error::Python(why_not(pid, &err)));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The oldest CPython runwait samples: from 3.11 on a thread's OS id is in its thread state, so
/// its state, its system call and its CPU waits can be read.
const OLDEST: (u64, u64) = (3, 11);

fn too_old(pid: u32, v: &impl std::fmt::Display) -> String {
    format!(
        "process {pid} runs Python {v}: runwait samples CPython {}.{} or later",
        OLDEST.0, OLDEST.1
    )
}

fn denied(err: &anyhow::Error) -> bool {
    let text = format!("{err:#}");
    text.contains("Operation not permitted") || text.contains("Permission denied")
}

fn unsupported(err: &anyhow::Error) -> Option<String> {
    let text = format!("{err:#}");
    text.contains("Unsupported version").then_some(text)
}

/// Why `pid` cannot be sampled, and what to do, in one line.
fn why_not(pid: u32, err: &anyhow::Error) -> String {
    let name = procfs::command_line(pid);
    let name = name.split(' ').next().unwrap_or("");
    if denied(err) {
        return format!(
            "not permitted to read process {pid} ({name}): run runwait as root or as the \
             program's user (with `sysctl kernel.yama.ptrace_scope=0` where only a parent may; \
             in a container, --cap-add SYS_PTRACE)"
        );
    }
    if let Some(text) = unsupported(err) {
        return format!("process {pid} ({name}) runs a Python runwait cannot read: {text}");
    }
    format!("process {pid} ({name}) is not a Python process runwait can read ({err})")
}
