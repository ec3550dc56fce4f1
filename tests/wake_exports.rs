//! Who woke whom outside the live view: wakes kept by the trace file (saved and loaded, bad ones
//! refused), exported as Chrome flow events that follow the Trace Event Format and come back
//! through runwait's Chrome import, drawn as arrows in the SVG, and the hand-off latency in the
//! text and JSON.

mod common;

use common::*;
use runwait::ingest::{self, chrome};
use runwait::trace::{file, Cause, Run, Span, State, Trace, Wake};
use serde_json::Value;

/// A real run (io, two threads) given a wake of every cause between its lanes by hand, those of
/// I/O and timers from the outside, a pipe's arriving 1 µs after it was sent.
fn with_wakes() -> Trace {
    let mut trace = run("io", "threads:2", |o| {
        o.tasks = Some(4);
        o.latency_ms = Some(5);
    });
    let run = &mut trace.runs[0];
    assert_eq!(run.lanes.len(), 2);
    let (t0, t1) = (run.start_ns.unwrap(), run.end_ns.unwrap());
    let n = Cause::ALL.len() as u64 + 1;
    run.wakes = (Cause::ALL.iter().enumerate())
        .map(|(i, &cause)| {
            let at = t0 + (t1 - t0) * (i as u64 + 1) / n;
            let outside = matches!(cause, Cause::IoDone | Cause::Timer);
            Wake {
                from: (!outside).then_some(i as u32 % 2),
                from_ns: at,
                to: (i as u32 + 1) % 2,
                to_ns: at + if cause == Cause::Pipe { 1_000 } else { 0 },
                cause,
            }
        })
        .collect();
    trace
}

#[test]
fn a_trace_with_wakes_saves_and_loads_equal() {
    let trace = with_wakes();
    let text = file::to_json(&trace);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let wakes = doc["trace"]["runs"][0]["wakes"].as_array().unwrap();
    assert_eq!(wakes.len(), Cause::ALL.len());
    assert_eq!(wakes[0]["cause"], "gil-interval");
    let outside = wakes.iter().find(|w| w["cause"] == "io-done").unwrap();
    assert!(outside.get("from").is_none(), "from the outside: no from");
    let back = ingest::from_json(&text, "t.json").unwrap();
    assert_eq!(back.runs[0].wakes, trace.runs[0].wakes);
    assert_eq!(back, trace);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    file::save(&trace, &path).unwrap();
    assert_eq!(ingest::load(&path).unwrap(), trace);
}

/// A change that spoils a wake.
type Spoil<'a> = dyn Fn(&mut Wake) + 'a;

#[test]
fn a_file_whose_wakes_name_lanes_or_times_the_run_lacks_is_refused() {
    let good = with_wakes();
    let t1 = good.runs[0].end_ns.unwrap();
    let cases: [(&Spoil, String); 4] = [
        (
            &|w| w.to = 2,
            "wake 3 (queue-put) names lane 2, and the run has 2 lanes".into(),
        ),
        (
            &|w| w.from = Some(7),
            "wake 3 (queue-put) names lane 7".into(),
        ),
        (&|w| w.to_ns = t1 + 2_000_000, "outside the run".into()),
        (&|w| w.from_ns = t1 + 3_000_000, "outside the run".into()),
    ];
    for (spoil, why) in cases {
        let mut bad = good.clone();
        spoil(&mut bad.runs[0].wakes[3]);
        let e = ingest::from_json(&file::to_json(&bad), "t.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.json: not a runwait trace: run 0 ("), "{e}");
        assert!(e.contains(&why), "{e:?} lacks {why:?}");
        assert!(e.contains("wake 3 (queue-put"), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    // Within the margin of a worker's clock (1 ms) is still inside.
    let mut near = good.clone();
    near.runs[0].wakes[3].to_ns = t1 + 500_000;
    ingest::from_json(&file::to_json(&near), "t.json").expect("within the margin");
}

/// The slices a viewer binds a flow's start and end to: on each one's thread (lane `tid - 1`)
/// the span around its time.
fn bound<'a>(run: &'a Run, s: &Value, f: &Value) -> (Option<&'a Span>, Option<&'a Span>) {
    let around = |e: &Value| {
        let lane = &run.lanes[e["tid"].as_u64().unwrap() as usize - 1];
        let ts = (e["ts"].as_f64().unwrap() * 1e3).round() as u64;
        lane.spans
            .iter()
            .find(|sp| sp.start_ns <= ts && ts < sp.end_ns)
    };
    (around(s), around(f))
}

/// Where Perfetto draws a flow's arrow: from the end of the slice its start is bound to (from
/// its start, if that is not before the other's) to the start of the slice its end is bound to.
fn arrow(begin: &Span, end: &Span) -> (u64, u64) {
    let from = match begin.start_ns >= end.start_ns {
        true => begin.start_ns,
        false => begin.end_ns,
    };
    (from, end.start_ns)
}

/// The events of a Chrome trace, by phase, of runwait's wake category.
fn wake_events<'a>(events: &'a [Value], ph: &str) -> Vec<&'a Value> {
    let cat = chrome::WAKE_CAT;
    events
        .iter()
        .filter(|e| e["ph"] == ph && e["cat"] == cat)
        .collect()
}

#[test]
fn wakes_export_as_chrome_flow_events_and_come_back() {
    let trace = with_wakes();
    let json = runwait::export::chrome::to_json(&trace);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let events = doc["traceEvents"].as_array().unwrap();
    let (starts, ends) = (wake_events(events, "s"), wake_events(events, "f"));
    let outside = wake_events(events, "i");
    let wakes = &trace.runs[0].wakes;
    let from_lanes = wakes.iter().filter(|w| w.from.is_some()).count();
    assert_eq!((starts.len(), ends.len()), (from_lanes, from_lanes));
    assert_eq!(
        outside.len(),
        wakes.len() - from_lanes,
        "from the outside: an instant"
    );
    // The Trace Event Format's flow fields: each start paired with one end by its id, of the
    // same category and name (the cause), on the waker's and the woken's threads.
    let mut ids = std::collections::HashSet::new();
    for (s, f) in starts.iter().zip(&ends) {
        for e in [s, f] {
            for field in ["name", "cat", "id", "pid", "tid", "ts"] {
                assert!(!e[field].is_null(), "{field} in {e}");
            }
            assert!(e["ts"].as_f64().unwrap() >= 0.0);
        }
        assert_eq!(
            (s["id"].clone(), s["name"].clone()),
            (f["id"].clone(), f["name"].clone())
        );
        assert_eq!(f["bp"], "e", "bound to the slice around it");
        assert!(ids.insert(s["id"].as_u64().unwrap()), "one id per wake");
        let w = wakes.iter().find(|w| w.cause.name() == s["name"]).unwrap();
        assert_eq!(s["tid"], w.from.unwrap() + 1);
        assert_eq!(f["tid"], w.to + 1);
        // A viewer binds the end to the slice around its time on the woken lane (these wakes
        // are made up: the waker may have done nothing yet; a real run's are checked below).
        assert!(bound(&trace.runs[0], s, f).1.is_some(), "{f}");
        assert_eq!(s["args"]["from_ns"], w.from_ns);
        assert_eq!(f["args"]["to_ns"], w.to_ns);
    }
    let names: Vec<&str> = (starts.iter().chain(&outside))
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for cause in Cause::ALL {
        assert!(names.contains(&cause.name()), "{}", cause.name());
    }
    let back = chrome::import(&json, "t.json").unwrap();
    assert_eq!(back.skipped, 0, "every event is used");
    assert_eq!(back.runs[0].wakes, *wakes, "every wake, as it was");
    assert_eq!(back, trace);
}

/// Flow events of other tools say two slices are linked, not what made a thread runnable:
/// skipped and counted, never made into wakes.
#[test]
fn others_flow_events_are_skipped_and_counted_not_made_wakes() {
    let json = r#"{"traceEvents": [
        {"ph": "X", "pid": 1, "tid": 1, "name": "post", "ts": 0, "dur": 10},
        {"ph": "X", "pid": 1, "tid": 2, "name": "run", "ts": 20, "dur": 10},
        {"ph": "s", "pid": 1, "tid": 1, "id": 1, "cat": "toplevel", "name": "task", "ts": 5},
        {"ph": "f", "bp": "e", "pid": 1, "tid": 2, "id": 1, "cat": "toplevel", "name": "task", "ts": 25}
    ]}"#;
    let trace = chrome::import(json, "other.json").unwrap();
    assert!(trace.runs[0].wakes.is_empty());
    assert_eq!(trace.skipped, 2);
}

/// A number attribute of an SVG element.
fn num(n: &roxmltree::Node, name: &str) -> f64 {
    n.attribute(name).unwrap().parse().unwrap()
}

#[test]
fn the_svg_draws_each_wake_as_an_arrow_in_its_causes_colour_onto_the_woken_row() {
    let mut trace = with_wakes();
    let drawn = trace.runs[0].wakes.len();
    // A wake of a lane the run does not have (never in a checked file) is not drawn.
    let mut stray = trace.runs[0].wakes[0];
    stray.to = 9;
    trace.runs[0].wakes.push(stray);
    let picture = runwait::export::svg::render(&trace, 1200);
    let doc = roxmltree::Document::parse(&picture).expect("well-formed XML");
    let arrows: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("wake"))
        .collect();
    assert_eq!(arrows.len(), drawn, "one arrow per wake of a lane drawn");
    // Every row's top and bottom edge.
    let edges: Vec<f64> = doc
        .descendants()
        .filter(|n| ["run", "wait", "ready"].contains(&n.attribute("class").unwrap_or("")))
        .flat_map(|n| [num(&n, "y"), num(&n, "y") + num(&n, "height")])
        .collect();
    for (arrow, wake) in arrows.iter().zip(&trace.runs[0].wakes) {
        assert_eq!(arrow.attribute("data-cause"), Some(wake.cause.name()));
        let line = (arrow.children())
            .find(|n| n.has_tag_name("line") && n.attribute("class").is_none())
            .unwrap();
        let colour = runwait::present::wake::hex(wake.cause);
        assert_eq!(line.attribute("stroke"), Some(colour));
        let (x1, y1, x2, y2) = (
            num(&line, "x1"),
            num(&line, "y1"),
            num(&line, "x2"),
            num(&line, "y2"),
        );
        let mid = |e: &f64| wake.from.is_none() && (e + 7.0 - y2).abs() < 0.05;
        let on_edge = |e: &f64| (e - y2).abs() < 0.05;
        assert!(
            edges.iter().any(|e| on_edge(e) || mid(e)),
            "the head on a row: {y2}"
        );
        assert_eq!(arrow.attribute("data-count"), Some("1"));
        // Its head: a triangle of the same colour whose tip is the line's end.
        let head = arrow
            .children()
            .find(|n| n.has_tag_name("polygon"))
            .unwrap();
        assert_eq!(head.attribute("fill"), Some(colour));
        let tip: Vec<f64> = head
            .attribute("points")
            .unwrap()
            .split([' ', ','])
            .take(2)
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(
            (tip[0] - x2).abs() < 0.05 && (tip[1] - y2).abs() < 0.05,
            "{tip:?}"
        );
        match wake.from {
            // From the outside: short, straight down from the gap above into the row.
            None => {
                assert_eq!(arrow.attribute("data-from"), Some("outside"));
                assert!(x1 == x2 && y2 > y1 && y2 - y1 <= 12.0, "{y1} {y2}");
            }
            // From the waker's row, at the hand-off, to the woken row when it was made runnable.
            Some(from) => {
                assert_eq!(
                    arrow.attribute("data-from"),
                    Some(from.to_string().as_str())
                );
                let middle = |e: &f64| (e + 7.0 - y1).abs() < 0.05;
                assert!(edges.iter().any(middle), "from a row's middle: {y1}");
                assert!(x2 >= x1 && (y2 - y1).abs() >= 4.0, "{x1},{y1} to {x2},{y2}");
            }
        }
    }
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"arrows: who woke whom, at the hand-off"),
        "{texts:?}"
    );
    assert!(texts.contains(&"→ GIL after interval"), "{texts:?}");
}

/// The gil lesson as it runs under the emulated GIL, its CPU threads' work about `ms` each in
/// this build.
fn gil_trace(ms: u64) -> Trace {
    let mut scenario = runwait::lab::scenario::find("gil").unwrap();
    scenario.groups[0].segments = vec![runwait::lab::scenario::SegmentSpec::Cpu {
        n: cpu_for_ms(ms),
        step: 0,
        offload: false,
    }];
    measured(session(scenario, Some("threads:3"), |o| {
        o.latency_ms = Some(5)
    }))
}

/// The issue's test: `runwait export T.json --chrome` of a real gil run, imported by runwait's
/// own Chrome import, keeps every edge; and every GIL hand-off is a flow start and end.
#[test]
fn a_real_gil_runs_chrome_export_keeps_every_wake() {
    let trace = {
        let _machine = take_machine();
        gil_trace(150)
    };
    let wakes = &trace.runs[0].wakes;
    let handed = |c: Cause| wakes.iter().filter(|w| w.cause == c).count();
    assert!(
        handed(Cause::GilInterval) >= 5 && handed(Cause::GilReleased) >= 5,
        "the GIL handed over at intervals and let go for I/O: {wakes:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (saved, out) = (dir.path().join("t.json"), dir.path().join("c.json"));
    file::save(&trace, &saved).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args([
            "export",
            saved.to_str().unwrap(),
            "--chrome",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let events = doc["traceEvents"].as_array().unwrap();
    let from_lanes = wakes.iter().filter(|w| w.from.is_some()).count();
    let (starts, ends) = (wake_events(events, "s"), wake_events(events, "f"));
    assert_eq!((starts.len(), ends.len()), (from_lanes, from_lanes));
    // Perfetto's arrows: from where the GIL's holder let go (the end of its run through the
    // hand-over, else of its last span ended by it: its taker stamps the hand-over once it has
    // the GIL, later on a busy machine) to where its taker's state changed, within 1 ms of it.
    let with_lanes = wakes.iter().filter(|w| w.from.is_some());
    for ((s, f), w) in starts.iter().zip(&ends).zip(with_lanes) {
        let (Some(begin), Some(end)) = bound(&trace.runs[0], s, f) else {
            panic!("{s} or {f} bound to no slice");
        };
        let (from, to) = arrow(begin, end);
        let waker = &trace.runs[0].lanes[w.from.unwrap() as usize].spans;
        let at = w.from_ns;
        let running = |s: &&Span| s.state == State::Run && s.start_ns <= at && at < s.end_ns;
        let let_go = (waker.iter().find(running))
            .or_else(|| waker.iter().rev().find(|s| s.end_ns <= at))
            .unwrap();
        assert_eq!((begin, from), (let_go, let_go.end_ns), "{w:?}");
        assert!(to.abs_diff(w.to_ns) < 1_000_000, "{to} {w:?}");
    }
    let back = ingest::load(&out).unwrap();
    assert_eq!(back.runs[0].wakes, *wakes, "every edge, as recorded");
    assert_eq!(back, ingest::load(&saved).unwrap());
}

/// A gil run by hand, in ms: the CPU thread (lane 0) runs throughout; the I/O thread (lane 1)
/// waits for a response (1-10, 14-20), is ready for the GIL 3 ms and 5 ms after them and runs
/// when the CPU thread lets it go. Its responses' wakes come from the outside.
fn gil_by_hand(wakes: bool) -> Trace {
    use runwait::trace::{Lane, LaneId, LaneKind, Point, Reason, RunMeta};
    let ms = 1_000_000;
    let span = |state, reason, a: u64, b: u64| Span {
        task: Some(0),
        state,
        reason,
        start_ns: a * ms,
        end_ns: b * ms,
    };
    let (run_, wait, ready) = (State::Run, State::Wait, State::Ready);
    let (io, gil) = (Some(Reason::Io), Some(Reason::Gil));
    let mut run = Run::new(RunMeta {
        executor: "threads".into(),
        label: "threads (GIL)".into(),
        gil: true,
        tasks: 2,
        point: Point::GilWait,
        ..RunMeta::default()
    });
    run.start_ns = Some(0);
    run.end_ns = Some(30 * ms);
    let cpu = [span(run_, None, 0, 30)];
    let io_spans = [
        span(run_, None, 0, 1),
        span(wait, io, 1, 10),
        span(ready, gil, 10, 13),
        span(run_, None, 13, 14),
        span(wait, io, 14, 20),
        span(ready, gil, 20, 25),
        span(run_, None, 25, 26),
    ];
    for (n, spans) in [(0, &cpu[..]), (1, &io_spans[..])] {
        let mut lane = Lane::new(LaneId::numbered(LaneKind::Thread, n));
        spans.iter().for_each(|&s| lane.push(s));
        run.lanes.push(lane);
    }
    let wake = |from, at: u64, cause| Wake {
        from,
        from_ns: at * ms,
        to: 1,
        to_ns: at * ms,
        cause,
    };
    if wakes {
        run.wakes = vec![
            wake(None, 10, Cause::IoDone),
            wake(Some(0), 13, Cause::GilReleased),
            wake(None, 20, Cause::IoDone),
            wake(Some(0), 25, Cause::GilReleased),
        ];
    }
    Trace {
        scenario: "gil".into(),
        runs: vec![run],
        ..Trace::default()
    }
}

#[test]
fn the_io_threads_wait_for_the_gil_is_its_responses_handoff_latency() {
    let trace = gil_by_hand(true);
    let stats = |i: usize| trace.runs.get(i).map(Run::stats);
    let verdict = runwait::present::verdict::verdict(&trace, stats).line;
    assert_eq!(
        verdict,
        "threads (GIL): after each of its 2 responses the I/O thread waited 4.0 ms for the GIL (longest 5.0 ms from the response to running)."
    );
    // The text: a row per lane woken and cause.
    let style = runwait::export::text::Style {
        width: 100,
        color: false,
    };
    let text = runwait::export::text::render(&trace, style);
    assert!(text.contains("Hand-offs (who woke whom): from being made runnable to running"));
    let row = |by: &str| {
        text.lines()
            .find(|l| l.contains(by))
            .unwrap_or("")
            .to_string()
    };
    let io = row("I/O done");
    let words: Vec<&str> = io.split_whitespace().collect();
    assert!(words.ends_with(&["2", "4.0", "ms", "5.0", "ms"]), "{io}");
    let gil = row("GIL let go");
    let words: Vec<&str> = gil.split_whitespace().collect();
    assert!(words.ends_with(&["2", "0.0", "ms", "0.0", "ms"]), "{gil}");
    // The JSON: per run, per lane and cause.
    let json: Value = serde_json::from_str(&runwait::export::json::to_string(&trace)).unwrap();
    let handoffs = json["runs"][0]["handoffs"].as_array().unwrap();
    let io = handoffs.iter().find(|h| h["cause"] == "io-done").unwrap();
    assert_eq!(
        (io["lane"].clone(), io["count"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(
        (io["mean_ms"].as_f64(), io["max_ms"].as_f64()),
        (Some(4.0), Some(5.0))
    );
    assert_eq!(handoffs.len(), 2);
}

/// A trace without wakes (a file from before them) keeps the verdict's figures from the spans,
/// and has no hand-offs in the text or JSON.
#[test]
fn without_wakes_the_verdict_keeps_its_figures_from_the_spans() {
    let trace = gil_by_hand(false);
    let stats = |i: usize| trace.runs.get(i).map(Run::stats);
    let verdict = runwait::present::verdict::verdict(&trace, stats).line;
    assert_eq!(
        verdict,
        "threads (GIL): after each of its 2 responses the I/O thread waited 4.0 ms for the GIL."
    );
    let style = runwait::export::text::Style {
        width: 100,
        color: false,
    };
    assert!(!runwait::export::text::render(&trace, style).contains("Hand-offs"));
    let json: Value = serde_json::from_str(&runwait::export::json::to_string(&trace)).unwrap();
    assert!(json["runs"][0].get("handoffs").is_none());
}

/// Hand-offs closer than the picture can tell apart (a GIL lesson has thousands) are drawn as
/// one arrow with their count, not over each other.
#[test]
fn the_svg_counts_arrows_closer_than_it_can_draw() {
    let mut trace = with_wakes();
    let before = trace.runs[0].wakes.len();
    let at = trace.runs[0].start_ns.unwrap() + 1_000;
    trace.runs[0].wakes.extend((0..50).map(|i| Wake {
        from: Some(0),
        from_ns: at + i,
        to: 1,
        to_ns: at + i,
        cause: Cause::LockReleased,
    }));
    let picture = runwait::export::svg::render(&trace, 1200);
    let doc = roxmltree::Document::parse(&picture).unwrap();
    let arrows: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("wake"))
        .collect();
    assert_eq!(arrows.len(), before + 1);
    let counts: u32 = (arrows.iter())
        .map(|a| a.attribute("data-count").unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(counts as usize, before + 50, "every wake counted once");
    assert!(arrows
        .iter()
        .any(|a| a.attribute("data-count") == Some("50")));
}

/// Where the I/O thread also waited for a CPU after its responses (a busy machine), the
/// verdict says that apart: the GIL's wait is the GIL's alone (as the question's figure, and as
/// a run without the GIL is measured).
#[test]
fn the_gil_verdict_says_what_of_the_handoff_was_a_wait_for_a_cpu() {
    let mut trace = gil_by_hand(true);
    let ms = 1_000_000;
    let lane = &mut trace.runs[0].lanes[1];
    for at in [2, 6] {
        // Ready for a CPU the first 2 ms after the response, then for the GIL.
        let gil = lane.spans[at];
        let mut cpu = gil;
        (cpu.reason, cpu.end_ns) = (Some(runwait::trace::Reason::Cpu), gil.start_ns + 2 * ms);
        lane.spans[at].start_ns = cpu.end_ns;
        lane.spans.insert(at, cpu);
    }
    lane.reindex();
    let stats = |i: usize| trace.runs.get(i).map(Run::stats);
    let verdict = runwait::present::verdict::verdict(&trace, stats).line;
    assert_eq!(
        verdict,
        "threads (GIL): after each of its 2 responses the I/O thread waited 2.0 ms for the GIL and 2.0 ms for a CPU (longest 5.0 ms from the response to running)."
    );
    // The question's figure is the verdict's: the GIL's wait alone.
    let any = vec![runwait::trace::Answer::new("any", 0.0, f64::INFINITY)];
    let q = runwait::trace::Question::new(Some(0), "Wait?", runwait::trace::Figure::GilWaitMs, any);
    assert_eq!(q.measured(&trace), Some(2.0));
}
