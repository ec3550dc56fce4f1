//! Headless text: a summary row per run and the verdict, then each run's timing diagram, every
//! run on one time scale, in glyphs that carry the state without colour (`█` run, `░` wait,
//! `▒` ready).

use crate::present::glyph::{event_glyph, paint};
use crate::present::legend;
use crate::present::words::{
    fit_labels, human_ms, lane_name, lane_order, ms, nice_step, tick_label_at, Label,
};
use crate::present::{cell_glyph, queue_glyph, title, verdict, wake};
use crate::trace::{handoff, speedup, Cell, EventKind, Handoffs, LaneKind, Reason, Run, Trace};
use std::fmt::Write;

#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Columns for a whole diagram line, lane names included.
    pub width: usize,
    pub color: bool,
}

/// The text of `trace`; its names (from files, lessons, programs) shown without control
/// characters, so data never writes to the terminal.
pub fn render(trace: &Trace, style: Style) -> String {
    let trace = &*super::printable::trace(trace);
    // Said before the figures, which count only what was recorded.
    let mut out = match trace.dropped {
        0 => String::new(),
        n => format!("{}\n\n", dropped_words(n)),
    };
    out.push_str(&summary_table(trace));
    let verdict = verdict::verdict(trace, |i| trace.runs.get(i).map(Run::stats));
    if !verdict.line.is_empty() {
        let _ = write!(out, "\n{}\n", verdict.line);
        for row in &verdict.rows {
            let _ = writeln!(out, "{row}");
        }
    }
    // Real programs beside the runs (`--cpython`): their speedups beside runwait's.
    let real = crate::present::cpython::table(trace);
    if !real.is_empty() {
        let _ = write!(out, "\n{}\n", real.join("\n"));
    }
    out.push_str(&handoffs_table(trace));
    // Predict, then run: the questions asked before the runs, the answers and the figures.
    if !trace.questions.is_empty() {
        let lines = crate::present::prediction::lines(trace, style.width);
        let _ = write!(out, "\nPredict, then run:\n{}\n", lines.join("\n"));
    }
    out.push('\n');
    out.push_str(&diagrams(trace, style));
    out
}

/// A run with more rows of hand-offs than this shows them per cause over all its lanes.
const HANDOFF_ROWS: usize = 8;

/// The hand-off latency of every run with wakes: per lane woken and cause (for a run of many
/// lanes, per cause), how many times and how long from being made runnable to running (mean,
/// longest); nothing for runs without wakes (files from before they were recorded).
pub fn handoffs_table(trace: &Trace) -> String {
    let rows: Vec<[String; 6]> = trace.runs.iter().flat_map(handoff_rows).collect();
    if rows.is_empty() {
        return String::new();
    }
    let head = ["run", "woken", "by", "times", "mean", "longest"].map(String::from);
    let mut out = "\nHand-offs (who woke whom): from being made runnable to running\n".to_string();
    let w = |c: usize| {
        std::iter::once(&head)
            .chain(&rows)
            .map(|r| r[c].chars().count())
            .max()
    };
    let w: Vec<usize> = (0..6).map(|c| w(c).unwrap_or(0)).collect();
    for r in std::iter::once(&head).chain(&rows) {
        let line = format!(
            "{:<a$}  {:<b$}  {:<c$}  {:>d$}  {:>e$}  {:>f$}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3],
            e = w[4],
            f = w[5]
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// A run's rows of the hand-offs table, its label on the first.
fn handoff_rows(run: &Run) -> Vec<[String; 6]> {
    let per_lane = handoff::summary(run);
    let rows: Vec<(String, Handoffs)> = match per_lane.len() > HANDOFF_ROWS {
        false => (per_lane.into_iter())
            .map(|h| (lane_name(run, &run.lanes[h.lane as usize]), h))
            .collect(),
        true => (handoff::by_cause(run).into_iter())
            .map(|(h, lanes)| (lanes_words(run, lanes), h))
            .collect(),
    };
    (rows.into_iter().enumerate())
        .map(|(i, (woken, h))| {
            let label = if i == 0 {
                run.meta.label.clone()
            } else {
                String::new()
            };
            let (mean, longest) = (human_ms(ms(h.mean_ns())), human_ms(ms(h.max_ns)));
            [
                label,
                woken,
                wake::short(h.cause).into(),
                h.count.to_string(),
                mean,
                longest,
            ]
        })
        .collect()
}

/// `n` of a run's lanes, in words: `160 threads`, `3 tasks`.
fn lanes_words(run: &Run, n: u32) -> String {
    let kind = match run.meta.lane_kind {
        LaneKind::Thread => "thread",
        LaneKind::Process => "process",
        LaneKind::Task => "task",
        LaneKind::Instance => "instance",
    };
    match (n, kind) {
        (1, _) => format!("1 {kind}"),
        (_, "process") => format!("{n} processes"),
        _ => format!("{n} {kind}s"),
    }
}

/// What `n` dropped records mean, for the text and stderr.
pub fn dropped_words(n: u64) -> String {
    format!("dropped records: {n} (the recorder fell behind): the trace is incomplete, and its figures count only what was recorded")
}

pub fn summary_table(trace: &Trace) -> String {
    let lw = trace
        .runs
        .iter()
        .map(|r| r.meta.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(15);
    let repeated = trace.runs.iter().any(|r| r.meta.repeats.is_some());
    let mut out = repeats_words(trace).unwrap_or_default();
    let _ = writeln!(
        out,
        "{:<lw$} {:>7} {:>4} {:>10}{} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8} {:>9}",
        "executor",
        "workers",
        "GIL",
        "wall",
        spread_column(repeated, "spread"),
        "run",
        "wait",
        "ready",
        "of it CPU",
        "max run",
        "speedup",
        "done"
    );
    for run in &trace.runs {
        let s = run.stats();
        let speed = speedup(trace, run).map_or("-".to_string(), |x| format!("{x:.2}x"));
        let (done, of) = run.done_of(s.done);
        // A program sampled by itself has threads, not tasks: nothing to count done.
        let mut done = match run.sampled_program() {
            true => "-".to_string(),
            false => format!("{done}/{of}"),
        };
        if s.failed > 0 {
            let _ = write!(done, " ({} failed)", s.failed);
        }
        if s.lost > 0 {
            let _ = write!(done, " ({} lost)", s.lost);
        }
        if s.timeouts > 0 {
            let _ = write!(done, " ({} timed out)", s.timeouts);
        }
        if let Some(halt) = &run.halted {
            let _ = write!(done, " ({} not run: {})", run.not_run(), halt.word());
        }
        // Waits for a CPU are measured where the OS accounts them: else "-".
        let cpu = match run.meta.cpu_waits_hz {
            Some(_) => human_ms(ms(s.for_reason(Reason::Cpu))),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<lw$} {:>7} {:>4} {:>10}{} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8} {:>9}",
            run.meta.label,
            run.worker_count(),
            if run.meta.gil { "yes" } else { "no" },
            human_ms(ms(s.wall_ns)),
            spread_column(repeated, &spread(run)),
            human_ms(ms(s.run_ns)),
            human_ms(ms(s.wait_ns)),
            human_ms(ms(s.ready_ns)),
            cpu,
            s.max_running,
            speed,
            done
        );
    }
    out
}

/// What the table's runs are when the lesson was run over: `each run: the median of 3 repeats
/// (spread: the fastest and slowest)`.
fn repeats_words(trace: &Trace) -> Option<String> {
    let n = (trace.runs.iter())
        .filter_map(|r| r.meta.repeats.as_ref().map(|r| r.n))
        .max()?;
    Some(format!(
        "Each run: its median of {n} repeats (spread: its fastest and slowest; wall, or a real program's own timing)\n"
    ))
}

/// The spread column, when the runs were repeated: ` ` and `text`, else nothing.
fn spread_column(repeated: bool, text: &str) -> String {
    match repeated {
        true => format!(" {text:>17}"),
        false => String::new(),
    }
}

/// A repeated run's fastest and slowest repeat: `3.10 s–3.52 s` (`-` if none did every task).
fn spread(run: &Run) -> String {
    match run.meta.repeats.as_ref().and_then(|r| r.spread()) {
        Some((low, high)) => format!("{}–{}", human_ms(ms(low)), human_ms(ms(high))),
        None => "-".into(),
    }
}

pub fn diagrams(trace: &Trace, style: Style) -> String {
    let longest = trace
        .runs
        .iter()
        .filter_map(Run::wall_ns)
        .max()
        .unwrap_or(0);
    let name_w = trace
        .runs
        .iter()
        .flat_map(|r| {
            let lanes = r.lanes.iter().map(|l| lane_name(r, l).chars().count());
            lanes.chain(r.meta.queues.iter().map(|q| q.name.chars().count() + 6))
        })
        .max()
        .unwrap_or(6)
        .clamp(6, 24)
        .min(style.width / 3);
    let cols = style.width.saturating_sub(name_w + 2).max(1);
    let ns_per_col = longest.div_ceil(cols as u64).max(1);
    let mut out = legend(trace, style.width, style.color);
    let _ = writeln!(out, "one column = {}", human_ms(ms(ns_per_col)));
    for run in &trace.runs {
        out.push('\n');
        out.push_str(&title::run(trace, run, true));
        out.push('\n');
        let t0 = run.start_ns.unwrap_or(0);
        let order = lane_order(run, &run.lanes);
        let labels: Vec<Label> = order
            .iter()
            .map(|&l| Label::of(run, &run.lanes[l]))
            .collect();
        for (&l, name) in order.iter().zip(fit_labels(&labels, name_w)) {
            let _ = write!(out, "{name:>name_w$} │");
            let cells = run.lanes[l].cells(t0, ns_per_col, cols, run.end_ns.unwrap_or(t0));
            let events = run.event_cells(&[l], t0, ns_per_col, cols);
            out.push_str(&paint_cells(&cells, &events, style.color));
            out.push('\n');
        }
        for (q, meta) in run.meta.queues.iter().enumerate() {
            let cells: String = run
                .queue_cells(q, t0, ns_per_col, cols, run.end_ns.unwrap_or(t0))
                .into_iter()
                .map(queue_glyph)
                .collect();
            let name = Label::plain(&format!("{} queue", meta.name)).fit(name_w, false);
            let _ = writeln!(out, "{name:>name_w$} │{}", cells.trim_end());
        }
        out.push_str(&axis(name_w, cols, ns_per_col));
    }
    out
}

/// A row's cells as text, with the lesson's events (`(cell, what)`) marked over them.
fn paint_cells(cells: &[Cell], events: &[(usize, EventKind)], color: bool) -> String {
    let glyphs: Vec<(char, Cell)> = cells
        .iter()
        .enumerate()
        .map(|(i, &c)| match events.iter().find(|e| e.0 == i) {
            Some(&(_, kind)) => (event_glyph(kind), c),
            None => (cell_glyph(c, color), c),
        })
        .collect();
    let mut out = String::new();
    for group in glyphs.chunk_by(|a, b| a == b) {
        let text: String = group.iter().map(|g| g.0).collect();
        out.push_str(&paint(&text, group[0].1, color));
    }
    out.trim_end().to_string()
}

/// The legend, one item a line when they don't all fit in `width`.
fn legend(trace: &Trace, width: usize, color: bool) -> String {
    let items = legend::items(trace.runs.iter(), color);
    let plain: Vec<String> = items.iter().map(|i| format!("█ {}", i.long)).collect();
    let one_line = plain.iter().map(|p| p.chars().count() + 3).sum::<usize>() <= width;
    let painted: Vec<String> = items
        .iter()
        .map(|i| {
            let glyph = i.event.map_or(cell_glyph(i.cell, color), event_glyph);
            format!("{} {}", paint(&glyph.to_string(), i.cell, color), i.long)
        })
        .collect();
    painted.join(if one_line { "   " } else { "\n" }) + "\n"
}

fn axis(name_w: usize, cols: usize, ns_per_col: u64) -> String {
    let step = nice_step(ns_per_col * 12);
    let mut line: Vec<char> = vec!['─'; cols];
    let mut labels: Vec<char> = vec![' '; cols + 12];
    let mut free_from = 0;
    let mut t = 0;
    while ((t / ns_per_col) as usize) < cols {
        let c = (t / ns_per_col) as usize;
        line[c] = '┬';
        let label = tick_label_at(t, step);
        // A label that would run past the diagram's width is left out.
        if c >= free_from && c + label.chars().count() <= cols {
            for (i, ch) in label.chars().enumerate() {
                labels[c + i] = ch;
            }
            free_from = c + label.chars().count() + 1;
        }
        t += step;
    }
    let line: String = line.into_iter().collect();
    let labels: String = labels.into_iter().collect();
    format!(
        "{:>name_w$} └{line}\n{:>name_w$}  {}\n",
        "",
        "time",
        labels.trim_end()
    )
}
