//! What each command does, from parsed arguments to output. `main.rs` only calls [`main`].

use crate::cli::{Cli, Command, ExportArgs, OutputArgs, ReplayArgs, RunArgs, SamplingArgs};
use crate::error::Error;
use crate::exec::Env;
use crate::export::{json, text};
use crate::ingest::python::{Launch, Options as SampleOptions, Target};
use crate::lab::scenario::{self, Order};
use crate::lab::{Lab, Options, Plan};
use crate::trace::file;
use crate::ui;
use clap::Parser;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Parse the command line and run; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    if let Some(path) = &cli.log {
        if let Err(e) = crate::instrument::log::init(path) {
            return fail(&e);
        }
    }
    let result = match cli.command {
        Some(Command::Worker) => return crate::exec::process::worker_main(),
        Some(Command::List) => list().map(|()| 0),
        Some(Command::Run(args)) => run(args),
        Some(Command::Replay(args)) => replay(args),
        Some(Command::Export(args)) => export(args).map(|()| 0),
        Some(Command::Py(args)) => py(args.command, &args.sampling, &args.output),
        Some(Command::Attach(args)) => attach(args.pid, &args.sampling, &args.output),
        Some(Command::Watchdog { group, dir }) => {
            return crate::ingest::python::watchdog_main(group, &dir)
        }
        None => run(RunArgs {
            scenario: "io".into(),
            ..default_run_args()
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => fail(&e),
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
    eprintln!("runwait: error: {e}");
    e.exit_code()
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
            eprintln!("runwait: error: {line}");
            2
        }
    }
}

fn list() -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    for s in scenario::builtin() {
        let _ = writeln!(out, "{:<10} {}", s.name, s.point);
    }
    Ok(())
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
    for path in output.save.iter().chain(&output.record) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Error::cannot_write(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
            ));
        }
    }
    Ok(())
}

/// Returns the exit code: 0, or 128 + the signal that ended the UI.
fn run(args: RunArgs) -> Result<i32, Error> {
    check_output(&args.output)?;
    let scenario = scenario::find(&args.scenario)?;
    let lesson_order = scenario.order;
    let plan = Plan::prepare(scenario, options(&args))?;
    if !wants_ui(&args.output) {
        let trace = Lab::new(plan, Order::OneByOne).run_to_end();
        if let Some(path) = &args.output.save {
            file::save(&trace, path)?;
        }
        return print(&trace, &args.output).map(|()| 0);
    }
    let e = &args.executors;
    let order = match (e.together, e.one_by_one) {
        (true, _) => Order::Together,
        (_, true) => Order::OneByOne,
        _ => lesson_order,
    };
    let mut lab = Lab::new(plan, order);
    lab.start();
    let mut app = ui::app::App::live(lab);
    show(&mut app, &args.output)
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
        let ui::app::Source::Live(lab) = &mut app.source else {
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
    let trace = crate::ingest::load(&args.file)?;
    if !wants_ui(&args.output) {
        return print(&trace, &args.output).map(|()| 0);
    }
    let mut app = ui::app::App::replay(trace);
    show(&mut app, &args.output)
}

/// Write a trace as the pictures and files asked for.
fn export(args: ExportArgs) -> Result<(), Error> {
    let trace = crate::ingest::load(&args.file)?;
    let write = |path: &std::path::Path, text: String| {
        std::fs::write(path, text).map_err(|e| Error::cannot_write(path, e))
    };
    if let Some(path) = &args.svg {
        write(path, crate::export::svg::render(&trace, args.svg_width))?;
    }
    if let Some(path) = &args.chrome {
        write(path, crate::export::chrome::to_json(&trace))?;
    }
    Ok(())
}

/// Run the UI; with `--save`, `s` saves there and the trace is saved on quitting too.
fn show(app: &mut ui::app::App, output: &OutputArgs) -> Result<i32, Error> {
    app.color = color_allowed();
    app.save_path = output.save.clone();
    let signal = ui::run(app, f64::from(output.fps), output.record.as_deref())?;
    if let Some(path) = &output.save {
        file::save(app.trace(), path)?;
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
    stdout
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Error::Io {
            what: "cannot write to stdout".into(),
            source: e,
        })
}

fn terminal_width() -> usize {
    match crossterm::terminal::size() {
        Ok((cols, _)) if std::io::stdout().is_terminal() && cols >= 20 => cols as usize,
        _ => 100,
    }
}
