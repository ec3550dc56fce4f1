//! What a cell shows, read back from the rendered buffer of real lesson runs: the gil lesson's
//! I/O thread shows its waits for the GIL at 1x (not only when zoomed in), a wait cell with a
//! run sliver has the same background as one without, and dimming reaches backgrounds.

mod common;

use common::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use runwait::lab::scenario::SegmentSpec;
use runwait::trace::{Doing, Reason, State, Sums, Trace};
use runwait::ui::app::App;
use runwait::ui::keys::Action;
use runwait::ui::render::draw;

/// The app over `trace` at `width` x `height`, in colour, the playhead at the end (nothing
/// dimmed), drawn.
fn drawn(trace: Trace, width: u16, height: u16) -> (App, Buffer) {
    let mut app = App::replay(trace);
    app.view.color = true;
    app.apply(Action::End);
    let buf = draw_app(&mut app, width, height);
    (app, buf)
}

fn draw_app(app: &mut App, width: u16, height: u16) -> Buffer {
    app.resize(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// The rows whose lane name (left of `│`) contains `name`: each row's diagram cells.
fn rows_named(buf: &Buffer, name: &str) -> Vec<Vec<ratatui::buffer::Cell>> {
    let area = buf.area;
    (0..area.height)
        .filter_map(|y| {
            let line: String = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
            let bar = line.find('│')?;
            let label = &line[..bar];
            if !label.contains(name) {
                return None;
            }
            let x0 = label.chars().count() as u16 + 1;
            Some((x0..area.width).map(|x| buf[(x, y)].clone()).collect())
        })
        .collect()
}

#[test]
fn the_gil_lessons_io_thread_shows_its_waits_for_the_gil_at_1x() {
    let _machine = take_machine();
    let mut lesson = runwait::lab::scenario::find("gil").unwrap();
    lesson.groups[0].segments = vec![SegmentSpec::Cpu {
        n: cpu_for_ms(300),
        step: 0,
        offload: false,
    }];
    // The I/O thread's work on each response as long as a release build takes over it (about
    // 0.2 ms; a debug build computes many times slower).
    for segment in &mut lesson.groups[1].segments {
        if let SegmentSpec::Cpu { n, .. } = segment {
            *n = cpu_for_ms(10) / 50;
        }
    }
    let trace = measured(session(lesson, Some("threads:3"), |_| {}));
    let run = &trace.runs[0];
    let io = run
        .lanes
        .iter()
        .find(|l| l.spans.iter().any(|s| s.task == Some(2)))
        .expect("the I/O thread ran")
        .clone();
    let (app, buf) = drawn(trace.clone(), 120, 40);
    let rows = rows_named(&buf, "I/O");
    assert_eq!(rows.len(), 1, "one I/O thread row");
    // The cells the I/O thread waited in (for I/O), from the trace, as drawn.
    let window = app.window();
    let mut sums = vec![Sums::default(); rows[0].len()];
    let from = run.start_ns.unwrap_or(0) + window.from_ns;
    io.add_sums(from, window.ns_per_col, u64::MAX, &mut sums);
    let io_wait = Doing {
        state: State::Wait,
        reason: Some(Reason::Io),
    };
    let amber = |c: &ratatui::buffer::Cell| c.bg == Color::Yellow || c.fg == Color::Yellow;
    let waited: Vec<usize> = (0..sums.len())
        .filter(|&c| sums[c].ns[io_wait.kind()] > 0)
        .collect();
    let gil = waited.iter().filter(|&&c| amber(&rows[0][c])).count();
    assert!(
        waited.len() >= 10,
        "the I/O thread waits: {} cells",
        waited.len()
    );
    assert!(
        gil * 3 >= waited.len(),
        "the GIL's colour in at least a third of the cells the I/O thread waited in: {gil} of {}",
        waited.len()
    );
}

#[test]
fn a_wait_cell_has_the_same_background_with_or_without_a_run_sliver() {
    let trace = run("io", "threads:4", |o| {
        o.tasks = Some(16);
    });
    let (_, buf) = drawn(trace, 120, 40);
    let rows = rows_named(&buf, "thread");
    assert!(!rows.is_empty());
    // Every cell but the playhead's (reversed).
    let cells: Vec<_> = (rows.iter().flatten())
        .filter(|c| !c.modifier.contains(Modifier::REVERSED))
        .collect();
    let eighths = |c: &&ratatui::buffer::Cell| "▏▎▍▌▋▊▉".contains(c.symbol());
    let sliver: Vec<_> = cells
        .iter()
        .filter(|c| eighths(c) && c.fg == Color::Blue)
        .collect();
    let pure: Vec<_> = cells.iter().filter(|c| c.symbol() == "░").collect();
    assert!(!sliver.is_empty() && !pure.is_empty(), "both kinds of cell");
    let over_red = sliver.iter().filter(|c| c.bg == Color::Red).count();
    assert!(over_red > 0, "slivers over a wait: {sliver:?}");
    for c in sliver.iter().filter(|c| c.bg != Color::Reset) {
        assert_eq!(c.bg, Color::Red, "a sliver over a wait: {c:?}");
    }
    for c in &pure {
        assert_eq!(c.bg, Color::Red, "a pure wait: {c:?}");
        assert_eq!(c.fg, Color::Red, "a pure wait reads as solid: {c:?}");
    }
}

#[test]
fn the_future_past_a_paused_playhead_dims_backgrounds_too() {
    let trace = run("io", "threads:4", |o| {
        o.tasks = Some(16);
    });
    let (mut app, _) = drawn(trace, 120, 40);
    app.apply(Action::Start);
    let buf = draw_app(&mut app, 120, 40);
    let rows = rows_named(&buf, "thread");
    // Past the playhead (column 0, reversed).
    let cells: Vec<_> = rows.iter().flat_map(|r| r.iter().skip(1)).collect();
    let bright = [
        Color::Red,
        Color::Blue,
        Color::Yellow,
        Color::Magenta,
        Color::Cyan,
    ];
    let lit: Vec<_> = cells
        .iter()
        .filter(|c| bright.contains(&c.bg) || bright.contains(&c.fg))
        .collect();
    assert!(
        lit.is_empty(),
        "past the playhead nothing keeps its bright colour, background included: {:?}",
        lit.first()
    );
    assert!(cells
        .iter()
        .any(|c| matches!(c.bg, Color::Indexed(_)) && c.modifier.contains(Modifier::DIM)));
    // The playhead (column 0) shows on every row, a cell of one colour included.
    for row in &rows {
        let c = &row[0];
        assert!(c.modifier.contains(Modifier::REVERSED), "{c:?}");
        assert!(
            c.fg != c.bg || c.symbol() == " ",
            "the playhead shows: {c:?}"
        );
    }
}
