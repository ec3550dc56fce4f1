//! The binary as users run it: output formats, exit codes, and one-line errors for bad input.

#[cfg(target_os = "linux")]
#[path = "common/procs.rs"]
mod procs;
#[cfg(target_os = "linux")]
use procs::{alive, live_children};

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn runwait(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("runwait starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code 2 and exactly one line on stderr that contains `needle`.
fn assert_refused(args: &[&str], needle: &str) {
    let out = runwait(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {err}"
    );
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn list_names_each_lesson_with_its_point() {
    let out = runwait(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["io ", "cpu ", "pool-size "] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{text}");
    }
}

#[test]
fn json_is_one_object_with_a_row_per_run() {
    let out = runwait(&[
        "run",
        "io",
        "--json",
        "--tasks",
        "6",
        "--latency",
        "20",
        "--executors",
        "sync,threads:3,async",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["scenario"], "io");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let keys = [
        "executor",
        "label",
        "workers",
        "gil",
        "tasks",
        "done",
        "wall_ms",
        "run_ms",
        "wait_ms",
        "ready_ms",
        "max_running",
        "speedup",
    ];
    for run in runs {
        for key in keys {
            assert!(run.get(key).is_some(), "{key} missing in {run}");
        }
        assert_eq!(run["done"], 6);
    }
    assert_eq!(runs[1]["label"], "threads (GIL)");
    assert_eq!(runs[1]["gil"], true);
    assert_eq!(runs[1]["workers"], 3);
    assert_eq!(runs[0]["speedup"], 1.0);
    assert!(runs[2]["speedup"].as_f64().unwrap() > 2.0);
}

#[test]
fn speedup_is_null_without_a_sync_run() {
    let out = runwait(&[
        "run",
        "io",
        "--json",
        "--tasks",
        "2",
        "--latency",
        "5",
        "--executors",
        "async",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["runs"][0]["speedup"].is_null());
}

#[test]
fn headless_text_has_a_summary_and_a_diagram_per_run() {
    let out = runwait(&[
        "run",
        "io",
        "--headless",
        "--tasks",
        "4",
        "--latency",
        "20",
        "--executors",
        "sync,async",
        "--width",
        "80",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(text.starts_with("executor"), "{text}");
    assert!(text.contains("█ run") && text.contains("░ wait") && text.contains("▒ ready"));
    assert!(text.contains("sync · 1 thread") && text.contains("async · 1 loop"));
    assert_eq!(
        text.matches("time  0").count(),
        2,
        "an axis per run: {text}"
    );
    let narrow = runwait(&[
        "run",
        "io",
        "--headless",
        "--tasks",
        "2",
        "--latency",
        "5",
        "--executors",
        "process:2",
        "--width",
        "20",
    ]);
    let narrow = String::from_utf8(narrow.stdout).unwrap();
    let lanes = narrow.lines().filter(|l| l.contains('│'));
    assert!(
        lanes.clone().count() == 2 && lanes.clone().all(|l| l.chars().count() <= 20),
        "{narrow}"
    );
    let diagram = text.lines().skip_while(|l| !l.starts_with("█ run"));
    assert!(diagram.clone().all(|l| l.chars().count() <= 80), "{text}");
    assert!(
        diagram.filter(|l| l.contains('│')).count() >= 5,
        "lanes drawn: {text}"
    );
}

#[test]
fn save_writes_a_trace_that_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("io.json");
    let out = runwait(&[
        "run",
        "io",
        "--json",
        "--tasks",
        "3",
        "--latency",
        "5",
        "--executors",
        "threads:2",
        "--save",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let trace = runwait::ingest::load(&path).unwrap();
    assert_eq!(trace.runs.len(), 1);
    assert_eq!(trace.runs[0].ends.len(), 3);
}

#[test]
fn a_dying_worker_process_loses_its_task_and_the_rest_completes() {
    let out = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args([
            "run",
            "io",
            "--json",
            "--tasks",
            "8",
            "--latency",
            "10",
            "--executors",
            "process:2",
        ])
        .env(runwait::exec::process::CRASH_ENV, "3")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["lost"], 1, "{run}");
    assert_eq!(run["done"], 7, "{run}");
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    assert_refused(&["run", "nope"], "unknown scenario 'nope'");
    assert_refused(
        &["run", "io", "--executors", "sync,fibers"],
        "unknown executor 'fibers'",
    );
    assert_refused(&["run", "io", "--executors", "threads:0"], "at least 1");
    assert_refused(&["run", "io", "--tasks", "0"], "--tasks");
    assert_refused(&["run", "cpu", "--size", "0"], "--size");
    assert_refused(
        &["run", "io", "--url", "not a url"],
        "malformed --url 'not a url'",
    );
    assert_refused(
        &["run", "io", "--url", "ftp://example.com/"],
        "malformed --url",
    );
    assert_refused(&["frobnicate"], "frobnicate");
    assert_refused(&["run", "io", "--tasks", "4294967295"], "--tasks");
    assert_refused(
        &["run", "io", "--executors", "threads:40000"],
        "at most 1024 workers",
    );
    assert_refused(
        &["run", "io", "--executors", "process:300"],
        "at most 256 workers",
    );
    assert_refused(
        &["run", "io", "--jitter", "18446744073709551615"],
        "--jitter",
    );
    assert_refused(&["run", "cpu", "--size", "18446744073709551615"], "--size");
    assert_refused(&["export", "t.json"], "--svg");
    assert_refused(
        &["run", "io", "--headless", "--record", "t.cast"],
        "--record records the terminal UI",
    );
    assert_refused(
        &["export", "/nonexistent/t.json", "--chrome", "/tmp/c.json"],
        "cannot read /nonexistent/t.json",
    );
    assert_refused(
        &["run", "coffees", "--executors", "async"],
        "tasks arrive over time",
    );
    assert_refused(
        &["replay", "/nonexistent/trace.json"],
        "cannot read /nonexistent/trace.json",
    );
}

#[test]
fn a_lesson_file_with_a_mistake_is_named_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"bad\"\npoint = \"p\"\nexecutors = [\"sync\", \"fibers\"]\n[[tasks]]\ncount = 1\nsegments = [{ sleep_ms = 1 }]\n",
    )
    .unwrap();
    let shown = format!("{}:3:22: unknown executor 'fibers'", path.display());
    assert_refused(&["run", path.to_str().unwrap()], &shown);
    assert_refused(&["run", "missing.toml"], "cannot read missing.toml");
}

#[test]
fn a_server_that_does_not_answer_is_an_error_not_a_hang() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let started = Instant::now();
    assert_refused(
        &[
            "run",
            "io",
            "--url",
            &url,
            "--timeout",
            "300",
            "--tasks",
            "2",
        ],
        "does not answer",
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);
    // Nothing listens there any more: refused at once.
    assert_refused(
        &["run", "io", "--url", &url, "--tasks", "2"],
        "does not answer",
    );
}

#[test]
fn a_port_that_cannot_be_bound_is_an_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    assert_refused(
        &["run", "io", "--port", &port, "--tasks", "2"],
        "cannot bind 127.0.0.1:",
    );
}

#[test]
fn an_unwritable_save_path_is_an_error() {
    assert_refused(
        &[
            "run",
            "io",
            "--tasks",
            "1",
            "--latency",
            "1",
            "--executors",
            "sync",
            "--save",
            "/nonexistent/dir/t.json",
        ],
        "cannot write /nonexistent/dir/t.json",
    );
}

/// Kill runwait while its worker processes are busy; none of them may stay behind.
#[cfg(target_os = "linux")]
fn kill_mid_run_leaves_no_worker(args: &[&str]) {
    let mut parent = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let workers = loop {
        let kids = live_children(parent.id());
        if kids.len() == 2 || Instant::now() > deadline {
            break kids;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(workers.len(), 2, "two worker processes start");
    // Let them get into their first task.
    std::thread::sleep(Duration::from_millis(300));
    parent.kill().unwrap();
    parent.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while workers.iter().any(|&w| alive(w)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u32> = workers.into_iter().filter(|&w| alive(w)).collect();
    assert!(left.is_empty(), "worker processes left behind: {left:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn no_worker_process_outlives_a_killed_runwait_waiting_on_io() {
    kill_mid_run_leaves_no_worker(&[
        "run",
        "io",
        "--json",
        "--tasks",
        "40",
        "--latency",
        "500",
        "--executors",
        "process:2",
    ]);
}

/// Mid-computation a worker does not read its pipe: it must still die with runwait.
#[cfg(target_os = "linux")]
#[test]
fn no_worker_process_outlives_a_killed_runwait_mid_computation() {
    kill_mid_run_leaves_no_worker(&[
        "run",
        "cpu",
        "--json",
        "--tasks",
        "4",
        "--size",
        "50000000000",
        "--executors",
        "process:2",
    ]);
}
