//! Whether the machine was busy while the runs ran, from their own measurements: the CPU-wait
//! probe's ready time of runs that never have more lanes wanting a CPU than there are cores
//! (sync, one thread; a GIL's threads, one at a time; an event loop; a pool no larger than the
//! cores). Such a run waits for a CPU only when other programs hold the cores, and its wall time
//! is stretched by about as much: differences between runs smaller than that stretch are noise.

use super::{LaneKind, Origin, Reason, Run, Trace};

/// A run kept from a CPU at least this share of its time means a busy machine.
pub const BUSY: f64 = 0.10;

/// How busy the machine was, as the run that waited most for a CPU tells it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Busy {
    /// The run (its place in the trace) that was kept from a CPU the largest share of its time.
    pub run: usize,
    /// That share: its lanes' ready time for a CPU over its wall time, per lane that could run at
    /// once.
    pub share: f64,
}

impl Busy {
    /// Kept from a CPU long enough that figures close to each other cannot be told apart.
    pub fn is_busy(&self) -> bool {
        self.share >= BUSY
    }

    /// How much longer than on a quiet machine a run may have taken: a run kept from a CPU
    /// `share` of its time took up to `1 / (1 - share)` as long. Figures closer than this are
    /// noise.
    pub fn margin(&self) -> f64 {
        1.0 / (1.0 - self.share.min(0.95)) - 1.0
    }
}

/// How many of a run's lanes can want a CPU at once: one under a GIL, on one thread or on an
/// event loop; else its workers.
fn at_once(run: &Run) -> u32 {
    match (run.meta.gil, run.meta.lane_kind) {
        (true, _) | (_, LaneKind::Task) => 1,
        _ => run.worker_count().max(1),
    }
}

/// The share of its time `run` was kept from a CPU, where that tells of other programs: its
/// CPU waits measured, no more lanes wanting a CPU than the cores, finished, one of runwait's
/// own runs (not a sampled program's, nor a modelled platform's).
pub fn cpu_share(run: &Run) -> Option<f64> {
    run.meta.cpu_waits_hz?;
    let lanes = at_once(run);
    if lanes > run.meta.cores.unwrap_or(1) || run.meta.origin != Origin::Measured {
        return None;
    }
    let wall = run.wall_ns().filter(|&w| w > 0)?;
    let waited = run.stats().for_reason(Reason::Cpu);
    Some((waited as f64 / (wall as f64 * lanes as f64)).min(1.0))
}

/// How busy the machine was over `runs` (places in `trace`): `None` where no run tells.
pub fn busy(trace: &Trace, runs: impl IntoIterator<Item = usize>) -> Option<Busy> {
    runs.into_iter()
        .filter_map(|i| Some((i, cpu_share(trace.runs.get(i)?)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(run, share)| Busy { run, share })
}

/// How busy the machine was over the trace's latest set of runs (a what-if's).
pub fn latest(trace: &Trace) -> Option<Busy> {
    let set = trace.latest_set();
    busy(
        trace,
        (0..trace.runs.len()).filter(|&i| trace.runs[i].meta.set == set),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Lane, RunMeta, Span, State};

    const MS: u64 = 1_000_000;

    /// A finished run of `workers` lanes, each running 100 ms of which `cpu_ms` ready for a CPU.
    fn run(workers: u32, gil: bool, cpu_ms: u64) -> Run {
        let mut run = Run::new(RunMeta {
            workers,
            gil,
            cpu_waits_hz: Some(1000),
            cores: Some(2),
            ..RunMeta::default()
        });
        for _ in 0..workers {
            let mut lane = Lane::default();
            let span = |state, reason, start_ns, end_ns| Span {
                task: Some(0),
                state,
                reason,
                start_ns,
                end_ns,
            };
            lane.push(span(State::Ready, Some(Reason::Cpu), 0, cpu_ms * MS));
            lane.push(span(State::Run, None, cpu_ms * MS, 100 * MS));
            run.lanes.push(lane);
        }
        run.start_ns = Some(0);
        run.end_ns = Some(100 * MS);
        run
    }

    #[test]
    fn runs_that_never_outnumber_the_cores_tell_how_busy_the_machine_was() {
        let share = |r: &Run| cpu_share(r).map(|s| (s * 100.0).round());
        assert_eq!(share(&run(1, false, 30)), Some(30.0), "sync");
        assert_eq!(
            share(&run(2, false, 10)),
            Some(10.0),
            "two lanes on two cores"
        );
        assert_eq!(
            share(&run(5, false, 40)),
            None,
            "five lanes on two cores wait anyway"
        );
        let mut gil = run(5, true, 4);
        assert_eq!(share(&gil), Some(20.0), "one lane at a time under the GIL");
        gil.meta.cpu_waits_hz = None;
        assert_eq!(share(&gil), None, "not measured");
    }

    #[test]
    fn the_busiest_run_sets_the_noise() {
        let trace = Trace {
            runs: vec![run(1, false, 2), run(2, false, 50), run(5, false, 90)],
            ..Trace::default()
        };
        let b = latest(&trace).unwrap();
        assert_eq!(b.run, 1);
        assert!(b.is_busy());
        assert!(
            (b.margin() - 1.0).abs() < 1e-9,
            "half the time: twice as long"
        );
        let quiet = busy(&trace, [0]).unwrap();
        assert!(!quiet.is_busy());
    }
}
