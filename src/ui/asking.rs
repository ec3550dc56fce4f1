//! Predict, then run: the runs asked about before they start. While the class answers, the
//! session shows a preview: the trace as it will be once the runs are registered (the runs to
//! come named and empty, after a what-if's ghosts), with the questions asked of them. Their
//! counts live on those questions, the one copy, until the runs start.

use crate::lab::{Options, Plan};
use crate::trace::{Answer, Figure, Question, RunMeta, Trace};

/// What runs once the class has answered.
#[derive(Debug)]
pub enum Then {
    /// The lesson, not started yet (`--predict`).
    Start,
    /// The lesson again (`r` or `p`).
    Rerun,
    /// A what-if's settings, beside the runs there.
    WhatIf(Box<Options>),
}

/// The runs asked about, not started yet.
pub struct Asking {
    pub preview: Trace,
    pub then: Then,
}

impl Asking {
    /// The latest plan's runs asked about as a trace of their own (before the lesson starts,
    /// or a rerun).
    pub fn anew(plan: &Plan, then: Then) -> Asking {
        let mut preview = Trace::new(&plan.scenario.name);
        add(&mut preview, plan.metas(0));
        Asking { preview, then }
    }

    /// A what-if's runs asked about, after the runs of `trace` (its ghosts).
    pub fn beside(trace: &Trace, lesson: &Plan, options: Options) -> Result<Asking, String> {
        let set = match trace.runs.is_empty() {
            true => 0,
            false => trace.latest_set() + 1,
        };
        let options = Options { port: 0, ..options };
        // Prepared only for what its runs are (the lab prepares its own to run).
        let plan = Plan::prepare(lesson.lesson.clone(), options.clone()).map_err(|e| e.to_string())?;
        let mut preview = trace.clone();
        preview.questions.clear();
        add(&mut preview, plan.metas(set));
        let then = Then::WhatIf(Box::new(options));
        Ok(Asking { preview, then })
    }

    /// Count `delta` hands for answer `answer` of question `question` (never below none);
    /// whether anything changed.
    pub fn count(&mut self, question: usize, answer: usize, delta: i32) -> bool {
        let Some(count) = (self.preview.questions.get_mut(question))
            .and_then(|q| q.counts.get_mut(answer))
        else {
            return false;
        };
        let was = *count;
        *count = count.saturating_add_signed(delta);
        *count != was
    }
}

/// `metas` registered in `trace`, with their questions.
fn add(trace: &mut Trace, metas: Vec<RunMeta>) {
    for meta in metas {
        let run = trace.add_run(meta);
        if let Some(q) = question(&trace.runs[run as usize].meta, run) {
            trace.questions.push(q);
        }
    }
}

/// TEMPORARY, until the lab plans each lesson's questions (branch predict-model): "how fast
/// against sync?" of every run but the baseline.
fn question(meta: &RunMeta, run: u32) -> Option<Question> {
    if meta.baseline {
        return None;
    }
    let answers = [
        ("slower", 0.0, 0.8),
        ("about the same", 0.8, 1.4),
        ("about 2x", 1.4, 3.0),
        ("about 5x", 3.0, 8.0),
        ("10x or more", 8.0, f64::INFINITY),
    ];
    let answers = answers
        .into_iter()
        .map(|(label, low, high)| Answer {
            label: label.into(),
            low,
            high,
        })
        .collect();
    let text = "How fast against sync?";
    Some(Question::new(Some(run), text, Figure::Speedup, answers))
}
