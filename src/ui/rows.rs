//! What each row of a panel shows: one lane's cells, or several lanes' added up. A row of
//! several lanes of a finished run is summarized once ([`RowTotals`]) and kept while it is
//! drawn, so that drawing it costs a look-up a cell however many lanes and spans it holds;
//! lanes still going are added up lane by lane at every frame.

use crate::present::caption;
use crate::trace::{Cell, Lane, RowTotals, Run, Sums};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The most rows kept; past it, every summary is made again as it is drawn.
const MOST_ROWS: usize = 512;

/// A row: its run, whether lanes are by task, its lanes, and how many spans they held and when
/// the run ended when it was summarized (a run replaced by a what-if is told apart).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    run: usize,
    by_task: bool,
    lanes: Vec<usize>,
    spans: usize,
    end_ns: u64,
}

/// The summaries of the rows drawn.
#[derive(Default)]
pub struct RowCache {
    rows: Mutex<HashMap<Key, Arc<RowTotals>>>,
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

    /// The row's summary, made now if it is not kept: only for several lanes of a finished run.
    fn summary(&self, row: &Row, members: &[&Lane]) -> Option<Arc<RowTotals>> {
        let end_ns = row.run.end_ns?;
        if members.len() < 2 {
            return None;
        }
        let key = Key {
            run: row.index,
            by_task: row.by_task,
            lanes: row.shown.to_vec(),
            spans: members.iter().map(|l| l.spans.len()).sum(),
            end_ns,
        };
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(totals) = rows.get(&key) {
            return Some(totals.clone());
        }
        let totals = Arc::new(RowTotals::of(members)?);
        if rows.len() >= MOST_ROWS {
            rows.clear();
        }
        rows.insert(key, totals.clone());
        Some(totals)
    }

    /// The bytes the kept summaries take.
    pub fn bytes(&self) -> usize {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.values().map(|r| r.bytes()).sum()
    }
}
