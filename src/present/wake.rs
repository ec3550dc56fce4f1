//! Who woke whom, for every view: each cause's colour (an arrow on screen, in the SVG) and its
//! words. The caption's sentences about a wake are built from these.

use crate::trace::Cause;
use ratatui::style::Color;

/// The colour a wake of `cause` is drawn in: the GIL's yellow, a lock's and a queue's red (what
/// the woken lane waited on), I/O and timers green, the event loop's cyan, a pipe's magenta.
pub fn colour(cause: Cause) -> Color {
    match cause {
        Cause::GilInterval | Cause::GilReleased => Color::Yellow,
        Cause::LockReleased | Cause::QueuePut | Cause::QueueGet => Color::LightRed,
        Cause::IoDone | Cause::Timer => Color::Green,
        Cause::LoopPoll => Color::Cyan,
        Cause::Pipe => Color::Magenta,
    }
}

/// The same colour for a picture (the SVG): `#rrggbb`.
pub fn hex(cause: Cause) -> &'static str {
    match colour(cause) {
        Color::Yellow => "#d7af00",
        Color::LightRed => "#e05050",
        Color::Green => "#3aa655",
        Color::Cyan => "#20a8c0",
        _ => "#b050c0",
    }
}

/// What the waker did, as a verb phrase: `handed the GIL over after its switch interval`.
pub fn deed(cause: Cause) -> &'static str {
    match cause {
        Cause::GilInterval => "handed the GIL over after its switch interval",
        Cause::GilReleased => "let the GIL go",
        Cause::LockReleased => "released the lock",
        Cause::QueuePut => "put an item in the queue",
        Cause::QueueGet => "took an item from the full queue",
        Cause::IoDone => "the response arrived",
        Cause::Timer => "the timer fired",
        Cause::LoopPoll => "gave the event loop back",
        Cause::Pipe => "sent a message over the pipe",
    }
}

/// A short name for legends and tables: `GIL hand-off`, `queue put`.
pub fn short(cause: Cause) -> &'static str {
    match cause {
        Cause::GilInterval => "GIL after interval",
        Cause::GilReleased => "GIL let go",
        Cause::LockReleased => "lock released",
        Cause::QueuePut => "queue put",
        Cause::QueueGet => "queue get",
        Cause::IoDone => "I/O done",
        Cause::Timer => "timer",
        Cause::LoopPoll => "loop poll",
        Cause::Pipe => "pipe message",
    }
}
