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
            // Only an event loop's tasks wait for the loop: no figure for another run.
            Figure::TickLateMs => {
                figures::has_loop(run).then(|| ms(figures::longest_loop_ready_ns(run)))
            }
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

    /// The measured figure and every answer right by it, computed once (a view keeps it).
    pub fn revealed(&self, trace: &Trace) -> Revealed {
        let value = self.measured(trace);
        let held = value.and_then(|v| self.answers.iter().position(|a| a.holds(v)));
        let mut right: Vec<usize> = held.into_iter().collect();
        if let (Some(first), Figure::Fastest) = (held, self.figure) {
            right.extend(self.about_as_fast(trace, value.unwrap_or(0.0), first));
        }
        Revealed { value, right }
    }

    /// For "which finishes first?": the answers (other than `first`, the fastest's) that hold
    /// a run about as fast as the fastest, run number `value`, as the verdict judges it.
    fn about_as_fast(&self, trace: &Trace, value: f64, first: usize) -> Vec<usize> {
        let shown: Vec<usize> = (0..trace.runs.len())
            .filter(|&i| trace.runs[i].meta.set == self.set && !trace.runs[i].is_real())
            .collect();
        let times: Vec<Option<u64>> = (shown.iter().map(|&i| &trace.runs[i]))
            .map(|r| r.all_done().then(|| r.timed_ns()).flatten())
            .collect();
        let Some(Some(best)) = times.get((value as usize).wrapping_sub(1)) else {
            return Vec::new();
        };
        let busy = super::busy::busy(trace, shown.iter().copied());
        let noisy = busy.is_some_and(|b| b.is_busy());
        // As the verdict has it: within 10% of the fastest's time, or within a busy machine's
        // noise.
        let close = |ratio: f64| {
            ratio <= 1.0 + figures::ABOUT || noisy && figures::about_as_fast(busy, ratio, 1.0)
        };
        let mut right = Vec::new();
        for (k, t) in times.iter().enumerate() {
            if !t.is_some_and(|t| close(t as f64 / (*best).max(1) as f64)) {
                continue;
            }
            let held = (self.answers.iter()).position(|a| a.holds((k + 1) as f64));
            if let Some(i) = held.filter(|&i| i != first && !right.contains(&i)) {
                right.push(i);
            }
        }
        right
    }

    /// How many answered (counts are at most [`MAX_COUNT`] each, summed without wrapping).
    pub fn answered(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum()
    }

    /// Whether its answers can be asked: 1 to [`MAX_ANSWERS`], labels of 1 to [`MAX_LABEL`]
    /// characters, none twice, each holding some figure, no two overlapping, counts at most
    /// [`MAX_COUNT`]. Lesson files and trace files are checked by this one rule.
    pub fn check(&self) -> Result<(), String> {
        check_answers(&self.answers, self.figure).map_err(|(_, why)| why)?;
        match self.counts.iter().find(|&&c| c > MAX_COUNT) {
            Some(c) => Err(format!(
                "a count of {c}: at most {} hands an answer",
                super::limits::grouped(MAX_COUNT as u64)
            )),
            None => Ok(()),
        }
    }

    /// The run it is about, if that is in `trace`.
    pub fn about<'a>(&self, trace: &'a Trace) -> Option<&'a Run> {
        trace.runs.get(self.run? as usize)
    }

    /// Count `delta` more (or fewer: an undo) for answer `answer`; never below 0, nor above
    /// [`MAX_COUNT`].
    pub fn count(&mut self, answer: usize, delta: i32) {
        if self.counts.len() < self.answers.len() {
            self.counts.resize(self.answers.len(), 0);
        }
        if let Some(c) = self.counts.get_mut(answer) {
            *c = c.saturating_add_signed(delta).min(MAX_COUNT);
        }
    }
}

/// A question's measured figure and its right answers: one, or, for "which finishes first?",
/// every run about as fast as the fastest (a tie: each is right); none before the figure, or
/// where no answer holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Revealed {
    pub value: Option<f64>,
    /// The answer holding the figure first, then those about as good.
    pub right: Vec<usize>,
}

impl Revealed {
    pub fn is_right(&self, answer: usize) -> bool {
        self.right.contains(&answer)
    }

    /// More than one right: runs about as fast as one another.
    pub fn tie(&self) -> bool {
        self.right.len() > 1
    }
}

/// The most answers a question offers (keyed 1 to 9), the longest label in characters, the
/// most hands counted for an answer.
pub const MAX_ANSWERS: usize = 9;
pub const MAX_LABEL: usize = 40;
pub const MAX_COUNT: u32 = 1_000_000;

/// The answers' rule (see [`Question::check`]): why not, if they break it, and the answer at
/// fault (`None`: the list).
pub fn check_answers(answers: &[Answer], figure: Figure) -> Result<(), (Option<usize>, String)> {
    if answers.is_empty() {
        return Err((None, "a question offers at least one answer".into()));
    }
    if answers.len() > MAX_ANSWERS {
        let why = format!("a question offers at most {MAX_ANSWERS} answers (keys 1 to 9)");
        return Err((None, why));
    }
    for (i, a) in answers.iter().enumerate() {
        check_label(&a.label)
            .and_then(|_| check_range(a, figure))
            .map_err(|why| (Some(i), why))?;
    }
    for (i, a) in answers.iter().enumerate() {
        for (k, b) in answers.iter().enumerate().skip(i + 1) {
            if a.label.trim().eq_ignore_ascii_case(b.label.trim()) {
                return Err((Some(k), format!("two answers are '{}'", b.label)));
            }
            if a.low < b.high && b.low < a.high {
                let why = format!(
                    "answers '{}' and '{}' overlap: a figure would make both right",
                    a.label, b.label
                );
                return Err((Some(k), why));
            }
        }
    }
    Ok(())
}

/// An answer's label: 1 to [`MAX_LABEL`] characters.
pub fn check_label(label: &str) -> Result<(), String> {
    let label = label.trim();
    match label.is_empty() || label.chars().count() > MAX_LABEL {
        true => Err(format!("an answer's label is 1 to {MAX_LABEL} characters")),
        false => Ok(()),
    }
}

/// An answer's range: numbers, none below the figure's lowest, holding some figure.
pub fn check_range(a: &Answer, figure: Figure) -> Result<(), String> {
    let label = a.label.trim();
    let (lowest, whole) = figure.domain();
    let (low, high) = (a.low, a.high);
    if low.is_nan() || high.is_nan() {
        return Err(format!("'{label}': from and to are numbers"));
    }
    if low < lowest {
        return Err(format!(
            "'{label}': {} is never below {lowest}",
            figure.name()
        ));
    }
    let empty = match whole {
        true => low.ceil() >= high,
        false => low >= high,
    };
    if empty {
        let what = if whole { "whole " } else { "" };
        return Err(format!(
            "'{label}': no {what}figure is from {low} and below {high}: give from below to"
        ));
    }
    Ok(())
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}
