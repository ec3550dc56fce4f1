//! How what a lane does looks, for every view. Glyphs carry the state without colour (`█` run,
//! `░` wait, `▒` ready, `▚` ready for a CPU); a cell the lane ran part of shows that part in
//! eighths (`▏` to `▉`), blue on the colour of what it did the rest of the cell. Each tone is one
//! entry here: the terminal's colour, an ANSI code and the SVG's fill.

use crate::trace::{Cell, Doing, EventKind, Reason, State};
use ratatui::style::{Color, Modifier, Style};

/// A cell the lane ran part of: `EIGHTHS[k - 1]` for k eighths, blue on the colour of what it
/// did the rest of the cell.
pub const EIGHTHS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// The glyph of what a lane does: `█` run, `░` wait, `▒` ready, `▚` ready for a CPU.
pub fn glyph(doing: Option<Doing>) -> char {
    match doing.map(|d| (d.state, d.reason)) {
        None => ' ',
        Some((State::Run, _)) => '█',
        Some((State::Wait, _)) => '░',
        Some((State::Ready, Some(Reason::Cpu))) => '▚',
        Some((State::Ready, _)) => '▒',
    }
}

/// The character a cell shows: the eighths it shows ([`eighths_shown`]), else what the lane
/// did most.
pub fn cell_glyph(cell: Cell, color: bool) -> char {
    match eighths_shown(cell, color) {
        None => glyph(cell.rest),
        Some((8.., _)) => '█',
        Some((k, _)) => EIGHTHS[k as usize - 1],
    }
}

/// The eighths a cell's glyph shows, and their tone: its run; or, in colour, what it did next
/// most of the rest where that is as long as its run or longer, and of another colour than what it did
/// most (without colour eighths are run only).
pub fn eighths_shown(cell: Cell, color: bool) -> Option<(u8, Tone)> {
    // A second thing of the colour behind it could not be seen (and would hide the run).
    let behind = cell.rest.map(tone);
    let second = (cell.second.filter(|_| color))
        .map(|(d, k)| (k, tone(d)))
        .filter(|&(_, t)| Some(t) != behind);
    match (cell.run, second) {
        (0, second) => second,
        (run, Some((k, tone))) if k >= run => Some((k, tone)),
        (run, _) => Some((run, BLUE)),
    }
}

/// The mark of a lesson's event on a lane: `×` a lost update, `!` a timeout, `*` a cold start,
/// `↓` an instance reclaimed.
pub fn event_glyph(kind: EventKind) -> char {
    match kind {
        EventKind::LostUpdate => '×',
        EventKind::Timeout => '!',
        EventKind::ColdStart => '*',
        EventKind::Reclaimed => '↓',
    }
}

/// An event's mark over a cell: bold, white, on the colour the cell shows.
pub fn event_style(cell: Style, color: bool) -> Style {
    let style = cell.add_modifier(ratatui::style::Modifier::BOLD);
    match color {
        true => style.fg(Color::White),
        false => style,
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

/// A colour in each medium: the terminal's, an ANSI foreground code (add 10 for the
/// background) and the SVG's fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tone {
    pub color: Color,
    /// The colour dimmed (the future past a paused playhead, a run from before a what-if).
    pub dim: Color,
    pub ansi: u8,
    pub hex: &'static str,
}

const BLUE: Tone = Tone {
    color: Color::Blue,
    dim: Color::Indexed(17),
    ansi: 34,
    hex: "#2b6cb0",
};
const RED: Tone = Tone {
    color: Color::Red,
    dim: Color::Indexed(52),
    ansi: 31,
    hex: "#c53030",
};
const GREY: Tone = Tone {
    color: Color::DarkGray,
    dim: Color::Indexed(236),
    ansi: 90,
    hex: "#a0aec0",
};
const AMBER: Tone = Tone {
    color: Color::Yellow,
    dim: Color::Indexed(58),
    ansi: 33,
    hex: "#d69e2e",
};
const MAGENTA: Tone = Tone {
    color: Color::Magenta,
    dim: Color::Indexed(53),
    ansi: 35,
    hex: "#9f3fbf",
};
const CYAN: Tone = Tone {
    color: Color::Cyan,
    dim: Color::Indexed(23),
    ansi: 36,
    hex: "#2c7a7b",
};

const TONES: [Tone; 6] = [BLUE, RED, GREY, AMBER, MAGENTA, CYAN];

/// The colour of what a lane does: the article's blue (run) and red (wait), amber for ready
/// for the GIL, cyan for the loop, magenta for a CPU, grey for a modelled cold start.
pub fn tone(doing: Doing) -> Tone {
    match (doing.state, doing.reason) {
        (State::Run, _) => BLUE,
        (State::Wait, Some(Reason::ColdStart)) => GREY,
        (State::Wait, _) => RED,
        (State::Ready, Some(Reason::Cpu)) => MAGENTA,
        (State::Ready, Some(Reason::Loop)) => CYAN,
        (State::Ready, _) => AMBER,
    }
}

/// How a cell looks in the terminal: its glyph, and in colour, its eighths (blue for its run)
/// over the colour of what the lane did most of the rest of the cell: a cell it only waited in
/// and one it also ran a little in have the same background.
pub fn cell_style(cell: Cell, color: bool) -> (char, Style) {
    let glyph = cell_glyph(cell, color);
    if !color {
        return (glyph, Style::default());
    }
    let rest = cell.rest.map_or(Color::Reset, |d| tone(d).color);
    let fg = eighths_shown(cell, color).map_or(rest, |(_, tone)| tone.color);
    (glyph, Style::default().fg(fg).bg(rest))
}

/// `style` dimmed: in colour its foreground and background both darker (a terminal's dim
/// attribute reaches the foreground only), else the dim attribute.
pub fn dim(style: Style, color: bool) -> Style {
    let style = style.add_modifier(Modifier::DIM);
    if !color {
        return style;
    }
    let darker =
        |c: Option<Color>| c.map(|c| TONES.iter().find(|t| t.color == c).map_or(c, |t| t.dim));
    Style {
        fg: darker(style.fg),
        bg: darker(style.bg),
        ..style
    }
}

/// A colour as it is undimmed (see [`dim`]): a tone's dim colour is the tone's.
pub fn undim(c: Color) -> Color {
    TONES.iter().find(|t| t.dim == c).map_or(c, |t| t.color)
}

/// `text` in a cell's colours as ANSI escapes (plain without colour).
pub fn paint(text: &str, cell: Cell, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let rest = cell.rest.map(|d| tone(d).ansi);
    let fg = eighths_shown(cell, color).map(|(_, t)| t.ansi).or(rest);
    let code = match (fg, rest) {
        (None, _) => return text.to_string(),
        (Some(fg), None) => fg.to_string(),
        (Some(fg), Some(bg)) => format!("{fg};{}", bg + 10),
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doing(state: State, reason: Reason) -> Doing {
        Doing {
            state,
            reason: Some(reason),
        }
    }

    #[test]
    fn the_eighths_show_the_run_or_a_longer_second_of_another_colour() {
        let io = doing(State::Wait, Reason::Io);
        let gil = doing(State::Ready, Reason::Gil);
        let timer = doing(State::Wait, Reason::Timer);
        let cell = |run, second| Cell {
            run,
            rest: Some(io),
            second,
        };
        // The GIL's wait, longer than the run: amber eighths over red.
        let c = cell(1, Some((gil, 3)));
        assert_eq!(eighths_shown(c, true), Some((3, AMBER)));
        assert_eq!(cell_glyph(c, true), '▍');
        let (_, style) = cell_style(c, true);
        assert_eq!(
            (style.fg, style.bg),
            (Some(Color::Yellow), Some(Color::Red))
        );
        // Shorter than the run: the run.
        assert_eq!(
            eighths_shown(cell(4, Some((gil, 2))), true),
            Some((4, BLUE))
        );
        // Of the colour behind it (a timer under I/O): never, the run stays.
        assert_eq!(
            eighths_shown(cell(1, Some((timer, 4))), true),
            Some((1, BLUE))
        );
        // Without colour the eighths are the run's only.
        assert_eq!(
            eighths_shown(cell(1, Some((gil, 3))), false),
            Some((1, BLUE))
        );
        assert_eq!(cell_glyph(cell(0, Some((gil, 3))), false), '░');
        // A pure wait and a wait with a run sliver: the same red behind.
        let (_, pure) = cell_style(cell(0, None), true);
        let (_, sliver) = cell_style(cell(1, None), true);
        assert_eq!(pure.bg, sliver.bg);
        assert_eq!(pure.bg, Some(Color::Red));
    }

    #[test]
    fn dimming_darkens_background_and_foreground() {
        let (_, style) = cell_style(
            Cell {
                run: 2,
                rest: Some(doing(State::Wait, Reason::Io)),
                second: None,
            },
            true,
        );
        let dimmed = dim(style, true);
        assert_eq!(dimmed.fg, Some(BLUE.dim));
        assert_eq!(dimmed.bg, Some(RED.dim));
        let plain = dim(Style::default(), false);
        assert!(plain.add_modifier.contains(Modifier::DIM));
        assert_eq!(plain.bg, None);
    }
}
