//! What each row of a panel shows: one lane's cells, or several lanes' added up. A row of
//! several lanes of a finished run is summarized once ([`RowTotals`]) and kept while it is
//! drawn, so that drawing it costs a look-up a cell however many lanes and spans it holds; a
//! finished run's row also keeps the cells it last showed, so a frame over the same window (a
//! paused or replayed picture, the playhead moving over it) draws them again without a look-up.
//! Lanes still going are added up lane by lane at every frame.

use crate::present::caption;
use crate::trace::{Cell, Lane, RowTotals, Run, Sums};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A row: its run, whether lanes are by task, and its lanes.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    run: usize,
    by_task: bool,
    lanes: Vec<usize>,
}

/// What the lanes were when a row was summarized: their spans, their edits, and when the run
/// ended (a run replaced by a what-if, a span cut by a late record, tell it apart).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    spans: usize,
    edits: u64,
    end_ns: u64,
}

/// The window a row's cells were drawn for: `cols` cells of `npc` from `from_ns`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Window {
    from_ns: u64,
    npc: u64,
    cols: usize,
}

/// A finished run's row as kept: its stamp, its summary (for several lanes), the cells it last
/// showed and for which window, and the last frame that drew it.
struct Kept {
    stamp: Stamp,
    totals: Option<Arc<RowTotals>>,
    shown: Option<(Window, Vec<Cell>)>,
    frame: u64,
}

/// The rows drawn in this frame and the last: a row not drawn since is let go (a resize or a
/// toggle makes other rows), so they take what two frames' rows take at most.
#[derive(Default)]
pub struct RowCache {
    rows: Mutex<Rows>,
}

#[derive(Default)]
struct Rows {
    frame: u64,
    kept: HashMap<Key, Kept>,
}

/// A row to draw: lanes `shown` of `lanes`, run `run` (its number `index`), lanes by task or not.
pub struct Row<'a> {
    pub index: usize,
    pub run: &'a Run,
    pub by_task: bool,
    pub lanes: &'a [Lane],
    pub shown: &'a [usize],
}

impl Row<'_> {
    fn members(&self) -> Vec<&Lane> {
        self.shown.iter().map(|&l| &self.lanes[l]).collect()
    }

    fn key(&self) -> Key {
        Key {
            run: self.index,
            by_task: self.by_task,
            lanes: self.shown.to_vec(),
        }
    }

    /// Its lanes as they are now, if its run has finished (nothing of it changes with the clock).
    fn stamp(&self, members: &[&Lane]) -> Option<Stamp> {
        let end_ns = self.run.end_ns?;
        if members.iter().any(|l| l.open.is_some()) {
            return None;
        }
        Some(Stamp {
            spans: members.iter().map(|l| l.spans.len()).sum(),
            edits: members.iter().map(|l| l.edits()).sum(),
            end_ns,
        })
    }
}

impl RowCache {
    /// What each of `cols` cells of `npc` from `from_ns` shows for `row` (open spans as far
    /// as `now_ns`).
    pub fn cells(&self, row: &Row, from_ns: u64, npc: u64, cols: usize, now_ns: u64) -> Vec<Cell> {
        let window = Window {
            from_ns,
            npc: npc.max(1),
            cols,
        };
        let members = row.members();
        let Some(stamp) = row.stamp(&members) else {
            return add_up(&members, window, now_ns);
        };
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        let kept = rows.keep(row.key(), stamp, &members);
        if let Some((_, cells)) = kept.shown.as_ref().filter(|(w, _)| *w == window) {
            return cells.clone();
        }
        let cells = match &kept.totals {
            Some(totals) => totals.cells(window.from_ns, window.npc, cols),
            None => add_up(&members, window, now_ns),
        };
        kept.shown = Some((window, cells.clone()));
        cells
    }

    /// How many of `row`'s lanes run, wait and are ready at `at_ns` (open spans as far as
    /// `now_ns`).
    pub fn states(&self, row: &Row, at_ns: u64, now_ns: u64) -> [usize; 3] {
        let members = row.members();
        if let Some(stamp) = row.stamp(&members) {
            let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(totals) = &rows.keep(row.key(), stamp, &members).totals {
                return totals.states_at(at_ns);
            }
        }
        caption::count_states(members, at_ns, now_ns)
    }

    /// A new frame: the rows no frame drew since the last are let go.
    pub fn next_frame(&self) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        let last = rows.frame;
        rows.kept.retain(|_, k| k.frame >= last);
        rows.frame += 1;
    }

    /// Let every summary go (the runs are made again).
    pub fn clear(&self) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.kept.clear();
    }

    /// The bytes the kept summaries take.
    pub fn bytes(&self) -> usize {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.kept
            .values()
            .filter_map(|k| k.totals.as_ref())
            .map(|t| t.bytes())
            .sum()
    }
}

impl Rows {
    /// The finished row `key` as kept, made again if its lanes are no longer as `stamp` says
    /// (summarized when it has several), and marked drawn in this frame.
    fn keep(&mut self, key: Key, stamp: Stamp, members: &[&Lane]) -> &mut Kept {
        let frame = self.frame;
        let kept = self.kept.entry(key).or_insert_with(|| Kept {
            stamp,
            totals: None,
            shown: None,
            frame,
        });
        if kept.stamp != stamp || (kept.totals.is_none() && kept.shown.is_none()) {
            kept.stamp = stamp;
            kept.shown = None;
            kept.totals = (members.len() >= 2)
                .then(|| RowTotals::of(members).map(Arc::new))
                .flatten();
        }
        kept.frame = frame;
        kept
    }
}

/// The lanes' cells added up lane by lane, each from its own running totals.
fn add_up(members: &[&Lane], window: Window, now_ns: u64) -> Vec<Cell> {
    let mut sums = vec![Sums::default(); window.cols];
    for l in members {
        l.add_sums(window.from_ns, window.npc, now_ns, &mut sums);
    }
    sums.iter()
        .map(|s| s.cell(window.npc, members.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{RunMeta, Span, State};

    fn span(state: State, start_ns: u64, end_ns: u64) -> Span {
        Span {
            task: None,
            state,
            reason: None,
            start_ns,
            end_ns,
        }
    }

    /// Two lanes, each running 0..10 then waiting 10..20; the run ended at 20.
    fn run() -> Run {
        let mut run = Run::new(RunMeta::default());
        run.start_ns = Some(0);
        run.end_ns = Some(20);
        for _ in 0..2 {
            let mut lane = Lane::default();
            lane.push(span(State::Run, 0, 10));
            lane.push(span(State::Wait, 10, 20));
            run.lanes.push(lane);
        }
        run
    }

    fn cells(cache: &RowCache, run: &Run) -> Vec<Cell> {
        let row = Row {
            index: 0,
            run,
            by_task: false,
            lanes: &run.lanes,
            shown: &[0, 1],
        };
        cache.cells(&row, 0, 10, 2, 20)
    }

    #[test]
    fn a_kept_row_is_made_again_when_its_lanes_change() {
        let cache = RowCache::default();
        let mut run = run();
        let first = cells(&cache, &run);
        assert_eq!((first[0].run, first[1].run), (8, 0));
        assert!(cache.bytes() > 0, "kept");
        // A late CPU wait over a whole run span: as many spans, ending when they did.
        run.lanes[0].split_run(0, 10);
        run.lanes[1].split_run(0, 10);
        assert_eq!(run.lanes[0].spans.len(), 2);
        let again = cells(&cache, &run);
        assert_eq!(again[0].run, 0, "no longer ran: {again:?}");
        assert_eq!(again[0].rest.map(|d| d.state), Some(State::Ready));
    }

    #[test]
    fn a_row_shows_each_window_its_own_cells() {
        let cache = RowCache::default();
        let run = run();
        for lanes in [&[0usize][..], &[0, 1]] {
            let row = Row {
                index: 0,
                run: &run,
                by_task: false,
                lanes: &run.lanes,
                shown: lanes,
            };
            let whole = cache.cells(&row, 0, 10, 2, 20);
            assert_eq!((whole[0].run, whole[1].run), (8, 0));
            assert_eq!(
                cache.cells(&row, 0, 10, 2, 20),
                whole,
                "the same window again"
            );
            let later = cache.cells(&row, 10, 10, 2, 20);
            assert_eq!((later[0].run, later[1].run), (0, 0), "{later:?}");
            assert_eq!(later[0].rest.map(|d| d.state), Some(State::Wait));
            let halves = cache.cells(&row, 5, 10, 1, 20);
            assert_eq!(halves[0].run, 4, "{halves:?}");
        }
    }

    #[test]
    fn rows_not_drawn_since_the_last_frame_are_let_go() {
        let cache = RowCache::default();
        let run = run();
        cells(&cache, &run);
        let kept = cache.bytes();
        cache.next_frame();
        assert_eq!(cache.bytes(), kept, "drawn in the last frame");
        cache.next_frame();
        assert_eq!(cache.bytes(), 0, "not drawn since");
        cells(&cache, &run);
        cache.clear();
        assert_eq!(cache.bytes(), 0);
    }
}
