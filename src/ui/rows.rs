//! What each row of a panel shows: one lane's cells, or several lanes' added up. A row of
//! several lanes of a finished run is summarized once ([`RowTotals`]) and kept while it is
//! drawn, so that drawing it costs a look-up a cell however many lanes and spans it holds;
//! lanes still going are added up lane by lane at every frame.

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

/// A row's summary, its stamp, and the last frame that drew it.
struct Kept {
    stamp: Stamp,
    totals: Arc<RowTotals>,
    frame: u64,
}

/// The summaries of the rows drawn in this frame and the last: a row not drawn since is let go
/// (a resize or a toggle makes other rows), so they take what two frames' rows take at most.
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

impl RowCache {
    /// What each of `cols` cells of `npc` from `from_ns` shows for `row` (open spans as far
    /// as `now_ns`).
    pub fn cells(&self, row: &Row, from_ns: u64, npc: u64, cols: usize, now_ns: u64) -> Vec<Cell> {
        let npc = npc.max(1);
        let members: Vec<&Lane> = row.shown.iter().map(|&l| &row.lanes[l]).collect();
        if let Some(totals) = self.summary(row, &members) {
            return totals.cells(from_ns, npc, cols);
        }
        let mut sums = vec![Sums::default(); cols];
        for l in &members {
            l.add_sums(from_ns, npc, now_ns, &mut sums);
        }
        sums.iter().map(|s| s.cell(npc, members.len())).collect()
    }

    /// How many of `row`'s lanes run, wait and are ready at `at_ns` (open spans as far as
    /// `now_ns`).
    pub fn states(&self, row: &Row, at_ns: u64, now_ns: u64) -> [usize; 3] {
        let members: Vec<&Lane> = row.shown.iter().map(|&l| &row.lanes[l]).collect();
        match self.summary(row, &members) {
            Some(totals) => totals.states_at(at_ns),
            None => caption::count_states(members, at_ns, now_ns),
        }
    }

    /// The row's summary, made now if it is not kept as its lanes are: only for several lanes
    /// of a finished run.
    fn summary(&self, row: &Row, members: &[&Lane]) -> Option<Arc<RowTotals>> {
        let end_ns = row.run.end_ns?;
        if members.len() < 2 {
            return None;
        }
        let stamp = Stamp {
            spans: members.iter().map(|l| l.spans.len()).sum(),
            edits: members.iter().map(|l| l.edits()).sum(),
            end_ns,
        };
        let key = Key {
            run: row.index,
            by_task: row.by_task,
            lanes: row.shown.to_vec(),
        };
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        let frame = rows.frame;
        if let Some(kept) = rows.kept.get_mut(&key).filter(|k| k.stamp == stamp) {
            kept.frame = frame;
            return Some(kept.totals.clone());
        }
        let totals = Arc::new(RowTotals::of(members)?);
        let kept = Kept {
            stamp,
            totals: totals.clone(),
            frame,
        };
        rows.kept.insert(key, kept);
        Some(totals)
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
        rows.kept.values().map(|k| k.totals.bytes()).sum()
    }
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
