//! One run's panel: a title, its timing diagram (a row per lane) and a caption for the instant
//! at the playhead.

use super::super::app::App;
use super::super::playhead::{Motion, Window};
use super::{cell_style, label_width, playhead_style};
use crate::export::speedup;
use crate::export::text::human_ms;
use crate::trace::{queue_glyph, Cell, Lane, State};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::Frame;

pub fn render(frame: &mut Frame, area: Rect, app: &App, run: usize) {
    if area.height < 3 {
        return;
    }
    let buf = frame.buffer_mut();
    let r = &app.trace().runs[run];
    let focused = run == app.focus && app.trace().runs.len() > 1;
    let title_style = if focused {
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    } else {
        Style::default().add_modifier(Modifier::BOLD)
    };
    let mark = if focused { "▶ " } else { "  " };
    buf.set_stringn(
        area.x,
        area.y,
        format!("{mark}{}", title(app, run)),
        area.width as usize,
        title_style,
    );
    // Queue rows (the restaurants) come after the lanes and keep their place.
    let queues = r
        .meta
        .queues
        .len()
        .min((area.height as usize).saturating_sub(3));
    let rows = (area.height - 2) as usize - queues;
    let lanes = app.lanes(run);
    let (label_w, x0) = (
        label_width(area.width) as usize,
        area.x + label_width(area.width) + 1,
    );
    let cols = (area.right() - x0) as usize;
    let window = app.window();
    let start = r.start_ns.unwrap_or(0);
    let playhead_col = window.col(app.playhead.t_ns, cols);
    let groups = rows_of(
        lanes.len(),
        rows,
        app.compact,
        app.scroll.get(run).copied().unwrap_or(0),
    );
    for (i, group) in groups.iter().enumerate() {
        let y = area.y + 1 + i as u16;
        let name = group_name(&lanes[group.clone()]);
        buf.set_stringn(area.x, y, fit(&name, label_w), label_w, Style::default());
        buf.set_string(area.x + label_w as u16, y, "│", Style::default());
        if r.start_ns.is_none() {
            continue;
        }
        let mut cells = vec![Cell::IDLE; cols];
        for lane in &lanes[group.clone()] {
            let lane_cells =
                lane.cells(start + window.from_ns, window.ns_per_col, cols, app.now_ns);
            merge(&mut cells, &lane_cells);
        }
        draw_cells(
            buf,
            x0,
            y,
            &cells,
            playhead_col,
            dim_after(app, &window, cols),
            app.color,
        );
    }
    for (q, meta) in r.meta.queues.iter().take(queues).enumerate() {
        let y = area.y + 1 + rows as u16 + q as u16;
        let name = format!("{} queue", meta.name);
        buf.set_stringn(area.x, y, fit(&name, label_w), label_w, Style::default());
        buf.set_string(area.x + label_w as u16, y, "│", Style::default());
        let cells = r.queue_cells(
            q,
            start + window.from_ns,
            window.ns_per_col,
            cols,
            app.now_ns,
        );
        for (c, len) in cells.into_iter().enumerate() {
            let mut style = Style::default().add_modifier(Modifier::BOLD);
            if Some(c) == playhead_col {
                style = playhead_style(style);
            }
            buf.set_string(x0 + c as u16, y, queue_glyph(len).to_string(), style);
        }
    }
    let caption_y = area.bottom() - 1;
    let caption = caption(
        app,
        run,
        lanes,
        groups.len() < lanes.len() && !grouped(&groups),
    );
    buf.set_stringn(
        area.x,
        caption_y,
        format!("  {caption}"),
        area.width as usize,
        Style::default().add_modifier(Modifier::DIM),
    );
}

/// The title: while running, what runs and how far it got; once finished, the summary.
fn title(app: &App, run: usize) -> String {
    let r = &app.trace().runs[run];
    let m = &r.meta;
    let workers = r.workers_words();
    let gil = match (m.gil, &m.model) {
        (true, _) => " · emulated GIL",
        (false, Some(_)) => " · modelled platform",
        (false, None) => "",
    };
    let done = r.count(crate::trace::Outcome::Done);
    match (r.start_ns, app.run_stats(run)) {
        (None, _) => format!("{} · {workers}{gil} · waiting to start", m.label),
        (Some(_), None) => format!(
            "{} · {workers}{gil} · {} · {done}/{} done",
            m.label,
            human_ms(app.elapsed(r) as f64 / 1e6),
            m.tasks
        ),
        (Some(_), Some(s)) => {
            let x = speedup(app.trace(), r).map_or(String::new(), |x| format!(" · {x:.2}x"));
            let mut t = format!(
                "{}{x} · wall {} · {workers}{gil} · {done}/{} done · run {} · wait {} · ready {}",
                m.label,
                human_ms(s.wall_ns as f64 / 1e6),
                m.tasks,
                human_ms(s.run_ns as f64 / 1e6),
                human_ms(s.wait_ns as f64 / 1e6),
                human_ms(s.ready_ns as f64 / 1e6),
            );
            if s.lost > 0 {
                t.push_str(&format!(" · {} lost", s.lost));
            }
            if let Some(words) = r.lesson_words() {
                t = format!(
                    "{} · {words} · {}",
                    m.label,
                    &t[m.label.len()..].trim_start_matches(" · ")
                );
            }
            t
        }
    }
}

/// Which lanes each row shows: one lane a row (from `scroll`) when they fit or nearly fit, or,
/// in compact mode, groups of lanes when there are many more lanes than rows.
pub fn rows_of(
    lanes: usize,
    rows: usize,
    compact: bool,
    scroll: usize,
) -> Vec<std::ops::Range<usize>> {
    if rows == 0 || lanes == 0 {
        return Vec::new();
    }
    if lanes <= rows {
        return (0..lanes).map(|i| i..i + 1).collect();
    }
    if compact && lanes > 2 * rows {
        return (0..rows)
            .map(|i| i * lanes / rows..(i + 1) * lanes / rows)
            .collect();
    }
    let first = scroll.min(lanes - rows);
    (first..first + rows).map(|i| i..i + 1).collect()
}

fn grouped(groups: &[std::ops::Range<usize>]) -> bool {
    groups.iter().any(|g| g.len() > 1)
}

/// "thread 3", or for a group "task 0–24".
fn group_name(lanes: &[Lane]) -> String {
    match lanes {
        [] => String::new(),
        [one] => one.name.clone(),
        [first, .., last] => {
            let tail = last.name.rsplit(' ').next().unwrap_or("");
            format!("{}–{tail}", first.name)
        }
    }
}

/// A lane name right-aligned in `width`: without its parenthesis ("process 1 (pid 42)") if
/// that makes it fit, else cut with an ellipsis.
fn fit(name: &str, width: usize) -> String {
    let short = name.split(" (").next().unwrap_or(name);
    let name = if name.chars().count() > width {
        short
    } else {
        name
    };
    if name.chars().count() <= width {
        format!("{name:>width$}")
    } else {
        let cut: String = name.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// A group of lanes in one row: see [`Cell::merge`].
fn merge(into: &mut [Cell], cells: &[Cell]) {
    for (a, &b) in into.iter_mut().zip(cells) {
        *a = a.merge(b);
    }
}

/// Paused or stepping, what lies after the playhead is dimmed: the instant shown is the
/// playhead, the rest is already recorded but not yet "reached".
fn dim_after(app: &App, window: &Window, cols: usize) -> usize {
    if app.playhead.motion == Motion::Follow {
        return cols;
    }
    let t = app.playhead.t_ns;
    if t < window.from_ns {
        0
    } else {
        window.col(t, cols).map_or(cols, |c| c + 1)
    }
}

fn draw_cells(
    buf: &mut Buffer,
    x0: u16,
    y: u16,
    cells: &[Cell],
    playhead: Option<usize>,
    dim_from: usize,
    color: bool,
) {
    for (i, &cell) in cells.iter().enumerate() {
        let (glyph, mut style) = cell_style(cell, color);
        if Some(i) == playhead {
            style = playhead_style(style);
        } else if i >= dim_from {
            style = style.add_modifier(Modifier::DIM);
        }
        if let Some(cell) = buf.cell_mut((x0 + i as u16, y)) {
            cell.set_char(glyph).set_style(style);
        }
    }
}

/// Under the panel: the event stepped to, in words, or the lanes' states at the playhead.
fn caption(app: &App, run: usize, lanes: &[Lane], scrolled: bool) -> String {
    if let Some(note) = app.note.as_ref().filter(|n| n.run == run) {
        return note.text.clone();
    }
    let r = &app.trace().runs[run];
    let Some(start) = r.start_ns else {
        return String::new();
    };
    let at = start + app.playhead.t_ns;
    let mut counts = [0usize; 3];
    for lane in lanes {
        if let Some(span) = lane.span_at(at, app.now_ns) {
            counts[match span.state {
                State::Run => 0,
                State::Wait => 1,
                State::Ready => 2,
            }] += 1;
        }
    }
    let done = r
        .ends
        .iter()
        .filter(|e| e.at_ns <= at && e.outcome == crate::trace::Outcome::Done)
        .count();
    let mut text = format!(
        "at {}: {} run · {} wait · {} ready · {done} done",
        human_ms(app.playhead.t_ns as f64 / 1e6),
        counts[0],
        counts[1],
        counts[2]
    );
    if scrolled {
        let first = app.scroll.get(run).copied().unwrap_or(0);
        text.push_str(&format!(
            " · lanes from {} of {} (j/k)",
            first + 1,
            lanes.len()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_scroll_or_group() {
        assert_eq!(rows_of(3, 5, true, 0), vec![0..1, 1..2, 2..3]);
        assert_eq!(
            rows_of(6, 4, true, 1),
            vec![1..2, 2..3, 3..4, 4..5],
            "few more: scroll"
        );
        assert_eq!(
            rows_of(6, 4, true, 9),
            vec![2..3, 3..4, 4..5, 5..6],
            "scroll stops at the end"
        );
        let groups = rows_of(1000, 10, true, 0);
        assert_eq!(groups.len(), 10);
        assert_eq!(groups[0], 0..100);
        assert_eq!(groups[9], 900..1000);
        assert_eq!(rows_of(20, 8, true, 0).len(), 8, "every row used");
        assert_eq!(
            rows_of(20, 8, true, 0)
                .iter()
                .map(|g| g.len())
                .sum::<usize>(),
            20
        );
        assert_eq!(rows_of(1000, 10, false, 0).len(), 10, "not compact: scroll");
    }

    #[test]
    fn group_names_and_merging() {
        let lane = |n: &str| Lane::named(n);
        assert_eq!(
            group_name(&[lane("task 0"), lane("task 1"), lane("task 24")]),
            "task 0–24"
        );
        let c = |main, ran| Cell { main, ran };
        let mut cells = vec![
            Cell::IDLE,
            c(Some(State::Wait), false),
            c(Some(State::Wait), false),
        ];
        merge(
            &mut cells,
            &[
                c(Some(State::Wait), false),
                c(Some(State::Ready), false),
                c(Some(State::Ready), true),
            ],
        );
        assert_eq!(
            cells,
            vec![
                c(Some(State::Wait), false),
                c(Some(State::Ready), false),
                c(Some(State::Ready), true)
            ]
        );
    }
}
