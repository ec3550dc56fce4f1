//! Stepping from one state change to the next (`]` / `[`): the nearest change on any lane of the
//! panels given, in display time. A pure question of the trace; the view moves its playhead there.

use crate::trace::{Lane, Trace, Wake};

/// The nearest state change strictly after (`forward`) or before display time `t` on any lane of
/// `panels` (each a run and the lanes its panel shows): its time, run and lane.
pub fn nearest_change(
    trace: &Trace,
    panels: &[(usize, &[Lane])],
    t: u64,
    forward: bool,
) -> Option<(u64, usize, usize)> {
    let mut best: Option<(u64, usize, usize)> = None;
    for &(r, lanes) in panels {
        let Some(start) = trace.runs.get(r).and_then(|run| run.start_ns) else {
            continue;
        };
        for (l, lane) in lanes.iter().enumerate() {
            let change = match forward {
                true => lane.next_change(start + t),
                false => lane.prev_change(start + t),
            };
            let Some(at) = change.map(|c| c.saturating_sub(start)) else {
                continue;
            };
            if best.is_none_or(|(b, _, _)| if forward { at < b } else { at > b }) {
                best = Some((at, r, l));
            }
        }
    }
    best
}

/// Where a step along the arrows starts: the lane followed (if any), the wake stepped to last
/// (its place in the wakes by time) if the playhead is still there, and the playhead's time
/// (the run's clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub lane: Option<u32>,
    pub here: Option<usize>,
    pub t_ns: u64,
}

/// One step along the arrows through `wakes` (in time order by `order`): forward, the first
/// wake at or after the cursor made by the lane followed (any wake, if none is), and the lane it
/// woke; back, the last wake at or before it into the lane followed, and the lane that made it
/// (the same lane, for a wake from the outside). A step that would leave the cursor as it is
/// (the wake it stands on, from the outside) goes on to the next; a lane waking itself is
/// passed by. Returns the wake's place in `order` and the lane to follow.
pub fn along_wakes(
    wakes: &[Wake],
    order: &[u32],
    at: Cursor,
    forward: bool,
) -> Option<(usize, u32)> {
    let first = at
        .here
        .unwrap_or_else(|| order.partition_point(|&i| wakes[i as usize].to_ns < at.t_ns));
    let crosses = |p: usize| {
        let w = &wakes[order[p] as usize];
        if w.from == Some(w.to) {
            return None;
        }
        let lane = match (forward, at.lane) {
            (true, Some(l)) if w.from != Some(l) => return None,
            (false, Some(l)) if w.to != l => return None,
            (true, _) => w.to,
            (false, _) => w.from.unwrap_or(w.to),
        };
        (Some(p) != at.here || Some(lane) != at.lane).then_some((p, lane))
    };
    match forward {
        true => (first..order.len()).find_map(crosses),
        false => {
            // At or before the cursor: the wake it stands on, or those at its time and before.
            let last = match at.here {
                Some(p) => p + 1,
                None => order.partition_point(|&i| wakes[i as usize].to_ns <= at.t_ns),
            };
            (0..last.min(order.len())).rev().find_map(crosses)
        }
    }
}
