//! The two bottom lines: the legend (or, once every run finished, which model wins and why),
//! and the status line.

use super::super::app::App;
use super::header::mode;
use super::{cell_style, one_line};
use crate::present::glyph::{event_glyph, event_style};
use crate::present::human_ms;
use crate::ui::layout::{fit_wrapped, legend_lines};
use crate::ui::screen::{legend_items, legend_width};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// The verdict in its `verdict_rows` rows (once every run finished), then the legend in the
/// rows left of `foot`, its entries whole, as many as fit; then the status line.
pub fn render(frame: &mut Frame, foot: Rect, status: Rect, app: &App, verdict_rows: u16) {
    if app.finished() && verdict_rows > 0 {
        let area = Rect {
            height: verdict_rows.min(foot.height),
            ..foot
        };
        // Given fewer rows than it wraps to (lanes come first), it says so.
        let text = fit_wrapped(&format!(" {}", app.verdict()), area.width, area.height);
        let bold = Style::default().add_modifier(Modifier::BOLD);
        frame.render_widget(
            Paragraph::new(text).style(bold).wrap(Wrap { trim: false }),
            area,
        );
    }
    let rows = foot.height.saturating_sub(verdict_rows);
    for (i, line) in legend(app, foot.width)
        .into_iter()
        .take(rows as usize)
        .enumerate()
    {
        let y = foot.y + verdict_rows + i as u16;
        frame.render_widget(one_line(line), Rect::new(foot.x, y, foot.width, 1));
    }
    frame.render_widget(one_line(status_line(app, status)), status);
}

/// What the glyphs of the panels shown mean, in lines of `width` columns, each entry whole
/// (while the class answers, before anything has run: what happens).
fn legend(app: &App, width: u16) -> Vec<Line<'static>> {
    if app.session.asking() {
        return vec![Line::raw(crate::present::predict::live::HINT)];
    }
    let runs = app.visible_panels();
    let items = legend_items(&app.view, &app.session, &runs);
    let widths: Vec<usize> = items.iter().map(legend_width).collect();
    let lines = legend_lines(&widths, width);
    lines
        .into_iter()
        .map(|entries| {
            let mut spans = vec![Span::raw(" ")];
            for item in &items[entries] {
                let (glyph, style) = match (item.event, item.wake) {
                    (Some(kind), _) => (
                        event_glyph(kind),
                        event_style(Style::default(), app.view.color),
                    ),
                    (_, Some(mark)) => (mark.glyph, mark_style(mark, app.view.color)),
                    _ => cell_style(item.cell, app.view.color),
                };
                spans.push(Span::styled(glyph.to_string(), style));
                spans.push(Span::raw(format!(" {}  ", item.short)));
            }
            Line::from(spans)
        })
        .collect()
}

/// An arrow's glyph in the legend: bold, in its cause's colour.
fn mark_style(mark: crate::present::legend::Mark, color: bool) -> Style {
    let style = Style::default().add_modifier(Modifier::BOLD);
    match (mark.cause, color) {
        (Some(cause), true) => style.fg(crate::present::wake::colour(cause)),
        _ => style,
    }
}

fn status_line(app: &App, status: Rect) -> Line<'static> {
    if app.session.asking() {
        return Line::raw(super::predict::status(app, status.width as usize));
    }
    let w = app.window();
    let mut text = format!(
        " {} · zoom {:.0}x · 1 col = {} · by {}",
        mode(app),
        app.zoom_factor(),
        human_ms(w.ns_per_col as f64 / 1e6),
        if app.view.by_task { "task" } else { "worker" },
    );
    if app.view.playhead.speed() != 1.0 {
        text.push_str(&format!(" · speed {}x", app.view.playhead.speed()));
    }
    match (app.view.arrows, app.view.by_task) {
        (true, false) => text.push_str(" · arrows"),
        (true, true) => text.push_str(" · arrows: by worker only"),
        _ => {}
    }
    if app.view.focused_events {
        text.push_str(" · events: focused panel");
    }
    let dropped = app.trace().dropped;
    if dropped > 0 {
        text.push_str(&format!(" · dropped {dropped}"));
    }
    if let Some(message) = &app.view.message {
        text.push_str(&format!(" · {message}"));
    }
    text.push_str(" · ? help · q quit");
    Line::raw(text)
}
