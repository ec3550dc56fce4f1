//! Real programs beside the lesson's runs (`runwait run LESSON --cpython`), in words: each
//! real run paired with the emulated run it stands beside, their figures side by side, and
//! where they differ by more than [`APART`], why, when it is known from what was measured.

use super::words::{human_ms, ms};
use crate::trace::{speedup, LaneKind, Point, Reason, Run, State, Trace};

/// Speedups further apart than this share differ, and the verdict says so.
pub const APART: f64 = 0.15;

/// A real run and the emulated run it stands beside.
#[derive(Clone, Copy)]
pub struct Pair<'a> {
    pub emulated: &'a Run,
    pub real: &'a Run,
    pub emulated_x: Option<f64>,
    pub real_x: Option<f64>,
}

impl Pair<'_> {
    /// How much faster the emulated run was than the real one: 0.2 is 20% faster, -0.2 slower.
    pub fn difference(&self) -> Option<f64> {
        Some(self.emulated_x? / self.real_x? - 1.0)
    }

    /// Whether their speedups are further apart than [`APART`].
    pub fn apart(&self) -> bool {
        self.difference().is_some_and(|d| d.abs() > APART)
    }

    /// The executor and variant, as `--executors` says it: `threads`, `async/offload`.
    pub fn name(&self) -> String {
        match &self.emulated.meta.variant {
            Some(v) => format!("{}/{v}", self.emulated.meta.executor),
            None => self.emulated.meta.executor.clone(),
        }
    }
}

/// The real runs of the latest set, each with the emulated run it stands beside.
pub fn pairs(trace: &Trace) -> Vec<Pair<'_>> {
    let latest = trace.latest_set();
    let runs = &trace.runs;
    runs.iter()
        .filter(|r| r.meta.set == latest)
        .filter_map(|real| {
            let emulated = runs.get(real.meta.beside?.run? as usize)?;
            Some(Pair {
                emulated,
                real,
                emulated_x: speedup(trace, emulated),
                real_x: speedup(trace, real),
            })
        })
        .collect()
}

/// The Python a real run ran under: `CPython 3.12`.
fn python(pair: &Pair) -> String {
    let version = (pair.real.meta.sampled.as_ref())
        .map(|s| s.python.rsplitn(2, '.').last().unwrap_or("").to_string());
    format!("CPython {}", version.unwrap_or_default())
}

/// The Pythons the real runs ran under, each once, in their order.
fn pythons(pairs: &[Pair]) -> Vec<String> {
    let mut pythons: Vec<String> = Vec::new();
    for version in pairs.iter().map(python) {
        if !pythons.contains(&version) {
            pythons.push(version);
        }
    }
    pythons
}

/// What the real programs found, once they have all finished, to follow the verdict's line,
/// a sentence for each Python they ran under (`--cpython 3.9,3.12`): `Real CPython 3.12:
/// threads 4.9x, ... within 15% of runwait's.`
pub fn beside(trace: &Trace) -> Option<String> {
    let pairs = pairs(trace);
    if pairs.is_empty() || pairs.iter().any(|p| !p.real.finished()) {
        return None;
    }
    let mut sentences = Vec::new();
    for version in &pythons(&pairs) {
        let of: Vec<Pair> = pairs
            .iter()
            .filter(|p| python(p) == *version)
            .cloned()
            .collect();
        let words = match of[0].emulated.meta.point {
            Point::Speedup | Point::PoolSize => speedups(&of),
            Point::LostUpdates => counters(&of),
            Point::GilWait => gil_waits(&of),
            Point::LoopReady => late_ticks(&of),
            Point::ColdStarts => return None,
        };
        sentences.push(format!("Real {version}: {words}"));
    }
    Some(sentences.join(" "))
}

/// Speedups side by side: those within [`APART`] in a list, those further apart each with why.
fn speedups(pairs: &[Pair]) -> String {
    let unfinished = pairs
        .iter()
        .filter(|p| p.real.timed_ns().is_none())
        .map(|p| format!("{} did not finish its work", p.name()));
    let compared: Vec<&Pair> = pairs
        .iter()
        .filter(|p| !p.real.meta.baseline && p.difference().is_some())
        .collect();
    let (apart, close): (Vec<&Pair>, Vec<&Pair>) = compared.into_iter().partition(|p| p.apart());
    let x = |s: Option<f64>| s.map_or("-".to_string(), |x| format!("{x:.1}x"));
    let mut parts = Vec::new();
    if !close.is_empty() {
        let list: Vec<String> = close
            .iter()
            .map(|p| format!("{} {}", p.name(), x(p.real_x)))
            .collect();
        parts.push(format!("{} within 15% of runwait's", list.join(", ")));
    }
    for p in &apart {
        let d = p.difference().unwrap_or(0.0);
        let mut words = format!(
            "{} {}, {:.0}% {} runwait's {}",
            p.name(),
            x(p.real_x),
            d.abs() * 100.0,
            if d > 0.0 { "under" } else { "over" },
            x(p.emulated_x)
        );
        let why = why(p);
        if !why.is_empty() {
            words.push_str(&format!(": {}", why.join("; ")));
        }
        parts.push(words);
    }
    parts.extend(unfinished);
    match parts.is_empty() {
        true => "no speedup to compare.".into(),
        false => parts.join("; ") + ".",
    }
}

/// Why a real run's speedup is not the emulated one's, from what was measured: each reason
/// known to apply, in words.
pub fn why(p: &Pair) -> Vec<String> {
    // Each reason explains one way round: CPython slower than runwait, or runwait slower.
    let real_slower = p.difference().is_some_and(|d| d > 0.0);
    let mut reasons = Vec::new();
    if real_slower {
        reasons.extend(aiohttp_limit(p));
        reasons.extend(chunks(p));
        reasons.extend(pool_start(p));
        reasons.extend(python_cpu(p));
    } else {
        reasons.extend(start_up(p));
    }
    reasons
}

/// The connections aiohttp's session opens at once by default (its TCPConnector's `limit`).
const AIOHTTP_LIMIT: u32 = 100;

/// More requests at once than aiohttp's session lets open connections (the program's own
/// limit, its `limit` figure, 0 for none, let more in).
fn aiohttp_limit(p: &Pair) -> Option<String> {
    let tasks = p.emulated.meta.tasks;
    let own = *p.real.lesson.get("limit")?;
    let at_once = if own == 0 {
        tasks
    } else {
        tasks.min(own as u32)
    };
    (at_once > AIOHTTP_LIMIT).then(|| {
        format!(
            "aiohttp's session opens at most {AIOHTTP_LIMIT} connections at once (its default \
             limit), so its {tasks} requests went {AIOHTTP_LIMIT} at a time"
        )
    })
}

/// multiprocessing.Pool.map hands tasks out in chunks (of tasks / (4 x processes), rounded up):
/// with few tasks, one process gets more than its share.
fn chunks(p: &Pair) -> Option<String> {
    if p.real.meta.lane_kind != LaneKind::Process || !p.real.lesson.contains_key("pool_ns") {
        return None;
    }
    let (tasks, workers) = (p.emulated.meta.tasks, p.real.meta.workers.max(1));
    let chunk = tasks.div_ceil(4 * workers).max(1);
    let chunks = tasks.div_ceil(chunk);
    let most = (chunks.div_ceil(workers) * chunk).min(tasks);
    let share = tasks.div_ceil(workers);
    (most > share).then(|| {
        format!(
            "pool.map handed the {tasks} tasks out in chunks of {chunk}, so one process did \
             {most} of them (an even share is {share})"
        )
    })
}

/// Starting CPython's worker processes, when it took a tenth of the work or more.
fn pool_start(p: &Pair) -> Option<String> {
    let pool = *p.real.lesson.get("pool_ns")?;
    let timed = p.real.timed_ns()?;
    (pool * 10 >= timed).then(|| {
        format!(
            "starting CPython's {} worker processes took {} of its {}",
            p.real.meta.workers,
            human_ms(ms(pool)),
            human_ms(ms(timed))
        )
    })
}

/// runwait's own worker processes starting up, when it took a tenth of its run or more.
fn start_up(p: &Pair) -> Option<String> {
    let lanes = &p.emulated.lanes;
    let longest = lanes
        .iter()
        .filter_map(|l| l.spans.iter().take_while(|s| s.task.is_none()).last())
        .map(|s| {
            s.end_ns
                .saturating_sub(p.emulated.start_ns.unwrap_or(s.start_ns))
        })
        .max()?;
    let wall = p.emulated.wall_ns()?;
    (longest * 10 >= wall && p.emulated.meta.lane_kind == LaneKind::Process).then(|| {
        format!(
            "runwait's worker processes took up to {} to start, of its {} run",
            human_ms(ms(longest)),
            human_ms(ms(wall))
        )
    })
}

/// On an I/O-bound run, the time CPython spent running Python in the program's work, against
/// runwait's (its requests' own work, in Rust).
fn python_cpu(p: &Pair) -> Option<String> {
    let e = p.emulated.stats();
    let io_bound = e.wait_ns > e.run_ns;
    let ran = ran_in_work(p.real)?;
    let timed = p.real.timed_ns()?;
    (io_bound && ran * 10 >= timed && p.difference()? > 0.0).then(|| {
        format!(
            "CPython ran Python for {} of its {} (runwait's tasks ran {})",
            human_ms(ms(ran)),
            human_ms(ms(timed)),
            human_ms(ms(e.run_ns))
        )
    })
}

/// The time the real run's lanes ran while the program timed its work.
pub fn ran_in_work(run: &Run) -> Option<u64> {
    let from = run.start_ns? + run.report?.timed_from_ns?;
    let to = from + run.timed_ns()?;
    let ran = run
        .spans()
        .filter(|(_, s)| s.state == State::Run)
        .map(|(_, s)| s.end_ns.min(to).saturating_sub(s.start_ns.max(from)))
        .sum();
    Some(ran)
}

/// The race: each real counter's lost updates beside the emulated one's (in trials, the
/// trials that lost any); where they differ and the emulation modelled another CPython's
/// switching, which.
fn counters(pairs: &[Pair]) -> String {
    let lost = |r: &Run| {
        let (lost, of) = r.counter()?;
        Some((lost, of, r.trials()))
    };
    let parts: Vec<String> = pairs
        .iter()
        .map(|p| match (lost(p.real), lost(p.emulated)) {
            (Some((real, of, Some((n, lossy, _)))), emulated) => {
                let runwait = emulated.map_or("-".to_string(), |e| match e {
                    (0, _, _) => "none".into(),
                    (lost, _, Some((_, lossy, _))) => format!("in {lossy}, {lost} in all"),
                    (lost, _, None) => lost.to_string(),
                });
                match real {
                    0 => format!("{} lost none in {n} trials (runwait's: {runwait})", p.name()),
                    _ => format!(
                        "{} lost updates in {lossy} of {n} trials, {real} of {of} in all (runwait's: {runwait})",
                        p.name()
                    ),
                }
            }
            (Some((real, of, None)), emulated) => format!(
                "{} lost {real} of {of} updates (runwait's: {})",
                p.name(),
                emulated.map_or("-".to_string(), |e| e.0.to_string())
            ),
            (None, _) => format!("{}: no counter (the program did not finish)", p.name()),
        })
        .collect();
    let mut words = parts.join("; ");
    if pairs.iter().all(|p| lost(p.real).is_some_and(|l| l.0 == 0)) {
        words.push_str(": no thread switch fell between a read and its write");
    }
    // The emulation modelled another version's switching: said, with how to model this one.
    let real = pairs.first().map(python).unwrap_or_default();
    let modelled = pairs
        .iter()
        .find_map(|p| p.emulated.meta.settings.switching.clone());
    if let Some(m) = modelled.filter(|m| !real.ends_with(&format!(" {m}"))) {
        let version = real.trim_start_matches("CPython ");
        words.push_str(&format!(
            " (runwait modelled CPython {m}'s switching; --python {version} models this one's)"
        ));
    }
    words + "."
}

/// The convoy: how long the real I/O thread waited for the GIL after each response.
fn gil_waits(pairs: &[Pair]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .map(|p| {
            let told = p.real.meta.sampled.as_ref().is_some_and(|s| s.gil_waits);
            match (told, io_thread_gil(p.real)) {
                (true, Some((seen, gil))) => {
                    // Waits shorter than a sample period are missed: per request made.
                    let requests = p.real.lesson.get("requests").copied();
                    let per = requests.unwrap_or(seen as u64).max(1);
                    format!(
                        "{}: after its {per} responses the I/O thread waited {} each for the GIL \
                         (on average, as sampled)",
                        p.name(),
                        human_ms(ms(gil / per))
                    )
                }
                _ => format!("{}: its GIL waits are not told apart", p.name()),
            }
        })
        .collect();
    parts.join("; ") + "."
}

/// On the lane that waited longest for I/O: its waits for I/O, and its time ready for the GIL
/// right after them.
fn io_thread_gil(run: &Run) -> Option<(usize, u64)> {
    let io = |l: &&crate::trace::Lane| -> u64 {
        l.spans
            .iter()
            .filter(|s| s.state == State::Wait && s.reason == Some(Reason::Io))
            .map(|s| s.len_ns())
            .sum()
    };
    let lane = run.lanes.iter().max_by_key(io)?;
    let (mut responses, mut gil, mut after) = (0, 0, false);
    for s in &lane.spans {
        match (s.state, s.reason) {
            (State::Wait, Some(Reason::Io)) => (responses, after) = (responses + 1, true),
            (State::Ready, Some(Reason::Gil)) if after => gil += s.len_ns(),
            _ => after = false,
        }
    }
    Some((responses, gil))
}

/// A loop starved: how late the real tickers' ticks came, by the program's own clock.
fn late_ticks(pairs: &[Pair]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .map(|p| match p.real.lesson.get("late_ns") {
            Some(&late) => format!(
                "{}: a tick came up to {} late",
                p.name(),
                human_ms(ms(late))
            ),
            None => format!("{}: did not finish", p.name()),
        })
        .collect();
    parts.join("; ") + "."
}

/// The comparison as a table for the headless text: a row per real run, its speedup beside
/// runwait's, how far apart, its own timing and its process's wall time, and why they differ.
pub fn table(trace: &Trace) -> Vec<String> {
    let pairs = pairs(trace);
    let speedups = |p: &Pair| matches!(p.emulated.meta.point, Point::Speedup | Point::PoolSize);
    if pairs.is_empty() || !pairs.iter().all(speedups) {
        return Vec::new();
    }
    let x = |s: Option<f64>| s.map_or("-".to_string(), |x| format!("{x:.2}x"));
    let w = pairs
        .iter()
        .map(|p| p.name().chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let mut lines = vec![
        format!(
            "beside real {} (speedups from the programs' own timing of their work, against the \
             real sync; apart: how much higher runwait's is)",
            pythons(&pairs).join(" and ")
        ),
        format!(
            "{:<w$} {:>8} {:>8} {:>7} {:>11} {:>12}",
            "executor", "runwait", "CPython", "apart", "work", "process wall"
        ),
    ];
    for p in &pairs {
        let apart = p
            .difference()
            .map_or("-".to_string(), |d| format!("{:+.0}%", d * 100.0));
        let time = |t: Option<u64>| t.map_or("-".to_string(), |t| human_ms(ms(t)));
        let mut line = format!(
            "{:<w$} {:>8} {:>8} {:>7} {:>11} {:>12}",
            p.name(),
            x(p.emulated_x),
            x(p.real_x),
            apart,
            time(p.real.timed_ns()),
            time(p.real.wall_ns())
        );
        if p.apart() {
            let why = why(p);
            line.push_str(&format!(
                "  {}",
                if why.is_empty() {
                    "cause not measured".into()
                } else {
                    why.join("; ")
                }
            ));
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Lane, RunMeta, Span};

    fn process_run(beside: Option<u32>, start_up_ns: u64, wall_ns: u64) -> Run {
        let mut run = Run::new(RunMeta {
            executor: "process".into(),
            workers: 2,
            tasks: 20,
            lane_kind: LaneKind::Process,
            beside: beside.map(crate::trace::cpython::Beside::run),
            ..RunMeta::default()
        });
        run.start_ns = Some(0);
        run.end_ns = Some(wall_ns);
        let id = crate::trace::LaneId::numbered(crate::trace::LaneKind::Process, 0);
        let mut lane = Lane::new(id.in_process(1, 7));
        lane.push(Span {
            task: None,
            state: State::Run,
            reason: None,
            start_ns: 0,
            end_ns: start_up_ns,
        });
        run.lanes.push(lane);
        run
    }

    #[test]
    fn a_reason_is_given_only_for_the_way_round_it_explains() {
        let emulated = process_run(None, 5_000_000, 32_000_000);
        let mut real = process_run(Some(0), 0, 3_600_000_000);
        // CPython started its pool in 400 ms of 3.5 s, and pool.map's chunks were uneven.
        real.lesson.insert("pool_ns".into(), 400_000_000);
        real.report = Some(crate::trace::cpython::Report {
            timed_ns: Some(3_500_000_000),
            ..Default::default()
        });
        let pair = |emulated_x, real_x| Pair {
            emulated: &emulated,
            real: &real,
            emulated_x: Some(emulated_x),
            real_x: Some(real_x),
        };
        // runwait slower: its own worker processes' start-up explains it, CPython's pool not.
        let why_real_faster = why(&pair(1.5, 1.8));
        assert_eq!(why_real_faster.len(), 1, "{why_real_faster:?}");
        assert!(why_real_faster[0].starts_with("runwait's worker processes took up to 5.0 ms"));
        // CPython slower: its pool's start and pool.map's chunks explain it.
        let why_real_slower = why(&pair(1.9, 1.5));
        assert!(why_real_slower
            .iter()
            .any(|w| w.starts_with("pool.map handed")));
        assert!(why_real_slower
            .iter()
            .any(|w| w.starts_with("starting CPython's")));
        assert!(!why_real_slower.iter().any(|w| w.starts_with("runwait's")));
    }
}
