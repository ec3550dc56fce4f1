//! Keys become actions through one keymap, [`KEYMAP`], which is also the help (like asciinema's
//! player where it has a key).
//! Only presses count: repeats and releases are ignored, so one press is one step.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Esc: quit, except while the class answers (a teacher's Esc must not end the lesson).
    Leave,
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
    Slower,
    Faster,
    ToggleFocusedEvents,
    WhatIf,
    ClearGhosts,
    ToggleArrows,
    /// Predict, then run: ask before the next run (or, asked, go back).
    Predict,
    /// A raised hand for answer N (from 0) of the focused panel's question.
    Answer(u8),
    /// Take back the last hand counted.
    Undo,
}

/// A key: its code, and whether Ctrl is held (other modifiers don't matter).
type Key = (KeyCode, bool);

/// One line of the help and the keys behind it: the keys as shown, what they do, and each
/// key's action. The keymap and the help overlay are this one table.
pub struct Binding {
    pub keys: &'static str,
    pub what: &'static str,
    pub map: &'static [(Key, Action)],
}

const fn key(c: char) -> Key {
    (KeyCode::Char(c), false)
}

use Action::*;

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: "space",
        what: "pause / resume; once done, play from the playhead",
        map: &[(key(' '), TogglePause)],
    },
    Binding {
        keys: ". or →",
        what: "one frame forward (one column of time)",
        map: &[
            (key('.'), FrameForward),
            ((KeyCode::Right, false), FrameForward),
        ],
    },
    Binding {
        keys: ", or ←",
        what: "one frame back",
        map: &[(key(','), FrameBack), ((KeyCode::Left, false), FrameBack)],
    },
    Binding {
        keys: "] / [",
        what: "next / previous event; with arrows, follow them",
        map: &[(key(']'), NextEvent), (key('['), PrevEvent)],
    },
    Binding {
        keys: "Home / End",
        what: "the start / live again (replay: the end)",
        map: &[
            ((KeyCode::Home, false), Start),
            ((KeyCode::End, false), End),
        ],
    },
    Binding {
        keys: "< / >",
        what: "play slower / faster (0.1x to 4x)",
        map: &[(key('<'), Slower), (key('>'), Faster)],
    },
    Binding {
        keys: "e",
        what: "step through the focused panel's events only",
        map: &[(key('e'), ToggleFocusedEvents)],
    },
    Binding {
        keys: "+ / -",
        what: "zoom in / out around the playhead",
        map: &[(key('+'), ZoomIn), (key('='), ZoomIn), (key('-'), ZoomOut)],
    },
    Binding {
        keys: "0",
        what: "fit everything (with z: the focused run)",
        map: &[(key('0'), Fit)],
    },
    Binding {
        keys: "a",
        what: "arrows: who woke whom (by worker)",
        map: &[(key('a'), ToggleArrows)],
    },
    Binding {
        keys: "g",
        what: "lanes by worker or by task",
        map: &[(key('g'), ToggleGrouping)],
    },
    Binding {
        keys: "Tab / S-Tab",
        what: "focus the next / previous panel",
        map: &[
            ((KeyCode::Tab, false), FocusNext),
            ((KeyCode::BackTab, false), FocusPrev),
        ],
    },
    Binding {
        keys: "z",
        what: "the focused panel alone, full height",
        map: &[(key('z'), ToggleSolo)],
    },
    Binding {
        keys: "j k or ↓ ↑",
        what: "scroll the focused panel's lanes",
        map: &[
            (key('j'), ScrollDown),
            ((KeyCode::Down, false), ScrollDown),
            (key('k'), ScrollUp),
            ((KeyCode::Up, false), ScrollUp),
        ],
    },
    Binding {
        keys: "c",
        what: "compact: group lanes that don't fit",
        map: &[(key('c'), ToggleCompact)],
    },
    Binding {
        keys: "w",
        what: "what if: change the settings, run again beside",
        map: &[(key('w'), WhatIf)],
    },
    Binding {
        keys: "x",
        what: "clear the ghosts of the runs before",
        map: &[(key('x'), ClearGhosts)],
    },
    Binding {
        keys: "p / 1–9 / u ⌫",
        what: "predict first / a hand up for that answer / undo",
        map: &[
            (key('p'), Predict),
            (key('1'), Answer(0)),
            (key('2'), Answer(1)),
            (key('3'), Answer(2)),
            (key('4'), Answer(3)),
            (key('5'), Answer(4)),
            (key('6'), Answer(5)),
            (key('7'), Answer(6)),
            (key('8'), Answer(7)),
            (key('9'), Answer(8)),
            (key('u'), Undo),
            ((KeyCode::Backspace, false), Undo),
        ],
    },
    Binding {
        keys: "s",
        what: "save the trace",
        map: &[(key('s'), Save)],
    },
    Binding {
        keys: "r",
        what: "run the lesson again (replay: play from 0)",
        map: &[(key('r'), Rerun)],
    },
    Binding {
        keys: "?",
        what: "this help",
        map: &[(key('?'), ToggleHelp)],
    },
    Binding {
        keys: "mouse click",
        what: "focus a panel/lane/answer; put the playhead there",
        map: &[],
    },
    Binding {
        keys: "wheel / drag",
        what: "zoom around the pointer / pan (--no-mouse: off)",
        map: &[],
    },
    Binding {
        keys: "q, Esc, Ctrl-C",
        what: "quit (Esc: not while the class answers)",
        map: &[
            (key('q'), Quit),
            ((KeyCode::Esc, false), Leave),
            ((KeyCode::Char('c'), true), Quit),
        ],
    },
];

/// The action a key press asks for, through [`KEYMAP`].
pub fn action(key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let pressed = (key.code, key.modifiers.contains(KeyModifiers::CONTROL));
    KEYMAP
        .iter()
        .flat_map(|b| b.map)
        .find(|(k, _)| *k == pressed)
        .map(|&(_, action)| action)
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
    fn no_key_has_two_actions() {
        let keys: Vec<Key> = KEYMAP.iter().flat_map(|b| b.map).map(|(k, _)| *k).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} twice in the keymap");
        }
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
