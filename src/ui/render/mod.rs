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

mod axis;
mod footer;
pub mod header;
mod help;
mod panel;

use super::app::App;
use crate::trace::{Cell, State};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The narrowest terminal drawn.
pub const MIN_WIDTH: u16 = 60;
/// Rows besides the panels: header, axis (2), footer, status.
const CHROME_ROWS: u16 = 5;
/// The fewest rows a panel takes: title, one lane, caption.
const MIN_PANEL_ROWS: u16 = 3;

/// Width of the lane-name column.
pub fn label_width(width: u16) -> u16 {
    if width >= 120 {
        22
    } else {
        13
    }
}

/// How many diagram columns a terminal this wide has.
pub fn diagram_cols(width: u16) -> usize {
    width.saturating_sub(label_width(width) + 1) as usize
}

/// The smallest terminal that shows `panels` panels.
pub fn min_size(panels: usize) -> (u16, u16) {
    (
        MIN_WIDTH,
        CHROME_ROWS + MIN_PANEL_ROWS * panels.max(1) as u16,
    )
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let panels = visible_panels(app);
    let (need_w, need_h) = min_size(panels.len());
    if area.width < need_w || area.height < need_h {
        let text = format!("terminal too small (need {need_w}x{need_h})");
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
        Constraint::Length(foot_rows(app, area.width, area.height)),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, head, app);
    let mut y = body.y;
    for (run, h) in panel_heights(app, area.width, area.height) {
        panel::render(frame, Rect::new(body.x, y, body.width, h), app, run);
        y += h;
    }
    axis::render(frame, Rect::new(body.x, y, body.width, 2), app);
    footer::render(frame, foot, status, app);
    if app.help {
        help::render(frame, area);
    }
}

/// One run's panel (title, timing diagram, caption) alone in `area`: the diagram widget.
pub fn draw_panel(frame: &mut Frame, area: Rect, app: &App, run: usize) {
    panel::render(frame, area, app, run);
}

/// The runs shown: all, or only the focused one (`z`).
pub fn visible_panels(app: &App) -> Vec<usize> {
    let runs = app.trace().runs.len();
    if app.solo && app.focus < runs {
        vec![app.focus]
    } else {
        (0..runs).collect()
    }
}

/// Share `rows` among panels that want `wanted` rows each: every panel gets its minimum, then
/// the rest goes out in fair shares, the panels that want least first, so a panel that can be
/// shown whole is (rather than a big one growing a little); rows nobody wants stay empty.
pub fn share_rows(rows: u16, wanted: &[u16]) -> Vec<u16> {
    let mut got: Vec<u16> = wanted.iter().map(|&w| w.min(MIN_PANEL_ROWS)).collect();
    let mut left = rows.saturating_sub(got.iter().sum());
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by_key(|&i| wanted[i]);
    while left > 0 {
        let needy: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| got[i] < wanted[i])
            .collect();
        if needy.is_empty() {
            break;
        }
        let share = (left / needy.len() as u16).max(1);
        for i in needy {
            let give = share.min(wanted[i] - got[i]).min(left);
            got[i] += give;
            left -= give;
        }
    }
    got
}

/// The footer's rows for a terminal of `width` x `height` (the verdict may take two).
fn foot_rows(app: &App, width: u16, height: u16) -> u16 {
    let need = min_size(visible_panels(app).len()).1;
    footer::rows(app, width).min(height.saturating_sub(need) + 1)
}

/// Each shown panel's run and height, for a terminal of `width` x `height`: what is left
/// between the header, the axis, the footer and the status line.
pub fn panel_heights(app: &App, width: u16, height: u16) -> Vec<(usize, u16)> {
    let panels = visible_panels(app);
    let rows = height.saturating_sub(1 + 2 + foot_rows(app, width, height) + 1);
    let wanted: Vec<u16> = panels
        .iter()
        .map(|&r| {
            2 + app.lanes(r).len().max(1) as u16 + app.trace().runs[r].meta.queues.len() as u16
        })
        .collect();
    panels.into_iter().zip(share_rows(rows, &wanted)).collect()
}

fn state_color(state: Option<State>) -> Color {
    match state {
        Some(State::Run) => Color::Blue,
        Some(State::Wait) => Color::Red,
        Some(State::Ready) => Color::Yellow,
        None => Color::Reset,
    }
}

/// How a cell looks: its glyph carries the state without colour; in colour, a brief run is blue
/// on the colour of what the lane did the rest of the cell.
pub fn cell_style(cell: Cell, color: bool) -> (char, Style) {
    let glyph = crate::export::text::cell_glyph(cell);
    if !color {
        return (glyph, Style::default());
    }
    let style = if cell.ran_briefly() {
        let bg = match cell.main {
            Some(state) => state_color(Some(state)),
            None => Color::Reset,
        };
        Style::default().fg(Color::Blue).bg(bg)
    } else {
        Style::default().fg(state_color(cell.main))
    };
    (glyph, style)
}

/// The playhead: the column shown in reverse video, across panels and axis.
pub fn playhead_style(style: Style) -> Style {
    style.add_modifier(Modifier::REVERSED)
}

fn one_line<'a>(line: impl Into<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(line.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_shared_fairly_and_nothing_is_lost() {
        assert_eq!(share_rows(20, &[3, 7, 42, 4]), vec![3, 7, 6, 4]);
        assert_eq!(share_rows(40, &[3, 7, 42, 4]), vec![3, 7, 26, 4]);
        assert_eq!(share_rows(12, &[3, 7, 42, 4]), vec![3, 3, 3, 3]);
        assert_eq!(share_rows(9, &[3, 3]), vec![3, 3]);
    }
}
