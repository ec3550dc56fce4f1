//! Words and numbers for people: durations, tick labels, outcomes, what `ready` waits for, a
//! run's workers and its lesson's own figures.

use crate::trace::{Lane, LaneKind, Outcome, Reason, Run};
use std::borrow::Cow;

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

/// A lane's name in the story's words: `grill · thread 2`, when its tasks all played a role.
pub fn lane_name<'a>(run: &Run, lane: &'a Lane) -> Cow<'a, str> {
    match lane.role().and_then(|r| run.meta.roles.get(r)) {
        Some(role) => Cow::Owned(format!("{} · {}", role.name, lane.name)),
        None => Cow::Borrowed(&lane.name),
    }
}

/// A lane's name in at most `width` characters, its worker and number kept to the last:
/// without its parenthesis (`process 1 (pid 42)`), then with the worker's word short
/// (`straggler · inst 10`), then with a role cut (`straggl… · inst 10`) or else the middle cut
/// before the number it ends in (`ThreadPoolExe…-0_4`, `proc 1 · Thre…-0_1`, `Ma… +21 more`);
/// only a name with no number to keep is cut at its end. Never padded.
pub fn fit_name(name: &str, width: usize) -> String {
    let bare = without_note(name);
    let short = abbreviate(bare);
    for candidate in [name, bare, short.as_str()] {
        if len(candidate) <= width {
            return candidate.to_string();
        }
    }
    let role_end = short
        .rfind(" · ")
        .filter(|&at| !short[..at].contains(|c: char| c.is_ascii_digit()));
    for keep_at in [role_end, number_at(&short)].into_iter().flatten() {
        let keep = &short[keep_at..];
        if keep_at > 0 && len(keep) + 2 <= width {
            let head: String = short[..keep_at]
                .chars()
                .take(width - len(keep) - 1)
                .collect();
            return format!("{head}…{keep}");
        }
    }
    let cut: String = short.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// A lane's name without its note in parenthesis: `process 1` of `process 1 (pid 42)`.
pub fn without_note(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name)
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// Where the number a name ends in starts (with the space before it): `-0_4` of
/// `ThreadPoolExecutor-0_4`, ` 1–5` of `thread 1–5`, else the word with the last digit and
/// what follows (` +21 more`).
fn number_at(name: &str) -> Option<usize> {
    let numbered = |c: char| c.is_ascii_digit() || "-_.,–".contains(c);
    let run = name.trim_end_matches(numbered);
    if run.len() < name.len() && name[run.len()..].contains(|c: char| c.is_ascii_digit()) {
        return Some(run.strip_suffix(' ').unwrap_or(run).len());
    }
    let digit = name.rfind(|c: char| c.is_ascii_digit())?;
    name[..digit].rfind(' ')
}

/// The names of one panel's rows, each shortened as [`fit_name`] does; if any needs its
/// worker's word short, every row has it short, so a panel reads one way.
pub fn fit_names(names: &[String], width: usize) -> Vec<String> {
    let long = names.iter().any(|n| len(without_note(n)) > width);
    names
        .iter()
        .map(|n| match long {
            true => fit_name(&abbreviate(n), width),
            false => fit_name(n, width),
        })
        .collect()
}

/// `instance 10` as `inst 10`, `process 2` as `proc 2`, `thread 3` as `thr 3`.
fn abbreviate(name: &str) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    let numbered = |i: usize| {
        words
            .get(i + 1)
            .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    };
    let short: Vec<&str> = words
        .iter()
        .enumerate()
        .map(|(i, &w)| match w {
            "instance" if numbered(i) => "inst",
            "process" if numbered(i) => "proc",
            "thread" if numbered(i) => "thr",
            _ => w,
        })
        .collect();
    short.join(" ")
}

/// The order lanes are shown in: those whose tasks played a role first, by role in the
/// lesson's order, then the rest; so a role keeps its place in every panel. A real program's
/// worker processes (`process 1 (pid 4242)`) come right after its main thread, before the
/// pool's helper threads.
pub fn lane_order(lanes: &[Lane]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lanes.len()).collect();
    let worker = |l: &Lane| crate::trace::real::is_worker_process(&l.name);
    if lanes.iter().any(|l| l.role().is_some()) || lanes.iter().skip(1).any(worker) {
        let class = |i: usize| match i {
            0 => 0,
            _ if worker(&lanes[i]) => 1,
            _ => 2,
        };
        order.sort_by_key(|&i| (lanes[i].role().unwrap_or(usize::MAX), class(i), i));
    }
    order
}

/// How a run sampled from a real Python program was sampled, and what it cannot tell apart:
/// `sampled at 250 Hz · CPython 3.11.7 · GIL waits not told apart · asyncio tasks not shown`.
pub fn sampling(run: &Run) -> Option<String> {
    let s = run.meta.sampled.as_ref()?;
    let mut words = format!("sampled at {} Hz", s.hz);
    if s.paused {
        words.push_str(", paused at each");
    }
    // A real run's label names its Python already.
    if !s.python.is_empty() && !run.meta.real {
        words.push_str(&format!(" · CPython {}", s.python));
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

/// The race lesson's counter in words: `counter 286 of 1000 (714 updates lost)`.
pub fn counter(run: &Run) -> Option<String> {
    let (lost, expected) = run.counter()?;
    let actual = expected - lost;
    Some(match lost {
        0 => format!("counter {actual} of {expected}: no update lost"),
        lost => format!("counter {actual} of {expected} ({lost} updates lost)"),
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
    if !run.meta.real || !run.finished() {
        return None;
    }
    let failed = run.lesson.get(crate::trace::real::EXIT_CODE);
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
    fn a_long_lane_name_keeps_its_worker_and_number() {
        assert_eq!(fit_name("friend · instance 2", 24), "friend · instance 2");
        assert_eq!(fit_name("friend · instance 2", 18), "friend · inst 2");
        assert_eq!(
            fit_name("straggler · instance 10", 18),
            "straggl… · inst 10"
        );
        assert_eq!(fit_name("instance 1 (pid 18146)", 18), "instance 1");
        assert_eq!(
            fit_name("process 1 (pid 18146)", 22),
            "process 1 (pid 18146)"
        );
        assert_eq!(fit_name("MainThread +21 more", 12), "Ma… +21 more");
        assert_eq!(fit_name("ThreadPoolExecutor-0_4", 18), "ThreadPoolExe…-0_4");
        assert_eq!(fit_name("grill · thread 2", 13), "grill · thr 2");
        assert_eq!(fit_name("Task-3 fetch_all_pages", 12), "Task-3 fetc…");
        // A thread of a worker process keeps both numbers.
        let pool = "process 1 · ThreadPoolExecutor-0_1 (pid 7)";
        assert_eq!(fit_name(pool, 18), "proc 1 · Thre…-0_1");
        assert_eq!(fit_name("process 1 · Thread-2", 16), "proc 1 · Thre…-2");
        assert_eq!(fit_name("grill · thread 10–160", 12), "gril… 10–160");
        let panel = [
            "friend · instance 2".to_string(),
            "straggler · instance 10".into(),
        ];
        assert_eq!(
            fit_names(&panel, 18),
            ["friend · inst 2", "straggl… · inst 10"]
        );
        assert_eq!(
            fit_names(&panel, 24),
            ["friend · instance 2", "straggler · instance 10"]
        );
        for (name, w) in [("straggler · instance 10", 6), ("a · b", 1), ("x", 0)] {
            assert!(
                fit_name(name, w).chars().count() <= w.max(1),
                "{name} in {w}"
            );
        }
    }

    #[test]
    fn a_real_programs_worker_processes_come_after_its_main_thread() {
        let names = [
            "MainThread",
            "Thread-1",
            "process 1 (pid 40)",
            "process 1 · Thread-1 (pid 40)",
            "process 2 (pid 41)",
        ];
        let lanes: Vec<Lane> = names.into_iter().map(Lane::named).collect();
        assert_eq!(lane_order(&lanes), [0, 2, 4, 1, 3]);
        let emulated: Vec<Lane> = (1..=3)
            .map(|n| Lane::named(crate::trace::real::worker_process(n, 10 + n)))
            .collect();
        assert_eq!(lane_order(&emulated), [0, 1, 2]);
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
        let mut lane = Lane::named("MainThread");
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
