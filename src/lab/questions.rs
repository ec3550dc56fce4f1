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

use super::mistake::{at, Mistake};
use crate::exec::ExecSpec;
use crate::trace::question::{self, Answer, Figure, Question};
use crate::trace::LaneKind;
use serde::Deserialize;
use toml::Spanned;

/// The most questions a lesson states, and answers a question offers (keyed 1 to 9).
pub const MAX_QUESTIONS: usize = 32;
pub use crate::trace::question::MAX_ANSWERS;

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
    let env = crate::exec::Env::default();
    let baseline = executors.iter().any(|e| e.describe(&env).baseline);
    if matches!(f.figure, Figure::Speedup | Figure::PoolSizeEnough) && !baseline {
        let why = format!(
            "{} is measured against sync: add \"sync\" to the executors",
            f.figure.name()
        );
        return Err(at(q.span(), why));
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

/// The answers, each a range some figure can fall in, no two overlapping: the rule trace files
/// are checked by too ([`crate::trace::question::check_answers`]), its place in the file said.
fn answers(
    list: &Spanned<Vec<Spanned<AnswerFile>>>,
    figure: Figure,
) -> Result<Vec<Answer>, Mistake> {
    let given = list.get_ref();
    let answers: Vec<Answer> = given.iter().map(|a| answer(a, figure)).collect();
    question::check_answers(&answers, figure).map_err(|(i, why)| {
        let place = match i {
            None => list.span(),
            Some(i) if question::check_label(&answers[i].label).is_err() => {
                given[i].get_ref().label.span()
            }
            Some(i) if question::check_range(&answers[i], figure).is_err() => {
                range_place(&given[i])
            }
            // Two answers at odds: the second.
            Some(i) => given[i].span(),
        };
        at(place, why)
    })?;
    Ok(answers)
}

/// An answer as the file gives it, its range the figure's lowest to no bound where left out.
fn answer(a: &Spanned<AnswerFile>, figure: Figure) -> Answer {
    let f = a.get_ref();
    let (lowest, _) = figure.domain();
    let low = f.from.as_ref().map_or(lowest, |v| *v.get_ref());
    let high = f.to.as_ref().map_or(f64::INFINITY, |v| *v.get_ref());
    Answer::new(f.label.get_ref().trim(), low, high)
}

/// Where an answer's range is written: its `from`, else its `to`, else the answer.
fn range_place(a: &Spanned<AnswerFile>) -> std::ops::Range<usize> {
    let f = a.get_ref();
    f.from
        .as_ref()
        .or(f.to.as_ref())
        .map_or(a.span(), Spanned::span)
}

/// What fills a question's words: `{tasks}`, `{adds}` (a task's adds to the shared counter),
/// `{updates}` (a trial's, of every task) and `{trials}`, as the run is run (`--tasks`,
/// `--adds`, `--trials`).
pub struct Words {
    pub tasks: u64,
    pub adds: u64,
    pub updates: u64,
    pub trials: u32,
}

impl Words {
    fn fill(&self, text: &str) -> String {
        let grouped = crate::trace::limits::grouped;
        text.replace("{tasks}", &grouped(self.tasks))
            .replace("{adds}", &grouped(self.adds))
            .replace("{updates}", &grouped(self.updates))
            .replace("{trials}", &grouped(self.trials as u64))
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
/// has none of its own, if the set has a baseline (the baseline itself is not asked) and the
/// lesson asks nothing of itself as a whole (pool-size's one question is its point: a class is
/// not asked six more); a lesson with neither asks which run finishes first.
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
    // Without sync to be faster than, and nothing of its own to ask: which finishes first.
    if let (None, true, 2..) = (
        runs.iter().find(|r| r.baseline),
        lesson.is_empty(),
        runs.len(),
    ) {
        asked.push(fastest(runs).in_set(set));
    }
    let base = runs.iter().find(|r| r.baseline).map(|r| r.label.clone());
    let whole = lesson.iter().any(|q| q.run.is_none());
    for (i, r) in runs.iter().enumerate() {
        let asks = !whole && !own[i] && !r.baseline;
        let (Some(base), Some(run), true) = (&base, r.run, asks) else {
            continue;
        };
        let text = format!("How fast against {base}?");
        let answers = speedup_answers(r.at_once);
        asked.push(Question::new(Some(run), &text, Figure::Speedup, answers).in_set(set));
    }
    asked
}

/// "Which finishes first?", for a lesson without sync to be faster than: an answer a run.
fn fastest(runs: &[Planned]) -> Question {
    let answers = (runs.iter().enumerate())
        .map(|(i, r)| Answer::new(&r.label, (i + 1) as f64, (i + 2) as f64))
        .collect();
    let text = "Which finishes every task first?";
    Question::new(None, text, Figure::Fastest, answers)
}

/// The speedups "how fast?" offers beside slower and about the same (with the run's own, below).
const TIMES: [f64; 5] = [2.0, 3.0, 5.0, 10.0, 20.0];

/// "How fast?": slower, about the same, then about 2x, 3x, 5x, 10x, 20x and the run's own
/// `at_once` (as many tasks as it could have going at once: 4 workers offer about 4x, the
/// speedup a pool could reach) up to `at_once`, and one past it (a guess past what it could do
/// stays on offer: the class may think threads add cores), the last "or more". Each is right
/// from half-way to the one before, on a log scale (about 2x from 1.41x, about 3x from 2.45x),
/// so no answer stretches over another's figure.
pub fn speedup_answers(at_once: u32) -> Vec<Answer> {
    let own = at_once as f64;
    let mut ladder = TIMES.to_vec();
    if own > 1.0 && !ladder.contains(&own) {
        ladder.push(own);
        ladder.sort_by(f64::total_cmp);
    }
    let within = ladder.iter().take_while(|&&x| x <= own).count();
    let times: Vec<f64> = ladder[..(within + 1).clamp(2, ladder.len())].to_vec();
    let mut answers = vec![
        Answer::new("slower", 0.0, 0.9),
        Answer::new("about the same", 0.9, 2f64.sqrt()),
    ];
    for (i, &x) in times.iter().enumerate() {
        let low = answers[answers.len() - 1].high;
        let (label, high) = match times.get(i + 1) {
            Some(&next) => (format!("about {x}x"), (x * next).sqrt()),
            None => (format!("about {x}x or more"), f64::INFINITY),
        };
        answers.push(Answer::new(&label, low, high));
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

/// A run of the latest set, as `--answer` names it: its spec as the lesson writes it
/// (`threads:10/unprotected`), its label (`threads (GIL, unprotected)`), its run in the trace.
pub struct Named {
    pub spec: String,
    pub label: String,
    pub id: Option<u32>,
}

/// `RUN=LABEL`: the question (its place in `questions`) about run RUN of set `set` (its spec or
/// label, or its number from 1 in the lesson's order; `lesson`: the lesson-wide question), its
/// first, and the answer LABEL names (its label, a part of one label only, or its number from
/// 1): `(question, answer)`, or why not.
pub fn resolve(
    questions: &[Question],
    set: u32,
    runs: &[Named],
    given: &str,
) -> Result<(u32, u32), String> {
    let Some((run, label)) = given.split_once('=') else {
        return Err("expected RUN=LABEL (threads=2x, 2=3, lesson=5)".into());
    };
    let (run, label) = (run.trim(), label.trim());
    let about = match run.eq_ignore_ascii_case("lesson") {
        true => None,
        false => Some(named(runs, run)?),
    };
    let question = (questions.iter())
        .position(|q| q.set == set && q.run == about)
        .ok_or_else(|| unasked(questions, set, runs, run))?;
    let answer = answer_of(&questions[question], label)?;
    Ok((question as u32, answer as u32))
}

/// Why RUN has no question: the runs (or the lesson) that have one.
fn unasked(questions: &[Question], set: u32, runs: &[Named], run: &str) -> String {
    let asked: Vec<&str> = (questions.iter().filter(|q| q.set == set))
        .map(|q| match q.run {
            None => "lesson",
            Some(id) => (runs.iter())
                .find(|r| r.id == Some(id))
                .map_or("?", |r| r.spec.as_str()),
        })
        .collect();
    match asked.is_empty() {
        true => format!("no question is asked of '{run}': none is asked"),
        false => format!(
            "no question is asked of '{run}', only of {}",
            asked.join(", ")
        ),
    }
}

/// The trace run RUN names.
fn named(runs: &[Named], run: &str) -> Result<u32, String> {
    let found = match run.parse::<usize>() {
        Ok(n) => n.checked_sub(1).and_then(|i| runs.get(i)),
        Err(_) => (runs.iter()).find(|r| r.spec == run || r.label.eq_ignore_ascii_case(run)),
    };
    let Some(found) = found else {
        let names: Vec<&str> = runs.iter().map(|r| r.spec.as_str()).collect();
        return Err(format!(
            "no run '{run}': name one of {} or its number from 1",
            names.join(", ")
        ));
    };
    found.id.ok_or_else(|| {
        format!("run '{run}' is kept from before, not run again: nothing to predict")
    })
}

/// The answer LABEL names: its number from 1, its label, or the one label it is part of.
fn answer_of(q: &Question, label: &str) -> Result<usize, String> {
    if let Ok(n) = label.parse::<usize>() {
        if (1..=q.answers.len()).contains(&n) {
            return Ok(n - 1);
        }
    }
    let lower = label.to_lowercase();
    if let Some(i) = (q.answers.iter()).position(|a| a.label.to_lowercase() == lower) {
        return Ok(i);
    }
    let parts: Vec<usize> = (0..q.answers.len())
        .filter(|&i| !lower.is_empty() && q.answers[i].label.to_lowercase().contains(&lower))
        .collect();
    match parts[..] {
        [i] => Ok(i),
        _ => {
            let labels: Vec<String> = (q.answers.iter().enumerate())
                .map(|(i, a)| format!("{} '{}'", i + 1, a.label))
                .collect();
            Err(format!(
                "'{label}' is not one answer of \"{}\": give {}",
                q.text,
                labels.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    fn labels(at_once: u32) -> Vec<String> {
        super::speedup_answers(at_once)
            .into_iter()
            .map(|a| a.label)
            .collect()
    }

    #[test]
    fn how_fast_offers_what_the_run_could_reach_and_one_past_it() {
        fn with(rest: &[&str]) -> Vec<String> {
            let head = ["slower", "about the same"];
            head.iter().chain(rest).map(|s| s.to_string()).collect()
        }
        assert_eq!(labels(1), with(&["about 2x", "about 3x or more"]));
        assert_eq!(labels(2), with(&["about 2x", "about 3x or more"]));
        assert_eq!(
            labels(3),
            with(&["about 2x", "about 3x", "about 5x or more"])
        );
        // A pool of 4 can reach 4x: offered, and about 5x past it.
        assert_eq!(
            labels(4),
            with(&["about 2x", "about 3x", "about 4x", "about 5x or more"])
        );
        let eight = [
            "about 2x",
            "about 3x",
            "about 5x",
            "about 8x",
            "about 10x or more",
        ];
        assert_eq!(labels(8), with(&eight));
        let most = [
            "about 2x",
            "about 3x",
            "about 5x",
            "about 10x",
            "about 20x or more",
        ];
        assert_eq!(labels(10), with(&most));
        let forty = &["about 2x", "about 3x", "about 5x", "about 10x", "about 20x"];
        assert_eq!(
            labels(40),
            with(&[&forty[..], &["about 40x or more"]].concat())
        );
        assert!(labels(1000).contains(&"about 1000x or more".to_string()));
        assert!(labels(1000).len() <= super::MAX_ANSWERS);
        let four = super::speedup_answers(4);
        assert!(four[4].holds(4.0), "a pool at its ideal 4.0x is about 4x");
        assert!(
            (four[4].low - 12f64.sqrt()).abs() < 1e-9,
            "half-way from 3x, log scale"
        );
        for n in [1, 2, 3, 4, 7, 8, 40, 1000] {
            let answers = super::speedup_answers(n);
            assert!(
                answers.windows(2).all(|w| w[0].high == w[1].low),
                "no gap, no overlap"
            );
            assert_eq!(
                (answers[0].low, answers.last().unwrap().high),
                (0.0, f64::INFINITY)
            );
        }
        let three = super::speedup_answers(3);
        assert!(three[2].holds(2.0) && three[3].holds(2.9) && three[4].holds(4.0));
    }
}
