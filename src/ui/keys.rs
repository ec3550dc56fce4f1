//! Keys become actions through one keymap (like asciinema's player where it has a key).
//! Only presses count: repeats and releases are ignored, so one press is one step.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    TogglePause,
    FrameForward,
    FrameBack,
    NextEvent,
    PrevEvent,
    Start,
    End,
    ZoomIn,
    ZoomOut,
    Fit,
    ToggleGrouping,
    FocusNext,
    FocusPrev,
    ToggleSolo,
    ScrollDown,
    ScrollUp,
    ToggleCompact,
    Save,
    Rerun,
    ToggleHelp,
}

/// The keys, for the help overlay and the README: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("space", "pause / resume (replay: play / pause)"),
    (". or →", "one frame forward (one column of time)"),
    (", or ←", "one frame back"),
    ("] / [", "next / previous event (a lane changes state)"),
    ("Home / End", "the start / live again (replay: the end)"),
    ("+ / -", "zoom in / out around the playhead"),
    ("0", "fit everything"),
    ("g", "lanes by worker or by task"),
    ("Tab / S-Tab", "focus the next / previous panel"),
    ("z", "the focused panel alone, full height"),
    ("j k or ↓ ↑", "scroll the focused panel's lanes"),
    ("c", "compact: group lanes that don't fit"),
    ("s", "save the trace"),
    ("r", "run the lesson again (replay: play from 0)"),
    ("?", "this help"),
    ("q, Esc, Ctrl-C", "quit"),
];

pub fn action(key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('.') | KeyCode::Right => Action::FrameForward,
        KeyCode::Char(',') | KeyCode::Left => Action::FrameBack,
        KeyCode::Char(']') => Action::NextEvent,
        KeyCode::Char('[') => Action::PrevEvent,
        KeyCode::Home => Action::Start,
        KeyCode::End => Action::End,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::ZoomIn,
        KeyCode::Char('-') => Action::ZoomOut,
        KeyCode::Char('0') => Action::Fit,
        KeyCode::Char('g') => Action::ToggleGrouping,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char('z') => Action::ToggleSolo,
        KeyCode::Char('j') | KeyCode::Down => Action::ScrollDown,
        KeyCode::Char('k') | KeyCode::Up => Action::ScrollUp,
        KeyCode::Char('c') => Action::ToggleCompact,
        KeyCode::Char('s') => Action::Save,
        KeyCode::Char('r') => Action::Rerun,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn key(code: KeyCode, modifiers: KeyModifiers, kind: KeyEventKind) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn presses_count_repeats_and_releases_do_not() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            action(key(KeyCode::Char('.'), none, KeyEventKind::Press)),
            Some(Action::FrameForward)
        );
        assert_eq!(
            action(key(KeyCode::Char('.'), none, KeyEventKind::Repeat)),
            None
        );
        assert_eq!(
            action(key(KeyCode::Char('.'), none, KeyEventKind::Release)),
            None
        );
    }

    #[test]
    fn ctrl_c_quits_and_other_control_keys_do_nothing() {
        let ctrl = KeyModifiers::CONTROL;
        assert_eq!(
            action(key(KeyCode::Char('c'), ctrl, KeyEventKind::Press)),
            Some(Action::Quit)
        );
        assert_eq!(
            action(key(KeyCode::Char('s'), ctrl, KeyEventKind::Press)),
            None
        );
        assert_eq!(
            action(key(
                KeyCode::Char('c'),
                KeyModifiers::NONE,
                KeyEventKind::Press
            )),
            Some(Action::ToggleCompact)
        );
    }
}
