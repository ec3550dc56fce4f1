//! The two bottom lines: the legend (or, once every run finished, which model wins and why),
//! and the status line.

use super::super::app::App;
use super::header::mode;
use super::{cell_style, one_line};
use crate::export::speedup;
use crate::export::text::human_ms;
use crate::trace::{Cell, State};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// Rows the footer wants at this width: the verdict may take two.
pub fn rows(app: &App, width: u16) -> u16 {
    if app.finished() && verdict(app).chars().count() + 1 > width as usize {
        2
    } else {
        1
    }
}

pub fn render(frame: &mut Frame, foot: Rect, status: Rect, app: &App) {
    if app.finished() {
        let text = format!(" {}", verdict(app));
        let bold = Style::default().add_modifier(Modifier::BOLD);
        frame.render_widget(
            Paragraph::new(text).style(bold).wrap(Wrap { trim: false }),
            foot,
        );
    } else {
        frame.render_widget(one_line(legend(app.color)), foot);
    }
    frame.render_widget(one_line(status_line(app)), status);
}

fn legend(color: bool) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let cell = |main, ran| Cell {
        main: Some(main),
        ran,
    };
    for (c, what) in [
        (cell(State::Run, true), "run"),
        (cell(State::Wait, true), "ran briefly"),
        (cell(State::Wait, false), "wait (I/O)"),
        (
            cell(State::Ready, false),
            "ready (for the GIL, the loop, a CPU)",
        ),
    ] {
        let (glyph, style) = cell_style(c, color);
        spans.push(Span::styled(glyph.to_string(), style));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

fn status_line(app: &App) -> Line<'static> {
    let w = app.window();
    let extent = app.extent();
    let mut text = format!(
        " {} · zoom {:.0}x · 1 col = {} · by {}",
        mode(app),
        app.zoom.factor(extent, app.cols).max(1.0),
        human_ms(w.ns_per_col as f64 / 1e6),
        if app.by_task { "task" } else { "worker" },
    );
    let dropped = app.trace().dropped;
    if dropped > 0 {
        text.push_str(&format!(" · dropped {dropped}"));
    }
    if let Some(message) = &app.message {
        text.push_str(&format!(" · {message}"));
    }
    text.push_str(" · ? help · q quit");
    Line::raw(text)
}

/// Which model wins this workload, and why, in the articles' terms.
pub fn verdict(app: &App) -> String {
    let trace = app.trace();
    // Without a sync run to compare with, a modelled platform's run says what it measured and
    // what is a model.
    let sync_run = trace.runs.iter().any(|r| r.meta.executor == "sync");
    let modelled = trace.runs.iter().filter(|r| !sync_run && r.finished());
    for r in modelled {
        if let (Some(cloud), Some(model)) = (r.cloud_words(), &r.meta.model) {
            return format!("{}: {cloud} ({model}).", r.meta.label);
        }
    }
    let best = trace
        .runs
        .iter()
        .filter(|r| r.meta.executor != "sync")
        .filter_map(|r| speedup(trace, r).map(|x| (r, x)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let sync = trace.runs.iter().position(|r| r.meta.executor == "sync");
    match (sync.and_then(|i| app.run_stats(i)), best) {
        (Some(s), Some((best, x))) => {
            let kind = if s.wait_ns > s.run_ns {
                "I/O-bound"
            } else {
                "CPU-bound"
            };
            let why = match best.meta.executor.as_str() {
                "async" => {
                    "one thread overlaps every wait: asyncio when you can, threads when you must"
                }
                "threads" => "threads overlap the waiting (the GIL is let go while they wait)",
                "process" => "processes use every core; the GIL keeps threads from helping",
                "free-threads" | "rayon" => "without a GIL, threads use every core",
                _ => "it overlaps the most",
            };
            format!("{kind}: {} wins ({x:.1}x sync): {why}.", best.meta.label)
        }
        _ if sync.is_some_and(|i| !trace.runs[i].all_done()) => {
            "sync did not do every task, so there is no speedup to compare.".to_string()
        }
        _ => match trace
            .runs
            .iter()
            .filter(|r| r.all_done())
            .min_by_key(|r| r.wall_ns())
        {
            Some(first) if trace.runs.len() > 1 => {
                format!(
                    "{} finished first (no sync run to compare with).",
                    first.meta.label
                )
            }
            _ => String::new(),
        },
    }
}
