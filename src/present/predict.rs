//! Predict, then run, for every view: a question with its answers numbered and the class's
//! counts as a small bar chart, laid out in the cells a panel has for it; and, once the run is
//! measured, the reveal: the counts beside the measured figure, the right answer marked.

use super::words::human_ms;
use crate::trace::question::Revealed;
use crate::trace::{Figure, Question, Trace};

/// "Which finishes first?" where runs are about as fast as one another (within the verdict's
/// margin): the reveal's lead, and what it means for the answers.
pub const TIE_LEAD: &str = "about as fast (no single fastest)";
pub const TIE_RIGHT: &str = "no single fastest, each counts as right";

/// A figure of question `q` in words: `2.30x`, `0 lost a trial`, `size 10`, `7.0 ms`, with as
/// many places as it takes for the figure as printed to fall in the answer the figure itself
/// falls in (0.899x is `0.899x`, not `0.90x`: "about the same" starts at 0.9x).
pub fn figure_words(q: &Question, value: f64) -> String {
    let p = |least: i32| places(q, value, least).max(0) as usize;
    match q.figure {
        Figure::Speedup => format!("{value:.*}x", p(2)),
        Figure::LostUpdates if value.fract() == 0.0 => format!("{value:.0} lost a trial"),
        Figure::LostUpdates => format!("{value:.*} lost a trial", p(2)),
        Figure::PoolSizeEnough => format!("size {value:.0}"),
        Figure::GilWaitMs | Figure::TickLateMs => ms_words(q, value),
        Figure::Fastest => format!("run {value:.0} first"),
    }
}

/// Milliseconds as [`human_ms`] words them (`1.25 s`, `7.0 ms`, `350.0 µs`) where that stays in
/// the figure's answer, else in ms with places enough (`999.96 ms` against "from 1000").
fn ms_words(q: &Question, value: f64) -> String {
    // human_ms's resolution, in places of a ms: 10 ms in seconds, 0.1 ms, 0.1 µs, 1 ns.
    let shown = match value {
        v if v >= 1000.0 => -2,
        v if v >= 1.0 || v == 0.0 => 1,
        v if v >= 0.001 => 4,
        _ => 6,
    };
    match places(q, value, shown) == shown {
        true => human_ms(value),
        false => format!("{value:.*} ms", places(q, value, shown + 1).max(0) as usize),
    }
}

/// The fewest places, from `least` (and at most 6; below 0: tens, hundreds), at which `value`
/// rounded falls in the answer `value` falls in.
fn places(q: &Question, value: f64, least: i32) -> i32 {
    let answer = |v: f64| q.answers.iter().position(|a| a.holds(v));
    (least..=6)
        .find(|&p| {
            let scale = 10f64.powi(p);
            answer((value * scale).round() / scale) == answer(value)
        })
        .unwrap_or(6)
}

/// The measured figure in words, a run named where the figure is one (`threads (GIL) first`).
pub fn measured_words(trace: &Trace, q: &Question, value: f64) -> String {
    if q.figure != Figure::Fastest {
        return figure_words(q, value);
    }
    let mut set = (trace.runs.iter()).filter(|r| r.meta.set == q.set && !r.is_real());
    match set.nth((value as usize).saturating_sub(1)) {
        Some(run) => format!("{} first", run.meta.label),
        None => figure_words(q, value),
    }
}

/// The answers a key counts (1 to 9).
pub const KEYED: usize = 9;

/// The longest bar of an answer laid out a row each.
pub const LONGEST_BAR: usize = 24;
/// The bar of an answer laid out one after another.
const SHORT_BAR: usize = 4;
/// The fewest hands a whole bar stands for.
const FULL_BAR: u32 = 10;

/// A bar `count / most` of `width` cells long, in eighths (at least one for any count).
pub fn bar(count: u32, most: u32, width: usize) -> String {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    if count == 0 || most == 0 || width == 0 {
        return String::new();
    }
    let eighths = ((count.min(most) as usize * width * 8) / most as usize).max(1);
    let mut s = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        s.push(EIGHTHS[eighths % 8 - 1]);
    }
    s
}

/// What a piece of a question laid out is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    Question,
    /// An answer's number and words.
    Answer(usize),
    /// An answer's bar and count.
    Count(usize),
    /// More answers than fit.
    Cut,
}

/// A piece of text at a cell of the box a question is laid out in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub x: usize,
    pub y: usize,
    pub text: String,
    pub piece: Piece,
}

impl Placed {
    /// The answer it belongs to, if any.
    pub fn answer(&self) -> Option<usize> {
        match self.piece {
            Piece::Answer(i) | Piece::Count(i) => Some(i),
            _ => None,
        }
    }
}

/// The question and its answers laid out in a box `width` x `rows` cells: the question's words
/// (wrapped), then an answer a row with its bar, in columns where there are more answers than
/// rows, else (a row or none left) the answers one after another across the rows (with a
/// shorter bar), `…` where some do not fit.
pub fn place(q: &Question, width: usize, rows: usize) -> Vec<Placed> {
    if width == 0 || rows == 0 {
        return Vec::new();
    }
    let mut lines = wrap(&q.text, width, ("", ""));
    if lines.len() > rows {
        lines.truncate(rows);
        let last = &mut lines[rows - 1];
        *last = format!("{} …", cut(last, width.saturating_sub(2)));
    }
    let at = lines.len();
    let end = lines.last().map_or(0, |l| l.chars().count());
    let mut out: Vec<Placed> = (lines.into_iter().enumerate())
        .map(|(y, text)| Placed {
            x: 0,
            y,
            text,
            piece: Piece::Question,
        })
        .collect();
    if !in_columns(q, width, (at, rows - at), &mut out) {
        one_after_another(q, (width, rows), (end + 2, at.saturating_sub(1)), &mut out);
    }
    out
}

/// The rows a question's words take, `width` wide, broken between words.
pub fn question_rows(q: &Question, width: usize) -> usize {
    wrap(&q.text, width, ("", "")).len()
}

/// `text` in lines of at most `width` columns, broken between words (a word too long for a
/// line broken too), the first line starting with `first`, those after with `rest`.
pub fn wrap(text: &str, width: usize, (first, rest): (&str, &str)) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = first.to_string();
    let mut fresh = true;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let gap = usize::from(!fresh);
            if used + gap + word.len() <= width {
                line.push_str(if fresh { "" } else { " " });
                line.extend(word.iter());
                fresh = false;
                break;
            }
            if fresh {
                // Too long for a line of its own: as much as fits, the rest on the next.
                let room = width.saturating_sub(used).max(1);
                line.extend(word.drain(..room.min(word.len())));
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            fresh = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !fresh {
        lines.push(line);
    }
    lines
}

/// The count a whole bar stands for: the most any answer was given, and at least
/// [`FULL_BAR`] (one hand is not a whole bar).
pub fn most(q: &Question) -> u32 {
    q.counts.iter().copied().max().unwrap_or(0).max(FULL_BAR)
}

/// The answers a row each, in as many columns of `rows` rows as they need (one where they
/// fit), each with its bar and count; false, placing nothing, where the columns are too narrow
/// for the answers' words.
fn in_columns(
    q: &Question,
    width: usize,
    (top, rows): (usize, usize),
    out: &mut Vec<Placed>,
) -> bool {
    let n = q.answers.len();
    if rows == 0 || n == 0 {
        return false;
    }
    let columns = n.div_ceil(rows);
    let col_w = width / columns;
    let words: Vec<String> = (0..n).map(|i| numbered(q, i)).collect();
    let label_w = words.iter().map(|w| w.chars().count()).max().unwrap_or(0) + 2;
    if label_w + 3 > col_w || (columns > 1 && rows < 2) {
        return false;
    }
    let bar_w = col_w.saturating_sub(label_w + 5).min(LONGEST_BAR);
    // Columns as even as they can be.
    let per = n.div_ceil(columns);
    for (i, text) in words.into_iter().enumerate() {
        let (x, y) = ((i / per) * col_w, top + i % per);
        out.push(Placed {
            x,
            y,
            text,
            piece: Piece::Answer(i),
        });
        let count = q.counts.get(i).copied().unwrap_or(0);
        let text = format!("{} {count}", bar(count, most(q), bar_w));
        out.push(Placed {
            x: x + label_w,
            y,
            text: cut(text.trim_start(), col_w - label_w - 1),
            piece: Piece::Count(i),
        });
    }
    true
}

fn one_after_another(
    q: &Question,
    (width, rows): (usize, usize),
    (mut x, mut y): (usize, usize),
    out: &mut Vec<Placed>,
) {
    for i in 0..q.answers.len() {
        let count = q.counts.get(i).copied().unwrap_or(0);
        let words = format!("{}:", numbered(q, i));
        let tally = format!("{} {count}", bar(count, most(q), SHORT_BAR));
        let tally = tally.trim_start().to_string();
        let w = words.chars().count() + 1 + tally.chars().count();
        if x + w > width {
            (x, y) = (2, y + 1);
        }
        if y >= rows || x + w > width {
            return cut_after(out, width);
        }
        out.push(Placed {
            x,
            y,
            text: words.clone(),
            piece: Piece::Answer(i),
        });
        out.push(Placed {
            x: x + words.chars().count() + 1,
            y,
            text: tally,
            piece: Piece::Count(i),
        });
        x += w + 2;
    }
}

/// `…` after the last answer placed, or in its place where there is no room after it.
fn cut_after(out: &mut Vec<Placed>, width: usize) {
    let Some(last) = out.last() else {
        return;
    };
    let (mut x, y) = (last.x + last.text.chars().count() + 1, last.y);
    if x + 1 > width && out.len() >= 3 {
        out.truncate(out.len() - 2);
        x = out.last().map_or(0, |p| p.x + p.text.chars().count() + 1);
    }
    if x < width {
        out.push(Placed {
            x,
            y,
            text: "…".into(),
            piece: Piece::Cut,
        });
    }
}

/// An answer as its key counts it: `3) about 2x`.
pub fn numbered(q: &Question, i: usize) -> String {
    match i < KEYED {
        true => format!("{}) {}", i + 1, q.answers[i].label),
        false => format!("   {}", q.answers[i].label),
    }
}

fn cut(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

/// How a piece of the reveal is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Words around the answers.
    Plain,
    /// The right answer.
    Right,
    /// An answer some gave that was not right.
    Given,
    /// An answer nobody gave.
    Nobody,
}

/// How the answers of a reveal are worded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Words {
    /// `about 2x: 6`.
    Labels,
    /// `3) 6`, by the key that counted them (the right one by its words).
    Keys,
    /// The right one alone, of all: `✓ slower: 1 of 12`.
    OfAll,
}

/// What the class said beside what was measured, in pieces: `measured 0.95x:` then each answer
/// with its count, the right one marked `✓`; before the figure is measured, the answers given.
/// The richest wording that fits `width`: every answer, then only those given, then those by
/// their keys (`3) 6`), then the right one alone of all hands (`✓ slower: 1 of 12`), then that
/// without the figure; empty when nothing fits or nobody answered.
/// `revealed` is the question's measured figure and right answers ([`Question::revealed`], kept
/// by the view: it is not measured again each frame); runs about as fast as one another are
/// each right, and the reveal says so (`about as fast:`).
pub fn reveal(
    q: &Question,
    trace: &Trace,
    revealed: &Revealed,
    width: usize,
) -> Vec<(String, Mark)> {
    let given = q.answered();
    if given == 0 {
        return Vec::new();
    }
    let measured = revealed.value;
    let lead = match measured {
        // As every view words it: places enough to stay in its answer (0.899x, not 0.90x).
        Some(_) if revealed.tie() => format!("{TIE_LEAD}: "),
        Some(v) => format!("measured {}: ", measured_words(trace, q, v)),
        None => "class: ".to_string(),
    };
    let all: Vec<usize> = (0..q.answers.len()).collect();
    let shown: Vec<usize> = (all.iter().copied())
        .filter(|&i| revealed.is_right(i) || q.counts.get(i).is_some_and(|&c| c > 0))
        .collect();
    let right_only: Vec<usize> = revealed.right.clone();
    // Before the figure, only the answers given.
    let first = if measured.is_some() { &all } else { &shown };
    let forms = [
        (lead.as_str(), first, Words::Labels),
        (&lead, &shown, Words::Labels),
        (&lead, &shown, Words::Keys),
        (&lead, &right_only, Words::OfAll),
        ("", &right_only, Words::OfAll),
    ];
    let unheld = measured.is_some() && revealed.right.is_empty();
    for (lead, answers, words) in forms {
        let mut parts = vec![(lead.to_string(), Mark::Plain)];
        for (k, &i) in answers.iter().enumerate() {
            if k > 0 {
                parts.push((" · ".into(), Mark::Plain));
            }
            parts.push(worded(q, (i, revealed, given), words));
        }
        if unheld {
            parts.push((" (no answer holds it)".into(), Mark::Plain));
        }
        let w: usize = parts.iter().map(|(t, _)| t.chars().count()).sum();
        if w <= width && (!answers.is_empty() || unheld) {
            return parts;
        }
    }
    Vec::new()
}

/// Answer `i` of the reveal (right as `revealed` has it, of `given` hands), worded as `words`
/// says.
fn worded(
    q: &Question,
    (i, revealed, given): (usize, &Revealed, u64),
    words: Words,
) -> (String, Mark) {
    let count = q.counts.get(i).copied().unwrap_or(0);
    let label = &q.answers[i].label;
    let mark = match (revealed.is_right(i), count) {
        (true, _) => Mark::Right,
        (false, 0) => Mark::Nobody,
        (false, _) => Mark::Given,
    };
    let text = match (mark, words) {
        (Mark::Right, Words::OfAll) => format!("✓ {label}: {count} of {given}"),
        (Mark::Right, _) => format!("✓ {label}: {count}"),
        (_, Words::Keys) => format!("{}) {count}", i + 1),
        _ => format!("{label}: {count}"),
    };
    (text, mark)
}

/// The live UI's words while the class answers (the UI only lays them out).
pub mod live {
    /// Under the panels, in place of the legend: what happens.
    pub const HINT: &str =
        " Before each run: count the hands for each answer, then space runs the lesson.";
    /// Over a panel that asks nothing: the baseline, or another run.
    pub const BASELINE: &str = "the baseline: the others' speed is measured against it";
    pub const NOTHING_ASKED: &str = "nothing asked of this run";
    /// What a key says it cannot do, while the class answers or after.
    pub const RUN_FIRST: &str = "space runs what is asked about first";
    pub const RUNS_ASKED: &str = "space runs what is asked about";
    pub const ASKS_NOTHING: &str = "this panel asks nothing: Tab to one that does";
    pub const NO_HAND: &str = "no hand to take back";
    pub const ESC_STAYS: &str = "Esc does not quit while the class answers: q quits, space runs";
    pub const ONCE_DONE: &str = "p asks before the next run: once these are done";
    pub const NOT_ASKING: &str = "p asks before the next run; then 1–9 count";

    /// A key past the question's answers.
    pub fn answers_are(n: usize) -> String {
        format!("this question has answers 1 to {n}")
    }

    /// The status line, `width` wide: what the keys do for the focused panel (run `label`,
    /// its question's `answers`, if it asks one), the least needed words left out first where
    /// they do not fit.
    pub fn status(label: &str, answers: Option<usize>, width: usize) -> String {
        let keys = match answers {
            Some(n) if n > 1 => format!("1–{}: a hand up for ▶ {label}", n.min(super::KEYED)),
            Some(_) => format!("1: a hand up for ▶ {label}"),
            None => "nothing asked here".into(),
        };
        let mut parts = vec![
            " PREDICT".to_string(),
            keys,
            "space runs".into(),
            "u undo".into(),
            "Tab panel".into(),
            "? help".into(),
            "q quit".into(),
        ];
        while parts.len() > 3 && parts.join(" · ").chars().count() > width {
            parts.pop();
        }
        parts.join(" · ")
    }

    /// The recording's marker where the class is asked (`asciinema play -m` pauses there), of
    /// the questions asked a panel each: `PREDICT · How fast against sync? (5 runs)`.
    pub fn marker<'a>(questions: impl IntoIterator<Item = &'a str>) -> String {
        let mut asked: Vec<(&str, usize)> = Vec::new();
        for text in questions {
            match asked.iter_mut().find(|(t, _)| *t == text) {
                Some((_, n)) => *n += 1,
                None => asked.push((text, 1)),
            }
        }
        let words: Vec<String> = (asked.iter())
            .map(|(text, n)| match n {
                1 => text.to_string(),
                n => format!("{text} ({n} runs)"),
            })
            .collect();
        format!("PREDICT · {}", words.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Answer, Figure, RunMeta};

    fn question() -> Question {
        let answers = [("slower", 0.0, 0.8), ("about the same", 0.8, 1.5)]
            .into_iter()
            .chain([("about 2x", 1.5, 3.5), ("5x or more", 3.5, f64::INFINITY)])
            .map(|(label, low, high)| Answer {
                label: label.into(),
                low,
                high,
            })
            .collect();
        Question::new(Some(1), "How fast against sync?", Figure::Speedup, answers)
    }

    /// A trace of sync (1 s) and a run of `wall_ms`, both finished.
    fn trace(wall_ms: u64) -> Trace {
        let mut trace = Trace::new("t");
        for (ms, baseline) in [(1000, true), (wall_ms, false)] {
            let run = trace.add_run(RunMeta {
                baseline,
                tasks: 0,
                ..RunMeta::default()
            });
            let r = &mut trace.runs[run as usize];
            r.start_ns = Some(0);
            r.end_ns = Some(ms * 1_000_000);
        }
        trace
    }

    #[test]
    fn a_figure_is_printed_inside_the_answer_it_falls_in() {
        let q = question();
        let words = |v| figure_words(&q, v);
        assert_eq!(words(2.0), "2.00x");
        assert_eq!(words(0.799), "0.799x", "0.80x would read as about the same");
        assert_eq!(words(1.4996), "1.4996x");
        let ms = |edges: &[(f64, f64)], v| {
            let answers = (edges.iter())
                .map(|&(low, high)| Answer::new(&format!("{low}"), low, high))
                .collect();
            figure_words(&Question::new(Some(0), "?", Figure::TickLateMs, answers), v)
        };
        let at_1s = [(0.0, 1000.0), (1000.0, f64::INFINITY)];
        assert_eq!(ms(&at_1s, 999.96), "999.96 ms");
        assert_eq!(ms(&at_1s, 7.0), "7.0 ms");
        let at_1500 = [(0.0, 1500.0), (1500.0, f64::INFINITY)];
        assert_eq!(ms(&at_1500, 1499.0), "1499 ms", "not 1.50 s");
        assert_eq!(ms(&at_1500, 2500.0), "2.50 s");
    }

    #[test]
    fn bars_grow_in_eighths_and_any_count_shows() {
        assert_eq!(bar(0, 5, 8), "");
        assert_eq!(bar(5, 5, 4), "████");
        assert_eq!(bar(1, 16, 4), "▎");
        assert_eq!(bar(1, 1000, 4), "▏", "one hand still shows");
    }

    #[test]
    fn answers_take_a_row_each_where_they_fit_else_follow_one_another() {
        let mut q = question();
        q.counts = vec![0, 4, 2, 0];
        let tall = place(&q, 60, 6);
        let rows: Vec<(usize, String)> = tall.iter().map(|p| (p.y, p.text.clone())).collect();
        assert_eq!(rows[0], (0, "How fast against sync?".into()));
        assert!(rows.contains(&(2, "2) about the same".into())), "{rows:?}");
        // A whole bar is 10 hands at least.
        assert!(rows.contains(&(2, "█████████▌ 4".into())), "{rows:?}");
        let mut many = q.clone();
        many.counts = vec![0, 20, 10, 0];
        let rows: Vec<String> = place(&many, 60, 6).into_iter().map(|p| p.text).collect();
        assert!(
            rows.contains(&"████████████████████████ 20".into()),
            "{rows:?}"
        );
        assert!(rows.contains(&"████████████ 10".into()), "{rows:?}");
        let flat = place(&q, 64, 2);
        assert!(flat
            .iter()
            .all(|p| p.y < 2 && p.x + p.text.chars().count() <= 64));
        let answers: Vec<usize> = flat.iter().filter_map(Placed::answer).collect();
        assert_eq!(answers, [0, 0, 1, 1, 2, 2, 3, 3], "every answer: {flat:?}");
        let mut long = q.clone();
        long.text = "With time.sleep(0) between the read and the write, how many are lost?".into();
        let wrapped = place(&long, 30, 6);
        let words: Vec<&Placed> = wrapped
            .iter()
            .filter(|p| p.piece == Piece::Question)
            .collect();
        assert_eq!(
            words.len(),
            3,
            "the question broken between words: {words:?}"
        );
        assert!(wrapped.iter().all(|p| p.x + p.text.chars().count() <= 30));
        let answers: Vec<usize> = wrapped.iter().filter_map(Placed::answer).collect();
        assert_eq!(answers, [0, 0, 1, 1, 2, 2, 3, 3], "{wrapped:?}");
        // More answers than rows: in columns, a row each still.
        let columns = place(&q, 80, 3);
        let at: Vec<(usize, usize, usize)> = (columns.iter())
            .filter_map(|p| match p.piece {
                Piece::Answer(i) => Some((i, p.x, p.y)),
                _ => None,
            })
            .collect();
        assert_eq!(
            at,
            [(0, 0, 1), (1, 0, 2), (2, 40, 1), (3, 40, 2)],
            "{columns:?}"
        );
        let cramped = place(&q, 36, 1);
        assert_eq!(
            cramped.last().map(|p| p.piece),
            Some(Piece::Cut),
            "{cramped:?}"
        );
        let ends = cramped.iter().map(|p| p.x + p.text.chars().count());
        assert!(ends.max() <= Some(36), "{cramped:?}");
    }

    #[test]
    fn the_reveal_marks_the_right_answer_beside_the_measured_figure() {
        let mut q = question();
        q.counts = vec![1, 0, 5, 2];
        // 1000 ms against 500 ms: 2x.
        let words = |w| -> String {
            let t = trace(500);
            let parts = reveal(&q, &t, &q.revealed(&t), w);
            parts.into_iter().map(|(t, _)| t).collect()
        };
        assert_eq!(
            words(120),
            "measured 2.00x: slower: 1 · about the same: 0 · ✓ about 2x: 5 · 5x or more: 2"
        );
        assert_eq!(
            words(60),
            "measured 2.00x: slower: 1 · ✓ about 2x: 5 · 5x or more: 2"
        );
        assert_eq!(words(45), "measured 2.00x: 1) 1 · ✓ about 2x: 5 · 4) 2");
        assert_eq!(words(40), "measured 2.00x: ✓ about 2x: 5 of 8");
        assert_eq!(words(20), "✓ about 2x: 5 of 8");
        assert_eq!(words(5), "");
        let t = trace(500);
        let parts = reveal(&q, &t, &q.revealed(&t), 120);
        let right: Vec<&str> = (parts.iter())
            .filter(|(_, m)| *m == Mark::Right)
            .map(|(t, _)| t.as_str())
            .collect();
        assert_eq!(right, ["✓ about 2x: 5"]);
        // Not measured yet: only what was said.
        let mut running = trace(500);
        running.runs[1].end_ns = None;
        let not_yet = q.revealed(&running);
        let said: String = (reveal(&q, &running, &not_yet, 120).into_iter())
            .map(|p| p.0)
            .collect();
        assert_eq!(said, "class: slower: 1 · about 2x: 5 · 5x or more: 2");
        q.counts = vec![0; 4];
        assert!(
            reveal(&q, &running, &not_yet, 120).is_empty(),
            "nothing said"
        );
    }
}
