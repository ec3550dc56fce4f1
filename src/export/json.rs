//! `--json`: one JSON object with a summary row per run.

use crate::present::ms;
use crate::trace::{speedup, Reason, Trace};
use serde::Serialize;

#[derive(Serialize)]
pub struct Summary<'a> {
    pub scenario: &'a str,
    pub runs: Vec<RunSummary<'a>>,
    /// Real programs beside the runs (`--cpython`): each real run against its emulated one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpython: Vec<Beside<'a>>,
    /// Whether the machine was busy while the latest set of runs ran, from their own CPU
    /// waits; `null` where no run tells (CPU waits not measured, or every run has more lanes
    /// than cores).
    pub machine: Option<Machine<'a>>,
    /// Records the instrumentation could not deliver.
    pub dropped: u64,
    /// Predict, then run (`--predict`): the questions asked before the runs, each with the
    /// answers counted, the measured figure and the right answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<QuestionOut<'a>>,
}

/// A question asked before a run (or the lesson), as `--json` gives it.
#[derive(Serialize)]
pub struct QuestionOut<'a> {
    /// The run's label, or `null`: the lesson as a whole (its set `set`).
    pub run: Option<&'a str>,
    /// The run's place in `runs`, from 0.
    pub run_index: Option<u32>,
    pub set: u32,
    pub text: &'a str,
    /// What answers it: `speedup`, `lost-updates`, `pool-size-enough`, `gil-wait-ms`,
    /// `tick-late-ms`.
    pub figure: &'static str,
    pub answers: Vec<AnswerOut<'a>>,
    /// How many answered in all.
    pub answered: u64,
    /// The figure measured, or `null` (not ended, or nothing to measure).
    pub measured: Option<f64>,
    /// The right answer's label (the one whose range holds the figure), or `null`.
    pub right: Option<&'a str>,
    /// "Which finishes first?": the runs about as fast as the fastest (within the verdict's
    /// margin), each answer right (`right` in `answers`), the fastest measured first; else
    /// empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub about_as_fast: Vec<&'a str>,
}

/// An answer offered: its label, its range `[from, to)` (`to` `null`: no bound), how many gave
/// it, and whether it is right.
#[derive(Serialize)]
pub struct AnswerOut<'a> {
    pub label: &'a str,
    pub from: f64,
    pub to: Option<f64>,
    pub count: u32,
    pub right: bool,
}

fn questions(trace: &Trace) -> Vec<QuestionOut<'_>> {
    trace.questions.iter().map(|q| question(trace, q)).collect()
}

fn question<'a>(trace: &'a Trace, q: &'a crate::trace::Question) -> QuestionOut<'a> {
    let revealed = q.revealed(trace);
    let right = revealed.right.first().copied();
    let label = |i: usize| q.answers[i].label.as_str();
    QuestionOut {
        run: q.about(trace).map(|r| r.meta.label.as_str()),
        run_index: q.run,
        set: q.set,
        text: &q.text,
        figure: q.figure.name(),
        answers: (q.answers.iter().enumerate())
            .map(|(i, a)| AnswerOut {
                label: &a.label,
                from: a.low,
                to: Some(a.high).filter(|h| h.is_finite()),
                count: q.counts.get(i).copied().unwrap_or(0),
                right: revealed.is_right(i),
            })
            .collect(),
        answered: q.answered(),
        // Unrounded: a figure rounded could fall below its answer's `from`.
        measured: revealed.value,
        right: right.map(label),
        about_as_fast: match revealed.tie() {
            true => revealed.right.iter().map(|&i| label(i)).collect(),
            false => Vec::new(),
        },
    }
}

/// How busy the machine was, as the run that waited most for a CPU tells it (see
/// [`crate::trace::busy`]).
#[derive(Serialize)]
pub struct Machine<'a> {
    /// The run kept from a CPU at least 10% of its time: the verdict names no winner between
    /// runs closer than `noise_pct`.
    pub busy: bool,
    /// That run, and the share of its time it waited for a CPU (per lane that could run).
    pub run: &'a str,
    pub cpu_wait_pct: f64,
    /// How much longer it may have taken than on a quiet machine, in percent.
    pub noise_pct: f64,
}

fn machine(trace: &Trace) -> Option<Machine<'_>> {
    let b = crate::trace::busy::latest(trace)?;
    Some(Machine {
        busy: b.is_busy(),
        run: &trace.runs[b.run].meta.label,
        cpu_wait_pct: round(b.share * 100.0, 1),
        noise_pct: round(b.margin() * 100.0, 1),
    })
}

/// A real program's run beside the emulated run of the same executor (`--cpython`).
#[derive(Serialize)]
pub struct Beside<'a> {
    pub executor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'a str>,
    pub workers: u32,
    /// The CPython version that ran it.
    pub python: &'a str,
    pub emulated: &'a str,
    pub real: &'a str,
    pub emulated_speedup: Option<f64>,
    /// From the programs' own timings of their work, against the real baseline's.
    pub real_speedup: Option<f64>,
    /// How much higher the emulated speedup is than the real one, in percent.
    pub difference_pct: Option<f64>,
    /// Further apart than 15%.
    pub apart: bool,
    pub emulated_wall_ms: Option<f64>,
    /// The program's own timing of its work, and its process's wall time as sampled.
    pub real_timed_ms: Option<f64>,
    pub real_wall_ms: Option<f64>,
    /// Why they differ, where it is known from what was measured.
    pub why: Vec<String>,
}

#[derive(Serialize)]
pub struct RunSummary<'a> {
    pub executor: &'a str,
    pub label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'a str>,
    pub workers: u32,
    pub gil: bool,
    /// The CPython whose thread switching the emulated GIL modelled (`3.12`), for a run with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switching: Option<&'a str>,
    pub tasks: u32,
    pub done: u32,
    pub failed: u32,
    pub lost: u32,
    /// Thrown away at a cloud function's time limit.
    pub timeouts: u32,
    /// Never run: the run was halted first (done + failed + lost + timeouts + not run =
    /// tasks).
    pub not_run: u32,
    /// `stopped` (a signal, the user) or `failed` (something it needed could not be had), if
    /// the run was halted before its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halted: Option<&'static str>,
    /// Why a failed run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<&'a str>,
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
    /// A real program's own report of its work (`--cpython`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::trace::cpython::Report>,
    /// What in the run is modelled (the cloud platform).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    /// A real program run beside the emulated run of the same executor (`--cpython`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub real: bool,
    /// With the lesson run over (`--repeat N`): this row is the run's median repeat, and these
    /// are every repeat's times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<RepeatsOut>,
    /// The hand-off latency (who woke whom): per lane woken and cause, from being made
    /// runnable to running; left out for a run without wakes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handoffs: Vec<HandoffOut>,
}

/// A lane's hand-offs of one cause.
#[derive(Serialize)]
pub struct HandoffOut {
    /// The lane woken: its index in the run's `lanes` (as the trace file's `wakes` name it),
    /// and its name.
    pub lane: u32,
    pub lane_name: String,
    /// What woke it: `gil-interval`, `io-done`, ...
    pub cause: &'static str,
    pub count: u32,
    pub mean_ms: f64,
    pub max_ms: f64,
}

fn handoffs(run: &crate::trace::Run) -> Vec<HandoffOut> {
    let lane_name = |l: u32| crate::present::words::lane_name(run, &run.lanes[l as usize]);
    crate::trace::handoff::summary(run)
        .into_iter()
        .map(|h| HandoffOut {
            lane: h.lane,
            lane_name: lane_name(h.lane),
            cause: h.cause.name(),
            count: h.count,
            mean_ms: round(ms(h.mean_ns()), 3),
            max_ms: round(ms(h.max_ns), 3),
        })
        .collect()
}

/// A run's repeats, in ms.
#[derive(Serialize)]
pub struct RepeatsOut {
    pub n: u32,
    /// Each repeat's time (wall, or a real program's own timing) that did every task, in order.
    pub times_ms: Vec<f64>,
    pub min_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

fn repeats(r: &crate::trace::Repeats) -> RepeatsOut {
    let spread = r.spread();
    RepeatsOut {
        n: r.n,
        times_ms: r.times_ns.iter().map(|&t| round(ms(t), 1)).collect(),
        min_ms: spread.map(|s| round(ms(s.0), 1)),
        max_ms: spread.map(|s| round(ms(s.1), 1)),
    }
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
            // A real program's count of its work, as the table gives it.
            let (done, tasks) = run.done_of(s.done);
            RunSummary {
                executor: &run.meta.executor,
                label: &run.meta.label,
                variant: run.meta.variant.as_deref(),
                workers: run.meta.workers,
                gil: run.meta.gil,
                switching: run.meta.settings.switching.as_deref(),
                tasks,
                done,
                failed: s.failed,
                lost: s.lost,
                timeouts: s.timeouts,
                not_run: run.not_run(),
                halted: run.halted.as_ref().map(crate::trace::Halt::word),
                failure: match &run.halted {
                    Some(crate::trace::Halt::Failed(why)) => Some(why),
                    _ => None,
                },
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
                report: run.report,
                model: run.meta.model.as_deref(),
                real: run.is_real(),
                repeats: run.meta.repeats.as_ref().map(repeats),
                handoffs: handoffs(run),
            }
        })
        .collect();
    Summary {
        scenario: &trace.scenario,
        runs,
        cpython: beside(trace),
        machine: machine(trace),
        dropped: trace.dropped,
        questions: questions(trace),
    }
}

/// Each real run beside its emulated one.
fn beside(trace: &Trace) -> Vec<Beside<'_>> {
    let time = |t: Option<u64>| t.map(|t| round(ms(t), 1));
    crate::present::cpython::pairs(trace)
        .into_iter()
        .map(|p| Beside {
            executor: &p.emulated.meta.executor,
            variant: p.emulated.meta.variant.as_deref(),
            workers: p.emulated.meta.workers,
            python: p
                .real
                .meta
                .sampled
                .as_ref()
                .map_or("", |s| s.python.as_str()),
            emulated: &p.emulated.meta.label,
            real: &p.real.meta.label,
            emulated_speedup: p.emulated_x.map(|x| round(x, 2)),
            real_speedup: p.real_x.map(|x| round(x, 2)),
            difference_pct: p.difference().map(|d| round(d * 100.0, 1)),
            apart: p.apart(),
            emulated_wall_ms: time(p.emulated.wall_ns()),
            real_timed_ms: time(p.real.timed_ns()),
            real_wall_ms: time(p.real.wall_ns()),
            why: crate::present::cpython::why(&p),
        })
        .collect()
}

pub fn to_string(trace: &Trace) -> String {
    serde_json::to_string(&summary(trace)).expect("a summary always serializes")
}
