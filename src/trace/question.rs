//! Predict, then run: a question the class answers before a run, the answers it may give and
//! how many gave each. The measured figure that answers it is read from the trace once the run
//! (or the lesson) is done; the right answer is the one whose range holds it.

use serde::{Deserialize, Serialize};

/// A question asked before a run, or before the whole lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The run it is about (its index in the trace's `runs`); `None`: the lesson as a whole
    /// (pool-size's "from which pool size on is it no faster?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u32>,
    /// The question in words: `How fast against sync?`.
    pub text: String,
    /// What measured figure answers it.
    pub figure: Figure,
    /// The answers offered, in the order shown (and keyed: 1, 2, 3...).
    pub answers: Vec<Answer>,
    /// How many chose each answer (as many as `answers`).
    pub counts: Vec<u32>,
}

/// An answer: its words, and the range of the figure in which it is right, `[low, high)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// The measured figure a question is answered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Figure {
    /// The run's speedup against sync (its set's baseline).
    Speedup,
    /// Updates the run lost on the shared counter (the race).
    LostUpdates,
    /// The smallest pool size from which a bigger pool is no faster (pool-size, lesson-wide).
    PoolSizeEnough,
    /// How long the I/O thread waited for the GIL after each response, in ms (gil).
    GilWaitMs,
    /// How late a tick was at worst, in ms (starve).
    TickLateMs,
}

impl Question {
    /// A question with no answers counted yet.
    pub fn new(run: Option<u32>, text: &str, figure: Figure, answers: Vec<Answer>) -> Question {
        Question {
            run,
            text: text.to_string(),
            figure,
            counts: vec![0; answers.len()],
            answers,
        }
    }

    /// The measured figure that answers it, once the trace has it.
    pub fn measured(&self, trace: &super::Trace) -> Option<f64> {
        let run = trace.runs.get(self.run? as usize)?;
        run.end_ns?;
        match self.figure {
            Figure::Speedup => super::speedup(trace, run),
            Figure::LostUpdates => run.counter().map(|(lost, _)| lost as f64),
            // Added with the lessons that ask them (pool-size, gil, starve).
            Figure::PoolSizeEnough | Figure::GilWaitMs | Figure::TickLateMs => None,
        }
    }

    /// The right answer (its place in `answers`): the one whose range holds the measured figure.
    pub fn right(&self, trace: &super::Trace) -> Option<usize> {
        let value = self.measured(trace)?;
        self.answers
            .iter()
            .position(|a| a.low <= value && value < a.high)
    }
}
