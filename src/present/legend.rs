//! The legend: what the glyphs and colours on screen mean, for the runs shown only. Each item is
//! a sample cell with its meaning, briefly (the terminal's footer) and in full (the text and the
//! picture).

use super::words::reason_word;
use crate::trace::{Cause, Cell, Doing, EventKind, Reason, Run, State};

/// A glyph of the arrows' legend (who woke whom): its character and the cause whose colour it
/// is drawn in (none: the count, in the colour of what it counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub glyph: char,
    pub cause: Option<Cause>,
}

pub struct Item {
    pub cell: Cell,
    /// A lesson's event: drawn as its mark, not as the cell.
    pub event: Option<EventKind>,
    /// An arrow's glyph (who woke whom): drawn as its mark, not as the cell.
    pub wake: Option<Mark>,
    pub short: String,
    pub long: String,
}

fn item(run: u8, rest: Option<(State, Reason)>, short: &str, long: &str) -> Item {
    Item {
        cell: Cell {
            run,
            rest: rest.map(|(state, reason)| Doing {
                state,
                reason: Some(reason),
            }),
            second: None,
        },
        event: None,
        wake: None,
        short: short.to_string(),
        long: long.to_string(),
    }
}

impl Item {
    /// An entry with nothing in it yet (to fill in).
    pub fn blank() -> Item {
        item(0, None, "", "")
    }
}

/// The reasons the runs' lanes have waited or been ready for; a run recorded before reasons
/// counts as waiting for I/O and ready for what its executor's ready means.
pub fn reasons_seen<'a>(runs: impl Iterator<Item = &'a Run>) -> Vec<Reason> {
    let mut bits = 0u32;
    for run in runs {
        let mut seen = 0u32;
        for reason in run.lanes.iter().flat_map(|l| l.reasons_seen()) {
            seen |= 1 << reason.index();
        }
        if seen == 0 && run.lanes.iter().any(|l| !l.spans.is_empty()) {
            seen = 1 << Reason::Io.index() | 1 << run.meta.ready.index();
        }
        bits |= seen;
    }
    Reason::ALL
        .into_iter()
        .filter(|r| bits & (1 << r.index()) != 0)
        .collect()
}

/// The legend for the runs shown: run, part of a cell run, and the waits and readies seen.
pub fn items<'a>(runs: impl Iterator<Item = &'a Run> + Clone, color: bool) -> Vec<Item> {
    let seen = reasons_seen(runs.clone());
    let mut out = vec![
        item(8, None, "run", "run (on a CPU)"),
        item(
            3,
            Some((State::Wait, Reason::Io)),
            "ran part (eighths)",
            "ran part of the cell (in eighths), over what it did the rest",
        ),
    ];
    let waits: Vec<&str> = seen
        .iter()
        .filter(|r| r.state() == State::Wait && **r != Reason::ColdStart)
        .map(|r| reason_word(*r))
        .collect();
    if !waits.is_empty() {
        let words = waits.join(", ");
        let (short, long) = (format!("wait: {words}"), format!("wait (blocked: {words})"));
        out.push(item(0, Some((State::Wait, Reason::Io)), &short, &long));
    }
    for &reason in &seen {
        match reason {
            Reason::ColdStart => out.push(item(
                0,
                Some((State::Wait, reason)),
                "cold start (modelled)",
                "wait: a cold start's runtime load (modelled)",
            )),
            Reason::Gil | Reason::Loop | Reason::Cpu => out.push(ready_item(
                reason,
                runs.clone().any(|r| r.meta.cpu_waits_hz.is_some()),
            )),
            _ => {}
        }
    }
    // Where lanes both waited and were ready, a cell can show both (in colour).
    let ready = seen.iter().find(|r| r.state() == State::Ready);
    if let (Some(&ready), false, true) = (ready, waits.is_empty(), color) {
        let mut then = item(
            0,
            Some((State::Wait, Reason::Io)),
            "then (eighths)",
            "eighths of what it did next most (in its colour), over what it did most",
        );
        then.cell.second = Some((
            Doing {
                state: State::Ready,
                reason: Some(ready),
            },
            3,
        ));
        out.insert(2, then);
    }
    out.extend(event_items(runs));
    out
}

/// The marks of the lessons' events the runs had.
fn event_items<'a>(runs: impl Iterator<Item = &'a Run>) -> Vec<Item> {
    let mut seen: Vec<EventKind> = Vec::new();
    for kind in runs.flat_map(|r| r.lane_events()).map(|e| e.kind) {
        if !seen.contains(&kind) {
            seen.push(kind);
        }
    }
    seen.sort_by_key(|k| EventKind::ALL.iter().position(|a| a == k));
    seen.into_iter()
        .map(|kind| {
            let (short, long) = match kind {
                EventKind::LostUpdate => (
                    "lost update",
                    "a write that lost updates made since its read",
                ),
                EventKind::Timeout => ("timed out", "a request thrown away at its time limit"),
                EventKind::ColdStart => ("cold start", "an instance starting cold"),
                EventKind::Reclaimed => ("reclaimed", "an idle instance reclaimed"),
            };
            Item {
                event: Some(kind),
                ..item(0, None, short, long)
            }
        })
        .collect()
}

fn ready_item(reason: Reason, sampled: bool) -> Item {
    let rest = Some((State::Ready, reason));
    match reason {
        Reason::Gil => item(
            0,
            rest,
            "ready: GIL",
            "ready (could run: waiting for the GIL)",
        ),
        Reason::Loop => item(
            0,
            rest,
            "ready: loop",
            "ready (could run: waiting for the event loop)",
        ),
        _ => item(
            0,
            rest,
            "ready: CPU",
            if sampled {
                "ready (could run: waiting for a CPU; sampled from the OS)"
            } else {
                "ready (could run: waiting for a CPU)"
            },
        ),
    }
}
