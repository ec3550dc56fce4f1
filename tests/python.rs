//! `runwait py` against real CPython 3.12 and 3.13 (found in PATH or pyenv's versions): what a
//! sampled program's lanes must show. A version that is not found fails its test with what to
//! do, unless `RUNWAIT_SKIP_PYTHON` names it (then the test says so and checks nothing).

#[path = "common/python.rs"]
mod pythons;

use pythons::python;
use runwait::ingest::python::{Launch, Options, Target, DEFAULT_HZ};
use runwait::lab::Lab;
use runwait::present::words::lane_text;
use runwait::trace::{Lane, Reason, Run, State, Trace};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// One sampled program at a time: they compete for the same two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn program(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/python")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Sample `python script` to its end; its trace and exit code.
fn sample(python: &Path, script: &str) -> (Trace, Option<i32>) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let launch = Launch {
        command: vec![python.to_string_lossy().into_owned(), program(script)],
        keep_output: true,
        watchdog: Some(PathBuf::from(env!("CARGO_BIN_EXE_runwait"))),
        script: None,
    };
    let options = Options {
        hz: DEFAULT_HZ,
        paused: false,
    };
    let mut lab = Lab::sample(script, Target::Start(launch), options).expect("sampled");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !lab.finished() && std::time::Instant::now() < deadline {
        lab.drain();
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.stop();
    let code = lab.exit_code();
    (lab.into_trace(), code)
}

fn lane<'a>(run: &'a Run, name: &str) -> &'a Lane {
    run.lanes
        .iter()
        .find(|l| lane_text(l) == name)
        .unwrap_or_else(|| panic!("no lane {name} in {:?}", names(run)))
}

fn names(run: &Run) -> Vec<String> {
    run.lanes.iter().map(lane_text).collect()
}

/// From a lane's first span to its last.
fn life(lane: &Lane) -> u64 {
    match (lane.spans.first(), lane.spans.last()) {
        (Some(a), Some(b)) => b.end_ns - a.start_ns,
        _ => 0,
    }
}

fn time_in(lane: &Lane, state: State, reason: Option<Reason>) -> u64 {
    lane.spans
        .iter()
        .filter(|s| s.state == state && (reason.is_none() || s.reason == reason))
        .map(|s| s.len_ns())
        .sum()
}

/// Time in each state and reason, and run with the GIL let go.
fn breakdown(lane: &Lane) -> Vec<(String, u64)> {
    let mut by: std::collections::BTreeMap<String, u64> = Default::default();
    for s in &lane.spans {
        let released = lane.where_at(s.start_ns).is_some_and(|w| w.gil_released);
        let key = format!(
            "{:?} {:?}{}",
            s.state,
            s.reason,
            if released { " released" } else { "" }
        );
        *by.entry(key).or_default() += s.len_ns() / 1_000_000;
    }
    by.into_iter().collect()
}

fn share(part: u64, whole: u64) -> f64 {
    part as f64 / whole.max(1) as f64
}

/// Run spans holding the GIL (cut where the thread let it go to run native code).
fn gil_runs(lane: &Lane) -> Vec<(u64, u64)> {
    let mut pieces = Vec::new();
    for s in lane.spans.iter().filter(|s| s.state == State::Run) {
        let mut cuts: Vec<u64> = lane
            .frames
            .iter()
            .map(|w| w.at_ns)
            .filter(|&t| t > s.start_ns && t < s.end_ns)
            .collect();
        cuts.insert(0, s.start_ns);
        cuts.push(s.end_ns);
        for w in cuts.windows(2) {
            if !lane.where_at(w[0]).is_some_and(|w| w.gil_released) {
                pieces.push((w[0], w[1]));
            }
        }
    }
    pieces
}

fn two_cpu_threads_and_a_sleeper(minor: u32) {
    let Some(python) = python(minor) else { return };
    let (trace, code) = sample(&python, "gil.py");
    assert_eq!(code, Some(0));
    let run = &trace.runs[0];
    let meta = run.meta.sampled.as_ref().expect("sampled");
    assert!(meta.python.starts_with(&format!("3.{minor}.")), "{meta:?}");
    assert!(meta.gil_waits, "3.{minor} tells GIL waits apart");
    for name in ["cpu-1", "cpu-2"] {
        let l = lane(run, name);
        let gil = share(time_in(l, State::Ready, Some(Reason::Gil)), life(l));
        eprintln!(
            "3.{minor}: {name} ready for the GIL {:.0}% of its life",
            gil * 100.0
        );
        if gil < 0.25 {
            eprintln!("{name}: {:?}", breakdown(l));
        }
        assert!(
            gil >= 0.25,
            "{name}: ready for the GIL only {:.0}%",
            gil * 100.0
        );
    }
    let (a, b) = (gil_runs(lane(run, "cpu-1")), gil_runs(lane(run, "cpu-2")));
    let main = gil_runs(lane(run, "MainThread"));
    let sleeper_runs = gil_runs(lane(run, "sleeper"));
    for (x, y) in [
        (&a, &b),
        (&a, &main),
        (&b, &main),
        (&a, &sleeper_runs),
        (&b, &sleeper_runs),
    ] {
        for &(s1, e1) in x {
            let both = y.iter().find(|&&(s2, e2)| s1 < e2 && s2 < e1);
            assert!(
                both.is_none(),
                "two threads hold the GIL at once: {s1}..{e1} and {both:?}"
            );
        }
    }
    let sleeper = lane(run, "sleeper");
    let asleep = share(
        time_in(sleeper, State::Wait, Some(Reason::Timer)),
        life(sleeper),
    );
    eprintln!(
        "3.{minor}: the sleeper waits on a timer {:.0}% of its life",
        asleep * 100.0
    );
    assert!(
        asleep > 0.5,
        "the sleeper sleeps only {:.0}%",
        asleep * 100.0
    );
}

#[test]
fn python_3_12_two_cpu_threads_take_turns_at_the_gil_while_a_third_sleeps() {
    two_cpu_threads_and_a_sleeper(12);
}

#[test]
fn python_3_13_two_cpu_threads_take_turns_at_the_gil_while_a_third_sleeps() {
    two_cpu_threads_and_a_sleeper(13);
}

fn a_pool_of_two_processes(minor: u32) {
    let Some(python) = python(minor) else { return };
    let (trace, code) = sample(&python, "pool.py");
    assert_eq!(code, Some(0));
    let children: Vec<&Run> = trace.runs.iter().skip(1).collect();
    assert!(children.len() >= 2, "child processes: {}", children.len());
    let runs: Vec<Vec<(u64, u64)>> = children
        .iter()
        .flat_map(|r| r.lanes.iter().map(gil_runs))
        .collect();
    let together = runs.iter().enumerate().any(|(i, x)| {
        runs.iter().skip(i + 1).any(|y| {
            x.iter()
                .any(|&(s1, e1)| y.iter().any(|&(s2, e2)| s1 < e2 && s2 < e1))
        })
    });
    assert!(together, "two child processes never ran at the same time");
    let start = trace.runs[0].start_ns;
    assert!(
        children.iter().all(|r| r.start_ns == start),
        "one time axis"
    );
}

#[test]
fn python_3_12_a_pool_of_two_processes_runs_both_at_once() {
    a_pool_of_two_processes(12);
}

#[test]
fn python_3_13_a_pool_of_two_processes_runs_both_at_once() {
    a_pool_of_two_processes(13);
}

fn ten_sleeping_tasks(minor: u32) {
    let Some(python) = python(minor) else { return };
    let (trace, code) = sample(&python, "tasks.py");
    assert_eq!(code, Some(0));
    let run = &trace.runs[0];
    assert!(run.meta.sampled.as_ref().is_some_and(|s| s.tasks));
    let naps: Vec<&Lane> = run
        .lanes
        .iter()
        .filter(|l| lane_text(l).ends_with(" nap"))
        .collect();
    assert_eq!(naps.len(), 10, "task lanes: {:?}", names(run));
    for l in &naps {
        let waits = share(time_in(l, State::Wait, Some(Reason::Timer)), life(l));
        assert!(
            waits > 0.8,
            "{} waits on a timer only {:.0}%",
            lane_text(l),
            waits * 100.0
        );
    }
    let latest_start = naps.iter().map(|l| l.spans[0].start_ns).max().unwrap();
    let earliest_end = naps
        .iter()
        .map(|l| l.spans.last().unwrap().end_ns)
        .min()
        .unwrap();
    assert!(latest_start < earliest_end, "the ten tasks all overlap");
}

#[test]
fn python_3_12_ten_tasks_sleep_at_once_each_its_own_lane() {
    ten_sleeping_tasks(12);
}

#[test]
fn python_3_13_ten_tasks_sleep_at_once_each_its_own_lane() {
    ten_sleeping_tasks(13);
}

fn exits_with_the_programs_code(minor: u32) {
    let Some(python) = python(minor) else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(["py", "--headless", "--"])
        .arg(&python)
        .arg(program("exit3.py"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MainThread"), "{text}");
}

#[test]
fn python_3_12_runwait_py_exits_with_the_programs_exit_code() {
    exits_with_the_programs_code(12);
}

#[test]
fn python_3_13_runwait_py_exits_with_the_programs_exit_code() {
    exits_with_the_programs_code(13);
}

/// Processes whose command line contains `marker` (not zombies).
fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        if !zombie && String::from_utf8_lossy(&cmd).contains(marker) {
            found.push(pid);
        }
    }
    found
}

fn runwait(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .output()
        .unwrap()
}

fn one_line_exit_2(out: &std::process::Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
}

#[test]
fn no_such_program_is_one_line_and_exit_2() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = runwait(&["py", "--headless", "--", "/no/such/python3"]);
    one_line_exit_2(&out, "no such program: /no/such/python3");
}

#[test]
fn a_program_that_is_not_python_is_refused_and_stopped() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = runwait(&["py", "--headless", "--", "sleep", "31.25"]);
    one_line_exit_2(&out, "is not a Python process");
    assert!(
        processes_with("31.25").is_empty(),
        "the program was left running"
    );
}

#[test]
fn attach_refuses_a_missing_process_and_a_process_that_is_not_python_and_never_stops_it() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    one_line_exit_2(
        &runwait(&["attach", "--headless", "999999999"]),
        "no process 999999999",
    );
    let mut other = std::process::Command::new("sleep")
        .arg("30.75")
        .spawn()
        .unwrap();
    let out = runwait(&["attach", "--headless", &other.id().to_string()]);
    one_line_exit_2(&out, "is not a Python process");
    assert!(
        other.try_wait().unwrap().is_none(),
        "attach stopped the process"
    );
    other.kill().unwrap();
    other.wait().unwrap();
}

/// Start `runwait py --headless` on a long program, wait until it samples, then end runwait by
/// `signal`: the program must be gone soon after, and the probe's directory too.
fn ended_by(signal: i32, marker: &str) -> Option<Option<i32>> {
    let python = python(12)?;
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let mut rw = std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .env("TMPDIR", tmp.path())
        .args(["py", "--headless", "--"])
        .arg(python)
        .args(["-c", &format!("import time; time.sleep(30) # {marker}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while processes_with(marker).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(!processes_with(marker).is_empty(), "the program started");
    let _ = std::process::Command::new("kill")
        .args([format!("-{signal}"), rw.id().to_string()])
        .status();
    let code = rw.wait().unwrap().code();
    let left = || -> Vec<PathBuf> {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while (!processes_with(marker).is_empty() || !left().is_empty())
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        processes_with(marker).is_empty(),
        "the program outlived runwait"
    );
    assert!(left().is_empty(), "{:?} left behind", left());
    Some(code)
}

#[test]
fn sigterm_stops_the_program_runwait_started() {
    if let Some(code) = ended_by(15, "marker-term-4711") {
        assert_eq!(code, Some(143));
    }
}

#[test]
fn a_killed_runwait_still_takes_its_program_down_through_the_watchdog() {
    ended_by(9, "marker-kill-4712");
}

#[test]
fn a_sampled_trace_saves_and_replays_with_its_frames_and_how_it_was_sampled() {
    let Some(python) = python(12) else { return };
    let (trace, _) = sample(&python, "exit3.py");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("py.json");
    runwait::trace::file::save(&trace, &path).unwrap();
    let back = runwait::ingest::load(&path).unwrap();
    assert_eq!(back.runs, trace.runs);
    let run = &back.runs[0];
    assert_eq!(run.meta.origin, runwait::trace::Origin::Sampled);
    let main = lane(run, "MainThread");
    let module = main
        .frames
        .iter()
        .any(|w| run.functions[w.function as usize] == "<module> (exit3.py)");
    assert!(module, "{:?}", run.functions);
}

#[test]
fn a_python_older_than_3_11_is_refused_in_one_line() {
    let Some(python) = python(10) else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = runwait(&[
        "py",
        "--headless",
        "--",
        &python.to_string_lossy(),
        &program("gil.py"),
    ]);
    one_line_exit_2(&out, "runwait samples CPython 3.11 or later");
}

#[test]
fn not_permitted_to_read_the_process_says_what_to_do() {
    let Some(python) = python(12) else { return };
    let Some(setpriv) = pythons::root_and_setpriv() else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut program = std::process::Command::new(python)
        .args(["-c", "import time; time.sleep(20)"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A copy of runwait that user nobody can run.
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("runwait");
    std::fs::copy(env!("CARGO_BIN_EXE_runwait"), &exe).unwrap();
    let open = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    open(dir.path());
    open(&exe);
    let out = std::process::Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args(["attach", "--headless", &program.id().to_string()])
        .output()
        .unwrap();
    one_line_exit_2(&out, "not permitted to read process");
    assert!(program.try_wait().unwrap().is_none(), "attach stopped it");
    program.kill().unwrap();
    program.wait().unwrap();
}
