//! Drawing: pure functions of the [`App`]; nothing here changes it.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────┐
//! │ header: runwait · lesson · LIVE / PAUSED / REPLAY · t = playhead            │
//! │ ── panel title: executor · workers · GIL · elapsed · done (summary at end) ─ │
//! │ lane name │ diagram cells ............▌(playhead column)..................  │
//! │ caption: at t: n run · n wait · n ready · n done   (or the event in words)  │
//! │ ... one panel per run, stacked, all on one time axis ...                    │
//! │           └┬─────────┬─────────┬  time axis with labelled ticks            │
//! │ legend while running; the verdict once every run has finished               │
//! │ status: mode · zoom · one column = … · by worker/task · dropped · ? help    │
//! └──────────────────────────────────────────────────────────────────────────────┘
//! ```

mod arrows;
mod axis;
mod footer;
pub mod header;
mod help;
mod panel;
pub mod predict;
mod style;
mod whatif;

use super::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use style::one_line;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let panels = app.visible_panels();
    // The rows' summaries the last frame drew and this one does not are let go.
    app.session.rows.next_frame();
    // The layout once a frame: every part draws with it.
    let screen = app.screen_of(area.width, area.height);
    let (need_w, need_h) = screen.need;
    if area.width < need_w || area.height < need_h {
        let mut text = format!("terminal too small (need {need_w}x{need_h})");
        // One run at a time may fit where all of them do not.
        let (one_w, one_h) = screen.need_alone;
        if panels.len() > 1 && area.width >= one_w && area.height >= one_h {
            text = format!(
                "terminal too small for {} runs at once (need {need_w}x{need_h}): z shows one \
                 at a time, tab the next",
                panels.len()
            );
        }
        // Wrapped, so even a very narrow terminal shows the whole message.
        let lines = (text.chars().count() as u16)
            .div_ceil(area.width.max(1))
            .min(area.height);
        let y = area.y + area.height.saturating_sub(lines) / 2;
        let block = Rect::new(area.x, y, area.width, lines);
        frame.render_widget(
            Paragraph::new(text)
                .centered()
                .wrap(ratatui::widgets::Wrap { trim: true }),
            block,
        );
        return;
    }
    let [head, body, foot, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(screen.foot_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, head, app);
    let mut y = body.y;
    for &(run, h) in &screen.panels {
        let area = Rect::new(body.x, y, body.width, h);
        panel::render(frame, area, app, run, screen.label_w);
        predict::over(frame.buffer_mut(), area, app, run);
        y += h;
    }
    // Nothing has run while the class answers: no time to show.
    if !app.session.asking() {
        axis::render(
            frame,
            Rect::new(body.x, y, body.width, 2),
            app,
            screen.label_w,
        );
    }
    footer::render(frame, foot, status, app, screen.verdict_rows);
    if app.view.help {
        help::render(frame, area);
    }
    if let Some(form) = &app.view.what_if {
        whatif::render(frame, area, form);
    }
}

/// One run's panel (title, timing diagram, caption) alone in `area`: the diagram widget.
pub fn draw_panel(frame: &mut Frame, area: Rect, app: &App, run: usize) {
    let label_w = app.screen_of(area.width, app.view.size.1).label_w;
    panel::render(frame, area, app, run, label_w);
}

pub use crate::present::glyph::cell_style;
pub use style::playhead_style;
