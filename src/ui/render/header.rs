//! The top line: the lesson, the mode, the playhead's time.

use super::super::app::App;
use super::super::playhead::Motion;
use super::one_line;
use crate::present::human_ms;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub fn mode(app: &App) -> &'static str {
    if app.session.asking() {
        return "PREDICT";
    }
    match (app.is_live(), app.view.playhead.motion) {
        (true, Motion::Follow) if app.finished() => "DONE",
        (true, Motion::Follow) => "LIVE",
        (_, Motion::Still) if app.is_live() => "PAUSED",
        (_, Motion::Still) => "REPLAY",
        (true, Motion::Play) => "PLAY ▶",
        (false, Motion::Play) => "REPLAY ▶",
        (false, Motion::Follow) => "REPLAY",
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let trace = app.trace();
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let line = Line::from(vec![
        Span::styled(" runwait", bold),
        Span::raw(format!(" · {}{} · ", trace.scenario, settings(app))),
        Span::styled(mode(app), bold.add_modifier(Modifier::REVERSED)),
        // Nothing has run while the class answers: no time to show.
        Span::raw(match app.session.asking() {
            true => String::new(),
            false => format!(" · t = {}", human_ms(app.view.playhead.t_ns as f64 / 1e6)),
        }),
    ]);
    frame.render_widget(one_line(line), area);
}

/// The settings in force, of the latest runs: ` · 40 tasks · latency 100 ms · seed 2` (a
/// sampled program's: ` · 6 threads`).
fn settings(app: &App) -> String {
    let latest = app.latest_set();
    let Some(run) = app.trace().runs.iter().find(|r| r.meta.set == latest) else {
        return String::new();
    };
    let s = &run.meta.settings;
    let mut words = match s.trials {
        Some(n) if n > 0 => format!(" · {n} trials of {} tasks", run.meta.tasks / n),
        _ => format!(" · {}", crate::present::words::work(run)),
    };
    if let Some(ms) = s.latency_ms {
        words.push_str(&format!(" · latency {ms} ms"));
    }
    if s.jitter_ms > 0 {
        words.push_str(&format!(" · jitter {} ms", s.jitter_ms));
    }
    if s.seed > 0 {
        words.push_str(&format!(" · seed {}", s.seed));
    }
    words
}
