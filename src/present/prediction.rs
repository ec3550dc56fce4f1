//! Predict, then run, in words: what a question is about, its measured figure, and its answers
//! with their counts and the right one marked, for every view (the headless text and JSON, the
//! terminal UI's reveal).

use super::words::human_ms;
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

/// A figure in words: `2.3x`, `0 lost a trial`, `size 10`, `7.0 ms`.
pub fn figure_words(figure: Figure, value: f64) -> String {
    match figure {
        Figure::Speedup => format!("{value:.1}x"),
        Figure::LostUpdates if value.fract() == 0.0 => format!("{value:.0} lost a trial"),
        Figure::LostUpdates => format!("{value:.2} lost a trial"),
        Figure::PoolSizeEnough => format!("size {value:.0}"),
        Figure::GilWaitMs | Figure::TickLateMs => human_ms(value),
        Figure::Fastest => format!("run {value:.0} first"),
    }
}

/// The measured figure in words, a run named where the figure is one (`threads (GIL) first`).
pub fn measured_words(trace: &Trace, q: &Question, value: f64) -> String {
    if q.figure != Figure::Fastest {
        return figure_words(q.figure, value);
    }
    let mut set = (trace.runs.iter()).filter(|r| r.meta.set == q.set && !r.is_real());
    match set.nth((value as usize).saturating_sub(1)) {
        Some(run) => format!("{} first", run.meta.label),
        None => figure_words(q.figure, value),
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
    let Some(value) = q.measured(trace) else {
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
    let right = q.right(trace);
    let said = match right {
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
        out.extend(wrap(&format!("{}: {}", about(trace, q), q.text), width, ""));
        out.extend(answer_lines(trace, q));
        out.extend(wrap(&reveal(trace, q), width, "  "));
    }
    out
}

/// An answer a line: its key, label, a bar of its count (20 for the most given), the count, the
/// right one marked.
fn answer_lines(trace: &Trace, q: &Question) -> Vec<String> {
    let right = q.right(trace);
    let most = q.counts.iter().copied().max().unwrap_or(0).max(1) as u64;
    let width = (q.answers.iter())
        .map(|a| a.label.chars().count())
        .max()
        .unwrap_or(0);
    (q.answers.iter().enumerate())
        .map(|(i, a)| {
            let n = q.counts.get(i).copied().unwrap_or(0);
            let bar = "█".repeat((n as u64 * 20).div_ceil(most) as usize);
            let mark = if right == Some(i) { "  ✓ right" } else { "" };
            format!("  {} {:<width$}  {bar:<20} {n:>3}{mark}", i + 1, a.label)
        })
        .collect()
}

/// `text` in lines of at most `width` columns (a word longer than that on a line of its own),
/// each starting with `indent`, those after the first indented 2 more.
fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = indent.to_string();
    for word in text.split_whitespace() {
        let fresh = line.trim().is_empty();
        if !fresh && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, format!("{indent}  ")));
        }
        if !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_wrap_at_the_width_and_go_on_indented() {
        let lines = super::wrap("how many of a trial's 1,000 updates are lost", 20, "  ");
        assert_eq!(
            lines,
            [
                "  how many of a",
                "    trial's 1,000",
                "    updates are lost"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(super::wrap("a", 20, ""), ["a"]);
    }
}
