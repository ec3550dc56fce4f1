//! Stepping from one state change to the next (`]` / `[`): the nearest change on any lane of the
//! panels given, in display time. A pure question of the trace; the view moves its playhead there.

use crate::trace::{Lane, Trace};

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
