//! Words and numbers for people: durations, tick labels, outcomes, what `ready` waits for, a
//! run's workers and its lesson's own figures.

pub use super::lane_names::{first_role, fit_labels, lane_name, lane_text, Label};
use crate::trace::{Lane, LaneKind, Outcome, Reason, Run};

/// Nanoseconds as milliseconds.
pub fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// A duration for people: `812.4 ms`, `4.12 s`.
pub fn human_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 1.0 || ms == 0.0 {
        format!("{ms:.1} ms")
    } else if ms >= 0.001 {
        format!("{:.1} µs", ms * 1000.0)
    } else {
        format!("{:.0} ns", ms * 1e6)
    }
}

/// A time step of 1, 2 or 5 times a power of ten, at least `min` long.
pub fn nice_step(min: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for k in [1, 2, 5] {
            if step * k >= min {
                return step * k;
            }
        }
        step *= 10;
    }
}

/// A tick label precise enough to tell ticks `step` apart: `1.5s`, `3.8825s`, `250ms`.
pub fn tick_label_at(ns: u64, step: u64) -> String {
    let (unit, name) = if ns >= 1_000_000_000 {
        (1e9, "s")
    } else if ns >= 1_000_000 {
        (1e6, "ms")
    } else if ns >= 1_000 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    if ns == 0 {
        return "0".into();
    }
    let decimals = (unit / step as f64).log10().ceil().clamp(0.0, 9.0) as usize;
    let text = format!("{:.decimals$}", ns as f64 / unit);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{name}")
}

/// How a task ended, in words.
pub fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Done => "done",
        Outcome::Failed => "failed",
        Outcome::Lost => "lost: its worker died",
        Outcome::Timeout => "thrown away: past its time limit",
    }
}

/// What a wait or ready span waits for: "I/O", "the GIL".
pub fn waits_for(reason: Reason) -> &'static str {
    match reason {
        Reason::Io => "I/O",
        Reason::Timer => "a timer",
        Reason::Lock => "a lock",
        Reason::QueueEmpty => "an item in the queue",
        Reason::QueueFull => "room in the queue",
        Reason::ColdStart => "its runtime to load (modelled)",
        Reason::Offload => "work handed to a worker pool",
        Reason::Gil => "the GIL",
        Reason::Loop => "the event loop",
        Reason::Cpu => "a CPU",
    }
}

/// A reason in a word or two, for the legend: "I/O", "GIL".
pub fn reason_word(reason: Reason) -> &'static str {
    match reason {
        Reason::Io => "I/O",
        Reason::Timer => "timer",
        Reason::Lock => "lock",
        Reason::QueueEmpty => "empty queue",
        Reason::QueueFull => "full queue",
        Reason::ColdStart => "cold start",
        Reason::Offload => "offloaded work",
        Reason::Gil => "GIL",
        Reason::Loop => "loop",
        Reason::Cpu => "CPU",
    }
}

/// The order lanes are shown in: those whose tasks played a role first, by role in the
/// lesson's order (a lane whose tasks played several by its first task's), then the rest; so
/// a role keeps its place in every panel. A real program's worker processes (`process 1 (pid
/// 4242)`) come right after its main thread, before the pool's helper threads.
pub fn lane_order(run: &Run, lanes: &[Lane]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lanes.len()).collect();
    let worker = |l: &Lane| l.id.is_process();
    let roles: Vec<Option<usize>> = lanes.iter().map(|l| first_role(run, l)).collect();
    if roles.iter().any(Option::is_some) || lanes.iter().skip(1).any(worker) {
        let class = |i: usize| match i {
            0 => 0,
            _ if worker(&lanes[i]) => 1,
            _ => 2,
        };
        order.sort_by_key(|&i| (roles[i].unwrap_or(usize::MAX), class(i), i));
    }
    order
}

/// How a run sampled from a real Python program was sampled, and what it cannot tell apart:
/// `sampled at 250 Hz · CPython 3.11.7 · GIL waits not told apart · asyncio tasks not shown`.
pub fn sampling(run: &Run) -> Option<String> {
    let s = run.meta.sampled.as_ref()?;
    if s.hz == 0 {
        return Some("not sampled (3.11+ only): no lanes".into());
    }
    let mut words = format!("sampled at {} Hz", s.hz);
    if s.paused {
        words.push_str(", paused at each");
    }
    // A real run's label names its Python already.
    if !s.python.is_empty() && !run.is_real() {
        words.push_str(&format!(" · CPython {}", s.python));
    }
    // Over before its first sample: nothing was told apart, or not.
    if run.unsampled() {
        words.push_str(" · over before its first sample");
        return Some(words);
    }
    if !s.gil_waits {
        words.push_str(" · GIL waits not told apart from locks");
    }
    if !s.syscalls {
        words.push_str(" · wait reasons not told");
    }
    if !s.tasks {
        words.push_str(" · asyncio tasks not shown");
    }
    Some(words)
}

/// Where a sampled thread was at the caption's instant: ` in fetch (download.py)`, with
/// ` (native code, GIL let go)` when it ran without the GIL.
pub fn where_words(run: &Run, lane: &Lane, t_ns: u64) -> String {
    let Some(w) = lane.where_at(t_ns) else {
        return String::new();
    };
    let function = run.functions.get(w.function as usize).map_or("?", |f| f);
    let native = if w.gil_released {
        " (native code, GIL let go)"
    } else {
        ""
    };
    format!(" in {function}{native}")
}

/// A program's name for a trace and its header: `python3.12 app.py` for `python3.12 -u
/// path/to/app.py --fast`.
pub fn program_name(command: &[String]) -> String {
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let program = command.first().map(|w| base(w)).unwrap_or_default();
    match command.iter().skip(1).find(|w| !w.starts_with('-')) {
        Some(script) if script.ends_with(".py") => format!("{program} {}", base(script)),
        _ => program,
    }
}

/// How many workers, in words: `5 threads`, `2 processes`, `1 loop`, `10 instances`.
pub fn workers(run: &Run) -> String {
    let n = run.worker_count();
    let (one, many) = match run.meta.lane_kind {
        LaneKind::Thread => ("thread", "threads"),
        LaneKind::Process => ("process", "processes"),
        LaneKind::Task => ("loop", "loops"),
        LaneKind::Instance => ("instance", "instances"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a run works through, for the top line: `40 tasks`; for a program sampled by itself, its
/// threads (`6 threads`: its lanes are not tasks).
pub fn work(run: &Run) -> String {
    match run.sampled_program() {
        true => workers(run),
        false => format!("{} tasks", run.meta.tasks),
    }
}

/// The race lesson's counter in words: `counter 286 of 1000 (714 updates lost)`; run in
/// trials, `lost updates in 59 of 100 trials (30847 of 100000)` or `100 trials: no update
/// lost`.
pub fn counter(run: &Run) -> Option<String> {
    let (lost, expected) = run.counter()?;
    let actual = expected - lost;
    Some(match (run.trials(), lost) {
        (Some((n, _, _)), 0) => format!("{n} trials: no update lost"),
        (Some((n, lossy, _)), lost) => {
            format!("lost updates in {lossy} of {n} trials ({lost} of {expected})")
        }
        (None, 0) => format!("counter {actual} of {expected}: no update lost"),
        (None, lost) => format!("counter {actual} of {expected} ({lost} updates lost)"),
    })
}

/// A cloud run's platform figures in words: `4 cold starts · 7 warm · 1 timed out`.
pub fn cloud(run: &Run) -> Option<String> {
    let cold = *run.lesson.get("cold_starts")?;
    let warm = run.lesson.get("warm_starts").copied().unwrap_or(0);
    let mut words = format!(
        "{cold} cold start{} · {warm} warm",
        if cold == 1 { "" } else { "s" }
    );
    for (name, what) in [("timeouts", "timed out"), ("reclaimed", "reclaimed")] {
        match run.lesson.get(name) {
            Some(&n) if n > 0 => words.push_str(&format!(" · {n} {what}")),
            _ => {}
        }
    }
    Some(words)
}

/// The lesson's own figures in words (the race's counter, a cloud run's starts; a real
/// program's own timing of its work), if any.
pub fn lesson(run: &Run) -> Option<String> {
    let own = counter(run).or_else(|| cloud(run));
    match (own, real_timing(run)) {
        (Some(own), Some(timing)) => Some(format!("{own} · {timing}")),
        (own, timing) => own.or(timing),
    }
}

/// A finished real program's own timing of its work (`--cpython`): `work 812.3 ms by its own
/// clock`, or why it has none.
pub fn real_timing(run: &Run) -> Option<String> {
    if !run.is_real() || !run.finished() {
        return None;
    }
    let failed = run.report.and_then(|r| r.exit_code);
    Some(match (run.timed_ns(), failed) {
        (_, Some(code)) => format!("the program failed (exit code {code})"),
        (Some(t), None) => format!("work {} by its own clock", human_ms(ms(t))),
        (None, None) => "the program did not report its work".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{RunMeta, Sampled, Where};

    #[test]
    fn a_real_programs_worker_processes_come_after_its_main_thread() {
        use crate::trace::LaneId;
        let t = LaneKind::Thread;
        let ids = [
            LaneId::named(t, 1, "MainThread"),
            LaneId::named(t, 2, "Thread-1"),
            LaneId::named(LaneKind::Process, 1, "MainThread").in_process(1, 40),
            LaneId::named(t, 2, "Thread-1").in_process(1, 40),
            LaneId::named(LaneKind::Process, 2, "MainThread").in_process(2, 41),
        ];
        let lanes: Vec<Lane> = ids.into_iter().map(Lane::new).collect();
        let none = Run::new(crate::trace::RunMeta::default());
        assert_eq!(lane_order(&none, &lanes), [0, 2, 4, 1, 3]);
        let emulated: Vec<Lane> = (0..3)
            .map(|n| Lane::new(LaneId::numbered(LaneKind::Process, n).in_process(n + 1, 10 + n)))
            .collect();
        assert_eq!(lane_order(&none, &emulated), [0, 1, 2]);
    }

    #[test]
    fn a_sampled_run_says_how_and_what_it_cannot_tell_apart() {
        let mut run = Run::new(RunMeta {
            sampled: Some(Sampled {
                hz: 500,
                python: "3.11.7".into(),
                syscalls: true,
                ..Sampled::default()
            }),
            ..RunMeta::default()
        });
        assert_eq!(
            sampling(&run).unwrap(),
            "sampled at 500 Hz · CPython 3.11.7 · GIL waits not told apart from locks · asyncio \
             tasks not shown"
        );
        run.functions = vec!["fetch (app.py)".into()];
        let mut lane = Lane::default();
        lane.frames.push(Where {
            at_ns: 10,
            function: 0,
            gil_released: true,
        });
        assert_eq!(where_words(&run, &lane, 5), "");
        assert_eq!(
            where_words(&run, &lane, 10),
            " in fetch (app.py) (native code, GIL let go)"
        );
        assert_eq!(
            program_name(&[
                "/usr/bin/python3.12".into(),
                "-u".into(),
                "src/app.py".into()
            ]),
            "python3.12 app.py"
        );
    }

    #[test]
    fn nice_steps_and_labels() {
        assert_eq!(nice_step(7), 10);
        assert_eq!(nice_step(1_500_000), 2_000_000);
        assert_eq!(nice_step(300_000_000), 500_000_000);
        assert_eq!(tick_label_at(250_000_000, 50_000_000), "250ms");
        assert_eq!(tick_label_at(1_500_000_000, 500_000_000), "1.5s");
        assert_eq!(tick_label_at(3_882_010_000, 10_000), "3.88201s");
        assert_eq!(tick_label_at(3_882_020_000, 10_000), "3.88202s");
        assert_eq!(tick_label_at(2_000_000, 1_000_000), "2ms");
        assert_eq!(human_ms(0.0123), "12.3 µs");
    }
}
