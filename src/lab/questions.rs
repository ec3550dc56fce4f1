//! Predict, then run: the questions a lesson asks before its runs. A lesson file may state its
//! own (`[[questions]]`); every run without one (but the baseline) is asked how fast it is
//! against sync, its answers made from how many tasks it could have going at once (its executor
//! and workers), never from a result.
//!
//! ```toml
//! [[questions]]
//! text = "How many of the {updates} updates are lost, on average a trial?"
//! figure = "lost-updates"     # speedup, lost-updates, pool-size-enough, gil-wait-ms, tick-late-ms
//! run = "threads:10/unprotected"  # one of the lesson's executors; left out: the lesson
//! answers = [{ label = "under 1", to = 1 }, { label = "1 to 99", from = 1, to = 100 }, { label = "100 or more", from = 100 }]
//! ```

use super::scenario::{at, Mistake};
use crate::exec::ExecSpec;
use crate::trace::question::{Answer, Figure, Question};
use crate::trace::LaneKind;
use serde::Deserialize;
use toml::Spanned;

/// The most questions a lesson states, and answers a question offers (keyed 1 to 9).
pub const MAX_QUESTIONS: usize = 32;
pub const MAX_ANSWERS: usize = 9;

/// The longest an answer's label is, in characters.
const MAX_LABEL: usize = 40;

/// A question as a lesson states it.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonQuestion {
    /// The executor (of the lesson's) whose run it is about; `None`: the lesson.
    pub run: Option<ExecSpec>,
    /// Its words; `{updates}` and `{trials}` are filled in with the run's.
    pub text: String,
    pub figure: Figure,
    pub answers: Vec<Answer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QuestionFile {
    text: Spanned<String>,
    figure: Figure,
    #[serde(default)]
    run: Option<Spanned<String>>,
    answers: Spanned<Vec<Spanned<AnswerFile>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerFile {
    label: Spanned<String>,
    /// The lowest figure it holds (default: the figure's lowest).
    #[serde(default)]
    from: Option<Spanned<f64>>,
    /// The figure it holds up to, not with (default: no bound).
    #[serde(default)]
    to: Option<Spanned<f64>>,
}

/// The questions of a lesson file, checked: `executors` are the lesson's (a question's `run`
/// is one of them).
pub(super) fn parse(
    file: Option<&Spanned<Vec<Spanned<QuestionFile>>>>,
    executors: &[ExecSpec],
) -> Result<Vec<LessonQuestion>, Mistake> {
    let Some(list) = file else {
        return Ok(Vec::new());
    };
    if list.get_ref().len() > MAX_QUESTIONS {
        let why = format!("a lesson asks at most {MAX_QUESTIONS} questions");
        return Err(at(list.span(), why));
    }
    list.get_ref()
        .iter()
        .map(|q| question(q, executors))
        .collect()
}

fn question(q: &Spanned<QuestionFile>, executors: &[ExecSpec]) -> Result<LessonQuestion, Mistake> {
    let f = q.get_ref();
    if f.text.get_ref().trim().is_empty() {
        return Err(at(f.text.span(), "a question has words (text)"));
    }
    let run = match &f.run {
        None => None,
        Some(_) if f.figure.is_lesson_wide() => {
            let why = format!(
                "{} is about the lesson as a whole: leave out run",
                f.figure.name()
            );
            return Err(at(q.span(), why));
        }
        Some(r) => Some(run_of(r, executors)?),
    };
    Ok(LessonQuestion {
        run,
        text: f.text.get_ref().trim().to_string(),
        figure: f.figure,
        answers: answers(&f.answers, f.figure)?,
    })
}

/// `run = "threads:10/unprotected"`: one of the lesson's executors, as it writes them.
fn run_of(r: &Spanned<String>, executors: &[ExecSpec]) -> Result<ExecSpec, Mistake> {
    let spec: ExecSpec = r
        .get_ref()
        .parse()
        .map_err(|e: crate::error::Error| at(r.span(), e.to_string()))?;
    match executors.contains(&spec) {
        true => Ok(spec),
        false => Err(at(
            r.span(),
            format!("run '{}' is not one of the lesson's executors", r.get_ref()),
        )),
    }
}

/// The answers, each a range some figure can fall in, no two overlapping.
fn answers(
    list: &Spanned<Vec<Spanned<AnswerFile>>>,
    figure: Figure,
) -> Result<Vec<Answer>, Mistake> {
    let given = list.get_ref();
    if given.is_empty() {
        return Err(at(list.span(), "a question offers at least one answer"));
    }
    if given.len() > MAX_ANSWERS {
        let why = format!("a question offers at most {MAX_ANSWERS} answers (keys 1 to 9)");
        return Err(at(list.span(), why));
    }
    let answers = given
        .iter()
        .map(|a| answer(a, figure))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in answers.iter().enumerate() {
        for (k, b) in answers.iter().enumerate().skip(i + 1) {
            if a.label.eq_ignore_ascii_case(&b.label) {
                return Err(at(
                    given[k].span(),
                    format!("two answers are '{}'", b.label),
                ));
            }
            if a.low < b.high && b.low < a.high {
                let why = format!(
                    "answers '{}' and '{}' overlap: a figure would make both right",
                    a.label, b.label
                );
                return Err(at(given[k].span(), why));
            }
        }
    }
    Ok(answers)
}

fn answer(a: &Spanned<AnswerFile>, figure: Figure) -> Result<Answer, Mistake> {
    let f = a.get_ref();
    let label = f.label.get_ref().trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        let why = format!("an answer's label is 1 to {MAX_LABEL} characters");
        return Err(at(f.label.span(), why));
    }
    let (lowest, whole) = figure.domain();
    let low = f.from.as_ref().map_or(lowest, |v| *v.get_ref());
    let high = f.to.as_ref().map_or(f64::INFINITY, |v| *v.get_ref());
    let place = f
        .from
        .as_ref()
        .or(f.to.as_ref())
        .map_or(a.span(), Spanned::span);
    if low.is_nan() || high.is_nan() {
        return Err(at(place, "from and to are numbers"));
    }
    if low < lowest {
        let why = format!("'{label}': {} is never below {lowest}", figure.name());
        return Err(at(place, why));
    }
    let empty = match whole {
        true => low.ceil() >= high,
        false => low >= high,
    };
    if empty {
        let what = if whole { "whole " } else { "" };
        let why = format!(
            "'{label}': no {what}figure is from {low} and below {high}: give from below to"
        );
        return Err(at(place, why));
    }
    Ok(Answer::new(label, low, high))
}

/// What fills a question's words: `{updates}` (a trial's updates of the shared counter) and
/// `{trials}`.
pub struct Words {
    pub updates: u64,
    pub trials: u32,
}

impl Words {
    fn fill(&self, text: &str) -> String {
        text.replace("{updates}", &crate::trace::limits::grouped(self.updates))
            .replace(
                "{trials}",
                &crate::trace::limits::grouped(self.trials as u64),
            )
    }
}

/// A planned run, as a question needs it: its executor, whether it is the baseline, how many
/// tasks it could have going at once, and its run in the trace (`None`: kept from the set
/// before, not run again).
pub struct Planned {
    pub spec: ExecSpec,
    pub label: String,
    pub baseline: bool,
    pub at_once: u32,
    pub run: Option<u32>,
}

/// The questions asked before set `set`'s runs (`runs`, in the lesson's order): the lesson's own
/// (about a run that is run, or the lesson), then "how fast against sync?" for each run that
/// has none of its own, if the set has a baseline (the baseline itself is not asked).
pub fn questions(
    lesson: &[LessonQuestion],
    runs: &[Planned],
    words: &Words,
    set: u32,
) -> Vec<Question> {
    let mut asked = Vec::new();
    let mut own = vec![false; runs.len()];
    for q in lesson {
        let run = match q.run {
            None => None,
            Some(spec) => match runs.iter().position(|r| r.spec == spec) {
                Some(i) => {
                    own[i] = true;
                    Some(runs[i].run)
                }
                None => continue,
            },
        };
        let Some(run) = run.map_or(Some(None), |r| r.map(Some)) else {
            continue;
        };
        let text = words.fill(&q.text);
        asked.push(Question::new(run, &text, q.figure, q.answers.clone()).in_set(set));
    }
    let base = runs.iter().find(|r| r.baseline).map(|r| r.label.clone());
    for (i, r) in runs.iter().enumerate() {
        let (Some(base), Some(run), false, false) = (&base, r.run, own[i], r.baseline) else {
            continue;
        };
        let text = format!("How fast against {base}?");
        let answers = speedup_answers(r.at_once);
        asked.push(Question::new(Some(run), &text, Figure::Speedup, answers).in_set(set));
    }
    asked
}

/// "How fast?": slower, about the same, about 2x, about 5x, 10x or more; for a run that could
/// have no more than 6 tasks going at once, the last two are "more than 3x" (a guess past what
/// it could do stays on offer: the class may think threads add cores).
pub fn speedup_answers(at_once: u32) -> Vec<Answer> {
    let mut answers = vec![
        Answer::new("slower", 0.0, 0.9),
        Answer::new("about the same", 0.9, 1.4),
        Answer::new("about 2x", 1.4, 3.2),
    ];
    match at_once >= 7 {
        true => answers.extend([
            Answer::new("about 5x", 3.2, 7.0),
            Answer::new("10x or more", 7.0, f64::INFINITY),
        ]),
        false => answers.push(Answer::new("more than 3x", 3.2, f64::INFINITY)),
    }
    answers
}

/// How many of `tasks` tasks a run of `spec` (described as `kind`) could have going at once:
/// an event loop all of them (or its limit), a pool its workers.
pub fn at_once(spec: &ExecSpec, kind: LaneKind, tasks: u32) -> u32 {
    match kind {
        LaneKind::Task => spec.workers.map_or(tasks, |n| n.min(tasks)),
        _ => spec.workers().min(tasks),
    }
}
