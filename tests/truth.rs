//! The screen tells the truth at a glance: threads never run on cores that are not there (CPU
//! waits measured), brief work reads as brief, every wait says what it waits for, verdicts make
//! each lesson's point, and the picture shows every run.

mod common;

use common::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use runwait::present::verdict::verdict;
use runwait::trace::{
    speedup, Lane, LaneKind, Outcome, Point, Reason, Run, RunMeta, Span, State, TaskEnd, Trace,
};

const MS: u64 = 1_000_000;

#[test]
fn free_threads_never_run_on_more_cores_than_there_are() {
    let trace = run("cpu", "threads:5,free-threads:5", |o| {
        o.tasks = Some(10);
        o.size = Some(20_000_000);
    });
    let (gil, free) = (&trace.runs[0], &trace.runs[1]);
    if !runwait::instrument::probe::available() {
        eprintln!("CPU waits are not measured on this system: only checking that it says so");
        assert_eq!(free.meta.cpu_waits_hz, None);
        return;
    }
    let cores = runwait::exec::cores() as u64;
    let s = free.stats();
    assert_eq!(
        s.max_running as u64,
        cores.min(5),
        "five free threads keep every core busy, and no more"
    );
    assert!(
        s.run_ns as f64 <= 1.1 * s.wall_ns as f64 * cores as f64,
        "run {} ns in {} ns of wall on {cores} cores",
        s.run_ns,
        s.wall_ns
    );
    if cores < 5 {
        assert!(
            s.for_reason(Reason::Cpu) > 0,
            "5 threads waited for {cores} cores"
        );
    }
    let g = gil.stats();
    assert!(g.for_reason(Reason::Gil) > 10 * MS, "GIL waits: {g:?}");
    let split: u64 = [Reason::Gil, Reason::Loop, Reason::Cpu]
        .iter()
        .map(|r| g.for_reason(*r))
        .sum();
    assert_eq!(split, g.ready_ns, "ready is GIL, loop or CPU");
    for run in &trace.runs {
        assert_lanes_well_formed(run);
        assert_every_task_done_once(run);
    }
}

/// How blue a row of cells reads: eighths run over eighths shown (blank cells aside).
fn blue_share(row: &str) -> f64 {
    let eighths = |c: char| match c {
        '█' => Some(8),
        '▏' => Some(1),
        '▎' => Some(2),
        '▍' => Some(3),
        '▌' => Some(4),
        '▋' => Some(5),
        '▊' => Some(6),
        '▉' => Some(7),
        ' ' => None,
        _ => Some(0),
    };
    let cells: Vec<u32> = row.chars().filter_map(eighths).collect();
    cells.iter().sum::<u32>() as f64 / (8 * cells.len().max(1)) as f64
}

/// The diagram of the row whose name ends with `name`, after the first `│`.
fn row_of<'a>(text: &'a str, name: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| {
            l.split('│')
                .next()
                .is_some_and(|n| n.trim_end().ends_with(name))
        })
        .unwrap_or_else(|| panic!("no row {name} in\n{text}"));
    line.split_once('│')
        .map_or("", |(_, cells)| cells.trim_end_matches([' ', '"']))
}

#[test]
fn an_io_bound_lane_reads_as_waiting_in_the_text_and_the_ui() {
    let trace = run("io", "sync", |o| {
        o.tasks = Some(30);
        o.latency_ms = Some(30);
    });
    let style = runwait::export::text::Style {
        width: 100,
        color: false,
    };
    let text = runwait::export::text::render(&trace, style);
    let share = blue_share(row_of(&text, "thread 1"));
    assert!(
        share < 0.2,
        "the sync lane is {:.0}% blue:\n{text}",
        share * 100.0
    );
    let mut app = runwait::ui::app::App::replay(trace);
    app.view.color = false;
    app.resize(100, 30);
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal
        .draw(|f| runwait::ui::render::draw(f, &app))
        .unwrap();
    let screen = terminal.backend().to_string();
    let share = blue_share(row_of(&screen, "thread 1"));
    assert!(
        share < 0.2,
        "the sync lane is {:.0}% blue:\n{screen}",
        share * 100.0
    );
}

/// Whether any wait or ready span of the run is for `reason`.
fn waits_for(run: &Run, reason: Reason) -> bool {
    run.spans().any(|(_, s)| s.reason == Some(reason))
}

#[test]
fn a_lock_wait_is_a_lock_wait() {
    // Adds take about what CPython's take: a switch (and a wait for the lock held across it)
    // needs a loop longer than the switch interval.
    let trace = run("race", "threads:4/lock", |o| {
        o.tasks = Some(4);
        o.adds = Some(100_000);
        o.trials = Some(1);
    });
    assert!(waits_for(&trace.runs[0], Reason::Lock));
    assert!(!waits_for(&trace.runs[0], Reason::Io));
}

#[test]
fn queue_waits_timers_and_io_say_so() {
    let burgers = run("burgers", "threads:3", |_| {});
    let queues = waits_for(&burgers.runs[0], Reason::QueueEmpty)
        || waits_for(&burgers.runs[0], Reason::QueueFull);
    assert!(queues, "burgers wait on their queues");
    let chefs = run("chefs", "threads:3", |o| o.tasks = Some(4));
    assert!(
        waits_for(&chefs.runs[0], Reason::Timer),
        "chefs wait on timers"
    );
    let io = run("io", "threads:2", |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(10);
    });
    assert!(waits_for(&io.runs[0], Reason::Io));
}

#[test]
fn a_cold_start_is_a_cold_start_and_marked() {
    let trace = run("coffees", "cloud", |_| {});
    let cloud = &trace.runs[0];
    assert!(waits_for(cloud, Reason::ColdStart));
    // An instance's own waiting (starting up) is a cold start, never a timer.
    assert!(!cloud
        .spans()
        .any(|(_, s)| s.task.is_none() && s.reason == Some(Reason::Timer)));
    let cold_marks = cloud
        .events
        .iter()
        .filter(|e| e.kind == runwait::trace::EventKind::ColdStart)
        .count() as u64;
    assert_eq!(Some(&cold_marks), cloud.lesson.get("cold_starts"));
    // Each instance starts up once: one own-work run before its cold start's load.
    for lane in &cloud.lanes {
        let starts = lane
            .spans
            .windows(2)
            .filter(|w| w[0].task.is_none() && w[1].task.is_none() && w[0].state == w[1].state)
            .count();
        assert_eq!(
            starts,
            0,
            "{}: {:?}",
            runwait::present::words::lane_text(lane),
            &lane.spans[..3.min(lane.spans.len())]
        );
    }
}

/// A finished run of `tasks` tasks on one lane, `wall_ms` long, every task done.
fn finished(executor: &str, label: &str, workers: u32, wall_ms: u64, point: Point) -> Run {
    let mut meta = RunMeta {
        executor: executor.into(),
        label: label.into(),
        workers,
        tasks: 1,
        lane_kind: LaneKind::Thread,
        point,
        ..RunMeta::default()
    };
    runwait::ingest::saved::upgrade(&mut meta);
    let mut run = Run::new(meta);
    run.start_ns = Some(0);
    run.end_ns = Some(wall_ms * MS);
    let mut lane = Lane::new(runwait::trace::LaneId::numbered(
        runwait::trace::LaneKind::Thread,
        0,
    ));
    lane.spans.push(span(State::Run, None, 0, MS));
    lane.spans
        .push(span(State::Wait, Some(Reason::Io), MS, wall_ms * MS));
    lane.reindex();
    run.lanes.push(lane);
    run.ends.push(TaskEnd {
        task: 0,
        lane: 0,
        outcome: Outcome::Done,
        at_ns: wall_ms * MS,
    });
    run
}

fn span(state: State, reason: Option<Reason>, start_ns: u64, end_ns: u64) -> Span {
    Span {
        task: Some(0),
        state,
        reason,
        start_ns,
        end_ns,
    }
}

fn trace_of(runs: Vec<Run>) -> Trace {
    Trace {
        runs,
        ..Trace::new("t")
    }
}

fn verdict_of(trace: &Trace) -> runwait::present::verdict::Verdict {
    verdict(trace, |i| trace.runs.get(i).map(Run::stats))
}

#[test]
fn a_five_percent_difference_is_not_a_win() {
    let p = Point::Speedup;
    let trace = trace_of(vec![
        finished("sync", "sync", 1, 1000, p),
        finished("threads", "threads (GIL)", 5, 500, p),
        finished("async", "async", 1, 476, p),
    ]);
    let x = speedup(&trace, &trace.runs[2]).unwrap() / speedup(&trace, &trace.runs[1]).unwrap();
    assert!((x - 1.05).abs() < 0.01);
    let v = verdict_of(&trace).line;
    assert!(v.contains("about as fast") && !v.contains("wins"), "{v}");
    let trace = trace_of(vec![
        finished("sync", "sync", 1, 1000, p),
        finished("threads", "threads (GIL)", 5, 500, p),
        finished("async", "async", 1, 100, p),
    ]);
    let v = verdict_of(&trace).line;
    assert!(v.contains("async wins (10.0x sync)"), "{v}");
    // Without sync: 5% apart is about as fast, twice as long is not.
    let trace = trace_of(vec![
        finished("threads", "threads (GIL)", 3, 1050, p),
        finished("async", "async", 1, 1000, p),
        finished("process", "process", 2, 2000, p),
    ]);
    let v = verdict_of(&trace).line;
    assert!(v.contains("async and threads (GIL) about as fast"), "{v}");
    assert!(v.contains("process took 2.0x as long"), "{v}");
}

#[test]
fn the_race_verdict_counts_the_lost_updates() {
    let p = Point::LostUpdates;
    let mut runs = vec![
        finished("threads", "threads (GIL, unprotected) × 10", 10, 100, p),
        finished("threads", "threads (GIL, lock) × 10", 10, 120, p),
    ];
    for (run, actual) in runs.iter_mut().zip([163, 1000]) {
        run.lesson.insert("expected".into(), 1000);
        run.lesson.insert("actual".into(), actual);
    }
    let v = verdict_of(&trace_of(runs)).line;
    assert!(
        v.contains("unprotected) × 10 lost 837 of 1000 updates"),
        "{v}"
    );
    assert!(v.contains("lock) × 10 none"), "{v}");
    assert!(!v.contains("finished first"), "{v}");
}

#[test]
fn the_gil_verdict_gives_the_io_threads_wait_after_each_response() {
    let p = Point::GilWait;
    let mut with = finished("threads", "threads (GIL) × 3", 3, 100, p);
    // A CPU thread: it never waits.
    with.lanes[0].spans = vec![span(State::Run, None, 0, 100 * MS)];
    with.lanes[0].reindex();
    let mut io = Lane::new(runwait::trace::LaneId::numbered(
        runwait::trace::LaneKind::Thread,
        2,
    ));
    for k in 0..4u64 {
        let t = k * 20 * MS;
        io.spans.push(span(State::Run, None, t, t + MS));
        io.spans
            .push(span(State::Wait, Some(Reason::Io), t + MS, t + 10 * MS));
        io.spans.push(span(
            State::Ready,
            Some(Reason::Gil),
            t + 10 * MS,
            t + 15 * MS,
        ));
    }
    io.reindex();
    with.lanes.push(io);
    let without = finished("free-threads", "free-threads × 3", 3, 60, p);
    let v = verdict_of(&trace_of(vec![with, without])).line;
    assert!(
        v.contains("the I/O thread waited 5.0 ms for the GIL after each of its 4 responses")
            || v.contains("after each of its 4 responses the I/O thread waited 5.0 ms for the GIL"),
        "{v}"
    );
    assert!(v.contains("free-threads × 3: no GIL to wait for"), "{v}");
}

#[test]
fn the_pool_size_verdict_names_the_best_size() {
    let p = Point::PoolSize;
    let mut runs = vec![finished("sync", "sync", 1, 1000, p)];
    for (n, wall) in [(1, 1000), (5, 210), (10, 105), (50, 100)] {
        runs.push(finished(
            "threads",
            &format!("threads (GIL) × {n}"),
            n,
            wall,
            p,
        ));
    }
    let v = verdict_of(&trace_of(runs.clone()));
    assert!(v.line.contains("10 is enough"), "{}", v.line);
    assert_eq!(v.rows.len(), 4, "a row per size: {:?}", v.rows);
    assert!(v.rows[3].contains("best"), "{:?}", v.rows);
    assert!(
        v.line
            .contains("more, up to 50 (10.0x), are about as fast."),
        "{}",
        v.line
    );
    // A larger size as fast as the best is the one named.
    runs.push(finished("threads", "threads (GIL) × 160", 160, 102, p));
    let v = verdict_of(&trace_of(runs));
    assert!(
        v.line.ends_with("10 is enough (9.5x sync); more, up to 160 (9.8x), are about as fast (best: 50, 10.0x)."),
        "{}",
        v.line
    );
}

#[test]
fn every_run_shows_in_the_picture_drawn_over_its_waits() {
    let trace = run("io", "sync,threads:2", |o| {
        o.tasks = Some(6);
        o.latency_ms = Some(40);
    });
    let picture = runwait::export::svg::render(&trace, 1200);
    let doc = roxmltree::Document::parse(&picture).unwrap();
    let rects: Vec<(usize, roxmltree::Node)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("data-task").is_some())
        .enumerate()
        .collect();
    let num = |n: &roxmltree::Node, a: &str| -> f64 { n.attribute(a).unwrap().parse().unwrap() };
    let runs: Vec<_> = rects
        .iter()
        .filter(|(_, n)| n.attribute("class") == Some("run"))
        .collect();
    assert!(!runs.is_empty());
    for (i, run) in &runs {
        assert!(num(run, "width") >= 1.0, "a run box under a pixel wide");
        let (x, w, y) = (num(run, "x"), num(run, "width"), num(run, "y"));
        // Every wait on the same lane that touches it comes before it.
        for (j, other) in &rects {
            let touches = num(other, "y") == y
                && other.attribute("class") != Some("run")
                && num(other, "x") <= x + w + 1.0
                && num(other, "x") + num(other, "width") + 1.0 >= x;
            assert!(!touches || j < i, "a wait drawn over a run");
        }
    }
}
