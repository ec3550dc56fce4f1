//! The mouse: a click on a panel focuses it, a click in the diagrams puts the playhead there
//! (paused), the wheel zooms around the pointer, dragging pans. Mouse events become [`Pointer`]
//! gestures here, with where they point in the layout; the app state does them.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

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
