//! What the app answers about who woke whom (the arrows, `a`): a run's wakes in time order,
//! the wake the caption names, and `]` / `[` along the arrows: `]` crosses the next arrow out of
//! the followed lane (the playhead goes to it, the lane it woke is followed), `[` goes back
//! along the last arrow into it (the lane that woke it is followed). With no lane followed yet,
//! the first step takes the focused panel's next (or last) wake of any lane.

use super::app::App;
use super::steps::{along_wakes, Cursor};
use super::view::{Follow, Note};
use super::wakes::Sorted;
use crate::present::caption;
use std::sync::Arc;

impl App {
    /// Whether arrows are drawn: toggled on, and the lanes are the runs' own (a wake names a
    /// worker, not a task).
    pub fn arrows_on(&self) -> bool {
        self.view.arrows && !self.view.by_task
    }

    /// Run `run`'s wakes in time order.
    pub fn wakes_sorted(&self, run: usize) -> Arc<Sorted> {
        self.session
            .wakes
            .sorted(run, &self.trace().runs[run].wakes)
    }

    /// The caption of run `run`'s panel while arrows are on: the wake nearest the playhead, if
    /// it is on screen, in words that fit `width` where they can.
    pub fn wake_caption(&self, run: usize, width: usize) -> Option<String> {
        if !self.arrows_on() {
            return None;
        }
        let r = &self.trace().runs[run];
        let start = r.start_ns?;
        let window = self.window();
        let wake = (self.wakes_sorted(run))
            .nearest(&r.wakes, start + self.view.playhead.t_ns)
            .filter(|w| {
                window
                    .col(w.to_ns.saturating_sub(start), self.view.cols)
                    .is_some()
            })?;
        Some(caption::wake(r, wake, self.now_ns(), width))
    }

    /// A click on run `run`'s panel at terminal row `y`, arrows on: the lane alone in that row
    /// is followed from the playhead.
    pub(super) fn follow_row(&mut self, run: usize, y: u16) {
        if !self.arrows_on() {
            return;
        }
        if let Some(lane) = self.session.wakes.lane_at(run, y) {
            self.view.follow = Some(Follow {
                run,
                lane,
                at: None,
            });
        }
    }

    /// `]` / `[`: along the arrows while they are on, else to the next state change.
    pub(super) fn step(&mut self, forward: bool) {
        match self.arrows_on() {
            true => self.step_wake(forward),
            false => self.step_event(forward),
        }
    }

    /// One arrow along the chain of wakes of the focused panel (see the module's words).
    fn step_wake(&mut self, forward: bool) {
        let run = self.view.focus;
        let t = self.view.playhead.t_ns;
        let Some(start) = self.trace().runs.get(run).and_then(|r| r.start_ns) else {
            return;
        };
        let follow = self.view.follow.filter(|f| f.run == run);
        let cursor = Cursor {
            lane: follow.map(|f| f.lane),
            // The wake stepped to last, while the playhead is where that step left it.
            here: follow
                .and_then(|f| f.at)
                .filter(|&(_, left)| left == t)
                .map(|(p, _)| p),
            t_ns: start + t,
        };
        let sorted = self.wakes_sorted(run);
        let r = &self.trace().runs[run];
        let Some((p, lane)) = along_wakes(&r.wakes, &sorted.order, cursor, forward) else {
            let text = caption::no_wake(r, cursor.lane, t, forward);
            self.view.note = Some(Note { run, text });
            return;
        };
        let wake = r.wakes[sorted.order[p] as usize];
        let width = self.view.size.0 as usize;
        let text = caption::wake(r, &wake, self.now_ns(), width.saturating_sub(2));
        let to = wake.to_ns.saturating_sub(start);
        self.view.playhead.jump(to, self.extent());
        let left = self.view.playhead.t_ns;
        self.view.follow = Some(Follow {
            run,
            lane,
            at: Some((p, left)),
        });
        self.view.note = Some(Note { run, text });
    }
}
