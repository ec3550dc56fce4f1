//! Questions views ask of a lane: its state at an instant, its spans in a window, the state
//! each screen cell shows, its next and previous state change. Each costs a binary search plus
//! what is visible, never a scan of everything recorded.

use super::{Lane, Span, State, INDEX_STRIDE};

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

    /// What each of `cols` cells of `ns_per_col` from `from_ns` shows: the state the lane
    /// spent most of the cell in, and whether it ran at all there (so a short CPU burst, or a
    /// thread's turn at the GIL, stays visible at any zoom; zooming in shows true lengths).
    pub fn cells(&self, from_ns: u64, ns_per_col: u64, cols: usize, now_ns: u64) -> Vec<Cell> {
        let ns_per_col = ns_per_col.max(1);
        let to_ns = from_ns.saturating_add(ns_per_col.saturating_mul(cols as u64));
        let mut acc = vec![[0u64; 3]; cols];
        for span in self.spans_from(from_ns, now_ns) {
            if span.start_ns >= to_ns {
                break;
            }
            let s = span.start_ns.saturating_sub(from_ns);
            let e = span.end_ns.saturating_sub(from_ns);
            let mut c = (s / ns_per_col) as usize;
            while c < cols && (c as u64) * ns_per_col < e {
                let lo = s.max(c as u64 * ns_per_col);
                let hi = e.min((c as u64 + 1) * ns_per_col);
                acc[c][state_index(span.state)] += hi.saturating_sub(lo);
                c += 1;
            }
        }
        acc.into_iter().map(Cell::from_times).collect()
    }
}

fn state_index(state: State) -> usize {
    match state {
        State::Run => 0,
        State::Wait => 1,
        State::Ready => 2,
    }
}

impl super::Run {
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

/// What a screen cell shows for a lane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// The state the lane spent most of the cell in (`None`: it did nothing).
    pub main: Option<State>,
    /// It ran at some point in the cell.
    pub ran: bool,
}

impl Cell {
    pub const IDLE: Cell = Cell {
        main: None,
        ran: false,
    };

    /// From the time spent running, waiting and ready within the cell.
    fn from_times([run, wait, ready]: [u64; 3]) -> Cell {
        let main = if run == 0 && wait == 0 && ready == 0 {
            None
        } else if run >= wait && run >= ready {
            Some(State::Run)
        } else if ready >= wait {
            Some(State::Ready)
        } else {
            Some(State::Wait)
        };
        Cell { main, ran: run > 0 }
    }

    /// It ran, but for less of the cell than it spent otherwise.
    pub fn ran_briefly(&self) -> bool {
        self.ran && self.main != Some(State::Run)
    }

    /// A group of lanes in one row: it ran if any ran; else the most pressing state (ready,
    /// then wait).
    pub fn merge(self, other: Cell) -> Cell {
        let rank = |s: Option<State>| match s {
            Some(State::Run) => 3,
            Some(State::Ready) => 2,
            Some(State::Wait) => 1,
            None => 0,
        };
        Cell {
            main: if rank(other.main) > rank(self.main) {
                other.main
            } else {
                self.main
            },
            ran: self.ran || other.ran,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Open;

    fn lane(spans: &[(State, u64, u64)]) -> Lane {
        Lane {
            name: "w".into(),
            spans: spans
                .iter()
                .map(|&(state, start_ns, end_ns)| Span {
                    task: Some(0),
                    state,
                    start_ns,
                    end_ns,
                })
                .collect(),
            ..Lane::default()
        }
    }

    use State::*;

    fn c(main: Option<State>, ran: bool) -> Cell {
        Cell { main, ran }
    }

    #[test]
    fn a_short_run_still_shows_in_its_cell() {
        let l = lane(&[(Run, 0, 1), (Wait, 1, 35), (Ready, 35, 38), (Run, 38, 40)]);
        let cells = l.cells(0, 10, 5, 100);
        assert_eq!(
            cells,
            vec![
                c(Some(Wait), true),
                c(Some(Wait), false),
                c(Some(Wait), false),
                c(Some(Wait), true),
                Cell::IDLE
            ]
        );
        assert!(cells[0].ran_briefly());
    }

    #[test]
    fn a_turn_at_the_gil_shows_as_a_brief_run_in_a_ready_cell() {
        let l = lane(&[(Run, 0, 3), (Ready, 3, 10), (Run, 10, 18)]);
        assert_eq!(
            l.cells(0, 10, 2, 100),
            vec![c(Some(Ready), true), c(Some(Run), true)]
        );
    }

    #[test]
    fn the_longer_of_wait_and_ready_is_the_cell() {
        let l = lane(&[(Wait, 0, 3), (Ready, 3, 4)]);
        assert_eq!(l.cells(0, 10, 1, 100), vec![c(Some(Wait), false)]);
        let l = lane(&[(Wait, 0, 1), (Ready, 1, 5)]);
        assert_eq!(l.cells(0, 10, 1, 100), vec![c(Some(Ready), false)]);
    }

    #[test]
    fn cells_start_at_the_window_and_include_the_open_span_up_to_now() {
        let mut l = lane(&[(Run, 0, 10), (Wait, 10, 20)]);
        l.open = Some(Open {
            task: Some(1),
            state: Run,
            start_ns: 20,
        });
        let main = |cells: Vec<Cell>| cells.into_iter().map(|c| c.main).collect::<Vec<_>>();
        assert_eq!(
            main(l.cells(10, 5, 4, 27)),
            vec![Some(Wait), Some(Wait), Some(Run), Some(Run)]
        );
        assert_eq!(
            main(l.cells(10, 5, 4, 24)),
            vec![Some(Wait), Some(Wait), Some(Run), None]
        );
    }

    #[test]
    fn a_group_ran_if_any_lane_ran() {
        let merged = c(Some(Wait), false).merge(c(Some(Ready), true));
        assert_eq!(merged, c(Some(Ready), true));
        assert_eq!(Cell::IDLE.merge(c(Some(Wait), false)), c(Some(Wait), false));
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
            start_ns: 80,
        });
        assert_eq!(l.next_change(70), Some(80));
        assert_eq!(l.next_change(80), None, "an open span has no end yet");
        assert_eq!(l.span_at(90, 100).map(|s| s.state), Some(Ready));
        assert_eq!(l.prev_change(100), Some(80));
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
