//! The lessons' own figures, read from a finished run or set of runs: what the verdict states
//! and what answers a question (predict, then run). Kept here, once, for both.

use super::handoff::{self, Handoffs};
use super::{busy::Busy, speedup, Cause, Lane, Reason, Run, State, Trace};

/// Runs whose figures differ by less than this share are about as fast.
pub const ABOUT: f64 = 0.10;

/// Whether a figure `slow` is about as good as `fast` (both "times faster", higher better):
/// within [`ABOUT`], or, on a busy machine (`busy`), within its noise.
pub fn about_as_fast(busy: Option<Busy>, fast: f64, slow: f64) -> bool {
    match busy.filter(Busy::is_busy) {
        Some(b) => fast <= slow * (1.0 + b.margin().max(ABOUT)),
        None => slow >= fast * (1.0 - ABOUT),
    }
}

/// The lane that waits the most: the I/O-bound thread (gil), its place in the run.
pub fn io_lane(run: &Run) -> Option<usize> {
    let waited = |l: &Lane| -> u64 {
        l.spans
            .iter()
            .filter(|s| s.state == State::Wait)
            .map(|s| s.len_ns())
            .sum()
    };
    (0..run.lanes.len()).max_by_key(|&l| waited(&run.lanes[l]))
}

/// The I/O thread's hand-offs after its responses, where its I/O completions' wakes were
/// recorded: from each response's arrival to its running again.
pub fn response_handoffs(run: &Run) -> Option<Handoffs> {
    handoff::of(run, io_lane(run)? as u32, Cause::IoDone)
}

/// On the I/O lane: (its responses, the time it then waited for the GIL, and for a CPU).
pub fn after_responses(run: &Run) -> (usize, u64, u64) {
    let Some(lane) = io_lane(run).map(|l| &run.lanes[l]) else {
        return (0, 0, 0);
    };
    let mut totals = (0, 0, 0);
    let mut after_wait = false;
    for s in &lane.spans {
        match (s.state, s.reason) {
            (State::Wait, _) => {
                totals.0 += 1;
                after_wait = true;
            }
            (State::Ready, Some(Reason::Cpu)) if after_wait => totals.2 += s.len_ns(),
            (State::Ready, _) if after_wait => totals.1 += s.len_ns(),
            _ => after_wait = false,
        }
    }
    totals
}

/// What the I/O thread waited after its responses, per response: how many responses (its I/O
/// completions' wakes where they were recorded, else its waits), and, per response, its wait
/// for the GIL and its wait for a CPU (the machine's, not the GIL's). The same for a run with
/// the GIL and one without, so the two compare (without a GIL it waits for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterResponses {
    pub responses: u32,
    pub gil_ns: u64,
    pub cpu_ns: u64,
}

pub fn per_response(run: &Run) -> Option<AfterResponses> {
    let (waits, gil, cpu) = after_responses(run);
    let responses = response_handoffs(run).map_or(waits as u32, |h| h.count);
    let per = |ns: u64| ns / responses.max(1) as u64;
    (responses > 0).then(|| AfterResponses {
        responses,
        gil_ns: per(gil),
        cpu_ns: per(cpu),
    })
}

/// How long the I/O thread waited for the GIL after each response, on average, as the gil
/// verdict says it (a wait for a CPU left out: it is not the GIL's). `None` without a response.
pub fn gil_wait_per_response_ns(run: &Run) -> Option<u64> {
    per_response(run).map(|p| p.gil_ns)
}

/// Whether the run's tasks share an event loop (its executor says so, or they waited for it).
pub fn has_loop(run: &Run) -> bool {
    let waited = |l: &Lane| l.spans.iter().any(|s| s.reason == Some(Reason::Loop));
    run.meta.ready == Reason::Loop || run.lanes.iter().any(waited)
}

/// While one task computes on the loop (the lane that ran longest): the longest the others sat
/// ready for the loop, how late a tick was at worst (starve).
pub fn longest_loop_ready_ns(run: &Run) -> u64 {
    let ran = |l: &Lane| -> u64 {
        l.spans
            .iter()
            .filter(|s| s.state == State::Run)
            .map(|s| s.len_ns())
            .sum()
    };
    let hog = run
        .lanes
        .iter()
        .enumerate()
        .max_by_key(|(_, l)| ran(l))
        .map(|(i, _)| i);
    run.lanes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != hog)
        .flat_map(|(_, l)| &l.spans)
        .filter(|s| s.reason == Some(Reason::Loop))
        .map(|s| s.len_ns())
        .max()
        .unwrap_or(0)
}

/// Speedup by pool size (pool-size): each pool's size, speedup and executor, by size; the
/// fastest; and the smallest about as fast as it, from which more are no faster.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolSizes<'a> {
    pub sizes: Vec<(u32, f64, &'a str)>,
    /// The fastest pool's size and speedup.
    pub best: (u32, f64),
    /// The smallest size about as fast as the best: more no longer help.
    pub enough: u32,
}

/// The pool sizes of `runs` (of `trace`, not the baseline), `busy` telling the noise; `None`
/// without a speedup.
pub fn pool_sizes<'a>(
    trace: &Trace,
    runs: impl Iterator<Item = &'a Run>,
    busy: Option<Busy>,
) -> Option<PoolSizes<'a>> {
    let mut sizes: Vec<(u32, f64, &str)> = runs
        .filter(|r| !r.meta.baseline)
        .filter_map(|r| Some((r.meta.workers, speedup(trace, r)?, r.meta.executor.as_str())))
        .collect();
    sizes.sort_by_key(|s| s.0);
    let &(best, x, _) = sizes.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let enough = sizes
        .iter()
        .find(|s| about_as_fast(busy, x, s.1))
        .map_or(best, |s| s.0);
    Some(PoolSizes {
        sizes,
        best: (best, x),
        enough,
    })
}

/// Updates lost per trial of a race, on average (all of them, run once); `None` without a
/// shared counter.
pub fn lost_per_trial(run: &Run) -> Option<f64> {
    let (lost, _) = run.counter()?;
    let trials = run.lesson.get("trials").copied().unwrap_or(1).max(1);
    Some(lost as f64 / trials as f64)
}
