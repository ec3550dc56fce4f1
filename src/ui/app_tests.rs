//! The view state, without a terminal: what each action does to it.

use super::*;
use crate::trace::{LaneId, LaneKind, RunMeta, Span, State};

/// `runs` finished runs of `lanes` lanes each, every lane running 10 ms then waiting 10 ms.
pub(crate) fn trace(runs: usize, lanes: u32) -> Trace {
    let mut trace = Trace::new("t");
    for r in 0..runs {
        let run = trace.add_run(RunMeta {
            executor: "threads".into(),
            label: format!("run {r}"),
            tasks: lanes,
            workers: lanes,
            ..RunMeta::default()
        }) as usize;
        let run = &mut trace.runs[run];
        run.start_ns = Some(0);
        run.end_ns = Some(20_000_000);
        for l in 0..lanes {
            let lane = run.lane_mut(l);
            lane.id = LaneId::numbered(LaneKind::Thread, l);
            for (state, start) in [(State::Run, 0), (State::Wait, 10_000_000)] {
                lane.push(Span {
                    task: Some(l),
                    state,
                    reason: None,
                    start_ns: start,
                    end_ns: start + 10_000_000,
                });
            }
        }
    }
    trace
}

fn app(runs: usize, lanes: u32, size: (u16, u16)) -> App {
    let mut app = App::replay(trace(runs, lanes));
    app.resize(size.0, size.1);
    app.tick();
    app
}

#[test]
fn a_replay_opens_paused_at_its_start_and_space_plays_it() {
    let mut app = app(2, 3, (120, 40));
    assert_eq!(app.view.playhead.t_ns, 0);
    assert_eq!(app.view.playhead.motion, Motion::Still);
    assert!(!app.animating());
    assert!(app.apply(Action::TogglePause));
    assert_eq!(app.view.playhead.motion, Motion::Play);
    assert!(app.animating());
    app.apply(Action::End);
    assert_eq!(app.view.playhead.t_ns, app.extent());
    app.apply(Action::Start);
    assert_eq!(app.view.playhead.t_ns, 0);
    assert!(!app.apply(Action::Leave), "Esc quits");
    assert!(!app.apply(Action::Quit), "q quits");
}

#[test]
fn focus_goes_round_the_runs_and_z_shows_one() {
    let mut app = app(3, 2, (120, 40));
    assert_eq!(app.view.focus, 0);
    app.apply(Action::FocusNext);
    app.apply(Action::FocusNext);
    assert_eq!(app.view.focus, 2);
    app.apply(Action::FocusNext);
    assert_eq!(app.view.focus, 0, "round again");
    app.apply(Action::FocusPrev);
    assert_eq!(app.view.focus, 2);
    app.apply(Action::ToggleSolo);
    assert_eq!(app.visible_panels(), [2]);
    app.apply(Action::FocusNext);
    assert_eq!(app.visible_panels(), [0], "tab, alone");
}

#[test]
fn zoom_scroll_grouping_and_toggles() {
    let mut app = app(1, 40, (120, 24));
    app.view.compact = false;
    app.resize(120, 24);
    let rows = app.screen().lane_rows(0).unwrap();
    assert!(rows < 40);
    for _ in 0..100 {
        app.apply(Action::ScrollDown);
    }
    assert_eq!(
        app.view.scroll[0],
        40 - rows,
        "never past the last screenful"
    );
    app.apply(Action::ZoomIn);
    assert!(app.view.zoom.factor(app.view_extent(), app.view.cols) > 1.5);
    app.apply(Action::Fit);
    assert_eq!(app.view.zoom, Zoom::Fit);
    app.apply(Action::ToggleGrouping);
    assert!(app.view.by_task);
    assert_eq!(app.lanes(0).len(), 40, "a lane per task");
    assert_eq!(app.view.scroll[0], 0, "scroll starts again");
    app.apply(Action::ToggleHelp);
    assert!(app.view.help);
    app.apply(Action::WhatIf);
    assert!(app.view.what_if.is_none());
    assert_eq!(
        app.view.message.as_deref(),
        Some("what-if reruns a lesson: not for a saved trace")
    );
    app.apply(Action::Rerun);
    assert_eq!(
        app.view.playhead.motion,
        Motion::Play,
        "r plays a replay again"
    );
}

#[test]
fn a_step_lands_on_the_next_change_and_says_it() {
    let mut app = app(1, 2, (120, 40));
    app.apply(Action::NextEvent);
    assert_eq!(app.view.playhead.t_ns, 10_000_000);
    let note = app.view.note.clone().expect("the step is said");
    assert!(note.text.contains("thread"), "{}", note.text);
    app.apply(Action::PrevEvent);
    assert_eq!(app.view.playhead.t_ns, 0);
}

#[test]
fn alone_and_fitted_the_zoom_says_how_much_closer_than_every_run() {
    let mut t = trace(2, 2);
    // The first run takes 2 s, the second half a second.
    for (run, by) in t.runs.iter_mut().zip([100, 25]) {
        run.end_ns = run.end_ns.map(|t| t * by);
        for lane in &mut run.lanes {
            for span in &mut lane.spans {
                span.start_ns *= by;
                span.end_ns *= by;
            }
            lane.reindex();
        }
    }
    let mut app = App::replay(t);
    app.resize(120, 40);
    app.tick();
    assert!((app.zoom_factor() - 1.0).abs() < 0.01);
    app.apply(Action::FocusNext);
    app.apply(Action::ToggleSolo);
    app.apply(Action::Fit);
    assert_eq!(app.view.zoom, Zoom::Fit);
    let factor = app.zoom_factor();
    assert!((3.5..=4.5).contains(&factor), "{factor}");
    app.apply(Action::ToggleSolo);
    assert!((app.zoom_factor() - 1.0).abs() < 0.01);
}
