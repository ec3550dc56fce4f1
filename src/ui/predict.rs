//! Predict, then run, in the UI: what keys and clicks do while the class answers (a hand
//! counted for an answer of the focused panel's question, the last one taken back, another
//! panel chosen, the runs started), and `p`, which asks before the next run.

use super::app::App;
use super::asking::Then;
use super::keys::Action;
use super::playhead::{Playhead, Zoom};
use crate::present::predict::{live, place};

impl App {
    /// The lesson not started, its runs named and empty, asking their questions
    /// (`--predict`); space runs it.
    pub fn predicting(lab: crate::lab::Lab) -> App {
        let mut app = App::live(lab);
        app.ask(Then::Start);
        app
    }

    /// While the class answers, what `action` does, if it is one of this step's (`Some`:
    /// whether to go on); else `None`, and it does what it always does.
    pub(super) fn apply_asking(&mut self, action: Action) -> Option<bool> {
        if !self.session.asking() {
            return None;
        }
        match action {
            Action::Quit => return Some(false),
            Action::Leave => self.view.message = Some(live::ESC_STAYS.into()),
            Action::TogglePause | Action::Rerun => self.go(),
            Action::Answer(answer) => self.count(answer as usize),
            Action::Undo => self.undo(),
            Action::FocusNext | Action::ScrollDown => self.move_focus(1),
            Action::FocusPrev | Action::ScrollUp => self.move_focus(-1),
            Action::Predict => self.predict(),
            Action::WhatIf | Action::Save => self.view.message = Some(live::RUN_FIRST.into()),
            _ => return None,
        }
        Some(true)
    }

    /// A raised hand for answer `answer` of the focused panel's question.
    fn count(&mut self, answer: usize) {
        let Some((q, question)) = self.session.question_of(self.view.focus) else {
            self.view.message = Some(live::ASKS_NOTHING.into());
            return;
        };
        if answer >= question.answers.len() {
            let n = question.answers.len();
            self.view.message = Some(live::answers_are(n));
            return;
        }
        if self.session.count(q, answer, 1) {
            self.view.counted.push((q, answer));
        }
    }

    /// Take back the last hand counted.
    fn undo(&mut self) {
        match self.view.counted.pop() {
            Some((q, answer)) => {
                self.session.count(q, answer, -1);
            }
            None => self.view.message = Some(live::NO_HAND.into()),
        }
    }

    /// Run what the class answered about.
    fn go(&mut self) {
        let anew = self.trace().latest_set() == 0;
        self.session.go();
        self.view.counted.clear();
        self.view.playhead = Playhead::live();
        self.view.zoom = Zoom::Fit;
        if anew {
            self.view.shown_from_set = 0;
        }
        self.focus_first();
        self.tick();
    }

    /// `p`: from now on ask before each run, and ask now before the lesson runs again (once
    /// its runs are done).
    pub(super) fn predict(&mut self) {
        if self.session.asking() {
            self.view.message = Some(live::RUNS_ASKED.into());
            return;
        }
        if !self.finished() {
            self.view.message = Some(live::ONCE_DONE.into());
            return;
        }
        self.ask(Then::Rerun);
    }

    /// Ask the class before `then` runs.
    pub(super) fn ask(&mut self, then: Then) {
        match self.session.ask(then) {
            Ok(()) => {
                self.view.counted.clear();
                self.view.note = None;
                self.view.playhead = Playhead::live();
                self.view.zoom = Zoom::Fit;
                if self.trace().latest_set() == 0 {
                    self.view.shown_from_set = 0;
                }
                self.focus_first();
            }
            Err(why) => self.view.message = Some(why),
        }
    }

    /// The recording's marker for a question just asked (once each time the class is asked).
    pub(super) fn question_marker(&mut self) -> Option<String> {
        let asking = self.session.asking();
        let new = asking && !self.view.asked;
        self.view.asked = asking;
        new.then(|| super::render::predict::marker(self))
    }

    /// A click while the class answers: the panel clicked takes the focus, and a click on an
    /// answer counts a hand for it.
    pub(super) fn click_answer(&mut self, x: u16, y: u16) {
        let screen = self.screen();
        let Some(run) = screen.panel_at(y) else {
            return;
        };
        let Some((_, q)) = self.session.question_of(run) else {
            return;
        };
        self.view.focus = run;
        let Some(area) = screen.question_area(run, self.view.size.0) else {
            return;
        };
        let (dx, dy) = (
            x.wrapping_sub(area.x) as usize,
            y.wrapping_sub(area.y) as usize,
        );
        let places = place(q, area.width as usize, area.height as usize);
        let hit = places
            .iter()
            .find(|p| p.y == dy && (p.x..p.x + p.text.chars().count()).contains(&dx));
        if let Some(answer) = hit.and_then(|p| p.answer()) {
            self.count(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{scenario, Lab, Options, Plan};
    use ratatui::backend::TestBackend;

    /// The cpu lesson asked about, not started: 2 small tasks, at 100x30.
    fn asked() -> App {
        let options = Options {
            tasks: Some(2),
            size: Some(1000),
            ..Options::default()
        };
        let plan = Plan::prepare(scenario::find("cpu").unwrap(), options).unwrap();
        let mut app = App::predicting(Lab::new(plan));
        app.view.color = false;
        app.resize(100, 30);
        app
    }

    fn screen(app: &App) -> String {
        let backend = TestBackend::new(app.view.size.0, app.view.size.1);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        terminal
            .draw(|f| super::super::render::draw(f, app))
            .unwrap();
        terminal.backend().to_string()
    }

    #[test]
    fn hands_are_counted_into_the_trace_for_the_focused_panel_and_taken_back() {
        let mut app = asked();
        assert!(app.session.asking() && app.trace().runs.iter().all(|r| r.start_ns.is_none()));
        let shown = screen(&app);
        assert!(
            shown.contains("PREDICT") && shown.contains("How fast against sync?"),
            "{shown}"
        );
        assert!(shown.contains("waiting to start"), "{shown}");
        // The focus is on the first panel asked about (sync, the baseline, asks nothing).
        let (q, _) = app.session.question_of(app.view.focus).expect("a question");
        for action in [
            Action::Answer(2),
            Action::Answer(2),
            Action::Answer(0),
            Action::Undo,
        ] {
            assert!(app.apply(action));
        }
        assert_eq!(app.session.questions()[q].counts[..3], [0, 0, 2]);
        assert!(
            app.apply(Action::Answer(8)),
            "no ninth answer: said, not counted"
        );
        assert!(app
            .view
            .message
            .as_deref()
            .unwrap_or("")
            .contains("answers 1 to"));
        app.apply(Action::FocusNext);
        let (next, _) = app.session.question_of(app.view.focus).unwrap();
        assert_ne!(next, q, "Tab goes on to the next question");
        app.apply(Action::Answer(1));
        assert_eq!(app.session.questions()[next].counts[1], 1);
        assert!(screen(&app).contains("▶ "), "the focused panel is marked");
        // Space runs it: the counts stay in the trace, keys count no more.
        app.apply(Action::TogglePause);
        assert!(!app.session.asking());
        app.apply(Action::Answer(1));
        assert_eq!(app.session.questions()[next].counts[1], 1);
        assert_eq!(app.session.questions()[q].counts[2], 2);
        app.stop();
    }

    #[test]
    fn esc_does_not_end_the_lesson_while_the_class_answers() {
        let mut app = asked();
        assert!(app.apply(Action::Leave), "still asking");
        assert!(app.session.asking());
        assert_eq!(app.view.message.as_deref(), Some(live::ESC_STAYS));
        assert!(!app.apply(Action::Quit), "q still quits");
    }

    #[test]
    fn a_click_on_an_answer_counts_a_hand() {
        let mut app = asked();
        let screen_now = app.screen();
        let run = app.view.focus;
        let area = screen_now.question_area(run, 100).unwrap();
        let (_, q) = app.session.question_of(run).unwrap();
        let places = place(q, area.width as usize, area.height as usize);
        let second = places.iter().find(|p| p.answer() == Some(1)).unwrap();
        let (x, y) = (area.x + second.x as u16, area.y + second.y as u16);
        app.pointer(super::super::mouse::Pointer::Click { x, y });
        let (_, q) = app.session.question_of(run).unwrap();
        assert_eq!(q.counts[1], 1, "{places:?}");
        app.stop();
    }

    #[test]
    fn a_saved_trace_is_not_asked_again() {
        let mut app = App::replay(crate::trace::Trace::new("t"));
        app.apply(Action::Predict);
        assert!(!app.session.asking());
        assert!(app.view.message.is_some());
    }
}
