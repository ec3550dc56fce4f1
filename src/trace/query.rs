//! Questions views ask of a lane: its state at an instant, its spans in a window, the state
//! each screen cell shows, its next and previous state change. Each costs a binary search plus
//! what is visible, never a scan of everything recorded.

use super::{Doing, Lane, Shares, Span, State, INDEX_STRIDE, KINDS};

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
    /// ran, and what it did the rest (see [`Cell`]).
    pub fn cells(&self, from_ns: u64, ns_per_col: u64, cols: usize, now_ns: u64) -> Vec<Cell> {
        let mut sums = vec![Sums::default(); cols];
        self.add_sums(from_ns, ns_per_col, now_ns, &mut sums);
        let npc = ns_per_col.max(1);
        sums.iter().map(|s| s.cell(npc, 1)).collect()
    }

    /// Add the lane's time in each of `out.len()` cells of `ns_per_col` from `from_ns`, by kind
    /// of doing, to `out`: from the lane's running totals (a look-up at each cell's edge; none
    /// inside a span) where it has them, else by a pass over the visible spans.
    pub fn add_sums(&self, from_ns: u64, ns_per_col: u64, now_ns: u64, out: &mut [Sums]) {
        let npc = ns_per_col.max(1);
        match Totals::new(self, now_ns) {
            Some(totals) => totals.add_sums(from_ns, npc, out),
            None => self.sums_by_spans(from_ns, npc, now_ns, out),
        }
    }

    /// [`Lane::add_sums`] by one pass over the visible spans, each added to the cells it covers
    /// (and the open span, which may start before the last span ends).
    fn sums_by_spans(&self, from_ns: u64, npc: u64, now_ns: u64, out: &mut [Sums]) {
        let to_ns = from_ns.saturating_add(npc.saturating_mul(out.len() as u64));
        let first = self.first_ending_after(from_ns);
        let spans = self.spans[first..]
            .iter()
            .take_while(|s| s.start_ns < to_ns);
        for span in spans.copied().chain(self.open.map(|o| o.until(now_ns))) {
            let kind = span.doing().kind();
            let (mut at, end) = (span.start_ns.max(from_ns), span.end_ns.min(to_ns));
            while at < end {
                let c = ((at - from_ns) / npc) as usize;
                let cell_end = from_ns + (c as u64 + 1) * npc;
                let to = end.min(cell_end);
                out[c].add(kind, to - at);
                at = to;
            }
        }
    }
}

/// A cell's time by kind of doing ([`Doing::kind`]): one lane's, or a row of lanes' added up.
/// What the cell shows is chosen from it ([`Sums::cell`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sums {
    pub ns: [u64; KINDS],
    /// A bit a kind added to (so a choice looks at those only).
    used: u32,
}

impl Default for Sums {
    fn default() -> Sums {
        Sums {
            ns: [0; KINDS],
            used: 0,
        }
    }
}

impl Sums {
    /// Add `ns` of kind `kind`.
    pub fn add(&mut self, kind: usize, ns: u64) {
        self.ns[kind] += ns;
        self.used |= u32::from(ns > 0) << kind;
    }

    /// What a cell of `npc` shows for `lanes` lanes (their time added up here): the share of
    /// their time they ran, in eighths (at least one if any ran), over the longest of the rest
    /// (of equals: ready before wait, then the first kind), and the next longest where it
    /// fills at least an eighth.
    pub fn cell(&self, npc: u64, lanes: usize) -> Cell {
        let whole = npc.saturating_mul(lanes.max(1) as u64);
        let (mut best, mut next) = ((0, 0), (0, 0));
        let mut rest = self.used & !1;
        while rest != 0 {
            let k = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            // Ready kinds are even: (time, ready) as one key, the first kind kept on a tie.
            let key = self.ns[k] << 1 | u64::from(k % 2 == 0);
            if key > best.0 {
                (best, next) = ((key, k), best);
            } else if key > next.0 {
                next = (key, k);
            }
        }
        let second = (next.1 > 0 && self.ns[next.1].saturating_mul(8) >= whole)
            .then(|| (Doing::of_kind(next.1), eighths(self.ns[next.1], whole)));
        Cell {
            run: eighths(self.ns[0], whole),
            rest: (best.1 > 0).then(|| Doing::of_kind(best.1)),
            second,
        }
    }
}

/// Eighths of `whole` that `run_ns` make, at least one if it ran at all.
pub(super) fn eighths(run_ns: u64, whole: u64) -> u8 {
    match run_ns {
        0 => 0,
        // In 64 bits where that cannot overflow (every real cell), else in 128.
        ns if ns < 1 << 59 && whole < 1 << 62 => {
            ((ns * 8 + whole / 2) / whole.max(1)).clamp(1, 8) as u8
        }
        ns => ((ns as u128 * 8 + whole as u128 / 2) / whole.max(1) as u128).clamp(1, 8) as u8,
    }
}

/// The first index from `from` on whose `ends` is after `t_ns` (those before `from` are not):
/// a step at a time (a cell holds few at most zooms), then, past eight, a search in steps
/// doubling, so a cell costs the log of what lies in it.
fn seek(ends: &[u64], from: usize, t_ns: u64) -> usize {
    let mut i = from;
    while i < ends.len() && ends[i] <= t_ns {
        i += 1;
        if i - from == 8 {
            return gallop(ends, i, t_ns);
        }
    }
    i
}

/// [`seek`] far: in steps doubling from `from`.
fn gallop(ends: &[u64], from: usize, t_ns: u64) -> usize {
    let (mut lo, mut step) = (from, 8);
    loop {
        let hi = lo + step;
        if hi >= ends.len() || ends[hi - 1] > t_ns {
            let hi = hi.min(ends.len());
            return lo + ends[lo..hi].partition_point(|&end| end <= t_ns);
        }
        lo = hi;
        step *= 2;
    }
}

/// The most columns a row of totals can have, with one for an open span's: run, then wait
/// and ready for no reason or any of the reasons.
const MOST_COLUMNS: usize = KINDS + 1;

impl Shares {
    fn width(&self) -> usize {
        1 + self.kinds.len()
    }

    /// The column of `doing`, if it has one.
    fn column(&self, doing: Doing) -> Option<usize> {
        if doing.state == State::Run {
            return Some(0);
        }
        self.kinds.iter().position(|&k| k == doing).map(|k| k + 1)
    }

    /// Summarize the spans appended since the last call (all of them, for a new lane).
    pub(super) fn sync(&mut self, spans: &[Span]) {
        if self.sums.is_empty() {
            self.sums.resize(self.width(), 0);
        }
        while !self.stalled && self.covered < spans.len() {
            let span = spans[self.covered];
            let after = self.covered.checked_sub(1).map_or(0, |i| spans[i].end_ns);
            if span.end_ns < span.start_ns || span.start_ns < after {
                self.stalled = true;
                return;
            }
            let doing = span.doing();
            let col = self.column(doing).unwrap_or_else(|| self.add_kind(doing));
            let row = self.sums.len();
            self.sums.extend_from_within(row - self.width()..row);
            self.sums[row + col] += span.len_ns();
            self.ends.push(span.end_ns);
            self.cols.push(col as u8);
            self.covered += 1;
        }
    }

    /// A column for `doing`, zero in every row so far.
    fn add_kind(&mut self, doing: Doing) -> usize {
        let w = self.width();
        let mut sums = Vec::with_capacity(self.sums.capacity() / w * (w + 1));
        for row in self.sums.chunks_exact(w) {
            sums.extend_from_slice(row);
            sums.push(0);
        }
        self.sums = sums;
        self.kinds.push(doing);
        w
    }

    /// Forget the spans from the `n`-th on.
    pub(super) fn truncate(&mut self, n: usize) {
        if n <= self.covered {
            self.sums.truncate((n + 1) * self.width());
            self.ends.truncate(n);
            self.cols.truncate(n);
            self.covered = n;
            self.stalled = false;
        }
    }
}

/// The lane at an instant, as a cell's edge: the first span that ends after it (`next`; the
/// open span after the last), and how much of that span lies before the instant (`part`, of
/// column `col`): the totals at the instant are row `next` plus `part`.
#[derive(Clone, Copy)]
struct Edge {
    next: usize,
    /// Span `next`'s start and end; both `u64::MAX` where there is none (nothing after).
    start: u64,
    end: u64,
    col: usize,
    part: u64,
}

/// A lane whose spans are all summarized, as far as `now_ns`: what its cells are read from.
struct Totals<'a> {
    lane: &'a Lane,
    ends: &'a [u64],
    sums: &'a [u64],
    cols: &'a [u8],
    /// The open span as far as now, and its column (the one after the shares' when it is
    /// none of their kinds).
    open: Option<(Span, usize)>,
    /// Columns of a row of totals, and with the open span's.
    sw: usize,
    w: usize,
    /// The kind ([`Doing::kind`]) of each column.
    kinds: [u8; MOST_COLUMNS],
}

impl<'a> Totals<'a> {
    /// `None` where some spans are not summarized, or the open span starts before the last
    /// span ends.
    fn new(lane: &'a Lane, now_ns: u64) -> Option<Totals<'a>> {
        let shares = &lane.shares;
        let (sw, w) = (shares.width(), shares.width() + 1);
        let synced = shares.sums.len() == (shares.covered + 1) * sw;
        if !synced || shares.stalled || shares.covered != lane.spans.len() || w > MOST_COLUMNS {
            return None;
        }
        let last_end = lane.spans.last().map_or(0, |s| s.end_ns);
        let open = match lane.open {
            Some(o) if o.start_ns < last_end => return None,
            Some(o) => {
                let span = o.until(now_ns);
                let col = shares.column(span.doing()).unwrap_or(w - 1);
                Some((span, col))
            }
            None => None,
        };
        let mut kinds = [0; MOST_COLUMNS];
        for (k, kind) in kinds[1..].iter_mut().zip(&shares.kinds) {
            *k = kind.kind() as u8;
        }
        kinds[sw] = open.map_or(0, |(o, _)| o.doing().kind() as u8);
        Some(Totals {
            lane,
            ends: &shares.ends,
            sums: &shares.sums,
            cols: &shares.cols,
            open,
            sw,
            w,
            kinds,
        })
    }

    /// The lane at `t_ns`, the spans before `from` ending by then: see [`Edge`].
    fn edge(&self, from: usize, t_ns: u64) -> Edge {
        let next = seek(self.ends, from, t_ns);
        let (start, end, col) = self.span(next);
        let part = if start < t_ns {
            t_ns.min(end) - start
        } else {
            0
        };
        Edge {
            next,
            start,
            end,
            col,
            part,
        }
    }

    /// Span `i` (the open span after the last) as its start, end and column, read from the
    /// totals (its length is what its column gained) and not from the spans, twice as big;
    /// `u64::MAX` for both ends where there is none.
    fn span(&self, i: usize) -> (u64, u64, usize) {
        let Some(&end) = self.ends.get(i) else {
            return match self.open {
                Some((o, col)) => (o.start_ns, o.end_ns, col),
                None => (u64::MAX, u64::MAX, 0),
            };
        };
        let col = self.cols[i] as usize;
        let row = i * self.sw + col;
        let len = self.sums[row + self.sw] - self.sums[row];
        (end - len, end, col)
    }

    /// Add each cell's time to `out`, from the totals at its edges; cells wholly inside one
    /// span, or where the lane did nothing, without them.
    fn add_sums(&self, from_ns: u64, npc: u64, out: &mut [Sums]) {
        let cols = out.len();
        let mut left = self.edge(self.lane.first_ending_after(from_ns), from_ns);
        let mut c = 0;
        while c < cols {
            let a = from_ns.saturating_add(npc.saturating_mul(c as u64));
            let (n, doing) = self.alike(&left, a, npc);
            let n = n.min(cols - c);
            if n > 0 {
                if let Some(kind) = doing {
                    out[c..c + n].iter_mut().for_each(|s| s.add(kind, npc));
                }
                c += n;
                let a = from_ns.saturating_add(npc.saturating_mul(c as u64));
                left = self.edge(left.next, a);
                continue;
            }
            let right = self.edge(left.next, a.saturating_add(npc));
            self.add_cell(&left, &right, &mut out[c]);
            (c, left) = (c + 1, right);
        }
    }

    /// How many cells of `npc` from `a` (the lane there: `left`) on are wholly inside the span
    /// that ends first after `a` (and the kind it did all along), or wholly before it (none).
    fn alike(&self, left: &Edge, a: u64, npc: u64) -> (usize, Option<usize>) {
        if left.start > a {
            // Before the next span; nothing after the last (`u64::MAX`).
            return (((left.start - a) / npc) as usize, None);
        }
        if left.end <= a {
            // Only the open span can end by `a` (up to now): nothing after it.
            return (usize::MAX, None);
        }
        let n = ((left.end - a) / npc) as usize;
        (n, Some(self.kinds[left.col] as usize))
    }

    /// Add the time between two edges to `out`: the totals' difference, with the parts of the
    /// spans at the edges (gained by the right, counted whole in its row by the left).
    fn add_cell(&self, left: &Edge, right: &Edge, out: &mut Sums) {
        let sw = self.sw;
        let (r, l) = (&self.sums[right.next * sw..], &self.sums[left.next * sw..]);
        let mut ns = [0; MOST_COLUMNS];
        for k in 0..sw.min(self.w) {
            ns[k] = r[k] - l[k];
        }
        ns[right.col] += right.part;
        ns[left.col] -= left.part;
        for (k, &ns) in ns[..self.w].iter().enumerate() {
            out.add(self.kinds[k] as usize, ns);
        }
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

/// What a screen cell shows for a lane (or a row of lanes): how much of the cell it ran, in
/// eighths, over what it did most of the rest of the cell, and what it did next most where
/// that fills an eighth or more. A brief run stays visible (one eighth) and still reads as
/// brief; zooming in shows true lengths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Eighths of the cell the lane ran: 0, or 1 to 8 (at least 1 if it ran at all).
    pub run: u8,
    /// What it did most of the rest of the cell: waited or was ready, and why; `None`: nothing.
    pub rest: Option<Doing>,
    /// What it did next most of the rest, and in how many eighths of the cell (1 to 8), where
    /// that is at least one: the ready of a lane that mostly waited, or the wait of one mostly
    /// ready.
    pub second: Option<(Doing, u8)>,
}

impl Cell {
    pub const IDLE: Cell = Cell {
        run: 0,
        rest: None,
        second: None,
    };

    /// It ran for part of the cell only.
    pub fn ran_briefly(&self) -> bool {
        (1..8).contains(&self.run)
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
            second: None,
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
                Cell {
                    second: Some((Doing::of_kind(2), 2)),
                    ..c(2, Some(Wait))
                },
                Cell::IDLE
            ]
        );
        assert!(cells[0].ran_briefly() && !cells[1].ran_briefly());
    }

    #[test]
    fn the_next_longest_of_the_rest_shows_where_it_fills_an_eighth() {
        // 80 of 100 waiting, 15 ready: ready is one eighth (rounded), over the wait.
        let l = lane(&[(Wait, 0, 80), (Ready, 80, 95), (Run, 95, 100)]);
        let cell = l.cells(0, 100, 1, 100)[0];
        assert_eq!(cell.rest.map(|d| d.state), Some(Wait));
        assert_eq!(cell.second.map(|(d, k)| (d.state, k)), Some((Ready, 1)));
        assert_eq!(cell.run, 1);
        // 10 of 100 ready is less than an eighth: not shown.
        let l = lane(&[(Wait, 0, 90), (Ready, 90, 100)]);
        assert_eq!(l.cells(0, 100, 1, 100)[0].second, None);
        // Mostly ready, some wait: the wait is second.
        let l = lane(&[(Wait, 0, 40), (Ready, 40, 100)]);
        let cell = l.cells(0, 100, 1, 100)[0];
        assert_eq!(cell.rest.map(|d| d.state), Some(Ready));
        assert_eq!(cell.second.map(|(d, k)| (d.state, k)), Some((Wait, 3)));
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

#[cfg(test)]
mod totals_tests {
    //! The cells from running totals against the cells as they were first found: one pass over
    //! the visible spans adding each to its cells (kept here as it was, as the reference).
    use super::*;
    use crate::trace::{Open, Reason};

    /// The reference: each cell's time by kind, span by span from the whole lane (open span
    /// as far as now), and the longest of the rest chosen by its time, ready before wait,
    /// the first kind on a tie.
    fn reference(
        lane: &Lane,
        from_ns: u64,
        ns_per_col: u64,
        cols: usize,
        now_ns: u64,
    ) -> Vec<Cell> {
        let npc = ns_per_col.max(1);
        let spans: Vec<Span> = lane
            .spans
            .iter()
            .copied()
            .chain(lane.open.map(|o| o.until(now_ns)))
            .collect();
        (0..cols as u64)
            .map(|c| {
                let (a, b) = (from_ns + c * npc, from_ns + (c + 1) * npc);
                let mut ns = [0u64; KINDS];
                for s in &spans {
                    let (from, to) = (s.start_ns.max(a), s.end_ns.min(b));
                    if to > from {
                        ns[s.doing().kind()] += to - from;
                    }
                }
                let run = match ns[0] {
                    0 => 0,
                    ns => ((ns * 8 + npc / 2) / npc).clamp(1, 8) as u8,
                };
                let mut kinds: Vec<usize> = (1..KINDS).filter(|&k| ns[k] > 0).collect();
                kinds
                    .sort_by_key(|&k| std::cmp::Reverse((ns[k], k % 2 == 0, std::cmp::Reverse(k))));
                let rest = kinds.first().map(|&k| Doing::of_kind(k));
                let second = kinds.get(1).filter(|&&k| ns[k] * 8 >= npc).map(|&k| {
                    (
                        Doing::of_kind(k),
                        ((ns[k] * 8 + npc / 2) / npc).clamp(1, 8) as u8,
                    )
                });
                Cell { run, rest, second }
            })
            .collect()
    }

    /// xorshift64: the same cases on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }
    }

    /// A doing of few kinds (so cells hold more than four, and ties, often).
    fn doing(rng: &mut Rng, kinds: u64) -> (State, Option<Reason>) {
        let reasons = [
            None,
            Some(Reason::Io),
            Some(Reason::Gil),
            Some(Reason::Lock),
            Some(Reason::Timer),
            Some(Reason::Cpu),
        ];
        let state = State::ALL[rng.below(3) as usize];
        let reason = reasons[rng.below(kinds.min(6)) as usize];
        (state, reason)
    }

    /// A lane of short spans with gaps (some of no length), pushed one by one.
    fn lane(rng: &mut Rng) -> Lane {
        let mut lane = Lane::default();
        let kinds = 1 + rng.below(6);
        let long = 1 + rng.below(12);
        let mut t = rng.below(10);
        for _ in 0..rng.below(80) {
            t += rng.below(3) * rng.below(2);
            let (state, reason) = doing(rng, kinds);
            let len = rng.below(long);
            lane.push(Span {
                task: Some(0),
                state,
                reason,
                start_ns: t,
                end_ns: t + len,
            });
            t += len;
        }
        match rng.below(6) {
            0 => lane.cut_at(rng.below(t + 1)),
            1 => {
                let from = rng.below(t + 1);
                lane.split_run(from, from + rng.below(8));
            }
            _ => {}
        }
        if rng.below(2) == 0 {
            let (state, reason) = doing(rng, kinds);
            let last = lane.spans.last().map_or(0, |s| s.end_ns);
            lane.open = Some(Open {
                task: None,
                state,
                reason,
                // Now and then (wrongly) before the last span's end.
                start_ns: (last + rng.below(4)).saturating_sub(rng.below(8) / 7 * 2),
            });
        }
        lane
    }

    #[test]
    fn cells_from_running_totals_are_the_cells_span_by_span() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut summed = 0;
        for case in 0..4000 {
            let lane = lane(&mut rng);
            let mut loaded = Lane {
                spans: lane.spans.clone(),
                open: lane.open,
                ..Lane::default()
            };
            loaded.reindex();
            summed += usize::from(Totals::new(&lane, 0).is_some());
            let end = lane.spans.last().map_or(0, |s| s.end_ns) + 10;
            for _ in 0..8 {
                let from = rng.below(end);
                let most = 3 + rng.below(40);
                let npc = rng.below(most);
                let cols = rng.below(30) as usize;
                let now = rng.below(end + 10);
                let want = reference(&lane, from, npc, cols, now);
                let why =
                    format!("case {case}: {lane:?} from {from} npc {npc} cols {cols} now {now}");
                assert_eq!(lane.cells(from, npc, cols, now), want, "{why}");
                assert_eq!(loaded.cells(from, npc, cols, now), want, "loaded: {why}");
            }
        }
        assert!(
            summed > 3000,
            "most lanes are read from their totals ({summed})"
        );
    }

    #[test]
    fn cells_of_hundreds_of_spans_are_the_cells_span_by_span() {
        // Long lanes, cells wide enough to hold hundreds of spans: the far searches.
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for case in 0..20 {
            let mut lane = Lane::default();
            let kinds = 1 + rng.below(6);
            let mut t = 0;
            for _ in 0..5000 {
                t += rng.below(2) * rng.below(3);
                let (state, reason) = doing(&mut rng, kinds);
                let len = rng.below(5);
                lane.push(Span {
                    task: None,
                    state,
                    reason,
                    start_ns: t,
                    end_ns: t + len,
                });
                t += len;
            }
            for _ in 0..10 {
                let (from, npc) = (rng.below(t / 2), 1 + rng.below(1500));
                let cols = 1 + rng.below(40) as usize;
                let want = reference(&lane, from, npc, cols, t);
                assert_eq!(lane.cells(from, npc, cols, t), want, "case {case}");
            }
        }
    }

    #[test]
    fn spans_appended_directly_are_read_span_by_span_until_reindexed() {
        let mut lane = Lane::default();
        lane.push(Span {
            task: None,
            state: State::Run,
            reason: None,
            start_ns: 0,
            end_ns: 10,
        });
        lane.spans.push(Span {
            task: None,
            state: State::Wait,
            reason: Some(Reason::Io),
            start_ns: 10,
            end_ns: 40,
        });
        assert!(Totals::new(&lane, 0).is_none());
        let want = reference(&lane, 0, 10, 4, 0);
        assert_eq!(lane.cells(0, 10, 4, 0), want);
        lane.reindex();
        assert!(Totals::new(&lane, 0).is_some());
        assert_eq!(lane.cells(0, 10, 4, 0), want);
    }
}
