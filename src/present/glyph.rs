//! How states look: one glyph and one tone per state, for every view. Glyphs carry the state
//! without colour (`█` run, `░` wait, `▒` ready); a cell where the lane ran only briefly is `▌`,
//! blue on the colour of what it did the rest of the cell. The tone of a state is one entry
//! here, as the terminal's colour, an ANSI code and the SVG's fill.

use crate::trace::{Cell, State};
use ratatui::style::{Color, Style};

/// A cell where the lane ran only briefly: blue, on the colour of what it did the rest of the
/// cell.
pub const BRIEF_RUN: char = '▌';

pub fn glyph(state: Option<State>) -> char {
    match state {
        Some(State::Run) => '█',
        Some(State::Wait) => '░',
        Some(State::Ready) => '▒',
        None => ' ',
    }
}

/// The character a cell shows.
pub fn cell_glyph(cell: Cell) -> char {
    if cell.ran_briefly() {
        BRIEF_RUN
    } else {
        glyph(cell.main)
    }
}

/// A queue length as one character: a digit, `+` past 9.
pub fn queue_glyph(len: Option<u32>) -> char {
    match len {
        None => ' ',
        Some(n @ 0..=9) => char::from_digit(n, 10).unwrap_or('+'),
        Some(_) => '+',
    }
}

/// A state's colour in each medium: the article's blue and red, and amber for ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tone {
    pub color: Color,
    /// The ANSI foreground code (add 10 for the background).
    pub ansi: u8,
    pub hex: &'static str,
}

pub fn tone(state: State) -> Tone {
    match state {
        State::Run => Tone {
            color: Color::Blue,
            ansi: 34,
            hex: "#2b6cb0",
        },
        State::Wait => Tone {
            color: Color::Red,
            ansi: 31,
            hex: "#c53030",
        },
        State::Ready => Tone {
            color: Color::Yellow,
            ansi: 33,
            hex: "#d69e2e",
        },
    }
}

/// How a cell looks in the terminal: its glyph, and in colour, a brief run is blue on the colour
/// of what the lane did the rest of the cell.
pub fn cell_style(cell: Cell, color: bool) -> (char, Style) {
    let glyph = cell_glyph(cell);
    if !color {
        return (glyph, Style::default());
    }
    let main = cell.main.map(|s| tone(s).color).unwrap_or(Color::Reset);
    let style = if cell.ran_briefly() {
        Style::default().fg(tone(State::Run).color).bg(main)
    } else {
        Style::default().fg(main)
    };
    (glyph, style)
}

/// `text` in a cell's colours as ANSI escapes (plain without colour).
pub fn paint(text: &str, cell: Cell, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let fg = cell.main.map(|s| tone(s).ansi);
    let code = if cell.ran_briefly() {
        let run = tone(State::Run).ansi;
        match fg {
            Some(fg) => format!("{run};{}", fg + 10),
            None => run.to_string(),
        }
    } else {
        match fg {
            Some(fg) => fg.to_string(),
            None => return text.to_string(),
        }
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// One item of the legend: what a cell looks like, and what it means, briefly (the terminal's
/// footer) and in full (the text and the picture).
pub struct LegendItem {
    pub cell: Cell,
    pub short: &'static str,
    pub long: &'static str,
}

const fn cell(main: State, ran: bool) -> Cell {
    Cell {
        main: Some(main),
        ran,
    }
}

pub const LEGEND: [LegendItem; 4] = [
    LegendItem {
        cell: cell(State::Run, true),
        short: "run",
        long: "run (on a CPU)",
    },
    LegendItem {
        cell: cell(State::Wait, true),
        short: "ran briefly",
        long: "ran briefly, else waited",
    },
    LegendItem {
        cell: cell(State::Wait, false),
        short: "wait (I/O)",
        long: "wait (blocked on I/O)",
    },
    LegendItem {
        cell: cell(State::Ready, false),
        short: "ready (for the GIL, the loop, a CPU)",
        long: "ready (could run: waiting for the GIL, the loop or a worker)",
    },
];
