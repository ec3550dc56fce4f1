//! The UI's view state: the playhead, the zoom, the focus and the view's toggles, over a
//! [`Session`] (the trace, its figures, and what the UI asks of the engine). Keys and the mouse
//! become actions that change this state; they never change the trace. Drawing only reads it,
//! through a [`Screen`] worked out once a frame.

use super::keys::Action;
use super::playhead::{Motion, Playhead, Window, Zoom};
use super::screen::{self, Screen};
pub use super::session::{derive_task_lanes, Session};
use super::view::{Note, View};
use super::whatif::{self, Form};
use crate::lab::Lab;
use crate::trace::{Lane, Run, RunStats, Trace};
use std::time::Instant;

/// The UI's state: the view, over the session.
pub struct App {
    pub view: View,
    /// The trace and what the UI asks of the engine and the disk.
    pub session: Session,
}

impl App {
    fn new(session: Session, playhead: Playhead) -> App {
        App {
            view: View::new(playhead),
            session,
        }
    }

    /// Follow the lab's runs live.
    pub fn live(lab: Lab) -> App {
        let mut app = App::new(Session::live(lab), Playhead::live());
        app.focus_first();
        app.tick();
        app
    }

    /// Show a recorded trace, paused at its start.
    pub fn replay(trace: Trace) -> App {
        let mut app = App::new(Session::replay(trace), Playhead::paused_at_start());
        app.focus_first();
        app
    }

    /// Focus the first panel shown that is not a ghost (while the class answers: that asks).
    pub(super) fn focus_first(&mut self) {
        self.view.focus = self.trace().runs.len().saturating_sub(1);
        self.move_focus(1);
    }

    pub fn trace(&self) -> &Trace {
        self.session.trace()
    }

    pub fn is_live(&self) -> bool {
        self.session.is_live()
    }

    /// Every run has ended.
    pub fn finished(&self) -> bool {
        self.session.finished()
    }

    /// The trace clock at the last tick: how far open spans reach.
    pub fn now_ns(&self) -> u64 {
        self.session.now_ns
    }

    /// Whether the picture changes by itself (so the loop must keep drawing).
    pub fn animating(&self) -> bool {
        match self.view.playhead.motion {
            Motion::Follow => !self.finished(),
            Motion::Play => true,
            Motion::Still => false,
        }
    }

    /// How long run `r` has gone on, at the last tick.
    pub fn elapsed(&self, run: &Run) -> u64 {
        match (run.start_ns, run.end_ns) {
            (Some(s), Some(e)) => e.saturating_sub(s),
            (Some(s), None) => self.now_ns().saturating_sub(s),
            _ => 0,
        }
    }

    /// How far the view fits: the focused run's time when it is shown alone (`z`), else
    /// [`App::extent`].
    pub fn view_extent(&self) -> u64 {
        match self
            .trace()
            .runs
            .get(self.view.focus)
            .filter(|_| self.view.solo)
        {
            Some(run) => self.elapsed(run),
            None => self.extent(),
        }
    }

    /// How far the recording reaches, in display time: the longest run so far.
    pub fn extent(&self) -> u64 {
        let runs = &self.trace().runs;
        let shown = self.shown_runs();
        shown.map(|r| self.elapsed(&runs[r])).max().unwrap_or(0)
    }

    /// The runs that may be shown: the latest set's and the ghosts not cleared.
    fn shown_runs(&self) -> impl Iterator<Item = usize> + '_ {
        let runs = &self.trace().runs;
        let from = self.view.shown_from_set.min(self.latest_set());
        (0..runs.len()).filter(move |&r| runs[r].meta.set >= from)
    }

    pub fn window(&self) -> Window {
        self.view.zoom.window(self.view_extent(), self.view.cols)
    }

    /// The lanes a run's panel shows: its workers, or its tasks.
    pub fn lanes(&self, run: usize) -> &[Lane] {
        self.session.lanes(run, self.view.by_task)
    }

    /// Fit the view to a terminal of `width` x `height`.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.view.size = (width, height);
        self.view.cols = self.screen().cols;
    }

    /// Where everything goes on the terminal, at its size now.
    pub fn screen(&self) -> Screen {
        self.screen_of(self.view.size.0, self.view.size.1)
    }

    /// Where everything goes on a terminal `width` x `height`.
    pub fn screen_of(&self, width: u16, height: u16) -> Screen {
        Screen::of(&screen::shown(&self.view, &self.session), width, height)
    }

    /// The runs shown, in display order (see [`screen::visible_panels`]).
    pub fn visible_panels(&self) -> Vec<usize> {
        screen::visible_panels(self.trace(), &screen::choice(&self.view))
    }

    /// The latest set of runs (0 until a what-if).
    pub fn latest_set(&self) -> u32 {
        self.trace().latest_set()
    }

    /// The ghost of run `run`, if ghosts are shown (see [`screen::ghost_of`]).
    pub fn ghost_of(&self, run: usize) -> Option<usize> {
        screen::ghost_of(self.trace(), self.view.shown_from_set, run)
    }

    /// Whether run `run` is a ghost: of a set before the latest.
    pub fn is_ghost(&self, run: usize) -> bool {
        let runs = &self.trace().runs;
        runs.get(run)
            .is_some_and(|r| r.meta.set < self.latest_set())
    }

    /// The lesson's point in a line, once every run has finished (computed as they finish).
    pub fn verdict(&self) -> String {
        self.session.verdict()
    }

    /// A finished run's summary figures.
    pub fn run_stats(&self, run: usize) -> Option<&RunStats> {
        self.session.run_stats(run)
    }

    /// Drain what the runs recorded and move the playhead with the clock. Called once per frame
    /// (and a few times a second while nothing moves, so records don't pile up).
    pub fn tick(&mut self) {
        let now = Instant::now();
        let dt = self
            .view
            .last_tick
            .map_or(0, |t| now.duration_since(t).as_nanos() as u64);
        self.view.last_tick = Some(now);
        self.session.drain(self.view.by_task);
        let extent = self.extent();
        self.view.playhead.advance(dt, extent);
        // A playhead that moves by itself is kept on screen; a still one stays where the user
        // left it (a wheel zoom around the pointer may leave it off screen).
        if self.view.playhead.motion != Motion::Still {
            self.view
                .zoom
                .keep_visible(self.view.playhead.t_ns, self.view.cols, true);
        }
        let runs = self.trace().runs.len();
        self.view.scroll.resize(runs, 0);
    }

    /// Do what a key asked; returns false to quit.
    pub fn apply(&mut self, action: Action) -> bool {
        let extent = self.extent();
        let view = self.view_extent();
        // Runs still going: the playhead follows them; once they are done it plays like a replay.
        let live = self.is_live() && !self.finished();
        let npc = self.window().ns_per_col;
        if !matches!(action, Action::NextEvent | Action::PrevEvent) {
            self.view.note = None;
        }
        self.view.message = None;
        if let Some(go_on) = self.apply_asking(action) {
            return go_on;
        }
        match action {
            Action::Quit | Action::Leave => return false,
            Action::TogglePause => {
                self.view.playhead.toggle(live, extent);
                self.hold_window_while_paused();
            }
            Action::FrameForward => self.view.playhead.step_frames(1, npc, extent),
            Action::FrameBack => self.view.playhead.step_frames(-1, npc, extent),
            Action::NextEvent => self.step(true),
            Action::PrevEvent => self.step(false),
            Action::Start => self.view.playhead.jump(0, extent),
            Action::End => self.view.playhead.end(live, extent),
            Action::ZoomIn => {
                self.view
                    .zoom
                    .scale(0.5, self.view.playhead.t_ns, view, self.view.cols)
            }
            Action::ZoomOut => {
                self.view
                    .zoom
                    .scale(2.0, self.view.playhead.t_ns, view, self.view.cols)
            }
            Action::Fit => self.view.zoom = Zoom::Fit,
            Action::ToggleGrouping => {
                self.view.by_task = !self.view.by_task;
                self.session.group_by_task(self.view.by_task);
                self.view.scroll.iter_mut().for_each(|s| *s = 0);
            }
            Action::FocusNext => self.move_focus(1),
            Action::FocusPrev => self.move_focus(-1),
            Action::ToggleSolo => self.view.solo = !self.view.solo,
            Action::ScrollDown => self.scroll_focused(1),
            Action::ScrollUp => self.scroll_focused(-1),
            Action::ToggleCompact => self.view.compact = !self.view.compact,
            Action::Save => self.view.message = Some(self.session.save()),
            Action::Rerun => self.rerun(),
            Action::ToggleHelp => self.view.help = !self.view.help,
            Action::Slower => self.view.playhead.change_speed(-1),
            Action::Faster => self.view.playhead.change_speed(1),
            Action::ToggleFocusedEvents => self.view.focused_events = !self.view.focused_events,
            Action::WhatIf => self.open_what_if(),
            Action::ClearGhosts => self.view.shown_from_set = self.latest_set(),
            Action::ToggleArrows => {
                self.view.arrows = !self.view.arrows;
                self.view.follow = None;
            }
            Action::Predict => self.predict(),
            Action::Answer(_) | Action::Undo => {
                self.view.message = Some(crate::present::predict::live::NOT_ASKING.into())
            }
        }
        self.view
            .zoom
            .keep_visible(self.view.playhead.t_ns, self.view.cols, false);
        // Time spent before this key (paused, say) is not time played.
        self.view.last_tick = Some(Instant::now());
        true
    }

    /// Paused live, the recording goes on growing: a fitted window would rescale at every key,
    /// so pausing freezes it (and following again fits again).
    fn hold_window_while_paused(&mut self) {
        match (self.view.playhead.motion, self.view.zoom) {
            (Motion::Still, Zoom::Fit) if self.is_live() => {
                self.view.zoom = Zoom::Fixed(self.window());
                self.view.fit_on_resume = true;
            }
            (Motion::Follow, _) if self.view.fit_on_resume => {
                self.view.zoom = Zoom::Fit;
                self.view.fit_on_resume = false;
            }
            _ => {}
        }
    }

    /// Focus the next (or previous) panel shown, ghosts aside (while the class answers, the
    /// next that asks something).
    pub(super) fn move_focus(&mut self, by: isize) {
        self.view.follow = None;
        // Alone (z), tab goes on to the next run.
        let asks = |r: usize| !self.session.asking() || self.session.question_of(r).is_some();
        let shown: Vec<usize> = screen::all_panels(self.trace(), &screen::choice(&self.view))
            .into_iter()
            .filter(|&r| !self.is_ghost(r) && asks(r))
            .collect();
        let n = shown.len().max(1) as isize;
        let at = shown
            .iter()
            .position(|&r| r == self.view.focus)
            .unwrap_or(0) as isize;
        self.view.focus = shown
            .get((at + by).rem_euclid(n) as usize)
            .copied()
            .unwrap_or(0);
    }

    /// `w`: open the what-if form over the lesson's settings (live runs only).
    fn open_what_if(&mut self) {
        match self.session.what_if_base() {
            Ok(plan) => {
                self.view.what_if = Some(Form::new(&plan.lesson, &plan.options, &plan.runs))
            }
            Err(why) => self.view.message = Some(why.into()),
        }
    }

    /// A key while the what-if form is open: edit it, or run what it says beside the runs
    /// there (they stay, as ghosts), or close it.
    pub fn form_key(&mut self, key: crossterm::event::KeyEvent) {
        let Ok(base) = self.session.what_if_base().map(|p| p.options.clone()) else {
            return;
        };
        let Some(form) = &mut self.view.what_if else {
            return;
        };
        match form.key(key, &base) {
            whatif::Outcome::Editing => {}
            whatif::Outcome::Cancel => self.view.what_if = None,
            whatif::Outcome::Run(options) if self.session.predicts() => {
                self.view.what_if = None;
                self.ask(super::asking::Then::WhatIf(options));
            }
            whatif::Outcome::Run(options) => match self.session.what_if(*options) {
                Ok(()) => {
                    self.view.what_if = None;
                    self.view.playhead = Playhead::live();
                    self.view.zoom = Zoom::Fit;
                    self.focus_first();
                }
                Err(e) => form.error = Some(e.to_string()),
            },
        }
    }

    /// Scroll the focused panel's lanes, never past the last screenful.
    fn scroll_focused(&mut self, by: isize) {
        let Some(rows) = self.screen().lane_rows(self.view.focus) else {
            return;
        };
        let lanes = self.lanes(self.view.focus).len();
        if let Some(s) = self.view.scroll.get_mut(self.view.focus) {
            *s = (*s as isize + by).clamp(0, lanes.saturating_sub(rows) as isize) as usize;
        }
    }

    /// Jump to the next (or previous) state change on any lane of the panels shown (or of the
    /// focused one), and say what it was.
    pub(super) fn step_event(&mut self, forward: bool) {
        let t = self.view.playhead.t_ns;
        let shown = match self.view.focused_events {
            true => vec![self.view.focus],
            false => self.visible_panels(),
        };
        let panels: Vec<(usize, &[Lane])> = shown.iter().map(|&r| (r, self.lanes(r))).collect();
        let found = super::steps::nearest_change(self.trace(), &panels, t, forward);
        let extent = self.extent();
        let Some((at, run, lane)) = found else {
            return self.view.playhead.jump(t, extent);
        };
        self.view.playhead.jump(at, extent);
        let text = crate::present::caption::event(&crate::present::caption::At {
            run: &self.trace().runs[run],
            lane: &self.lanes(run)[lane],
            t_ns: at,
            now_ns: self.now_ns(),
            by_task: self.view.by_task,
        });
        self.view.note = Some(Note { run, text });
    }

    /// Live: stop what runs and run the lesson again. Replay: play from the start.
    fn rerun(&mut self) {
        if self.session.predicts() {
            return self.ask(super::asking::Then::Rerun);
        }
        match self.session.rerun() {
            Err(why) => {
                self.view.message = Some(why.into());
                return;
            }
            Ok(true) => {
                self.view.playhead = Playhead::live();
                self.view.shown_from_set = 0;
                self.view.focus = 0;
            }
            Ok(false) => {
                self.view.playhead = Playhead::paused_at_start();
                self.view.playhead.toggle(false, self.extent());
            }
        }
        self.view.zoom = Zoom::Fit;
        self.tick();
    }

    /// Stop every run (quit): worker processes are killed, threads joined.
    pub fn stop(&mut self) {
        self.session.stop();
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
pub(crate) mod tests;
