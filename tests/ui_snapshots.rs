//! Whole screens drawn from synthetic traces into ratatui's TestBackend, as insta snapshots:
//! 80x24, 200x60 and a terminal too small, paused, stepped to an event, zoomed, by task, help.

#[path = "common/synthetic.rs"]
mod synthetic;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use runwait::ui::app::App;
use runwait::ui::keys::Action;
use runwait::ui::render::draw;

fn app(tasks: u32, width: u16) -> App {
    app_of(synthetic::io_trace(tasks), width)
}

fn app_of(trace: runwait::trace::Trace, width: u16) -> App {
    let mut app = App::replay(trace);
    app.view.color = false;
    app.resize(width, 24);
    app
}

/// A frame at `width` x `height`, the app told the terminal's size first (as the UI loop does).
fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.resize(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn replay_opens_paused_at_the_start_80x24() {
    let mut app = app(12, 80);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn at_the_end_the_summary_and_verdict_show_200x60() {
    let mut app = app(12, 200);
    app.apply(Action::End);
    insta::assert_snapshot!(screen(&mut app, 200, 60));
}

#[test]
fn too_small_says_so() {
    let mut app = app(12, 40);
    let text = screen(&mut app, 40, 10);
    // 5 rows, and each panel its title and its least lanes: sync 1, 3 threads, async 2, 2 processes.
    assert!(text.contains("terminal too small (need 60x17)"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn an_event_step_is_described_under_its_panel() {
    let mut app = app(12, 100);
    for _ in 0..3 {
        app.apply(Action::NextEvent);
    }
    let text = screen(&mut app, 100, 30);
    assert!(
        text.contains("t = 3.1 ms · process: process 1 is up, ready for work"),
        "{text}"
    );
    app.apply(Action::NextEvent);
    let next = screen(&mut app, 100, 30);
    assert!(
        next.contains("t = 3.3 ms · process: process 1 runs (task 0)"),
        "{next}"
    );
    app.apply(Action::PrevEvent);
    assert_eq!(screen(&mut app, 100, 30), text, "back is where it was");
    insta::assert_snapshot!(text);
}

#[test]
fn frames_zoom_grouping_solo_and_help() {
    let mut app = app(12, 100);
    app.apply(Action::End);
    for _ in 0..3 {
        app.apply(Action::ZoomIn);
    }
    for _ in 0..10 {
        app.apply(Action::FrameBack);
    }
    insta::assert_snapshot!("zoomed_8x_stepped_back", screen(&mut app, 100, 30));
    app.apply(Action::Fit);
    app.apply(Action::ToggleGrouping);
    app.apply(Action::FocusNext);
    app.apply(Action::ToggleSolo);
    insta::assert_snapshot!("threads_by_task_alone", screen(&mut app, 100, 30));
    app.apply(Action::ToggleHelp);
    insta::assert_snapshot!("help", screen(&mut app, 100, 30));
}

#[test]
fn the_playhead_is_a_reversed_column_and_what_lies_after_it_is_dimmed() {
    use ratatui::style::Modifier;
    let mut app = app(12, 100);
    for _ in 0..10 {
        app.apply(Action::FrameForward);
    }
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| draw(f, &app)).unwrap();
    let buf = terminal.backend().buffer();
    let axis_y = (0..30)
        .find(|&y| (0..100).any(|x| buf[(x, y)].symbol() == "▲"))
        .expect("the playhead on the axis");
    let x = (0..100)
        .find(|&x| buf[(x, axis_y)].symbol() == "▲")
        .unwrap();
    let lane_y = 2; // sync's lane
    assert!(
        buf[(x, lane_y)].modifier.contains(Modifier::REVERSED),
        "the playhead column"
    );
    assert!(
        buf[(x + 5, lane_y)].modifier.contains(Modifier::DIM),
        "after it, dimmed"
    );
    assert!(
        !buf[(x - 5, lane_y)].modifier.contains(Modifier::DIM),
        "before it, not"
    );
}

#[test]
fn replay_plays_from_where_it_was_not_from_where_the_clock_got_to() {
    let mut app = app(12, 100);
    app.tick();
    std::thread::sleep(std::time::Duration::from_millis(300));
    app.apply(Action::TogglePause);
    app.tick();
    assert!(
        app.view.playhead.t_ns < 50_000_000,
        "played {} ns at once",
        app.view.playhead.t_ns
    );
}

#[test]
fn scrolling_stops_at_the_last_lane() {
    let mut app = app(12, 100);
    app.resize(100, 24);
    app.view.compact = false;
    app.tick();
    app.apply(Action::FocusNext);
    app.apply(Action::FocusNext); // async: 12 lanes, fewer rows
    for _ in 0..50 {
        app.apply(Action::ScrollDown);
    }
    let text = screen(&mut app, 100, 24);
    assert!(text.contains("task 11│"), "the last lane is shown: {text}");
    app.apply(Action::ScrollUp);
    let up = screen(&mut app, 100, 24);
    assert!(
        !up.contains("task 11│"),
        "one up is one lane up at once: {up}"
    );
}

/// The timing-diagram widget alone: one panel, its lanes, its caption.
#[test]
fn the_diagram_widget_alone() {
    let mut app = app(6, 60);
    app.apply(Action::End);
    let mut terminal = Terminal::new(TestBackend::new(60, 6)).unwrap();
    terminal
        .draw(|f| runwait::ui::render::draw_panel(f, f.area(), &app, 1))
        .unwrap();
    let text = terminal.backend().to_string();
    assert!(
        text.contains("threads (GIL)") && text.contains("thread 3│"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

/// `runwait compare A B`: both traces on one axis, each run of B with A's run at its place
/// dimmed under it, both figures in its title.
#[test]
fn compare_draws_two_traces_on_one_axis() {
    let before = synthetic::io_trace(12);
    let mut after = synthetic::io_trace(12);
    // The same runs, twice as fast.
    for run in &mut after.runs {
        for lane in &mut run.lanes {
            for span in &mut lane.spans {
                span.start_ns /= 2;
                span.end_ns /= 2;
            }
            lane.reindex();
        }
        for end in &mut run.ends {
            end.at_ns /= 2;
        }
        run.start_ns = run.start_ns.map(|t| t / 2);
        run.end_ns = run.end_ns.map(|t| t / 2);
    }
    after.runs[0] = before.runs[0].clone();
    let both = runwait::ingest::saved::beside(before, after);
    assert_eq!(both.runs.len(), 8);
    let mut app = app_of(both, 100);
    app.resize(100, 50);
    insta::assert_snapshot!(screen(&mut app, 100, 50));
}
