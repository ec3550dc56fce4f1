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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Cause;

    fn wake(from: Option<u32>, to: u32, at: u64) -> Wake {
        Wake::instant(from, to, at, Cause::GilInterval)
    }

    /// The GIL goes 0 -> 1 (10), a response for 2 (15), 1 -> 2 (20), 2 -> 0 (30), 0 -> 1 (40);
    /// recorded out of order.
    fn wakes() -> (Vec<Wake>, Vec<u32>) {
        let wakes = vec![
            wake(Some(1), 2, 20),
            wake(Some(0), 1, 10),
            wake(None, 2, 15),
            wake(Some(2), 0, 30),
            wake(Some(0), 1, 40),
        ];
        let mut order: Vec<u32> = (0..wakes.len() as u32).collect();
        order.sort_by_key(|&i| wakes[i as usize].to_ns);
        (wakes, order)
    }

    /// Steps from `at`, each from where the last left: (time, lane followed) of each.
    fn walk(at: Cursor, forward: bool, steps: usize) -> Vec<(u64, u32)> {
        let (wakes, order) = wakes();
        let mut at = at;
        let mut out = Vec::new();
        for _ in 0..steps {
            let Some((p, lane)) = along_wakes(&wakes, &order, at, forward) else {
                break;
            };
            let t = wakes[order[p] as usize].to_ns;
            out.push((t, lane));
            at = Cursor {
                lane: Some(lane),
                here: Some(p),
                t_ns: t,
            };
        }
        out
    }

    #[test]
    fn forward_follows_the_hand_offs_out_of_the_lane_followed() {
        let start = Cursor {
            lane: None,
            here: None,
            t_ns: 0,
        };
        // The first wake of any lane, then each lane's next hand-off: the GIL's path.
        assert_eq!(
            walk(start, true, 9),
            [(10, 1), (20, 2), (30, 0), (40, 1)],
            "the response into 2 is no hand-off of 1's"
        );
    }

    #[test]
    fn back_goes_along_the_arrows_into_the_lane_followed_to_who_woke_it() {
        let at_end = Cursor {
            lane: Some(0),
            here: None,
            t_ns: 35,
        };
        // Into 0 at 30 from 2; into 2 at 20 from 1; into 1 at 10 from 0.
        assert_eq!(walk(at_end, false, 9), [(30, 2), (20, 1), (10, 0)]);
        // A wake from the outside: the step lands on it and the lane stays followed; the next
        // passes it by.
        let before_20 = Cursor {
            lane: Some(2),
            here: None,
            t_ns: 17,
        };
        assert_eq!(walk(before_20, false, 9), [(15, 2)]);
        // Standing on a hand-off, back crosses it first (time stays) and forward again.
        let (wakes, order) = wakes();
        let on = Cursor {
            lane: Some(2),
            here: Some(2),
            t_ns: 20,
        };
        assert_eq!(along_wakes(&wakes, &order, on, false), Some((2, 1)));
        let back = Cursor {
            lane: Some(1),
            ..on
        };
        assert_eq!(along_wakes(&wakes, &order, back, true), Some((2, 2)));
    }
}
