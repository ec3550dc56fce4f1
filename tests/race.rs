//! `runwait run race --headless --json`, as a teacher runs it: the race of the article at its
//! size (10 threads x 100 adds), 100 trials a run, under the emulated GIL with CPython 3.12's
//! switching. The bug hides under the GIL (a plain `counter += 1` loses nothing in nearly every
//! trial) and bites where a switch can fall between the read and the write: a call that gives
//! the GIL up (`sleep0`), no GIL (free threads); a lock or an atomic never loses an update.

mod common;

use common::take_machine;
use serde_json::Value;

/// `runwait ARGS`: its stdout, the command having succeeded.
fn runwait(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .output()
        .expect("runwait starts");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "runwait {args:?} failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The JSON summary's runs by label.
fn runs(args: &[&str]) -> Vec<Value> {
    let json: Value = serde_json::from_str(&runwait(args)).expect("one JSON object");
    json["runs"].as_array().expect("runs").clone()
}

fn by_label<'a>(runs: &'a [Value], label: &str) -> &'a Value {
    runs.iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no run {label}"))
}

/// (trials, trials that lost any update, updates lost in all, of how many).
fn figures(run: &Value) -> (u64, u64, u64, u64) {
    let get = |name: &str| {
        run["lesson"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: {run}"))
    };
    let (expected, actual) = (get("expected"), get("actual"));
    (
        get("trials"),
        get("trials_lost"),
        expected - actual,
        expected,
    )
}

#[test]
fn the_bug_hides_under_the_gil_and_bites_where_a_switch_can_split_an_add() {
    let _machine = take_machine();
    let runs = runs(&["run", "race", "--headless", "--json"]);
    let unprotected = by_label(&runs, "threads (GIL, unprotected)");
    assert_eq!(unprotected["switching"], "3.12");
    let (trials, lossy, _, of) = figures(unprotected);
    assert_eq!((trials, of), (100, 100_000));
    assert!(
        trials - lossy >= 95,
        "lost updates in {lossy} of 100 trials"
    );
    let (_, lossy, lost, _) = figures(by_label(&runs, "threads (GIL, sleep0)"));
    assert!(
        lossy > 50 && lost > 10_000,
        "sleep(0): {lossy} trials, {lost} lost"
    );
    for guarded in ["threads (GIL, lock)", "threads (GIL, atomic)"] {
        assert_eq!(figures(by_label(&runs, guarded)), (100, 0, 0, 100_000));
    }
    let free = by_label(&runs, "free-threads (unprotected)");
    assert_eq!(
        free["switching"],
        Value::Null,
        "no GIL, no switching to model"
    );
    assert_eq!(figures(free).0, 100);
    assert_eq!(unprotected["tasks"], 1000);
    assert_eq!(unprotected["done"], 1000);
}

/// Free threads lose updates once their tasks overlap (at the lesson's size they seldom do: a
/// task is over in microseconds): a loop of 10,000 adds a task, on two cores or preempted on one.
#[test]
fn free_threads_lose_updates_when_their_threads_run_at_once() {
    let _machine = take_machine();
    let args = ["run", "race", "--headless", "--json", "--executors"];
    let mut args = args.to_vec();
    args.extend([
        "free-threads:10/unprotected",
        "--adds",
        "10000",
        "--trials",
        "10",
    ]);
    let runs = runs(&args);
    let (trials, lossy, lost, _) = figures(&runs[0]);
    assert!(
        trials == 10 && lossy > 0 && lost > 0,
        "{lossy} trials, {lost} lost"
    );
}

#[test]
fn the_text_says_which_switching_is_modelled_and_where_the_bug_hides() {
    let _machine = take_machine();
    let text = runwait(&[
        "run",
        "race",
        "--headless",
        "--width",
        "100",
        "--trials",
        "20",
    ]);
    assert!(
        text.contains("emulated GIL, CPython 3.12 switching, 5 ms"),
        "{text}"
    );
    assert!(text.contains("20 trials: no update lost"), "{text}");
    let verdict = text
        .lines()
        .find(|l| l.starts_with("Emulated GIL with CPython 3.12's switching"));
    let verdict = verdict.unwrap_or_else(|| panic!("no verdict:\n{text}"));
    assert!(
        verdict.contains("unprotected) lost no update in"),
        "{verdict}"
    );
    assert!(verdict.contains("the bug hides"), "{verdict}");
    assert!(verdict.contains("sleep0) lost updates in"), "{verdict}");
    assert!(
        verdict.contains("lock) and threads (GIL, atomic) none"),
        "{verdict}"
    );
    let old = runwait(&[
        "run",
        "race",
        "--headless",
        "--python",
        "3.9",
        "--trials",
        "2",
    ]);
    assert!(old.contains("emulated GIL, CPython 3.9 switching"), "{old}");
}

#[test]
fn a_bad_version_or_trials_is_one_line_and_a_failure() {
    for (args, says) in [
        (
            vec!["--python", "2.7"],
            "not a CPython version the GIL model knows",
        ),
        (vec!["--trials", "0"], "0 is not in 1..=10000"),
    ] {
        let mut all = vec!["run", "race", "--headless"];
        all.extend(args);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
            .args(&all)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(says),
            "{all:?}: {err}"
        );
    }
}
