//! The help overlay (`?`): every key.

use super::super::keys::KEYMAP;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

pub fn render(frame: &mut Frame, area: Rect) {
    let width = 70.min(area.width);
    let height = (KEYMAP.len() as u16 + 2).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines: Vec<Line> = KEYMAP
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!(" {:<15}", b.keys),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(b.what),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    // Where the box's top and bottom would cut its last keys (80x24), its sides only.
    let block = match KEYMAP.len() as u16 + 2 > area.height {
        true => {
            let title = Style::default().add_modifier(Modifier::DIM);
            lines.insert(0, Line::styled(" keys (? closes)", title));
            Block::new().borders(Borders::LEFT | Borders::RIGHT)
        }
        false => Block::bordered().title(" keys (? closes) "),
    };
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
