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
    let last = (run.lanes[from as usize].spans.iter())
        .rev()
        .filter(on_gil)
        .find(|s| s.end_ns <= at + TOLERANCE_NS);
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
    let trace = gil_run(150);
    let run = &trace.runs[0];
    assert!(run.meta.gil);
    assert_eq!(trace.dropped, 0);
    let (io, lane) = lane_of_task(run, 2);
    let ready = spans(lane, State::Ready, Reason::Gil);
    assert!(
        ready.len() >= 5,
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
    // The CPU threads' forced switches are hand-offs too, after their interval.
    let forced = (run.wakes.iter()).filter(|w| w.cause == Cause::GilInterval);
    assert!(forced.count() >= 5);
}
