//! The playhead and the zoom: which instant the views show, and which window of time.
//!
//! Pause is a cursor, not a copy: live, the playhead follows the end of what was recorded;
//! paused, it stays where it is while the runs keep recording. Times here are display times:
//! nanoseconds from each run's own start.

/// How the playhead moves by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// Live: always at the end of what was recorded.
    Follow,
    /// Replay: moving forward in real time.
    Play,
    /// Paused.
    Still,
}

/// The speeds a replay plays at, slowest first.
pub const SPEEDS: [f64; 6] = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0];

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Playhead {
    pub t_ns: u64,
    pub motion: Motion,
    /// How fast it plays: a place in [`SPEEDS`].
    pub speed: usize,
}

/// Real time.
const NORMAL_SPEED: usize = 3;

impl Playhead {
    pub fn live() -> Playhead {
        Playhead {
            t_ns: 0,
            motion: Motion::Follow,
            speed: NORMAL_SPEED,
        }
    }

    pub fn paused_at_start() -> Playhead {
        Playhead {
            t_ns: 0,
            motion: Motion::Still,
            speed: NORMAL_SPEED,
        }
    }

    /// How many times real time it plays at.
    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed]
    }

    /// Play faster (`by` 1) or slower (-1), within [`SPEEDS`].
    pub fn change_speed(&mut self, by: isize) {
        self.speed = self.speed.saturating_add_signed(by).min(SPEEDS.len() - 1);
    }

    /// Keep up with the clock: `extent` is how far the recording reaches, `dt` the real time
    /// since the last call.
    pub fn advance(&mut self, dt_ns: u64, extent: u64) {
        match self.motion {
            Motion::Follow => self.t_ns = extent,
            Motion::Play => {
                let played = (dt_ns as f64 * self.speed()) as u64;
                self.t_ns = self.t_ns.saturating_add(played).min(extent);
                if self.t_ns == extent {
                    self.motion = Motion::Still;
                }
            }
            Motion::Still => self.t_ns = self.t_ns.min(extent),
        }
    }

    /// `space`: pause; or resume (`live`, runs still going: back to following the end; else
    /// play on from the playhead, from the start again if at the end).
    pub fn toggle(&mut self, live: bool, extent: u64) {
        self.motion = match (self.motion, live) {
            (Motion::Still, true) => Motion::Follow,
            // Paused, or following runs that have finished: play from the playhead.
            (Motion::Still, false) | (Motion::Follow, false) => {
                if self.t_ns >= extent {
                    self.t_ns = 0;
                }
                Motion::Play
            }
            _ => Motion::Still,
        };
    }

    /// Pause at `t_ns`, kept within the recording.
    pub fn jump(&mut self, t_ns: u64, extent: u64) {
        self.motion = Motion::Still;
        self.t_ns = t_ns.min(extent);
    }

    /// Pause and move by `frames` columns of `ns_per_col`.
    pub fn step_frames(&mut self, frames: i64, ns_per_col: u64, extent: u64) {
        let by = ns_per_col.saturating_mul(frames.unsigned_abs());
        let t = if frames >= 0 {
            self.t_ns.saturating_add(by)
        } else {
            self.t_ns.saturating_sub(by)
        };
        self.jump(t, extent);
    }

    /// `End`: live, follow the end again; replay, pause at the end.
    pub fn end(&mut self, live: bool, extent: u64) {
        if live {
            self.motion = Motion::Follow;
            self.t_ns = extent;
        } else {
            self.jump(extent, extent);
        }
    }
}

/// The narrowest a column can be: one microsecond.
pub const MIN_NS_PER_COL: u64 = 1_000;
/// Fitting never makes a column shorter than this, so a run just started doesn't fill the
/// screen with its first microseconds.
const MIN_FIT_EXTENT_NS: u64 = 100_000_000;

/// The window of time the diagrams show: from where, and how much time one column stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from_ns: u64,
    pub ns_per_col: u64,
}

impl Window {
    pub fn to_ns(&self, cols: usize) -> u64 {
        self.from_ns + self.ns_per_col * cols as u64
    }

    /// The column of `t_ns`, if it is in the window.
    pub fn col(&self, t_ns: u64, cols: usize) -> Option<usize> {
        (t_ns >= self.from_ns && t_ns < self.to_ns(cols))
            .then(|| ((t_ns - self.from_ns) / self.ns_per_col) as usize)
    }
}

/// Fit everything, or a chosen window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zoom {
    Fit,
    Fixed(Window),
}

impl Zoom {
    pub fn fit_window(extent: u64, cols: usize) -> Window {
        let cols = cols.max(1) as u64;
        Window {
            from_ns: 0,
            // One more than the extent, so its last instant (the playhead at the end) is on screen.
            ns_per_col: (extent.max(MIN_FIT_EXTENT_NS) + 1)
                .div_ceil(cols)
                .max(MIN_NS_PER_COL),
        }
    }

    pub fn window(&self, extent: u64, cols: usize) -> Window {
        match self {
            Zoom::Fit => Zoom::fit_window(extent, cols),
            Zoom::Fixed(w) => *w,
        }
    }

    /// How many times closer than fitting everything.
    pub fn factor(&self, extent: u64, cols: usize) -> f64 {
        let fit = Zoom::fit_window(extent, cols).ns_per_col as f64;
        fit / self.window(extent, cols).ns_per_col as f64
    }

    /// Zoom in (`factor` < 1) or out (> 1) around `t_ns`, which keeps its column.
    pub fn scale(&mut self, by: f64, t_ns: u64, extent: u64, cols: usize) {
        let w = self.window(extent, cols);
        let fit = Zoom::fit_window(extent, cols);
        let npc = ((w.ns_per_col as f64 * by) as u64).max(MIN_NS_PER_COL);
        if npc >= fit.ns_per_col || npc.saturating_mul(cols as u64) >= extent.max(MIN_FIT_EXTENT_NS)
        {
            *self = Zoom::Fit;
            return;
        }
        let col = t_ns.saturating_sub(w.from_ns) / w.ns_per_col;
        *self = Zoom::Fixed(Window {
            from_ns: t_ns.saturating_sub(col * npc),
            ns_per_col: npc,
        });
    }

    /// Scroll a fixed window so `t_ns` stays on screen: at the right edge while following,
    /// else centred when it left the window.
    pub fn keep_visible(&mut self, t_ns: u64, cols: usize, following: bool) {
        let Zoom::Fixed(w) = self else { return };
        let cols = cols.max(1);
        if w.col(t_ns, cols).is_some() {
            return;
        }
        let span = w.ns_per_col * cols as u64;
        w.from_ns = if following {
            (t_ns + w.ns_per_col).saturating_sub(span)
        } else {
            t_ns.saturating_sub(span / 2)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn live_follows_the_end_until_paused_and_holds_still_while_recording_goes_on() {
        let mut p = Playhead::live();
        p.advance(0, 100 * MS);
        assert_eq!(p.t_ns, 100 * MS);
        p.toggle(true, 100 * MS);
        assert_eq!(p.motion, Motion::Still);
        p.advance(50 * MS, 400 * MS);
        assert_eq!(
            p.t_ns,
            100 * MS,
            "paused: the recording grows, the playhead stays"
        );
        p.toggle(true, 400 * MS);
        p.advance(0, 400 * MS);
        assert_eq!((p.motion, p.t_ns), (Motion::Follow, 400 * MS));
    }

    #[test]
    fn frames_step_by_one_column_within_bounds() {
        let mut p = Playhead::live();
        p.advance(0, 100 * MS);
        p.step_frames(-1, 10 * MS, 100 * MS);
        assert_eq!((p.motion, p.t_ns), (Motion::Still, 90 * MS));
        p.step_frames(5, 10 * MS, 100 * MS);
        assert_eq!(p.t_ns, 100 * MS, "never past the end");
        p.step_frames(-50, 10 * MS, 100 * MS);
        assert_eq!(p.t_ns, 0, "never before the start");
    }

    #[test]
    fn replay_plays_in_real_time_and_stops_at_the_end() {
        let mut p = Playhead::paused_at_start();
        p.advance(30 * MS, 100 * MS);
        assert_eq!(p.t_ns, 0);
        p.toggle(false, 100 * MS);
        p.advance(30 * MS, 100 * MS);
        assert_eq!((p.motion, p.t_ns), (Motion::Play, 30 * MS));
        p.advance(90 * MS, 100 * MS);
        assert_eq!((p.motion, p.t_ns), (Motion::Still, 100 * MS));
        p.toggle(false, 100 * MS);
        assert_eq!(
            (p.motion, p.t_ns),
            (Motion::Play, 0),
            "play again from the start"
        );
        p.end(false, 100 * MS);
        assert_eq!((p.motion, p.t_ns), (Motion::Still, 100 * MS));
        // Live runs that have finished: space plays them again, from the start if at the end.
        let mut p = Playhead::live();
        p.advance(0, 100 * MS);
        p.toggle(false, 100 * MS);
        assert_eq!((p.motion, p.t_ns), (Motion::Play, 0));
    }

    #[test]
    fn a_quarter_speed_replay_plays_a_quarter_of_the_wall_clock() {
        let mut p = Playhead::paused_at_start();
        p.change_speed(-1);
        p.change_speed(-1);
        assert_eq!(p.speed(), 0.25);
        p.toggle(false, 10_000 * MS);
        // Frames of about 33 ms for 2 s of wall clock.
        for _ in 0..60 {
            p.advance(33_333_333, 10_000 * MS);
        }
        let played = p.t_ns as f64 / 2e9;
        assert!(
            (played - 0.25).abs() < 0.25 * 0.2,
            "played {played} of the wall clock"
        );
        for _ in 0..10 {
            p.change_speed(1);
        }
        assert_eq!(p.speed(), 4.0, "no faster than the fastest");
        for _ in 0..10 {
            p.change_speed(-1);
        }
        assert_eq!(p.speed(), 0.1, "no slower than the slowest");
    }

    #[test]
    fn zoom_keeps_the_playhead_column_and_fits_back() {
        let extent = 1000 * MS;
        let mut z = Zoom::Fit;
        let fit = z.window(extent, 100);
        assert_eq!(
            fit,
            Window {
                from_ns: 0,
                ns_per_col: 10 * MS + 1
            }
        );
        assert_eq!(fit.col(extent, 100), Some(99), "the end is on screen");
        z.scale(0.5, 500 * MS, extent, 100);
        let w = z.window(extent, 100);
        assert_eq!(w.ns_per_col, 5 * MS);
        assert_eq!(
            w.col(500 * MS, 100),
            fit.col(500 * MS, 100),
            "the playhead keeps its column"
        );
        assert!((z.factor(extent, 100) - 2.0).abs() < 1e-3);
        z.scale(2.0, 500 * MS, extent, 100);
        assert_eq!(z, Zoom::Fit, "zooming out to everything is fitting");
        for _ in 0..40 {
            z.scale(0.5, 500 * MS, extent, 100);
        }
        assert_eq!(z.window(extent, 100).ns_per_col, MIN_NS_PER_COL);
    }

    #[test]
    fn a_fixed_window_scrolls_to_keep_the_playhead() {
        let mut z = Zoom::Fixed(Window {
            from_ns: 0,
            ns_per_col: MS,
        });
        z.keep_visible(50 * MS, 100, false);
        assert_eq!(z.window(0, 100).from_ns, 0);
        z.keep_visible(250 * MS, 100, false);
        assert_eq!(z.window(0, 100).from_ns, 200 * MS, "centred");
        z.keep_visible(400 * MS, 100, true);
        assert_eq!(
            z.window(0, 100).col(400 * MS, 100),
            Some(99),
            "at the right edge"
        );
    }

    #[test]
    fn a_short_recording_is_not_blown_up_to_the_whole_width() {
        let w = Zoom::Fit.window(MS, 100);
        assert_eq!(w.ns_per_col, (MIN_FIT_EXTENT_NS + 1).div_ceil(100));
    }
}
