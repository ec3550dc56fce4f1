//! The shared time axis under the panels: ticks at round times, labelled, and the playhead.

use super::super::app::App;
use super::playhead_style;
use crate::present::words::{nice_step, tick_label_at};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::Frame;

pub fn render(frame: &mut Frame, area: Rect, app: &App, label_w: u16) {
    if area.height < 2 {
        return;
    }
    let buf = frame.buffer_mut();
    let x0 = area.x + label_w + 1;
    let cols = area.right().saturating_sub(x0) as usize;
    let w = app.window();
    buf.set_string(
        area.x,
        area.y,
        format!("{:>width$}└", "", width = label_w as usize),
        Style::default(),
    );
    buf.set_string(
        area.x,
        area.y + 1,
        format!("{:>width$}", "time ", width = label_w as usize),
        Style::default(),
    );
    for c in 0..cols {
        buf.set_string(x0 + c as u16, area.y, "─", Style::default());
    }
    let step = nice_step(w.ns_per_col * 12);
    let mut t = w.from_ns.div_ceil(step) * step;
    let mut free_from = 0usize;
    while let Some(c) = w.col(t, cols) {
        buf.set_string(x0 + c as u16, area.y, "┬", Style::default());
        let label = tick_label_at(t, step);
        if c >= free_from && c + label.chars().count() <= cols {
            buf.set_string(x0 + c as u16, area.y + 1, &label, Style::default());
            free_from = c + label.chars().count() + 1;
        }
        match t.checked_add(step) {
            Some(next) => t = next,
            None => break,
        }
    }
    if let Some(c) = w.col(app.view.playhead.t_ns, cols) {
        if let Some(cell) = buf.cell_mut((x0 + c as u16, area.y)) {
            let style = playhead_style(cell.style());
            cell.set_char('▲').set_style(style);
        }
    }
}
