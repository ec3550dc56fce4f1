//! runwait's own trace files, replayed into a trace through the recorder: every run's metadata,
//! lanes, spans, ends, wakes, queue lengths and figures as the messages that made them.

use crate::error::Error;
use crate::exec::{Env, ExecSpec};
use crate::instrument::{Mark, Msg, Record, Recorder, NO_TASK};
use crate::trace::cpython::{old_names, Beside, Report};
use crate::trace::{file, Run, RunMeta, State, TaskEnd, Trace, Wake, Where};
use std::collections::BTreeMap;

/// A runwait trace file's text as a trace.
pub fn from_json(text: &str, origin: &str) -> Result<Trace, Error> {
    let (trace, version) = file::parse(text, origin)?;
    Ok(from_file(trace, version))
}

/// A trace as a file of `version` held it (checked), as runwait holds it now.
pub fn from_file(mut trace: Trace, version: u32) -> Trace {
    if version < 2 {
        trace.runs.iter_mut().for_each(|r| upgrade(&mut r.meta));
    }
    if version < 3 {
        trace.runs.iter_mut().for_each(name_lanes);
    }
    if version < 4 {
        link_real_runs(&mut trace);
    }
    replay(trace)
}

/// Real programs' runs from before they were linked to the run they stand beside (versions 1 to
/// 3, `"real": true`): each stands beside the run before it of the same executor, variant,
/// workers and set that is not real (as they were paired then), or, if there is none, is still
/// a real run, beside no run. Their figures in `lesson` are read into their report.
fn link_real_runs(trace: &mut Trace) {
    let alike = |a: &RunMeta, b: &RunMeta| {
        (&a.executor, &a.variant, a.workers, a.set) == (&b.executor, &b.variant, b.workers, b.set)
    };
    for i in 0..trace.runs.len() {
        if !std::mem::take(&mut trace.runs[i].meta.old_real) {
            continue;
        }
        let (before, rest) = trace.runs.split_at_mut(i);
        let run = &mut rest[0];
        let emulated = before.iter().rposition(|e| {
            !e.meta.old_real && e.meta.beside.is_none() && alike(&e.meta, &run.meta)
        });
        run.meta.beside = Some(Beside {
            run: emulated.map(|e| e as u32),
        });
        run.report = old_report(&mut run.lesson);
    }
}

/// A real run's report, as its figures of old held it (taken out of them).
pub fn old_report(lesson: &mut BTreeMap<String, u64>) -> Option<Report> {
    let of = lesson.remove(old_names::PROGRAM_OF)?;
    Some(Report {
        of: of as u32,
        done: lesson.remove(old_names::PROGRAM_DONE).map(|d| d as u32),
        timed_ns: lesson.remove(old_names::TIMED),
        timed_from_ns: lesson.remove(old_names::TIMED_FROM),
        exit_code: lesson.remove(old_names::EXIT_CODE).map(|c| c as i64 as i32),
    })
}

/// A run's metadata from before its executor's facts were saved with it (version 1): its
/// executor, found by name, says them now. An executor runwait no longer has leaves the defaults.
pub fn upgrade(meta: &mut RunMeta) {
    let name = match &meta.variant {
        Some(v) => format!("{}/{v}", meta.executor),
        None => meta.executor.clone(),
    };
    let Ok(spec) = name.parse::<ExecSpec>() else {
        return;
    };
    let now = spec.describe(&Env::default());
    meta.gil = now.gil;
    meta.baseline = now.baseline;
    meta.ready = now.ready;
    meta.strength = now.strength;
    meta.origin = now.origin;
}

/// A run's lanes from before they had a typed identity (versions 1 and 2): their names read
/// into one.
fn name_lanes(run: &mut Run) {
    let kind = run.meta.lane_kind;
    for (l, lane) in run.lanes.iter_mut().enumerate() {
        if let Some(name) = lane.old_name.take() {
            lane.id = super::old_names::lane_id(&name, kind, l as u32);
        }
    }
}

/// A whole trace, taken into a new recorder.
pub fn replay(trace: Trace) -> Trace {
    let mut recorder = Recorder::new(&trace.scenario);
    recorder.apply(Msg::Dropped(trace.dropped));
    recorder.apply(Msg::Skipped(trace.skipped));
    for run in trace.runs {
        replay_run(&mut recorder, run);
    }
    ask(&mut recorder, trace.questions, (0, 0));
    recorder.into_trace()
}

/// The questions a trace held, their runs `shift` on and their sets `next` on (the trace after,
/// in `compare`); each with a count per answer.
fn ask(recorder: &mut Recorder, questions: Vec<crate::trace::Question>, (shift, next): (u32, u32)) {
    for mut q in questions {
        q.run = q.run.map(|r| r + shift);
        q.set += next;
        q.counts.resize(q.answers.len(), 0);
        recorder.apply(Msg::Question(Box::new(q)));
    }
}

/// Two traces on one axis, `after`'s runs as the set after `before`'s: what `compare` shows
/// (the runs before as ghosts under those after).
pub fn beside(before: Trace, after: Trace) -> Trace {
    let name = format!("{} vs {}", before.scenario, after.scenario);
    let mut recorder = Recorder::new(&name);
    recorder.apply(Msg::Dropped(before.dropped + after.dropped));
    recorder.apply(Msg::Skipped(before.skipped + after.skipped));
    let next = before
        .runs
        .iter()
        .map(|r| r.meta.set + 1)
        .max()
        .unwrap_or(0);
    let shift = before.runs.len() as u32;
    for run in before.runs {
        replay_run(&mut recorder, run);
    }
    ask(&mut recorder, before.questions, (0, 0));
    for mut run in after.runs {
        run.meta.set += next;
        // The run a real run stands beside is among those after too.
        if let Some(beside) = run.meta.beside.as_mut() {
            beside.run = beside.run.map(|r| r + shift);
        }
        replay_run(&mut recorder, run);
    }
    ask(&mut recorder, after.questions, (shift, next));
    recorder.into_trace()
}

fn replay_run(recorder: &mut Recorder, run: Run) {
    let id = recorder.add_run(run.meta);
    let functions = run.functions;
    let record = |t_ns, lane, task, mark, reason| {
        Msg::Record(Record {
            t_ns,
            run: id,
            lane,
            task,
            mark,
            reason,
        })
    };
    if let Some(t) = run.start_ns {
        recorder.apply(record(t, 0, NO_TASK, Mark::RunStart, None));
    }
    for (l, lane) in run.lanes.into_iter().enumerate() {
        let l = l as u32;
        recorder.apply(Msg::LaneId {
            run: id,
            lane: l,
            id: lane.id,
        });
        if let Some(error_ns) = lane.clock_error_ns {
            recorder.apply(Msg::ClockError {
                run: id,
                lane: l,
                error_ns,
            });
        }
        replay_frames(recorder, id, l, lane.frames, &functions);
        for span in lane.spans {
            recorder.apply(Msg::Span {
                run: id,
                lane: l,
                span,
            });
        }
        if let Some(open) = lane.open {
            let task = open.task.unwrap_or(NO_TASK);
            let mark = mark_of(open.state);
            recorder.apply(record(open.start_ns, l, task, mark, open.reason));
        }
    }
    replay_ends(recorder, id, run.ends, run.wakes);
    for (q, points) in run.queue_lengths.into_iter().enumerate() {
        for (t, len) in points {
            recorder.apply(record(t, q as u32, len, Mark::Queue, None));
        }
    }
    for event in run.events {
        if let Some((mark, n)) = Mark::of_event(&event) {
            recorder.apply(record(event.at_ns, event.lane, n, mark, None));
        }
    }
    if let Some(report) = run.report {
        recorder.apply(Msg::Report { run: id, report });
    }
    for (name, value) in run.lesson {
        recorder.apply(Msg::Figure {
            run: id,
            name,
            value,
        });
    }
    recorder.apply(Msg::Carried {
        run: id,
        reordered: run.reordered,
        max_reorder_ns: run.max_reorder_ns,
        cpu_wait_error_ns: run.cpu_wait_error_ns,
    });
    if let Some(t) = run.end_ns {
        recorder.apply(record(t, 0, NO_TASK, Mark::RunEnd, None));
    }
}

/// A run's task ends and wakes, each in the order recorded.
fn replay_ends(recorder: &mut Recorder, run: u32, ends: Vec<TaskEnd>, wakes: Vec<Wake>) {
    for end in ends {
        recorder.apply(Msg::End { run, end });
    }
    for wake in wakes {
        recorder.apply(Msg::Wake { run, wake });
    }
}

/// Where a sampled thread was, by the names of its run's functions.
fn replay_frames(
    recorder: &mut Recorder,
    run: u32,
    lane: u32,
    frames: Vec<Where>,
    names: &[String],
) {
    for w in frames {
        recorder.apply(Msg::Where {
            run,
            lane,
            at_ns: w.at_ns,
            function: names.get(w.function as usize).cloned().unwrap_or_default(),
            gil_released: w.gil_released,
        });
    }
}

/// The mark that starts a span in `state`.
fn mark_of(state: State) -> Mark {
    match state {
        State::Run => Mark::Run,
        State::Wait => Mark::Wait,
        State::Ready => Mark::Ready,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(executor: &str, old_real: bool) -> Run {
        let mut run = Run::new(RunMeta {
            executor: executor.into(),
            label: executor.into(),
            old_real,
            ..RunMeta::default()
        });
        if old_real {
            run.lesson.insert(old_names::PROGRAM_OF.into(), 4);
            run.lesson.insert(old_names::EXIT_CODE.into(), -9i64 as u64);
            run.lesson.insert("pool_ns".into(), 7);
        }
        run
    }

    fn trace(runs: Vec<Run>) -> Trace {
        Trace {
            runs,
            ..Trace::default()
        }
    }

    #[test]
    fn an_old_real_run_stands_beside_the_run_before_it_of_its_executor_or_none() {
        let mut old = trace(vec![
            run("sync", false),
            run("threads", false),
            run("sync", true),
            run("threads", true),
            run("process", true),
        ]);
        link_real_runs(&mut old);
        let beside: Vec<Option<Option<u32>>> = old
            .runs
            .iter()
            .map(|r| r.meta.beside.map(|b| b.run))
            .collect();
        assert_eq!(
            beside,
            [None, None, Some(Some(0)), Some(Some(1)), Some(None)]
        );
        let report = old.runs[4]
            .report
            .expect("its figures read into its report");
        assert_eq!((report.of, report.exit_code), (4, Some(-9)));
        assert_eq!(old.runs[4].lesson.keys().collect::<Vec<_>>(), ["pool_ns"]);
    }

    #[test]
    fn a_real_run_compared_stands_beside_its_own_run_among_those_after() {
        let mut after = trace(vec![run("sync", false), run("sync", false)]);
        after.runs[1].meta.beside = Some(Beside::run(0));
        let before = trace(vec![run("threads", false), run("process", false)]);
        let both = beside(before, after);
        assert_eq!(both.runs[3].meta.beside, Some(Beside::run(2)));
    }
}
