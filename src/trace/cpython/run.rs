//! What a run asks of its link and report: whether it is real, the time its speedup is taken
//! from, its work done.

use crate::trace::Run;

impl Run {
    /// Whether this is a real program's run (`--cpython`), beside a run of runwait's.
    pub fn is_real(&self) -> bool {
        self.meta.beside.is_some()
    }

    /// The time a speedup is taken from: a real program's own timing of its work (`None` if it
    /// did not finish it), else the run's wall time.
    pub fn timed_ns(&self) -> Option<u64> {
        match self.is_real() {
            true => self.report.and_then(|r| r.timed_ns),
            false => self.wall_ns(),
        }
    }

    /// Tasks done and of how many, `done` of them as counted in the trace: a real program's
    /// lanes are its threads, so its own count of its work is taken when it told it (until
    /// then, none of the lesson's tasks).
    pub fn done_of(&self, done: u32) -> (u32, u32) {
        match (self.is_real(), self.report) {
            (true, Some(r)) => (r.done.unwrap_or(0), r.of),
            _ => (done, self.meta.tasks),
        }
    }
}
