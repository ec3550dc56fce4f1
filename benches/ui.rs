//! What drawing one frame of the UI costs.
//!
//! The trace is synthetic (`tests/common/synthetic.rs`, `big_trace`): 4 panels (finished
//! "threads (GIL)" runs) of 200 lanes each, every lane alternating run / wait / ready spans of
//! 1 ms. The app replays it paused, in colour, with the playhead in the middle of the trace, in
//! a 200x60 terminal (its diagram as wide as the lane names leave it). At 60 rows each panel gets about
//! ten lane rows, so compact mode groups 20 lanes a row: every lane of every panel is drawn.
//!
//! Benches, in the group `ui`:
//!
//! - `draw_4x200_100k_fit`: 125 spans a lane (100,000 in all), zoom to fit everything.
//! - `draw_4x200_100k_zoomed`: the same trace, a fixed window a tenth of the recording wide,
//!   centred on the playhead: what the visible window costs.
//! - `draw_4x200_1m_fit`: 1,250 spans a lane (1,000,000 in all), zoom to fit everything.
//! - `draw_4x200_1m_zoomed`: 1,250 spans a lane (1,000,000 in all), a window of the same width
//!   in time, placed so it shows exactly the same picture (same phase of the span pattern):
//!   the same spans are visible, the nine tenths more lie outside the window.
//!
//! - `draw_4x200_1m_pan_fit`, `draw_4x200_1m_pan_zoomed`: the 1m fit and zoomed pictures, the
//!   window moved one column on and back again at every frame, so that no row shows the cells
//!   it showed the frame before: what a frame costs when its cells must be found again (a row
//!   of a finished run keeps the cells it last showed, and a frame over the same window, the
//!   other benches, draws them again).
//!
//! Each `draw_*` is one `Terminal::draw` on ratatui's `TestBackend`: the app's `draw`, then
//! ratatui's diff against the previous frame and the backend's write, as the UI loop does (the
//! picture does not change between iterations, so the diff finds nothing to write; its cost is
//! the comparison of both buffers). Each `render_*` twin measures `draw` alone: the frame's
//! buffer is reset (as ratatui does after every frame) and drawn into, with no diff and no
//! backend.
//!
//! Targets (the issue): a frame of 4 panels x 200 lanes at 200x60 draws in at most 1 ms
//! (median) over 100,000 spans zoomed to fit, and over 1,000,000 spans both zoomed and fit
//! (`draw_4x200_100k_fit`, `draw_4x200_1m_zoomed`, `draw_4x200_1m_fit`); and
//! `draw_4x200_1m_zoomed` is no slower than `draw_4x200_100k_zoomed` (beyond noise): drawing
//! costs what is visible, not what was recorded. A row of several lanes of a finished run is
//! summarized at the first frame that draws it (`RowTotals`; the bench prints what that costs,
//! in time and bytes a span), so a frame costs a look-up at each cell's edge, not a visit to
//! every span or every lane.
//!
//! Run it with `cargo bench --bench ui` (or `-- draw`, `-- zoomed` for some of it). Medians
//! are in `target/criterion/ui/<bench>/new/estimates.json` ("median", nanoseconds).

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use runwait::ui::app::App;
use runwait::ui::playhead::{Window, Zoom};
use runwait::ui::render::draw;
use std::hint::black_box;
use synthetic::big_trace;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
const PANELS: usize = 4;
const LANES: usize = 200;
/// Spans a lane: 100,000 and 1,000,000 spans in all.
const SPANS_100K: usize = 125;
const SPANS_1M: usize = 1_250;
/// The span pattern (run, wait, ready of 1 ms each) repeats every 3 ms.
const PERIOD_NS: u64 = 3_000_000;

/// A replay of `spans_per_lane` spans a lane, paused in the middle, zoomed to fit.
fn app(spans_per_lane: usize) -> App {
    let mut app = App::replay(big_trace(PANELS, LANES, spans_per_lane));
    app.view.color = true;
    app.resize(WIDTH, HEIGHT);
    app.view.playhead.t_ns = app.extent() / 2;
    app
}

/// `app(spans_per_lane)` at its fitting window, held fixed.
fn fit_app(spans_per_lane: usize) -> App {
    let mut app = app(spans_per_lane);
    app.view.zoom = Zoom::Fixed(app.window());
    app
}

/// `app` with a fixed window of `ns_per_col` starting at `from_ns`, the playhead inside it.
fn zoomed(mut app: App, from_ns: u64, ns_per_col: u64) -> App {
    let window = Window {
        from_ns,
        ns_per_col,
    };
    app.view.zoom = Zoom::Fixed(window);
    app.view.playhead.t_ns = from_ns + ns_per_col * app.view.cols as u64 / 2;
    assert_eq!(app.window(), window);
    app
}

/// A case: the app, and the windows its frames take in turn (one: it does not move).
struct Case {
    name: &'static str,
    app: App,
    windows: Vec<Window>,
}

impl Case {
    fn still(name: &'static str, app: App) -> Case {
        let windows = vec![app.window()];
        Case { name, app, windows }
    }

    /// `app`'s window and the one a column on, in turn.
    fn panning(name: &'static str, app: App) -> Case {
        let w = app.window();
        let on = Window {
            from_ns: w.from_ns + w.ns_per_col,
            ..w
        };
        Case {
            name,
            app,
            windows: vec![w, on],
        }
    }

    /// Draw frame `i` on `term`.
    fn frame(&mut self, term: &mut Terminal<TestBackend>, i: usize) -> usize {
        let window = self.windows[i % self.windows.len()];
        self.app.view.zoom = Zoom::Fixed(window);
        let app = &self.app;
        term.draw(|f| draw(f, app)).unwrap().count
    }
}

/// How many spans overlap the window, over every lane of every run.
fn visible_spans(app: &App) -> usize {
    let w = app.window();
    let to = w.to_ns(app.view.cols);
    app.trace()
        .runs
        .iter()
        .flat_map(|r| &r.lanes)
        .map(|l| {
            l.spans
                .iter()
                .filter(|s| s.end_ns > w.from_ns && s.start_ns < to)
                .count()
        })
        .sum()
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap()
}

/// With `UI_CPU=1` (instead of the benches): each case's CPU time a frame, the best of five
/// rounds of 300 frames, read from the kernel's count for this thread (`/proc/thread-self/
/// schedstat`), so that a machine busy with other work slows it less than the clock. A help
/// while working on a busy machine; the benches are the measure.
fn cpu_times(cases: &mut [Case]) {
    for case in cases {
        let mut term = terminal();
        for i in 0..20 {
            case.frame(&mut term, i);
        }
        let n = 300;
        let (mut best, mut wall) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            let (t, clock) = (cpu_now(), std::time::Instant::now());
            for i in 0..n {
                black_box(case.frame(&mut term, i));
            }
            best = best.min((cpu_now() - t) / n as f64);
            wall = wall.min(clock.elapsed().as_secs_f64() / n as f64);
        }
        eprintln!(
            "{}: {:.3} ms cpu a frame ({:.3} ms by the clock)",
            case.name,
            best * 1e3,
            wall * 1e3
        );
    }
}

fn cpu_now() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    let ns: f64 = stat.split_whitespace().next().unwrap().parse().unwrap();
    ns * 1e-9
}

fn bench(c: &mut Criterion) {
    let fit_100k = app(SPANS_100K);
    // A window a tenth of the 100k recording wide, centred on its middle.
    let extent = fit_100k.extent();
    let cols = fit_100k.view.cols as u64;
    let ns_per_col = extent / 10 / cols;
    let from_100k = (extent / 2).saturating_sub(ns_per_col * cols / 2);
    let zoomed_100k = zoomed(app(SPANS_100K), from_100k, ns_per_col);
    // The same width in the middle of the 1m recording, a whole number of periods later, so
    // it shows the same picture.
    let extent_1m = app(SPANS_1M).extent();
    let shift = (extent_1m / 2 - extent / 2) / PERIOD_NS * PERIOD_NS;
    let zoomed_1m = zoomed(app(SPANS_1M), from_100k + shift, ns_per_col);
    let fit_1m = app(SPANS_1M);
    let (seen_100k, seen_1m) = (visible_spans(&zoomed_100k), visible_spans(&zoomed_1m));
    assert_eq!(
        seen_100k, seen_1m,
        "both zoomed benches show the same spans"
    );
    eprintln!(
        "ui: {} cols; fit: 1 col = {} ns; zoomed: 1 col = {ns_per_col} ns, {seen_100k} spans visible",
        fit_100k.view.cols,
        fit_100k.window().ns_per_col
    );

    // What the rows' summaries take (made at the first frame that draws them).
    for (name, app, spans) in [
        ("100k", &fit_100k, PANELS * LANES * SPANS_100K),
        ("1m", &fit_1m, PANELS * LANES * SPANS_1M),
    ] {
        let first = std::time::Instant::now();
        terminal().draw(|f| draw(f, app)).unwrap();
        let first = first.elapsed();
        let bytes = app.session.rows.bytes();
        eprintln!(
            "ui: {name} fit: first frame {first:.1?}; rows' summaries {:.1} MB, {:.1} bytes a span",
            bytes as f64 / 1e6,
            bytes as f64 / spans as f64
        );
    }
    let pan_fit = Case::panning("4x200_1m_pan_fit", fit_app(SPANS_1M));
    let pan_zoomed = Case::panning(
        "4x200_1m_pan_zoomed",
        zoomed(app(SPANS_1M), from_100k + shift, ns_per_col),
    );
    let mut cases = [
        Case::still("4x200_100k_fit", fit_100k),
        Case::still("4x200_100k_zoomed", zoomed_100k),
        Case::still("4x200_1m_zoomed", zoomed_1m),
        Case::still("4x200_1m_fit", fit_1m),
        pan_fit,
        pan_zoomed,
    ];
    if std::env::var_os("UI_CPU").is_some() {
        cpu_times(&mut cases);
        std::process::exit(0);
    }
    let mut group = c.benchmark_group("ui");
    for case in &mut cases {
        let mut term = terminal();
        let mut i = 0;
        group.bench_function(format!("draw_{}", case.name), |b| {
            b.iter(|| {
                i += 1;
                black_box(case.frame(&mut term, i));
            })
        });
        if case.windows.len() > 1 {
            continue;
        }
        let mut term = terminal();
        let app = &case.app;
        group.bench_function(format!("render_{}", case.name), |b| {
            b.iter(|| {
                term.current_buffer_mut().reset();
                let mut frame = term.get_frame();
                draw(&mut frame, app);
                black_box(frame.buffer_mut().area);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
