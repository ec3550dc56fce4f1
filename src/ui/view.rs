//! The view's state: where the playhead is and how it moves, the zoom, which panel has the focus,
//! what is shown and how (alone, grouped, by task, scrolled), the help and the what-if form, a
//! word for the status line. Plain data: actions (`super::app`) change it, drawing reads it.

use super::playhead::{Playhead, Zoom};
use super::whatif::Form;
use std::time::Instant;

/// What an event step landed on, in words, for the caption of the panel it happened in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub run: usize,
    pub text: String,
}

/// The lane followed along the arrows: in run `run`, lane `lane` (of its workers); `at`, the
/// wake stepped to last (its place in the run's wakes by time) and the playhead it left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Follow {
    pub run: usize,
    pub lane: u32,
    pub at: Option<(usize, u64)>,
}

pub struct View {
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
    pub drag_from: Option<u16>,
    pub note: Option<Note>,
    /// Who woke whom drawn as arrows (`a`); then `]` / `[` follow them.
    pub arrows: bool,
    /// The lane `]` / `[` follow along the arrows, and the wake they stepped to last.
    pub follow: Option<Follow>,
    /// A transient word in the status line ("saved to ...").
    pub message: Option<String>,
    pub color: bool,
    /// Diagram columns at the terminal's current width (set by the loop on resize).
    pub cols: usize,
    /// The terminal's size (set by the loop), to know how many lanes a panel shows.
    pub size: (u16, u16),
    /// Paused live under "fit everything": fit again when following resumes.
    pub fit_on_resume: bool,
    /// When the playhead last moved with the clock.
    pub last_tick: Option<Instant>,
    /// The hands counted while the class answers, in order (question, answer), to take back.
    pub counted: Vec<(usize, usize)>,
    /// Whether the class was being asked at the last frame (a recording marks each question).
    pub asked: bool,
}

impl View {
    /// A view with its playhead as given, everything else as it opens.
    pub fn new(playhead: Playhead) -> View {
        View {
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
            arrows: false,
            follow: None,
            message: None,
            color: true,
            cols: 80,
            size: (80, 24),
            fit_on_resume: false,
            last_tick: None,
            counted: Vec::new(),
            asked: false,
        }
    }
}
