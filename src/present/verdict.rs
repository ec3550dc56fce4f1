//! The verdict: which model wins the lesson's workload, and why, in the articles' terms. Shown
//! once every run has finished, in the terminal's footer and under the headless summary.

use crate::trace::{speedup, RunStats, Strength, Trace};

/// Why a run wins, in the articles' terms.
fn why(strength: Strength) -> &'static str {
    match strength {
        Strength::OneThreadOverlapsWaits => {
            "one thread overlaps every wait: asyncio when you can, threads when you must"
        }
        Strength::ThreadsOverlapWaits => {
            "threads overlap the waiting (the GIL is let go while they wait)"
        }
        Strength::ProcessesUseEveryCore => {
            "processes use every core; the GIL keeps threads from helping"
        }
        Strength::NoGilUsesEveryCore => "without a GIL, threads use every core",
        Strength::Overlaps => "it overlaps the most",
    }
}

/// The verdict on a finished trace; `stats(i)` gives run `i`'s figures.
pub fn verdict(trace: &Trace, stats: impl Fn(usize) -> Option<RunStats>) -> String {
    let base = trace.runs.iter().position(|r| r.meta.baseline);
    if base.is_none() {
        // A modelled platform's run says what it measured and what is a model.
        for r in trace.runs.iter().filter(|r| r.finished()) {
            if let (Some(cloud), Some(model)) = (super::words::cloud(r), &r.meta.model) {
                return format!("{}: {cloud} ({model}).", r.meta.label);
            }
        }
    }
    let best = trace
        .runs
        .iter()
        .filter(|r| !r.meta.baseline)
        .filter_map(|r| speedup(trace, r).map(|x| (r, x)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match (base.and_then(stats), best) {
        (Some(s), Some((best, x))) => {
            let kind = if s.wait_ns > s.run_ns {
                "I/O-bound"
            } else {
                "CPU-bound"
            };
            let why = why(best.meta.strength);
            format!("{kind}: {} wins ({x:.1}x sync): {why}.", best.meta.label)
        }
        _ => without_speedups(trace, base),
    }
}

/// No speedup to compare: say why, or which run finished first.
fn without_speedups(trace: &Trace, base: Option<usize>) -> String {
    if let Some(base) = base.map(|i| &trace.runs[i]).filter(|r| !r.all_done()) {
        return format!(
            "{} did not do every task, so there is no speedup to compare.",
            base.meta.label
        );
    }
    let first = trace
        .runs
        .iter()
        .filter(|r| r.all_done())
        .min_by_key(|r| r.wall_ns());
    match first {
        Some(first) if trace.runs.len() > 1 => format!(
            "{} finished first (no sync run to compare with).",
            first.meta.label
        ),
        _ => String::new(),
    }
}
