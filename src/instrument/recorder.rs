//! The recorder: the only writer of the trace. It drains the channel and turns marks into spans;
//! sources that are not live (a file read by `ingest`) hand it the same messages directly.

use super::probe::CpuWait;
use super::{dispatch, Clock, Mark, Msg, Record, Sink, ANY_LANE, NO_TASK};
use crate::trace::{EventKind, LaneEvent, Open, Outcome, RunMeta, Span, State, TaskEnd, Trace};
use crossbeam_channel::{unbounded, Receiver};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use tracing::Dispatch;

/// Owns the trace and the receiving end of the channel; whoever owns it drains it, once per
/// frame in the UI, every few milliseconds headless.
pub struct Recorder {
    clock: Clock,
    sink: Sink,
    rx: Receiver<Msg>,
    trace: Trace,
    /// The last time seen per lane: marks stamped on another thread or in a worker process can
    /// arrive a little out of order, and a lane's spans must never overlap.
    last: HashMap<(u32, u32), u64>,
    /// Each run's function names (a sampled program's frames), to their place in its list.
    functions: HashMap<(u32, String), u32>,
}

impl Recorder {
    pub fn new(scenario: &str) -> Recorder {
        // Unbounded: it grows as it fills, and `Sink::send` drops past `CHANNEL_CAPACITY`.
        let (tx, rx) = unbounded();
        Recorder {
            clock: Clock::new(),
            sink: Sink::new(tx, Arc::new(AtomicU64::new(0))),
            rx,
            trace: Trace::new(scenario),
            last: HashMap::new(),
            functions: HashMap::new(),
        }
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn sink(&self) -> Sink {
        self.sink.clone()
    }

    /// The dispatcher whose Layer feeds this recorder.
    pub fn dispatch(&self) -> Dispatch {
        dispatch(self.clock, self.sink.clone())
    }

    pub fn add_run(&mut self, meta: RunMeta) -> u32 {
        self.trace.add_run(meta)
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Run `from`'s record again as a run of set `set`, marked kept: a what-if's run whose
    /// settings did not change is not run again.
    pub fn keep_run(&mut self, from: u32, set: u32) -> u32 {
        let mut run = self.trace.runs[from as usize].clone();
        run.meta.set = set;
        run.meta.kept = true;
        self.trace.runs.push(run);
        (self.trace.runs.len() - 1) as u32
    }

    pub fn into_trace(mut self) -> Trace {
        self.drain();
        // A wake naming a lane its run never had (no mark of it came) cannot be drawn or
        // checked: it is left out of the finished trace, as a file holding it is refused.
        for run in &mut self.trace.runs {
            let lanes = run.lanes.len() as u32;
            run.wakes
                .retain(|w| w.to < lanes && w.from.is_none_or(|f| f < lanes));
        }
        self.trace
    }

    /// Apply everything waiting in the channel; returns how many messages were applied.
    pub fn drain(&mut self) -> usize {
        let mut n = 0;
        while let Ok(msg) = self.rx.try_recv() {
            self.apply(msg);
            n += 1;
        }
        self.trace.dropped = self.sink.dropped();
        n
    }

    /// Take one message in: what a drain does with each, and how sources that are not live
    /// (a file being read) write to the trace.
    pub fn apply(&mut self, msg: Msg) {
        match msg {
            Msg::Record(rec) => self.apply_record(rec),
            Msg::LaneId { run, lane, id } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.lane_mut(lane).id = id;
                }
            }
            Msg::Figure { run, name, value } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.lesson.insert(name, value);
                }
            }
            Msg::Halt { run, halt } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.halt(halt);
                }
            }
            Msg::Report { run, report } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.report = Some(report);
                }
            }
            Msg::Barrier(done) => drop(done.send(())),
            Msg::ClockError {
                run,
                lane,
                error_ns,
            } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.lane_mut(lane).clock_error_ns = Some(error_ns);
                }
            }
            Msg::Span { run, lane, span } => self.apply_span(run, lane, span),
            Msg::Wake { run, wake } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.wakes.push(wake);
                }
            }
            Msg::End { run, end } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.ends.push(end);
                }
            }
            Msg::Carried {
                run,
                reordered,
                max_reorder_ns,
                cpu_wait_error_ns,
            } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.reordered += reordered;
                    r.max_reorder_ns = r.max_reorder_ns.max(max_reorder_ns);
                    r.cpu_wait_error_ns = r.cpu_wait_error_ns.max(cpu_wait_error_ns);
                }
            }
            Msg::Question(_) | Msg::Count { .. } => self.apply_question(msg),
            Msg::Dropped(n) => {
                self.sink.add_dropped(n);
                self.trace.dropped = self.sink.dropped();
            }
            Msg::Skipped(n) => self.trace.skipped += n,
            Msg::NewRun(meta) => {
                self.trace.add_run(*meta);
            }
            Msg::Meta { run, meta } => {
                if let Some(r) = self.trace.runs.get_mut(run as usize) {
                    r.meta = *meta;
                }
            }
            Msg::Where {
                run,
                lane,
                at_ns,
                function,
                gil_released,
            } => self.apply_where(run, lane, at_ns, &function, gil_released),
        }
    }

    /// A question asked, or answers to one counted.
    fn apply_question(&mut self, msg: Msg) {
        match msg {
            Msg::Question(question) => self.trace.questions.push(*question),
            Msg::Count {
                question,
                answer,
                delta,
            } => {
                if let Some(q) = self.trace.questions.get_mut(question as usize) {
                    q.count(answer as usize, delta);
                }
            }
            _ => {}
        }
    }

    /// Where a sampled thread is from `at_ns` on (its function named once per run).
    fn apply_where(&mut self, run: u32, lane: u32, at_ns: u64, function: &str, gil_released: bool) {
        let Some(r) = self.trace.runs.get_mut(run as usize) else {
            return;
        };
        let function = *self
            .functions
            .entry((run, function.to_string()))
            .or_insert_with(|| {
                r.functions.push(function.to_string());
                (r.functions.len() - 1) as u32
            });
        let frames = &mut r.lane_mut(lane).frames;
        let at_ns = frames.last().map_or(at_ns, |w| at_ns.max(w.at_ns));
        frames.push(crate::trace::Where {
            at_ns,
            function,
            gil_released,
        });
    }

    /// A whole span on its lane, after the lane's last one (cut to start there, if it began
    /// before it; left out if nothing of it is left).
    fn apply_span(&mut self, run: u32, lane: u32, span: Span) {
        let Some(r) = self.trace.runs.get_mut(run as usize) else {
            return;
        };
        let last = self.last.entry((run, lane)).or_insert(0);
        let start_ns = span.start_ns.max(*last);
        if span.end_ns <= start_ns {
            return;
        }
        *last = span.end_ns;
        let role = span.task.map(|t| r.meta.role_of(t));
        let lane = r.lane_mut(lane);
        if let Some(role) = role {
            lane.note_role(role);
        }
        lane.push(Span { start_ns, ..span });
    }

    fn apply_record(&mut self, rec: Record) {
        let Some(run) = self.trace.runs.get_mut(rec.run as usize) else {
            return;
        };
        match rec.mark {
            Mark::RunStart => run.start_ns = Some(rec.t_ns),
            mark if mark.event().is_some() => {
                let kind = mark.event().expect("an event mark");
                let count = if kind == EventKind::LostUpdate {
                    rec.task
                } else {
                    1
                };
                run.events.push(LaneEvent {
                    lane: rec.lane,
                    at_ns: rec.t_ns,
                    kind,
                    count,
                });
            }
            Mark::CpuWait => {
                // The kernel counts a wait when the thread gets its CPU back, some time since
                // the probe's last read: placed in the middle of that.
                let placed = CpuWait::unpack(rec.task).placed(rec.t_ns);
                run.cpu_wait_error_ns = run.cpu_wait_error_ns.max(placed.error_ns);
                let (from, to) = placed.wait;
                // A lane not marked yet (the probe can be first) has no run to split.
                let n = run.lanes.len();
                let lanes = match rec.lane {
                    ANY_LANE => 0..n,
                    lane => (lane as usize).min(n)..(lane as usize + 1).min(n),
                };
                for lane in &mut run.lanes[lanes] {
                    lane.split_run(from, to);
                }
            }
            Mark::RunEnd => run.end_ns = Some(rec.t_ns),
            Mark::Wake => run.wakes.extend(super::wake_of(&rec)),
            Mark::Queue => {
                let q = rec.lane as usize;
                if run.queue_lengths.len() <= q {
                    run.queue_lengths.resize(q + 1, Vec::new());
                }
                // Lengths changed on different threads can arrive a little out of order;
                // keep each queue's points in time order.
                let points = &mut run.queue_lengths[q];
                let t = points
                    .last()
                    .map_or(rec.t_ns, |&(last, _)| rec.t_ns.max(last));
                points.push((t, rec.task));
            }
            _ => self.apply_lane_mark(rec),
        }
    }

    fn apply_lane_mark(&mut self, rec: Record) {
        let key = (rec.run, rec.lane);
        let last = self.last.entry(key).or_insert(0);
        let t = rec.t_ns.max(*last);
        let moved = *last - rec.t_ns.min(*last);
        *last = t;
        let run = &mut self.trace.runs[rec.run as usize];
        if moved > 0 {
            run.reordered += 1;
            run.max_reorder_ns = run.max_reorder_ns.max(moved);
        }
        let task = (rec.task != NO_TASK).then_some(rec.task);
        let role = task.map(|t| run.meta.role_of(t));
        let lane = run.lane_mut(rec.lane);
        if let (Some(role), Mark::Run | Mark::Wait | Mark::Ready) = (role, rec.mark) {
            lane.note_role(role);
        }
        let state = match rec.mark {
            Mark::Run => Some(State::Run),
            Mark::Wait => Some(State::Wait),
            Mark::Ready => Some(State::Ready),
            _ => None,
        };
        // A mark that changes nothing (a worker process's start-up marked `run` by runwait and
        // then by the worker itself) goes on with the open span.
        if let (Some(open), Some(state)) = (lane.open, state) {
            if (open.task, open.state, open.reason) == (task, state, rec.reason)
                && t >= open.start_ns
            {
                return;
            }
        }
        if let Some(open) = lane.open.take() {
            if t > open.start_ns {
                lane.push(open.until(t));
            } else if t < open.start_ns {
                // A CPU wait moved the open span's start past this mark: it was placed late.
                lane.cut_at(t);
            }
        }
        lane.open = state.map(|state| Open {
            task,
            state,
            reason: rec.reason,
            start_ns: t,
        });
        let outcome = match rec.mark {
            Mark::Done => Some(Outcome::Done),
            Mark::Failed => Some(Outcome::Failed),
            Mark::Lost => Some(Outcome::Lost),
            Mark::Timeout => Some(Outcome::Timeout),
            _ => None,
        };
        if let (Some(outcome), Some(task)) = (outcome, task) {
            run.ends.push(TaskEnd {
                task,
                lane: rec.lane,
                outcome,
                at_ns: t,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Where;

    #[test]
    fn a_live_source_adds_runs_updates_their_meta_and_says_where_its_threads_are() {
        let mut recorder = Recorder::new("py");
        recorder.apply(Msg::NewRun(Box::new(RunMeta {
            label: "app.py".into(),
            ..RunMeta::default()
        })));
        recorder.apply(Msg::Meta {
            run: 0,
            meta: Box::new(RunMeta {
                label: "app.py".into(),
                tasks: 2,
                ..RunMeta::default()
            }),
        });
        let place = |at_ns, function: &str| Msg::Where {
            run: 0,
            lane: 1,
            at_ns,
            function: function.into(),
            gil_released: false,
        };
        recorder.apply(place(10, "fetch (app.py)"));
        recorder.apply(place(20, "parse (app.py)"));
        // Late by a little: kept in time order.
        recorder.apply(place(15, "fetch (app.py)"));
        let run = &recorder.trace().runs[0];
        assert_eq!(run.meta.tasks, 2);
        assert_eq!(run.functions, ["fetch (app.py)", "parse (app.py)"]);
        let at = |at_ns, function| Where {
            at_ns,
            function,
            gil_released: false,
        };
        assert_eq!(run.lanes[1].frames, [at(10, 0), at(20, 1), at(20, 0)]);
        assert_eq!(run.lanes[1].where_at(12), Some(at(10, 0)));
        assert_eq!(run.lanes[0].where_at(12), None);
    }

    #[test]
    fn a_wake_sent_through_the_layer_arrives_on_the_runs_wakes_with_its_lanes_and_cause() {
        use crate::instrument::{mark, wake, At};
        use crate::trace::{Cause, Wake};
        let mut recorder = Recorder::new("wakes");
        let run = recorder.add_run(RunMeta::default());
        let dispatch = recorder.dispatch();
        let at = At {
            run,
            lane: 2,
            task: 0,
        };
        tracing::dispatcher::with_default(&dispatch, || {
            mark(at, Mark::Ready);
            wake(run, Some(1), 2, Cause::GilInterval);
            mark(at, Mark::Run);
            wake(run, None, 99_999, Cause::IoDone);
        });
        recorder.drain();
        let r = &recorder.trace().runs[run as usize];
        let lanes = |w: &Wake| (w.from, w.to, w.cause);
        let got: Vec<_> = r.wakes.iter().map(lanes).collect();
        assert_eq!(
            got,
            [
                (Some(1), 2, Cause::GilInterval),
                (None, 99_999, Cause::IoDone)
            ]
        );
        // Stamped by the Layer between the marks around it; no lane or span of its own.
        let ready = &r.lanes[2].spans[0];
        assert_eq!(r.wakes[0].from_ns, r.wakes[0].to_ns);
        assert!(ready.start_ns <= r.wakes[0].to_ns && r.wakes[0].to_ns <= ready.end_ns);
        assert_eq!(r.lanes.len(), 3);
        assert_eq!(recorder.trace().dropped, 0);
        let done = recorder.into_trace();
        assert_eq!(
            done.runs[0].wakes.len(),
            1,
            "a wake to no lane of the run left out"
        );
    }
}
