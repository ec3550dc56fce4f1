//! The UI's state: where the trace comes from (live runs or a file), the playhead, the zoom and
//! the view options. Actions change this state; they never change the trace. Drawing only
//! reads it.

use super::keys::Action;
use super::layout::{
    diagram_cols, grouped_lanes, label_width, min_size, panel_split, roomy_rows, share_rows,
    wrapped_rows,
};

/// The most rows the verdict takes at the foot of the screen.
const MOST_VERDICT_ROWS: u16 = 6;
use super::mouse::Pointer;
use super::playhead::{Motion, Playhead, Window, Zoom};
use super::whatif::{self, Form};
use crate::lab::Lab;
use crate::trace::{file, Lane, Run, RunStats, Trace};
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Instant;

/// How often live lanes by task are derived again.
const TASK_LANES_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Where the trace comes from: runs under way (the lab records them), or a file.
pub enum Source {
    Live(Box<Lab>),
    Replay(Trace),
}

/// What an event step landed on, in words, for the caption of the panel it happened in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub run: usize,
    pub text: String,
}

/// What a run's longest lane name was measured for: the run, its lanes shown, its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NamesOf {
    run: usize,
    by_task: bool,
    lanes: usize,
    size: usize,
}

pub struct App {
    pub source: Source,
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
    drag_from: Option<u16>,
    pub note: Option<Note>,
    /// A transient word in the status line ("saved to ...").
    pub message: Option<String>,
    pub color: bool,
    /// Where `s` saves (`--save`), else a name made from the lesson and the time.
    pub save_path: Option<PathBuf>,
    /// The trace clock at the last tick: how far open spans reach.
    pub now_ns: u64,
    /// Diagram columns at the terminal's current width (set by the loop on resize).
    pub cols: usize,
    /// The terminal's size (set by the loop), to know how many lanes a panel shows.
    pub size: (u16, u16),
    /// The lanes by task, per run, when grouping by task (derived from the trace).
    task_lanes: Vec<Vec<Lane>>,
    /// Each finished run's figures, computed once (they cost a pass over all its spans).
    /// Per run: its size when its figures were computed, and the figures once it finished.
    stats: Vec<(usize, Option<RunStats>)>,
    /// The verdict, once every run has finished.
    verdict: Option<String>,
    /// Paused live under "fit everything": fit again when following resumes.
    fit_on_resume: bool,
    /// When the lanes by task were last derived from a live trace, and whether records came
    /// since.
    task_lanes_at: Option<Instant>,
    task_lanes_stale: bool,
    /// A replay's runs' longest lane names, each with what it was measured for (see
    /// [`App::longest_name`]).
    longest_names: RefCell<Vec<(NamesOf, usize)>>,
    last_tick: Option<Instant>,
}

impl App {
    fn new(source: Source, playhead: Playhead) -> App {
        App {
            source,
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
            save_path: None,
            now_ns: 0,
            cols: 80,
            size: (80, 24),
            task_lanes: Vec::new(),
            stats: Vec::new(),
            verdict: None,
            fit_on_resume: false,
            task_lanes_at: None,
            task_lanes_stale: false,
            last_tick: None,
            longest_names: RefCell::default(),
        }
    }

    /// Follow the lab's runs live.
    pub fn live(lab: Lab) -> App {
        let mut app = App::new(Source::Live(Box::new(lab)), Playhead::live());
        app.focus_first();
        app.tick();
        app
    }

    /// Show a recorded trace, paused at its start.
    pub fn replay(mut trace: Trace) -> App {
        trace.reindex();
        let mut app = App::new(Source::Replay(trace), Playhead::paused_at_start());
        app.now_ns = app
            .trace()
            .runs
            .iter()
            .filter_map(|r| r.end_ns)
            .max()
            .unwrap_or(0);
        app.refresh_stats();
        app.focus_first();
        app
    }

    /// Focus the first panel shown that is not a ghost.
    fn focus_first(&mut self) {
        self.focus = self.trace().runs.len().saturating_sub(1);
        self.move_focus(1);
    }

    pub fn trace(&self) -> &Trace {
        match &self.source {
            Source::Live(lab) => lab.trace(),
            Source::Replay(trace) => trace,
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self.source, Source::Live(_))
    }

    /// Every run has ended.
    pub fn finished(&self) -> bool {
        let runs = &self.trace().runs;
        !runs.is_empty() && runs.iter().all(Run::finished)
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
            (Some(s), None) => self.now_ns.saturating_sub(s),
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
        match (self.by_task, self.task_lanes.get(run)) {
            (true, Some(lanes)) => lanes,
            _ => &self.trace().runs[run].lanes,
        }
    }

    /// Fit the view to a terminal of `width` x `height`.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.cols = diagram_cols(width, self.label_width(width));
    }

    /// The lane-name column's width at this terminal width: as wide as the names shown (a
    /// worker process's pid left out if need be; room for a group's "–N" where lanes are
    /// grouped), within bounds.
    pub fn label_width(&self, width: u16) -> u16 {
        let (_, height) = self.size;
        self.label_width_for(width, &self.panel_heights(width, height))
    }

    /// [`App::label_width`] for panels of `heights` (from [`App::panel_heights`]).
    pub fn label_width_for(&self, width: u16, heights: &[(usize, u16)]) -> u16 {
        let longest = heights
            .iter()
            .map(|&(r, h)| {
                let lanes = self.lanes(r);
                let (rows, _, caption) = panel_split(h, self.trace().runs[r].meta.queues.len());
                let grouped = grouped_lanes(lanes.len(), rows, self.compact, caption > 0);
                let suffix = if grouped {
                    2 + lanes.len().to_string().len()
                } else {
                    0
                };
                self.longest_name(r) + suffix
            })
            .max()
            .unwrap_or(0);
        label_width(width, longest)
    }

    /// The longest lane name of run `r` as shown (without a worker process's pid). A replay's
    /// is measured once for the lanes shown (by worker or by task), not every frame.
    fn longest_name(&self, r: usize) -> usize {
        if self.is_live() {
            return self.measure_longest_name(r);
        }
        let of = NamesOf {
            run: r,
            by_task: self.by_task,
            lanes: self.lanes(r).len(),
            size: self.trace().runs[r].size(),
        };
        let mut known = self.longest_names.borrow_mut();
        if let Some(&(_, longest)) = known.iter().find(|(o, _)| *o == of) {
            return longest;
        }
        let longest = self.measure_longest_name(r);
        known.retain(|(o, _)| o.run != r);
        known.push((of, longest));
        longest
    }

    fn measure_longest_name(&self, r: usize) -> usize {
        let run = &self.trace().runs[r];
        self.lanes(r)
            .iter()
            .map(|l| {
                let role = l.role().and_then(|i| run.meta.roles.get(i));
                let name = crate::present::words::without_note(&l.name);
                name.chars().count() + role.map_or(0, |r| r.name.chars().count() + 3)
            })
            .max()
            .unwrap_or(0)
    }

    /// The runs shown: all, or only the focused one (`z`).
    /// The runs shown, in display order: the latest set's (one, with `z`), each with its ghost
    /// (the same place in the set run before it) under it, until ghosts are cleared.
    pub fn visible_panels(&self) -> Vec<usize> {
        let runs = &self.trace().runs;
        if self.solo && self.focus < runs.len() {
            return vec![self.focus];
        }
        self.all_panels()
    }

    /// Every panel of the latest set, with its ghost where there is room, alone or not.
    fn all_panels(&self) -> Vec<usize> {
        let runs = &self.trace().runs;
        let latest = self.latest_set();
        let current = (0..runs.len()).filter(|&r| runs[r].meta.set == latest);
        let current: Vec<usize> = current.collect();
        // Ghosts where the terminal has room for them beside the runs.
        let ghosts: Vec<Option<usize>> = current.iter().map(|&r| self.ghost_of(r)).collect();
        let panels = current.len() + ghosts.iter().flatten().count();
        let room = roomy_rows(panels) <= self.size.1;
        let mut shown = Vec::new();
        for (r, ghost) in current.into_iter().zip(ghosts) {
            shown.push(r);
            shown.extend(ghost.filter(|_| room));
        }
        shown
    }

    /// The latest set of runs (0 until a what-if).
    pub fn latest_set(&self) -> u32 {
        self.trace().latest_set()
    }

    /// The ghost of run `run`: the run at its place in the set before, if ghosts are shown.
    /// A ghost is the run of the set before of the same executor and variant (the first such
    /// for the first, the second for the second, ...).
    pub fn ghost_of(&self, run: usize) -> Option<usize> {
        let runs = &self.trace().runs;
        let r = runs.get(run)?;
        let before = r
            .meta
            .set
            .checked_sub(1)
            .filter(|s| *s >= self.shown_from_set)?;
        let alike =
            |o: &Run| (&o.meta.executor, &o.meta.variant) == (&r.meta.executor, &r.meta.variant);
        let place = runs[..run]
            .iter()
            .filter(|o| o.meta.set == r.meta.set && alike(o))
            .count();
        let mut same = runs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.meta.set == before && alike(o));
        same.nth(place).map(|(i, _)| i)
    }

    /// Whether run `run` is a ghost: of a set before the latest.
    pub fn is_ghost(&self, run: usize) -> bool {
        self.trace()
            .runs
            .get(run)
            .is_some_and(|r| r.meta.set < self.latest_set())
    }

    /// The lesson's point in a line, once every run has finished (computed as they finish).
    pub fn verdict(&self) -> String {
        self.verdict.clone().unwrap_or_default()
    }

    /// The footer's rows for a terminal of `width` x `height`: the verdict may take up to
    /// [`MOST_VERDICT_ROWS`], where the panels' fewest rows leave room.
    pub fn foot_rows(&self, width: u16, height: u16) -> u16 {
        let need = min_size(self.visible_panels().len()).1;
        let wants = match self.finished() {
            true => wrapped_rows(&format!(" {}", self.verdict()), width).min(MOST_VERDICT_ROWS),
            false => 1,
        };
        wants.clamp(1, height.saturating_sub(need) + 1)
    }

    /// Each shown panel's run and height, for a terminal of `width` x `height`: what is left
    /// between the header, the axis, the footer and the status line.
    pub fn panel_heights(&self, width: u16, height: u16) -> Vec<(usize, u16)> {
        let panels = self.visible_panels();
        let rows = height.saturating_sub(1 + 2 + self.foot_rows(width, height) + 1);
        let wanted: Vec<u16> = panels
            .iter()
            .map(|&r| {
                let rows = 2 + self.lanes(r).len().max(1) + self.trace().runs[r].meta.queues.len();
                u16::try_from(rows).unwrap_or(u16::MAX)
            })
            .collect();
        panels.into_iter().zip(share_rows(rows, &wanted)).collect()
    }

    /// A finished run's summary figures.
    pub fn run_stats(&self, run: usize) -> Option<&RunStats> {
        self.stats.get(run).and_then(|(_, s)| s.as_ref())
    }

    /// Figures of finished runs, computed again only for a run that took records since (a
    /// thread's last marks can come in after its run's end).
    fn refresh_stats(&mut self) {
        let runs = &self.trace().runs;
        let fresh: Vec<(usize, Option<RunStats>)> = runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let size = r.size();
                match self.stats.get(i) {
                    Some(&(was, Some(s))) if was == size => (size, Some(s)),
                    _ => (size, r.finished().then(|| r.stats())),
                }
            })
            .collect();
        self.stats = fresh;
        self.verdict = self.finished().then(|| {
            let stats = |i: usize| self.run_stats(i).copied();
            crate::present::verdict::verdict(self.trace(), stats).line
        });
    }

    /// Drain what the runs recorded and move the playhead with the clock. Called once per frame
    /// (and a few times a second while nothing moves, so records don't pile up).
    pub fn tick(&mut self) {
        let now = Instant::now();
        let dt = self
            .last_tick
            .map_or(0, |t| now.duration_since(t).as_nanos() as u64);
        self.last_tick = Some(now);
        if let Source::Live(lab) = &mut self.source {
            let drained = lab.drain();
            self.now_ns = lab.now_ns();
            // Regrouping by task costs a pass over the trace: a few times a second is enough.
            let due = self
                .task_lanes_at
                .is_none_or(|at| now.duration_since(at) >= TASK_LANES_EVERY);
            self.task_lanes_stale |= drained > 0;
            if self.task_lanes_stale && self.by_task && due {
                self.task_lanes = derive_task_lanes(lab.trace());
                self.task_lanes_at = Some(now);
                self.task_lanes_stale = false;
            }
            if drained > 0 {
                self.refresh_stats();
            }
        }
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
                self.task_lanes = derive_task_lanes(self.trace());
                self.scroll.iter_mut().for_each(|s| *s = 0);
            }
            Action::FocusNext => self.move_focus(1),
            Action::FocusPrev => self.move_focus(-1),
            Action::ToggleSolo => self.solo = !self.solo,
            Action::ScrollDown => self.scroll_focused(1),
            Action::ScrollUp => self.scroll_focused(-1),
            Action::ToggleCompact => self.compact = !self.compact,
            Action::Save => self.save(),
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

    /// Do what the mouse asked.
    pub fn pointer(&mut self, gesture: Pointer) {
        self.note = None;
        let view = self.view_extent();
        match gesture {
            Pointer::Click { x, y } => {
                // Focus moves among the runs of the latest set, as with Tab: a ghost is not
                // focused (the click still moves the playhead).
                if let Some(run) = self.panel_at(y).filter(|&r| !self.is_ghost(r)) {
                    self.focus = run;
                }
                if let Some(t) = self.time_at(x).filter(|_| self.panel_at(y).is_some()) {
                    self.playhead.jump(t, self.extent());
                }
                self.drag_from = Some(x);
            }
            Pointer::Wheel { x, zoom_in } => {
                let t = self.time_at(x).unwrap_or(self.playhead.t_ns);
                let by = if zoom_in { 0.5 } else { 2.0 };
                self.zoom.scale(by, t, view, self.cols);
            }
            Pointer::Drag { x } => {
                let from = self.drag_from.replace(x).unwrap_or(x);
                self.pan(from as i64 - x as i64);
            }
            Pointer::Release => self.drag_from = None,
        }
        self.last_tick = Some(Instant::now());
    }

    /// Move the window by `cols` columns (later when positive), holding its scale.
    fn pan(&mut self, cols: i64) {
        if cols == 0 {
            return;
        }
        let w = self.window();
        let by = w.ns_per_col.saturating_mul(cols.unsigned_abs());
        let from_ns = match cols > 0 {
            true => w.from_ns.saturating_add(by).min(self.view_extent()),
            false => w.from_ns.saturating_sub(by),
        };
        self.zoom = Zoom::Fixed(Window { from_ns, ..w });
        // A panned view is the user's: the playhead stays where it was.
        if self.playhead.motion == Motion::Follow {
            self.playhead.jump(self.playhead.t_ns, self.extent());
        }
    }

    /// The panel drawn at terminal row `y`, if any (the header is row 0, panels follow).
    pub fn panel_at(&self, y: u16) -> Option<usize> {
        let (width, height) = self.size;
        let mut top = 1;
        for (run, h) in self.panel_heights(width, height) {
            if (top..top + h).contains(&y) {
                return Some(run);
            }
            top += h;
        }
        None
    }

    /// The display time at terminal column `x`, if it is in the diagrams.
    pub fn time_at(&self, x: u16) -> Option<u64> {
        let x0 = self.label_width(self.size.0) + 1;
        let col = x.checked_sub(x0)? as usize;
        (col < self.cols).then(|| {
            let w = self.window();
            w.from_ns + w.ns_per_col * col as u64
        })
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
        let shown: Vec<usize> = self
            .all_panels()
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
        let Source::Live(lab) = &self.source else {
            self.message = Some("what-if reruns a lesson: not for a saved trace".into());
            return;
        };
        let Some(plan) = lab.latest() else {
            self.message = Some("what-if reruns a lesson: not for a real program".into());
            return;
        };
        // Runs measured beside others still going would not compare fairly.
        if !self.finished() {
            self.message = Some("what-if waits for the runs to finish".into());
            return;
        }
        self.what_if = Some(Form::new(&plan.lesson, &plan.options, &plan.runs));
    }

    /// A key while the what-if form is open: edit it, or run what it says beside the runs
    /// there (they stay, as ghosts), or close it.
    pub fn form_key(&mut self, key: crossterm::event::KeyEvent) {
        let (Some(form), Source::Live(lab)) = (&mut self.what_if, &mut self.source) else {
            return;
        };
        let Some(base) = lab.latest().map(|p| p.options.clone()) else {
            return;
        };
        match form.key(key, &base) {
            whatif::Outcome::Editing => {}
            whatif::Outcome::Cancel => self.what_if = None,
            whatif::Outcome::Run(options) => match lab.what_if(*options) {
                Ok(_) => {
                    self.what_if = None;
                    self.playhead = Playhead::live();
                    self.zoom = Zoom::Fit;
                    self.stats.clear();
                    self.focus_first();
                }
                Err(e) => form.error = Some(e.to_string()),
            },
        }
    }

    /// Scroll the focused panel's lanes, never past the last screenful.
    fn scroll_focused(&mut self, by: isize) {
        let (width, height) = self.size;
        let Some(rows) = self
            .panel_heights(width, height)
            .into_iter()
            .find(|&(r, _)| r == self.focus)
            .map(|(r, h)| panel_split(h, self.trace().runs[r].meta.queues.len()).0)
        else {
            return;
        };
        let lanes = self.lanes(self.focus).len();
        if let Some(s) = self.scroll.get_mut(self.focus) {
            *s = (*s as isize + by).clamp(0, lanes.saturating_sub(rows) as isize) as usize;
        }
    }

    /// Jump to the next (or previous) state change on any lane of any run, and say what it was.
    fn step_event(&mut self, forward: bool) {
        let t = self.playhead.t_ns;
        let mut best: Option<(u64, usize, usize)> = None;
        let shown = match self.focused_events {
            true => vec![self.focus],
            false => self.visible_panels(),
        };
        for (r, run) in self.trace().runs.iter().enumerate() {
            if !shown.contains(&r) {
                continue;
            }
            let Some(start) = run.start_ns else { continue };
            for (l, lane) in self.lanes(r).iter().enumerate() {
                let change = if forward {
                    lane.next_change(start + t)
                } else {
                    lane.prev_change(start + t)
                };
                let Some(at) = change.map(|c| c.saturating_sub(start)) else {
                    continue;
                };
                let better = best.is_none_or(|(b, _, _)| if forward { at < b } else { at > b });
                if better {
                    best = Some((at, r, l));
                }
            }
        }
        let extent = self.extent();
        match best {
            Some((at, r, l)) => {
                self.playhead.jump(at, extent);
                let text = self.describe(r, l, at);
                self.note = Some(Note { run: r, text });
            }
            None => self.playhead.jump(t, extent),
        }
    }

    /// An event in words: "t = 412.3 ms · threads (GIL): thread 3 starts waiting for I/O (task 17)".
    pub fn describe(&self, run: usize, lane: usize, t_ns: u64) -> String {
        crate::present::caption::event(&crate::present::caption::At {
            run: &self.trace().runs[run],
            lane: &self.lanes(run)[lane],
            t_ns,
            now_ns: self.now_ns,
            by_task: self.by_task,
        })
    }

    fn save(&mut self) {
        let trace = self.trace();
        let path = self.save_path.clone().unwrap_or_else(|| {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            PathBuf::from(format!("runwait-{}-{secs}.json", trace.scenario))
        });
        self.message = Some(match file::save(trace, &path) {
            Ok(()) => format!("saved to {}", path.display()),
            Err(e) => format!("not saved: {e}"),
        });
    }

    /// Live: stop what runs and run the lesson again. Replay: play from the start.
    fn rerun(&mut self) {
        match &mut self.source {
            Source::Live(lab) if lab.latest().is_none() => {
                self.message = Some("r reruns a lesson: a real program is not run again".into());
                return;
            }
            Source::Live(lab) => {
                lab.rerun();
                self.playhead = Playhead::live();
                self.task_lanes.clear();
                self.stats.clear();
                self.verdict = None;
                self.shown_from_set = 0;
                self.focus = 0;
            }
            Source::Replay(_) => {
                self.playhead = Playhead::paused_at_start();
                self.playhead.toggle(false, self.extent());
            }
        }
        self.zoom = Zoom::Fit;
        self.tick();
    }

    /// Stop every run (quit): worker processes are killed, threads joined.
    pub fn stop(&mut self) {
        if let Source::Live(lab) = &mut self.source {
            lab.stop();
        }
    }
}

/// Each task's spans as a lane of its own (a task runs on one worker, so they stay in order),
/// indexed for drawing as a recorded lane is.
pub fn derive_task_lanes(trace: &Trace) -> Vec<Vec<Lane>> {
    trace
        .runs
        .iter()
        .map(|run| {
            let mut lanes: Vec<Lane> = (0..run.meta.tasks)
                .map(|t| Lane::named(format!("task {t}")))
                .collect();
            for (t, lane) in lanes.iter_mut().enumerate() {
                lane.note_role(run.meta.role_of(t as u32));
            }
            for lane in &run.lanes {
                for span in &lane.spans {
                    if let Some(l) = span.task.and_then(|t| lanes.get_mut(t as usize)) {
                        l.spans.push(*span);
                    }
                }
                if let Some(open) = lane.open {
                    if let Some(l) = open.task.and_then(|t| lanes.get_mut(t as usize)) {
                        l.open = Some(open);
                    }
                }
            }
            for l in &mut lanes {
                l.spans.sort_by_key(|s| s.start_ns);
                l.reindex();
            }
            lanes
        })
        .collect()
}
