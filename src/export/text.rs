//! Headless text: a summary row per run, then each run's timing diagram, every run on one time
//! scale, in glyphs that carry the state without colour (`█` run, `░` wait, `▒` ready).

use super::{ms, speedup};
use crate::trace::{Cell, Run, State, Trace};
use std::fmt::Write;

#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Columns for a whole diagram line, lane names included.
    pub width: usize,
    pub color: bool,
}

pub fn glyph(state: Option<State>) -> char {
    match state {
        Some(State::Run) => '█',
        Some(State::Wait) => '░',
        Some(State::Ready) => '▒',
        None => ' ',
    }
}

/// A cell where the lane ran only briefly: blue, on the colour of what it did the rest of the
/// cell.
pub const BRIEF_RUN: char = '▌';

/// The character a cell shows.
pub fn cell_glyph(cell: Cell) -> char {
    if cell.ran_briefly() {
        BRIEF_RUN
    } else {
        glyph(cell.main)
    }
}

fn ansi_fg(state: Option<State>) -> Option<u8> {
    match state {
        Some(State::Run) => Some(34),
        Some(State::Wait) => Some(31),
        Some(State::Ready) => Some(33),
        None => None,
    }
}

fn paint(text: &str, cell: Cell, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = if cell.ran_briefly() {
        match ansi_fg(cell.main) {
            Some(fg) => format!("34;{}", fg + 10),
            None => "34".to_string(),
        }
    } else {
        match ansi_fg(cell.main) {
            Some(fg) => fg.to_string(),
            None => return text.to_string(),
        }
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// A duration for people: `812.4 ms`, `4.12 s`.
pub fn human_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 1.0 || ms == 0.0 {
        format!("{ms:.1} ms")
    } else if ms >= 0.001 {
        format!("{:.1} µs", ms * 1000.0)
    } else {
        format!("{:.0} ns", ms * 1e6)
    }
}

pub fn render(trace: &Trace, style: Style) -> String {
    let mut out = summary_table(trace);
    out.push('\n');
    out.push_str(&diagrams(trace, style));
    if trace.dropped > 0 {
        let _ = writeln!(
            out,
            "dropped records: {} (the trace is incomplete)",
            trace.dropped
        );
    }
    out
}

pub fn summary_table(trace: &Trace) -> String {
    let lw = trace
        .runs
        .iter()
        .map(|r| r.meta.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(15);
    let mut out = format!(
        "{:<lw$} {:>7} {:>4} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8} {:>9}\n",
        "executor", "workers", "GIL", "wall", "run", "wait", "ready", "max run", "speedup", "done"
    );
    for run in &trace.runs {
        let s = run.stats();
        let speed = speedup(trace, run).map_or("-".to_string(), |x| format!("{x:.2}x"));
        let mut done = format!("{}/{}", s.done, run.meta.tasks);
        if s.failed > 0 {
            let _ = write!(done, " ({} failed)", s.failed);
        }
        if s.lost > 0 {
            let _ = write!(done, " ({} lost)", s.lost);
        }
        if s.timeouts > 0 {
            let _ = write!(done, " ({} timed out)", s.timeouts);
        }
        let _ = writeln!(
            out,
            "{:<lw$} {:>7} {:>4} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8} {:>9}",
            run.meta.label,
            run.worker_count(),
            if run.meta.gil { "yes" } else { "no" },
            human_ms(ms(s.wall_ns)),
            human_ms(ms(s.run_ns)),
            human_ms(ms(s.wait_ns)),
            human_ms(ms(s.ready_ns)),
            s.max_running,
            speed,
            done
        );
    }
    out
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
            let lanes = r.lanes.iter().map(|l| l.name.chars().count());
            lanes.chain(r.meta.queues.iter().map(|q| q.name.chars().count() + 6))
        })
        .max()
        .unwrap_or(6)
        .clamp(6, 24)
        .min(style.width / 3);
    let cols = style.width.saturating_sub(name_w + 2).max(1);
    let ns_per_col = longest.div_ceil(cols as u64).max(1);
    let mut out = legend(style.width, style.color);
    let _ = writeln!(out, "one column = {}", human_ms(ms(ns_per_col)));
    for run in &trace.runs {
        out.push('\n');
        out.push_str(&title(trace, run));
        out.push('\n');
        let t0 = run.start_ns.unwrap_or(0);
        for lane in &run.lanes {
            let name: String = lane.name.chars().take(name_w).collect();
            let _ = write!(out, "{name:>name_w$} │");
            let cells = lane.cells(t0, ns_per_col, cols, run.end_ns.unwrap_or(t0));
            out.push_str(&paint_cells(&cells, style.color));
            out.push('\n');
        }
        for (q, meta) in run.meta.queues.iter().enumerate() {
            let cells: String = run
                .queue_cells(q, t0, ns_per_col, cols, run.end_ns.unwrap_or(t0))
                .into_iter()
                .map(crate::trace::queue_glyph)
                .collect();
            let name: String = format!("{} queue", meta.name)
                .chars()
                .take(name_w)
                .collect();
            let _ = writeln!(out, "{name:>name_w$} │{}", cells.trim_end());
        }
        out.push_str(&axis(name_w, cols, ns_per_col));
    }
    out
}

fn paint_cells(cells: &[Cell], color: bool) -> String {
    let mut out = String::new();
    for group in cells.chunk_by(|a, b| a == b) {
        let text: String = std::iter::repeat_n(cell_glyph(group[0]), group.len()).collect();
        out.push_str(&paint(&text, group[0], color));
    }
    out.trim_end().to_string()
}

/// The legend, one item a line when the three don't fit in `width`.
fn legend(width: usize, color: bool) -> String {
    let cell = |main: State, ran: bool| Cell {
        main: Some(main),
        ran,
    };
    let items = [
        (cell(State::Run, true), "run (on a CPU)"),
        (cell(State::Wait, true), "ran briefly, else waited"),
        (cell(State::Wait, false), "wait (blocked on I/O)"),
        (
            cell(State::Ready, false),
            "ready (could run: waiting for the GIL, the loop or a worker)",
        ),
    ];
    let plain: Vec<String> = items.iter().map(|(_, what)| format!("█ {what}")).collect();
    let one_line = plain.iter().map(|p| p.chars().count()).sum::<usize>() + 9 <= width;
    let painted: Vec<String> = items
        .iter()
        .map(|&(c, what)| format!("{} {what}", paint(&cell_glyph(c).to_string(), c, color)))
        .collect();
    painted.join(if one_line { "   " } else { "\n" }) + "\n"
}

/// A run's title: what ran, on how many workers, its wall time, tasks done and lesson figures.
pub fn title(trace: &Trace, run: &Run) -> String {
    let s = run.stats();
    let mut t = format!("{} · {}", run.meta.label, run.workers_words());
    if run.meta.gil {
        t.push_str(" · emulated CPython GIL");
    }
    if let Some(model) = &run.meta.model {
        let _ = write!(t, " · {model}");
    }
    let _ = write!(
        t,
        " · wall {} · {}/{} done",
        human_ms(ms(s.wall_ns)),
        s.done,
        run.meta.tasks
    );
    if let Some(words) = run.lesson_words() {
        let _ = write!(t, " · {words}");
    }
    if let Some(x) = speedup(trace, run) {
        let _ = write!(t, " · speedup {x:.2}x");
    }
    t
}

/// A time step of 1, 2 or 5 times a power of ten, at least `min` long.
pub fn nice_step(min: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for k in [1, 2, 5] {
            if step * k >= min {
                return step * k;
            }
        }
        step *= 10;
    }
}

/// A tick label: `0`, `250ms`, `1.5s`.
/// A tick label precise enough to tell ticks `step` apart: `1.5s`, `3.8825s`, `250ms`.
pub fn tick_label_at(ns: u64, step: u64) -> String {
    let (unit, name) = if ns >= 1_000_000_000 {
        (1e9, "s")
    } else if ns >= 1_000_000 {
        (1e6, "ms")
    } else if ns >= 1_000 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    if ns == 0 {
        return "0".into();
    }
    let decimals = (unit / step as f64).log10().ceil().clamp(0.0, 9.0) as usize;
    let text = format!("{:.decimals$}", ns as f64 / unit);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{name}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_and_labels() {
        assert_eq!(nice_step(7), 10);
        assert_eq!(nice_step(1_500_000), 2_000_000);
        assert_eq!(nice_step(300_000_000), 500_000_000);
        assert_eq!(tick_label_at(250_000_000, 50_000_000), "250ms");
        assert_eq!(tick_label_at(1_500_000_000, 500_000_000), "1.5s");
        assert_eq!(tick_label_at(3_882_010_000, 10_000), "3.88201s");
        assert_eq!(tick_label_at(3_882_020_000, 10_000), "3.88202s");
        assert_eq!(tick_label_at(2_000_000, 1_000_000), "2ms");
        assert_eq!(human_ms(0.0123), "12.3 µs");
    }
}
