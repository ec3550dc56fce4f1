//! The verdict: the lesson's point, stated from the figures of a finished trace. A lesson says
//! what its point is measured by ([`Point`]); differences under [`ABOUT`] read "about as fast",
//! never as a win. Shown in the terminal's footer once every run has finished, and under the
//! headless summary (with its rows, for a point that has some).

use super::words::{human_ms, ms};
use crate::trace::{
    busy, speedup, Busy, Origin, Point, Reason, Run, RunStats, State, Strength, Trace,
};

pub use crate::trace::figures::ABOUT;
use crate::trace::figures::{self, response_handoffs};

/// A verdict: one line, and for some points a row per run (the headless text prints them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    pub line: String,
    pub rows: Vec<String>,
}

impl Verdict {
    fn line(line: String) -> Verdict {
        Verdict {
            line,
            rows: Vec::new(),
        }
    }
}

/// Why a run wins, in the articles' terms.
fn why(strength: Strength) -> &'static str {
    match strength {
        Strength::OneThreadOverlapsWaits => {
            "one thread overlaps every wait: asyncio when you can, threads when you must"
        }
        Strength::ThreadsOverlapWaits => {
            "threads overlap the waiting (the GIL is let go while they wait)"
        }
        Strength::ProcessesUseEveryCore => {
            "processes use every core; the GIL keeps threads from helping"
        }
        Strength::NoGilUsesEveryCore => "without a GIL, threads use every core",
        Strength::Overlaps => "it overlaps the most",
    }
}

/// The runs a verdict is about: the latest set (a what-if's, over the runs before it).
struct View<'a> {
    trace: &'a Trace,
    shown: Vec<usize>,
    /// How busy the machine was, if its runs tell; busy, figures closer than its margin are
    /// noise.
    busy: Option<Busy>,
}

impl<'a> View<'a> {
    /// The machine was busy while these runs ran.
    fn is_busy(&self) -> bool {
        self.busy.is_some_and(|b| b.is_busy())
    }

    /// Whether a figure `slow` is about as good as `fast` (both "times faster", higher
    /// better): within [`ABOUT`], or on a busy machine within its noise.
    fn within(&self, fast: f64, slow: f64) -> bool {
        figures::about_as_fast(self.busy, fast, slow)
    }

    fn runs(&self) -> impl Iterator<Item = &'a Run> + '_ {
        self.shown.iter().map(|&i| &self.trace.runs[i])
    }

    /// The runs with their places in the trace.
    fn indexed(&self) -> impl Iterator<Item = (usize, &'a Run)> + '_ {
        self.shown.iter().map(|&i| (i, &self.trace.runs[i]))
    }
}

/// The verdict on a finished trace (its latest set of runs); `stats(i)` gives run `i`'s figures.
pub fn verdict(trace: &Trace, stats: impl Fn(usize) -> Option<RunStats>) -> Verdict {
    if trace
        .runs
        .iter()
        .any(|r| r.meta.origin == Origin::Sampled && !r.is_real())
    {
        return Verdict::line(sampled(trace, stats));
    }
    let latest = trace.latest_set();
    // Real programs beside the runs (`--cpython`) are compared with them apart (`real`).
    let shown: Vec<usize> = (0..trace.runs.len())
        .filter(|&i| trace.runs[i].meta.set == latest && !trace.runs[i].is_real())
        .collect();
    let busy = busy::busy(trace, shown.iter().copied());
    let v = View { trace, shown, busy };
    let point = v.runs().next().map(|r| r.meta.point).unwrap_or_default();
    let mut verdict = match point {
        Point::Speedup => speedups(&v, &stats),
        Point::PoolSize => pool_sizes(&v, &stats),
        Point::LostUpdates => Verdict::line(lost_updates(&v)),
        Point::GilWait => Verdict::line(gil_waits(&v)),
        Point::LoopReady => Verdict::line(loop_ready(&v)),
        Point::ColdStarts => Verdict::line(cold_starts(&v)),
    };
    if let Some(words) = busy_words(&v) {
        verdict.line = format!("{words} {}", verdict.line);
    }
    if let Some(real) = super::cpython::beside(trace) {
        let sep = if verdict.line.is_empty() { "" } else { " " };
        verdict.line = format!("{}{sep}{real}", verdict.line);
    }
    verdict
}

/// A real program's processes, sampled: no model to compare, so what its threads queued for
/// (the GIL, a CPU) and what they waited for most.
fn sampled(trace: &Trace, stats: impl Fn(usize) -> Option<RunStats>) -> String {
    let mut by_reason = [0u64; Reason::ALL.len()];
    for s in (0..trace.runs.len()).filter_map(stats) {
        for (sum, ns) in by_reason.iter_mut().zip(s.by_reason) {
            *sum += ns;
        }
    }
    let of = |r: Reason| human_ms(ms(by_reason[r.index()]));
    let waits = Reason::ALL.into_iter().filter(|r| r.state() == State::Wait);
    let most = waits.max_by_key(|r| by_reason[r.index()]);
    let told = trace
        .runs
        .iter()
        .filter_map(|r| r.meta.sampled.as_ref())
        .all(|s| s.gil_waits);
    let gil = match told {
        true => format!("ready for the GIL {}", of(Reason::Gil)),
        false => "(waits for the GIL not told apart from locks)".into(),
    };
    let mut line = format!(
        "Sampled: its threads were {gil}, ready for a CPU {}",
        of(Reason::Cpu)
    );
    if let Some(r) = most.filter(|r| by_reason[r.index()] > 0) {
        line.push_str(&format!(
            "; what they waited for most: {} ({})",
            super::words::waits_for(r),
            of(r)
        ));
    }
    line + "."
}

/// The labels of `runs`, as "a", "a and b", "a, b and c".
fn listed<'a>(runs: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = runs.collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Which model is fastest against the baseline; runs within [`ABOUT`] of the best are named
/// with it, as about as fast (on a busy machine, within its noise: then none is named).
fn speedups(v: &View, stats: &dyn Fn(usize) -> Option<RunStats>) -> Verdict {
    let trace = v.trace;
    let Some((base, base_run)) = v.indexed().find(|(_, r)| r.meta.baseline) else {
        return Verdict::line(finish_order(v));
    };
    if !base_run.all_done() {
        let label = &base_run.meta.label;
        return Verdict::line(format!(
            "{label} did not do every task, so there is no speedup to compare."
        ));
    }
    let mut ranked: Vec<(&Run, f64)> = v
        .runs()
        .filter(|r| !r.meta.baseline)
        .filter_map(|r| speedup(trace, r).map(|x| (r, x)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (Some(s), Some(&(best, x))) = (stats(base), ranked.first()) else {
        return Verdict::line(finish_order(v));
    };
    let kind = if s.wait_ns > s.run_ns {
        "I/O-bound"
    } else {
        "CPU-bound"
    };
    let base = &base_run.meta.label;
    // Faster by more than ABOUT, on a busy machine by more than its noise, and when repeated
    // in every repeat.
    let overlaps = overlap(best, base_run);
    if x >= 1.0 + ABOUT && !(v.is_busy() && v.within(x, 1.0)) && !overlaps {
        return Verdict::line(winners(v, &ranked, kind, base));
    }
    let how = match (v.is_busy(), overlaps) {
        (true, _) => "by more than the noise",
        (false, true) => "in every repeat",
        (false, false) => "here",
    };
    Verdict::line(format!(
        "{kind}: none is faster than {base} {how} (best {x:.2}x{}).",
        median_of(best)
    ))
}

/// A repeated run's fastest and slowest repeat, when it has two or more.
fn spread(run: &Run) -> Option<(u64, u64)> {
    let r = run.meta.repeats.as_ref().filter(|r| r.times_ns.len() > 1)?;
    r.spread()
}

/// Whether two repeated runs' repeats overlap: neither was faster in every repeat.
fn overlap(a: &Run, b: &Run) -> bool {
    match (spread(a), spread(b)) {
        (Some((a_low, a_high)), Some((b_low, b_high))) => a_low <= b_high && b_low <= a_high,
        _ => false,
    }
}

/// `, median of 3` for a repeated run's figure.
fn median_of(run: &Run) -> String {
    match run.meta.repeats.as_ref().filter(|r| r.n > 1) {
        Some(r) => format!(", median of {}", r.n),
        None => String::new(),
    }
}

/// The fastest runs (`ranked`, fastest first, faster than the baseline): the one that wins, or
/// those about as fast (or, repeated, whose repeats overlap the best's); on a busy machine those
/// within its noise, none named the fastest.
fn winners(v: &View, ranked: &[(&Run, f64)], kind: &str, base: &str) -> String {
    let (best, x) = ranked[0];
    let close: Vec<&(&Run, f64)> = (ranked.iter())
        .filter(|(r, y)| v.within(x, *y) || overlap(best, r))
        .collect();
    let why = why(best.meta.strength);
    let names = listed(close.iter().map(|(r, _)| r.meta.label.as_str()));
    let slowest = close.last().map_or(x, |c| c.1);
    let of = median_of(best);
    match (close.len(), v.is_busy()) {
        (1, _) => format!("{kind}: {} wins ({x:.1}x {base}{of}): {why}.", best.meta.label),
        (_, false) => format!("{kind}: {names} about as fast ({x:.1}x {base}{of}): {why}."),
        (_, true) => format!(
            "{kind}: {names} are within the noise of each other ({slowest:.1}-{x:.1}x {base}): none can be named the fastest here."
        ),
    }
}

/// On a busy machine: which run waited for a CPU, how long, and what that makes noise (of
/// figures of time: not the race's counts).
fn busy_words(v: &View) -> Option<String> {
    let b = v.busy.filter(Busy::is_busy)?;
    if v.runs().any(|r| r.meta.point == Point::LostUpdates) {
        return None;
    }
    let run = &v.trace.runs[b.run];
    Some(format!(
        "Busy machine: {} waited for a CPU {:.0}% of its time (other programs' load), so figures within {:.1}x are noise.",
        run.meta.label,
        b.share * 100.0,
        1.0 + b.margin().max(ABOUT)
    ))
}

/// Without a baseline: which finished first, and how much longer the others took.
fn finish_order(v: &View) -> String {
    let mut done: Vec<(&Run, u64)> = v
        .runs()
        .filter(|r| r.all_done())
        .filter_map(|r| Some((r, r.wall_ns()?)))
        .collect();
    done.sort_by_key(|d| d.1);
    let Some(&(first, wall)) = done.first() else {
        return String::new();
    };
    if v.shown.len() < 2 {
        return String::new();
    }
    let times = |d: &(&Run, u64)| d.1 as f64 / wall.max(1) as f64;
    let (close, slower): (Vec<_>, Vec<_>) = done
        .iter()
        .partition(|d| times(d) <= 1.0 + ABOUT || v.is_busy() && v.within(times(d), 1.0));
    let mut line = match close.len() {
        1 => format!(
            "{} finished first ({})",
            first.meta.label,
            human_ms(ms(wall))
        ),
        _ => {
            let walls: Vec<String> = close
                .iter()
                .map(|d: &&(&Run, u64)| human_ms(ms(d.1)))
                .collect();
            format!(
                "{} about as fast ({})",
                listed(close.iter().map(|(r, _)| r.meta.label.as_str())),
                walls.join(", ")
            )
        }
    };
    for d in slower {
        line.push_str(&format!(
            "; {} took {:.1}x as long",
            d.0.meta.label,
            times(d)
        ));
    }
    let unfinished = v.runs().filter(|r| !r.all_done());
    let unfinished: Vec<&str> = unfinished.map(|r| r.meta.label.as_str()).collect();
    if !unfinished.is_empty() {
        let names = listed(unfinished.into_iter());
        line.push_str(&format!("; {names} did not do every task"));
    }
    line + "."
}

/// The label of the run the speedups are over (`sync`).
fn baseline_label(v: &View) -> String {
    let base = v.runs().find(|r| r.meta.baseline);
    base.map_or_else(|| "sync".into(), |r| r.meta.label.clone())
}

/// Speedup by pool size: a row per size, the best named, and where more stop helping.
fn pool_sizes(v: &View, stats: &dyn Fn(usize) -> Option<RunStats>) -> Verdict {
    let Some(pools) = figures::pool_sizes(v.trace, v.runs(), v.busy) else {
        return speedups(v, stats);
    };
    let (sizes, (best, x), enough) = (pools.sizes, pools.best, pools.enough);
    let rows = sizes
        .iter()
        .map(|&(w, y, name)| {
            let mark = if w == best { "  best" } else { "" };
            format!("  {name} × {w:<4} {y:>6.2}x{mark}")
        })
        .collect();
    let base = baseline_label(v);
    let largest = sizes.last().map_or(best, |s| s.0);
    let line = match (enough < best, best == largest) {
        (true, _) => format!(
            "Pool size: {enough} is enough ({:.1}x {base}); {}.",
            sizes.iter().find(|s| s.0 == enough).map_or(x, |s| s.1),
            more_as_fast(v, &sizes, (best, x))
        ),
        (false, false) => format!(
            "Pool size: {best} is fastest ({x:.1}x {base}); fewer are slower, more no faster."
        ),
        (false, true) => format!(
            "Pool size: {best}, the most tried, is fastest ({x:.1}x {base}); fewer are slower."
        ),
    };
    Verdict { line, rows }
}

/// Past the size that is enough: the largest size about as fast as the best (`sizes`: size,
/// speedup, by size), and the best if that is another: `more, up to 160 (9.8x), are about as
/// fast (best: 50, 10.0x)`.
fn more_as_fast(v: &View, sizes: &[(u32, f64, &str)], (best, x): (u32, f64)) -> String {
    let (up_to, y) = (sizes.iter().rev())
        .find(|s| v.within(x, s.1))
        .map_or((best, x), |s| (s.0, s.1));
    match up_to == best {
        true => format!("more, up to {best} ({x:.1}x), are about as fast"),
        false => {
            format!("more, up to {up_to} ({y:.1}x), are about as fast (best: {best}, {x:.1}x)")
        }
    }
}

/// How many updates each run lost, and that guarded adds lose none; run in trials, where the
/// bug hides (an unprotected run that lost nothing in most trials) and where it bites.
fn lost_updates(v: &View) -> String {
    let counted: Vec<(&Run, u64, u64)> = v
        .runs()
        .filter_map(|r| r.counter().map(|(lost, of)| (r, lost, of)))
        .collect();
    let guarded = |r: &Run| matches!(r.meta.variant.as_deref(), Some("lock" | "atomic"));
    // Run in trials, an unprotected run that lost nothing is where the bug hides, said apart.
    let (safe, told): (Vec<&(&Run, u64, u64)>, Vec<_>) = counted
        .iter()
        .partition(|c| c.1 == 0 && (guarded(c.0) || c.0.trials().is_none()));
    let mut parts: Vec<String> = told.iter().map(|c| lost_in(c.0, c.1, c.2)).collect();
    if !safe.is_empty() {
        let names = listed(safe.iter().map(|c| c.0.meta.label.as_str()));
        parts.push(format!("{names} none"));
    }
    if counted.iter().all(|c| c.1 == 0) && counted.iter().all(|c| c.0.trials().is_none()) {
        parts.push("no switch fell between a read and its write this time".into());
    }
    let model = v.runs().find_map(|r| r.meta.settings.switching.clone());
    let lead = model.map_or(String::new(), |m| {
        format!("Emulated GIL with CPython {m}'s switching: ")
    });
    lead + &parts.join("; ") + "."
}

/// What one run lost, in words: `threads (GIL, unprotected) lost no update in 98 of 100
/// trials: the bug hides (12 lost in the other 2)`, `threads (GIL, sleep0) lost updates in 91
/// of 100 trials (45864 of 100000): the bug bites`, `free-threads lost 858 of 1000 updates`.
fn lost_in(run: &Run, lost: u64, of: u64) -> String {
    let label = &run.meta.label;
    match (run.trials(), lost) {
        // Without a GIL nothing keeps the threads apart but how seldom they run at once.
        (Some((n, lossy, _)), lost) if !run.meta.gil && lossy * 2 < n => match lost {
            0 => format!("{label} lost no update in {n} trials: its threads seldom ran at once"),
            _ => format!(
                "{label} lost updates in only {lossy} of {n} trials ({lost}): its threads seldom ran at once"
            ),
        },
        (Some((n, _, _)), 0) => format!("{label} lost no update in {n} of {n} trials: the bug hides"),
        (Some((n, lossy, _)), lost) if lossy * 2 < n => format!(
            "{label} lost no update in {} of {n} trials: the bug hides ({lost} lost in the other {lossy})",
            n - lossy
        ),
        (Some((n, lossy, _)), lost) => format!(
            "{label} lost updates in {lossy} of {n} trials ({lost} of {of}, {} a trial): the bug bites",
            lost / n.max(1)
        ),
        (None, 0) => format!("{label} lost none"),
        (None, lost) => format!("{label} lost {lost} of {of} updates"),
    }
}

/// The convoy: how long the I/O thread waited for the GIL after each response, with the GIL
/// and without. Where the run recorded its I/O completions' wakes, that wait is their
/// hand-off latency (from the response's arrival to running), with its longest; else (a file
/// from before wakes) the ready-for-the-GIL spans after each wait.
fn gil_waits(v: &View) -> String {
    let parts: Vec<String> = v.runs().map(gil_wait).collect();
    parts.join("; ") + "."
}

fn gil_wait(run: &Run) -> String {
    let label = &run.meta.label;
    let Some(p) = figures::per_response(run) else {
        return format!("{label}: no response to wait after");
    };
    let per = |ns: u64| human_ms(ms(ns));
    // A wait for a CPU (the machine busy) is not the GIL's: said apart when there.
    let cpu = (p.cpu_ns * 10 >= p.gil_ns && p.cpu_ns >= 100_000)
        .then(|| format!(" and {} for a CPU", per(p.cpu_ns)));
    let cpu = cpu.unwrap_or_default();
    // The longest, from a response to running again, where the hand-offs were recorded.
    let longest = response_handoffs(run).map_or(String::new(), |h| {
        format!(" (longest {} from the response to running)", per(h.max_ns))
    });
    match run.meta.gil {
        true => format!(
            "{label}: after each of its {} responses the I/O thread waited {} for the GIL{cpu}{longest}",
            p.responses,
            per(p.gil_ns)
        ),
        false => format!("{label}: no GIL to wait for{cpu}"),
    }
}

/// While one task computes on the loop: how long the others sit ready for it, per run.
fn loop_ready(v: &View) -> String {
    let parts: Vec<String> = v
        .runs()
        .map(|run| {
            let longest = figures::longest_loop_ready_ns(run);
            format!(
                "{}: others ready up to {}",
                run.meta.label,
                human_ms(ms(longest))
            )
        })
        .collect();
    parts.join("; ") + ": a task that never yields starves the loop."
}

/// Cold starts against a pool that stays warm.
fn cold_starts(v: &View) -> String {
    let parts: Vec<String> = v
        .runs()
        .map(|run| {
            let loads: Vec<u64> = run
                .spans()
                .filter(|(_, s)| s.reason == Some(Reason::ColdStart))
                .map(|(_, s)| s.len_ns())
                .collect();
            let cold = run.lesson.get("cold_starts").copied();
            match cold {
                Some(cold) => format!(
                    "{}: {cold} of {} requests started cold (+{} each, modelled){}",
                    run.meta.label,
                    run.meta.tasks,
                    human_ms(ms(loads.iter().sum::<u64>() / loads.len().max(1) as u64)),
                    others(run)
                ),
                None => format!("{}: never cold", run.meta.label),
            }
        })
        .collect();
    parts.join("; ") + "."
}

/// A cloud run's other figures: `, 2 warm · 1 timed out · 8 reclaimed`.
fn others(run: &Run) -> String {
    let mut words = String::new();
    for (name, what) in [
        ("warm_starts", "warm"),
        ("timeouts", "timed out"),
        ("reclaimed", "reclaimed"),
    ] {
        if let Some(n) = run.lesson.get(name).filter(|n| **n > 0) {
            words.push_str(&format!(
                "{} {n} {what}",
                if words.is_empty() { ":" } else { " ·" }
            ));
        }
    }
    words
}
