//! Who woke whom, for every view: each cause's colour (an arrow on screen, in the SVG) and its
//! words. The caption's sentences about a wake are built from these.

use super::glyph::undim;
use super::legend::{Item, Mark};
use super::words::{human_ms, lane_name, waits_for};
use crate::trace::{Cause, Lane, Reason, Run, State, Wake};
use ratatui::style::{Color, Modifier, Style};

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

/// How an arrow's cell of `cause` looks over a cell whose background is `behind` (what the lane
/// did most there): bold, in the cause's colour, on that background so the row still reads;
/// where the two are one colour (the GIL's yellow over a wait for the GIL), on the terminal's
/// own background.
pub fn arrow_style(cause: Cause, behind: Option<Color>) -> Style {
    let fg = colour(cause);
    let bg = match behind.map(undim) {
        Some(bg) if !alike(bg, fg) => behind.unwrap_or(bg),
        _ => Color::Reset,
    };
    Style::default().fg(fg).bg(bg).add_modifier(Modifier::BOLD)
}

/// Whether a glyph of colour `fg` would be lost on `bg` (a light red on red).
fn alike(bg: Color, fg: Color) -> bool {
    let family = |c: Color| match c {
        Color::LightRed => Color::Red,
        Color::LightYellow => Color::Yellow,
        Color::LightGreen => Color::Green,
        Color::LightCyan => Color::Cyan,
        Color::LightMagenta => Color::Magenta,
        c => c,
    };
    family(bg) == family(fg)
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

/// The head of an arrow from a lane drawn above the woken lane's row.
pub const HEAD_FROM_ABOVE: char = '▼';
/// The head of an arrow from a lane drawn below.
pub const HEAD_FROM_BELOW: char = '▲';
/// A wake from the outside (a response arrived, a timer fired): a head with no line.
pub const HEAD_FROM_OUTSIDE: char = '◆';

/// The glyph of `n` wakes into one row in one column: the head itself for one, a digit up to
/// 9, `+` past it.
pub fn count_glyph(n: u32, head: char) -> char {
    match n {
        0 | 1 => head,
        2..=9 => char::from_digit(n, 10).unwrap_or('+'),
        _ => '+',
    }
}

/// The connector in a cell an arrow's line crosses or leaves: `│` through, `┬` a waker whose
/// line goes down, `┴` up, `┼` both.
pub fn connector(up: bool, down: bool, waker: bool) -> char {
    match (waker, up, down) {
        (true, true, true) => '┼',
        (true, false, _) => '┬',
        (true, true, false) => '┴',
        (false, ..) => '│',
    }
}

/// The head a cause's wakes usually have, for the legend: from the outside for a response or
/// a timer, from a lane above otherwise.
pub fn legend_head(cause: Cause) -> char {
    match cause {
        Cause::IoDone | Cause::Timer => HEAD_FROM_OUTSIDE,
        _ => HEAD_FROM_ABOVE,
    }
}

/// The legend's entries for arrows of `causes` (those the runs shown had): each colour its head
/// and the short names of its causes (`GIL after interval, GIL let go`), then how several
/// wakes in one column read.
pub fn legend_items(causes: &[Cause]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for &cause in causes {
        let same = |m: &Option<Mark>| m.and_then(|m| m.cause).map(colour) == Some(colour(cause));
        if let Some(item) = items.iter_mut().find(|i| same(&i.wake)) {
            item.short = format!("{}, {}", item.short, short(cause));
            item.long = format!("{}, {}", item.long, short(cause));
            continue;
        }
        items.push(Item {
            wake: Some(Mark {
                glyph: legend_head(cause),
                cause: Some(cause),
            }),
            short: short(cause).to_string(),
            long: format!("an arrow: who woke whom: {}", short(cause)),
            ..Item::blank()
        });
    }
    if !causes.is_empty() {
        items.push(Item {
            wake: Some(Mark {
                glyph: '3',
                cause: None,
            }),
            short: "wakes in one column (+: 10 or more)".to_string(),
            long: "how many wakes into the row fell in one column (+: 10 or more)".to_string(),
            ..Item::blank()
        });
    }
    items
}

/// The span the woken lane was in just before `at_ns` (a wait or a ready, with those of the
/// same doing right before it), if it was not running: when it began and what it waited for.
pub fn waited_since(run: &Run, lane: &Lane, at_ns: u64, now_ns: u64) -> Option<(u64, Reason)> {
    let span = lane.span_at(at_ns.checked_sub(1)?, now_ns)?;
    let reason = match span.state {
        State::Run => return None,
        State::Wait => span.reason.unwrap_or(Reason::Io),
        State::Ready => span.reason.unwrap_or(run.meta.ready),
    };
    let mut start = span.start_ns;
    let mut i = lane.spans.partition_point(|s| s.start_ns < start);
    while i > 0 && lane.spans[i - 1].end_ns == start && lane.spans[i - 1].doing() == span.doing() {
        i -= 1;
        start = lane.spans[i].start_ns;
    }
    Some((start, reason))
}

/// A wake in words: "thread 1 handed the GIL to I/O · thread 3 after its 5 ms interval; it had
/// waited 3.4 ms for the GIL" (open spans as far as `now_ns`); without what it waited for
/// unless `reason` (the hand-off says it).
pub fn sentence(run: &Run, wake: &Wake, now_ns: u64, reason: bool) -> String {
    let name = |l: u32| match run.lanes.get(l as usize) {
        Some(lane) => lane_name(run, lane),
        None => format!("lane {l}"),
    };
    let to = name(wake.to);
    let mut text = match wake.from.map(name) {
        Some(from) => by_lane(run, wake, &from, &to),
        None => from_outside(wake.cause, &to),
    };
    let waited = run
        .lanes
        .get(wake.to as usize)
        .and_then(|lane| waited_since(run, lane, wake.to_ns, now_ns));
    if let Some((since, why)) = waited {
        let ms = (wake.to_ns - since) as f64 / 1e6;
        text.push_str(&format!("; it had waited {}", human_ms(ms)));
        if reason {
            text.push_str(&format!(" for {}", waits_for(why)));
        }
    }
    text
}

/// A hand-off made by lane `from` to lane `to`, in words.
fn by_lane(run: &Run, wake: &Wake, from: &str, to: &str) -> String {
    match wake.cause {
        Cause::GilInterval => {
            let interval = match run.meta.settings.switch_ms {
                Some(ms) => format!("{ms} ms interval"),
                None => "switch interval".to_string(),
            };
            format!("{from} handed the GIL to {to} after its {interval}")
        }
        Cause::GilReleased => format!("{from} let the GIL go and {to} took it"),
        Cause::LockReleased => format!("{from} released the lock and {to} took it"),
        Cause::QueuePut => format!("{from} put an item in the queue and {to} got it"),
        Cause::QueueGet => {
            format!("{from} took an item from the full queue and {to} could put its own")
        }
        Cause::LoopPoll => format!("{from} gave the event loop back and it polled {to}"),
        Cause::Pipe => format!(
            "{from} sent {to} a message over the pipe ({} on the way)",
            human_ms(wake.to_ns.saturating_sub(wake.from_ns) as f64 / 1e6)
        ),
        Cause::IoDone | Cause::Timer => from_outside(wake.cause, to),
    }
}

/// A wake from the outside (no lane made it), in words.
fn from_outside(cause: Cause, to: &str) -> String {
    match cause {
        Cause::IoDone => format!("{to}'s response arrived"),
        Cause::Timer => format!("{to}'s timer fired"),
        Cause::LoopPoll => format!("the event loop polled {to}"),
        other => format!("{to} was woken ({})", short(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{LaneId, LaneKind, RunMeta, Span};

    fn span(state: State, reason: Option<Reason>, start_ns: u64, end_ns: u64) -> Span {
        Span {
            task: Some(0),
            state,
            reason,
            start_ns,
            end_ns,
        }
    }

    /// Thread 1 runs; thread 2 waits for its response (0..5 ms) then for the GIL (5..8.4 ms,
    /// in two spans), then runs.
    fn run() -> Run {
        let mut run = Run::new(RunMeta {
            gil: true,
            ready: Reason::Gil,
            ..RunMeta::default()
        });
        run.meta.settings.switch_ms = Some(5);
        run.start_ns = Some(0);
        let mut one = Lane::new(LaneId::numbered(LaneKind::Thread, 0));
        one.push(span(State::Run, None, 0, 8_400_000));
        let mut two = Lane::new(LaneId::numbered(LaneKind::Thread, 1));
        two.push(span(State::Wait, Some(Reason::Io), 0, 5_000_000));
        two.push(span(State::Ready, Some(Reason::Gil), 5_000_000, 7_000_000));
        two.push(span(State::Ready, Some(Reason::Gil), 7_000_000, 8_400_000));
        two.push(span(State::Run, None, 8_400_000, 9_000_000));
        run.lanes = vec![one, two];
        run
    }

    fn wake(from: Option<u32>, to_ns: u64, cause: Cause) -> Wake {
        Wake::instant(from, 1, to_ns, cause)
    }

    #[test]
    fn a_wake_in_words_names_both_lanes_and_how_long_the_woken_one_had_waited() {
        let run = run();
        assert_eq!(
            sentence(&run, &wake(Some(0), 8_400_000, Cause::GilInterval), 0, true),
            "thread 1 handed the GIL to thread 2 after its 5 ms interval; it had waited 3.4 ms \
             for the GIL"
        );
        assert_eq!(
            sentence(&run, &wake(None, 5_000_000, Cause::IoDone), 0, true),
            "thread 2's response arrived; it had waited 5.0 ms for I/O"
        );
        // Woken while it ran (a stamp a little early): no wait to speak of.
        assert_eq!(
            sentence(
                &run,
                &wake(Some(0), 8_800_000, Cause::GilReleased),
                0,
                false
            ),
            "thread 1 let the GIL go and thread 2 took it"
        );
    }

    #[test]
    fn the_legend_has_an_entry_a_colour_and_says_how_counts_read() {
        let items = legend_items(&[Cause::GilInterval, Cause::GilReleased, Cause::IoDone]);
        let words: Vec<&str> = items.iter().map(|i| i.short.as_str()).collect();
        assert_eq!(
            words,
            [
                "GIL after interval, GIL let go",
                "I/O done",
                "wakes in one column (+: 10 or more)"
            ]
        );
        assert_eq!(items[1].wake.map(|m| m.glyph), Some(HEAD_FROM_OUTSIDE));
        assert!(legend_items(&[]).is_empty());
    }

    #[test]
    fn an_arrow_keeps_the_colour_behind_unless_it_would_be_lost_on_it() {
        let on = |cause, behind| {
            let s = arrow_style(cause, behind);
            (s.fg, s.bg)
        };
        let (red, yellow) = (Some(Color::Red), Some(Color::Yellow));
        assert_eq!(
            on(Cause::GilInterval, red),
            (Some(Color::Yellow), Some(Color::Red))
        );
        assert_eq!(
            on(Cause::GilInterval, yellow),
            (Some(Color::Yellow), Some(Color::Reset))
        );
        assert_eq!(
            on(Cause::LockReleased, red),
            (Some(Color::LightRed), Some(Color::Reset))
        );
        assert_eq!(
            on(Cause::IoDone, None),
            (Some(Color::Green), Some(Color::Reset))
        );
    }
}
