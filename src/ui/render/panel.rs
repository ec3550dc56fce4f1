//! One run's panel: a title, its timing diagram (a row per lane) and a caption for the instant
//! at the playhead.

use super::super::app::App;
use super::super::layout::{first_lane_rows, grouped_lanes, least_lane_rows, panel_split};
use super::super::playhead::{Motion, Window};
use super::super::screen::lanes_to_show;
use super::arrows::{self, Rows};
use super::{cell_style, playhead_style};
use crate::present::glyph::{dim, event_glyph, event_style};
use crate::present::words::{fit_labels, lane_order, Label};
use crate::present::{caption, queue_glyph, title};
use crate::trace::{Cell, Lane, Run};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::Frame;

/// Where a panel draws: its area, the lane-name column, the diagram's columns and window.
struct Geometry {
    area: Rect,
    label_w: usize,
    /// The first diagram column's x.
    x0: u16,
    cols: usize,
    window: Window,
    playhead_col: Option<usize>,
}

impl Geometry {
    fn of(area: Rect, app: &App, label_w: u16) -> Geometry {
        let x0 = area.x + label_w + 1;
        let cols = area.right().saturating_sub(x0) as usize;
        let window = app.window();
        Geometry {
            area,
            label_w: label_w as usize,
            x0,
            cols,
            window,
            playhead_col: window.col(app.view.playhead.t_ns, cols),
        }
    }

    /// Where the arrows go: the diagram from row `y0`, and the lane names.
    fn arrows_area(&self, app: &App, y0: u16) -> arrows::Area {
        arrows::Area {
            x0: self.x0,
            y0,
            cols: self.cols,
            window: self.window,
            playhead: self.playhead_col,
            dim_from: dim_after(app, &self.window, self.cols),
            names: self.area.x..self.area.x + self.label_w as u16,
        }
    }

    /// A row's name (already fitted), right-aligned, and the diagram's left edge.
    fn label(&self, buf: &mut Buffer, y: u16, name: &str) {
        let (x, w) = (self.area.x, self.label_w);
        buf.set_stringn(x, y, format!("{name:>w$}"), w, Style::default());
        buf.set_string(x + w as u16, y, "│", Style::default());
    }
}

/// Run `run`'s panel in `area`, its lane names `label_w` wide (from the frame's `Screen`).
pub fn render(frame: &mut Frame, area: Rect, app: &App, run: usize, label_w: u16) {
    if area.height < 2 {
        return;
    }
    let buf = frame.buffer_mut();
    let r = &app.trace().runs[run];
    render_title(buf, area, app, run);
    let lanes = app.lanes(run);
    // Queue rows (the restaurants) come after the lanes and keep their place.
    let (count, tasks) = lanes_to_show(r, lanes, app.view.by_task);
    let least = (least_lane_rows(count, tasks), first_lane_rows(count, tasks));
    let (rows, queues, caption_rows) =
        panel_split(area.height, lanes.len(), least, r.meta.queues.len());
    let order = lane_order(r, lanes);
    let g = Geometry::of(area, app, label_w);
    let scroll = app.view.scroll.get(run).copied().unwrap_or(0);
    let groups = rows_of(
        lanes.len(),
        rows,
        app.view.compact,
        caption_rows > 0,
        scroll,
    );
    let rows_lanes: Vec<Vec<&Lane>> = groups
        .iter()
        .map(|group| order[group.clone()].iter().map(|&l| &lanes[l]).collect())
        .collect();
    let labels: Vec<Label> = rows_lanes.iter().map(|n| Label::of_group(r, n)).collect();
    let names = fit_labels(&labels, g.label_w);
    for (i, group) in groups.iter().enumerate() {
        let y = area.y + 1 + i as u16;
        let shown = &order[group.clone()];
        g.label(buf, y, &names[i]);
        if r.start_ns.is_some() {
            render_lanes(buf, &g, y, app, run, shown);
            if !app.view.by_task {
                render_events(buf, &g, y, app, r, shown);
            }
        }
    }
    let shown = Rows {
        order: &order,
        groups: &groups,
    };
    if app.arrows_on() {
        arrows::render(buf, &g.arrows_area(app, area.y + 1), app, run, &shown);
    }
    for q in 0..queues {
        render_queue(buf, &g, area.y + 1 + (rows + q) as u16, app, r, q);
    }
    // The first lane shown, where lanes are scrolled (the scroll as drawn, within bounds).
    let scrolled = (groups.len() < lanes.len() && !grouped(&groups))
        .then(|| groups.first().map_or(0, |g| g.start));
    // Where rows are short the caption gives way; the run's lanes stay.
    if caption_rows > 0 {
        buf.set_stringn(
            area.x,
            area.bottom() - 1,
            format!(
                "  {}",
                caption(
                    app,
                    (run, (area.width as usize).saturating_sub(2)),
                    &shown,
                    scrolled
                )
            ),
            area.width as usize,
            Style::default().add_modifier(Modifier::DIM),
        );
    }
    if app.is_ghost(run) {
        dim_ghost(buf, area, app.view.color);
    }
}

/// A ghost (a run from before a what-if) is drawn dim, under the run that replaced it.
fn dim_ghost(buf: &mut Buffer, area: Rect, color: bool) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y)) {
                let style = dim(cell.style(), color);
                cell.set_style(style);
            }
        }
    }
}

/// The title line, marked and underlined when the panel has the focus.
fn render_title(buf: &mut Buffer, area: Rect, app: &App, run: usize) {
    let focused = run == app.view.focus && app.trace().runs.len() > 1;
    let (style, mark) = match focused {
        true => (Modifier::BOLD | Modifier::UNDERLINED, "▶ "),
        false => (Modifier::BOLD, "  "),
    };
    let width = (area.width as usize).saturating_sub(mark.chars().count());
    // What the class said (predict, then run) at the right, once its run is under way: all of
    // the row but the run's name, if need be (it words the measured figure itself).
    let r = &app.trace().runs[run];
    let said = match app.session.asking() && r.start_ns.is_none() {
        true => Vec::new(),
        false => {
            let name = r.meta.label.chars().count();
            super::predict::said(app, run, width - width.min(name + 4))
        }
    };
    let said_w: usize = said.iter().map(|s| s.content.chars().count()).sum();
    let width = width.saturating_sub(said_w + 2 * usize::from(said_w > 0));
    let text = format!("{mark}{}", title(app, run, width));
    let style = Style::default().add_modifier(style);
    buf.set_stringn(area.x, area.y, text, area.width as usize, style);
    let mut x = area.right().saturating_sub(said_w as u16);
    for span in said {
        let (end, _) = buf.set_span(x, area.y, &span, area.right().saturating_sub(x));
        x = end;
    }
}

/// One row of the diagram: a lane, or a group of lanes added up (see [`App::row_cells`]).
fn render_lanes(buf: &mut Buffer, g: &Geometry, y: u16, app: &App, run: usize, shown: &[usize]) {
    let from = app.trace().runs[run].start_ns.unwrap_or(0) + g.window.from_ns;
    let cells = app.row_cells(run, shown, from, g.cols);
    let dim_from = dim_after(app, &g.window, g.cols);
    draw_cells(
        buf,
        g.x0,
        y,
        &cells,
        g.playhead_col,
        dim_from,
        app.view.color,
    );
}

/// The lesson's events on a row's lanes (worker lanes: `shown` are their numbers), marked
/// over their cells.
fn render_events(buf: &mut Buffer, g: &Geometry, y: u16, app: &App, r: &Run, shown: &[usize]) {
    let from = r.start_ns.unwrap_or(0) + g.window.from_ns;
    for (c, kind) in r.event_cells(shown, from, g.window.ns_per_col, g.cols) {
        if let Some(cell) = buf.cell_mut((g.x0 + c as u16, y)) {
            let style = event_style(cell.style(), app.view.color);
            cell.set_char(event_glyph(kind)).set_style(style);
        }
    }
}

/// A queue's row: its length per cell.
fn render_queue(buf: &mut Buffer, g: &Geometry, y: u16, app: &App, r: &Run, q: usize) {
    let name = format!("{} queue", r.meta.queues[q].name);
    g.label(buf, y, &Label::plain(&name).fit(g.label_w, false));
    let from = r.start_ns.unwrap_or(0) + g.window.from_ns;
    let cells = r.queue_cells(q, from, g.window.ns_per_col, g.cols, app.now_ns());
    for (c, len) in cells.into_iter().enumerate() {
        let mut style = Style::default().add_modifier(Modifier::BOLD);
        if Some(c) == g.playhead_col {
            style = playhead_style(style);
        }
        buf.set_string(g.x0 + c as u16, y, queue_glyph(len).to_string(), style);
    }
}

/// The title: while running, what runs and how far it got; once finished, the summary.
fn title(app: &App, run: usize, width: usize) -> String {
    let trace = app.trace();
    let r = &trace.runs[run];
    let before = match (app.is_ghost(run), app.ghost_of(run)) {
        (true, _) => title::Before::IsGhost,
        (false, Some(g)) => title::Before::Ghost(&trace.runs[g]),
        (false, None) => title::Before::None,
    };
    title::panel(trace, r, app.run_stats(run), app.elapsed(r), before, width)
}

/// Which lanes each row shows: one lane a row (from `scroll`) when they fit or nearly fit, or,
/// in compact mode, groups of lanes (see [`grouped_lanes`]).
pub fn rows_of(
    lanes: usize,
    rows: usize,
    compact: bool,
    captioned: bool,
    scroll: usize,
) -> Vec<std::ops::Range<usize>> {
    if rows == 0 || lanes == 0 {
        return Vec::new();
    }
    if lanes <= rows {
        return (0..lanes).map(|i| i..i + 1).collect();
    }
    if grouped_lanes(lanes, rows, compact, captioned) {
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

/// Paused or stepping, what lies after the playhead is dimmed: the instant shown is the
/// playhead, the rest is already recorded but not yet "reached".
fn dim_after(app: &App, window: &Window, cols: usize) -> usize {
    if app.view.playhead.motion == Motion::Follow {
        return cols;
    }
    let t = app.view.playhead.t_ns;
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
            // Reversed, a cell of one colour on itself would not show the playhead.
            if style.fg.is_some() && style.fg == style.bg {
                style = style.fg(ratatui::style::Color::Black);
            }
            style = playhead_style(style);
        } else if i >= dim_from {
            style = dim(style, color);
        }
        if let Some(cell) = buf.cell_mut((x0 + i as u16, y)) {
            cell.set_char(glyph).set_style(style);
        }
    }
}

/// Under the panel: the event stepped to, in words, or the lanes' states at the playhead
/// (counted by the rows drawn when they hold every lane: `rows`, lanes of `order`).
fn caption(
    app: &App,
    (run, width): (usize, usize),
    rows: &Rows,
    scrolled: Option<usize>,
) -> String {
    if let Some(note) = app.view.note.as_ref().filter(|n| n.run == run) {
        return note.text.clone();
    }
    // With arrows on, the wake nearest the playhead.
    if let Some(text) = app.wake_caption(run, width) {
        return text;
    }
    let lanes = app.lanes(run);
    let r = &app.trace().runs[run];
    let t = app.view.playhead.t_ns;
    let at = r.start_ns.unwrap_or(0) + t;
    let counts = match scrolled {
        None if rows.groups.iter().map(|g| g.len()).sum::<usize>() == lanes.len() => {
            rows.groups.iter().fold([0; 3], |sum, g| {
                let n = app.row_states(run, &rows.order[g.clone()], at);
                [sum[0] + n[0], sum[1] + n[1], sum[2] + n[2]]
            })
        }
        _ => caption::count_states(lanes, at, app.now_ns()),
    };
    let scrolled = scrolled.map(|first| (first, lanes.len()));
    caption::states(r, counts, t, scrolled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_scroll_or_group() {
        assert_eq!(rows_of(3, 5, true, true, 0), vec![0..1, 1..2, 2..3]);
        assert_eq!(
            rows_of(6, 4, true, true, 1),
            vec![1..2, 2..3, 3..4, 4..5],
            "few more: scroll"
        );
        assert_eq!(
            rows_of(6, 4, true, true, 9),
            vec![2..3, 3..4, 4..5, 5..6],
            "scroll stops at the end"
        );
        let groups = rows_of(1000, 10, true, true, 0);
        assert_eq!(groups.len(), 10);
        assert_eq!(groups[0], 0..100);
        assert_eq!(groups[9], 900..1000);
        assert_eq!(rows_of(20, 8, true, true, 0).len(), 8, "every row used");
        assert_eq!(
            rows_of(20, 8, true, true, 0)
                .iter()
                .map(|g| g.len())
                .sum::<usize>(),
            20
        );
        assert_eq!(
            rows_of(1000, 10, false, true, 0).len(),
            10,
            "not compact: scroll"
        );
        // With no caption to say lanes are scrolled out of sight, every lane is in a group.
        assert_eq!(rows_of(2, 1, true, true, 0), vec![0..1]);
        assert_eq!(rows_of(2, 1, true, false, 0), vec![0..2]);
        assert_eq!(
            rows_of(2, 1, false, false, 0),
            vec![0..2],
            "not compact either"
        );
    }
}
