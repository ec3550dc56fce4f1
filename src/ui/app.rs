//! The UI's view state: the playhead, the zoom, the focus and the view's toggles, over a
//! [`Session`] (the trace, its figures, and what the UI asks of the engine). Keys and the mouse
//! become actions that change this state; they never change the trace. Drawing only reads it,
//! through a [`Screen`] worked out once a frame.

use super::keys::Action;
use super::playhead::{Motion, Playhead, Window, Zoom};
use super::screen::{self, Choice, Panel, Screen, Shown};
pub use super::session::{derive_task_lanes, Session};
use super::whatif::{self, Form};
use crate::lab::Lab;
use crate::trace::{Lane, Run, RunStats, Trace};
use std::time::Instant;

/// What an event step landed on, in words, for the caption of the panel it happened in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub run: usize,
    pub text: String,
}

pub struct App {
    /// The trace and what the UI asks of the engine and the disk.
    pub session: Session,
    pub playhead: Playhead,
    pub zoom: Zoom,
    pub by_task: bool,
    pub focus: usize,
    pub solo: bool,
    pub compact: bool,
    pub scroll: Vec<usize>,
    pub help: bool,
    /// Event steps go through the focused panel's events only.
    pub focused_events: bool,
    /// The what-if form, while it is open.
    pub what_if: Option<Form>,
    /// Sets of runs before this one are not shown (ghosts cleared).
    pub shown_from_set: u32,
    /// Where a drag with the mouse was last: the column it pans from.
    pub(super) drag_from: Option<u16>,
    pub note: Option<Note>,
    /// A transient word in the status line ("saved to ...").
    pub message: Option<String>,
    pub color: bool,
    /// Diagram columns at the terminal's current width (set by the loop on resize).
    pub cols: usize,
    /// The terminal's size (set by the loop), to know how many lanes a panel shows.
    pub size: (u16, u16),
    /// Paused live under "fit everything": fit again when following resumes.
    fit_on_resume: bool,
    pub(super) last_tick: Option<Instant>,
}

impl App {
    fn new(session: Session, playhead: Playhead) -> App {
        App {
            session,
            playhead,
            zoom: Zoom::Fit,
            by_task: false,
            focus: 0,
            solo: false,
            compact: true,
            scroll: Vec::new(),
            help: false,
            focused_events: false,
            what_if: None,
            shown_from_set: 0,
            drag_from: None,
            note: None,
            message: None,
            color: true,
            cols: 80,
            size: (80, 24),
            fit_on_resume: false,
            last_tick: None,
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

    /// Focus the first panel shown that is not a ghost.
    fn focus_first(&mut self) {
        self.focus = self.trace().runs.len().saturating_sub(1);
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
        match self.playhead.motion {
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
        match self.trace().runs.get(self.focus).filter(|_| self.solo) {
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
        let from = self.shown_from_set.min(self.latest_set());
        (0..runs.len()).filter(move |&r| runs[r].meta.set >= from)
    }

    pub fn window(&self) -> Window {
        self.zoom.window(self.view_extent(), self.cols)
    }

    /// The lanes a run's panel shows: its workers, or its tasks.
    pub fn lanes(&self, run: usize) -> &[Lane] {
        self.session.lanes(run, self.by_task)
    }

    /// Fit the view to a terminal of `width` x `height`.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.cols = self.screen().cols;
    }

    /// Where everything goes on the terminal, at its size now.
    pub fn screen(&self) -> Screen {
        self.screen_of(self.size.0, self.size.1)
    }

    /// Where everything goes on a terminal `width` x `height`.
    pub fn screen_of(&self, width: u16, height: u16) -> Screen {
        let panel = |run: usize| {
            let r = &self.trace().runs[run];
            let names = self.lanes(run).iter().map(|l| {
                let label = crate::present::words::Label::of(r, l);
                label.text(false, false).chars().count()
            });
            Panel {
                run,
                lanes: self.lanes(run).len(),
                queues: r.meta.queues.len(),
                longest_name: names.max().unwrap_or(0),
            }
        };
        let shown = Shown {
            panels: self.visible_panels().into_iter().map(panel).collect(),
            compact: self.compact,
            verdict: self.finished().then(|| self.verdict()),
        };
        Screen::of(&shown, width, height)
    }

    /// Which runs are shown, as the view chose.
    fn choice(&self) -> Choice {
        Choice {
            focus: self.focus,
            solo: self.solo,
            shown_from_set: self.shown_from_set,
            rows: self.size.1,
        }
    }

    /// The runs shown, in display order (see [`screen::visible_panels`]).
    pub fn visible_panels(&self) -> Vec<usize> {
        screen::visible_panels(self.trace(), &self.choice())
    }

    /// The latest set of runs (0 until a what-if).
    pub fn latest_set(&self) -> u32 {
        self.trace().latest_set()
    }

    /// The ghost of run `run`, if ghosts are shown (see [`screen::ghost_of`]).
    pub fn ghost_of(&self, run: usize) -> Option<usize> {
        screen::ghost_of(self.trace(), self.shown_from_set, run)
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
            .last_tick
            .map_or(0, |t| now.duration_since(t).as_nanos() as u64);
        self.last_tick = Some(now);
        self.session.drain(self.by_task);
        let extent = self.extent();
        self.playhead.advance(dt, extent);
        // A playhead that moves by itself is kept on screen; a still one stays where the user
        // left it (a wheel zoom around the pointer may leave it off screen).
        if self.playhead.motion != Motion::Still {
            self.zoom.keep_visible(self.playhead.t_ns, self.cols, true);
        }
        let runs = self.trace().runs.len();
        self.scroll.resize(runs, 0);
    }

    /// Do what a key asked; returns false to quit.
    pub fn apply(&mut self, action: Action) -> bool {
        let extent = self.extent();
        let view = self.view_extent();
        // Runs still going: the playhead follows them; once they are done it plays like a replay.
        let live = self.is_live() && !self.finished();
        let npc = self.window().ns_per_col;
        if !matches!(action, Action::NextEvent | Action::PrevEvent) {
            self.note = None;
        }
        self.message = None;
        match action {
            Action::Quit => return false,
            Action::TogglePause => {
                self.playhead.toggle(live, extent);
                self.hold_window_while_paused();
            }
            Action::FrameForward => self.playhead.step_frames(1, npc, extent),
            Action::FrameBack => self.playhead.step_frames(-1, npc, extent),
            Action::NextEvent => self.step_event(true),
            Action::PrevEvent => self.step_event(false),
            Action::Start => self.playhead.jump(0, extent),
            Action::End => self.playhead.end(live, extent),
            Action::ZoomIn => self.zoom.scale(0.5, self.playhead.t_ns, view, self.cols),
            Action::ZoomOut => self.zoom.scale(2.0, self.playhead.t_ns, view, self.cols),
            Action::Fit => self.zoom = Zoom::Fit,
            Action::ToggleGrouping => {
                self.by_task = !self.by_task;
                self.session.group_by_task(self.by_task);
                self.scroll.iter_mut().for_each(|s| *s = 0);
            }
            Action::FocusNext => self.move_focus(1),
            Action::FocusPrev => self.move_focus(-1),
            Action::ToggleSolo => self.solo = !self.solo,
            Action::ScrollDown => self.scroll_focused(1),
            Action::ScrollUp => self.scroll_focused(-1),
            Action::ToggleCompact => self.compact = !self.compact,
            Action::Save => self.message = Some(self.session.save()),
            Action::Rerun => self.rerun(),
            Action::ToggleHelp => self.help = !self.help,
            Action::Slower => self.playhead.change_speed(-1),
            Action::Faster => self.playhead.change_speed(1),
            Action::ToggleFocusedEvents => self.focused_events = !self.focused_events,
            Action::WhatIf => self.open_what_if(),
            Action::ClearGhosts => self.shown_from_set = self.latest_set(),
        }
        self.zoom.keep_visible(self.playhead.t_ns, self.cols, false);
        // Time spent before this key (paused, say) is not time played.
        self.last_tick = Some(Instant::now());
        true
    }

    /// The display time at terminal column `x`, if it is in the diagrams.
    pub fn time_at(&self, x: u16) -> Option<u64> {
        let col = self.screen().col_at(x)?;
        let w = self.window();
        Some(w.from_ns + w.ns_per_col * col as u64)
    }

    /// Paused live, the recording goes on growing: a fitted window would rescale at every key,
    /// so pausing freezes it (and following again fits again).
    fn hold_window_while_paused(&mut self) {
        match (self.playhead.motion, self.zoom) {
            (Motion::Still, Zoom::Fit) if self.is_live() => {
                self.zoom = Zoom::Fixed(self.window());
                self.fit_on_resume = true;
            }
            (Motion::Follow, _) if self.fit_on_resume => {
                self.zoom = Zoom::Fit;
                self.fit_on_resume = false;
            }
            _ => {}
        }
    }

    /// Focus the next (or previous) panel shown, ghosts aside.
    fn move_focus(&mut self, by: isize) {
        // Alone (z), tab goes on to the next run.
        let shown: Vec<usize> = screen::all_panels(self.trace(), &self.choice())
            .into_iter()
            .filter(|&r| !self.is_ghost(r))
            .collect();
        let n = shown.len().max(1) as isize;
        let at = shown.iter().position(|&r| r == self.focus).unwrap_or(0) as isize;
        self.focus = shown
            .get((at + by).rem_euclid(n) as usize)
            .copied()
            .unwrap_or(0);
    }

    /// `w`: open the what-if form over the lesson's settings (live runs only).
    fn open_what_if(&mut self) {
        match self.session.what_if_base() {
            Ok(plan) => self.what_if = Some(Form::new(&plan.lesson, &plan.options, &plan.runs)),
            Err(why) => self.message = Some(why.into()),
        }
    }

    /// A key while the what-if form is open: edit it, or run what it says beside the runs
    /// there (they stay, as ghosts), or close it.
    pub fn form_key(&mut self, key: crossterm::event::KeyEvent) {
        let Ok(base) = self.session.what_if_base().map(|p| p.options.clone()) else {
            return;
        };
        let Some(form) = &mut self.what_if else {
            return;
        };
        match form.key(key, &base) {
            whatif::Outcome::Editing => {}
            whatif::Outcome::Cancel => self.what_if = None,
            whatif::Outcome::Run(options) => match self.session.what_if(*options) {
                Ok(()) => {
                    self.what_if = None;
                    self.playhead = Playhead::live();
                    self.zoom = Zoom::Fit;
                    self.focus_first();
                }
                Err(e) => form.error = Some(e.to_string()),
            },
        }
    }

    /// Scroll the focused panel's lanes, never past the last screenful.
    fn scroll_focused(&mut self, by: isize) {
        let Some(rows) = self.screen().lane_rows(self.focus) else {
            return;
        };
        let lanes = self.lanes(self.focus).len();
        if let Some(s) = self.scroll.get_mut(self.focus) {
            *s = (*s as isize + by).clamp(0, lanes.saturating_sub(rows) as isize) as usize;
        }
    }

    /// Jump to the next (or previous) state change on any lane of the panels shown (or of the
    /// focused one), and say what it was.
    fn step_event(&mut self, forward: bool) {
        let t = self.playhead.t_ns;
        let shown = match self.focused_events {
            true => vec![self.focus],
            false => self.visible_panels(),
        };
        let panels: Vec<(usize, &[Lane])> = shown.iter().map(|&r| (r, self.lanes(r))).collect();
        let found = super::steps::nearest_change(self.trace(), &panels, t, forward);
        let extent = self.extent();
        let Some((at, run, lane)) = found else {
            return self.playhead.jump(t, extent);
        };
        self.playhead.jump(at, extent);
        let text = crate::present::caption::event(&crate::present::caption::At {
            run: &self.trace().runs[run],
            lane: &self.lanes(run)[lane],
            t_ns: at,
            now_ns: self.now_ns(),
            by_task: self.by_task,
        });
        self.note = Some(Note { run, text });
    }

    /// Live: stop what runs and run the lesson again. Replay: play from the start.
    fn rerun(&mut self) {
        match self.session.rerun() {
            Err(why) => {
                self.message = Some(why.into());
                return;
            }
            Ok(true) => {
                self.playhead = Playhead::live();
                self.shown_from_set = 0;
                self.focus = 0;
            }
            Ok(false) => {
                self.playhead = Playhead::paused_at_start();
                self.playhead.toggle(false, self.extent());
            }
        }
        self.zoom = Zoom::Fit;
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
