//! What each command does, from parsed arguments to output. `main.rs` only calls [`main`].

use crate::cli::{
    Cli, Command, CompareArgs, ExportArgs, OutputArgs, ReplayArgs, RunArgs, SamplingArgs,
};
use crate::error::Error;
use crate::exec::Env;
use crate::export::{json, text};
use crate::ingest::python::{Launch, Options as SampleOptions, Target};
use crate::lab::cpython::Ask;
use crate::lab::scenario::{self, Order};
use crate::lab::{Lab, Options, Plan};
use crate::trace::file;
use crate::ui;
use clap::Parser;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Whether stdout was closed when runwait started (`>&-`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Parse the command line and run; returns the process exit code.
pub fn main() -> i32 {
    STDOUT_CLOSED.store(stdout_was_closed(), Ordering::Relaxed);
    // Requests take sockets: as many as the system allows this process.
    crate::workload::raise_fd_limit();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match crate::cli::Internal::of(&args) {
        Some(crate::cli::Internal::Worker) => return crate::exec::process::worker_main(),
        Some(crate::cli::Internal::Watchdog { group, dir }) => {
            return crate::ingest::python::watchdog_main(group, &dir)
        }
        None => {}
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    if let Some(path) = &cli.log {
        if let Err(e) = crate::instrument::log::init(path) {
            return fail(&e);
        }
    }
    let result = match cli.command {
        Some(Command::List) => list().map(|()| 0),
        Some(Command::Run(args)) => run(args),
        Some(Command::Replay(args)) => replay(args),
        Some(Command::Compare(args)) => compare(args),
        Some(Command::Export(args)) => export(args).map(|()| 0),
        Some(Command::Py(args)) => py(args.command, &args.sampling, &args.output),
        Some(Command::Attach(args)) => attach(args.pid, &args.sampling, &args.output),
        Some(Command::Completions { shell }) => {
            write_stdout(&String::from_utf8_lossy(&crate::cli::completions(shell))).map(|()| 0)
        }
        Some(Command::Man) => crate::cli::man_page()
            .map_err(|e| Error::Io {
                what: "cannot make the man page".into(),
                source: e,
            })
            .and_then(|page| write_stdout(&String::from_utf8_lossy(&page)).map(|()| 0)),
        None => run(RunArgs {
            scenario: "io".into(),
            ..default_run_args()
        }),
    };
    // Logging that failed on the way (a full disk) fails the command, once it is done.
    let result = result.and_then(|code| match crate::instrument::log::failure() {
        Some(e) => Err(e),
        None => Ok(code),
    });
    match result {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// Whether stdout was closed when runwait started (`>&-`). Rust's runtime opens `/dev/null`
/// read-write in place of a closed standard descriptor, so that no file or socket takes its
/// number; a shell's `> /dev/null` opens it write-only. So stdout that is `/dev/null`, open for
/// reading and writing, was closed, and what runwait prints would be lost: an error
/// ([`stdout_open`]).
fn stdout_was_closed() -> bool {
    #[cfg(unix)]
    {
        use rustix::fs::{fcntl_getfl, fstat, stat, OFlags};
        let out = std::io::stdout();
        let (Ok(fd), Ok(null), Ok(flags)) = (fstat(&out), stat("/dev/null"), fcntl_getfl(&out))
        else {
            return false;
        };
        let is_null =
            (fd.st_mode & 0o170000) == (null.st_mode & 0o170000) && fd.st_rdev == null.st_rdev;
        is_null && (flags & OFlags::ACCMODE) == OFlags::RDWR
    }
    #[cfg(not(unix))]
    false
}

/// An error, before anything is done, if what is printed would go nowhere.
fn stdout_open() -> Result<(), Error> {
    match STDOUT_CLOSED.load(Ordering::Relaxed) {
        true => Err(Error::Io {
            what: "cannot write to stdout".into(),
            source: std::io::Error::other("it is closed"),
        }),
        false => Ok(()),
    }
}

/// The defaults clap gives `runwait run io`.
fn default_run_args() -> RunArgs {
    match Cli::try_parse_from(["runwait", "run", "io"]) {
        Ok(Cli {
            command: Some(Command::Run(args)),
            ..
        }) => args,
        _ => unreachable!("`runwait run io` always parses"),
    }
}

fn fail(e: &Error) -> i32 {
    tracing::error!("{e}");
    // A reader that went away (`| head`) ends runwait quietly, as it ends other Unix tools.
    if e.is_closed_pipe() {
        return 128 + signal_hook::consts::SIGPIPE;
    }
    say(&format!("error: {e}"));
    e.exit_code()
}

/// One line on stderr, `runwait: ` first, its control characters (from a path, a file, a
/// program or the OS) shown as `�`. Unlike `eprintln!`, a stderr that cannot be written (a
/// reader gone away) is no panic.
fn say(line: &str) {
    let line = crate::error::printable(line);
    let _ = writeln!(std::io::stderr(), "runwait: {line}");
}

/// Help and version print as clap prints them; a usage error prints as one line, exit code 2.
fn clap_exit(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        _ => {
            // The message is its first paragraph (some span lines: the missing arguments).
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .map(str::trim)
                .skip_while(|l| l.is_empty())
                .take_while(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let line = match line.trim_start_matches("error: ") {
                "" => "bad arguments",
                line => line,
            };
            say(&format!("error: {line}"));
            2
        }
    }
}

fn list() -> Result<(), Error> {
    let text: String = scenario::builtin()
        .iter()
        .map(|s| format!("{:<10} {}\n", s.name, s.point))
        .collect();
    write_stdout(&text)
}

/// Write to stdout and flush: a full disk or a closed stdout is an error.
fn write_stdout(text: &str) -> Result<(), Error> {
    stdout_open()?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Io {
            what: "cannot write to stdout".into(),
            source: e,
        })
}

fn options(args: &RunArgs) -> Options {
    let w = &args.workload;
    Options {
        executors: args.executors.executors.clone(),
        tasks: w.tasks,
        latency_ms: w.latency,
        jitter_ms: w.jitter,
        seed: w.seed,
        urls: w.urls.clone(),
        size: w.size,
        port: w.port,
        env: Env {
            http_timeout: Duration::from_millis(w.timeout),
            switch_interval: Duration::from_millis(args.executors.switch_interval),
            ..Env::default()
        },
        arrivals_at_once: false,
        python: args.executors.python,
        trials: w.trials,
        adds: w.adds,
        repeats: args.executors.repeat,
        predict: args.predict,
        // Headless, runs go one by one (each measured alone); live, as asked.
        order: match (wants_ui(&args.output), &args.executors) {
            (false, _) => Some(Order::OneByOne),
            (true, e) if e.together => Some(Order::Together),
            (true, e) if e.one_by_one => Some(Order::OneByOne),
            _ => None,
        },
        cpython: args.cpython.as_ref().map(|python| Ask {
            python: Some(python.clone()).filter(|p| !p.is_empty()),
            watchdog: std::env::current_exe().ok(),
            cache: crate::lab::cpython::venv::cache_root().filter(|_| !args.no_install),
        }),
    }
}

/// The terminal UI, unless text or JSON was asked for or stdout is not a terminal.
fn wants_ui(output: &OutputArgs) -> bool {
    !output.headless && !output.json && std::io::stdout().is_terminal()
}

fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A `--save` or `--record` path that can't be written is an error before anything runs, not
/// after; so is `--record` without the UI to record.
fn check_output(output: &OutputArgs) -> Result<(), Error> {
    if output.record.is_some() && !wants_ui(output) {
        return Err(Error::Usage(
            "--record records the terminal UI: run it in a terminal, without --headless or --json"
                .into(),
        ));
    }
    if !wants_ui(output) {
        stdout_open()?;
    }
    one_output_a_path(&[("--save", &output.save), ("--record", &output.record)])?;
    for path in output.save.iter().chain(&output.record) {
        writable(path).map_err(|e| Error::cannot_write(path, e))?;
    }
    Ok(())
}

/// Whether `path` can be written, found out without changing it: an existing file is opened
/// for writing (not truncated); a new one is made and removed again.
fn writable(path: &std::path::Path) -> std::io::Result<()> {
    use std::io::{Error as IoError, ErrorKind};
    if path.is_dir() {
        return Err(IoError::new(ErrorKind::IsADirectory, "it is a directory"));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if !dir.is_dir() {
        return Err(IoError::new(ErrorKind::NotFound, "no such directory"));
    }
    if path.exists() {
        return std::fs::OpenOptions::new().write(true).open(path).map(drop);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    std::fs::remove_file(path)
}

/// Returns the exit code: 0, or 128 + the signal that ended the UI.
fn run(args: RunArgs) -> Result<i32, Error> {
    check_output(&args.output)?;
    if wants_ui(&args.output) && args.executors.repeat.is_some_and(|n| n > 1) {
        return Err(Error::Usage(
            "--repeat runs the lesson over headless (--headless or --json): the UI shows each run once"
                .into(),
        ));
    }
    let scenario = scenario::find(&args.scenario)?;
    let plan = Plan::prepare(scenario, options(&args))?;
    crate::lab::fit::check(&plan, plan.order)?;
    let mut lab = Lab::new(plan);
    for given in &args.answers {
        lab.answer(given)?;
    }
    if !wants_ui(&args.output) {
        return run_headless(lab, &args.output);
    }
    if !args.predict {
        lab.start();
    }
    let (notes, said) = (lab.notes(), lab.said());
    let mut app = match args.predict {
        true => ui::app::App::predicting(lab),
        false => ui::app::App::live(lab),
    };
    let shown = show(&mut app, &args.output);
    tell(&notes, app.trace());
    said.lines().iter().for_each(|line| say(line));
    shown.map(|code| if code == 0 { ended(app.trace()) } else { code })
}

/// Run `plan` to its end, or until SIGINT, SIGTERM or SIGHUP: then the runs are stopped, and
/// what finished is printed and saved all the same (the runs not finished marked stopped).
/// Returns 0, [`RUN_FAILED`] if a run failed for want of something it needed, or 128 + the
/// signal that stopped it.
fn run_headless(mut lab: Lab, output: &OutputArgs) -> Result<i32, Error> {
    let signal = Arc::new(AtomicUsize::new(0));
    let again = Arc::new(AtomicBool::new(false));
    for s in [SIGINT, SIGTERM, SIGHUP] {
        // A second signal, while the runs are stopping, ends runwait at once.
        let _ = signal_hook::flag::register_conditional_shutdown(s, 128 + s, again.clone());
        let _ = signal_hook::flag::register_usize(s, signal.clone(), s as usize);
    }
    let repeats = lab.latest().map_or(1, |p| p.repeats);
    let traces = lab.repeat_to_end(repeats, || signal.load(Ordering::Relaxed) != 0);
    again.store(signal.load(Ordering::Relaxed) != 0, Ordering::Relaxed);
    // Why tasks failed, and what the real programs said: the last repeat's.
    let (notes, said) = (lab.notes(), lab.said());
    drop(lab);
    let trace = match repeats {
        1 => traces.into_iter().next(),
        _ => crate::trace::repeats::median(traces),
    }
    .unwrap_or_default();
    if trace.dropped > 0 {
        say(&text::dropped_words(trace.dropped));
    }
    // The results first: a trace that cannot be saved does not take them with it.
    let printed = print(&trace, output);
    tell(&notes, &trace);
    said.lines().iter().for_each(|line| say(line));
    let saved = output.save.as_ref().map_or(Ok(()), |p| save(&trace, p));
    printed.and(saved)?;
    Ok(match signal.load(Ordering::Relaxed) {
        0 => ended(&trace),
        s => 128 + s as i32,
    })
}

/// The exit code of runs that ended by themselves: [`RUN_FAILED`] if one failed for want of
/// something it needed (said on stderr), else 0.
fn ended(trace: &crate::trace::Trace) -> i32 {
    let failed = trace
        .runs
        .iter()
        .any(|r| matches!(r.halted, Some(crate::trace::Halt::Failed(_))));
    if failed {
        RUN_FAILED
    } else {
        0
    }
}

/// The exit code when a run failed for want of a thread, a process, a file or a runtime.
const RUN_FAILED: i32 = 1;

/// Why tasks failed or were lost, a line a run on stderr (and in the log).
fn tell(notes: &crate::exec::Notes, trace: &crate::trace::Trace) {
    for run in &trace.runs {
        if let Some(crate::trace::Halt::Failed(why)) = &run.halted {
            let line = format!("{}: the run failed: {why}", run.meta.label);
            let line = match run.not_run() {
                0 => line,
                n => format!("{line}; {n} of {} tasks not run", run.meta.tasks),
            };
            tracing::error!("{line}");
            say(&line);
        }
    }
    for line in notes.summary(trace) {
        tracing::warn!("{line}");
        say(&line);
    }
}

/// `runwait py -- PROGRAM [ARGS]`: start it and sample it. Returns its exit code when it
/// ended by itself.
fn py(command: Vec<String>, sampling: &SamplingArgs, output: &OutputArgs) -> Result<i32, Error> {
    check_output(output)?;
    let name = crate::present::words::program_name(&command);
    let launch = Launch {
        command,
        keep_output: wants_ui(output),
        watchdog: std::env::current_exe().ok(),
        script: None,
    };
    sample(&name, Target::Start(launch), sampling, output)
}

/// `runwait attach PID`: sample a running program (never stopped).
fn attach(pid: u32, sampling: &SamplingArgs, output: &OutputArgs) -> Result<i32, Error> {
    check_output(output)?;
    sample(&format!("pid {pid}"), Target::Attach(pid), sampling, output)
}

/// Sample a program live in the UI, or headless until it ends (or Ctrl-C / SIGTERM).
fn sample(
    name: &str,
    target: Target,
    sampling: &SamplingArgs,
    output: &OutputArgs,
) -> Result<i32, Error> {
    let options = SampleOptions {
        hz: sampling.rate,
        paused: sampling.lock,
    };
    let signal = Arc::new(AtomicUsize::new(0));
    if !wants_ui(output) {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            let _ = signal_hook::flag::register_usize(s, signal.clone(), s as usize);
        }
    }
    let mut lab = Lab::sample(name, target, options)?;
    if wants_ui(output) {
        let mut app = ui::app::App::live(lab);
        let code = show(&mut app, output);
        let Some(mut lab) = app.session.into_lab() else {
            return code;
        };
        let _ = std::io::stderr().write_all(&lab.program_output());
        let exited = lab.exit_code();
        return code.map(|c| if c == 0 { exited.unwrap_or(0) } else { c });
    }
    while !lab.finished() && signal.load(Ordering::Relaxed) == 0 {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.stop();
    let exited = lab.exit_code();
    let trace = lab.into_trace();
    if let Some(path) = &output.save {
        file::save(&trace, path)?;
    }
    print(&trace, output)?;
    Ok(match signal.load(Ordering::Relaxed) {
        0 => exited.unwrap_or(0),
        s => 128 + s as i32,
    })
}

fn replay(args: ReplayArgs) -> Result<i32, Error> {
    check_output(&args.output)?;
    let trace = crate::ingest::load_within(&args.file, args.input.cap())?;
    if !wants_ui(&args.output) {
        return print(&trace, &args.output).map(|()| 0);
    }
    let mut app = ui::app::App::replay(trace);
    show(&mut app, &args.output)
}

/// Two saved traces on one axis.
fn compare(args: CompareArgs) -> Result<i32, Error> {
    check_output(&args.output)?;
    let trace = crate::ingest::compare(&args.before, &args.after, args.input.cap())?;
    if !wants_ui(&args.output) {
        return print(&trace, &args.output).map(|()| 0);
    }
    let mut app = ui::app::App::replay(trace);
    show(&mut app, &args.output)
}

/// Write a trace as the pictures and files asked for (the Chrome trace as it is made).
fn export(args: ExportArgs) -> Result<(), Error> {
    one_output_a_path(&[("--svg", &args.svg), ("--chrome", &args.chrome)])?;
    for path in args.svg.iter().chain(&args.chrome) {
        writable(path).map_err(|e| Error::cannot_write(path, e))?;
    }
    let trace = crate::ingest::load_within(&args.file, args.input.cap())?;
    if let Some(path) = &args.svg {
        let svg = crate::export::svg::render(&trace, args.svg_width);
        std::fs::write(path, svg).map_err(|e| Error::cannot_write(path, e))?;
    }
    if let Some(path) = &args.chrome {
        let write = || -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
            crate::export::chrome::write(&trace, &mut out)?;
            out.flush()
        };
        write().map_err(|e| Error::cannot_write(path, e))?;
    }
    Ok(())
}

/// Two outputs to one file would write one over the other: refused before anything is done
/// (the same path, or two paths to one file).
fn one_output_a_path(outputs: &[(&str, &Option<std::path::PathBuf>)]) -> Result<(), Error> {
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a == b
            || matches!(
                (std::fs::canonicalize(a), std::fs::canonicalize(b)),
                (Ok(x), Ok(y)) if x == y
            )
    };
    for (i, (flag, path)) in outputs.iter().enumerate() {
        for (other, path2) in &outputs[i + 1..] {
            if let (Some(a), Some(b)) = (path, path2) {
                if same(a, b) {
                    return Err(Error::Usage(format!(
                        "{flag} and {other} both write {}: give each its own file",
                        a.display()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Save the trace; the error says it was not saved.
fn save(trace: &crate::trace::Trace, path: &std::path::Path) -> Result<(), Error> {
    file::save(trace, path).map_err(|e| match e {
        Error::Io { source, .. } => Error::Io {
            what: format!("the trace was not saved to {}", path.display()),
            source,
        },
        e => e,
    })
}

/// Run the UI; with `--save`, `s` saves there and the trace is saved on quitting too.
fn show(app: &mut ui::app::App, output: &OutputArgs) -> Result<i32, Error> {
    app.view.color = color_allowed();
    app.session.save_path = output.save.clone();
    let mouse = !output.no_mouse;
    let signal = ui::run(app, f64::from(output.fps), output.record.as_deref(), mouse)?;
    if let Some(path) = &output.save {
        save(app.trace(), path)?;
    }
    Ok(signal.map_or(0, |s| 128 + s))
}

fn print(trace: &crate::trace::Trace, output: &OutputArgs) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let text = if output.json {
        json::to_string(trace) + "\n"
    } else {
        let style = text::Style {
            width: output.width.map_or_else(terminal_width, usize::from),
            color: stdout.is_terminal() && color_allowed(),
        };
        text::render(trace, style)
    };
    write_stdout(&text)
}

fn terminal_width() -> usize {
    match crossterm::terminal::size() {
        Ok((cols, _)) if std::io::stdout().is_terminal() && cols >= 20 => cols as usize,
        _ => 100,
    }
}
