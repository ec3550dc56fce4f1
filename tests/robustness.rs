//! Nothing hangs, nothing is lost, nothing is left broken: bounded inputs, lesson values past
//! the bounds, saves and outputs that fail, a worker process that stops answering, and trace
//! files that do not hold together. The binary as users run it.

#[cfg(target_os = "linux")]
#[path = "common/procs.rs"]
mod procs;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn runwait(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runwait"));
    cmd.args(args).env_remove("RUST_LOG");
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code 2 and one line on stderr that contains `needle`.
fn assert_one_line_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `replay` of something that never ends, or is huge, is refused at once and in little
/// memory: `/dev/zero`, `/dev/urandom` (devices, not files), a 1 GiB sparse file (over the bound before a byte is
/// read), a directory; and with the bound raised, the sparse file's zeros are not JSON.
#[test]
fn endless_or_huge_inputs_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = dir.path().join("sparse.json");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let sparse = sparse.to_str().unwrap();
    let dir_path = dir.path().to_str().unwrap();
    for (args, needle) in [
        (
            vec!["replay", "/dev/zero", "--json"],
            "/dev/zero: not a regular file (a character device)",
        ),
        (
            vec!["replay", "/dev/urandom", "--json"],
            "/dev/urandom: not a regular file (a character device)",
        ),
        (
            vec!["replay", sparse, "--json"],
            "1.0 GiB, over 512 MiB (the limit on trace files; --max-file-size raises it)",
        ),
        (vec!["export", sparse, "--svg", "/dev/null"], "over 512 MiB"),
        (
            vec!["replay", sparse, "--json", "--max-file-size", "2G"],
            "not a runwait trace",
        ),
        (vec!["replay", dir_path, "--json"], "a directory"),
        (vec!["replay", "t.json", "--max-file-size", "12X"], "units"),
    ] {
        let started = Instant::now();
        let out = runwait(&args).output().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert_one_line_error(&out, needle);
    }
}

/// A pipe that goes on past the bound is cut off there, with an error that says so.
#[cfg(unix)]
#[test]
fn a_stream_past_the_bound_is_cut_off() {
    let mut child = runwait(&["replay", "/dev/stdin", "--json", "--max-file-size", "1M"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // Whitespace is valid JSON's padding: only the bound stops it.
    let feeder = std::thread::spawn(move || {
        let spaces = [b' '; 1 << 16];
        while std::io::Write::write_all(&mut input, &spaces).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_one_line_error(&out, "not a regular file, and more than 1 MiB came from it");
}

/// The values the issue found slipping past a lesson file's checks are refused, at their
/// place in the file, as the command line refuses them.
#[test]
fn lesson_values_past_the_bounds_are_refused_at_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let head = "name = \"x\"\npoint = \"p\"\nexecutors = [\"sync\"]\n";
    for (file, extra, segment, place, why) in [
        (
            "cpu",
            "",
            "{ cpu = 100000000001 }",
            "6:21",
            "cpu is at most 100,000,000,000",
        ),
        (
            "step",
            "",
            "{ cpu = 1000, step = 18446744073709551615 }",
            "6:34",
            "step is at most 100,000,000,000",
        ),
        (
            "sleep",
            "",
            "{ sleep_ms = 3600001 }",
            "6:26",
            "sleep_ms is at most 3,600,000",
        ),
        (
            "latency",
            "latency_ms = 3600001\n",
            "{ http = \"loopback\" }",
            "4:14",
            "latency_ms is at most 3,600,000",
        ),
        (
            "add",
            "",
            "{ add = 4000000000 }",
            "7:21",
            "add is at most 1,000,000",
        ),
    ] {
        let path = dir.path().join(format!("{file}.toml"));
        let tasks = if file == "add" {
            format!("[[tasks]]\ncount = 1\n\nsegments = [{segment}]\n")
        } else {
            format!("[[tasks]]\ncount = 1\nsegments = [{segment}]\n")
        };
        std::fs::write(&path, format!("{head}{extra}{tasks}")).unwrap();
        let started = Instant::now();
        let out = runwait(&["run", path.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        let shown = format!("{}:{place}: {why}", path.display());
        assert_one_line_error(&out, &shown);
    }
    // The options are held to the same bounds once they change a lesson.
    let out = runwait(&[
        "run",
        "cpu",
        "--size",
        "100000000000",
        "--tasks",
        "3",
        "--json",
    ])
    .output()
    .unwrap();
    assert_one_line_error(&out, "is at most 100,000,000,000");
}

/// A lesson file that never ends is cut off at the bound on lesson files.
#[test]
fn a_lesson_file_is_read_within_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.toml");
    std::fs::write(&path, vec![b'#'; 2 << 20]).unwrap();
    let out = runwait(&["run", path.to_str().unwrap()]).output().unwrap();
    assert_one_line_error(&out, "2 MiB, over 1 MiB (the limit on lesson files)");
}

/// `--save` to a directory is refused before anything runs (this run would take 7 s);
/// to `/dev/full` the results are printed all the same, and the error says what was not
/// saved.
#[test]
fn a_save_that_cannot_be_made_is_refused_early_or_loses_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let long_run = [
        "run",
        "io",
        "--json",
        "--executors",
        "sync",
        "--tasks",
        "70",
        "--latency",
        "100",
        "--save",
    ];
    let started = Instant::now();
    let mut args = long_run.to_vec();
    args.push(dir.path().to_str().unwrap());
    let out = runwait(&args).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "it ran first");
    assert_one_line_error(&out, "it is a directory");
    assert!(out.stdout.is_empty());

    let out = runwait(&[
        "run",
        "io",
        "--json",
        "--executors",
        "sync",
        "--tasks",
        "2",
        "--latency",
        "5",
        "--save",
        "/dev/full",
    ])
    .output()
    .unwrap();
    assert_one_line_error(&out, "the trace was not saved to /dev/full");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the results");
    assert_eq!(printed["runs"][0]["done"], 2);
}

/// Output that goes nowhere is an error (a full disk, a closed stdout, a log that cannot be
/// written), exit 2 and one line; a reader that went away ends runwait quietly.
#[cfg(unix)]
#[test]
fn output_that_fails_is_an_error_and_a_closed_pipe_is_quiet() {
    let full = || std::fs::File::create("/dev/full").unwrap();
    let out = runwait(&["list"]).stdout(full()).output().unwrap();
    assert_one_line_error(&out, "cannot write to stdout: No space left on device");

    let out = runwait(&["--log", "/dev/full", "list"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, "cannot write log file /dev/full");

    // `>&-`: runwait starts with stdout closed; refused before the run.
    let closed = format!(
        "exec '{}' run race --json --executors sync >&-",
        env!("CARGO_BIN_EXE_runwait")
    );
    let out = Command::new("sh").args(["-c", &closed]).output().unwrap();
    assert_one_line_error(&out, "cannot write to stdout: it is closed");

    // `| head` having read what it wanted: the pipe has no reader any more.
    let mut child = runwait(&["run", "race", "--headless", "--executors", "sync"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141), "{err}");
    assert!(err.is_empty(), "a closed pipe is not worth a word: {err}");
}

/// A worker process stopped with SIGSTOP mid-run says nothing more: after the stated 3 s it
/// is taken for lost (killed, its task `lost`, the reason on stderr) and the other worker
/// finishes the run. No process is left.
#[cfg(target_os = "linux")]
#[test]
fn a_stopped_worker_is_lost_after_a_bounded_wait_and_killed() {
    use rustix::process::{kill_process, Pid, Signal};
    let child = runwait(&[
        "run",
        "io",
        "--json",
        "--executors",
        "process:2",
        "--tasks",
        "40",
        "--latency",
        "100",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id();
    let workers = poll(Duration::from_secs(10), || {
        let kids = procs::live_children(pid);
        (kids.len() == 2).then_some(kids)
    })
    .expect("two worker processes");
    std::thread::sleep(Duration::from_millis(500));
    let stopped = workers[0];
    kill_process(Pid::from_raw(stopped as i32).unwrap(), Signal::STOP).unwrap();
    let t = Instant::now();
    let out = child.wait_with_output().unwrap();
    // 3 s of silence, then the rest of the 40 requests on the other worker (at most 2 s).
    assert!(
        t.elapsed() < Duration::from_secs(12),
        "the run took {:?} after the stop",
        t.elapsed()
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["runs"][0];
    assert_eq!(
        (run["lost"].as_u64(), run["done"].as_u64()),
        (Some(1), Some(39)),
        "{run}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("runwait: process: 1 task lost: process ")
            && err.contains(&format!("(pid {stopped}) said nothing for 3.")),
        "{err}"
    );
    assert!(
        poll(Duration::from_secs(2), || (!procs::alive(stopped))
            .then_some(()))
        .is_some(),
        "the stopped worker {stopped} is still there"
    );
    assert!(
        workers.iter().all(|&w| !procs::alive(w)),
        "a worker outlived runwait"
    );
}

#[cfg(target_os = "linux")]
fn poll<T>(timeout: Duration, mut get: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Some(v) = get() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// A trace file that does not hold together is refused with one line naming what is wrong:
/// a lane twice (which doubled the figures), an end or a queue length on a lane or queue the
/// run does not have, spans out of order or outside the run.
#[test]
fn a_trace_file_that_does_not_hold_together_is_refused() {
    let lane = r#"{"name": "thread 1", "spans": [{"task": 0, "state": "wait", "start_ns": 20, "end_ns": 80}]}"#;
    let run = |lanes: &str, ends: &str, extra: &str| {
        format!(
            r#"{{"format": "runwait-trace", "version": 2, "trace": {{"scenario": "x", "dropped": 0, "runs": [{{"meta": {{"executor": "threads", "label": "threads", "workers": 1, "gil": false, "tasks": 1, "lane_kind": "thread"}}, "start_ns": 10, "end_ns": 100, "lanes": [{lanes}], "ends": [{ends}]{extra}}}]}}}}"#
        )
    };
    let end =
        |lane: u32| format!(r#"{{"task": 0, "lane": {lane}, "outcome": "done", "at_ns": 80}}"#);
    let good = run(lane, &end(0), "");
    runwait::ingest::from_json(&good, "t.json").expect("the well-formed one loads");
    let outside = lane.replace("\"end_ns\": 80", "\"end_ns\": 5000000");
    let backwards = r#"{"name": "thread 1", "spans": [{"task": 0, "state": "wait", "start_ns": 50, "end_ns": 80}, {"task": 0, "state": "run", "start_ns": 20, "end_ns": 30}]}"#;
    for (text, why) in [
        (
            run(&format!("{lane}, {lane}"), &end(0), ""),
            "lanes 1 and 2 are the same lane",
        ),
        (
            run(lane, &end(99), ""),
            "task 0's end is on lane 99, and the run has 1 lanes",
        ),
        (
            run(lane, &end(0), r#", "queue_lengths": [[[20, 1]]]"#),
            "lengths of queue 0 and the run has 0 queues",
        ),
        (run(backwards, &end(0), ""), "thread 1: spans out of order"),
        (
            run(&outside, &end(0), ""),
            "thread 1: a span (20 to 5000000 ns) outside the run",
        ),
    ] {
        let e = runwait::ingest::from_json(&text, "t.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.json: not a runwait trace: run 0 (threads): "),
            "{e}"
        );
        assert!(e.contains(why), "{e:?} lacks {why:?}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}

/// `export --chrome` of a saved trace writes a Chrome trace that loads back to the same
/// trace (it is written event by event).
#[test]
fn a_streamed_chrome_export_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("t.json");
    let out = runwait(&[
        "run",
        "io",
        "--json",
        "--executors",
        "sync,async",
        "--tasks",
        "3",
        "--latency",
        "5",
        "--save",
        saved.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let chrome = dir.path().join("c.json");
    let out = runwait(&[
        "export",
        saved.to_str().unwrap(),
        "--chrome",
        chrome.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let back = runwait::ingest::load(Path::new(&chrome)).unwrap();
    assert_eq!(back, runwait::ingest::load(&saved).unwrap());
}

/// An event loop held back by the open-file limit says so in its title, and never has more
/// tasks in progress than the bound.
#[test]
fn an_event_loop_held_back_by_the_open_file_limit_says_so() {
    use runwait::exec::{execute, Env, ExecSpec, RunCtx};
    use runwait::workload::{Segment, Task};
    use std::sync::Arc;
    let env = Env {
        in_flight: Some(2),
        ..Env::default()
    };
    let spec: ExecSpec = "async".parse().unwrap();
    let mut recorder = runwait::instrument::Recorder::new("bounded");
    let meta = spec.describe(&env);
    assert_eq!(
        meta.label,
        "async (at most 2 at a time: the open-file limit)"
    );
    let run = recorder.add_run(runwait::trace::RunMeta { tasks: 6, ..meta });
    let ctx = RunCtx::new(run, recorder.dispatch(), &recorder, Arc::new(env));
    let tasks = (0..6)
        .map(|id| Task {
            id,
            segments: vec![Segment::Sleep { ms: 40 }],
            arrive_ms: 0,
        })
        .collect();
    execute(&spec, &ctx, tasks);
    let trace = recorder.into_trace();
    let run = &trace.runs[0];
    assert_eq!(run.count(runwait::trace::Outcome::Done), 6);
    // Three turns of two: never three lanes busy at one instant.
    let mut edges: Vec<(u64, i32)> = run
        .lanes
        .iter()
        .filter_map(|l| Some((l.spans.first()?.start_ns, l.spans.last()?.end_ns)))
        .flat_map(|(s, e)| [(s, 1), (e, -1)])
        .collect();
    edges.sort_by_key(|&(t, d)| (t, d));
    let most = edges
        .iter()
        .scan(0, |n, &(_, d)| {
            *n += d;
            Some(*n)
        })
        .max();
    assert_eq!(most, Some(2), "{edges:?}");
    assert!(run.wall_ns().unwrap() >= 3 * 40_000_000);
}

/// Requests that fail say why, in one line a run on stderr.
#[test]
fn failed_requests_say_why_in_one_line() {
    use std::io::Write;
    // A server that answers the check runwait makes before running, then is gone.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let once = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = conn.read(&mut buf);
        let _ =
            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
    let out = runwait(&[
        "run",
        "io",
        "--json",
        "--executors",
        "async",
        "--tasks",
        "5",
        "--url",
        &url,
    ])
    .output()
    .unwrap();
    once.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"][0]["failed"], 5);
    assert_eq!(
        stderr(&out).trim_end(),
        "runwait: async: 5 requests failed: connection refused"
    );
}

/// Text with no byte below 0x20 but newlines: nothing that moves the cursor or retitles the
/// terminal.
fn assert_no_control_bytes(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| l.bytes().any(|b| b < 0x20 || b == 0x7f) || l.contains('\u{9b}'))
        .collect();
    assert!(bad.is_empty(), "{what}: control characters in {bad:?}");
}

/// Data never writes to the terminal: a saved trace with escape sequences in every name (the
/// lesson, label, executor, variant, model, lanes, roles, queues, a sampled program's command,
/// Python version and functions) and a Chrome trace with them in its process and thread names
/// replay as text, and their paths as errors, without one control character.
#[test]
fn escape_sequences_in_data_never_reach_the_terminal() {
    let evil = |name: &str| format!("\u{1b}]0;owned\u{7}{name}\u{1b}[2J\u{1b}c\r\u{9b}1m");
    let span = |task: u32, state: &str, start: u64, end: u64| serde_json::json!({"task": task, "state": state, "start_ns": start, "end_ns": end});
    let trace = serde_json::json!({"format": "runwait-trace", "version": 2, "trace": {
        "scenario": evil("lesson"), "dropped": 0,
        "runs": [{
            "meta": {
                "executor": evil("sync"), "label": evil("label"), "variant": evil("variant"),
                "model": evil("model"), "workers": 2, "gil": false, "tasks": 2,
                "lane_kind": "thread", "baseline": true,
                "queues": [{"name": evil("orders"), "capacity": 5}],
                "roles": [{"name": evil("grill"), "first": 0, "count": 1},
                          {"name": evil("burgers"), "first": 1, "count": 1}],
                "sampled": {"pid": 7, "command": evil("python3 x.py"),
                            "python": evil("3.12"), "hz": 100},
            },
            "start_ns": 0, "end_ns": 2_000_000,
            "lanes": [
                {"name": evil("lane one"), "spans": [span(0, "run", 0, 1_000_000)],
                 "frames": [{"at_ns": 0, "function": 0}]},
                {"name": evil("lane two"), "spans": [span(1, "wait", 0, 2_000_000)]},
            ],
            "ends": [{"task": 0, "lane": 0, "outcome": "done", "at_ns": 1_000_000},
                     {"task": 1, "lane": 1, "outcome": "failed", "at_ns": 2_000_000}],
            "queue_lengths": [[[0, 1], [1_000_000, 0]]],
            "functions": [evil("fetch (x.py:1)")],
        }],
    }});
    let chrome = serde_json::json!({"traceEvents": [
        {"ph": "M", "name": "process_name", "pid": 1, "tid": 1, "args": {"name": evil("proc")}},
        {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": evil("thread")}},
        {"ph": "X", "name": evil("work"), "pid": 1, "tid": 1, "ts": 0, "dur": 1000},
    ]});
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("evil.json");
    let imported = dir.path().join("chrome.json");
    std::fs::write(&saved, trace.to_string()).unwrap();
    std::fs::write(&imported, chrome.to_string()).unwrap();
    for file in [&saved, &imported] {
        let file = file.to_str().unwrap();
        for args in [
            vec!["replay", file, "--headless"],
            vec!["compare", file, file, "--headless"],
        ] {
            let out = runwait(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("owned"),
                "{args:?}"
            );
            assert_no_control_bytes(&format!("{args:?}"), &out.stdout);
            assert_no_control_bytes(&format!("{args:?}"), &out.stderr);
        }
    }
    // A path, a lesson and an executor with escapes are named in errors without them.
    let path = dir.path().join(evil("missing"));
    let lesson = evil("io");
    for args in [
        vec!["replay", path.to_str().unwrap(), "--headless"],
        vec!["run", &lesson, "--headless"],
        vec!["run", "io", "--executors", &lesson, "--headless"],
    ] {
        let out = runwait(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("\u{fffd}"), "{}", stderr(&out));
        assert_no_control_bytes(&format!("{args:?}"), &out.stderr);
    }
}

/// A headless run stopped by a signal keeps what finished: SIGINT after the sync run's ~4.5 s
/// prints its figures and saves them (the threads run marked stopped, its tasks not ended
/// counted as not run), then exits 130; SIGTERM with `--json` the same, exit 143.
#[cfg(unix)]
#[test]
fn a_signal_keeps_the_runs_that_finished() {
    use rustix::process::{kill_process, Pid, Signal};
    let dir = tempfile::tempdir().unwrap();
    for (signal, json, code) in [(Signal::INT, false, 130), (Signal::TERM, true, 143)] {
        let save = dir.path().join(format!("{code}.json"));
        let mut args = vec![
            "run",
            "io",
            "--tasks",
            "40",
            "--executors",
            "sync,threads:1",
        ];
        args.extend(["--save", save.to_str().unwrap()]);
        args.push(if json { "--json" } else { "--headless" });
        let child = runwait(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // sync's 40 requests of 100 ms take about 4 s; threads:1 is under way at 5 s.
        std::thread::sleep(Duration::from_secs(5));
        kill_process(Pid::from_raw(child.id() as i32).unwrap(), signal).unwrap();
        let started = Instant::now();
        let out = child.wait_with_output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "slow to stop");
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let saved = std::fs::read_to_string(&save).expect("the trace saved");
        let trace: serde_json::Value = serde_json::from_str(&saved).unwrap();
        let runs = trace["trace"]["runs"].as_array().unwrap();
        assert_eq!(
            runs[0]["ends"].as_array().unwrap().len(),
            40,
            "sync finished"
        );
        assert!(runs[0].get("halted").is_none());
        assert_eq!(runs[1]["halted"], "stopped");
        if json {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let (sync, threads) = (&v["runs"][0], &v["runs"][1]);
            assert_eq!(
                (sync["done"].as_u64(), sync["not_run"].as_u64()),
                (Some(40), Some(0))
            );
            assert_eq!(threads["halted"], "stopped");
            let sum = ["done", "failed", "lost", "timeouts", "not_run"]
                .map(|k| threads[k].as_u64().unwrap())
                .iter()
                .sum::<u64>();
            assert_eq!(sum, 40, "{threads}");
        } else {
            let sync = text.lines().find(|l| l.starts_with("sync ")).unwrap();
            assert!(sync.ends_with("40/40"), "{text}");
            let threads = text.lines().find(|l| l.starts_with("threads")).unwrap();
            assert!(threads.contains("not run: stopped"), "{text}");
        }
    }
}

/// The runs' JSON summary: every task of every run counted once (done, failed, lost, timed
/// out or never run).
fn assert_every_task_counted(stdout: &[u8]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("JSON on stdout");
    for run in v["runs"].as_array().unwrap() {
        let counted: u64 = ["done", "failed", "lost", "timeouts", "not_run"]
            .map(|k| run[k].as_u64().unwrap())
            .iter()
            .sum();
        assert_eq!(Some(counted), run["tasks"].as_u64(), "{run}");
    }
    v
}

/// Under `ulimit -n 12`, runs that need more open files than that are refused at once, the
/// limit named, in one line: no panic, no run.
#[cfg(unix)]
#[test]
fn a_run_that_cannot_fit_the_open_file_limit_is_refused() {
    for args in [
        vec![
            "run",
            "io",
            "--tasks",
            "4",
            "--executors",
            "async",
            "--json",
        ],
        vec![
            "run",
            "io",
            "--tasks",
            "2000",
            "--executors",
            "threads:1024",
            "--json",
        ],
        vec![
            "run",
            "io",
            "--tasks",
            "40",
            "--executors",
            "process:256",
            "--json",
        ],
        vec!["run", "coffees", "--json"],
    ] {
        let out = Command::new("sh")
            .args(["-c", "ulimit -n 12; exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_runwait"))
            .args(&args)
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert_one_line_error(&out, "over the open-file limit of 12 (ulimit -n)");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// As a user limited to 60 processes and threads (`ulimit -u`, not enforced for root, so run
/// as nobody): `threads:1024` and `process:256` are refused at once, the limit named; with the
/// check skipped they, and `coffees`, start until a thread or process cannot be had, then the
/// run fails with why, in one line, its tasks never run counted as such, exit code 1.
#[cfg(target_os = "linux")]
#[test]
fn a_run_past_the_process_limit_fails_with_why() {
    let root = rustix::process::geteuid().is_root();
    let prlimit = Command::new("prlimit").arg("-V").output().is_ok();
    if !(root && prlimit) {
        let skip = std::env::var("RUNWAIT_SKIP_ROOT").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            skip,
            "this test runs runwait as another user under a process limit: it needs root and \
             prlimit (util-linux); run the tests as root, or set RUNWAIT_SKIP_ROOT=1 to skip it"
        );
        println!("SKIPPED: needs root and prlimit (RUNWAIT_SKIP_ROOT)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("runwait");
    std::fs::copy(env!("CARGO_BIN_EXE_runwait"), &bin).unwrap();
    use std::os::unix::fs::PermissionsExt;
    for path in [dir.path(), &bin] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let as_nobody = |args: &[&str], check: bool| {
        let mut cmd = Command::new("setpriv");
        // A user of its own (no other test's processes count against its limit), as nobody
        // would be: not root, no groups.
        cmd.args(["--reuid=64999", "--regid=64999", "--clear-groups"])
            .args(["prlimit", "--nproc=60", "--"])
            .arg(&bin)
            .args(args)
            .current_dir(dir.path())
            .env_remove("RUST_LOG");
        if !check {
            cmd.env("RUNWAIT_NO_LIMIT_CHECK", "1");
        }
        cmd.output().unwrap()
    };
    let threads = [
        "run",
        "io",
        "--executors",
        "threads:1024",
        "--tasks",
        "2000",
        "--json",
    ];
    let processes = [
        "run",
        "io",
        "--executors",
        "process:256",
        "--tasks",
        "400",
        "--json",
    ];
    for args in [&threads[..], &processes[..]] {
        let out = as_nobody(args, true);
        assert_one_line_error(&out, "over the user's process limit of 60 (ulimit -u)");
    }
    let coffees = ["run", "coffees", "--json"];
    for (args, what) in [
        (&threads[..], "could not start thread "),
        // The pool's thread for a process, or the process, whichever the limit stops first.
        (&processes[..], " of 256: "),
        (&coffees[..], "could not start "),
    ] {
        let out = as_nobody(args, false);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let failed: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("the run failed"))
            .collect();
        assert_eq!(failed.len(), 1, "{err}");
        assert!(
            failed[0].contains(what) && failed[0].contains("the user's process limit is 60"),
            "{err}"
        );
        let v = assert_every_task_counted(&out.stdout);
        assert_eq!(v["runs"][0]["halted"], "failed", "{v}");
    }
}

/// Mistakes that were unclear, each now one line that says what is expected, exit code 2:
/// lesson amounts that are not whole numbers, negative numbers on the command line, a device
/// given as a lesson, two outputs to one file.
#[test]
fn mistakes_say_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let lesson = dir.path().join("l.toml");
    for count in [r#""ten""#, "-1", "1.5", "nan", "[1, -2]"] {
        let text = format!(
            "name = \"l\"\npoint = \"p\"\n[[tasks]]\ncount = {count}\nsegments = [{{ sleep_ms = 1 }}]\n"
        );
        std::fs::write(&lesson, text).unwrap();
        let out = runwait(&["run", lesson.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        assert_one_line_error(&out, "l.toml:4:9: ");
        assert_one_line_error(
            &out,
            "a whole number from 0 up, or a range [low, high] of them",
        );
    }
    let svg = dir.path().join("t.out");
    let same = svg.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["run", "io", "--tasks", "-5"],
            "-5 is not in 1..=100000",
        ),
        (
            vec!["run", "io", "--latency", "-5"],
            "-5 is not a whole number in 0..=3600000",
        ),
        (
            vec!["run", "io", "--seed", "-1"],
            "-1 is not a whole number from 0 up",
        ),
        (
            vec!["run", "/dev/zero"],
            "/dev/zero: not a regular file (a character device)",
        ),
        (
            vec!["export", "t.json", "--svg", same, "--chrome", same],
            "--svg and --chrome both write",
        ),
    ] {
        let out = runwait(&args).output().unwrap();
        assert_one_line_error(&out, needle);
    }
}

/// A FIFO with no writer is refused at once (opening it would block until one came), for
/// `replay`, `export` and `compare` alike; a lesson too.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("t.json");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let lesson = dir.path().join("l.toml");
    Command::new("mkfifo").arg(&lesson).status().unwrap();
    let (f, l) = (fifo.to_str().unwrap(), lesson.to_str().unwrap());
    for args in [
        vec!["replay", f, "--json"],
        vec!["export", f, "--svg", "/dev/null"],
        vec!["compare", f, f, "--json"],
        vec!["run", l, "--json"],
    ] {
        let mut child = runwait(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let done = poll(Duration::from_secs(3), || child.try_wait().unwrap());
        if done.is_none() {
            let _ = child.kill();
            panic!("{args:?} blocked on the FIFO");
        }
        let out = child.wait_with_output().unwrap();
        assert_one_line_error(&out, "not a regular file (a FIFO)");
    }
}

/// `py -- /bin/sleep 5` says at once that it is not a Python program, rather than after the
/// 5 s, as the program exiting before its first sample.
#[cfg(target_os = "linux")]
#[test]
fn a_program_that_is_not_python_is_said_so_at_once() {
    let started = Instant::now();
    let out = runwait(&["py", "--json", "--", "/bin/sleep", "5"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_one_line_error(&out, "is not a Python process");
}

/// A lesson that deadlocks (a task waits on a queue no task fills) says why its tasks failed,
/// as the log does: not "for reasons not recorded here".
#[test]
fn a_deadlocked_lesson_says_why_its_tasks_failed() {
    let dir = tempfile::tempdir().unwrap();
    let lesson = dir.path().join("stuck.toml");
    let text = "name = \"stuck\"\npoint = \"p\"\nexecutors = [\"sync\"]\n[queues]\norders = 5\n\
                [[tasks]]\ncount = 1\nsegments = [{ get = \"orders\" }]\n";
    std::fs::write(&lesson, text).unwrap();
    let out = runwait(&["run", lesson.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("sync: 1 task failed: waited too long on a queue"),
        "{err}"
    );
    assert!(!err.contains("not recorded"), "{err}");
}
