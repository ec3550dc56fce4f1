//! The what-if form (`w`): the lesson's settings, the one under the cursor marked, a mistake on
//! its last line.

use super::super::whatif::Form;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The hint under the fields.
const KEYS: &str = " ↑↓ choose · ←→ or digits change · space show/hide, on/off";
const CONFIRM: &str = " Enter runs it beside the runs there · Esc closes";

/// The form over the middle of `area`, as wide as its longest line (within `area`): labels in a
/// column as wide as the longest, then the values, whole.
pub fn render(frame: &mut Frame, area: Rect, form: &Form) {
    let label_w = form.fields.iter().map(|f| f.label.chars().count()).max();
    let label_w = label_w.unwrap_or(0);
    let values = form.fields.iter().map(|f| f.value_words().chars().count());
    let longest = [
        2 + label_w + values.max().unwrap_or(0),
        KEYS.chars().count(),
        CONFIRM.chars().count(),
        form.error.as_ref().map_or(0, |e| e.chars().count() + 1),
    ];
    // A space after the longest line, and the borders.
    let width = (longest.into_iter().max().unwrap_or(0) + 3).min(area.width as usize) as u16;
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
                Span::styled(format!("{:<label_w$}", field.label), style),
                Span::styled(
                    format!(" {}", field.value_words()),
                    style.add_modifier(Modifier::BOLD),
                ),
            ])
        })
        .collect();
    lines.push(Line::raw(KEYS));
    lines.push(match &form.error {
        Some(why) => Line::styled(
            format!(" {why}"),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        None => Line::raw(CONFIRM),
    });
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" what if? ")),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{scenario, Options};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    #[test]
    fn every_lessons_form_fits_80_columns_whole() {
        for lesson in scenario::builtin() {
            let form = Form::new(&lesson, &Options::default(), &lesson.executors);
            let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
            terminal.draw(|f| render(f, f.area(), &form)).unwrap();
            let text = terminal.backend().to_string();
            assert!(!text.contains('…'), "{}: {text}", lesson.name);
            for field in &form.fields {
                let line = format!("{} {}", field.label, field.value_words());
                let whole = text.lines().any(|l| squeeze(l).contains(&squeeze(&line)));
                assert!(whole, "{}: {line:?} not whole in\n{text}", lesson.name);
            }
            assert!(text.contains(KEYS.trim()), "{}: {text}", lesson.name);
        }
    }

    /// `text` with every run of spaces made one.
    fn squeeze(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}
