//! Predict, then run, on screen: while the class answers, each panel's question under its title
//! with its answers numbered and the hands counted as bars (the focused panel's, which the keys
//! count, in bold); once its run is under way, what the class said on the title row, and once
//! measured, beside the figure, with the right answer marked.

use super::super::app::App;
use crate::present::predict::{live, place, reveal, Mark, Piece};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;

/// While the class answers, over the panel of a run to come in `panel`: its question, under
/// its title, in place of its empty lanes.
pub fn over(buf: &mut Buffer, panel: Rect, app: &App, run: usize) {
    if !app.session.asking() || app.trace().runs[run].start_ns.is_some() {
        return;
    }
    let body = Rect {
        y: panel.y + 1,
        height: panel.height.saturating_sub(1),
        ..panel
    };
    for at in body.positions() {
        if let Some(cell) = buf.cell_mut(at) {
            cell.reset();
        }
    }
    question(buf, crate::ui::screen::question_area(panel), app, run);
}

/// Run `run`'s question in `area` (see [`crate::ui::screen::question_area`]), or why it has
/// none.
fn question(buf: &mut Buffer, area: Rect, app: &App, run: usize) {
    let Some((_, q)) = app.session.question_of(run) else {
        let r = &app.trace().runs[run];
        let words = match r.meta.baseline {
            true => live::BASELINE,
            false => live::NOTHING_ASKED,
        };
        let dim = Style::default().add_modifier(Modifier::DIM);
        buf.set_stringn(area.x, area.y, words, area.width as usize, dim);
        return;
    };
    let focused = run == app.view.focus;
    for p in place(q, area.width as usize, area.height as usize) {
        let style = piece_style(p.piece, focused, app.view.color);
        let (x, y) = (area.x + p.x as u16, area.y + p.y as u16);
        let room = (area.right().saturating_sub(x)) as usize;
        buf.set_stringn(x, y, &p.text, room, style);
    }
}

fn piece_style(piece: Piece, focused: bool, color: bool) -> Style {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    match piece {
        Piece::Question => bold,
        Piece::Answer(_) if focused => bold,
        Piece::Answer(_) => Style::default(),
        Piece::Count(_) if color => Style::default().fg(Color::Cyan),
        Piece::Count(_) => Style::default(),
        Piece::Cut => Style::default().add_modifier(Modifier::DIM),
    }
}

/// What the class said of run `run`, and what was right once measured (in a replay, once the
/// playhead has passed the run's end), in `width` columns at most (empty if nothing was asked
/// or said, or nothing fits).
pub fn said(app: &App, run: usize, width: usize) -> Vec<Span<'static>> {
    let Some((i, q)) = app.session.question_of(run) else {
        return Vec::new();
    };
    let color = app.view.color;
    // A replay reveals a run's answer once the playhead has passed its end, not from t = 0.
    let run_r = &app.trace().runs[run];
    let played = app.is_live() || app.view.playhead.t_ns >= app.elapsed(run_r);
    let revealed = match played {
        true => app.session.revealed(i),
        false => Default::default(),
    };
    let parts = reveal(q, app.trace(), &revealed, width);
    parts
        .into_iter()
        .map(|(text, mark)| Span::styled(text, mark_style(mark, color)))
        .collect()
}

fn mark_style(mark: Mark, color: bool) -> Style {
    let plain = Style::default();
    match (mark, color) {
        (Mark::Right, true) => plain.fg(Color::Green).add_modifier(Modifier::BOLD),
        (Mark::Right, false) => plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        (Mark::Nobody, _) => plain.add_modifier(Modifier::DIM),
        (Mark::Plain | Mark::Given, _) => plain,
    }
}

/// The status line while the class answers, `width` wide: what the keys do, for the focused
/// panel.
pub fn status(app: &App, width: usize) -> String {
    let run = app.trace().runs.get(app.view.focus);
    let label = run.map_or("", |r| r.meta.label.as_str());
    let answers = (app.session.question_of(app.view.focus)).map(|(_, q)| q.answers.len());
    live::status(label, answers, width)
}

/// The recording's marker where the class is asked (`asciinema play -m` pauses there).
pub fn marker(app: &App) -> String {
    let runs = 0..app.trace().runs.len();
    let asked = runs.filter_map(|run| app.session.question_of(run).map(|(_, q)| q.text.as_str()));
    live::marker(asked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Answer, Figure, Lane, Question, Run, RunMeta, Span, State, Trace};

    /// A saved race run (10 of 100 updates lost) whose question the class answered.
    fn answered() -> Trace {
        let mut run = Run::new(RunMeta::default());
        (run.start_ns, run.end_ns) = (Some(0), Some(10_000_000));
        run.lesson.insert("expected".into(), 100);
        run.lesson.insert("actual".into(), 90);
        let mut lane = Lane::default();
        lane.push(Span {
            task: Some(0),
            state: State::Run,
            reason: None,
            start_ns: 0,
            end_ns: 10_000_000,
        });
        run.lanes.push(lane);
        let answers = vec![
            Answer::new("none", 0.0, 1.0),
            Answer::new("some", 1.0, f64::INFINITY),
        ];
        let mut q = Question::new(Some(0), "Lost?", Figure::LostUpdates, answers);
        q.counts = vec![1, 2];
        Trace {
            runs: vec![run],
            questions: vec![q],
            ..Trace::new("race")
        }
    }

    fn words(app: &App) -> String {
        said(app, 0, 200)
            .iter()
            .map(|s| s.content.as_ref())
            .collect()
    }

    #[test]
    fn a_replay_reveals_a_runs_answer_once_the_playhead_has_passed_its_end() {
        let mut app = App::replay(answered());
        app.view.playhead.t_ns = 0;
        let before = words(&app);
        assert!(
            !before.contains("measured") && !before.contains('✓'),
            "{before}"
        );
        app.view.playhead.t_ns = 10_000_000;
        let after = words(&app);
        assert!(after.contains("measured") && after.contains('✓'), "{after}");
    }
}
