//! Every lesson at classroom sizes (80x24 and 100x30), over the rendered buffer: no run of 2 to
//! 4 workers drawn as fewer lanes than workers, an event loop's tasks in at least two rows, the
//! roles named (salads' maker and washer, coffees' you and friend first), the legend never cut
//! mid-entry. Each lesson's runs are its own as it plans them (executors, worker counts, roles,
//! queues, from the lesson file); their spans are made by rule (a test must not hang on timing).

mod common;

use common::session;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use runwait::lab::scenario;
use runwait::trace::{
    Lane, LaneId, LaneKind, Outcome, Reason, Run, RunMeta, Span, State, TaskEnd, Trace,
};
use runwait::ui::app::App;
use runwait::ui::render::draw;

const MS: u64 = 1_000_000;

/// A lane's spans for task `task` from `t` (ms): run, wait, ready for what the run's ready
/// waits for, run. Returns where it ends.
fn play(lane: &mut Lane, meta: &RunMeta, task: u32, t: u64) -> u64 {
    let parts = [
        (State::Run, None, 2),
        (State::Wait, Some(Reason::Io), 5),
        (State::Ready, Some(meta.ready), 1),
        (State::Run, None, 1),
    ];
    let mut at = t;
    for (state, reason, ms) in parts {
        lane.push(Span {
            task: Some(task),
            state,
            reason,
            start_ns: at * MS,
            end_ns: (at + ms) * MS,
        });
        at += ms;
    }
    lane.note_role(meta.role_of(task));
    at
}

/// A run of `meta`'s shape: a lane per worker (per task for an event loop's tasks and a cloud's
/// instances, an instance per request), the tasks dealt round the lanes.
fn run_of(meta: RunMeta) -> Run {
    let lanes = match meta.lane_kind {
        LaneKind::Task | LaneKind::Instance => meta.tasks,
        _ => meta.workers,
    };
    let mut run = Run::new(meta.clone());
    let mut end = 0;
    for l in 0..lanes {
        let mut lane = Lane::new(LaneId::numbered(meta.lane_kind, l));
        let mut t = 0;
        for task in (0..meta.tasks).filter(|k| k % lanes == l) {
            t = play(&mut lane, &meta, task, t);
            run.ends.push(TaskEnd {
                task,
                lane: l,
                outcome: Outcome::Done,
                at_ns: t * MS,
            });
        }
        end = end.max(t);
        run.lanes.push(lane);
    }
    run.start_ns = Some(0);
    run.end_ns = Some(end * MS + 1);
    run
}

/// The lesson's runs as it plans them, every one finished (or the last still going).
fn lesson_trace(name: &str, finished: bool) -> Trace {
    let plan = session(scenario::find(name).unwrap(), None, |_| {});
    let mut trace = Trace::new(name);
    trace.runs = plan.metas(0).into_iter().map(run_of).collect();
    if !finished {
        let last = trace.runs.last_mut().unwrap();
        last.end_ns = None;
    }
    trace
}

/// What a panel drew: its run and the names of its lane rows (queues left out).
struct Drawn {
    run: usize,
    names: Vec<String>,
}

/// The screen of `trace` at `w` x `h`, as text, and each panel's lane rows.
fn screen(trace: Trace, w: u16, h: u16) -> (String, Vec<Drawn>, App) {
    let mut app = App::replay(trace);
    app.view.color = false;
    app.resize(w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| draw(f, &app)).unwrap();
    let buf = terminal.backend().buffer().clone();
    let row = |y: u16| -> String { (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect() };
    let layout = app.screen_of(w, h);
    let mut drawn = Vec::new();
    let mut y = 1;
    for &(run, height) in &layout.panels {
        let names = (y + 1..y + height)
            .map(row)
            .filter(|r| r.chars().nth(layout.label_w as usize) == Some('│'))
            .map(|r| {
                let name: String = r.chars().take(layout.label_w as usize).collect();
                name.trim().to_string()
            })
            .filter(|n| !n.ends_with(" queue"))
            .collect();
        drawn.push(Drawn { run, names });
        y += height;
    }
    let text = (0..h).map(row).collect::<Vec<_>>().join("\n");
    (text, drawn, app)
}

/// Every run of up to 4 workers shows each in a row of its own; an event loop's tasks (and
/// more workers) at least two rows.
fn assert_lanes_whole(name: &str, size: (u16, u16), trace: &Trace, drawn: &[Drawn], text: &str) {
    assert_eq!(
        drawn.len(),
        trace.runs.len(),
        "{name} {size:?}: every run\n{text}"
    );
    for d in drawn {
        let run = &trace.runs[d.run];
        let lanes = run.lanes.len();
        let label = &run.meta.label;
        let whole = lanes <= 4 && run.meta.lane_kind != LaneKind::Task;
        if whole {
            assert_eq!(
                d.names.len(),
                lanes,
                "{name} {size:?} {label}: a row a lane\n{text}"
            );
            let grouped = d.names.iter().any(|n| n.contains('–') || n.contains(','));
            assert!(!grouped, "{name} {size:?} {label}: none grouped\n{text}");
        } else {
            assert!(
                d.names.len() >= 2.min(lanes),
                "{name} {size:?} {label}: 2 rows\n{text}"
            );
        }
    }
}

/// The legend's lines hold whole entries only; while runs go there is one (once they have
/// finished, it gives way to lanes and the verdict where rows are short).
fn assert_legend_whole(name: &str, size: (u16, u16), app: &App, text: &str) {
    let runs = app.visible_panels();
    let items =
        runwait::present::legend::items(runs.iter().map(|&r| &app.trace().runs[r]), app.view.color);
    let shorts: Vec<&str> = items.iter().map(|i| i.short.as_str()).collect();
    let layout = app.screen_of(size.0, size.1);
    let lines: Vec<&str> = text.lines().collect();
    let foot = size.1 as usize - 1 - layout.foot_rows as usize;
    let legend = &lines[foot + layout.verdict_rows as usize..size.1 as usize - 1];
    assert!(
        app.finished() || !legend.is_empty(),
        "{name} {size:?}: a legend\n{text}"
    );
    for line in legend {
        for entry in line.trim().split("  ") {
            let words = entry.split_once(' ').map_or("", |(_, w)| w);
            assert!(
                shorts.contains(&words),
                "{name} {size:?}: {entry:?} cut\n{text}"
            );
        }
    }
}

#[test]
fn every_lesson_at_classroom_sizes_shows_every_worker_and_a_whole_legend() {
    for lesson in scenario::builtin() {
        let name = lesson.name.as_str();
        for size in [(80, 24), (100, 30)] {
            for finished in [true, false] {
                let trace = lesson_trace(name, finished);
                let (text, drawn, app) = screen(trace.clone(), size.0, size.1);
                assert!(!text.contains("too small"), "{name} {size:?}\n{text}");
                assert_lanes_whole(name, size, &trace, &drawn, &text);
                assert_legend_whole(name, size, &app, &text);
                if finished {
                    let verdict = app.verdict();
                    let first: String = verdict
                        .split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ");
                    assert!(
                        text.contains(&first),
                        "{name} {size:?}: the verdict\n{text}"
                    );
                }
            }
        }
    }
}

#[test]
fn salads_names_its_maker_and_washer_in_every_run() {
    for size in [(80, 24), (100, 30)] {
        let (text, drawn, _) = screen(lesson_trace("salads", true), size.0, size.1);
        assert_eq!(drawn.len(), 3, "{text}");
        for d in &drawn {
            let makers = d.names.iter().filter(|n| n.starts_with("maker ·")).count();
            let washers = d.names.iter().filter(|n| n.starts_with("washer ·")).count();
            assert_eq!((makers, washers), (2, 1), "{size:?}: {:?}\n{text}", d.names);
        }
    }
}

#[test]
fn coffees_lists_you_and_your_friend_first() {
    for size in [(80, 24), (100, 30)] {
        let (text, drawn, _) = screen(lesson_trace("coffees", true), size.0, size.1);
        let cloud = &drawn[0].names;
        assert!(cloud[0].starts_with("you"), "{size:?}: {cloud:?}\n{text}");
        assert!(
            cloud[1].starts_with("friend"),
            "{size:?}: {cloud:?}\n{text}"
        );
    }
}

#[test]
fn at_the_smallest_size_the_readme_names_every_worker_still_shows() {
    // 5 rows and, per panel, its title and a row per worker of up to 4 (2 rows for an event
    // loop's tasks or more workers): cpu's six runs need 5 + 2 + 5 x 3 = 22 rows.
    let (text, drawn, _) = screen(lesson_trace("cpu", true), 60, 22);
    assert!(!text.contains("too small"), "{text}");
    assert_lanes_whole("cpu", (60, 22), &lesson_trace("cpu", true), &drawn, &text);
    let (text, _, _) = screen(lesson_trace("cpu", true), 60, 21);
    assert!(text.contains("(need 60x22)"), "{text}");
}
