//! Figures derived from a run's spans: time per state, the most lanes running at once.

use super::{Outcome, Reason, Run, State, Trace};

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunStats {
    pub wall_ns: u64,
    /// Time in each state, summed over lanes: run, wait, ready.
    pub run_ns: u64,
    pub wait_ns: u64,
    pub ready_ns: u64,
    /// Wait and ready time by reason, indexed by [`Reason::index`] (a span recorded without a
    /// reason counts as waiting for I/O, or ready for what its run's `ready` means).
    pub by_reason: [u64; Reason::ALL.len()],
    /// The most lanes in `run` on a task at one instant (a worker process starting up is not
    /// counted: it is not the workload running in parallel).
    pub max_running: u32,
    pub done: u32,
    pub failed: u32,
    pub lost: u32,
    pub timeouts: u32,
}

impl RunStats {
    pub fn of(run: &Run) -> RunStats {
        let mut stats = RunStats {
            wall_ns: run.wall_ns().unwrap_or(0),
            max_running: max_concurrent(run, State::Run),
            done: run.count(Outcome::Done),
            failed: run.count(Outcome::Failed),
            lost: run.count(Outcome::Lost),
            timeouts: run.count(Outcome::Timeout),
            ..RunStats::default()
        };
        // The tasks' time: a lane's own work (a worker process starting up, a cloud
        // instance's cold start) is in the diagrams, not in these sums.
        for (_, span) in run.spans().filter(|(_, s)| s.task.is_some()) {
            let ns = span.len_ns();
            match span.state {
                State::Run => stats.run_ns += ns,
                State::Wait => stats.wait_ns += ns,
                State::Ready => stats.ready_ns += ns,
            }
            let reason = match span.state {
                State::Run => continue,
                State::Wait => span.reason.unwrap_or(Reason::Io),
                State::Ready => span.reason.unwrap_or(run.meta.ready),
            };
            stats.by_reason[reason.index()] += ns;
        }
        stats
    }

    /// Wait or ready time for `reason`.
    pub fn for_reason(&self, reason: Reason) -> u64 {
        self.by_reason[reason.index()]
    }
}

/// The most lanes in `state` on a task at once (a sweep over span edges; an end at t comes
/// before a start at t, so spans that only touch do not overlap), and never more than the
/// machine's cores for `run`: where a CPU wait fell within a millisecond is the probe's guess,
/// and a wait placed a little late can leave three lanes running at once on two cores for an
/// instant (the run keeps how far off a placement may be, `cpu_wait_error_ns`).
pub fn max_concurrent(run: &Run, state: State) -> u32 {
    let mut edges: Vec<(u64, i32)> = run
        .spans()
        .filter(|(_, s)| s.state == state && s.task.is_some() && s.end_ns > s.start_ns)
        .flat_map(|(_, s)| [(s.start_ns, 1), (s.end_ns, -1)])
        .collect();
    edges.sort_unstable();
    let (mut now, mut most, mut i) = (0i32, 0i32, 0);
    while i < edges.len() {
        let t = edges[i].0;
        while edges.get(i).is_some_and(|e| e.0 == t) {
            now += edges[i].1;
            i += 1;
        }
        // A count held for no time (the last edge) is not an overlap.
        if edges.get(i).is_some_and(|e| e.0 > t) {
            most = most.max(now);
        }
    }
    let most = most.max(0) as u32;
    match (state, run.meta.cores) {
        (State::Run, Some(cores)) => most.min(cores.max(1)),
        _ => most,
    }
}

/// speedup = the baseline run's wall time / this run's wall time, the baseline of the run's own
/// set (for a real program's run, the real baseline's, and the programs' own timings: see
/// [`Run::timed_ns`]); `None` without a baseline run, or when either run did not do every task
/// (a run that lost tasks finished early, not fast).
pub fn speedup(trace: &Trace, run: &Run) -> Option<f64> {
    let base = trace
        .runs
        .iter()
        .find(|r| r.meta.baseline && r.meta.set == run.meta.set && r.is_real() == run.is_real())?;
    if !base.all_done() || !run.all_done() {
        return None;
    }
    let wall = run.timed_ns()? as f64;
    (wall > 0.0).then(|| base.timed_ns().unwrap_or(0) as f64 / wall)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Lane, RunMeta, Span};

    /// A run whose lane `i` ran over each of `runs[i]`.
    fn run_of(runs: &[&[(u64, u64)]]) -> Run {
        let mut run = Run::new(RunMeta::default());
        for spans in runs {
            let mut lane = Lane::default();
            for &(start_ns, end_ns) in *spans {
                lane.push(Span {
                    task: Some(0),
                    state: State::Run,
                    reason: None,
                    start_ns,
                    end_ns,
                });
            }
            run.lanes.push(lane);
        }
        run
    }

    #[test]
    fn spans_that_only_touch_do_not_overlap() {
        let run = run_of(&[&[(0, 10)], &[(10, 20)]]);
        assert_eq!(max_concurrent(&run, State::Run), 1);
        let run = run_of(&[&[(0, 10)], &[(9, 20)]]);
        assert_eq!(max_concurrent(&run, State::Run), 2);
    }

    #[test]
    fn never_more_lanes_at_once_than_the_machine_has_cores() {
        let ms = 1_000_000;
        let mut run = run_of(&[&[(0, 10 * ms)], &[(0, 10 * ms)], &[(5 * ms, 10 * ms)]]);
        assert_eq!(
            max_concurrent(&run, State::Run),
            3,
            "cores not known: as recorded"
        );
        run.meta.cores = Some(2);
        assert_eq!(max_concurrent(&run, State::Run), 2);
        run.meta.cores = Some(4);
        assert_eq!(max_concurrent(&run, State::Run), 3);
    }
}
