//! `runwait run LESSON --cpython`: the articles' own programs (embedded from `assets/python/`)
//! run by a real CPython 3.12 beside runwait's runs, against the same loopback server, sampled
//! into the one trace. The programs need `requests` and `aiohttp`: the tests make an
//! environment of CPython 3.12 with them once (under `target/tmp/`), and a test shows runwait
//! making its own for a Python that lacks them. Without 3.12 (or without the network to install
//! the packages) the tests fail saying what is missing, unless `RUNWAIT_SKIP_PYTHON=3.12`.

#[path = "common/python.rs"]
mod pythons;

use runwait::trace::{Run, Trace};
use std::path::{Path, PathBuf};
use std::process::Output;

/// One lesson at a time: the real programs' timings compete for the same cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn runwait(args: &[&str]) -> Output {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .output()
        .expect("runwait starts")
}

/// `runwait ARGS` with `XDG_CACHE_HOME` at `cache`.
fn runwait_in(args: &[&str], cache: &Path) -> Output {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("runwait starts")
}

/// `runwait run ARGS --cpython PYTHON --save FILE`, its text, and the trace it saved.
fn run_beside(python: &Path, args: &[&str]) -> (String, Trace) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("trace.json");
    let mut all = vec!["run"];
    all.extend(args);
    let python = python.to_string_lossy();
    all.extend(["--headless", "--cpython", &python, "--save"]);
    all.push(file.to_str().expect("a UTF-8 path"));
    let out = runwait(&all);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "runwait {all:?} failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = runwait::ingest::load(&file).expect("the saved trace loads");
    (text, trace)
}

/// The real run beside the emulated run labelled `executor`.
fn real<'a>(trace: &'a Trace, executor: &str) -> &'a Run {
    trace
        .runs
        .iter()
        .find(|r| {
            r.is_real()
                && r.meta
                    .label
                    .starts_with(&format!("{executor} · CPython 3.12"))
        })
        .unwrap_or_else(|| {
            let labels: Vec<&str> = trace.runs.iter().map(|r| r.meta.label.as_str()).collect();
            panic!("no real {executor} run among {labels:?}")
        })
}

/// The names of a run's lanes, whole.
fn names(run: &Run) -> Vec<String> {
    run.lanes
        .iter()
        .map(runwait::present::words::lane_text)
        .collect()
}

fn lanes_named(run: &Run, starts: &str) -> Vec<String> {
    names(run)
        .into_iter()
        .filter(|n| n.starts_with(starts))
        .collect()
}

/// CPython 3.12 in an environment with the programs' packages.
fn python312() -> Option<PathBuf> {
    pythons::with_packages(12)
}

#[test]
fn the_io_programs_run_beside_runwaits_with_five_pool_threads_and_two_worker_processes() {
    let Some(python) = python312() else { return };
    let (text, trace) = run_beside(&python, &["io", "--tasks", "10", "--latency", "50"]);
    for executor in ["sync", "threads", "async", "process"] {
        let run = real(&trace, executor);
        assert!(run.finished(), "{executor}: the real run ends");
        let beside = run
            .meta
            .beside
            .and_then(|b| b.run)
            .expect("linked to its run");
        let emulated = &trace.runs[beside as usize];
        assert!(
            !emulated.is_real() && emulated.meta.executor == executor,
            "{executor}: beside {}",
            emulated.meta.label
        );
        assert_eq!(
            run.done_of(0),
            (10, 10),
            "{executor}: the program fetched all 10 pages"
        );
        assert!(
            run.timed_ns().is_some_and(|t| t >= 50_000_000),
            "{executor}: the program's own timing covers at least one 50 ms answer"
        );
    }
    let threads = real(&trace, "threads");
    // Besides the main thread, the pool's five (a thread sampled before its Python name is
    // read, in a slow build, stays `thread N`).
    let names = names(threads);
    let pool: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("ThreadPoolExecutor") || n.starts_with("thread "))
        .collect();
    assert_eq!(pool.len(), 5, "five pool threads: {names:?}");
    assert_eq!(names.len(), 6, "and the main thread: {names:?}");
    assert!(
        !lanes_named(threads, "ThreadPoolExecutor").is_empty(),
        "{names:?}"
    );
    let process = real(&trace, "process");
    let workers: Vec<String> = lanes_named(process, "process ")
        .into_iter()
        .filter(|n| !n.contains(" · "))
        .collect();
    assert_eq!(workers.len(), 2, "two worker processes: {workers:?}");
    // Each worker process's first thread stands for it, its other threads are within it.
    for lane in &process.lanes {
        let Some(within) = lane.id.process.filter(|p| p.number > 0) else {
            continue;
        };
        assert!(within.pid > 0, "{:?}", lane.id);
        match lane.id.kind {
            runwait::trace::LaneKind::Process => assert_eq!(lane.id.number, within.number),
            kind => assert_eq!(kind, runwait::trace::LaneKind::Thread, "{:?}", lane.id),
        }
    }
    // Ten 50 ms answers one after another against five at a time: the real threads are
    // faster than the real sync, by their own timing.
    let x = |run: &Run| run.timed_ns().unwrap_or(u64::MAX) as f64;
    assert!(
        x(real(&trace, "sync")) > 2.0 * x(threads),
        "real threads at least twice as fast as real sync"
    );
    assert!(
        text.contains("beside real CPython 3.12") && text.contains("Real CPython 3.12:"),
        "the table and the verdict compare the real runs:\n{text}"
    );
}

#[test]
fn the_cpu_programs_show_threads_no_faster_under_the_gil() {
    let Some(python) = python312() else { return };
    let (_, trace) = run_beside(
        &python,
        &[
            "cpu",
            "--tasks",
            "4",
            "--size",
            "300000",
            "--executors",
            "sync,threads,process",
        ],
    );
    let sync = real(&trace, "sync");
    let threads = real(&trace, "threads");
    assert_eq!(sync.done_of(0), (4, 4));
    assert_eq!(threads.done_of(0), (4, 4));
    let (s, t) = (
        sync.timed_ns().expect("sync timed") as f64,
        threads.timed_ns().expect("threads timed") as f64,
    );
    assert!(
        t > 0.75 * s,
        "CPU-bound threads under the GIL are not much faster than sync: {t} ns against {s} ns"
    );
    let process = real(&trace, "process");
    assert_eq!(process.done_of(0), (4, 4));
}

#[test]
fn the_race_says_what_the_real_counter_found_beside_runwaits() {
    let Some(python) = python312() else { return };
    let (text, trace) = run_beside(&python, &["race", "--trials", "20"]);
    let unprotected = real(&trace, "threads/unprotected");
    let figures = |run: &Run, name: &str| run.lesson.get(name).copied();
    assert_eq!(figures(unprotected, "expected"), Some(20_000));
    assert_eq!(figures(unprotected, "trials"), Some(20));
    assert_eq!(
        figures(unprotected, "actual"),
        Some(20_000),
        "3.12 never switches inside `counter += 1`"
    );
    let sleep0 = real(&trace, "threads/sleep0");
    assert!(
        figures(sleep0, "trials_lost").is_some_and(|n| n >= 10),
        "sleep(0) between read and write loses updates: {:?}",
        sleep0.lesson
    );
    let lock = real(&trace, "threads/lock");
    assert_eq!(
        figures(lock, "actual"),
        Some(20_000),
        "a lock loses nothing"
    );
    let verdict = text.lines().find(|l| l.contains("Real CPython 3.12:"));
    assert!(
        verdict.is_some_and(|l| l.contains("threads/unprotected lost none in 20 trials")
            && l.contains("threads/sleep0 lost updates in")),
        "the verdict gives the real counters:\n{text}"
    );
}

/// `--cpython 3.9,3.12`: the same race under both, beside runwait's (which models 3.12's
/// switching). At the article's size neither loses a plain `counter += 1`'s update; over a long
/// loop 3.9 loses many and 3.12 none, as runwait's 3.9 and 3.12 models do. 3.9 is too old to
/// sample: its runs have the program's own figures, no lanes.
#[test]
fn the_race_under_cpython_3_9_and_3_12_differs_where_their_switching_does() {
    let Some(py312) = pythons::python(12) else {
        return;
    };
    let py39 = pythons::python(9);
    let mut list = vec![py312.to_string_lossy().into_owned()];
    list.extend(py39.iter().map(|p| p.to_string_lossy().into_owned()));
    let list = list.join(",");
    let long = ["--tasks", "4", "--adds", "1000000", "--trials", "1"];
    let executors = ["--executors", "threads:4/unprotected"];
    for python in ["3.12", "3.9"] {
        let mut args = vec!["run", "race", "--headless", "--cpython", &list];
        args.extend(long.iter().chain(&executors).copied());
        args.extend(["--python", python]);
        let out = runwait(&args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // A run's title (not its row of the table): it has the counter.
        let title = |starts: &str| {
            let line = text
                .lines()
                .find(|l| l.starts_with(starts) && l.contains("counter"));
            line.unwrap_or_else(|| panic!("no title {starts}:\n{text}"))
                .to_string()
        };
        let real312 = Some(title("threads/unprotected · CPython 3.12"));
        assert!(
            real312.is_some_and(|l| l.contains("counter 4000000 of 4000000: no update lost")),
            "3.12 loses none of a long loop:\n{text}"
        );
        let emulated = title("threads (GIL, unprotected) ·");
        assert!(
            emulated.contains(&format!("CPython {python} switching")),
            "{emulated}"
        );
        match python {
            "3.12" => assert!(emulated.contains("no update lost"), "{emulated}"),
            _ => assert!(emulated.contains("updates lost)"), "{emulated}"),
        }
        if py39.is_some() {
            let real39 = title("threads/unprotected · CPython 3.9");
            assert!(real39.contains("updates lost)"), "{real39}");
            assert!(real39.contains("not sampled"), "{real39}");
        }
    }
}

/// CPython 3.12 with its site-packages off (`-S`): no requests, no aiohttp.
fn bare_python(dir: &Path) -> Option<String> {
    let python = pythons::python(12)?;
    let bare = dir.join("python-bare");
    std::fs::write(
        &bare,
        format!("#!/bin/sh\nexec '{}' -S \"$@\"\n", python.display()),
    )
    .expect("the wrapper is written");
    let mut perms = std::fs::metadata(&bare).expect("metadata").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&bare, perms).expect("made executable");
    Some(bare.to_string_lossy().into_owned())
}

#[test]
fn a_python_without_the_packages_gets_an_environment_of_runwaits_own_made_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let Some(bare) = bare_python(dir.path()) else {
        return;
    };
    let cache = dir.path().join("cache");
    let args = [
        "run",
        "io",
        "--headless",
        "--tasks",
        "5",
        "--executors",
        "sync,async",
        "--cpython",
        &bare,
    ];
    let first = std::time::Instant::now();
    let out = runwait_in(&args, &cache);
    let first = first.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "runwait failed: {err}\n{text}");
    assert!(
        err.contains("making a Python environment") && err.contains("installing requests aiohttp"),
        "a progress line says what is made: {err}"
    );
    assert!(
        text.contains("async · CPython 3.12 · real") && text.contains("5/5 done"),
        "the real runs ran:\n{text}"
    );
    let env = cache.join("runwait/cpython-3.12.1");
    let env = if env.exists() {
        env
    } else {
        std::fs::read_dir(cache.join("runwait"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
            .expect("the environment is in the cache")
    };
    assert!(env.join("bin/python").exists(), "{}", env.display());
    let again = std::time::Instant::now();
    let out = runwait_in(&args, &cache);
    let again = again.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the second run failed: {err}");
    assert!(
        !err.contains("making") && !err.contains("installing"),
        "the second run reuses it: {err}"
    );
    eprintln!("first run {first:?} (made the environment), second {again:?}");
}

#[test]
fn no_install_says_which_packages_and_the_pip_install() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let Some(bare) = bare_python(dir.path()) else {
        return;
    };
    let cache = dir.path().join("cache");
    let out = runwait_in(
        &[
            "run",
            "io",
            "--headless",
            "--cpython",
            &bare,
            "--no-install",
        ],
        &cache,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit 2: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("lacks requests and aiohttp")
            && err.contains("-m pip install requests aiohttp"),
        "says which packages and the pip install: {err}"
    );
    assert!(!cache.exists(), "nothing made in the cache");
    let out = runwait(&["run", "io", "--headless", "--cpython", "/bin/false"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit 2: {err}");
    assert!(
        err.contains("did not answer as a Python interpreter does"),
        "{err}"
    );
}

#[test]
fn the_gil_program_has_its_threads_as_lanes_named_by_python() {
    let Some(python) = python312() else { return };
    let (text, trace) = run_beside(
        &python,
        &["gil", "--executors", "threads:3", "--size", "2000000"],
    );
    let run = real(&trace, "threads");
    let names = names(run);
    // The lesson's roles (CPU, I/O) are its own tasks'; the program's lanes are its threads.
    // The pool makes a thread per task unless one is idle already (a short CPU task's); a
    // thread sampled before its Python name is known is `thread N`.
    assert_eq!(
        names.first().map(String::as_str),
        Some("MainThread"),
        "{names:?}"
    );
    assert!(
        (3..=4).contains(&names.len()),
        "the pool's threads: {names:?}"
    );
    assert!(run.meta.roles.is_empty(), "no roles on a real run");
    assert!(
        names.iter().all(|n| !n.contains(" · ")),
        "no lane named for a role of the lesson's: {names:?}"
    );
    assert_eq!(
        run.lesson.get("requests").copied(),
        Some(40),
        "40 requests made"
    );
    assert!(
        text.contains("the I/O thread waited"),
        "the verdict gives the real I/O thread's GIL wait:\n{text}"
    );
}
