//! Who woke whom over a panel's rows (`a`): each wake's arrow in the column of its time (see
//! [`marks`]), in its cause's colour on the terminal's own background, so that it reads over any
//! cell; and the lane `]` / `[` follow, its name in reverse.

use super::super::app::App;
use super::super::playhead::Window;
use super::super::wakes::{places, Columns, Place};
use super::playhead_style;
use crate::present::glyph::dim;
use crate::present::wake::arrow_style;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use std::ops::Range;

/// Where a panel's diagram is: its first column's x and first row's y, its columns and window,
/// the playhead's column and the first column dimmed; and its lane names' column.
pub struct Area {
    pub x0: u16,
    pub y0: u16,
    pub cols: usize,
    pub window: Window,
    pub playhead: Option<usize>,
    pub dim_from: usize,
    pub names: Range<u16>,
}

/// The rows a panel shows: lanes of `order` in ranges `groups`, one range a row.
pub struct Rows<'a> {
    pub order: &'a [usize],
    pub groups: &'a [Range<usize>],
}

/// Run `run`'s arrows over its panel's rows.
pub fn render(buf: &mut Buffer, at: &Area, app: &App, run: usize, rows: &Rows) {
    let r = &app.trace().runs[run];
    let Some(start) = r.start_ns else { return };
    let lanes = app.lanes(run).len();
    let places = places(lanes, rows.order, rows.groups);
    app.session.wakes.note_rows(run, at.y0, &places);
    follow_mark(buf, at, app, run, &places);
    if r.wakes.is_empty() {
        return;
    }
    let cols = Columns {
        from_ns: start + at.window.from_ns,
        npc: at.window.ns_per_col,
        cols: at.cols,
    };
    let color = app.view.color;
    let wakes = (run, r.wakes.as_slice());
    let marks = (app.session.wakes).marks(wakes, cols, &places, rows.groups.len());
    for m in marks.iter() {
        let (x, y) = (at.x0 + m.col as u16, at.y0 + m.row as u16);
        let Some(cell) = buf.cell_mut((x, y)) else {
            continue;
        };
        // The cell's background (what the lane did most) stays; the arrow is drawn over it.
        let behind = cell.style().bg.filter(|&c| c != Color::Reset);
        let mut style = match color {
            true => arrow_style(m.cause, behind),
            false => Style::default().add_modifier(Modifier::BOLD),
        };
        if Some(m.col) == at.playhead {
            style = playhead_style(style);
        } else if m.col >= at.dim_from {
            style = dim(style, color);
        }
        cell.reset();
        cell.set_char(m.glyph).set_style(style);
    }
}

/// The name of the lane `]` / `[` follow, in reverse.
fn follow_mark(buf: &mut Buffer, at: &Area, app: &App, run: usize, places: &[Place]) {
    let Some(follow) = app.view.follow.filter(|f| f.run == run) else {
        return;
    };
    let Some(Place::Row(row)) = places.get(follow.lane as usize) else {
        return;
    };
    let y = at.y0 + *row as u16;
    for x in at.names.clone() {
        if let Some(cell) = buf.cell_mut((x, y)) {
            let style = cell
                .style()
                .add_modifier(Modifier::REVERSED | Modifier::BOLD);
            cell.set_style(style);
        }
    }
}
