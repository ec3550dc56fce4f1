//! Predict, then run: a question the class answers before a run, the answers it may give and
//! how many gave each. The measured figure that answers it is read from the trace once the run
//! (or the lesson's set of runs) is done; the right answer is the one whose range holds it.

use super::{figures, Run, Trace};
use serde::{Deserialize, Serialize};

/// A question asked before a run, or before the whole lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The run it is about (its index in the trace's `runs`); `None`: the lesson as a whole
    /// (pool-size's "from which pool size on is it no faster?"), its runs of set `set`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u32>,
    /// The set of runs it is about (0, or a what-if's set): that of `run`, or of the lesson.
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub set: u32,
    /// The question in words: `How fast against sync?`.
    pub text: String,
    /// What measured figure answers it.
    pub figure: Figure,
    /// The answers offered, in the order shown (and keyed: 1, 2, 3...).
    pub answers: Vec<Answer>,
    /// How many chose each answer (as many as `answers`).
    pub counts: Vec<u32>,
}

/// An answer: its words, and the range of the figure in which it is right, `[low, high)`
/// (`high` infinite: no bound, written `null` in a file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub label: String,
    pub low: f64,
    #[serde(with = "unbounded")]
    pub high: f64,
}

impl Answer {
    pub fn new(label: &str, low: f64, high: f64) -> Answer {
        Answer {
            label: label.to_string(),
            low,
            high,
        }
    }

    /// Whether `value` is in its range.
    pub fn holds(&self, value: f64) -> bool {
        self.low <= value && value < self.high
    }
}

/// An infinite bound as `null` (JSON has no infinity).
mod unbounded {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        match v.is_finite() {
            true => s.serialize_f64(*v),
            false => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// The measured figure a question is answered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Figure {
    /// The run's speedup against sync (its set's baseline).
    Speedup,
    /// Updates the run lost on the shared counter (the race), per trial on average.
    LostUpdates,
    /// The smallest pool size from which a bigger pool is no faster (pool-size, lesson-wide).
    PoolSizeEnough,
    /// How long the I/O thread waited for the GIL after each response, in ms (gil).
    GilWaitMs,
    /// How late a tick was at worst, in ms (starve): the longest a task sat ready for the
    /// event loop while another held it.
    TickLateMs,
    /// Which run did every task in the least time (lesson-wide): its number from 1 among its
    /// set's runs, in the lesson's order (a lesson without sync to be faster than).
    Fastest,
}

impl Figure {
    pub const ALL: [Figure; 6] = [
        Figure::Speedup,
        Figure::LostUpdates,
        Figure::PoolSizeEnough,
        Figure::GilWaitMs,
        Figure::TickLateMs,
        Figure::Fastest,
    ];

    /// Its name in a lesson file and a trace file: `lost-updates`.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Speedup => "speedup",
            Figure::LostUpdates => "lost-updates",
            Figure::PoolSizeEnough => "pool-size-enough",
            Figure::GilWaitMs => "gil-wait-ms",
            Figure::TickLateMs => "tick-late-ms",
            Figure::Fastest => "fastest",
        }
    }

    /// Whether it is about the lesson's set of runs as a whole, not one run.
    pub fn is_lesson_wide(self) -> bool {
        matches!(self, Figure::PoolSizeEnough | Figure::Fastest)
    }

    /// The values it can take: `(lowest, whole numbers only)`; none is above every bound.
    pub fn domain(self) -> (f64, bool) {
        match self {
            Figure::PoolSizeEnough | Figure::Fastest => (1.0, true),
            _ => (0.0, false),
        }
    }
}

impl Question {
    /// A question with no answers counted yet.
    pub fn new(run: Option<u32>, text: &str, figure: Figure, answers: Vec<Answer>) -> Question {
        Question {
            run,
            set: 0,
            text: text.to_string(),
            figure,
            counts: vec![0; answers.len()],
            answers,
        }
    }

    /// The same question about set `set`'s runs.
    pub fn in_set(self, set: u32) -> Question {
        Question { set, ..self }
    }

    /// The measured figure that answers it, once the trace has it (its run, or every run of
    /// its set, ended).
    pub fn measured(&self, trace: &Trace) -> Option<f64> {
        let Some(run) = self.run else {
            return self.lesson_figure(trace);
        };
        let run = trace.runs.get(run as usize)?;
        run.end_ns?;
        match self.figure {
            Figure::Speedup => super::speedup(trace, run),
            Figure::LostUpdates => figures::lost_per_trial(run),
            Figure::GilWaitMs => figures::gil_wait_per_response_ns(run).map(ms),
            Figure::TickLateMs => Some(ms(figures::longest_loop_ready_ns(run))),
            Figure::PoolSizeEnough | Figure::Fastest => self.lesson_figure(trace),
        }
    }

    /// A lesson-wide figure, over the runs of its set (runwait's own, not real programs').
    fn lesson_figure(&self, trace: &Trace) -> Option<f64> {
        let shown: Vec<usize> = (0..trace.runs.len())
            .filter(|&i| trace.runs[i].meta.set == self.set && !trace.runs[i].is_real())
            .collect();
        if shown.is_empty() || shown.iter().any(|&i| trace.runs[i].end_ns.is_none()) {
            return None;
        }
        let runs = shown.iter().map(|&i| &trace.runs[i]);
        match self.figure {
            Figure::PoolSizeEnough => {
                let busy = super::busy::busy(trace, shown.iter().copied());
                figures::pool_sizes(trace, runs, busy).map(|p| p.enough as f64)
            }
            Figure::Fastest => (runs.enumerate())
                .filter(|(_, r)| r.all_done())
                .filter_map(|(k, r)| Some((k, r.timed_ns()?)))
                .min_by_key(|&(_, ns)| ns)
                .map(|(k, _)| (k + 1) as f64),
            // A figure of one run, asked of the lesson: its runs' largest.
            _ => runs
                .enumerate()
                .filter_map(|(k, _)| self.of_run(trace, shown[k]))
                .max_by(f64::total_cmp),
        }
    }

    fn of_run(&self, trace: &Trace, run: usize) -> Option<f64> {
        let q = Question {
            run: Some(run as u32),
            ..self.clone()
        };
        q.measured(trace)
    }

    /// The right answer (its place in `answers`): the one whose range holds the measured figure.
    pub fn right(&self, trace: &Trace) -> Option<usize> {
        let value = self.measured(trace)?;
        self.answers.iter().position(|a| a.holds(value))
    }

    /// How many answered.
    pub fn answered(&self) -> u32 {
        self.counts.iter().sum()
    }

    /// The run it is about, if that is in `trace`.
    pub fn about<'a>(&self, trace: &'a Trace) -> Option<&'a Run> {
        trace.runs.get(self.run? as usize)
    }

    /// Count `delta` more (or fewer: an undo) for answer `answer`; never below 0.
    pub fn count(&mut self, answer: usize, delta: i32) {
        if self.counts.len() < self.answers.len() {
            self.counts.resize(self.answers.len(), 0);
        }
        if let Some(c) = self.counts.get_mut(answer) {
            *c = c.saturating_add_signed(delta);
        }
    }
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}
