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

    /// A real program's run that was over before its first sample: its own figures only, no
    /// lanes.
    pub fn unsampled(&self) -> bool {
        self.is_real() && self.lanes.is_empty() && self.finished()
    }

    /// A program sampled by itself (`runwait py`, `attach`): its lanes are its threads (and
    /// asyncio tasks), not a lesson's tasks, and it has no count of work of its own.
    pub fn sampled_program(&self) -> bool {
        self.meta.origin == crate::trace::Origin::Sampled && !self.is_real()
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
