//! The mouse: a click on a panel focuses it, a click in the diagrams puts the playhead there
//! (paused), the wheel zooms around the pointer, dragging pans. Mouse events become [`Pointer`]
//! gestures here, with where they point in the layout; the app state does them.

use super::playhead::{Motion, Window, Zoom};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use std::time::Instant;

/// A gesture, at a terminal cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pointer {
    Click {
        x: u16,
        y: u16,
    },
    /// The wheel: in (towards the user's view: closer) or out.
    Wheel {
        x: u16,
        zoom_in: bool,
    },
    /// The pointer dragged to `x` with the button held.
    Drag {
        x: u16,
    },
    Release,
}

/// The gesture a mouse event makes, if any.
pub fn gesture(event: MouseEvent) -> Option<Pointer> {
    let (x, y) = (event.column, event.row);
    Some(match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Pointer::Click { x, y },
        MouseEventKind::Drag(MouseButton::Left) => Pointer::Drag { x },
        MouseEventKind::Up(MouseButton::Left) => Pointer::Release,
        MouseEventKind::ScrollUp => Pointer::Wheel { x, zoom_in: true },
        MouseEventKind::ScrollDown => Pointer::Wheel { x, zoom_in: false },
        _ => return None,
    })
}

/// What the mouse does to the view: focus and the playhead on a click, zoom on the wheel, pan
/// on a drag.
impl super::app::App {
    /// Do what the mouse asked.
    pub fn pointer(&mut self, gesture: Pointer) {
        self.view.note = None;
        if let (Pointer::Click { x, y }, true) = (gesture, self.session.asking()) {
            return self.click_answer(x, y);
        }
        let view = self.view_extent();
        match gesture {
            Pointer::Click { x, y } => {
                // Focus moves among the runs of the latest set, as with Tab: a ghost is not
                // focused (the click still moves the playhead).
                let panel = self.screen().panel_at(y);
                if let Some(run) = panel.filter(|&r| !self.is_ghost(r)) {
                    self.view.focus = run;
                }
                if let Some(t) = self.time_at(x).filter(|_| panel.is_some()) {
                    self.view.playhead.jump(t, self.extent());
                }
                if let Some(run) = panel {
                    self.follow_row(run, y);
                }
                self.view.drag_from = Some(x);
            }
            Pointer::Wheel { x, zoom_in } => {
                let t = self.time_at(x).unwrap_or(self.view.playhead.t_ns);
                let by = if zoom_in { 0.5 } else { 2.0 };
                self.view.zoom.scale(by, t, view, self.view.cols);
            }
            Pointer::Drag { x } => {
                let from = self.view.drag_from.replace(x).unwrap_or(x);
                self.pan(from as i64 - x as i64);
            }
            Pointer::Release => self.view.drag_from = None,
        }
        self.view.last_tick = Some(Instant::now());
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
        self.view.zoom = Zoom::Fixed(Window { from_ns, ..w });
        // A panned view is the user's: the playhead stays where it was.
        if self.view.playhead.motion == Motion::Follow {
            self.view
                .playhead
                .jump(self.view.playhead.t_ns, self.extent());
        }
    }
}
