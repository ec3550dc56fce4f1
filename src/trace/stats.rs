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

/// The most lanes in `state` on a task at once (a sweep over span edges; an end at t comes
/// before a start at t, so spans that only touch do not overlap). With CPU waits sampled every
/// `period_ns`, where in its period a wait fell is a guess: it is the most lanes at once on
/// average over a period, rounded, which the probe measures (three threads on two cores are
/// never three at once, however their waits were placed).
pub fn max_concurrent(run: &Run, state: State, period_ns: u64) -> u32 {
    let mut edges: Vec<(u64, i64)> = run
        .spans()
        .filter(|(_, s)| s.state == state && s.task.is_some() && s.end_ns > s.start_ns)
        .flat_map(|(_, s)| [(s.start_ns, 1), (s.end_ns, -1)])
        .collect();
    edges.sort_unstable();
    if period_ns <= 1 {
        return most_at_an_instant(&edges);
    }
    let most = most_lane_ns_in_a_period(&edges, period_ns);
    ((most as f64 / period_ns as f64) + 0.5).floor() as u32
}

fn most_at_an_instant(edges: &[(u64, i64)]) -> u32 {
    let (mut now, mut most, mut i) = (0i64, 0i64, 0);
    while i < edges.len() {
        let t = edges[i].0;
        while edges.get(i).is_some_and(|e| e.0 == t) {
            now += edges[i].1;
            i += 1;
        }
        // A lane count held for no time (the last edge) is not an overlap.
        if edges.get(i).is_some_and(|e| e.0 > t) {
            most = most.max(now);
        }
    }
    most as u32
}

/// The most lane-time (lanes x ns) in one period of a grid of `period` ns.
fn most_lane_ns_in_a_period(edges: &[(u64, i64)], period: u64) -> u128 {
    let (mut now, mut most, mut area) = (0u128, 0u128, 0u128);
    let mut at = edges.first().map_or(0, |e| e.0);
    let mut bucket = at / period;
    for &(t, change) in edges {
        while at < t {
            let b = at / period;
            if b != bucket {
                most = most.max(area);
                (area, bucket) = (0, b);
            }
            let end = (b + 1) * period;
            if t >= end + period {
                // Whole periods at this count: one stands for them all.
                most = most.max(area + now * (end - at) as u128);
                most = most.max(now * period as u128);
                at = t / period * period;
                (area, bucket) = (0, at / period);
                continue;
            }
            let to = t.min(end);
            area += now * (to - at) as u128;
            at = to;
        }
        now = (now as i64 + change) as u128;
    }
    most.max(area)
}

/// The shortest overlap of runs that counts: a sample period of the CPU-wait probe, if any.
fn resolution_ns(run: &Run) -> u64 {
    run.meta
        .cpu_waits_hz
        .map_or(0, |hz| 1_000_000_000 / hz.max(1) as u64)
}

/// speedup = the baseline run's wall time / this run's wall time, the baseline of the run's own
/// set (for a real program's run, the real baseline's, and the programs' own timings: see
/// [`Run::timed_ns`]); `None` without a baseline run, or when either run did not do every task
/// (a run that lost tasks finished early, not fast).
pub fn speedup(trace: &Trace, run: &Run) -> Option<f64> {
    let base = trace
        .runs
        .iter()
        .find(|r| r.meta.baseline && r.meta.set == run.meta.set && r.meta.real == run.meta.real)?;
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

    const MS: u64 = 1_000_000;

    /// A run whose lane `i` ran over each of `runs[i]`.
    fn run_of(runs: &[&[(u64, u64)]]) -> Run {
        let mut run = Run::new(RunMeta::default());
        for spans in runs {
            let mut lane = Lane::named("t");
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
        assert_eq!(max_concurrent(&run, State::Run, 0), 1);
        let run = run_of(&[&[(0, 10)], &[(9, 20)]]);
        assert_eq!(max_concurrent(&run, State::Run, 0), 2);
    }

    #[test]
    fn with_sampled_cpu_waits_lanes_at_once_are_counted_over_a_period() {
        // Two lanes running at once but split every half period by CPU waits placed at
        // slightly different times: at no instant longer than a period are both running,
        // yet on average both are.
        let a: Vec<(u64, u64)> = (0..100).map(|i| (i * MS, i * MS + MS * 9 / 10)).collect();
        let b: Vec<(u64, u64)> = (0..100)
            .map(|i| (i * MS + MS / 20, i * MS + MS * 19 / 20))
            .collect();
        let run = run_of(&[&a, &b]);
        assert_eq!(max_concurrent(&run, State::Run, MS), 2);
        // Three lanes that took turns on two cores, their waits placed so that all three seem
        // to run at once for a moment in each period: still two.
        let c: Vec<(u64, u64)> = (0..100).map(|i| (i * MS + MS / 2, i * MS + MS)).collect();
        let half: Vec<(u64, u64)> = (0..100).map(|i| (i * MS, i * MS + MS * 6 / 10)).collect();
        let run = run_of(&[&half, &half, &c]);
        assert_eq!(max_concurrent(&run, State::Run, MS), 2);
        // A brief overlap in a long run is not two at once.
        let run = run_of(&[&[(0, 100 * MS)], &[(50 * MS, 50 * MS + MS / 10)]]);
        assert_eq!(max_concurrent(&run, State::Run, MS), 1);
        // An hour-long run costs no more than its edges.
        let run = run_of(&[&[(0, 3_600_000 * MS)], &[(0, 3_600_000 * MS)]]);
        assert_eq!(max_concurrent(&run, State::Run, MS), 2);
    }
}
