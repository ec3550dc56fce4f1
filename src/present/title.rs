//! Run titles: a panel's in the terminal (what runs and how far it got; once finished, its
//! summary) and a run's in the headless text and the picture.

use super::words::{
    cloud, counter, human_ms, lesson, ms, real_timing, reason_word, sampling, workers,
};
use crate::trace::{speedup, Halt, Origin, Outcome, Reason, Run, RunStats, Trace};
use std::fmt::Write;

/// What a panel says besides its label: the GIL, or what of the run is not measured here.
fn nature(run: &Run) -> Option<&'static str> {
    match (run.meta.gil, run.meta.origin) {
        // A real CPython's GIL: said with how it was sampled (`words::sampling`).
        (_, Origin::Sampled) => None,
        (true, _) => Some("emulated GIL"),
        (false, Origin::Modelled) => Some("modelled platform"),
        (false, Origin::Imported) => Some("imported"),
        (false, Origin::Measured) => None,
    }
}

/// The nature with the GIL's switch interval and the CPython whose switching it models,
/// where they were set: `emulated GIL, CPython 3.12 switching, 5 ms`.
fn nature_words(run: &Run) -> Option<String> {
    nature_both(run).map(|(long, _)| long)
}

/// [`nature_words`], and shorter where it says a modelled CPython's switching: `emulated GIL,
/// CPython 3.12 switching, 5 ms`, else `emulated GIL 5 ms (3.12)`.
fn nature_both(run: &Run) -> Option<(String, String)> {
    let n = nature(run)?;
    let settings = &run.meta.settings;
    Some(match (settings.switch_ms, &settings.switching) {
        (Some(ms), Some(v)) if run.meta.gil => (
            format!("{n}, CPython {v} switching, {ms} ms"),
            format!("{n} {ms} ms ({v})"),
        ),
        (Some(ms), None) if run.meta.gil => (format!("{n} {ms} ms"), format!("{n} {ms} ms")),
        _ => (n.to_string(), n.to_string()),
    })
}

/// The run's nature as a field that gives way at priority 2, shortened first (before a GIL
/// run's ready time gives way).
fn add_nature(f: &mut Fields, run: &Run) {
    if let Some((long, short)) = nature_both(run) {
        f.add_or_then(4, long, short, 2);
    }
}

/// How a run was halted before its end, if it was: `stopped · 28 not run`, `failed: could not
/// start thread 61 of 1024: ... · 1958 not run`.
pub fn halted(run: &Run) -> Option<String> {
    let words = match run.halted.as_ref()? {
        Halt::Stopped => "stopped".to_string(),
        Halt::Failed(why) => format!("failed: {why}"),
    };
    Some(match run.not_run() {
        0 => words,
        n => format!("{words} · {n} not run"),
    })
}

/// A title's fields, each with how soon it gives way when the title is too long (0: never;
/// higher first); and the fields that first give way to a shorter form, with how soon that
/// gives way.
#[derive(Default)]
struct Fields(Vec<(u8, String)>, Vec<(String, String, u8)>);

impl Fields {
    fn add(&mut self, drop: u8, text: impl Into<String>) {
        self.0.push((drop, text.into()));
    }

    /// A field that, when it would give way, first gives way to `short`.
    fn add_or(&mut self, drop: u8, text: String, short: String) {
        self.add_or_then(drop, text, short, drop);
    }

    /// [`Fields::add_or`], the short form giving way at `then` instead.
    fn add_or_then(&mut self, drop: u8, text: String, short: String, then: u8) {
        if short == text {
            return self.0.push((then, text));
        }
        self.1.push((text.clone(), short, then));
        self.0.push((drop, text));
    }

    /// The fields joined with ` · `, in at most `width` characters: the fields that give way
    /// first are shortened (where they can be) or left out until it fits; a number is never cut (a title cut anyway ends `…`).
    fn fit(mut self, width: usize) -> String {
        loop {
            let text = self
                .0
                .iter()
                .map(|f| f.1.as_str())
                .collect::<Vec<_>>()
                .join(" · ");
            if text.chars().count() <= width {
                return text;
            }
            let most = self.0.iter().map(|f| f.0).max().unwrap_or(0);
            match self.0.iter().rposition(|f| f.0 == most && most > 0) {
                Some(i) => match self.1.iter().position(|s| s.0 == self.0[i].1) {
                    Some(s) => {
                        let (_, short, then) = self.1.swap_remove(s);
                        self.0[i] = (then, short);
                    }
                    None => {
                        self.0.remove(i);
                    }
                },
                None => {
                    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
                    return format!("{cut}…");
                }
            }
        }
    }
}

/// How a panel stands to the runs before: a run with a ghost under it (the same place in the
/// set before) says both figures; a ghost says it is one.
#[derive(Clone, Copy)]
pub enum Before<'a> {
    None,
    /// The run under this one, from the set before.
    Ghost(&'a Run),
    /// This is a ghost.
    IsGhost,
}

/// A panel's title in `width` characters: `stats` once the run has finished; `elapsed_ns` how
/// far it got.
pub fn panel(
    trace: &Trace,
    run: &Run,
    stats: Option<&RunStats>,
    elapsed_ns: u64,
    before: Before,
    width: usize,
) -> String {
    let mut f = Fields::default();
    match before {
        Before::IsGhost => f.add(0, format!("before · {}", run.meta.label)),
        _ => f.add(0, run.meta.label.clone()),
    }
    if run.meta.kept && !matches!(before, Before::IsGhost) {
        f.add(1, "unchanged: not run again");
    }
    if let (Before::Ghost(ghost), Some(_)) = (before, stats) {
        f.add(1, then_and_now(trace, run, ghost));
    }
    let done = run.count(Outcome::Done);
    match (run.start_ns, stats) {
        (None, _) => {
            f.add(3, workers(run));
            add_nature(&mut f, run);
            f.0.extend(sampling(run).map(|n| (2, n)));
            f.add(1, "waiting to start");
        }
        (Some(_), None) => {
            f.add(3, workers(run));
            add_nature(&mut f, run);
            f.0.extend(sampling(run).map(|n| (2, n)));
            f.add(1, human_ms(ms(elapsed_ns)));
            f.0.extend(done_words(run, done).map(|d| (2, d)));
        }
        (Some(_), Some(s)) => {
            let with_ghost = matches!(before, Before::Ghost(_));
            finished_panel(&mut f, trace, run, s, with_ghost)
        }
    }
    if let Some(words) = halted(run) {
        f.0.insert(1, (0, words));
    }
    f.fit(width)
}

/// Both runs' figures: `now 9.8x with 10 threads, was 4.9x with 5 threads`.
fn then_and_now(trace: &Trace, run: &Run, ghost: &Run) -> String {
    // The baseline's figure is its time; the others', their speedup over it.
    let figure = |r: &Run| match speedup(trace, r).filter(|_| !r.meta.baseline) {
        Some(x) => format!("{x:.1}x"),
        None => human_ms(ms(r.wall_ns().unwrap_or(0))),
    };
    format!(
        "now {} with {}, was {} with {}",
        figure(run),
        workers(run),
        figure(ghost),
        workers(ghost)
    )
}

/// A finished run's figures; `with_ghost`: its speedup is said beside its ghost's already.
fn finished_panel(f: &mut Fields, trace: &Trace, run: &Run, s: &RunStats, with_ghost: bool) {
    // The lesson's figures before a real program's own timing of its work.
    if let Some(words) = counter(run).or_else(|| cloud(run)) {
        f.add(1, words);
    }
    if let Some(words) = real_timing(run) {
        f.add(2, words);
    }
    if let Some(x) = speedup(trace, run).filter(|_| !with_ghost) {
        f.add(1, format!("{x:.2}x"));
    }
    f.add(2, wall_words(run, s));
    f.add(3, workers(run));
    add_nature(f, run);
    // A run with no lanes says why before its other figures.
    let unsampled = run.meta.sampled.as_ref().is_some_and(|s| s.hz == 0);
    f.0.extend(sampling(run).map(|n| (if unsampled { 1 } else { 2 }, n)));
    f.0.extend(done_words(run, s.done).map(|d| (3, d)));
    if s.lost > 0 {
        f.add(2, format!("{} lost", s.lost));
    }
    // A figure of nothing gives way first (after the caveat); under a GIL, time ready for it
    // longer than it ran (threads taking turns, its point) outlasts the run time.
    let gives_way = |ns: u64, drop: u8| if ns == 0 { 5 } else { drop };
    let run_drop = if run.meta.gil && s.ready_ns > s.run_ns {
        5
    } else {
        4
    };
    f.add(
        gives_way(s.run_ns, run_drop),
        format!("run {}", human_ms(ms(s.run_ns))),
    );
    f.add(
        gives_way(s.wait_ns, 4),
        format!("wait {}", human_ms(ms(s.wait_ns))),
    );
    // Under a GIL its time ready (for the GIL) is the point: it outlasts run and wait, its
    // workers and tasks done.
    let ready = format!("ready {}", human_ms(ms(s.ready_ns)));
    f.add_or(
        gives_way(s.ready_ns, if run.meta.gil { 2 } else { 4 }),
        ready.clone() + &ready_split(s),
        ready,
    );
    if run.meta.cpu_waits_hz.is_none() && run.meta.origin != Origin::Imported {
        f.add(6, "CPU waits not measured");
    }
}

/// A finished run's time: its wall time; for a real program over before its first sample, its
/// own timing of its work (it has no samples to time).
fn wall_words(run: &Run, s: &RunStats) -> String {
    match (run.unsampled(), run.timed_ns()) {
        (true, Some(t)) => format!("its own timing {}", human_ms(ms(t))),
        (true, None) => "over before its first sample".into(),
        _ => format!("wall {}", human_ms(ms(s.wall_ns))),
    }
}

/// Tasks done, `done` of them as the trace counts them: `20/20 done`, a real program's own count
/// of its work; none for a program sampled by itself (its lanes are its threads, not tasks).
fn done_words(run: &Run, done: u32) -> Option<String> {
    if run.sampled_program() {
        return None;
    }
    let (done, of) = run.done_of(done);
    Some(format!("{done}/{of} done"))
}

/// What the ready time was for, when it was for more than one thing (each a tenth of it at
/// least): ` (GIL 1.2 s, CPU 300 ms)`.
pub fn ready_split(s: &RunStats) -> String {
    let parts: Vec<String> = [Reason::Gil, Reason::Loop, Reason::Cpu]
        .into_iter()
        .filter(|r| s.for_reason(*r) > 0 && s.for_reason(*r) >= s.ready_ns / 10)
        .map(|r| format!("{} {}", reason_word(r), human_ms(ms(s.for_reason(r)))))
        .collect();
    match parts.len() {
        0 | 1 => String::new(),
        _ => format!(" ({})", parts.join(", ")),
    }
}

/// A run's title in the text and the picture: what ran, on how many workers, its wall time,
/// tasks done and lesson figures; with `model`, what of it is a model.
pub fn run(trace: &Trace, run: &Run, model: bool) -> String {
    let s = run.stats();
    let mut t = format!("{} · {}", run.meta.label, workers(run));
    // The GIL emulated (and its switch interval), a platform modelled, a trace imported.
    if let Some(words) = nature_words(run) {
        let _ = write!(t, " · {words}");
    }
    if let Some(words) = sampling(run) {
        let _ = write!(t, " · {words}");
    }
    if let (true, Some(words)) = (model, &run.meta.model) {
        let _ = write!(t, " · {words}");
    }
    let _ = write!(t, " · {}", wall_words(run, &s));
    if let Some(words) = done_words(run, s.done) {
        let _ = write!(t, " · {words}");
    }
    if let Some(words) = halted(run) {
        let _ = write!(t, " · {words}");
    }
    if let Some(words) = lesson(run) {
        let _ = write!(t, " · {words}");
    }
    if let Some(x) = speedup(trace, run) {
        let _ = write!(t, " · speedup {x:.2}x");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Lane, RunMeta, Span, State, TaskEnd};

    const MS: u64 = 1_000_000;

    /// A finished GIL run of 5 threads: each ran 150 ms and waited 600 ms for the GIL.
    fn gil_run() -> Run {
        let mut run = Run::new(RunMeta {
            label: "threads (GIL)".into(),
            executor: "threads".into(),
            workers: 5,
            gil: true,
            tasks: 5,
            ready: Reason::Gil,
            cpu_waits_hz: Some(1000),
            ..RunMeta::default()
        });
        for t in 0..5 {
            let mut lane = Lane::default();
            let span = |state, start_ns, end_ns| Span {
                task: Some(t),
                state,
                reason: None,
                start_ns,
                end_ns,
            };
            lane.push(span(State::Ready, 0, 600 * MS));
            lane.push(span(State::Run, 600 * MS, 750 * MS));
            run.lanes.push(lane);
            run.ends.push(TaskEnd {
                task: t,
                lane: t,
                outcome: Outcome::Done,
                at_ns: 750 * MS,
            });
        }
        run.start_ns = Some(0);
        run.end_ns = Some(750 * MS);
        run
    }

    #[test]
    fn a_gil_runs_title_keeps_its_ready_time_and_drops_a_wait_of_nothing() {
        let run = gil_run();
        let trace = Trace {
            runs: vec![run.clone()],
            ..Trace::default()
        };
        let title = |width| panel(&trace, &run, Some(&run.stats()), 0, Before::None, width);
        let wide = title(200);
        assert!(
            wide.contains("wait 0.0 ms") && wide.contains("ready 3.00 s"),
            "{wide}"
        );
        let narrow = title(wide.chars().count() - 5);
        assert!(!narrow.contains("wait"), "{narrow}");
        assert!(narrow.contains("ready 3.00 s"), "{narrow}");
        let narrower = title(narrow.chars().count() - 5);
        assert!(
            narrower.contains("ready 3.00 s") && !narrower.contains("run 750"),
            "the GIL's ready time outlasts the run time: {narrower}"
        );
    }

    #[test]
    fn a_real_run_over_before_its_first_sample_keeps_its_own_timing() {
        let mut run = Run::new(RunMeta {
            label: "threads · CPython 3.12 · real".into(),
            gil: true,
            origin: Origin::Sampled,
            sampled: Some(crate::trace::Sampled {
                python: "3.12.1".into(),
                hz: 500,
                ..Default::default()
            }),
            beside: Some(crate::trace::cpython::Beside::run(0)),
            ..RunMeta::default()
        });
        run.report = Some(crate::trace::cpython::Report {
            of: 40,
            done: Some(40),
            timed_ns: Some(12 * MS),
            ..Default::default()
        });
        run.start_ns = Some(5 * MS);
        run.end_ns = Some(5 * MS);
        let trace = Trace {
            runs: vec![run.clone()],
            ..Trace::default()
        };
        for title in [
            panel(&trace, &run, Some(&run.stats()), 0, Before::None, 300),
            super::run(&trace, &run, true),
        ] {
            assert!(title.contains("its own timing 12.0 ms"), "{title}");
            assert!(title.contains("40/40 done"), "{title}");
            assert!(title.contains("over before its first sample"), "{title}");
            assert!(!title.contains("wall"), "{title}");
            assert!(
                !title.contains("not told apart"),
                "nothing was sampled: {title}"
            );
        }
    }

    #[test]
    fn a_sampled_programs_lanes_are_threads_not_tasks() {
        let mut run = gil_run();
        run.meta.origin = Origin::Sampled;
        run.meta.label = "python3.12 download.py (pid 9)".into();
        run.meta.sampled = Some(crate::trace::Sampled {
            python: "3.12.1".into(),
            hz: 500,
            gil_waits: true,
            syscalls: true,
            ..Default::default()
        });
        let trace = Trace {
            runs: vec![run.clone()],
            ..Trace::default()
        };
        let title = panel(&trace, &run, Some(&run.stats()), 0, Before::None, 300);
        assert!(title.contains("5 threads"), "{title}");
        assert!(
            !title.contains("done") && !title.contains("5 tasks"),
            "{title}"
        );
        assert!(
            !title.contains("not told apart"),
            "3.12: told apart: {title}"
        );
        assert_eq!(super::super::words::work(&run), "5 threads");
        let at = run.start_ns.unwrap_or(0) + 750 * MS;
        let counts = super::super::caption::count_states(&run.lanes, at, 750 * MS);
        let caption = super::super::caption::states(&run, counts, 750 * MS, None);
        assert!(caption.ends_with("5 ended"), "{caption}");
    }

    #[test]
    fn a_ready_time_too_long_with_its_split_keeps_its_total() {
        let mut run = gil_run();
        for lane in &mut run.lanes {
            lane.spans[0].end_ns = 400 * MS;
            let mut cpu = lane.spans[0];
            (cpu.start_ns, cpu.end_ns, cpu.reason) = (400 * MS, 600 * MS, Some(Reason::Cpu));
            lane.spans.insert(1, cpu);
        }
        let trace = Trace {
            runs: vec![run.clone()],
            ..Trace::default()
        };
        let title = |width| panel(&trace, &run, Some(&run.stats()), 0, Before::None, width);
        let wide = title(200);
        assert!(
            wide.ends_with("ready 3.00 s (GIL 2.00 s, CPU 1.00 s)"),
            "{wide}"
        );
        // Where only its name, wall time, nature and ready time fit (a GIL run's ready time
        // outlasts the rest), the split goes and the total stays.
        let width = "threads (GIL) · wall 750.0 ms · emulated GIL · ready 3.00 s"
            .chars()
            .count()
            + 5;
        let short = title(width);
        assert!(short.ends_with(" · ready 3.00 s"), "{short}");
        assert!(short.chars().count() <= width, "{short}");
    }

    #[test]
    fn a_gil_run_says_its_modelled_switching_shortly_before_its_ready_time_gives_way() {
        let mut run = gil_run();
        run.meta.settings.switch_ms = Some(5);
        run.meta.settings.switching = Some("3.12".into());
        let trace = Trace {
            runs: vec![run.clone()],
            ..Trace::default()
        };
        let title = |width| panel(&trace, &run, Some(&run.stats()), 0, Before::None, width);
        let wide = title(300);
        assert!(wide.contains("CPython 3.12 switching, 5 ms"), "{wide}");
        let narrow = title(76);
        assert!(narrow.contains("5 ms (3.12)"), "{narrow}");
        assert!(narrow.contains("ready"), "{narrow}");
        assert!(narrow.chars().count() <= 76, "{narrow}");
    }
}
