//! Traces saved before lanes had a typed identity (file version 2, saved by runwait as it was
//! then: `tests/data/v2/`) still replay: every lane's old name is read into its identity once,
//! on load, and runwait names it as it did; saved again (version 3), it loads back the same.

use runwait::present::words::lane_text;
use runwait::trace::{LaneKind, Trace};
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/v2")
        .join(name)
}

/// Each run's lane names as the file holds them.
fn old_names(file: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(file).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["version"], 2, "a file of version 2");
    doc["trace"]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            run["lanes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["name"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

fn names(trace: &Trace) -> Vec<Vec<String>> {
    trace
        .runs
        .iter()
        .map(|r| r.lanes.iter().map(lane_text).collect())
        .collect()
}

#[test]
fn old_lane_names_are_read_into_ids_and_named_as_before() {
    for file in ["io.json", "real.json"] {
        let path = data(file);
        let trace = runwait::ingest::load(&path).expect("a version 2 trace loads");
        assert_eq!(names(&trace), old_names(&path), "{file}");
        // Saved now and loaded back: the same trace.
        let dir = tempfile::tempdir().unwrap();
        let again = dir.path().join("again.json");
        runwait::trace::file::save(&trace, &again).expect("saved");
        let back = runwait::ingest::load(&again).expect("loads back");
        assert_eq!(back, trace, "{file}: saved and loaded back");
        let text = std::fs::read_to_string(&again).unwrap();
        let version = format!("\"version\":{}", runwait::trace::file::VERSION);
        assert!(text.contains(&version), "saved as the version of now");
    }
}

#[test]
fn old_names_become_what_the_lanes_are() {
    let trace = runwait::ingest::load(&data("io.json")).unwrap();
    let process = &trace.runs[0];
    assert_eq!(process.meta.lane_kind, LaneKind::Process);
    for (n, lane) in process.lanes.iter().enumerate() {
        assert!(lane.id.is_process(), "{:?}", lane.id);
        assert_eq!(lane.id.number, n as u32 + 1);
        assert!(lane.id.process.is_some_and(|p| p.pid > 0));
    }
    let tasks = trace
        .runs
        .iter()
        .find(|r| r.meta.lane_kind == LaneKind::Task)
        .unwrap();
    let numbers: Vec<u32> = tasks.lanes.iter().map(|l| l.id.number).collect();
    assert_eq!(numbers, [0, 1, 2, 3], "tasks keep their ids");
    let real = runwait::ingest::load(&data("real.json")).unwrap();
    let run = real.runs.iter().find(|r| r.is_real()).unwrap();
    assert_eq!(run.lanes[0].id.name.as_deref(), Some("MainThread"));
    let workers = run.lanes.iter().filter(|l| l.id.is_process()).count();
    assert_eq!(workers, 2, "the program's two worker processes");
}

#[test]
fn an_old_real_run_stands_beside_its_emulated_run_with_its_figures_as_its_report() {
    let trace = runwait::ingest::load(&data("real.json")).unwrap();
    let real = trace.runs.iter().find(|r| r.is_real()).unwrap();
    let beside = real.meta.beside.and_then(|b| b.run).expect("linked");
    assert_eq!(trace.runs[beside as usize].meta.label, "process");
    assert!(!trace.runs[beside as usize].is_real());
    let report = real.report.expect("its figures read into its report");
    assert_eq!((report.of, report.done), (10, Some(10)));
    assert_eq!(report.timed_ns, Some(485_986_093));
    assert_eq!(report.timed_from_ns, Some(379_454_042));
    assert_eq!(report.exit_code, None);
    let left: Vec<&String> = real.lesson.keys().collect();
    assert_eq!(left, ["pool_ns"], "the program's own figures stay figures");
    assert_eq!(real.timed_ns(), Some(485_986_093));
    assert_eq!(real.done_of(0), (10, 10));
    // Saved as version 4: the link and the report, not `"real": true`.
    let text = runwait::trace::file::to_json(&trace);
    assert!(text.contains("\"beside\":{\"run\":0}"), "{}", &text[..200]);
    assert!(!text.contains("\"real\":true") && !text.contains("program_of"));
}
