//! The what-if form (`w`): the lesson's settings, the one under the cursor marked, a mistake on
//! its last line.

use super::super::whatif::Form;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

pub fn render(frame: &mut Frame, area: Rect, form: &Form) {
    let width = 60.min(area.width);
    let height = (form.fields.len() as u16 + 5).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines: Vec<Line> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let style = match i == form.cursor {
                true => Style::default().add_modifier(Modifier::REVERSED),
                false => Style::default(),
            };
            Line::from(vec![
                Span::raw(" "),
                Span::styled(format!("{:<24}", field.label), style),
                Span::styled(
                    format!(" {}", field.value_words()),
                    style.add_modifier(Modifier::BOLD),
                ),
            ])
        })
        .collect();
    lines.push(Line::raw(
        " ↑↓ choose · ←→ or digits change · space show/hide, on/off",
    ));
    lines.push(match &form.error {
        Some(why) => Line::styled(
            format!(" {why}"),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        None => Line::raw(" Enter runs it beside the runs there · Esc closes"),
    });
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" what if? ")),
        popup,
    );
}
