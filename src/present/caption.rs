//! What a panel's caption says: the event a step landed on, in words, or the lanes' states at
//! the playhead.

use super::words::{human_ms, ms, outcome, waits_for};
use crate::trace::{Lane, LaneKind, Outcome, Run, State, Wake};

/// Where an event happened: a run, one of the lanes it is shown with (its workers, or its
/// tasks), at `t_ns` of its own time; `now_ns` is how far open spans reach.
pub struct At<'a> {
    pub run: &'a Run,
    pub lane: &'a Lane,
    pub t_ns: u64,
    pub now_ns: u64,
    /// The lanes are the run's tasks.
    pub by_task: bool,
}

/// An event in words: "t = 412.3 ms · threads (GIL): thread 3 starts waiting for I/O (task 17)".
pub fn event(at: &At) -> String {
    let (r, l) = (at.run, at.lane);
    let abs = r.start_ns.unwrap_or(0) + at.t_ns;
    let what = match l.span_at(abs, at.now_ns).filter(|s| s.start_ns == abs) {
        Some(span) => {
            let doing = match (span.state, span.task) {
                (State::Run, None) => "starts up".to_string(),
                (State::Run, Some(_)) => "runs".to_string(),
                // Spans recorded before reasons wait for I/O, or are ready for what the run's
                // ready means.
                (State::Wait, _) => {
                    let why = span.reason.unwrap_or(crate::trace::Reason::Io);
                    format!("starts waiting for {}", waits_for(why))
                }
                (State::Ready, _) => {
                    let why = span.reason.unwrap_or(r.meta.ready);
                    format!("is ready, waiting for {}", waits_for(why))
                }
            };
            // A sampled program's lane is its own task (a thread, an asyncio task).
            let lane_is_task = at.by_task
                || r.meta.lane_kind == LaneKind::Task
                || r.meta.origin == crate::trace::Origin::Sampled;
            match span.task {
                Some(task) if !lane_is_task => format!("{doing} (task {task})"),
                _ => doing,
            }
        }
        None => what_ended(at, abs),
    };
    format!(
        "t = {} · {}: {} {what}{}",
        human_ms(ms(at.t_ns)),
        r.meta.label,
        super::words::lane_name(r, l),
        super::words::where_words(r, l, abs)
    )
}

/// Nothing starts on the lane at `abs`: say what ended there.
fn what_ended(at: &At, abs: u64) -> String {
    let before = at.lane.span_at(abs.saturating_sub(1), at.now_ns);
    match before.map(|s| s.task) {
        Some(None) => "is up, ready for work".to_string(),
        Some(Some(task)) => match at
            .run
            .ends
            .iter()
            .find(|e| e.task == task && e.at_ns == abs)
        {
            Some(end) => format!("finishes task {task} ({})", outcome(end.outcome)),
            None => format!("stops (task {task})"),
        },
        None => "goes idle".to_string(),
    }
}

/// How many of `lanes` run, wait and are ready at `at_ns` (absolute; open spans as far as
/// `now_ns`), in [`State::ALL`]'s order.
pub fn count_states<'a>(
    lanes: impl IntoIterator<Item = &'a Lane>,
    at_ns: u64,
    now_ns: u64,
) -> [usize; 3] {
    let mut counts = [0usize; 3];
    for span in lanes.into_iter().filter_map(|l| l.span_at(at_ns, now_ns)) {
        counts[State::ALL
            .iter()
            .position(|&s| s == span.state)
            .unwrap_or(0)] += 1;
    }
    counts
}

/// The lanes' states at `t_ns` of the run's time (`counts`, see [`count_states`]): "at 1.20
/// s: 1 run · 4 wait · 0 ready · 7 done"; `scrolled` (the first lane shown, and how many there
/// are) when not all are shown.
pub fn states(
    run: &Run,
    counts: [usize; 3],
    t_ns: u64,
    scrolled: Option<(usize, usize)>,
) -> String {
    let Some(start) = run.start_ns else {
        return String::new();
    };
    let at = start + t_ns;
    let done = run
        .ends
        .iter()
        .filter(|e| e.at_ns <= at && e.outcome == Outcome::Done)
        .count();
    // A real program's lanes are its threads (and asyncio tasks): they end, its work is
    // counted by the program (in the title, once it told it).
    let ended = match run.meta.origin {
        crate::trace::Origin::Sampled => "ended",
        _ => "done",
    };
    let mut text = format!(
        "at {}: {} run · {} wait · {} ready · {done} {ended}",
        human_ms(ms(t_ns)),
        counts[0],
        counts[1],
        counts[2]
    );
    if let Some((first, of)) = scrolled {
        text.push_str(&format!(" · lanes from {} of {of} (j/k)", first + 1));
    }
    text
}

/// A wake in words for a caption `width` wide, with its time (the run's own): "t = 412.3 ms ·
/// thread 1 handed the GIL to I/O · thread 3 after its 5 ms interval; it had waited 3.4 ms for
/// the GIL"; without "for the GIL", or tersely, where that does not fit: "t = 412.3 ms · thread 1 → I/O · thread 3: GIL
/// after interval; waited 3.4 ms".
pub fn wake(run: &Run, wake: &Wake, now_ns: u64, width: usize) -> String {
    let t = human_ms(ms(wake.to_ns.saturating_sub(run.start_ns.unwrap_or(0))));
    // Whole, then without what it waited for, then tersely.
    for reason in [true, false] {
        let text = super::wake::sentence(run, wake, now_ns, reason);
        let whole = format!("t = {t} · {text}");
        if whole.chars().count() <= width {
            return whole;
        }
    }
    let name = |l: u32| match run.lanes.get(l as usize) {
        Some(lane) => super::words::lane_name(run, lane),
        None => format!("lane {l}"),
    };
    let from = wake.from.map_or("outside".to_string(), name);
    let mut text = format!(
        "t = {t} · {from} → {}: {}",
        name(wake.to),
        super::wake::short(wake.cause)
    );
    let lane = run.lanes.get(wake.to as usize);
    if let Some((since, _)) =
        lane.and_then(|l| super::wake::waited_since(run, l, wake.to_ns, now_ns))
    {
        text.push_str(&format!("; waited {}", human_ms(ms(wake.to_ns - since))));
    }
    text
}

/// No wake to step to along the arrows from `t_ns` (the run's own), following lane `lane` or
/// none: "t = 1.20 s · no hand-off from CPU · thread 2 after this".
pub fn no_wake(run: &Run, lane: Option<u32>, t_ns: u64, forward: bool) -> String {
    let name = lane
        .and_then(|l| run.lanes.get(l as usize))
        .map(|l| super::words::lane_name(run, l));
    let what = match (name, forward) {
        (Some(n), true) => format!("no hand-off from {n} after this"),
        (Some(n), false) => format!("nothing woke {n} before this"),
        (None, true) => "no hand-off after this".to_string(),
        (None, false) => "no hand-off before this".to_string(),
    };
    format!("t = {} · {what}", human_ms(ms(t_ns)))
}
