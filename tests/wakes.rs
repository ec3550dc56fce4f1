//! Who woke whom, over real runs of the lessons: every hand-off the executors and queues
//! recorded through the Layer (`Run::wakes`), checked against the spans they end. The lessons
//! are made small (seconds each); each test holds the machine while it runs.

mod common;

use common::*;
use runwait::lab::scenario::SegmentSpec;
use runwait::trace::{Cause, Lane, Reason, Run, Span, State, Wake};

/// How far a wake's stamp may be from the end of the span it ends: the woken thread stamps
/// the wake, then marks its next state (a few µs apart, unless the OS takes its CPU away).
const TOLERANCE_NS: u64 = 1_000_000;

/// The lane that ran task `task`, and its number.
fn lane_of_task(run: &Run, task: u32) -> (u32, &Lane) {
    let (i, lane) = (run.lanes.iter().enumerate())
        .find(|(_, l)| l.spans.iter().any(|s| s.task == Some(task)))
        .unwrap_or_else(|| panic!("{}: no lane ran task {task}", run.meta.label));
    (i as u32, lane)
}

/// The spans of `lane` in `state` for `reason`.
fn spans(lane: &Lane, state: State, reason: Reason) -> Vec<Span> {
    let of = |s: &&Span| s.state == state && s.reason == Some(reason);
    lane.spans.iter().filter(of).copied().collect()
}

/// The wake of `cause` to lane `to` that ends `span` (stamped within [`TOLERANCE_NS`] of its
/// end), if there is one.
fn wake_ending<'a>(run: &'a Run, to: u32, span: &Span, cause: &[Cause]) -> Option<&'a Wake> {
    let near = |w: &&Wake| w.to_ns.abs_diff(span.end_ns) <= TOLERANCE_NS;
    (run.wakes.iter())
        .filter(|w| w.to == to && cause.contains(&w.cause))
        .filter(near)
        .min_by_key(|w| w.to_ns.abs_diff(span.end_ns))
}

/// Whether lane `from` held the GIL during `span` and let it go before `at`: its last
/// stretch on the GIL (running, or kept off a CPU by the OS) before `at` ended within `span`.
fn held_the_gil(run: &Run, from: u32, span: &Span, at: u64) -> bool {
    let on_gil = |s: &&Span| s.state == State::Run || s.reason == Some(Reason::Cpu);
    // Its last stretch begun before the hand-off (what came after it, its own next turn, is
    // not the holding that ended in this one).
    let last = (run.lanes[from as usize].spans.iter())
        .rev()
        .filter(on_gil)
        .find(|s| s.start_ns <= at);
    last.is_some_and(|s| s.end_ns + TOLERANCE_NS >= span.start_ns && s.start_ns < span.end_ns)
}

/// The gil lesson, its CPU threads' work about `ms` each in this build.
fn gil_run(ms: u64) -> runwait::trace::Trace {
    let mut scenario = runwait::lab::scenario::find("gil").unwrap();
    scenario.groups[0].segments = vec![SegmentSpec::Cpu {
        n: cpu_for_ms(ms),
        step: 0,
        offload: false,
    }];
    measured(session(scenario, Some("threads:3"), |o| {
        o.latency_ms = Some(5)
    }))
}

#[test]
fn gil_every_wait_of_the_io_thread_for_the_gil_ends_at_a_hand_off_from_its_holder() {
    let _machine = take_machine();
    let trace = gil_run(250);
    let run = &trace.runs[0];
    assert!(run.meta.gil);
    assert_eq!(trace.dropped, 0);
    let (io, lane) = lane_of_task(run, 2);
    let ready = spans(lane, State::Ready, Reason::Gil);
    assert!(
        ready.len() >= 2,
        "the I/O thread waited for the GIL {} times",
        ready.len()
    );
    let gil = [Cause::GilInterval, Cause::GilReleased];
    for span in &ready {
        let wake = wake_ending(run, io, span, &gil)
            .unwrap_or_else(|| panic!("no hand-off ends {span:?}: {:?}", run.wakes));
        let from = wake.from.expect("a GIL hand-off comes from a thread");
        assert_ne!(from, io, "{wake:?}");
        assert!(
            held_the_gil(run, from, span, wake.to_ns),
            "lane {from} did not hold the GIL during {span:?} ({wake:?})"
        );
    }
    // The CPU threads' forced switches are hand-offs too, after their interval: every wait
    // for the GIL, of any thread, ends at one.
    for (to, lane) in run.lanes.iter().enumerate() {
        for span in spans(lane, State::Ready, Reason::Gil) {
            let wake = wake_ending(run, to as u32, &span, &gil);
            assert!(wake.is_some_and(|w| w.from != Some(to as u32)), "{span:?}");
        }
    }
    let forced = (run.wakes.iter()).filter(|w| w.cause == Cause::GilInterval);
    assert!(forced.count() >= 5);
}

/// Every wait of `lane` (task `task`'s) for `reason` ends at a wake of `cause` from the lane
/// that ran task `from`; returns how many there were.
fn waits_end_at_wakes_from(
    run: &Run,
    (task, reason): (u32, Reason),
    cause: Cause,
    from: u32,
) -> usize {
    let (to, lane) = lane_of_task(run, task);
    let (from, _) = lane_of_task(run, from);
    let waits = spans(lane, State::Wait, reason);
    for span in &waits {
        let wake = wake_ending(run, to, span, &[cause]).unwrap_or_else(|| {
            panic!(
                "{}: no {cause:?} ends {span:?}: {:?}",
                run.meta.label, run.wakes
            )
        });
        assert_eq!(wake.from, Some(from), "{}: {wake:?}", run.meta.label);
    }
    waits.len()
}

#[test]
fn burgers_every_put_that_ended_a_waiting_get_is_a_wake_to_the_getter() {
    let _machine = take_machine();
    let mut lesson = runwait::lab::scenario::find("burgers").unwrap();
    // Little work (2 ms an order, 2 ms a burger), so that the grill (60 ms a patty) keeps
    // the burger maker waiting in this build too.
    for group in &mut lesson.groups {
        for s in &mut group.segments {
            if let SegmentSpec::Cpu { n, .. } = s {
                *n = cpu_for_ms(2);
            }
        }
    }
    let trace = measured(session(lesson, Some("threads:3,async"), |o| {
        o.tasks = Some(1)
    }));
    // Tasks: 0 takes orders, 1 grills, 2 makes burgers.
    for run in &trace.runs {
        assert_eq!(trace.dropped, 0);
        let burgers = (2, Reason::QueueEmpty);
        let waited = waits_end_at_wakes_from(run, burgers, Cause::QueuePut, 1);
        assert!(
            waited >= 5,
            "{}: the burger maker waited {waited} times",
            run.meta.label
        );
        let grill = (1, Reason::QueueEmpty);
        waits_end_at_wakes_from(run, grill, Cause::QueuePut, 0);
        // The full orders queue: a till that waited went on when the grill took an order.
        let till = (0, Reason::QueueFull);
        let waited = waits_end_at_wakes_from(run, till, Cause::QueueGet, 1);
        assert!(
            waited >= 2,
            "{}: the till waited {waited} times",
            run.meta.label
        );
        // Every wake of the queues comes from the lane at the other end.
        let queued = |w: &&Wake| matches!(w.cause, Cause::QueuePut | Cause::QueueGet);
        assert!(run.wakes.iter().filter(queued).all(|w| w.from.is_some()));
    }
}

#[test]
fn race_every_wait_for_the_lock_ends_at_a_wake_from_the_thread_that_let_it_go() {
    let _machine = take_machine();
    // Long enough turns, and a short switch interval, that threads are switched out holding
    // the lock and the others wait for it.
    let trace = run("race", "threads:4/lock", |o| {
        o.tasks = Some(4);
        o.adds = Some(50_000);
        o.trials = Some(1);
        o.env.switch_interval = std::time::Duration::from_millis(1);
    });
    let run = &trace.runs[0];
    assert_eq!(trace.dropped, 0);
    let mut waits = 0;
    for (to, lane) in run.lanes.iter().enumerate() {
        for span in spans(lane, State::Wait, Reason::Lock) {
            let wake = wake_ending(run, to as u32, &span, &[Cause::LockReleased])
                .unwrap_or_else(|| panic!("no lock release ends {span:?}: {:?}", run.wakes));
            let from = wake.from.expect("a lock is let go by a thread");
            assert!(
                from != to as u32 && (from as usize) < run.lanes.len(),
                "{wake:?}"
            );
            waits += 1;
        }
    }
    assert!(waits >= 3, "threads waited for the lock {waits} times");
    let released = run.wakes.iter().filter(|w| w.cause == Cause::LockReleased);
    assert_eq!(
        released.count(),
        waits,
        "a release wakes only a waiting thread"
    );
}

#[test]
fn starve_the_tickers_ready_spans_end_where_the_loop_polls_them() {
    let _machine = take_machine();
    let mut scenario = runwait::lab::scenario::find("starve").unwrap();
    for s in &mut scenario.groups[1].segments {
        if let SegmentSpec::Cpu { n, .. } = s {
            *n = cpu_for_ms(150);
        }
    }
    let trace = measured(session(scenario, Some("async/blocking"), |_| {}));
    let run = &trace.runs[0];
    assert_eq!(trace.dropped, 0);
    let (hog, hog_lane) = lane_of_task(run, 5);
    // The hog computes from the end of its sleep to its end (its run split where the OS
    // kept it off a CPU).
    let hog_end = hog_lane.spans.last().unwrap().end_ns;
    let mut from_hog = 0;
    for ticker in 0..5 {
        let (to, lane) = lane_of_task(run, ticker);
        for span in spans(lane, State::Ready, Reason::Loop) {
            let wake = wake_ending(run, to, &span, &[Cause::LoopPoll])
                .unwrap_or_else(|| panic!("task {ticker}: no poll ends {span:?}"));
            let starved = span.start_ns < hog_end && span.end_ns >= hog_end;
            if starved {
                // The loop was busy the while: some task's poll gave it back, the hog's or
                // a ticker's polled after it.
                let from = wake.from.expect("the busy loop handed over");
                from_hog += usize::from(from == hog);
            }
        }
        // Its timers fired from the outside.
        let timers = (run.wakes.iter()).filter(|w| w.to == to && w.cause == Cause::Timer);
        assert!(timers.count() >= 20, "task {ticker}'s 25 sleeps");
    }
    assert!(from_hog >= 1, "the hog's return let the loop poll a ticker");
}

#[test]
fn worker_processes_wakes_cross_their_pipes_on_the_parents_clock() {
    let _machine = take_machine();
    let trace = run("io", "process:2", |o| {
        o.tasks = Some(6);
        o.latency_ms = Some(20);
    });
    let run = &trace.runs[0];
    assert_eq!(trace.dropped, 0);
    let mut responses = 0;
    for (to, lane) in run.lanes.iter().enumerate() {
        for span in spans(lane, State::Wait, Reason::Io) {
            // Stamped in the worker, put on the parent's clock like its marks.
            let wake = wake_ending(run, to as u32, &span, &[Cause::IoDone])
                .unwrap_or_else(|| panic!("no response ends {span:?}: {:?}", run.wakes));
            assert_eq!(wake.from, None, "a response comes from the outside");
            responses += 1;
        }
    }
    assert_eq!(responses, 6);
}

#[test]
fn worker_processes_queue_waits_end_at_wakes_runwait_records_for_them() {
    let _machine = take_machine();
    // The queues live in runwait: a worker's waiting get is done there, for its lane.
    let trace = run("salads", "process:3", |o| o.size = Some(20_000_000));
    let run = &trace.runs[0];
    assert_eq!(trace.dropped, 0);
    let mut waits = 0;
    for (to, lane) in run.lanes.iter().enumerate() {
        for span in spans(lane, State::Wait, Reason::QueueEmpty) {
            let wake = wake_ending(run, to as u32, &span, &[Cause::QueuePut])
                .unwrap_or_else(|| panic!("no put ends {span:?}: {:?}", run.wakes));
            let from = wake.from.expect("a put is a lane's");
            assert!(from != to as u32 && (from as usize) < run.lanes.len());
            waits += 1;
        }
    }
    assert!(waits >= 2, "the staff waited on the queues {waits} times");
}
