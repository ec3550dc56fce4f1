//! Predict, then run, in words: what a question is about, its measured figure, and its answers
//! with their counts and the right one marked, for every view (the headless text and JSON, the
//! terminal UI's reveal).

use super::predict::{measured_words, wrap};
use crate::trace::question::Revealed;
use crate::trace::{Figure, Question, Trace};

/// What a question is about: its run's label, or the lesson; a later set's (a what-if's, or
/// the trace after in `compare`) with its set: `threads (GIL) (set 1)`.
pub fn about(trace: &Trace, q: &Question) -> String {
    let what = q
        .about(trace)
        .map_or("the lesson", |r| r.meta.label.as_str());
    match q.set {
        0 => what.to_string(),
        set => format!("{what} (set {set})"),
    }
}

/// What the figure is, said after it: `its speedup`.
pub fn figure_name(figure: Figure) -> &'static str {
    match figure {
        Figure::Speedup => "its speedup",
        Figure::LostUpdates => "on average over its trials",
        Figure::PoolSizeEnough => "the smallest pool as fast as the fastest",
        Figure::GilWaitMs => "the I/O thread's wait for the GIL after a response, on average",
        Figure::TickLateMs => "how late a tick was, at worst",
        Figure::Fastest => "the run that did every task in the least time",
    }
}

/// The reveal in a line: `measured 0 lost a trial (updates lost, ...): right "under 1", 3 of 6
/// answered it`, or why there is no figure yet.
pub fn reveal(trace: &Trace, q: &Question) -> String {
    reveal_of(trace, q, &q.revealed(trace))
}

/// [`reveal`], of the measured figure and right answers already known (`revealed`).
pub fn reveal_of(trace: &Trace, q: &Question, revealed: &Revealed) -> String {
    let Some(value) = revealed.value else {
        return match figure_pending(trace, q) {
            true => "measured: not yet (the run has not ended)".into(),
            false => {
                "measured: no figure (the run did not do every task, or nothing to measure)".into()
            }
        };
    };
    let figure = format!(
        "measured {} ({})",
        measured_words(trace, q, value),
        figure_name(q.figure)
    );
    let right = revealed.right.first().copied();
    let said = match right {
        Some(_) if revealed.tie() => tie_words(q, revealed, &figure),
        Some(i) => {
            let hands = q.counts.get(i).copied().unwrap_or(0);
            let label = &q.answers[i].label;
            match q.answered() {
                0 => format!("{figure}: right \"{label}\" (no answers counted)"),
                all => format!("{figure}: right \"{label}\", {hands} of {all} answered it"),
            }
        }
        None => format!("{figure}: no answer offered holds it"),
    };
    match noise(trace, q, value, right) {
        Some(noise) => format!("{said}; {noise}"),
        None => said,
    }
}

/// Runs about as fast as one another: each is right (the verdict calls none of them faster).
fn tie_words(q: &Question, revealed: &Revealed, figure: &str) -> String {
    let names: Vec<String> = (revealed.right.iter())
        .map(|&i| format!("\"{}\"", q.answers[i].label))
        .collect();
    let hands: u64 = (revealed.right.iter())
        .map(|&i| q.counts.get(i).copied().unwrap_or(0) as u64)
        .sum();
    let said = format!(
        "{figure}: {} about as fast (within the verdict's margin): {}",
        names.join(" and "),
        super::predict::TIE_RIGHT
    );
    match q.answered() {
        0 => format!("{said} (no answers counted)"),
        all => format!("{said}, {hands} of {all} answered one"),
    }
}

/// On a busy machine, a speedup is known only within its noise (as the verdict says): the other
/// answers it could as well have been, if any.
fn noise(trace: &Trace, q: &Question, value: f64, right: Option<usize>) -> Option<String> {
    if q.figure != Figure::Speedup {
        return None;
    }
    let set = (0..trace.runs.len()).filter(|&i| trace.runs[i].meta.set == q.set);
    let busy = crate::trace::busy::busy(trace, set).filter(|b| b.is_busy())?;
    let m = 1.0 + busy.margin().max(crate::trace::figures::ABOUT);
    let (low, high) = (value / m, value * m);
    let could: Vec<String> = (q.answers.iter().enumerate())
        .filter(|&(i, a)| Some(i) != right && a.low < high && low < a.high)
        .map(|(_, a)| format!("\"{}\"", a.label))
        .collect();
    (!could.is_empty()).then(|| {
        format!(
            "busy machine: within its noise ({:.1}x) it could be {}",
            m,
            could.join(" or ")
        )
    })
}

/// Whether its figure is still to come: its run (or a run of its set) has not ended.
fn figure_pending(trace: &Trace, q: &Question) -> bool {
    match q.about(trace) {
        Some(run) => run.end_ns.is_none(),
        None => (trace.runs.iter())
            .filter(|r| r.meta.set == q.set)
            .any(|r| r.end_ns.is_none()),
    }
}

/// The headless text of every question, `width` columns wide: what it is about and its words,
/// an answer a line (its key, label, a bar of its count, the count, the right one marked), then
/// the reveal.
pub fn lines(trace: &Trace, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for q in &trace.questions {
        let revealed = q.revealed(trace);
        let head = format!("{}: {}", about(trace, q), q.text);
        out.extend(wrap(&head, width, ("", "  ")));
        out.extend(answer_lines(q, &revealed));
        out.extend(wrap(&reveal_of(trace, q, &revealed), width, ("  ", "    ")));
    }
    out
}

/// An answer a line: its key, label, a bar of its count as every view draws it
/// ([`super::predict::bar`]), the count, the right ones marked.
fn answer_lines(q: &Question, revealed: &Revealed) -> Vec<String> {
    let width = (q.answers.iter())
        .map(|a| a.label.chars().count())
        .max()
        .unwrap_or(0);
    let bar_w = super::predict::LONGEST_BAR;
    (q.answers.iter().enumerate())
        .map(|(i, a)| {
            let n = q.counts.get(i).copied().unwrap_or(0);
            let bar = super::predict::bar(n, super::predict::most(q), bar_w);
            let mark = if revealed.is_right(i) {
                "  ✓ right"
            } else {
                ""
            };
            format!(
                "  {} {:<width$}  {bar:<bar_w$} {n:>3}{mark}",
                i + 1,
                a.label
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_wrap_at_the_width_and_go_on_indented() {
        let lines = super::wrap(
            "how many of a trial's 1,000 updates are lost",
            20,
            ("  ", "    "),
        );
        assert_eq!(
            lines,
            [
                "  how many of a",
                "    trial's 1,000",
                "    updates are lost"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(super::wrap("a", 20, ("", "")), ["a"]);
        // A word too long for a line is broken, not lost.
        assert_eq!(super::wrap("abcdefgh", 4, ("", "")), ["abcd", "efgh"]);
    }
}
