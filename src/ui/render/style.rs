//! What the regions share: the playhead's style, a paragraph of one line. (Here, not in
//! `mod.rs`, so the regions that use them and `mod.rs` that draws the regions form no cycle.)

use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// The playhead: the column shown in reverse video, across panels and axis.
pub fn playhead_style(style: Style) -> Style {
    style.add_modifier(Modifier::REVERSED)
}

pub(super) fn one_line<'a>(line: impl Into<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(line.into())
}
