//! Who woke whom on screen, apart from how it is drawn: a run's wakes in time order (kept from
//! frame to frame and grown as they are recorded, so a frame finds those in its window by
//! halves), and where each is drawn in a panel: in the column of its time, from its waker's row
//! to the woken lane's row, counted where several fall in one column.

use crate::present::wake::{
    connector, count_glyph, HEAD_FROM_ABOVE, HEAD_FROM_BELOW, HEAD_FROM_OUTSIDE,
};
use crate::trace::{Cause, Wake};
use std::sync::{Arc, Mutex};

/// A run's wakes in the order of their time (`to_ns`), and the causes they had.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sorted {
    /// Places in the run's `wakes`, by `to_ns` (ties in recorded order).
    pub order: Vec<u32>,
    /// A bit per cause seen ([`Cause::index`]).
    pub causes: u16,
    /// How many of the run's wakes it holds (the first ones recorded).
    len: usize,
}

impl Sorted {
    /// `order` as it is, grown by the wakes recorded since: sorted on their own, then appended
    /// when they come after every wake held (as they mostly do), else merged in.
    fn grow(&mut self, wakes: &[Wake]) {
        let at = |i: &u32| wakes[*i as usize].to_ns;
        let mut new: Vec<u32> = (self.len as u32..wakes.len() as u32).collect();
        // Recorded mostly in time order: sorted only when they are not.
        if !wakes[self.len..].is_sorted_by_key(|w| w.to_ns) {
            new.sort_by_key(at);
        }
        for w in &wakes[self.len..] {
            self.causes |= 1 << w.cause.index();
        }
        let last = self.order.last().map(at);
        if last.is_none_or(|l| new.first().is_none_or(|f| at(f) >= l)) {
            self.order.extend(new);
        } else {
            let old = std::mem::take(&mut self.order);
            self.order = merge(&old, &new, at);
        }
        self.len = wakes.len();
    }

    /// The causes seen, in [`Cause::ALL`]'s order.
    pub fn causes(&self) -> Vec<Cause> {
        Cause::ALL
            .into_iter()
            .filter(|c| self.causes & (1 << c.index()) != 0)
            .collect()
    }

    /// The first place in `order` whose wake is at `t_ns` or later.
    pub fn first_at(&self, wakes: &[Wake], t_ns: u64) -> usize {
        self.order
            .partition_point(|&i| wakes[i as usize].to_ns < t_ns)
    }

    /// The wake nearest `t_ns` (the earlier of two as near).
    pub fn nearest<'a>(&self, wakes: &'a [Wake], t_ns: u64) -> Option<&'a Wake> {
        let p = self.first_at(wakes, t_ns);
        let before = p.checked_sub(1).map(|q| &wakes[self.order[q] as usize]);
        let after = self.order.get(p).map(|&i| &wakes[i as usize]);
        match (before, after) {
            (Some(b), Some(a)) if a.to_ns - t_ns < t_ns - b.to_ns => Some(a),
            (Some(b), _) => Some(b),
            (None, a) => a,
        }
    }
}

/// Two lists of places, each in time order, as one.
fn merge(a: &[u32], b: &[u32], at: impl Fn(&u32) -> u64) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if at(&b[j]) < at(&a[i]) {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Each run's wakes in time order, kept while the run grows, and the marks its panel drew last
/// with what they were drawn for: a frame like the last (paused, or playing over a window that
/// holds still) draws them again with a look-up, whatever the wakes in its window.
#[derive(Default)]
pub struct WakeCache {
    runs: Mutex<Vec<Kept>>,
}

#[derive(Default)]
struct Kept {
    sorted: Arc<Sorted>,
    marks: Option<(Drawn, Arc<Vec<Mark>>)>,
    /// Where the panel's lanes were at the last frame, and the y of its first row.
    shown: Option<(u16, Vec<Place>)>,
}

/// What a panel's marks were made for: the wakes there were, the window, where the lanes were.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Drawn {
    wakes: usize,
    cols: Columns,
    places: Vec<Place>,
    rows: usize,
}

impl WakeCache {
    /// Run `run`'s `wakes` in time order: as kept, grown by those recorded since.
    pub fn sorted(&self, run: usize, wakes: &[Wake]) -> Arc<Sorted> {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        Self::kept(&mut runs, run, wakes).sorted.clone()
    }

    /// Run `run`'s [`marks`] in `cols` with its lanes at `places` in `rows` rows: as drawn last,
    /// if that was for the same.
    pub fn marks(
        &self,
        (run, wakes): (usize, &[Wake]),
        cols: Columns,
        places: &[Place],
        rows: usize,
    ) -> Arc<Vec<Mark>> {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let kept = Self::kept(&mut runs, run, wakes);
        let same = |d: &Drawn| {
            (d.wakes, d.cols, d.rows) == (wakes.len(), cols, rows) && d.places == places
        };
        if let Some((_, marks)) = kept.marks.as_ref().filter(|(d, _)| same(d)) {
            return marks.clone();
        }
        let marks = Arc::new(marks(wakes, &kept.sorted, cols, places, rows));
        let drawn = Drawn {
            wakes: wakes.len(),
            cols,
            places: places.to_vec(),
            rows,
        };
        kept.marks = Some((drawn, marks.clone()));
        marks
    }

    /// Where run `run`'s panel drew its lanes (`places`, its first row at `y0`), for a click.
    pub fn note_rows(&self, run: usize, y0: u16, places: &[Place]) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        if runs.len() <= run {
            runs.resize_with(run + 1, Default::default);
        }
        match &mut runs[run].shown {
            Some((y, kept)) if *y == y0 && kept == places => {}
            shown => *shown = Some((y0, places.to_vec())),
        }
    }

    /// The lane alone in the row of run `run`'s panel at terminal row `y`, as last drawn.
    pub fn lane_at(&self, run: usize, y: u16) -> Option<u32> {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let (y0, places) = runs.get(run)?.shown.as_ref()?;
        let row = Place::Row(y.checked_sub(*y0)? as usize);
        let mut lanes = (0..places.len()).filter(|&l| places[l] == row);
        match (lanes.next(), lanes.next()) {
            (Some(lane), None) => Some(lane as u32),
            _ => None,
        }
    }

    /// Run `run`'s, grown to `wakes` (made again if the run has fewer: it was made again).
    fn kept<'a>(runs: &'a mut Vec<Kept>, run: usize, wakes: &[Wake]) -> &'a mut Kept {
        if runs.len() <= run {
            runs.resize_with(run + 1, Default::default);
        }
        let kept = &mut runs[run];
        if kept.sorted.len > wakes.len() {
            *kept = Kept::default();
        }
        if kept.sorted.len < wakes.len() {
            Arc::make_mut(&mut kept.sorted).grow(wakes);
        }
        kept
    }

    /// Let every run's go (the runs are made again).
    pub fn clear(&self) {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Where a lane is in a panel: in a row (alone or with others), or scrolled out of sight above
/// or below the rows shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Row(usize),
    Above,
    Below,
}

/// One cell of an arrow: its column and row in the panel's diagram, its glyph and the cause
/// whose colour it is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub col: usize,
    pub row: usize,
    pub glyph: char,
    pub cause: Cause,
}

/// The window the marks are for: `cols` columns of `npc` from `from_ns` (the run's clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    pub from_ns: u64,
    pub npc: u64,
    pub cols: usize,
}

/// The arrows of the wakes in `cols` (by `sorted`, of `wakes`) in a panel of `rows` rows whose
/// lanes are at `places` (by lane; a lane past its end is not shown). Each wake is drawn in the
/// column of its `to_ns`: a head on the woken lane's row (`▼` from above, `▲` from below, `◆`
/// from the outside), a tee on its waker's (`┬` / `┴`) and `│` between. Wakes into one row
/// in one column are counted (a digit, `+` past 9) in the colour most of them have; the lines
/// of one column are one line, in the colour most of its wakes have. A wake within one row is
/// not drawn; nor is one into a lane scrolled out of sight (one from such a lane comes in from
/// the edge of the rows).
pub fn marks(
    wakes: &[Wake],
    sorted: &Sorted,
    cols: Columns,
    places: &[Place],
    rows: usize,
) -> Vec<Mark> {
    let npc = cols.npc.max(1);
    let to_ns = cols
        .from_ns
        .saturating_add(npc.saturating_mul(cols.cols as u64));
    let first = sorted.first_at(wakes, cols.from_ns);
    let mut column = Column::new(rows);
    let mut out = Vec::new();
    let mut at = None;
    for &i in &sorted.order[first..] {
        let wake = &wakes[i as usize];
        if wake.to_ns >= to_ns {
            break;
        }
        let col = ((wake.to_ns - cols.from_ns) / npc) as usize;
        if let Some(before) = at.filter(|&c| c != col) {
            column.flush(before, &mut out);
        }
        at = Some(col);
        column.add(wake, places);
    }
    if let Some(col) = at {
        column.flush(col, &mut out);
    }
    out
}

/// The wakes of one column, added up row by row.
struct Column {
    rows: usize,
    /// Per row: wakes into it, by cause, and the head of the last.
    into: Vec<[u32; Cause::ALL.len()]>,
    head: Vec<char>,
    /// Per row: a waker's line leaves it upward, downward.
    up: Vec<bool>,
    down: Vec<bool>,
    /// Lines crossing each row (a difference per row, added up when flushed).
    through: Vec<i32>,
    /// The lines' wakes, by cause.
    lines: [u32; Cause::ALL.len()],
    any: bool,
}

impl Column {
    fn new(rows: usize) -> Column {
        Column {
            rows,
            into: vec![[0; Cause::ALL.len()]; rows],
            head: vec![' '; rows],
            up: vec![false; rows],
            down: vec![false; rows],
            through: vec![0; rows + 1],
            lines: [0; Cause::ALL.len()],
            any: false,
        }
    }

    /// One wake, where it is drawn.
    fn add(&mut self, wake: &Wake, places: &[Place]) {
        let place = |l: u32| places.get(l as usize).copied();
        let Some(Place::Row(to)) = place(wake.to) else {
            return;
        };
        let head = match wake.from.map(place) {
            None => HEAD_FROM_OUTSIDE,
            // A waker not among the lanes: not drawn (nothing to draw it from).
            Some(None) => return,
            Some(Some(Place::Row(from))) if from == to => return,
            Some(Some(from)) => self.line(from, to, wake.cause),
        };
        self.into[to][wake.cause.index()] += 1;
        self.head[to] = head;
        self.any = true;
    }

    /// The line of a wake from `from` to row `to` (`to` a row), and the head it ends in.
    fn line(&mut self, from: Place, to: usize, cause: Cause) -> char {
        self.lines[cause.index()] += 1;
        // The rows strictly between the waker's and the woken lane's; a waker out of sight
        // is beyond the edge of the rows, so every row to the edge is crossed.
        let (top, bottom, head) = match from {
            Place::Row(f) if f < to => (f + 1, to, HEAD_FROM_ABOVE),
            Place::Row(f) => (to + 1, f, HEAD_FROM_BELOW),
            Place::Above => (0, to, HEAD_FROM_ABOVE),
            Place::Below => (to + 1, self.rows, HEAD_FROM_BELOW),
        };
        if top < bottom {
            self.through[top] += 1;
            self.through[bottom] -= 1;
        }
        if let Place::Row(f) = from {
            match f < to {
                true => self.down[f] = true,
                false => self.up[f] = true,
            }
        }
        head
    }

    /// The column's marks, into `out`; then empty again.
    fn flush(&mut self, col: usize, out: &mut Vec<Mark>) {
        if !self.any {
            return;
        }
        let line_cause = most(&self.lines);
        let mut crossing = 0;
        for row in 0..self.rows {
            crossing += self.through[row];
            let n: u32 = self.into[row].iter().sum();
            let (glyph, cause) = if n > 0 {
                (count_glyph(n, self.head[row]), most(&self.into[row]))
            } else if self.up[row] || self.down[row] {
                let through = crossing > 0;
                let glyph = connector(self.up[row] || through, self.down[row] || through, true);
                (glyph, line_cause)
            } else if crossing > 0 {
                (connector(true, true, false), line_cause)
            } else {
                continue;
            };
            out.push(Mark {
                col,
                row,
                glyph,
                cause,
            });
        }
        self.clear();
    }

    fn clear(&mut self) {
        self.into.fill([0; Cause::ALL.len()]);
        self.up.fill(false);
        self.down.fill(false);
        self.through.fill(0);
        self.lines = [0; Cause::ALL.len()];
        self.any = false;
    }
}

/// The cause with the most wakes (the first of [`Cause::ALL`] of those as many).
fn most(counts: &[u32; Cause::ALL.len()]) -> Cause {
    let best = (0..counts.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    Cause::from_index(best).unwrap_or(Cause::GilInterval)
}

/// Where each of `lanes` lanes is in a panel that shows, in its rows, the lanes of `order` in
/// ranges `groups` (by place in `order`): in its group's row, or above or below those shown.
pub fn places(lanes: usize, order: &[usize], groups: &[std::ops::Range<usize>]) -> Vec<Place> {
    let first = groups.first().map_or(0, |g| g.start);
    let mut places = vec![Place::Below; lanes];
    for &lane in order.get(..first).unwrap_or(&[]) {
        if let Some(p) = places.get_mut(lane) {
            *p = Place::Above;
        }
    }
    for (row, group) in groups.iter().enumerate() {
        for &lane in order.get(group.clone()).unwrap_or(&[]) {
            if let Some(p) = places.get_mut(lane) {
                *p = Place::Row(row);
            }
        }
    }
    places
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wake(from: Option<u32>, to: u32, at: u64, cause: Cause) -> Wake {
        Wake::instant(from, to, at, cause)
    }

    fn sorted(wakes: &[Wake]) -> Sorted {
        let mut s = Sorted::default();
        s.grow(wakes);
        s
    }

    /// The marks as text: a line per row, a character per column (` ` where none).
    fn picture(marks: &[Mark], rows: usize, cols: usize) -> Vec<String> {
        let mut grid = vec![vec![' '; cols]; rows];
        for m in marks {
            assert_eq!(grid[m.row][m.col], ' ', "two marks in one cell: {m:?}");
            grid[m.row][m.col] = m.glyph;
        }
        grid.into_iter().map(|r| r.into_iter().collect()).collect()
    }

    const COLS: Columns = Columns {
        from_ns: 100,
        npc: 10,
        cols: 8,
    };

    fn rows(n: usize) -> Vec<Place> {
        (0..n).map(Place::Row).collect()
    }

    #[test]
    fn a_wake_is_drawn_in_the_column_of_its_time_from_its_waker_to_the_woken_lane() {
        let wakes = [
            // 0 hands the GIL to 2 at 125: column 2, through row 1.
            wake(Some(0), 2, 125, Cause::GilInterval),
            // 2 lets it go to 1 at 151: column 5, upward.
            wake(Some(2), 1, 151, Cause::GilReleased),
            // A response for 2 at 179: column 7, a head only.
            wake(None, 2, 179, Cause::IoDone),
            // Outside the window: before it, and at its end.
            wake(Some(0), 1, 99, Cause::GilInterval),
            wake(Some(0), 1, 180, Cause::GilInterval),
        ];
        let marks = marks(&wakes, &sorted(&wakes), COLS, &rows(3), 3);
        assert_eq!(picture(&marks, 3, 8), ["  ┬     ", "  │  ▲  ", "  ▼  ┴ ◆"]);
        let at = |col, row| marks.iter().find(|m| (m.col, m.row) == (col, row)).unwrap();
        assert_eq!(at(2, 1).cause, Cause::GilInterval);
        assert_eq!(at(7, 2).cause, Cause::IoDone);
    }

    #[test]
    fn wakes_in_one_column_are_counted_not_drawn_over_each_other() {
        let mut wakes = Vec::new();
        // Column 0: 0 -> 1 three times, 1 -> 0 twice, a response for 2.
        for t in [100, 102, 104] {
            wakes.push(wake(Some(0), 1, t, Cause::GilInterval));
        }
        for t in [101, 103] {
            wakes.push(wake(Some(1), 0, t, Cause::GilInterval));
        }
        wakes.push(wake(None, 2, 105, Cause::IoDone));
        // Column 3: twelve wakes of 0 -> 2 (+), one lock release 1 -> 2 among them.
        for k in 0..12 {
            wakes.push(wake(Some(0), 2, 130 + k % 10, Cause::GilInterval));
        }
        wakes.push(wake(Some(1), 2, 131, Cause::LockReleased));
        let marks = marks(&wakes, &sorted(&wakes), COLS, &rows(3), 3);
        assert_eq!(picture(&marks, 3, 8), ["2  ┬    ", "3  ┼    ", "◆  +    "]);
        let head = marks.iter().find(|m| (m.col, m.row) == (3, 2)).unwrap();
        assert_eq!(head.cause, Cause::GilInterval, "the colour most have");
    }

    #[test]
    fn grouped_lanes_draw_to_their_row_and_wakes_within_a_row_are_not_drawn() {
        // Lanes 0 and 1 share row 0, lane 2 is row 1.
        let places = [Place::Row(0), Place::Row(0), Place::Row(1)];
        let wakes = [
            wake(Some(0), 1, 100, Cause::QueuePut),
            wake(Some(1), 2, 110, Cause::QueuePut),
            wake(Some(2), 0, 120, Cause::QueueGet),
        ];
        let marks = marks(&wakes, &sorted(&wakes), COLS, &places, 2);
        assert_eq!(picture(&marks, 2, 8), [" ┬▲     ", " ▼┴     "]);
    }

    #[test]
    fn a_waker_scrolled_out_of_sight_comes_in_from_the_edge_and_a_hidden_lane_is_not_woken() {
        // Lanes 1 and 2 shown in rows 0 and 1; lane 0 above them, lane 3 below.
        let places = places(4, &[0, 1, 2, 3], &[1..2, 2..3]);
        assert_eq!(
            places,
            [Place::Above, Place::Row(0), Place::Row(1), Place::Below]
        );
        let wakes = [
            wake(Some(0), 2, 100, Cause::LockReleased),
            wake(Some(3), 1, 110, Cause::LockReleased),
            wake(Some(1), 3, 120, Cause::LockReleased),
            wake(Some(0), 1, 130, Cause::LockReleased),
        ];
        let marks = marks(&wakes, &sorted(&wakes), COLS, &places, 2);
        assert_eq!(picture(&marks, 2, 8), ["│▲ ▼    ", "▼│      "]);
    }

    #[test]
    fn the_order_grows_as_wakes_are_recorded_out_of_order_and_is_made_again_for_new_runs() {
        let cache = WakeCache::default();
        let mut wakes = vec![
            wake(None, 0, 50, Cause::IoDone),
            wake(None, 0, 10, Cause::Timer),
        ];
        let times = |s: &Sorted, w: &[Wake]| -> Vec<u64> {
            s.order.iter().map(|&i| w[i as usize].to_ns).collect()
        };
        let s = cache.sorted(0, &wakes);
        assert_eq!(times(&s, &wakes), [10, 50]);
        assert_eq!(s.causes(), [Cause::IoDone, Cause::Timer]);
        drop(s);
        // Later (appended) and earlier (merged) than those kept.
        wakes.push(wake(Some(1), 0, 70, Cause::Pipe));
        wakes.push(wake(Some(1), 0, 30, Cause::Pipe));
        let s = cache.sorted(0, &wakes);
        assert_eq!(times(&s, &wakes), [10, 30, 50, 70]);
        assert_eq!(s.first_at(&wakes, 31), 2);
        assert_eq!(s.nearest(&wakes, 39).map(|w| w.to_ns), Some(30));
        assert_eq!(s.nearest(&wakes, 41).map(|w| w.to_ns), Some(50));
        assert_eq!(s.nearest(&wakes, 99).map(|w| w.to_ns), Some(70));
        // A run made again has fewer wakes: made again from them.
        let again = [wake(None, 0, 5, Cause::IoDone)];
        assert_eq!(times(&cache.sorted(0, &again), &again), [5]);
    }

    #[test]
    fn a_panels_marks_are_kept_while_its_window_rows_and_wakes_hold_still() {
        let cache = WakeCache::default();
        let mut wakes = vec![wake(Some(0), 1, 105, Cause::QueuePut)];
        let places = rows(2);
        let first = cache.marks((0, &wakes), COLS, &places, 2);
        assert!(Arc::ptr_eq(
            &first,
            &cache.marks((0, &wakes), COLS, &places, 2)
        ));
        let later = Columns {
            from_ns: 50,
            ..COLS
        };
        let moved = cache.marks((0, &wakes), later, &places, 2);
        assert_eq!(moved[0].col, 5, "made again for another window");
        wakes.push(wake(Some(1), 0, 115, Cause::QueueGet));
        assert_eq!(
            cache.marks((0, &wakes), later, &places, 2).len(),
            4,
            "and more wakes"
        );
        let one_row = [Place::Row(0), Place::Row(0)];
        assert!(
            cache.marks((0, &wakes), later, &one_row, 1).is_empty(),
            "other rows"
        );
    }
}
