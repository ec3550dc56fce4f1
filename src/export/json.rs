//! `--json`: one JSON object with a summary row per run.

use crate::present::ms;
use crate::trace::{speedup, Reason, Trace};
use serde::Serialize;

#[derive(Serialize)]
pub struct Summary<'a> {
    pub scenario: &'a str,
    pub runs: Vec<RunSummary<'a>>,
    /// Records the instrumentation could not deliver.
    pub dropped: u64,
}

#[derive(Serialize)]
pub struct RunSummary<'a> {
    pub executor: &'a str,
    pub label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'a str>,
    pub workers: u32,
    pub gil: bool,
    pub tasks: u32,
    pub done: u32,
    pub failed: u32,
    pub lost: u32,
    /// Thrown away at a cloud function's time limit.
    pub timeouts: u32,
    pub wall_ms: f64,
    pub run_ms: f64,
    pub wait_ms: f64,
    pub ready_ms: f64,
    /// Of `ready_ms`: waiting for the GIL (emulated), the event loop, a CPU (measured).
    pub gil_ready_ms: f64,
    pub loop_ready_ms: f64,
    pub cpu_ready_ms: f64,
    /// How often CPU waits were sampled, or `null`: not measured.
    pub cpu_waits_hz: Option<u32>,
    /// Wait time by what was waited for (`io`, `timer`, `lock`, ...), the non-zero ones.
    pub waits_ms: std::collections::BTreeMap<&'static str, f64>,
    pub max_running: u32,
    pub speedup: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<&'a std::collections::BTreeMap<String, u64>>,
    /// What in the run is modelled (the cloud platform).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// Wait time by reason, the non-zero ones, named as in the trace file.
fn waits_ms(s: &crate::trace::RunStats) -> std::collections::BTreeMap<&'static str, f64> {
    Reason::ALL
        .into_iter()
        .filter(|r| r.state() == crate::trace::State::Wait && s.for_reason(*r) > 0)
        .map(|r| (r.name(), round(ms(s.for_reason(r)), 1)))
        .collect()
}

pub fn summary(trace: &Trace) -> Summary<'_> {
    let runs = trace
        .runs
        .iter()
        .map(|run| {
            let s = run.stats();
            RunSummary {
                executor: &run.meta.executor,
                label: &run.meta.label,
                variant: run.meta.variant.as_deref(),
                workers: run.meta.workers,
                gil: run.meta.gil,
                tasks: run.meta.tasks,
                done: s.done,
                failed: s.failed,
                lost: s.lost,
                timeouts: s.timeouts,
                wall_ms: round(ms(s.wall_ns), 1),
                run_ms: round(ms(s.run_ns), 1),
                wait_ms: round(ms(s.wait_ns), 1),
                ready_ms: round(ms(s.ready_ns), 1),
                gil_ready_ms: round(ms(s.for_reason(Reason::Gil)), 1),
                loop_ready_ms: round(ms(s.for_reason(Reason::Loop)), 1),
                cpu_ready_ms: round(ms(s.for_reason(Reason::Cpu)), 1),
                cpu_waits_hz: run.meta.cpu_waits_hz,
                waits_ms: waits_ms(&s),
                max_running: s.max_running,
                speedup: speedup(trace, run).map(|x| round(x, 2)),
                lesson: (!run.lesson.is_empty()).then_some(&run.lesson),
                model: run.meta.model.as_deref(),
            }
        })
        .collect();
    Summary {
        scenario: &trace.scenario,
        runs,
        dropped: trace.dropped,
    }
}

pub fn to_string(trace: &Trace) -> String {
    serde_json::to_string(&summary(trace)).expect("a summary always serializes")
}
