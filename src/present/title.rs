//! Run titles: a panel's in the terminal (what runs and how far it got; once finished, its
//! summary) and a run's in the headless text and the picture.

use super::words::{human_ms, lesson, ms, workers};
use crate::trace::{speedup, Origin, Outcome, Run, RunStats, Trace};
use std::fmt::Write;

/// What a panel says besides its label: the GIL, or what of the run is not measured here.
fn nature(run: &Run) -> &'static str {
    match (run.meta.gil, run.meta.origin) {
        (true, _) => " · emulated GIL",
        (false, Origin::Modelled) => " · modelled platform",
        (false, Origin::Imported) => " · imported",
        (false, Origin::Measured) => "",
    }
}

/// A panel's title: `stats` once the run has finished; `elapsed_ns` how far it got.
pub fn panel(trace: &Trace, run: &Run, stats: Option<&RunStats>, elapsed_ns: u64) -> String {
    let m = &run.meta;
    let (workers, nature) = (workers(run), nature(run));
    let done = run.count(Outcome::Done);
    match (run.start_ns, stats) {
        (None, _) => format!("{} · {workers}{nature} · waiting to start", m.label),
        (Some(_), None) => format!(
            "{} · {workers}{nature} · {} · {done}/{} done",
            m.label,
            human_ms(ms(elapsed_ns)),
            m.tasks
        ),
        (Some(_), Some(s)) => finished_panel(trace, run, s, &format!("{workers}{nature}")),
    }
}

fn finished_panel(trace: &Trace, run: &Run, s: &RunStats, workers: &str) -> String {
    let m = &run.meta;
    let x = speedup(trace, run).map_or(String::new(), |x| format!(" · {x:.2}x"));
    let mut t = format!(
        "{}{x} · wall {} · {workers} · {}/{} done · run {} · wait {} · ready {}",
        m.label,
        human_ms(ms(s.wall_ns)),
        s.done,
        m.tasks,
        human_ms(ms(s.run_ns)),
        human_ms(ms(s.wait_ns)),
        human_ms(ms(s.ready_ns)),
    );
    if s.lost > 0 {
        t.push_str(&format!(" · {} lost", s.lost));
    }
    if let Some(words) = lesson(run) {
        t = format!(
            "{} · {words} · {}",
            m.label,
            &t[m.label.len()..].trim_start_matches(" · ")
        );
    }
    t
}

/// A run's title in the text and the picture: what ran, on how many workers, its wall time,
/// tasks done and lesson figures; with `model`, what of it is a model.
pub fn run(trace: &Trace, run: &Run, model: bool) -> String {
    let s = run.stats();
    let mut t = format!("{} · {}", run.meta.label, workers(run));
    if run.meta.gil {
        t.push_str(" · emulated CPython GIL");
    }
    if let (true, Some(words)) = (model, &run.meta.model) {
        let _ = write!(t, " · {words}");
    }
    let _ = write!(
        t,
        " · wall {} · {}/{} done",
        human_ms(ms(s.wall_ns)),
        s.done,
        run.meta.tasks
    );
    if let Some(words) = lesson(run) {
        let _ = write!(t, " · {words}");
    }
    if let Some(x) = speedup(trace, run) {
        let _ = write!(t, " · speedup {x:.2}x");
    }
    t
}
