//! A lesson run over (`--repeat N`, a lesson's `repeats = N`): each run shown is its median
//! repeat, the spread (fastest and slowest) in the table and the JSON, the trace saved with
//! every repeat's time.

use std::process::{Command, Output};

fn runwait(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("runwait starts")
}

const SMALL: &[&str] = &[
    "--tasks",
    "3",
    "--size",
    "2000000",
    "--executors",
    "sync,process:2",
];

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = runwait(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Each row is the median of its repeats' times, and its `wall_ms` is that median.
fn assert_median_rows(summary: &serde_json::Value, n: usize) {
    for row in summary["runs"].as_array().unwrap() {
        let r = &row["repeats"];
        assert_eq!(r["n"], n as u64, "{row}");
        let mut times: Vec<f64> = (r["times_ms"].as_array().unwrap().iter())
            .map(|t| t.as_f64().unwrap())
            .collect();
        assert_eq!(times.len(), n, "every repeat did every task: {row}");
        times.sort_by(f64::total_cmp);
        assert_eq!(row["wall_ms"].as_f64(), Some(times[(n - 1) / 2]), "{row}");
        assert_eq!(r["min_ms"].as_f64(), Some(times[0]));
        assert_eq!(r["max_ms"].as_f64(), Some(times[n - 1]));
    }
}

#[test]
fn repeat_shows_each_runs_median_and_its_spread() {
    let mut args = vec!["run", "cpu", "--json", "--repeat", "3"];
    args.extend(SMALL);
    let summary = json_of(&args);
    assert_median_rows(&summary, 3);
    let mut args = vec!["run", "cpu", "--headless", "--repeat", "3", "--width", "90"];
    args.extend(SMALL);
    let out = runwait(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Each run: its median of 3 repeats"),
        "{text}"
    );
    let header = text.lines().nth(1).unwrap();
    assert!(header.contains("wall            spread"), "{text}");
    let sync = text.lines().find(|l| l.starts_with("sync ")).unwrap();
    assert!(sync.contains(" s–") || sync.contains(" ms–"), "{sync}");
}

#[test]
fn once_is_as_before() {
    let mut args = vec!["run", "cpu", "--json"];
    args.extend(SMALL);
    let summary = json_of(&args);
    assert!(summary["runs"][0].get("repeats").is_none(), "{summary}");
    let mut args = vec!["run", "cpu", "--headless", "--repeat", "1"];
    args.extend(SMALL);
    let text = String::from_utf8(runwait(&args).stdout).unwrap();
    assert!(text.starts_with("executor "), "{text}");
    assert!(!text.contains("spread"), "{text}");
}

#[test]
fn a_lesson_file_asks_for_repeats_and_the_saved_trace_keeps_them() {
    let dir = std::env::temp_dir().join(format!("runwait-repeat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lesson = dir.join("twice.toml");
    std::fs::write(
        &lesson,
        "name = \"twice\"\npoint = \"p\"\nexecutors = [\"sync\", \"threads:2\"]\nrepeats = 2\n\n\
         [[tasks]]\ncount = 2\nsegments = [{ sleep_ms = 20 }]\n",
    )
    .unwrap();
    let saved = dir.join("t.json");
    let (lesson, saved) = (lesson.to_str().unwrap(), saved.to_str().unwrap());
    let summary = json_of(&["run", lesson, "--json", "--save", saved]);
    assert_median_rows(&summary, 2);
    let replayed = json_of(&["replay", saved, "--json"]);
    assert_median_rows(&replayed, 2);
    // --repeat overrides the file.
    let summary = json_of(&["run", lesson, "--json", "--repeat", "3"]);
    assert_median_rows(&summary, 3);
    std::fs::write(
        dir.join("never.toml"),
        "name = \"n\"\npoint = \"p\"\nexecutors = [\"sync\"]\nrepeats = 0\n\n\
         [[tasks]]\ncount = 1\nsegments = [{ sleep_ms = 1 }]\n",
    )
    .unwrap();
    let out = runwait(&["run", dir.join("never.toml").to_str().unwrap(), "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("never.toml:4:11: repeats must be at least 1"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn repeat_out_of_bounds_is_one_line_and_exit_code_2() {
    for n in ["0", "101", "-1", "x"] {
        let out = runwait(&["run", "cpu", "--json", "--repeat", n]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{n}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{n}: {err}");
        assert!(err.contains("--repeat"), "{n}: {err}");
    }
}
