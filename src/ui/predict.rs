//! Predict, then run, in the UI: what keys and clicks do while the class answers (a hand
//! counted for an answer of the focused panel's question, the last one taken back, another
//! panel chosen, the runs started), and `p`, which asks before the next run.

use super::app::App;
use super::asking::Then;
use super::keys::Action;
use super::playhead::{Playhead, Zoom};
use crate::present::predict::place;

impl App {
    /// The lesson not started, its runs named and empty, asking their questions
    /// (`--predict`); space runs it.
    pub fn predicting(lab: crate::lab::Lab) -> App {
        let mut app = App::live(lab);
        app.session.predict = true;
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
            Action::TogglePause | Action::Rerun => self.go(),
            Action::Answer(answer) => self.count(answer as usize),
            Action::Undo => self.undo(),
            Action::FocusNext | Action::ScrollDown => self.move_focus(1),
            Action::FocusPrev | Action::ScrollUp => self.move_focus(-1),
            Action::Predict => self.predict(),
            Action::WhatIf | Action::Save => {
                self.view.message = Some("space runs what is asked about first".into())
            }
            _ => return None,
        }
        Some(true)
    }

    /// A raised hand for answer `answer` of the focused panel's question.
    fn count(&mut self, answer: usize) {
        let Some((q, question)) = self.session.question_of(self.view.focus) else {
            self.view.message = Some("this panel asks nothing: Tab to one that does".into());
            return;
        };
        if answer >= question.answers.len() {
            let n = question.answers.len();
            self.view.message = Some(format!("this question has answers 1 to {n}"));
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
            None => self.view.message = Some("no hand to take back".into()),
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
            self.view.message = Some("space runs what is asked about".into());
            return;
        }
        if !self.finished() {
            self.view.message = Some("p asks before the next run: once these are done".into());
            return;
        }
        self.session.predict = true;
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
