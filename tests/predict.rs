//! Predict, then run (issue 23), headless and in the model: the questions a lesson asks before
//! its runs, the answers given (`--answer`), the measured figure and the right answer; lesson
//! files' own questions, and their mistakes refused at file:line; questions and counts kept in
//! trace files, `replay` and `compare`; `Question::measured` and `right` for every figure over
//! hand-made traces.

use runwait::instrument::{Msg, Recorder};
use runwait::lab::questions::speedup_answers;
use runwait::lab::scenario;
use runwait::trace::{
    file, Answer, Figure, Lane, Outcome, Question, Reason, Run, RunMeta, Span, State, TaskEnd,
    Trace,
};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn runwait(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .output()
        .expect("runwait runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A file of this test's own in the temp directory.
fn temp(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("runwait-predict-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

const RACE_ANSWERS: &[&str] = &[
    "--answer",
    "threads:10/unprotected=under 1",
    "--answer",
    "threads:10/unprotected=under 1",
    "--answer",
    "threads (GIL, unprotected)=4",
    "--answer",
    "2=500 or more",
    "--answer",
    "free-threads:10/unprotected=100 to",
];

#[test]
fn the_race_headless_prints_the_question_the_answers_the_lost_updates_and_the_right_one() {
    let mut args = vec![
        "run",
        "race",
        "--predict",
        "--headless",
        "--trials",
        "20",
        "--width",
        "200",
    ];
    args.extend_from_slice(RACE_ANSWERS);
    let out = runwait(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let at = text
        .find("Predict, then run:")
        .expect("a section of its own");
    let part = &text[at..];
    assert!(
        part.contains("threads (GIL, unprotected): With the GIL, how many of a trial's 1,000 updates (10 threads × 100 adds) are lost, on average?"),
        "{part}"
    );
    // 3.12's switching never falls inside `counter += 1`: the GIL run loses none (the bug
    // hides), so "under 1" is right, and two of the three hands said so.
    let first = &part[..part.find("threads (GIL, sleep0):").unwrap()];
    let under = first.lines().find(|l| l.contains("1 under 1")).unwrap();
    assert!(under.trim_end().ends_with("2  ✓ right"), "{first}");
    let most = first.lines().find(|l| l.contains("4 500 or more")).unwrap();
    assert!(most.trim_end().ends_with(" 1"), "{first}");
    assert!(
        first.contains("measured 0 lost a trial (on average over its trials): right \"under 1\", 2 of 3 answered it"),
        "{first}"
    );
    assert!(
        part.contains("free-threads (unprotected): Without a GIL"),
        "{part}"
    );
    // The lock and the atomic add are asked nothing (the lesson asks three runs).
    assert!(!part.contains("threads (GIL, lock):"), "{part}");
}

/// The race's JSON carries the same: for each question its answers counted, the measured
/// figure (a trial's lost updates, from the run's own counter) and the right answer.
#[test]
fn the_race_json_carries_the_questions_counts_figures_and_right_answers() {
    let mut args = vec!["run", "race", "--predict", "--json", "--trials", "10"];
    args.extend_from_slice(RACE_ANSWERS);
    let out = runwait(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let questions = json["questions"].as_array().expect("questions");
    assert_eq!(questions.len(), 3);
    let counts = |q: &Value| -> Vec<u64> {
        q["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["count"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(counts(&questions[0]), [2, 0, 0, 1]);
    assert_eq!(counts(&questions[1]), [0, 0, 0, 1]);
    assert_eq!(counts(&questions[2]), [0, 0, 1, 0]);
    for q in questions {
        let run = &json["runs"][q["run_index"].as_u64().unwrap() as usize];
        assert_eq!(q["run"], run["label"]);
        let lesson = &run["lesson"];
        let lost = lesson["expected"].as_f64().unwrap() - lesson["actual"].as_f64().unwrap();
        let per_trial = lost / lesson["trials"].as_f64().unwrap();
        let measured = q["measured"].as_f64().unwrap();
        assert!((measured - per_trial).abs() < 0.01, "{q}");
        // The right answer is the one whose range holds the figure, and only it is marked.
        let answers = q["answers"].as_array().unwrap();
        let holds = |a: &Value| {
            a["from"].as_f64().unwrap() <= measured
                && a["to"].as_f64().is_none_or(|to| measured < to)
        };
        let right: Vec<&Value> = answers.iter().filter(|a| a["right"] == true).collect();
        assert_eq!(right.len(), 1, "{q}");
        assert!(holds(right[0]), "{q}");
        assert_eq!(q["right"], right[0]["label"]);
    }
    assert_eq!(
        questions[0]["right"], "under 1",
        "3.12's GIL never switches inside +="
    );
    assert_eq!(questions[0]["answered"], 3);
}

#[test]
fn bad_answers_are_one_line_and_exit_code_2() {
    for (answer, needle) in [
        ("nope=1", "no run 'nope'"),
        (
            "threads:10/lock=1",
            "no question is asked of 'threads:10/lock'",
        ),
        ("1=9", "'9' is not one answer of"),
        ("1=0", "'0' is not one answer of"),
        ("1=lots", "'lots' is not one answer of"),
        ("9=1", "no run '9'"),
        ("lesson=1", "no question is asked of 'lesson'"),
        ("threads", "expected RUN=LABEL"),
    ] {
        let out = runwait(&["run", "race", "--predict", "--headless", "--answer", answer]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{answer}: {err}");
        assert_eq!(err.lines().count(), 1, "{answer}: {err}");
        assert!(err.contains(needle), "{answer}: {err}");
        assert!(stdout(&out).is_empty(), "nothing ran: {answer}");
    }
    let out = runwait(&["run", "race", "--headless", "--answer", "1=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--predict"), "{}", stderr(&out));
}

const OWN: &str = r#"name = "waits"
point = "Waiting overlaps"
executors = ["sync", "threads:4", "async"]

[[tasks]]
count = 8
segments = [{ sleep_ms = 40 }]

[[questions]]
run = "threads:4"
text = "Four threads, eight sleeps: how much faster than one thread?"
figure = "speedup"
answers = [
    { label = "no faster", to = 1.5 },
    { label = "about 4x", from = 1.5, to = 6 },
    { label = "8x or more", from = 6 },
]
"#;

/// A teacher's lesson with its own question: asked of its run instead of "how fast against
/// sync?"; the other run (async) gets that one, the baseline none.
#[test]
fn a_lesson_file_with_its_own_question_is_asked_headless() {
    let path = temp("own.toml", OWN);
    let out = runwait(&[
        "run",
        path.to_str().unwrap(),
        "--predict",
        "--json",
        "--answer",
        "threads:4=4x",
        "--answer",
        "threads:4=1",
        "--answer",
        "async=10x",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let questions = json["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 2, "{json}");
    let own = &questions[0];
    assert_eq!(own["run"], "threads (GIL)");
    assert_eq!(own["figure"], "speedup");
    assert_eq!(
        own["text"],
        "Four threads, eight sleeps: how much faster than one thread?"
    );
    assert_eq!(own["answered"], 2);
    let run = &json["runs"][own["run_index"].as_u64().unwrap() as usize];
    let speedup = run["speedup"].as_f64().unwrap();
    assert!(
        (own["measured"].as_f64().unwrap() - speedup).abs() < 0.01,
        "{own}"
    );
    // Eight 40 ms sleeps on four threads: two rounds, about 4x (loose: a busy machine).
    assert!((2.0..6.0).contains(&speedup), "{speedup}");
    assert_eq!(own["right"], "about 4x");
    let default = &questions[1];
    assert_eq!(default["run"], "async");
    assert_eq!(default["text"], "How fast against sync?");
    let labels: Vec<&str> = (default["answers"].as_array().unwrap().iter())
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "slower",
            "about the same",
            "about 2x",
            "about 3x",
            "about 5x",
            "about 8x",
            "about 10x or more"
        ],
        "async could have all 8 going at once"
    );
    let text = stdout(&runwait(&[
        "run",
        path.to_str().unwrap(),
        "--predict",
        "--headless",
    ]));
    assert!(
        text.contains("threads (GIL): Four threads, eight sleeps"),
        "{text}"
    );
    assert!(text.contains("async: How fast against sync?"), "{text}");
    let _ = std::fs::remove_file(path);
}

/// A lesson's question mistakes: refused at their line and column, exit code 2.
#[test]
fn bad_questions_are_refused_at_file_line_and_column() {
    let head = "name = \"x\"\npoint = \"p\"\nexecutors = [\"sync\", \"threads:2\"]\n[[tasks]]\ncount = 2\nsegments = [{ sleep_ms = 1 }]\n[[questions]]\ntext = \"q\"\n";
    for (rest, place, needle) in [
        ("figure = \"speedup\"\nanswers = []\n", "l.toml:10:11", "at least one answer"),
        ("figure = \"speedup\"\n", "l.toml:7:1", "missing field `answers`"),
        (
            "figure = \"speedup\"\nanswers = [{ label = \"a\", from = 3, to = 2 }]\n",
            "l.toml:10:34",
            "no figure is from 3 and below 2",
        ),
        (
            "figure = \"lost-updates\"\nanswers = [{ label = \"a\", from = -5, to = 2 }]\n",
            "l.toml:10:34",
            "lost-updates is never below 0",
        ),
        (
            "figure = \"lost-updates\"\nanswers = [{ label = \"a\", to = 0 }]\n",
            "l.toml:10:32",
            "no figure is from 0 and below 0",
        ),
        (
            "figure = \"pool-size-enough\"\nanswers = [{ label = \"a\", from = 2.2, to = 2.8 }]\n",
            "l.toml:10:34",
            "no whole figure",
        ),
        (
            "figure = \"speedup\"\nanswers = [{ label = \"a\", to = 2 }, { label = \"b\", from = 1 }]\n",
            "l.toml:10:37",
            "answers 'a' and 'b' overlap",
        ),
        (
            "figure = \"speedup\"\nanswers = [{ label = \"a\", to = 2 }, { label = \"A\", from = 2 }]\n",
            "l.toml:10:37",
            "two answers are 'A'",
        ),
        (
            "figure = \"speedup\"\nrun = \"async\"\nanswers = [{ label = \"a\" }]\n",
            "l.toml:10:7",
            "run 'async' is not one of the lesson's executors",
        ),
        (
            "figure = \"pool-size-enough\"\nrun = \"sync\"\nanswers = [{ label = \"a\" }]\n",
            "l.toml:7:1",
            "pool-size-enough is about the lesson as a whole",
        ),
        (
            "figure = \"speedup\"\nanswers = [{ label = \"a\" }]\n",
            "m.toml:7:1",
            "speedup is measured against sync: add \"sync\" to the executors",
        ),
        (
            "figure = \"wall-ms\"\nanswers = [{ label = \"a\" }]\n",
            "l.toml:9:10",
            "unknown variant `wall-ms`",
        ),
        (
            "figure = \"speedup\"\nanswers = [{ label = \"\" }]\n",
            "l.toml:10:22",
            "label is 1 to 40 characters",
        ),
    ] {
        // `m.toml`: the lesson without sync.
        let text = match place.starts_with("m.toml") {
            true => format!("{head}{rest}").replace("[\"sync\", \"threads:2\"]", "[\"threads:2\"]"),
            false => format!("{head}{rest}"),
        };
        let e = scenario::parse(&text, &place[..6]).unwrap_err().to_string();
        assert!(e.starts_with(place), "{rest}: {e}");
        assert!(e.contains(needle), "{rest}: {e}");
    }
    let path = temp(
        "bad.toml",
        &format!("{head}figure = \"speedup\"\nanswers = []\n"),
    );
    let out = runwait(&["run", path.to_str().unwrap(), "--predict", "--headless"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}:10:11: a question offers at least one answer",
            path.display()
        )),
        "{err}"
    );
    let _ = std::fs::remove_file(path);
}

/// Every lesson asks something: its own questions, "how fast against sync?", or, without sync,
/// which run finishes first (answered by a run's place). Planned only: nothing is run.
#[test]
fn every_builtin_lesson_asks_something_when_predicting() {
    for lesson in scenario::builtin() {
        let name = lesson.name.clone();
        let own = lesson.questions.len();
        let plan = runwait::lab::Plan::prepare(lesson, runwait::lab::Options::default()).unwrap();
        let ids: Vec<Option<u32>> = (0..plan.runs.len() as u32).map(Some).collect();
        let asked = plan.questions(0, &ids);
        assert!(!asked.is_empty() && asked.len() >= own, "{name}: {asked:?}");
        let fastest = asked.iter().find(|q| q.figure == Figure::Fastest);
        let baseline = plan.runs.iter().any(|r| r.to_string() == "sync");
        assert_eq!(fastest.is_some(), !baseline && own == 0, "{name}");
        if let Some(q) = fastest {
            let labels: Vec<String> = plan.metas(0).into_iter().map(|m| m.label).collect();
            let answered: Vec<String> = q.answers.iter().map(|a| a.label.clone()).collect();
            assert_eq!(answered, labels, "{name}: an answer a run, in order");
        }
        for q in &asked {
            assert!(!q.text.contains('{'), "{name}: words filled in: {}", q.text);
        }
    }
}

#[test]
fn the_fastest_is_the_run_that_did_every_task_in_the_least_time() {
    let mut slow_done = pool(3, 300);
    slow_done.meta.set = 0;
    let mut unfinished = pool(3, 100);
    unfinished.ends.clear();
    let t = trace(vec![slow_done, pool(2, 200), unfinished]);
    let answers = ranged(&[1.0, 2.0, 3.0]);
    let q = Question::new(None, "First?", Figure::Fastest, answers);
    assert_eq!(q.measured(&t), Some(2.0), "run 3 did not do every task");
    assert_eq!(q.right(&t), Some(1));
}

// Hand-made traces: the figures each question is answered by.

fn finished(meta: RunMeta, wall_ms: u64) -> Run {
    let mut run = Run::new(RunMeta { tasks: 1, ..meta });
    run.start_ns = Some(0);
    run.end_ns = Some(wall_ms * 1_000_000);
    run.lanes = vec![lane(&[(State::Run, None, 0, wall_ms)])];
    run.ends.push(TaskEnd {
        task: 0,
        lane: 0,
        outcome: Outcome::Done,
        at_ns: 0,
    });
    run
}

fn sync() -> Run {
    finished(
        RunMeta {
            baseline: true,
            label: "sync".into(),
            ..RunMeta::default()
        },
        1000,
    )
}

fn pool(workers: u32, wall_ms: u64) -> Run {
    finished(
        RunMeta {
            workers,
            executor: "threads".into(),
            label: format!("threads × {workers}"),
            ..RunMeta::default()
        },
        wall_ms,
    )
}

/// A lane of spans `(state, reason, from ms, to ms)`.
fn lane(spans: &[(State, Option<Reason>, u64, u64)]) -> Lane {
    let mut lane = Lane::default();
    for &(state, reason, from, to) in spans {
        lane.push(Span {
            task: Some(0),
            state,
            reason,
            start_ns: from * 1_000_000,
            end_ns: to * 1_000_000,
        });
    }
    lane
}

fn trace(runs: Vec<Run>) -> Trace {
    Trace {
        runs,
        ..Trace::new("hand-made")
    }
}

fn ranged(edges: &[f64]) -> Vec<Answer> {
    let mut answers = Vec::new();
    for (i, low) in edges.iter().enumerate() {
        let high = edges.get(i + 1).copied().unwrap_or(f64::INFINITY);
        answers.push(Answer::new(&format!("from {low}"), *low, high));
    }
    answers
}

#[test]
fn speedup_is_measured_against_the_sets_baseline_and_its_answers_vary_with_the_run() {
    let t = trace(vec![sync(), pool(4, 250), pool(2, 1250)]);
    let q = Question::new(Some(1), "How fast?", Figure::Speedup, speedup_answers(4));
    assert_eq!(q.measured(&t), Some(4.0));
    assert_eq!(q.answers.last().unwrap().label, "about 5x or more");
    assert_eq!(q.right(&t), Some(4));
    assert_eq!(q.answers[4].label, "about 4x", "a pool of 4 at its ideal");
    let slower = Question::new(Some(2), "How fast?", Figure::Speedup, speedup_answers(4));
    assert_eq!(slower.right(&t), Some(0), "0.8x is slower");
    let many = Question::new(Some(1), "How fast?", Figure::Speedup, speedup_answers(40));
    assert_eq!(many.answers.len(), 8, "to about 40x or more");
    assert_eq!(many.answers[many.right(&t).unwrap()].label, "about 5x");
    let mut unfinished = t.clone();
    unfinished.runs[1].end_ns = None;
    assert_eq!(q.measured(&unfinished), None);
    assert_eq!(q.right(&unfinished), None);
}

#[test]
fn lost_updates_are_a_trials_on_average() {
    let mut run = pool(10, 40);
    for (name, value) in [("expected", 100_000), ("actual", 99_000), ("trials", 100)] {
        run.lesson.insert(name.into(), value);
    }
    let mut once = pool(10, 40);
    once.lesson.insert("expected".into(), 1000);
    once.lesson.insert("actual".into(), 1000);
    let t = trace(vec![run, once]);
    let answers = ranged(&[0.0, 1.0, 100.0, 500.0]);
    let q = Question::new(Some(0), "Lost?", Figure::LostUpdates, answers.clone());
    assert_eq!(q.measured(&t), Some(10.0));
    assert_eq!(q.right(&t), Some(1));
    let none = Question::new(Some(1), "Lost?", Figure::LostUpdates, answers);
    assert_eq!((none.measured(&t), none.right(&t)), (Some(0.0), Some(0)));
}

#[test]
fn the_gil_wait_is_the_io_threads_wait_for_the_gil_after_each_response() {
    use State::{Ready, Run as Running, Wait};
    let io = lane(&[
        (Wait, Some(Reason::Io), 0, 5),
        (Ready, Some(Reason::Gil), 5, 12),
        (Running, None, 12, 13),
        (Wait, Some(Reason::Io), 13, 18),
        (Ready, Some(Reason::Gil), 18, 21),
        (Running, None, 21, 22),
    ]);
    let cpu = lane(&[(Running, None, 0, 22)]);
    let mut gil = pool(3, 22);
    gil.lanes = vec![cpu.clone(), io];
    let mut free = pool(3, 22);
    free.lanes = vec![
        cpu,
        lane(&[
            (Wait, Some(Reason::Io), 0, 5),
            (Ready, Some(Reason::Cpu), 5, 6),
            (Running, None, 6, 7),
        ]),
    ];
    let t = trace(vec![gil, free]);
    let answers = ranged(&[0.0, 1.0, 4.0]);
    let q = Question::new(Some(0), "Wait?", Figure::GilWaitMs, answers.clone());
    assert_eq!(q.measured(&t), Some(5.0), "(7 + 3) ms over 2 responses");
    assert_eq!(q.right(&t), Some(2));
    let q = Question::new(Some(1), "Wait?", Figure::GilWaitMs, answers);
    assert_eq!(
        q.measured(&t),
        Some(0.0),
        "a wait for a CPU is not the GIL's"
    );
    assert_eq!(q.right(&t), Some(0));
}

#[test]
fn a_tick_is_as_late_as_the_longest_wait_for_the_loop_beside_the_task_that_holds_it() {
    use State::{Ready, Run as Running, Wait};
    let mut run = pool(1, 400);
    run.lanes = vec![
        lane(&[
            (Wait, Some(Reason::Timer), 0, 20),
            (Ready, Some(Reason::Loop), 20, 370),
        ]),
        lane(&[(Running, None, 10, 400)]),
        lane(&[(Ready, Some(Reason::Loop), 0, 12)]),
    ];
    let t = trace(vec![run]);
    let q = Question::new(
        Some(0),
        "Late?",
        Figure::TickLateMs,
        ranged(&[0.0, 20.0, 100.0]),
    );
    assert_eq!(q.measured(&t), Some(350.0));
    assert_eq!(q.right(&t), Some(2));
}

#[test]
fn the_pool_size_enough_is_the_smallest_about_as_fast_as_the_fastest_of_its_set() {
    let mut runs = vec![sync()];
    for (workers, wall) in [
        (1, 1000),
        (2, 500),
        (5, 200),
        (10, 104),
        (50, 98),
        (160, 99),
    ] {
        runs.push(pool(workers, wall));
    }
    // A what-if beside it (set 1) where 5 are enough.
    let mut after = vec![sync()];
    for (workers, wall) in [(2, 500), (5, 100), (10, 100)] {
        after.push(pool(workers, wall));
    }
    after.iter_mut().for_each(|r| r.meta.set = 1);
    runs.extend(after);
    let t = trace(runs);
    let edges = ranged(&[1.0, 2.0, 5.0, 10.0, 50.0, 160.0]);
    let q = Question::new(None, "Enough?", Figure::PoolSizeEnough, edges);
    assert_eq!(q.measured(&t), Some(10.0));
    assert_eq!(q.answers[q.right(&t).unwrap()].label, "from 10");
    let what_if = q.clone().in_set(1);
    assert_eq!(what_if.measured(&t), Some(5.0));
    let mut going = t.clone();
    going.runs[3].end_ns = None;
    assert_eq!(q.measured(&going), None, "every run of its set ended first");
}

#[test]
fn answers_are_counted_through_the_recorder_and_an_undo_stops_at_zero() {
    let mut recorder = Recorder::new("x");
    let q = Question::new(Some(0), "How fast?", Figure::Speedup, speedup_answers(8));
    recorder.apply(Msg::Question(Box::new(q)));
    for (answer, delta) in [(1, 1), (1, 1), (4, 1), (4, -1), (4, -1), (9, 1)] {
        recorder.apply(Msg::Count {
            question: 0,
            answer,
            delta,
        });
    }
    recorder.apply(Msg::Count {
        question: 5,
        answer: 0,
        delta: 1,
    });
    let t = recorder.into_trace();
    assert_eq!(t.questions[0].counts, [0, 2, 0, 0, 0, 0, 0]);
    assert_eq!(t.questions[0].answered(), 2);
}

fn answered_trace() -> Trace {
    let mut t = trace(vec![sync(), pool(4, 250)]);
    let mut q = Question::new(Some(1), "How fast?", Figure::Speedup, speedup_answers(4));
    q.counts = vec![1, 0, 3, 2, 0, 0];
    let mut lesson = Question::new(None, "Enough?", Figure::PoolSizeEnough, ranged(&[1.0, 4.0]));
    lesson.counts = vec![0, 5];
    t.questions = vec![q, lesson];
    t
}

#[test]
fn a_saved_trace_keeps_its_questions_and_counts_and_compare_shows_both() {
    let t = answered_trace();
    let text = file::to_json(&t);
    assert!(
        text.contains("\"high\":null"),
        "an unbounded answer is null in the file"
    );
    let back = runwait::ingest::saved::from_json(&text, "t.json").unwrap();
    assert_eq!(back.questions, t.questions);
    assert_eq!(back.questions[0].right(&back), Some(4), "4x: about 4x");
    let path = temp("saved.json", &text);
    let replayed = stdout(&runwait(&["replay", path.to_str().unwrap(), "--headless"]));
    assert!(replayed.contains("Predict, then run:"), "{replayed}");
    assert!(replayed.contains("threads × 4: How fast?"), "{replayed}");
    assert!(
        replayed.contains("right \"about 4x\", 0 of 6 answered it"),
        "{replayed}"
    );
    let both = runwait::ingest::compare(&path, &path, 1 << 30).unwrap();
    assert_eq!(both.questions.len(), 4);
    let after = &both.questions[2];
    assert_eq!(
        (after.run, after.set),
        (Some(3), 1),
        "the run after, in the set after"
    );
    assert_eq!(after.counts, [1, 0, 3, 2, 0, 0]);
    assert_eq!(both.questions[3].set, 1);
    let json: Value = serde_json::from_str(&stdout(&runwait(&[
        "compare",
        path.to_str().unwrap(),
        path.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(json["questions"].as_array().unwrap().len(), 4);
    assert_eq!(json["questions"][2]["run_index"], 3);
    let _ = std::fs::remove_file(path);
}

/// Without --predict nothing is asked, and the trace file holds no questions.
#[test]
fn without_predict_no_question_is_asked() {
    let out = runwait(&[
        "run",
        "race",
        "--headless",
        "--trials",
        "2",
        "--executors",
        "threads:10/lock",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("Predict, then run"));
}

/// Run what the lab has started to its end.
fn finish(lab: &mut runwait::lab::Lab) {
    while !lab.finished() {
        lab.drain();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    lab.drain();
}

/// Asked before the runs are in the trace, each question about the run it names once they are;
/// a what-if's questions are about its own runs (a run it keeps is not asked again), and a
/// rerun asks afresh.
#[test]
fn a_what_if_and_a_rerun_get_their_own_questions_about_their_own_runs() {
    use runwait::lab::{Lab, Options, Plan};
    let lesson = scenario::parse(OWN, "own.toml").unwrap();
    let options = Options {
        predict: true,
        ..Options::default()
    };
    let mut lab = Lab::new(Plan::prepare(lesson, options.clone()).unwrap());
    assert!(
        lab.trace().runs.is_empty(),
        "nothing runs before the class answers"
    );
    let texts: Vec<&str> = lab
        .trace()
        .questions
        .iter()
        .map(|q| q.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Four threads, eight sleeps: how much faster than one thread?",
            "How fast against sync?"
        ]
    );
    lab.count(0, 1, 1);
    lab.start();
    finish(&mut lab);
    let t = lab.trace();
    let about: Vec<&str> = (t.questions.iter())
        .map(|q| q.about(t).unwrap().meta.label.as_str())
        .collect();
    assert_eq!(about, ["threads (GIL)", "async"]);
    assert_eq!(t.questions[0].counts, [0, 1, 0]);
    assert!(t.questions.iter().all(|q| q.measured(t).is_some()));

    let what_if = Options {
        executors: Some(vec![
            "sync".parse().unwrap(),
            "threads:8".parse().unwrap(),
            "async".parse().unwrap(),
        ]),
        predict: false,
        ..options
    };
    assert_eq!(lab.plan_what_if(what_if).unwrap(), 1);
    let asked: Vec<_> = (lab.trace().questions.iter())
        .filter(|q| q.set == 1)
        .cloned()
        .collect();
    assert_eq!(
        asked.len(),
        1,
        "sync and async are kept, not run again: {asked:?}"
    );
    lab.start();
    finish(&mut lab);
    let t = lab.trace();
    let run = asked[0].about(t).expect("its run is in the trace");
    assert_eq!(
        (run.meta.workers, run.meta.set, run.meta.kept),
        (8, 1, false)
    );
    assert_eq!(asked[0].text, "How fast against sync?");

    lab.rerun();
    finish(&mut lab);
    let t = lab.trace();
    assert_eq!(t.questions.len(), 2, "the what-if's lesson, asked afresh");
    assert!(t.questions.iter().all(|q| q.answered() == 0));
    let workers: Vec<u32> = (t.questions.iter())
        .map(|q| q.about(t).unwrap().meta.workers)
        .collect();
    assert_eq!(workers, [8, 1], "threads:8, then async");
}

/// A lab made without --predict asks nothing until told to (a key in the live UI), and then
/// asks before its runs, and before every set after.
#[test]
fn predicting_can_be_turned_on_before_the_runs() {
    use runwait::lab::{Lab, Options, Plan};
    let lesson = scenario::parse(OWN, "own.toml").unwrap();
    let mut lab = Lab::new(Plan::prepare(lesson, Options::default()).unwrap());
    assert!(lab.trace().questions.is_empty());
    assert!(!lab.predicts());
    lab.predict();
    lab.predict();
    assert!(lab.predicts());
    assert_eq!(lab.trace().questions.len(), 2, "asked once");
    lab.start();
    finish(&mut lab);
    let what_if = Options {
        executors: Some(vec!["sync".parse().unwrap(), "threads:2".parse().unwrap()]),
        ..Options::default()
    };
    lab.plan_what_if(what_if).unwrap();
    let asked = lab.trace().questions.iter().filter(|q| q.set == 1).count();
    assert_eq!(asked, 1, "threads:2 is asked how fast it is");
}

/// A trace file whose question is about a run it does not have, or counts what it does not
/// offer, is refused with one line naming the question.
#[test]
fn a_trace_files_questions_are_checked_on_load() {
    let mut t = answered_trace();
    t.questions[0].run = Some(7);
    let e = runwait::ingest::saved::from_json(&file::to_json(&t), "t.json").unwrap_err();
    assert!(
        e.to_string()
            .contains("question 1: about run 7, which the trace does not have"),
        "{e}"
    );
    let mut t = answered_trace();
    t.questions[1].counts = vec![1, 2, 3];
    let e = runwait::ingest::saved::from_json(&file::to_json(&t), "t.json").unwrap_err();
    assert!(
        e.to_string().contains("question 2: 3 counts for 2 answers"),
        "{e}"
    );
    let mut t = answered_trace();
    t.questions[1].answers[0].high = 0.5;
    let e = runwait::ingest::saved::from_json(&file::to_json(&t), "t.json").unwrap_err();
    assert!(
        e.to_string()
            .contains("question 2: 'from 1': no whole figure is from 1 and below 0.5"),
        "{e}"
    );
}

/// A trace file's answers are held to the lesson file's rule (one rule, [`Question::check`]):
/// none overlapping, 1 to 9 of them, labels of at most 40 characters; and no count above a
/// million hands (summed without wrapping).
#[test]
fn a_trace_files_answers_are_checked_as_a_lesson_files_are() {
    let refused = |edit: &dyn Fn(&mut Question), why: &str| {
        let mut t = answered_trace();
        edit(&mut t.questions[1]);
        let e = runwait::ingest::saved::from_json(&file::to_json(&t), "t.json").unwrap_err();
        assert!(e.to_string().contains(why), "{why}: {e}");
        assert_eq!(e.to_string().lines().count(), 1, "{e}");
    };
    let overlap = |q: &mut Question| q.answers[1].low = 2.0;
    refused(&overlap, "answers 'from 1' and 'from 4' overlap");
    let none = |q: &mut Question| (q.answers, q.counts) = (Vec::new(), Vec::new());
    refused(&none, "a question offers at least one answer");
    let ten = |q: &mut Question| {
        q.answers = ranged(&(1..=10).map(f64::from).collect::<Vec<_>>());
        q.counts = vec![0; 10];
    };
    refused(&ten, "at most 9 answers");
    let long = |q: &mut Question| q.answers[0].label = "x".repeat(41);
    refused(&long, "an answer's label is 1 to 40 characters");
    let twice = |q: &mut Question| q.answers[1].label = "FROM 1".into();
    refused(&twice, "two answers are 'FROM 1'");
    let huge = |q: &mut Question| q.counts = vec![1_000_001, 0];
    refused(
        &huge,
        "a count of 1000001: at most 1,000,000 hands an answer",
    );
    // At the most, summed as u64: no wrap, no panic.
    let mut t = answered_trace();
    t.questions[1].counts = vec![1_000_000, 1_000_000];
    let back = runwait::ingest::saved::from_json(&file::to_json(&t), "t.json").unwrap();
    assert_eq!(back.questions[1].answered(), 2_000_000);
    let mut q = back.questions[1].clone();
    q.count(0, i32::MAX);
    assert_eq!(q.counts[0], 1_000_000, "a count stops at the most");
}

/// A speedup just under an answer's bound is printed with places enough to stay in its own
/// answer (0.899x is "slower", not "0.9x ... right slower"), in the text, the UI's reveal and
/// the JSON (unrounded).
#[test]
fn a_figure_near_a_bound_is_printed_inside_its_own_answer() {
    use runwait::present::{predict, prediction};
    let t = trace(vec![sync(), pool(4, 1113)]);
    let q = Question::new(Some(1), "How fast?", Figure::Speedup, speedup_answers(4));
    let value = q.measured(&t).unwrap();
    assert!(value < 0.9 && value > 0.898, "{value}");
    assert_eq!(q.right(&t), Some(0), "slower");
    let text = prediction::reveal(&t, &q);
    assert!(
        text.starts_with("measured 0.898x (its speedup): right \"slower\""),
        "{text}"
    );
    let mut said = q.clone();
    said.counts[0] = 1;
    let ui: String = (predict::reveal(&said, &t, &said.revealed(&t), 40).into_iter())
        .map(|p| p.0)
        .collect();
    assert!(ui.starts_with("measured 0.898x: "), "{ui}");
    // Away from a bound, two places, as the title has it.
    let t2 = trace(vec![sync(), pool(4, 250)]);
    assert!(prediction::reveal(&t2, &q).starts_with("measured 4.00x"));
    let mut traced = t.clone();
    traced.questions = vec![q];
    let json = runwait::export::json::to_string(&traced);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["questions"][0]["measured"].as_f64(),
        Some(value),
        "unrounded"
    );
}

/// "Which finishes first?": runs about as fast as one another (within the verdict's margin)
/// are each right, and every view says so; a clear winner is right alone.
#[test]
fn runs_about_as_fast_as_the_fastest_are_each_right() {
    use runwait::present::{predict, prediction};
    let answers = vec![
        Answer::new("threads", 1.0, 2.0),
        Answer::new("processes", 2.0, 3.0),
    ];
    let mut q = Question::new(None, "First?", Figure::Fastest, answers);
    q.counts = vec![3, 1];
    let close = trace(vec![pool(2, 1010), pool(4, 1000)]);
    let revealed = q.revealed(&close);
    assert_eq!(
        (revealed.value, revealed.right.clone()),
        (Some(2.0), vec![1, 0])
    );
    assert!(revealed.tie());
    let text = prediction::reveal(&close, &q);
    assert!(
        text.contains("\"processes\" and \"threads\" about as fast")
            && text.contains("4 of 4 answered one"),
        "{text}"
    );
    let ui: String = (predict::reveal(&q, &close, &revealed, 120).into_iter())
        .map(|p| p.0)
        .collect();
    assert!(ui.starts_with(predict::TIE_LEAD), "{ui}");
    assert!(
        ui.contains("✓ threads: 3") && ui.contains("✓ processes: 1"),
        "{ui}"
    );
    let mut traced = close.clone();
    traced.questions = vec![q.clone()];
    let v: serde_json::Value =
        serde_json::from_str(&runwait::export::json::to_string(&traced)).unwrap();
    let q0 = &v["questions"][0];
    assert_eq!(
        q0["about_as_fast"],
        serde_json::json!(["processes", "threads"])
    );
    assert_eq!(q0["answers"][0]["right"], true);
    // The verdict's margin: 10% longer is about as fast, 12% is not.
    let edge = trace(vec![pool(2, 1120), pool(4, 1000)]);
    assert_eq!(q.revealed(&edge).right, vec![1]);
    // A lesson's own answers may hold more than one run: the tied run's answer is right.
    let mut ranges = q.clone();
    ranges.answers = vec![
        Answer::new("run 1", 1.0, 2.0),
        Answer::new("run 2 or 3", 2.0, 4.0),
    ];
    let three = trace(vec![pool(2, 1500), pool(4, 1000), pool(3, 1050)]);
    assert_eq!(
        ranges.revealed(&three).right,
        vec![1],
        "run 3 is in run 2's answer"
    );
    let clear = trace(vec![pool(2, 2000), pool(4, 1000)]);
    assert_eq!(q.revealed(&clear).right, vec![1]);
    assert!(prediction::reveal(&clear, &q).contains("right \"processes\", 1 of 4"));
}

/// On a busy machine the reveal says which other answers the speedup could as well have been.
#[test]
fn a_busy_machines_reveal_names_the_answers_within_its_noise() {
    use runwait::present::prediction::reveal;
    let mut t = trace(vec![sync(), pool(4, 250)]);
    let q = Question::new(Some(1), "How fast?", Figure::Speedup, speedup_answers(4));
    let quiet = reveal(&t, &q);
    assert_eq!(
        quiet,
        "measured 4.00x (its speedup): right \"about 4x\" (no answers counted)"
    );
    // sync kept from a CPU 40% of its time: figures within 1.7x are noise.
    let base = &mut t.runs[0];
    base.meta.cpu_waits_hz = Some(1000);
    base.lanes = vec![lane(&[
        (State::Run, None, 0, 600),
        (State::Ready, Some(Reason::Cpu), 600, 1000),
    ])];
    let busy = reveal(&t, &q);
    assert!(
        busy.ends_with(
            "; busy machine: within its noise (1.7x) it could be \"about 2x\" or \"about 3x\" or \"about 5x or more\""
        ),
        "{busy}"
    );
}
