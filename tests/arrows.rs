//! Who woke whom on screen (`a`), read back from the rendered buffer at 120x40: the gil lesson
//! (a real run, small), zoomed to 1 ms a column, draws arrows from the CPU threads to the I/O
//! thread in the column of each hand-off; at 1x, wakes that share a column are counted, never
//! drawn over each other; the caption names the wake at the playhead; `]` / `[` follow the
//! arrows.

mod common;

use common::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;
use runwait::lab::scenario::SegmentSpec;
use runwait::present::glyph::undim;
use runwait::present::words::lane_name;
use runwait::trace::{Cause, Lane, LaneId, LaneKind, Run, RunMeta, Span, State, Trace, Wake};
use runwait::ui::app::App;
use runwait::ui::keys::Action;
use runwait::ui::playhead::{Window, Zoom};
use runwait::ui::render::draw;

const MS: u64 = 1_000_000;
const HEADS: &str = "▼▲◆";
const COUNTS: &str = "23456789+";

fn draw_app(app: &mut App, width: u16, height: u16) -> Buffer {
    app.resize(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// The first panel's rows (run 0's): for each of its lanes, the diagram's cells of the row
/// named as the lane is (the first such row on screen).
fn lane_rows(buf: &Buffer, run: &Run) -> Vec<Vec<ratatui::buffer::Cell>> {
    let w = buf.area.width;
    let line = |y: u16| -> String { (0..w).map(|x| buf[(x, y)].symbol()).collect() };
    run.lanes
        .iter()
        .map(|lane| {
            let name = lane_name(run, lane);
            let y = (0..buf.area.height)
                .find(|&y| line(y).split('│').next().map(str::trim) == Some(name.as_str()))
                .unwrap_or_else(|| panic!("no row named {name}"));
            let x0 = line(y).split('│').next().unwrap().chars().count() as u16 + 1;
            (x0..w).map(|x| buf[(x, y)].clone()).collect()
        })
        .collect()
}

fn glyph(cell: &ratatui::buffer::Cell) -> char {
    cell.symbol().chars().next().unwrap_or(' ')
}

/// The gil lesson, small: its CPU threads' work about 150 ms each, 5 ms responses.
fn gil() -> Trace {
    let _machine = take_machine();
    let mut scenario = runwait::lab::scenario::find("gil").unwrap();
    scenario.groups[0].segments = vec![SegmentSpec::Cpu {
        n: cpu_for_ms(150),
        step: 0,
        offload: false,
    }];
    measured(session(scenario, Some("threads:3"), |o| {
        o.latency_ms = Some(5)
    }))
}

/// The lane that ran task `task`.
fn lane_of_task(run: &Run, task: u32) -> u32 {
    let ran = |l: &Lane| l.spans.iter().any(|s| s.task == Some(task));
    run.lanes.iter().position(ran).expect("the task ran") as u32
}

fn column(run: &Run, window: Window, at_ns: u64) -> Option<usize> {
    let t = at_ns.checked_sub(run.start_ns? + window.from_ns)?;
    Some((t / window.ns_per_col) as usize)
}

#[test]
fn gil_zoomed_to_1_ms_draws_arrows_from_the_cpu_threads_to_the_io_thread_and_counts_at_1x() {
    let trace = gil();
    let run = trace.runs[0].clone();
    assert!(run.meta.gil && !run.wakes.is_empty());
    let io = lane_of_task(&run, 2);
    let mut app = App::replay(trace);
    app.view.color = true;
    app.apply(Action::End);
    app.apply(Action::ToggleArrows);
    zoomed_to_1_ms(&mut app, &run, io);
    app.apply(Action::Fit);
    app.apply(Action::End);
    counted_at_1x(&mut app, &run);
}

/// At 1 ms a column around the CPU threads' hand-offs to the I/O thread: each drawn in its
/// column, a head on the I/O thread's row and the line from the CPU thread's row; the caption
/// at a hand-off names it.
fn zoomed_to_1_ms(app: &mut App, run: &Run, io: u32) {
    let start = run.start_ns.unwrap();
    let from_cpu = |w: &&Wake| {
        w.to == io
            && w.from.is_some_and(|f| f != io)
            && matches!(w.cause, Cause::GilInterval | Cause::GilReleased)
    };
    let handoffs: Vec<Wake> = run.wakes.iter().filter(from_cpu).copied().collect();
    assert!(
        handoffs.len() >= 3,
        "hand-offs to the I/O thread: {handoffs:?}"
    );
    let first = handoffs[handoffs.len() / 2];
    let t = first.to_ns - start;
    let window = Window {
        from_ns: t.saturating_sub(20 * MS),
        ns_per_col: MS,
    };
    app.view.zoom = Zoom::Fixed(window);
    app.view.playhead.jump(t, app.extent());
    let buf = draw_app(app, 120, 40);
    let rows = lane_rows(&buf, run);
    let mut whole = 0;
    for w in handoffs
        .iter()
        .filter(|w| column(run, window, w.to_ns).is_some_and(|c| c < 100))
    {
        let c = column(run, window, w.to_ns).unwrap();
        let (head, tail) = (&rows[io as usize][c], &rows[w.from.unwrap() as usize][c]);
        assert!(
            HEADS.contains(glyph(head)) || COUNTS.contains(glyph(head)),
            "a head on the I/O thread at column {c}: {head:?}"
        );
        let from_row = "┬┴┼".chars().chain(HEADS.chars()).chain(COUNTS.chars());
        assert!(
            from_row.clone().any(|g| g == glyph(tail)),
            "the line leaves the CPU thread at column {c}: {tail:?}"
        );
        if "▼▲".contains(glyph(head)) && "┬┴".contains(glyph(tail)) {
            // Past the playhead, dimmed.
            assert_eq!(undim(head.fg), Color::Yellow, "the GIL's colour: {head:?}");
            whole += 1;
        }
    }
    assert!(whole >= 1, "at least one hand-off drawn whole, tee to head");
    let text: String = (0..40)
        .map(|y| (0..120).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect();
    let io_name = lane_name(run, &run.lanes[io as usize]);
    let caption = text.lines().find(|l| l.starts_with("  t = ")).unwrap_or("");
    assert!(
        caption.contains(&format!("GIL to {io_name}"))
            || caption.contains(&format!("{io_name} took it")),
        "the caption names the hand-off at the playhead:\n{text}"
    );
    assert!(caption.contains("it had waited"), "{caption}");
    assert!(text.contains("GIL after interval"), "the legend:\n{text}");
}

/// At 1x: each cell of a lane's row into which wakes fell shows how many (a head for one, a
/// digit or `+` for more), as the trace has them; and some cells count several.
fn counted_at_1x(app: &mut App, run: &Run) {
    let buf = draw_app(app, 120, 40);
    let rows = lane_rows(&buf, run);
    let window = app.window();
    let cols = rows[0].len();
    let mut count = vec![vec![0u32; cols]; rows.len()];
    for w in &run.wakes {
        let Some(c) = column(run, window, w.to_ns).filter(|&c| c < cols) else {
            continue;
        };
        if w.from != Some(w.to) {
            count[w.to as usize][c] += 1;
        }
    }
    let mut several = 0;
    for (lane, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (n, g) = (count[lane][c], glyph(cell));
            match n {
                0 => assert!(!HEADS.contains(g) && !COUNTS.contains(g), "{lane} {c}: {g}"),
                1 => assert!(HEADS.contains(g), "lane {lane} column {c}: one wake, {g}"),
                2..=9 => assert_eq!(g, char::from_digit(n, 10).unwrap(), "{lane} {c}"),
                _ => assert_eq!(g, '+', "lane {lane} column {c}: {n} wakes"),
            }
            several += usize::from(n >= 2);
        }
    }
    assert!(
        several > 0,
        "at 1x some column holds several wakes of a lane"
    );
}

fn span(state: State, start: u64, end: u64) -> Span {
    Span {
        task: Some(0),
        state,
        reason: None,
        start_ns: start * MS,
        end_ns: end * MS,
    }
}

/// Three threads handing a token round: 0 -> 1 at 10 ms, 1 -> 2 at 20, 2 -> 0 at 30, and a
/// response for 1 at 25.
fn round() -> Trace {
    let mut run = Run::new(RunMeta {
        label: "threads".into(),
        workers: 3,
        tasks: 3,
        ..RunMeta::default()
    });
    run.start_ns = Some(0);
    run.end_ns = Some(40 * MS);
    for l in 0..3 {
        let mut lane = Lane::new(LaneId::numbered(LaneKind::Thread, l));
        lane.push(span(State::Wait, 0, 10 * (l as u64 + 1)));
        lane.push(span(State::Run, 10 * (l as u64 + 1), 40));
        run.lanes.push(lane);
    }
    let wake = |from, to, at: u64, cause| Wake {
        from,
        from_ns: at * MS,
        to,
        to_ns: at * MS,
        cause,
    };
    run.wakes = vec![
        wake(Some(0), 1, 10, Cause::LockReleased),
        wake(Some(1), 2, 20, Cause::LockReleased),
        wake(None, 1, 25, Cause::IoDone),
        wake(Some(2), 0, 30, Cause::LockReleased),
    ];
    let mut trace = Trace::new("round");
    trace.runs.push(run);
    trace
}

#[test]
fn brackets_follow_the_arrows_and_say_each_hand_off() {
    let mut app = App::replay(round());
    app.resize(120, 40);
    app.apply(Action::ToggleArrows);
    let mut seen = Vec::new();
    for _ in 0..4 {
        app.apply(Action::NextEvent);
        let note = app.view.note.clone().map(|n| n.text).unwrap_or_default();
        seen.push((app.view.playhead.t_ns / MS, note));
    }
    assert_eq!(seen[0].0, 10);
    assert!(
        seen[0]
            .1
            .contains("thread 1 released the lock and thread 2 took it"),
        "{seen:?}"
    );
    assert_eq!(seen[1].0, 20, "thread 2's hand-off next, not the response");
    assert_eq!(seen[2].0, 30);
    assert!(
        seen[3].1.contains("no hand-off from thread 1 after this"),
        "{seen:?}"
    );
    // Back along the arrow into thread 1 (from thread 3), then into thread 3 (from thread 2).
    app.apply(Action::PrevEvent);
    assert_eq!(
        app.view.playhead.t_ns,
        30 * MS,
        "the arrow at the playhead first"
    );
    app.apply(Action::PrevEvent);
    assert_eq!(app.view.playhead.t_ns, 20 * MS);
    // Arrows off: ] steps through state changes again.
    app.apply(Action::ToggleArrows);
    app.apply(Action::NextEvent);
    assert!(app.view.note.clone().unwrap().text.contains("runs"));
    let text = {
        let buf = draw_app(&mut app, 120, 40);
        (0..40)
            .map(|y| (0..120).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        !text.contains("lock released"),
        "no arrows' legend when off:\n{text}"
    );
}

#[test]
fn a_click_on_a_lanes_row_follows_it() {
    let mut app = App::replay(round());
    app.apply(Action::ToggleArrows);
    app.apply(Action::End);
    let buf = draw_app(&mut app, 120, 40);
    let row_of = |name: &str| {
        (0..40u16)
            .find(|&y| {
                let line: String = (0..120).map(|x| buf[(x, y)].symbol()).collect();
                line.split('│').next().map(str::trim) == Some(name)
            })
            .unwrap()
    };
    let y = row_of("thread 3");
    app.pointer(runwait::ui::mouse::Pointer::Click { x: 2, y });
    assert_eq!(app.view.follow.map(|f| f.lane), Some(2));
    // Who woke thread 3: thread 2, at 20 ms.
    app.apply(Action::PrevEvent);
    assert_eq!(app.view.playhead.t_ns, 20 * MS);
    assert_eq!(app.view.follow.map(|f| f.lane), Some(1));
    let buf = draw_app(&mut app, 120, 40);
    let name = buf[(2, row_of("thread 2"))].modifier;
    assert!(
        name.contains(ratatui::style::Modifier::REVERSED),
        "the lane followed, marked"
    );
}
