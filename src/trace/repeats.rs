//! A lesson run over and over (`--repeat N`, a lesson's `repeats`): each run shown is its
//! median repeat (by the time its speedup is taken from), a real run as recorded, and keeps
//! every repeat's time: the spread.

use super::{Run, Trace};
use serde::{Deserialize, Serialize};

/// The repeats of a run: the one kept is of median time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeats {
    /// Each repeat's time, in the order they ran (ns): its wall time, or a real program's own
    /// timing of its work; a repeat that did not do every task is left out.
    pub times_ns: Vec<u64>,
    /// How many times the run was repeated (those left out included).
    pub n: u32,
}

impl Repeats {
    /// The fastest and the slowest repeat's time.
    pub fn spread(&self) -> Option<(u64, u64)> {
        let min = self.times_ns.iter().min()?;
        Some((*min, *self.times_ns.iter().max()?))
    }
}

/// The figure a repeat is ranked by: done every task first, then its time.
fn rank(run: &Run) -> (bool, u64) {
    (!run.all_done(), run.timed_ns().unwrap_or(u64::MAX))
}

/// One trace of `traces` (the same runs repeated, run `i` of each the same run): each run its
/// median repeat (the lower of the two middle ones for an even count), with every repeat's time
/// in its `meta.repeats`. `None` without a trace.
pub fn median(traces: Vec<Trace>) -> Option<Trace> {
    let n = traces.len() as u32;
    let mut out = traces.first()?.clone();
    for (i, slot) in out.runs.iter_mut().enumerate() {
        let mut repeats: Vec<(&Run, (bool, u64))> = (traces.iter())
            .filter_map(|t| t.runs.get(i))
            .map(|r| (r, rank(r)))
            .collect();
        let times_ns = repeats.iter().filter(|r| !r.1 .0).map(|r| r.1 .1).collect();
        repeats.sort_by_key(|r| r.1);
        *slot = repeats[(repeats.len() - 1) / 2].0.clone();
        slot.meta.repeats = Some(Repeats { times_ns, n });
    }
    out.dropped = traces.iter().map(|t| t.dropped).sum();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Outcome, RunMeta, TaskEnd};

    fn trace(walls_ms: &[u64]) -> Trace {
        let runs = walls_ms
            .iter()
            .map(|&ms| {
                let mut run = Run::new(RunMeta {
                    tasks: 1,
                    ..RunMeta::default()
                });
                run.start_ns = Some(0);
                run.end_ns = Some(ms * 1_000_000);
                run.ends.push(TaskEnd {
                    task: 0,
                    lane: 0,
                    outcome: Outcome::Done,
                    at_ns: 0,
                });
                run
            })
            .collect();
        Trace {
            runs,
            dropped: 1,
            ..Trace::default()
        }
    }

    #[test]
    fn each_run_is_its_median_repeat_with_every_repeats_time() {
        let merged = median(vec![trace(&[30, 5]), trace(&[10, 7]), trace(&[20, 6])]).unwrap();
        let walls: Vec<u64> = merged.runs.iter().filter_map(Run::wall_ns).collect();
        assert_eq!(walls, [20_000_000, 6_000_000]);
        let r = merged.runs[0].meta.repeats.as_ref().unwrap();
        assert_eq!(r.times_ns, [30_000_000, 10_000_000, 20_000_000]);
        assert_eq!(r.spread(), Some((10_000_000, 30_000_000)));
        assert_eq!(merged.dropped, 3);
        let two = median(vec![trace(&[30]), trace(&[10])]).unwrap();
        assert_eq!(two.runs[0].wall_ns(), Some(10_000_000), "the lower middle");
        assert!(median(Vec::new()).is_none());
    }

    #[test]
    fn a_repeat_that_did_not_do_every_task_is_never_the_median_nor_timed() {
        let mut unfinished = trace(&[1]);
        unfinished.runs[0].ends.clear();
        let merged = median(vec![unfinished, trace(&[10]), trace(&[20])]).unwrap();
        assert_eq!(merged.runs[0].wall_ns(), Some(20_000_000));
        let r = merged.runs[0].meta.repeats.as_ref().unwrap();
        assert_eq!((r.times_ns.len(), r.n), (2, 3));
    }
}
