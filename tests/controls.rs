//! The teacher's controls over the app state, with no terminal: the mouse and playback speed.

#[path = "common/synthetic.rs"]
mod synthetic;

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use runwait::ui::app::App;
use runwait::ui::keys::Action;
use runwait::ui::mouse::gesture;
use runwait::ui::playhead::{Motion, Zoom};
use runwait::ui::render::draw;

/// The screen as a person would read it.
fn screen(app: &App) -> String {
    let (w, h) = app.view.size;
    let backend = ratatui::backend::TestBackend::new(w, h);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    terminal.backend().to_string()
}

fn app() -> App {
    let mut app = App::replay(synthetic::io_trace(12));
    app.view.color = false;
    app.resize(100, 40);
    app.tick();
    app
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    let event = MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    if let Some(g) = gesture(event) {
        app.pointer(g);
    }
}

#[test]
fn a_click_focuses_the_panel_under_it_and_puts_the_playhead_there() {
    let mut app = app();
    let rows: Vec<u16> = (0..40)
        .filter(|&y| app.screen().panel_at(y) == Some(2))
        .collect();
    assert!(!rows.is_empty(), "the async panel is on screen");
    let x = 60;
    mouse(
        &mut app,
        MouseEventKind::Down(MouseButton::Left),
        x,
        rows[1],
    );
    assert_eq!(app.view.focus, 2);
    assert_eq!(app.view.playhead.motion, Motion::Still);
    assert_eq!(Some(app.view.playhead.t_ns), app.time_at(x));
    assert!(app.view.playhead.t_ns > 0);
    // Outside any panel (the header): nothing is focused anew.
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), x, 0);
    assert_eq!(app.view.focus, 2);
}

#[test]
fn the_wheel_zooms_around_the_pointer_and_dragging_pans() {
    let mut app = app();
    let x = 50;
    let t = app.time_at(x).unwrap();
    mouse(&mut app, MouseEventKind::ScrollUp, x, 5);
    // A frame goes by: the view stays where the wheel put it.
    app.tick();
    let extent = app.view_extent();
    assert!((app.view.zoom.factor(extent, app.view.cols) - 2.0).abs() < 0.01);
    let after = app.time_at(x).unwrap();
    let one_col = app.window().ns_per_col;
    assert!(
        after.abs_diff(t) <= one_col,
        "the time under the pointer stays put"
    );
    let from = app.window().from_ns;
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 40, 5);
    mouse(&mut app, MouseEventKind::Drag(MouseButton::Left), 30, 5);
    app.tick();
    assert_eq!(
        app.window().from_ns,
        from + 10 * one_col,
        "dragged left: later times"
    );
    mouse(&mut app, MouseEventKind::Up(MouseButton::Left), 30, 5);
    mouse(&mut app, MouseEventKind::ScrollDown, x, 5);
    mouse(&mut app, MouseEventKind::ScrollDown, x, 5);
    assert_eq!(app.view.zoom, Zoom::Fit, "zoomed back out to everything");
}

#[test]
fn speed_changes_show_in_the_status_and_done_plays_again() {
    let mut app = app();
    app.apply(Action::End);
    app.apply(Action::Slower);
    app.apply(Action::Slower);
    assert_eq!(app.view.playhead.speed(), 0.25);
    assert!(screen(&app).contains("speed 0.25x"), "{}", screen(&app));
    app.apply(Action::Faster);
    app.apply(Action::Faster);
    assert!(
        !screen(&app).contains("speed"),
        "at 1x the status says nothing of speed"
    );
    app.apply(Action::Slower);
    app.apply(Action::Slower);
    app.apply(Action::Start);
    app.apply(Action::TogglePause);
    assert_eq!(
        app.view.playhead.motion,
        Motion::Play,
        "plays from the start, not jumps to the end"
    );
}

#[test]
fn alone_tab_shows_the_next_run_and_a_small_terminal_says_so() {
    let mut app = app();
    let runs = app.visible_panels().len();
    assert!(runs > 1, "the io trace has several runs");
    // A row short of each run's title and its workers' rows (async's tasks in 2).
    app.resize(80, 16);
    let text = screen(&app);
    assert!(
        text.contains(&format!("terminal too small for {runs} runs at once"))
            && text.contains("z shows one"),
        "{text}"
    );
    app.apply(Action::ToggleSolo);
    assert_eq!(app.visible_panels(), [0]);
    app.apply(Action::FocusNext);
    assert_eq!(app.visible_panels(), [1], "tab goes on to the next run");
    assert!(!screen(&app).contains("terminal too small"));
}

#[test]
fn seven_runs_fit_where_every_worker_has_its_row_and_then_the_verdict_is_whole() {
    let mut trace = synthetic::io_trace(12);
    let more: Vec<_> = trace.runs[1..].to_vec();
    trace.runs.extend(more);
    assert_eq!(trace.runs.len(), 7);
    let mut app = App::replay(trace);
    app.view.color = false;
    // 5 rows, and each run its title and each worker a row (2 rows for async's tasks):
    // sync 2, threads (3) 4, async 3, process (2) 3, and the last three again.
    app.resize(80, 26);
    app.tick();
    let text = screen(&app);
    assert!(
        text.contains("terminal too small for 7 runs at once (need 60x27)"),
        "{text}"
    );
    app.resize(80, 28);
    app.tick();
    app.apply(Action::End);
    app.tick();
    let text = screen(&app);
    assert!(!text.contains("too small"), "{text}");
    assert_eq!(text.matches(" · wall ").count(), 7, "{text}");
    let verdict = app.verdict();
    assert!(!verdict.is_empty());
    let rows = text.lines().map(|l| l.trim_matches('"'));
    let flat = rows
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(&verdict), "{verdict}\n{text}");
}
