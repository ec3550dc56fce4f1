//! A row of several lanes of a finished run, summarized once: their time by kind of doing
//! added up from each instant any of them changed state, so that a row's cell costs a look-up
//! at each of its edges however many lanes and spans lie in it.
//!
//! Between two changes the number of lanes doing each kind is constant, so the total at any
//! instant is the total at the change before it plus that number times the time since: a
//! summary holds, per change, its time, the totals there and those numbers. The lanes'
//! spans are merged once (a sort of their starts and ends), and the summary is kept as long as
//! the row is drawn (the UI's session keeps it).

use super::query::Sums;
use super::{Doing, Lane, State, KINDS};

// A change packs its column in 5 bits, and `Sums` keeps a bit a kind in 32.
const _: () = assert!(KINDS <= 32);

/// Changes a bucket of the directory covers, on average.
const BUCKET: usize = 4;

/// Several lanes' time by kind, added up at each instant any of them changes state.
#[derive(Debug, Default)]
pub struct RowTotals {
    lanes: usize,
    /// The kind ([`super::Doing::kind`]) of each column.
    kinds: Vec<usize>,
    /// Each change's time, in order (while it is made; then in `entries`).
    times: Vec<u64>,
    /// Per change, per column, two numbers side by side: the lanes' time in that kind before
    /// it, and how many lanes do it from it to the next (while it is made; then in `entries`).
    at: Vec<u64>,
    /// Per change, its time and then its `at`, side by side: a change found is read in one
    /// place (`stride` numbers a change).
    entries: Vec<u64>,
    stride: usize,
    /// Where to start looking for time `t`: the first change after `t0 + j * span_ns`, for the
    /// bucket `j` it falls in.
    dir: Vec<u32>,
    t0: u64,
    span_ns: u64,
}

impl RowTotals {
    /// The summary of `lanes`; `None` where one is still going (an open span: it changes with
    /// the clock) or the totals could outgrow 64 bits.
    pub fn of(lanes: &[&Lane]) -> Option<RowTotals> {
        let ends = lanes.iter().flat_map(|l| &l.spans).map(|s| s.end_ns);
        let most = ends.max().unwrap_or(0);
        let spans: usize = lanes.iter().map(|l| l.spans.len()).sum();
        // A change packs its time in the top 58 bits; totals must stay within 64.
        let too_big =
            most >= 1 << 57 || most.checked_mul(lanes.len() as u64)? >> 62 > 0 || spans >= 1 << 30;
        if lanes.iter().any(|l| l.open.is_some()) || too_big {
            return None;
        }
        let mut column = [usize::MAX; KINDS];
        let mut kinds = Vec::new();
        // Each start and end as one number: time, column, and whether it starts.
        let mut changes = Vec::with_capacity(2 * spans);
        for span in lanes.iter().flat_map(|l| &l.spans) {
            let kind = span.doing().kind();
            if column[kind] == usize::MAX {
                column[kind] = kinds.len();
                kinds.push(kind);
            }
            let col = column[kind] as u64;
            changes.push(span.start_ns << 6 | col << 1 | 1);
            changes.push(span.end_ns << 6 | col << 1);
        }
        changes.sort_unstable();
        let mut row = RowTotals {
            lanes: lanes.len(),
            kinds,
            ..RowTotals::default()
        };
        row.sweep(&changes);
        row.index();
        row.interleave();
        Some(row)
    }

    /// Fill the summary from the sorted changes: at each new time, the totals so far and the
    /// numbers after every change at that time.
    fn sweep(&mut self, changes: &[u64]) {
        let w = self.kinds.len();
        let (mut totals, mut doing) = (vec![0u64; w], vec![0i64; w]);
        let mut i = 0;
        while i < changes.len() {
            let t = changes[i] >> 6;
            if let Some(&before) = self.times.last() {
                for (total, &n) in totals.iter_mut().zip(&doing) {
                    *total += n as u64 * (t - before);
                }
            }
            while i < changes.len() && changes[i] >> 6 == t {
                let col = (changes[i] >> 1 & 31) as usize;
                doing[col] += if changes[i] & 1 == 1 { 1 } else { -1 };
                i += 1;
            }
            self.times.push(t);
            for (&total, &n) in totals.iter().zip(&doing) {
                self.at.extend([total, n as u64]);
            }
        }
    }

    /// The directory: buckets of equal time, about [`BUCKET`] changes each.
    fn index(&mut self) {
        let (Some(&first), Some(&last)) = (self.times.first(), self.times.last()) else {
            return;
        };
        let buckets = self.times.len().div_ceil(BUCKET);
        self.t0 = first;
        self.span_ns = (last - first).div_ceil(buckets as u64).max(1);
        let mut next = 0;
        self.dir = (0..=buckets as u64)
            .map(|j| {
                let t = first + j * self.span_ns;
                next += self.times[next..].partition_point(|&c| c <= t);
                next as u32
            })
            .collect();
    }

    /// How many of its lanes run, wait and are ready at `t_ns` (in [`State::ALL`]'s order).
    pub fn states_at(&self, t_ns: u64) -> [usize; 3] {
        let mut counts = [0; 3];
        let Some(i) = self.seek(0, t_ns).checked_sub(1) else {
            return counts;
        };
        let at = &self.entries[i * self.stride + 1..(i + 1) * self.stride];
        for (&kind, pair) in self.kinds.iter().zip(at.chunks_exact(2)) {
            let state = Doing::of_kind(kind).state;
            counts[State::ALL.iter().position(|&s| s == state).unwrap_or(0)] += pair[1] as usize;
        }
        counts
    }

    /// Each change's time and numbers side by side, in `entries`.
    fn interleave(&mut self) {
        let w = self.kinds.len();
        self.stride = 1 + 2 * w;
        let mut entries = Vec::with_capacity(self.times.len() * self.stride);
        for (i, &t) in self.times.iter().enumerate() {
            entries.push(t);
            entries.extend_from_slice(&self.at[i * 2 * w..(i + 1) * 2 * w]);
        }
        self.entries = entries;
        self.times = Vec::new();
        self.at = Vec::new();
    }

    /// How many changes it holds.
    fn changes(&self) -> usize {
        self.entries.len() / self.stride.max(1)
    }

    /// Change `i`'s time.
    fn time(&self, i: usize) -> u64 {
        self.entries[i * self.stride]
    }

    /// How many lanes it adds up.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// The bytes it takes beyond its own size.
    pub fn bytes(&self) -> usize {
        self.entries.capacity() * 8 + self.dir.capacity() * 4 + self.kinds.capacity() * 8
    }

    /// The first change after `t_ns`, looking from `from` on (no change before it is after
    /// `t_ns`): from the directory's bucket of `t_ns` where it lies further on, a step at a
    /// time, then (past 16) by halves.
    fn seek(&self, from: usize, t_ns: u64) -> usize {
        let from = match self.dir.is_empty() || t_ns < self.t0 {
            true => from,
            false => {
                // Bucket `j` starts after the changes before `dir[j - 1]` (the last bucket's on).
                let j = ((t_ns - self.t0) / self.span_ns) as usize;
                let j = j.saturating_sub(1).min(self.dir.len() - 1);
                from.max(self.dir[j] as usize)
            }
        };
        let n = self.changes();
        let mut i = from;
        while i < n && self.time(i) <= t_ns {
            i += 1;
            if i - from == 16 {
                let (mut lo, mut hi) = (i, n);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    match self.time(mid) <= t_ns {
                        true => lo = mid + 1,
                        false => hi = mid,
                    }
                }
                return lo;
            }
        }
        i
    }

    /// Add the lanes' time in each of `out.len()` cells of `npc` from `from_ns` to `out`.
    pub fn add_sums(&self, from_ns: u64, npc: u64, out: &mut [Sums]) {
        let cols = out.len();
        self.each(from_ns, npc, cols, |c, sums| {
            for k in 0..KINDS {
                out[c].add(k, sums.ns[k]);
            }
        });
    }

    /// What each of `cols` cells of `npc` from `from_ns` shows ([`Sums::cell`]).
    pub fn cells(&self, from_ns: u64, npc: u64, cols: usize) -> Vec<super::Cell> {
        let mut cells = Vec::with_capacity(cols);
        self.each(from_ns, npc, cols, |_, sums| {
            cells.push(sums.cell(npc, self.lanes))
        });
        cells
    }

    /// The lanes' time in each of `cols` cells of `npc` from `from_ns`, in order: `f(cell,
    /// sums)`. The cells' edges are looked up each on its own (from the directory), all of
    /// them before any is read, so that the memory reads of many edges overlap.
    fn each(&self, from_ns: u64, npc: u64, cols: usize, mut f: impl FnMut(usize, &Sums)) {
        let w = self.kinds.len();
        let edge = |c: usize| from_ns.saturating_add(npc.saturating_mul(c as u64));
        let next: Vec<usize> = (0..=cols).map(|c| self.seek(0, edge(c))).collect();
        let mut totals = vec![0u64; (cols + 1) * w];
        for (c, (&next, out)) in next
            .iter()
            .zip(totals.chunks_exact_mut(w.max(1)))
            .enumerate()
        {
            self.totals_at(next, edge(c), &mut out[..w]);
        }
        for c in 0..cols {
            let (left, right) = (
                &totals[c * w..(c + 1) * w],
                &totals[(c + 1) * w..(c + 2) * w],
            );
            let mut sums = Sums::default();
            for k in 0..w {
                sums.add(self.kinds[k], right[k] - left[k]);
            }
            f(c, &sums);
        }
    }

    /// The totals at `t_ns`, `next` being the first change after it.
    fn totals_at(&self, next: usize, t_ns: u64, out: &mut [u64]) {
        let Some(i) = next.checked_sub(1) else {
            out.fill(0);
            return;
        };
        let entry = &self.entries[i * self.stride..(i + 1) * self.stride];
        let since = t_ns - entry[0];
        for (o, pair) in out.iter_mut().zip(entry[1..].chunks_exact(2)) {
            *o = pair[0] + pair[1] * since;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Reason, Span, State};

    fn lane(spans: &[(State, Option<Reason>, u64, u64)]) -> Lane {
        let mut lane = Lane::default();
        for &(state, reason, start_ns, end_ns) in spans {
            lane.push(Span {
                task: None,
                state,
                reason,
                start_ns,
                end_ns,
            });
        }
        lane
    }

    /// The row's sums are its lanes' sums added, lane by lane.
    fn by_lanes(lanes: &[&Lane], from: u64, npc: u64, cols: usize) -> Vec<Sums> {
        let mut sums = vec![Sums::default(); cols];
        for l in lanes {
            l.add_sums(from, npc, u64::MAX, &mut sums);
        }
        sums
    }

    #[test]
    fn a_row_adds_its_lanes_up() {
        use State::*;
        let io = Some(Reason::Io);
        let gil = Some(Reason::Gil);
        let a = lane(&[(Run, None, 0, 5), (Wait, io, 5, 30), (Run, None, 30, 31)]);
        let b = lane(&[(Ready, gil, 2, 9), (Run, None, 9, 20), (Ready, gil, 20, 40)]);
        let c = lane(&[(Wait, io, 50, 60), (Wait, io, 60, 60)]);
        let lanes = [&a, &b, &c];
        let row = RowTotals::of(&lanes).unwrap();
        assert_eq!(row.lanes(), 3);
        for (from, npc, cols) in [(0, 10, 7), (3, 7, 9), (0, 1, 70), (45, 100, 2), (0, 61, 1)] {
            let mut sums = vec![Sums::default(); cols];
            row.add_sums(from, npc, &mut sums);
            assert_eq!(
                sums,
                by_lanes(&lanes, from, npc, cols),
                "{from} {npc} {cols}"
            );
        }
        let mut one = [Sums::default()];
        row.add_sums(0, 10, &mut one);
        // 10 ns of 3 lanes: a ran 5 and waited 5, b was ready 7 and ran 1.
        assert_eq!(one[0].cell(10, 3).run, 2, "6 of 30 ns ran");
        assert_eq!(
            one[0].cell(10, 3).rest.unwrap().reason,
            gil,
            "7 ready over 5 wait"
        );
    }

    #[test]
    fn a_row_still_going_is_not_summarized() {
        let mut a = lane(&[(State::Run, None, 0, 5)]);
        a.open = Some(crate::trace::Open {
            task: None,
            state: State::Wait,
            reason: None,
            start_ns: 5,
        });
        assert!(RowTotals::of(&[&a]).is_none());
    }

    #[test]
    fn rows_of_random_lanes_add_up_as_their_lanes() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut below = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n.max(1)
        };
        for case in 0..300 {
            let lanes: Vec<Lane> = (0..1 + below(6))
                .map(|_| {
                    let mut t = below(20);
                    let mut l = Lane::default();
                    for _ in 0..below(60) {
                        t += below(3) * below(2);
                        let state = State::ALL[below(3) as usize];
                        let reason = Reason::from_index(below(12) as usize);
                        let len = below(9);
                        l.push(Span {
                            task: None,
                            state,
                            reason,
                            start_ns: t,
                            end_ns: t + len,
                        });
                        t += len;
                    }
                    l
                })
                .collect();
            let refs: Vec<&Lane> = lanes.iter().collect();
            let row = RowTotals::of(&refs).unwrap();
            for _ in 0..6 {
                let (from, npc, cols) = (below(200), 1 + below(40), below(30) as usize);
                let mut sums = vec![Sums::default(); cols];
                row.add_sums(from, npc, &mut sums);
                assert_eq!(sums, by_lanes(&refs, from, npc, cols), "case {case}");
                let t = below(220);
                let mut want = [0; 3];
                for s in refs.iter().filter_map(|l| l.span_at(t, 0)) {
                    want[State::ALL.iter().position(|&x| x == s.state).unwrap()] += 1;
                }
                assert_eq!(row.states_at(t), want, "case {case} at {t}");
            }
        }
    }
}
