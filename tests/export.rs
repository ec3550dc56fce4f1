//! Exports read back: the SVG picture parses and has a box per span; the Chrome trace loads
//! back through the importer to the same trace; a real viztracer trace of a Python program
//! replays; event kinds the importer does not use are skipped and counted.

mod common;

use common::*;
use runwait::export::svg;
use runwait::ingest::{self, chrome};
use runwait::present::words::lane_text;
use runwait::trace::{file, State, Trace};
use std::process::Command;

/// A trace with threads, a GIL, processes, the event loop, queues and task ends.
fn mixed() -> Trace {
    let mut trace = run("io", "sync,threads:3,async,process:2", |o| {
        o.tasks = Some(6);
        o.latency_ms = Some(20);
    });
    let burgers = run("burgers", "threads:3", |o| o.tasks = Some(1));
    let race = run("race", "threads:2/unprotected", |o| o.tasks = Some(2));
    trace.runs.extend(burgers.runs);
    trace.runs.extend(race.runs);
    trace
}

#[test]
fn the_svg_is_well_formed_with_one_box_per_span() {
    let trace = mixed();
    let picture = svg::render(&trace, 1200);
    let doc = roxmltree::Document::parse(&picture).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let boxes: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            State::ALL
                .iter()
                .any(|s| n.attribute("class") == Some(s.name()))
        })
        .collect();
    let spans: Vec<_> = trace.runs.iter().flat_map(|r| r.spans()).collect();
    assert_eq!(boxes.len(), spans.len(), "one box per span");
    // Per run, the boxes are that run's spans, state and task (runs drawn last).
    for (r, run) in trace.runs.iter().enumerate() {
        let group = root
            .descendants()
            .find(|n| n.attribute("data-run") == Some(&r.to_string()))
            .unwrap();
        let mut got: Vec<(String, String)> = group
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .map(|n| {
                (
                    n.attribute("class").unwrap().to_string(),
                    n.attribute("data-task").unwrap().to_string(),
                )
            })
            .collect();
        let mut want: Vec<(String, String)> = run
            .lanes
            .iter()
            .flat_map(|l| &l.spans)
            .map(|s| {
                (
                    s.state.name().to_string(),
                    s.task.map_or("none".into(), |t| t.to_string()),
                )
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "run {r}");
        let texts: Vec<&str> = group.descendants().filter_map(|n| n.text()).collect();
        assert!(
            texts.iter().any(|t| t.starts_with(&run.meta.label)),
            "{texts:?}"
        );
        for lane in &run.lanes {
            assert!(
                texts.iter().any(|t| t.ends_with(lane_text(lane).as_str())),
                "{} labelled",
                lane_text(lane)
            );
        }
    }
    // Lanes speak the story's words: burgers' threads are named by the task each ran.
    let texts: Vec<&str> = root.descendants().filter_map(|n| n.text()).collect();
    for role in ["orders · thread", "grill · thread", "burgers · thread"] {
        assert!(
            texts.iter().any(|t| t.starts_with(role)),
            "{role}: {texts:?}"
        );
    }
    // Boxes sit inside the picture, at increasing x along each lane.
    let width: f64 = root.attribute("width").unwrap().parse().unwrap();
    for b in &boxes {
        let x: f64 = b.attribute("x").unwrap().parse().unwrap();
        let w: f64 = b.attribute("width").unwrap().parse().unwrap();
        assert!(x >= 0.0 && w > 0.0 && x + w <= width, "{x} {w}");
    }
}

#[test]
fn the_chrome_trace_loads_back_to_the_same_trace() {
    let trace = mixed();
    let json = runwait::export::chrome::to_json(&trace);
    // What Perfetto needs: complete events in microseconds, named processes and threads.
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let events = doc["traceEvents"].as_array().unwrap();
    let named = |what: &str| {
        events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == what)
            .count()
    };
    assert_eq!(named("process_name"), trace.runs.len());
    assert_eq!(
        named("thread_name"),
        trace.runs.iter().map(|r| r.lanes.len()).sum::<usize>()
    );
    let complete: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(
        complete.len(),
        trace.runs.iter().map(|r| r.spans().count()).sum::<usize>()
    );
    for e in &complete {
        assert!(["run", "wait", "ready"].contains(&e["name"].as_str().unwrap()));
        assert!(e["ts"].as_f64().unwrap() >= 0.0 && e["dur"].as_f64().unwrap() >= 0.0);
        assert!(e["pid"].as_u64().unwrap() >= 1 && e["tid"].as_u64().unwrap() >= 1);
    }
    let back = chrome::import(&json, "t.json").unwrap();
    assert_eq!(back.skipped, 0, "every event is used");
    for (a, b) in trace.runs.iter().zip(&back.runs) {
        for (la, lb) in a.lanes.iter().zip(&b.lanes) {
            assert_eq!(la.spans, lb.spans, "{}: the same spans", lane_text(la));
        }
    }
    assert!(
        back.runs
            .iter()
            .any(|r| runwait::present::words::counter(r).is_some()),
        "the race's counter"
    );
    assert_eq!(back, trace, "the same trace, all of it");
    // And through the file loader, as `replay` and `export` read it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    std::fs::write(&path, &json).unwrap();
    assert_eq!(ingest::load(&path).unwrap(), trace);
}

#[test]
fn a_runwait_trace_that_mentions_trace_events_is_still_a_runwait_trace() {
    let mut trace = run("io", "async", |o| {
        o.tasks = Some(2);
        o.latency_ms = Some(5);
    });
    trace.scenario = "\"traceEvents\"".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    file::save(&trace, &path).unwrap();
    assert_eq!(ingest::load(&path).unwrap(), trace);
}

#[test]
fn hostile_times_are_skipped_not_fatal() {
    let text = r#"{"traceEvents": [
        {"ph": "X", "pid": 1, "tid": 1, "ts": 1e16, "dur": 1e16, "name": "far"},
        {"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 1.8446e16, "name": "long"},
        {"ph": "X", "pid": 1, "tid": 1, "ts": -5, "dur": 1, "name": "before"},
        {"ph": "X", "pid": 1, "tid": 1, "ts": "soon", "dur": 1, "name": "words"},
        {"ph": "X", "pid": {"a": 1}, "tid": [1], "ts": 10, "dur": 2, "name": "odd ids"},
        {"ph": "B", "pid": 1, "tid": 2, "ts": 3, "name": "never ends"},
        {"ph": "E", "pid": 1, "tid": 3, "ts": 4},
        {"ph": "X", "pid": 1, "tid": 1, "ts": 1, "dur": 2, "name": "fine"}
    ]}"#;
    let trace = chrome::import(text, "t.json").unwrap();
    assert_eq!(
        trace.skipped, 6,
        "four bad times, an unended B, an E without B"
    );
    let spans: usize = trace.runs.iter().map(|r| r.spans().count()).sum();
    assert_eq!(spans, 2, "the odd ids and the fine slice");
    let picture = svg::render(&trace, 800);
    roxmltree::Document::parse(&picture).expect("well-formed");
}

/// tests/data/viztracer_io.json: viztracer 1.1.1 on tests/data/viztracer_io.py, a real Python
/// program (three threads download six pages from a local server that answers in 50 ms, then
/// the main thread computes and waits for a lock).
#[test]
fn a_viztracer_trace_of_a_real_python_program_replays() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/viztracer_io.json");
    let trace = ingest::load(std::path::Path::new(path)).unwrap();
    assert_eq!(trace.runs.len(), 1, "one Python process");
    let run = &trace.runs[0];
    assert_eq!(run.meta.label, "MainProcess");
    assert!(run.meta.model.as_deref().unwrap().contains("imported"));
    assert_eq!(
        lane_text(&run.lanes[0]),
        "MainThread",
        "the first thread to act first"
    );
    let lane = |name: &str| run.lanes.iter().find(|l| lane_text(l) == name).unwrap();
    let time_in = |name: &str, state: State| -> f64 {
        lane(name)
            .spans
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.len_ns())
            .sum::<u64>() as f64
            / 1e6
    };
    // Each pool thread waits on its sockets for two 50 ms answers.
    for t in 0..3 {
        let name = format!("ThreadPoolExecutor-0_{t}");
        let waited = time_in(&name, State::Wait);
        assert!(waited > 90.0, "{name} waited {waited} ms");
        assert!(time_in(&name, State::Run) < waited);
    }
    // The main thread computes the sum of squares, then waits for the lock held by `hold`.
    assert!(time_in("MainThread", State::Run) > 5.0);
    let holder = run
        .lanes
        .iter()
        .find(|l| lane_text(l).contains("(hold)"))
        .unwrap();
    // `hold` keeps the lock 30 ms; the main thread asks for it 5 ms in and waits the rest.
    let lock_wait_ms = lane("MainThread")
        .spans
        .iter()
        .filter(|s| s.state == State::Wait && s.start_ns >= holder.spans[0].start_ns)
        .map(|s| s.len_ns() as f64 / 1e6)
        .fold(0.0, f64::max);
    assert!(
        lock_wait_ms > 15.0,
        "the main thread waited {lock_wait_ms} ms"
    );
    // Threads overlap their waits: the wall is far shorter than the waits added up.
    let stats = run.stats();
    assert!(stats.wait_ns > 3 * stats.wall_ns, "{stats:?}");
    // And the binary replays it as text and JSON.
    for flag in ["--headless", "--json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_runwait"))
            .args(["replay", path, flag])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("MainProcess"));
    }
}

#[test]
fn event_kinds_it_does_not_use_are_skipped_and_counted() {
    let text = r#"[
        {"ph": "M", "pid": 7, "tid": 1, "name": "thread_name", "args": {"name": "worker"}},
        {"ph": "X", "pid": 7, "tid": 1, "ts": 1000, "dur": 500, "name": "main"},
        {"ph": "X", "pid": 7, "tid": 1, "ts": 1100, "dur": 200, "name": "time.sleep"},
        {"ph": "B", "pid": 7, "tid": 2, "ts": 1200, "name": "compute"},
        {"ph": "E", "pid": 7, "tid": 2, "ts": 1400},
        {"ph": "C", "pid": 7, "ts": 1000, "name": "memory", "args": {"rss": 1}},
        {"ph": "i", "pid": 7, "tid": 1, "ts": 1000, "name": "mark"},
        {"ph": "s", "pid": 7, "tid": 1, "ts": 1000, "id": 1, "name": "flow"},
        {"ph": "X", "pid": 7, "tid": 1, "name": "no time"},
        {"what": "not an event"}
    ]"#;
    let trace = chrome::import(text, "t.json").unwrap();
    assert_eq!(trace.skipped, 5);
    let run = &trace.runs[0];
    assert_eq!(run.meta.label, "pid 7");
    assert_eq!(lane_text(&run.lanes[0]), "worker");
    let states: Vec<(State, u64)> = run.lanes[0]
        .spans
        .iter()
        .map(|s| (s.state, s.len_ns()))
        .collect();
    assert_eq!(
        states,
        [
            (State::Run, 100_000),
            (State::Wait, 200_000),
            (State::Run, 200_000)
        ]
    );
    assert_eq!(
        run.lanes[1].spans[0].len_ns(),
        200_000,
        "a B/E pair is a slice"
    );
    assert_eq!(run.meta.tasks, 2);
    for bad in [
        "{\"traceEvents\": 5}",
        "[]",
        "[{\"ph\": \"M\", \"pid\": 1}]",
    ] {
        assert!(chrome::import(bad, "t.json").is_err(), "{bad}");
    }
}
