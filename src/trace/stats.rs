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
            max_running: max_concurrent(run, State::Run, resolution_ns(run)),
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

/// The most lanes in `state` on a task at once, for at least `min_ns` (a sweep over span
/// edges; an end at t comes before a start at t, so spans that only touch do not overlap).
/// With CPU waits sampled, overlaps shorter than a sample period are within the probe's error
/// and not counted.
pub fn max_concurrent(run: &Run, state: State, min_ns: u64) -> u32 {
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
        let held = edges.get(i).map_or(0, |e| e.0 - t);
        if held >= min_ns.max(1) {
            most = most.max(now);
        }
    }
    most as u32
}

/// The shortest overlap of runs that counts: a sample period of the CPU-wait probe, if any.
fn resolution_ns(run: &Run) -> u64 {
    run.meta
        .cpu_waits_hz
        .map_or(0, |hz| 1_000_000_000 / hz.max(1) as u64)
}

/// speedup = the baseline run's wall time / this run's wall time, the baseline of the run's own
/// set; `None` without a baseline run, or when either run did not do every task (a run that lost
/// tasks finished early, not fast).
pub fn speedup(trace: &Trace, run: &Run) -> Option<f64> {
    let base = trace
        .runs
        .iter()
        .find(|r| r.meta.baseline && r.meta.set == run.meta.set)?;
    if !base.all_done() || !run.all_done() {
        return None;
    }
    let wall = run.wall_ns()? as f64;
    (wall > 0.0).then(|| base.wall_ns().unwrap_or(0) as f64 / wall)
}
