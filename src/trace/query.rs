//! Questions views ask of a lane: its state at an instant, its spans in a window, the state
//! each screen cell shows, its next and previous state change. Each costs a binary search plus
//! what is visible, never a scan of everything recorded.

use super::{Doing, Lane, Span, State, INDEX_STRIDE};

impl Lane {
    /// The index of the first span that ends after `t_ns`: through the lane's index first.
    fn first_ending_after(&self, t_ns: u64) -> usize {
        let block = self.index.partition_point(|&end| end <= t_ns);
        let from = block * INDEX_STRIDE;
        let to = if block < self.index.len() {
            from + INDEX_STRIDE
        } else {
            self.spans.len()
        };
        from + self.spans[from..to].partition_point(|s| s.end_ns <= t_ns)
    }

    /// The spans that reach past `from_ns`, in order, with the open span (if any) as far as
    /// `now_ns`.
    pub fn spans_from(&self, from_ns: u64, now_ns: u64) -> impl Iterator<Item = Span> + '_ {
        let first = self.first_ending_after(from_ns);
        self.spans[first..]
            .iter()
            .copied()
            .chain(self.open.map(|o| o.until(now_ns)))
            .filter(move |s| s.end_ns > from_ns)
    }

    /// The span covering `t_ns`, if the lane was doing anything then (an open span covers every
    /// instant from its start).
    pub fn span_at(&self, t_ns: u64, now_ns: u64) -> Option<Span> {
        let i = self.first_ending_after(t_ns);
        match self.spans.get(i) {
            Some(s) if s.start_ns <= t_ns => Some(*s),
            _ => self
                .open
                .filter(|o| o.start_ns <= t_ns)
                .map(|o| o.until(now_ns)),
        }
    }

    /// The first state change strictly after `t_ns` (a span starting or ending), if any.
    pub fn next_change(&self, t_ns: u64) -> Option<u64> {
        let i = self.first_ending_after(t_ns);
        self.spans[i..]
            .iter()
            .flat_map(|s| [s.start_ns, s.end_ns])
            .chain(self.open.map(|o| o.start_ns))
            .find(|&b| b > t_ns)
    }

    /// The last state change strictly before `t_ns`, if any.
    pub fn prev_change(&self, t_ns: u64) -> Option<u64> {
        let i = self.spans.partition_point(|s| s.start_ns < t_ns);
        let closed = i.checked_sub(1).map(|j| &self.spans[j]).map(|s| {
            if s.end_ns < t_ns {
                s.end_ns
            } else {
                s.start_ns
            }
        });
        let open = self.open.map(|o| o.start_ns).filter(|&s| s < t_ns);
        open.max(closed)
    }

    /// What each of `cols` cells of `ns_per_col` from `from_ns` shows: how much of it the lane
    /// ran, and what it did the rest (see [`Cell`]). One pass over the visible spans.
    pub fn cells(&self, from_ns: u64, ns_per_col: u64, cols: usize, now_ns: u64) -> Vec<Cell> {
        let npc = ns_per_col.max(1);
        let to_ns = from_ns.saturating_add(npc.saturating_mul(cols as u64));
        let mut out = Vec::with_capacity(cols);
        let mut acc = Acc::default();
        for span in self.spans_from(from_ns, now_ns) {
            if span.start_ns >= to_ns || out.len() >= cols {
                break;
            }
            let s = span.start_ns.saturating_sub(from_ns);
            let e = span.end_ns.saturating_sub(from_ns).min(npc * cols as u64);
            // Cells before the span's first are done.
            while ((out.len() as u64) + 1) * npc <= s {
                out.push(std::mem::take(&mut acc).cell(npc));
            }
            let mut at = s;
            while at < e {
                let cell_end = (out.len() as u64 + 1) * npc;
                let to = e.min(cell_end);
                acc.add(span.doing(), to - at);
                at = to;
                if to == cell_end {
                    out.push(std::mem::take(&mut acc).cell(npc));
                }
            }
        }
        while out.len() < cols {
            out.push(std::mem::take(&mut acc).cell(npc));
        }
        out
    }
}

/// The time a lane spent in a cell, running and otherwise: the few things it did in it.
#[derive(Default)]
struct Acc {
    run_ns: u64,
    rest: [(Option<Doing>, u64); 4],
}

impl Acc {
    fn add(&mut self, doing: Doing, ns: u64) {
        if doing.state == State::Run {
            self.run_ns += ns;
            return;
        }
        let slot = self
            .rest
            .iter()
            .position(|(d, _)| *d == Some(doing) || d.is_none())
            // More than four things in a cell: the least of them gives way.
            .unwrap_or_else(|| (0..4).min_by_key(|&i| self.rest[i].1).unwrap_or(0));
        if self.rest[slot].0 != Some(doing) {
            self.rest[slot] = (Some(doing), 0);
        }
        self.rest[slot].1 += ns;
    }

    /// The cell: eighths of `npc` run (at least one if it ran at all), and the longest of the
    /// rest (of equals, ready before wait).
    fn cell(self, npc: u64) -> Cell {
        let run = match self.run_ns {
            0 => 0,
            ns => ((ns * 8 + npc / 2) / npc).clamp(1, 8) as u8,
        };
        let rank = |d: &Doing| (d.state == State::Ready) as u8;
        let rest = self
            .rest
            .iter()
            .filter_map(|&(d, ns)| Some((d?, ns)))
            .max_by_key(|(d, ns)| (*ns, rank(d)))
            .map(|(d, _)| d);
        Cell { run, rest }
    }
}

impl super::Run {
    /// The lesson's events on lanes `lanes` in each of `cols` cells of `ns_per_col` from
    /// `from_ns` (absolute): `(cell, what)`, one a cell (the first recorded).
    pub fn event_cells(
        &self,
        lanes: &[usize],
        from_ns: u64,
        ns_per_col: u64,
        cols: usize,
    ) -> Vec<(usize, super::EventKind)> {
        let npc = ns_per_col.max(1);
        let mut out: Vec<(usize, super::EventKind)> = self
            .lane_events()
            .filter(|e| lanes.contains(&(e.lane as usize)) && e.at_ns >= from_ns)
            .map(|e| (((e.at_ns - from_ns) / npc) as usize, e.kind))
            .filter(|(c, _)| *c < cols)
            .collect();
        out.sort_by_key(|e| e.0);
        out.dedup_by_key(|e| e.0);
        out
    }

    /// A queue's length per cell: the most it held within the cell (`None` before its first
    /// change, and from `now_ns` or the run's end on, when it is not known).
    pub fn queue_cells(
        &self,
        queue: usize,
        from_ns: u64,
        ns_per_col: u64,
        cols: usize,
        now_ns: u64,
    ) -> Vec<Option<u32>> {
        let until = self.end_ns.map_or(now_ns, |end| end.min(now_ns));
        let ns_per_col = ns_per_col.max(1);
        let mut cells = vec![None; cols];
        let Some(points) = self.queue_lengths.get(queue) else {
            return cells;
        };
        let first = points.partition_point(|&(t, _)| t < from_ns);
        // The length carried into the window, then every change within it.
        let mut len = first.checked_sub(1).map_or(0, |i| points[i].1);
        let mut i = first;
        for (c, cell) in cells.iter_mut().enumerate() {
            let end = from_ns + (c as u64 + 1) * ns_per_col;
            let mut most = len;
            while i < points.len() && points[i].0 < end {
                len = points[i].1;
                most = most.max(len);
                i += 1;
            }
            let known = i > 0 && end - ns_per_col < until;
            *cell = known.then_some(most);
        }
        cells
    }
}

/// What a screen cell shows for a lane: how much of the cell it ran, in eighths, over what it
/// did the rest of the cell. A brief run stays visible (one eighth) and still reads as brief;
/// zooming in shows true lengths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Eighths of the cell the lane ran: 0, or 1 to 8 (at least 1 if it ran at all).
    pub run: u8,
    /// What it did most of the rest of the cell: waited or was ready, and why; `None`: nothing.
    pub rest: Option<Doing>,
}

impl Cell {
    pub const IDLE: Cell = Cell { run: 0, rest: None };

    /// It ran for part of the cell only.
    pub fn ran_briefly(&self) -> bool {
        (1..8).contains(&self.run)
    }

    /// A group of lanes in one row: the most any ran, over the most pressing of the rest
    /// (ready, then wait).
    pub fn merge(self, other: Cell) -> Cell {
        let rank = |c: &Cell| match c.rest.map(|d| d.state) {
            Some(State::Ready) => 2,
            Some(_) => 1,
            None => 0,
        };
        Cell {
            run: self.run.max(other.run),
            rest: if rank(&other) > rank(&self) {
                other.rest
            } else {
                self.rest
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Open;

    fn lane(spans: &[(State, u64, u64)]) -> Lane {
        Lane {
            id: Default::default(),
            spans: spans
                .iter()
                .map(|&(state, start_ns, end_ns)| Span {
                    task: Some(0),
                    state,
                    reason: None,
                    start_ns,
                    end_ns,
                })
                .collect(),
            ..Lane::default()
        }
    }

    use State::*;

    /// A cell: eighths run, over what the rest was.
    fn c(run: u8, rest: Option<State>) -> Cell {
        Cell {
            run,
            rest: rest.map(|state| Doing {
                state,
                reason: None,
            }),
        }
    }

    #[test]
    fn a_brief_run_is_one_eighth_over_what_the_lane_did_the_rest() {
        let l = lane(&[(Run, 0, 1), (Wait, 1, 35), (Ready, 35, 38), (Run, 38, 40)]);
        let cells = l.cells(0, 10, 5, 100);
        assert_eq!(
            cells,
            vec![
                c(1, Some(Wait)),
                c(0, Some(Wait)),
                c(0, Some(Wait)),
                c(2, Some(Wait)),
                Cell::IDLE
            ]
        );
        assert!(cells[0].ran_briefly() && !cells[1].ran_briefly());
    }

    #[test]
    fn eighths_follow_the_share_of_the_cell_run() {
        let l = lane(&[(Run, 0, 3), (Ready, 3, 10), (Run, 10, 18), (Run, 20, 40)]);
        assert_eq!(
            l.cells(0, 10, 4, 100),
            vec![c(2, Some(Ready)), c(6, None), c(8, None), c(8, None)]
        );
        // A thousandth of a cell is still one eighth; all but a thousandth is eight.
        let l = lane(&[(Run, 0, 1), (Wait, 1, 999), (Run, 999, 1000)]);
        assert_eq!(l.cells(0, 1000, 1, 1000), vec![c(1, Some(Wait))]);
        let l = lane(&[(Wait, 0, 1), (Run, 1, 1000)]);
        assert_eq!(l.cells(0, 1000, 1, 1000), vec![c(8, Some(Wait))]);
    }

    #[test]
    fn the_longer_of_wait_and_ready_is_the_rest_and_keeps_its_reason() {
        let l = lane(&[(Wait, 0, 3), (Ready, 3, 4)]);
        assert_eq!(l.cells(0, 10, 1, 100), vec![c(0, Some(Wait))]);
        let l = lane(&[(Wait, 0, 1), (Ready, 1, 5)]);
        assert_eq!(l.cells(0, 10, 1, 100), vec![c(0, Some(Ready))]);
        let mut l = lane(&[(Ready, 0, 2), (Ready, 2, 6)]);
        l.spans[0].reason = Some(crate::trace::Reason::Gil);
        l.spans[1].reason = Some(crate::trace::Reason::Cpu);
        let rest = l.cells(0, 10, 1, 100)[0].rest.unwrap();
        assert_eq!(
            rest.reason,
            Some(crate::trace::Reason::Cpu),
            "4 of CPU beat 2 of GIL"
        );
    }

    #[test]
    fn cells_start_at_the_window_and_include_the_open_span_up_to_now() {
        let mut l = lane(&[(Run, 0, 10), (Wait, 10, 20)]);
        l.open = Some(Open {
            task: Some(1),
            state: Run,
            reason: None,
            start_ns: 20,
        });
        assert_eq!(
            l.cells(10, 5, 4, 27),
            vec![c(0, Some(Wait)), c(0, Some(Wait)), c(8, None), c(3, None)]
        );
        assert_eq!(
            l.cells(10, 5, 4, 24),
            vec![c(0, Some(Wait)), c(0, Some(Wait)), c(6, None), Cell::IDLE]
        );
    }

    #[test]
    fn a_group_shows_the_most_any_ran_over_the_most_pressing_rest() {
        let merged = c(2, Some(Wait)).merge(c(5, Some(Ready)));
        assert_eq!(merged, c(5, Some(Ready)));
        assert_eq!(Cell::IDLE.merge(c(0, Some(Wait))), c(0, Some(Wait)));
    }

    #[test]
    fn state_at_and_changes() {
        let mut l = lane(&[(Run, 10, 20), (Wait, 20, 50), (Run, 60, 70)]);
        assert_eq!(l.span_at(5, 100), None);
        assert_eq!(l.span_at(10, 100).map(|s| s.state), Some(Run));
        assert_eq!(l.span_at(20, 100).map(|s| s.state), Some(Wait));
        assert_eq!(l.span_at(55, 100), None);
        assert_eq!(l.next_change(0), Some(10));
        assert_eq!(l.next_change(10), Some(20));
        assert_eq!(l.next_change(20), Some(50));
        assert_eq!(l.next_change(50), Some(60));
        assert_eq!(l.next_change(70), None);
        assert_eq!(l.prev_change(100), Some(70));
        assert_eq!(l.prev_change(70), Some(60));
        assert_eq!(l.prev_change(55), Some(50));
        assert_eq!(l.prev_change(50), Some(20));
        assert_eq!(l.prev_change(10), None);
        l.open = Some(Open {
            task: None,
            state: Ready,
            reason: None,
            start_ns: 80,
        });
        assert_eq!(l.next_change(70), Some(80));
        assert_eq!(l.next_change(80), None, "an open span has no end yet");
        assert_eq!(l.span_at(90, 100).map(|s| s.state), Some(Ready));
        assert_eq!(l.prev_change(100), Some(80));
    }
}

#[cfg(test)]
mod reason_tests {
    use crate::trace::Reason;

    #[test]
    fn a_reason_is_named_as_serde_writes_it() {
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.name());
            assert_eq!(Reason::from_index(r.index()), Some(r));
        }
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn the_index_finds_what_a_plain_search_finds() {
        let spans: Vec<Span> = (0..1000u64)
            .map(|i| Span {
                task: Some(0),
                state: State::Run,
                reason: None,
                start_ns: i * 10,
                end_ns: i * 10 + 7,
            })
            .collect();
        let mut pushed = Lane::default();
        for s in &spans {
            pushed.push(*s);
        }
        let mut loaded = Lane {
            spans: spans.clone(),
            ..Lane::default()
        };
        let plain = Lane {
            spans,
            ..Lane::default()
        };
        loaded.reindex();
        assert_eq!(pushed.index, loaded.index);
        assert_eq!(pushed.index.len(), 1000 / INDEX_STRIDE);
        for t in (0..10_100).step_by(3) {
            let want = plain.spans.partition_point(|s| s.end_ns <= t);
            assert_eq!(pushed.first_ending_after(t), want, "t = {t}");
            assert_eq!(loaded.first_ending_after(t), want, "t = {t}");
        }
    }
}
