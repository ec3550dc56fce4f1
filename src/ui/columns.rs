//! What the frame asks of the app about its diagrams: where the columns are in time (the time
//! under a terminal column, for a click; how much closer than fitting every run the view is, for
//! the status line), and what each row's cells show (the session's rows, read with the view's
//! window and lanes).

use super::app::App;
use super::playhead::Zoom;
use super::rows::Row;
use crate::trace::Cell;

impl App {
    /// The display time at terminal column `x`, if it is in the diagrams.
    pub fn time_at(&self, x: u16) -> Option<u64> {
        let col = self.screen().col_at(x)?;
        let w = self.window();
        Some(w.from_ns + w.ns_per_col * col as u64)
    }

    /// How many times closer than fitting every run (1x) the diagrams are: `z` then `0`
    /// fits the focused run alone, closer than that if it is shorter.
    pub fn zoom_factor(&self) -> f64 {
        let fit = Zoom::fit_window(self.extent(), self.view.cols).ns_per_col as f64;
        (fit / self.window().ns_per_col.max(1) as f64).max(1.0)
    }
}

/// What a panel asks of its rows: the app's view (lanes by task, the window) over the session's
/// summaries.
impl App {
    /// What each of `cols` cells from `from_ns` shows for lanes `shown` of run `run`'s panel,
    /// added up in one row.
    pub fn row_cells(&self, run: usize, shown: &[usize], from_ns: u64, cols: usize) -> Vec<Cell> {
        let npc = self.window().ns_per_col;
        let row = self.row(run, shown);
        self.session
            .rows
            .cells(&row, from_ns, npc, cols, self.now_ns())
    }

    /// How many of lanes `shown` of run `run`'s panel run, wait and are ready at `at_ns`.
    pub fn row_states(&self, run: usize, shown: &[usize], at_ns: u64) -> [usize; 3] {
        let row = self.row(run, shown);
        self.session.rows.states(&row, at_ns, self.now_ns())
    }

    /// Lanes `shown` of run `run`'s panel, as one row.
    fn row<'a>(&'a self, run: usize, shown: &'a [usize]) -> Row<'a> {
        Row {
            index: run,
            run: &self.trace().runs[run],
            by_task: self.view.by_task,
            lanes: self.lanes(run),
            shown,
        }
    }
}
