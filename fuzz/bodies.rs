//! What each fuzz target does with one input, shared with `tests/fuzz_corpus.rs`, which runs
//! every input kept under `fuzz/seeds/` and `fuzz/regressions/` through the same code under a
//! plain `cargo test`. An input may be refused (one error line); it must never panic, and
//! whatever is accepted must hold together: every view draws it and it saves and loads back
//! as it was.

use runwait::export::{chrome, json, svg, text};
use runwait::ingest;
use runwait::trace::{file, Trace};

/// A trace file, either format, parsed from its text and as it streams in.
pub fn trace_file(data: &[u8]) {
    let streamed = ingest::from_reader(data, "fuzz.json");
    if let Ok(text) = std::str::from_utf8(data) {
        let parsed = ingest::from_json(text, "fuzz.json");
        assert_eq!(
            parsed.as_ref().ok(),
            streamed.as_ref().ok(),
            "the text and the stream read alike"
        );
    }
    if let Ok(trace) = streamed {
        holds_together(&trace);
    }
}

/// A Chrome trace (Perfetto's format, viztracer's output).
pub fn chrome_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(trace) = ingest::chrome::import(text, "fuzz.json") {
        holds_together(&trace);
    }
}

/// A lesson file.
pub fn lesson(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(lesson) = runwait::lab::scenario::parse(text, "fuzz.toml") {
        let most = runwait::trace::limits::MAX_TASKS;
        let tasks: u64 = lesson
            .groups
            .iter()
            .map(|g| g.count_up_to.unwrap_or(g.count) as u64)
            .sum();
        assert!(tasks <= most as u64, "{tasks} tasks got past the bound");
    }
}

/// What runwait accepted passes its own checks, draws in every view, and saves and loads
/// back unchanged.
fn holds_together(trace: &Trace) {
    file::check(trace).expect("an accepted trace passes the checks");
    let style = text::Style {
        width: 80,
        color: false,
    };
    let _ = text::render(trace, style);
    let _ = json::to_string(trace);
    let _ = svg::render(trace, 1200);
    let again = ingest::from_json(&chrome::to_json(trace), "fuzz.chrome.json")
        .expect("runwait's own Chrome trace loads back");
    assert_eq!(again.runs.len(), trace.runs.len());
    let again = ingest::from_json(&file::to_json(trace), "fuzz.saved.json")
        .expect("runwait's own trace file loads back");
    assert_eq!(&again, trace, "saved and loaded back, the trace changed");
}
