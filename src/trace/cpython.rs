//! A real program's run beside a lesson's (`runwait run LESSON --cpython`): the program times
//! its own work (as the articles' programs do, around the work and not the interpreter's
//! start-up), and says so in figures of its run. Its speedup is taken from that timing, against
//! the real baseline's.

use super::Run;

/// The figure holding how long the program's work took, by its own clock (ns).
pub const TIMED: &str = "timed_ns";

/// The figure holding where, from the run's start, the program's timing began (ns).
pub const TIMED_FROM: &str = "timed_from_ns";

/// The figure holding the exit code of a program that failed (left out when it exited 0).
pub const EXIT_CODE: &str = "exit_code";

impl Run {
    /// The time a speedup is taken from: a real program's own timing of its work (`None` if it
    /// did not finish it), else the run's wall time.
    pub fn timed_ns(&self) -> Option<u64> {
        match self.meta.real {
            true => self.lesson.get(TIMED).copied(),
            false => self.wall_ns(),
        }
    }
}

/// The figure holding how much of its work a real program says it did (pages, sums, tasks).
pub const PROGRAM_DONE: &str = "program_done";

/// The figure holding how much work a real program was given: the lesson's tasks.
pub const PROGRAM_OF: &str = "program_of";

impl Run {
    /// Tasks done and of how many, `done` of them as counted in the trace: a real program's
    /// lanes are its threads, so its own count of its work is taken when it told it (until
    /// then, none of the lesson's tasks).
    pub fn done_of(&self, done: u32) -> (u32, u32) {
        let figure = |name| self.lesson.get(name).map(|&v| v as u32);
        match (self.meta.real, figure(PROGRAM_OF)) {
            (true, Some(of)) => (figure(PROGRAM_DONE).unwrap_or(0), of),
            _ => (done, self.meta.tasks),
        }
    }
}
