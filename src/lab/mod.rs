//! The lab: lessons made ready ([`plan`]) and run, recording one trace. The [`Lab`] owns the
//! runs and the recorder, the only writer of the trace: it starts and stops runs, runs them
//! again, and runs a second set beside the first (a what-if). The UI holds a `Lab`, reads its
//! trace and sends it these commands; the headless commands run one to its end.

pub mod cpython;
pub mod fit;
mod live;
mod mistake;
pub mod plan;
pub mod questions;
pub mod scenario;

pub use cpython::Said;
pub use plan::{Options, Plan};
pub use scenario::Order;

use crate::exec::{execute, ExecSpec, Notes, RunCtx, Shared, Stop, Variant};
use crate::instrument::Recorder;
use crate::trace::Trace;
use crate::workload::Task;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a headless run drains the recorder.
const DRAIN_EVERY: Duration = Duration::from_millis(5);

/// Runs under way; dropping it stops them and waits for them.
pub struct Started {
    stop: Stop,
    threads: Vec<JoinHandle<()>>,
}

impl Started {
    pub fn finished(&self) -> bool {
        self.threads.iter().all(JoinHandle::is_finished)
    }

    /// Stop every run (worker processes are killed) and wait for their threads.
    pub fn stop(mut self) {
        self.stop.request();
        self.join();
    }

    fn join(&mut self) {
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a run's thread panicked");
            }
        }
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.stop.request();
            self.join();
        }
    }
}

/// One set of runs: a plan, and its runs once started.
struct Set {
    plan: Plan,
    started: Option<Started>,
    /// Its runs' places in the trace, once its questions are asked (predict, then run).
    asked: Option<Vec<Option<u32>>>,
}

/// Runs and their recording.
pub struct Lab {
    recorder: Recorder,
    sets: Vec<Set>,
    order: Order,
    /// Why tasks failed or were lost, as the runs noted it.
    notes: Notes,
    /// A live source instead of a plan: a real program sampled (see [`live`]).
    sampler: Option<crate::ingest::python::Sampler>,
    /// What the real programs run beside the runs had to say (`--cpython`).
    said: cpython::Said,
}

impl Lab {
    /// A lab for `plan`'s runs, in the plan's order; nothing runs until [`Lab::start`].
    pub fn new(plan: Plan) -> Lab {
        let order = plan.order;
        let mut lab = Lab {
            recorder: Recorder::new(&plan.scenario.name),
            sets: vec![Set {
                plan,
                started: None,
                asked: None,
            }],
            order,
            notes: Notes::default(),
            sampler: None,
            said: cpython::Said::default(),
        };
        lab.ask(0);
        lab
    }

    /// Predict, then run, from now on: the questions about the sets not started yet are put in
    /// the trace (as `--predict` puts them when the lab is made), and those of every set after.
    pub fn predict(&mut self) {
        for set in &mut self.sets {
            set.plan.options.predict = true;
        }
        for set in 0..self.sets.len() {
            self.ask(set);
        }
    }

    /// Whether questions are asked before the runs (`--predict`, or [`Lab::predict`]).
    pub fn predicts(&self) -> bool {
        self.sets.last().is_some_and(|s| s.plan.options.predict)
    }

    /// When predicting, put the questions about set `set`'s runs (not started yet) in the
    /// trace, before they run: their runs are the next ones the trace will have.
    fn ask(&mut self, set: usize) {
        let first = self.recorder.trace().runs.len() as u32;
        let s = &mut self.sets[set];
        if !s.plan.options.predict || s.started.is_some() || s.asked.is_some() {
            return;
        }
        let ids = s.plan.run_ids(set as u32, first);
        let questions = s.plan.questions(set as u32, &ids);
        s.asked = Some(ids);
        for q in questions {
            self.recorder
                .apply(crate::instrument::Msg::Question(Box::new(q)));
        }
    }

    /// An answer given for the latest set's questions (`--answer RUN=LABEL`, see
    /// [`questions::resolve`]): counted once.
    pub fn answer(&mut self, given: &str) -> Result<(), crate::error::Error> {
        let Some(set) = self.sets.last() else {
            return Err(crate::error::Error::Usage(
                "--answer: a sampled program has no questions".into(),
            ));
        };
        let latest = (self.sets.len() - 1) as u32;
        let ids = set.asked.clone().unwrap_or_default();
        let runs: Vec<questions::Named> = (set.plan.runs.iter().zip(set.plan.metas(latest)))
            .zip(ids)
            .map(|((spec, meta), id)| questions::Named {
                spec: spec.to_string(),
                label: meta.label,
                id,
            })
            .collect();
        let trace = self.recorder.trace();
        let (question, answer) = questions::resolve(&trace.questions, latest, &runs, given)
            .map_err(|why| crate::error::Error::Usage(format!("--answer {given}: {why}")))?;
        self.count(question, answer, 1);
        Ok(())
    }

    /// Count `delta` more answers `answer` (its place) to the trace's question `question` (a
    /// raised hand, or -1: an undo).
    pub fn count(&mut self, question: u32, answer: u32, delta: i32) {
        self.recorder.apply(crate::instrument::Msg::Count {
            question,
            answer,
            delta,
        });
    }

    /// What the real programs run beside the runs had to say once they ended (a program that
    /// failed, and why), a line each (it fills as they go).
    pub fn said(&self) -> Said {
        self.said.clone()
    }

    /// Why tasks failed or were lost (it fills as the runs go).
    pub fn notes(&self) -> Notes {
        self.notes.clone()
    }

    /// Start every set that is not running.
    pub fn start(&mut self) {
        for (i, set) in self.sets.iter_mut().enumerate() {
            if set.started.is_none() {
                let notes = (self.notes.clone(), self.said.clone());
                set.started = Some(start(
                    &set.plan,
                    &mut self.recorder,
                    self.order,
                    i as u32,
                    notes,
                ));
            }
        }
    }

    /// Run `plan` beside the runs there: its runs join the trace (as set 1, 2, ...) and start
    /// now. Returns the set's number.
    pub fn start_beside(&mut self, plan: Plan) -> u32 {
        let set = self.plan_beside(plan);
        self.start();
        set
    }

    /// Plan `plan`'s runs beside the runs there, its questions asked, without starting them
    /// ([`Lab::start`] does): predict, then run. Returns the set's number.
    pub fn plan_beside(&mut self, mut plan: Plan) -> u32 {
        // A lab that predicts asks before every set.
        plan.options.predict |= self.predicts();
        self.sets.push(Set {
            plan,
            started: None,
            asked: None,
        });
        let set = self.sets.len() - 1;
        self.ask(set);
        set as u32
    }

    /// The plan of the latest set: the lesson, options and runs a what-if starts from (none
    /// for a sampled program).
    pub fn latest(&self) -> Option<&Plan> {
        self.sets.last().map(|s| &s.plan)
    }

    /// Run the latest set's lesson again with `options` (a what-if), beside the runs there;
    /// returns the new set's number. The loopback server of the new set takes a port of its own.
    pub fn what_if(&mut self, options: Options) -> Result<u32, crate::error::Error> {
        let set = self.plan_what_if(options)?;
        self.start();
        Ok(set)
    }

    /// A what-if planned, its questions asked, not started ([`Lab::start`] starts it).
    pub fn plan_what_if(&mut self, options: Options) -> Result<u32, crate::error::Error> {
        let options = Options { port: 0, ..options };
        let Some(latest) = self.latest() else {
            return Err(crate::error::Error::Usage(
                "a sampled program is not run again".into(),
            ));
        };
        let mut plan = Plan::prepare(latest.lesson.clone(), options)?;
        plan.kept = self.unchanged(&plan);
        Ok(self.plan_beside(plan))
    }

    /// For each run of `plan` (a what-if of the latest set), the latest set's run it would
    /// only repeat, if any: the same executor, workers and variant, the same tasks and
    /// settings, finished whole. None beside real programs (they are all run again).
    fn unchanged(&self, plan: &Plan) -> Vec<Option<u32>> {
        let Some(set) = self.sets.last() else {
            return Vec::new();
        };
        let latest = self.sets.len() as u32 - 1;
        let trace = self.recorder.trace();
        let runs: Vec<u32> = (0..trace.runs.len() as u32)
            .filter(|&r| trace.runs[r as usize].meta.set == latest)
            .collect();
        let alike = set.plan.cpython.is_none()
            && plan.cpython.is_none()
            && work(&set.plan) == work(plan)
            && runs.len() == set.plan.runs.len();
        let before = set.plan.metas(latest);
        let mut taken = vec![false; runs.len()];
        let mut kept = Vec::new();
        for (spec, meta) in plan.runs.iter().zip(plan.metas(latest)) {
            let same = (0..runs.len()).find(|&k| {
                let run = &trace.runs[runs[k] as usize];
                alike
                    && !taken[k]
                    && set.plan.runs[k] == *spec
                    && before[k] == meta
                    && run.finished()
                    && run.halted.is_none()
            });
            kept.push(same.map(|k| {
                taken[k] = true;
                runs[k]
            }));
        }
        kept
    }

    /// Stop every run and begin a new trace with the latest set's runs started again (the sets
    /// before it, a what-if's ghosts, are left out: run together they would slow each other).
    /// Runs blocked in a request can take a while to stop: they are stopped on a thread of
    /// their own.
    pub fn rerun(&mut self) {
        self.plan_rerun();
        self.start();
    }

    /// A rerun planned, its questions asked, its runs not started ([`Lab::start`] starts
    /// them): every run stopped, a new trace begun (see [`Lab::rerun`]).
    pub fn plan_rerun(&mut self) {
        if self.sets.is_empty() {
            // A real program is not run again.
            return;
        }
        let stopping: Vec<Started> = self
            .sets
            .iter_mut()
            .filter_map(|s| s.started.take())
            .collect();
        if !stopping.is_empty() {
            std::thread::spawn(move || stopping.into_iter().for_each(Started::stop));
        }
        let latest = self.sets.len() - 1;
        self.sets.drain(..latest);
        // The runs it kept are not in the new trace: every run is run again.
        self.sets[0].plan.kept.clear();
        self.recorder = Recorder::new(&self.sets[0].plan.scenario.name);
        self.notes = Notes::default();
        self.said.clear();
        self.sets[0].asked = None;
        self.ask(0);
    }

    /// Stop every run (worker processes are killed, threads joined) and take in what they
    /// recorded.
    pub fn stop(&mut self) {
        let unfinished = !self.finished();
        for set in &mut self.sets {
            if let Some(started) = set.started.take() {
                started.stop();
            }
        }
        if let Some(sampler) = &mut self.sampler {
            sampler.stop();
        }
        self.recorder.drain();
        if unfinished {
            self.mark_stopped();
        }
    }

    /// Mark every run of the sets whose tasks had not all ended as stopped (their tasks not
    /// ended were never run).
    fn mark_stopped(&mut self) {
        let stopped: Vec<u32> = (self.recorder.trace().runs.iter().enumerate())
            .filter(|(_, r)| r.meta.origin != crate::trace::Origin::Sampled && !r.is_real())
            .filter(|(_, r)| r.halted.is_none())
            .filter(|(_, r)| r.ends.len() < r.meta.tasks as usize)
            .map(|(i, _)| i as u32)
            .collect();
        for run in stopped {
            let halt = crate::trace::Halt::Stopped;
            self.recorder
                .apply(crate::instrument::Msg::Halt { run, halt });
        }
    }

    /// Take in what the runs recorded; returns how many messages it took.
    pub fn drain(&mut self) -> usize {
        self.recorder.drain()
    }

    pub fn trace(&self) -> &Trace {
        self.recorder.trace()
    }

    /// The trace clock now: how far the runs still going have got.
    pub fn now_ns(&self) -> u64 {
        self.recorder.clock().now_ns()
    }

    /// Whether every started run's thread has finished.
    pub fn finished(&self) -> bool {
        self.sets
            .iter()
            .filter_map(|s| s.started.as_ref())
            .all(Started::finished)
            && self.sampler.as_ref().is_none_or(|s| s.finished())
    }

    /// Start, wait for every run to end, and return the trace.
    pub fn run_to_end(mut self) -> Trace {
        self.start();
        while !self.finished() {
            self.recorder.drain();
            std::thread::sleep(DRAIN_EVERY);
        }
        self.stop();
        self.recorder.into_trace()
    }

    /// Start, and run the latest set `n` times over, each time to its end (or until `stop()`
    /// says so, when the repeat under way is stopped and the rest left out): every repeat's
    /// trace, in the order they ran (combine them with [`crate::trace::repeats::median`]).
    pub fn repeat_to_end(&mut self, n: u32, stop: impl Fn() -> bool) -> Vec<Trace> {
        let mut traces = Vec::new();
        self.start();
        loop {
            while !self.finished() && !stop() {
                self.recorder.drain();
                std::thread::sleep(DRAIN_EVERY);
            }
            self.stop();
            // Taken, not copied: a rerun records into a new recorder.
            let recorder = std::mem::replace(&mut self.recorder, Recorder::new(""));
            traces.push(recorder.into_trace());
            if stop() || traces.len() >= n as usize {
                return traces;
            }
            self.rerun();
        }
    }

    /// The trace as it is, once the runs are stopped.
    pub fn into_trace(mut self) -> Trace {
        self.stop();
        std::mem::replace(&mut self.recorder, Recorder::new("")).into_trace()
    }
}

/// `plan`'s tasks, its loopback server's address left out (each plan has a server of its own).
fn work(plan: &Plan) -> Vec<Task> {
    let Some(addr) = plan.env.loopback.map(|a| a.to_string()) else {
        return plan.tasks.clone();
    };
    let mut tasks = plan.tasks.clone();
    for segment in tasks.iter_mut().flat_map(|t| t.segments.iter_mut()) {
        if let crate::workload::Segment::Http { url } = segment {
            *url = url.replace(&addr, "loopback");
        }
    }
    tasks
}

/// A run to do: one of runwait's, or a real program beside it (`--cpython`).
enum Job {
    Emulated(ExecSpec, RunCtx),
    Real(Box<cpython::RealJob>),
}

/// Register every run of `plan` with `recorder` (in set `set`) and start them; the recorder must
/// be drained while they go. Real programs run one after another with the runs they stand
/// beside, for honest timings.
fn start(
    plan: &Plan,
    recorder: &mut Recorder,
    order: Order,
    set: u32,
    (notes, said): (Notes, cpython::Said),
) -> Started {
    let stop = Stop::default();
    let dispatch = recorder.dispatch();
    let mut jobs = Vec::new();
    for (i, (spec, meta)) in plan.runs.iter().zip(plan.metas(set)).enumerate() {
        if let Some(&Some(from)) = plan.kept.get(i) {
            recorder.keep_run(from, set);
            continue;
        }
        let run = recorder.add_run(meta.clone());
        let reals = plan.real_metas(i, run, &meta);
        let ctx = RunCtx {
            stop: stop.clone(),
            shared: Arc::new(shared_memory(plan, run)),
            guard: Variant::guard(spec.variant),
            notes: notes.clone(),
            workers: spec.workers(),
            ..RunCtx::new(run, dispatch.clone(), recorder, plan.env.clone())
        };
        jobs.push(Job::Emulated(*spec, ctx));
        for (k, meta) in reals {
            let Some(cpython) = &plan.cpython else { break };
            let real = &cpython.reals[k];
            jobs.push(Job::Real(Box::new(cpython::RealJob {
                run: recorder.add_run(meta.clone()),
                meta,
                python: real.python.command.clone(),
                sampled: real.python.sampled(),
                program: real.programs[i].clone().expect("a real run's program"),
                hz: cpython.hz,
                watchdog: cpython.watchdog.clone(),
                sink: recorder.sink(),
                clock: recorder.clock(),
                said: said.clone(),
            })));
        }
    }
    let order = if plan.cpython.is_some() {
        Order::OneByOne
    } else {
        order
    };
    let threads = match order {
        Order::OneByOne => Vec::from_iter(spawn(
            "runwait-runs".into(),
            jobs,
            plan.tasks.clone(),
            &stop,
        )),
        Order::Together => jobs
            .into_iter()
            .enumerate()
            .filter_map(|(i, job)| {
                spawn(
                    format!("runwait-run-{i}"),
                    vec![job],
                    plan.tasks.clone(),
                    &stop,
                )
            })
            .collect(),
    };
    Started { stop, threads }
}

/// What run `run`'s tasks share: the lesson's queues, marked as the run's.
fn shared_memory(plan: &Plan, run: u32) -> Shared {
    let queues = plan.scenario.queues.iter().enumerate();
    Shared {
        queues: queues
            .map(|(i, q)| {
                crate::exec::shared::Queue::new(q.capacity, q.start).marked(run, i as u32)
            })
            .collect(),
        ..Shared::default()
    }
}

/// A thread doing `jobs` one after another.
/// A thread doing `jobs` one after another; if it cannot be started, their runs fail.
fn spawn(name: String, jobs: Vec<Job>, tasks: Vec<Task>, stop: &Stop) -> Option<JoinHandle<()>> {
    let stop = stop.clone();
    let ctxs: Vec<RunCtx> = (jobs.iter())
        .filter_map(|job| match job {
            Job::Emulated(_, ctx) => Some(ctx.clone()),
            Job::Real(_) => None,
        })
        .collect();
    let started = std::thread::Builder::new().name(name).spawn(move || {
        for job in jobs {
            if stop.requested() {
                break;
            }
            match job {
                Job::Emulated(spec, ctx) => execute(&spec, &ctx, tasks.clone()),
                Job::Real(real) => real.run(&stop),
            }
        }
    });
    match started {
        Ok(thread) => Some(thread),
        Err(e) => {
            let why = crate::exec::resources::could_not("start the run's thread", &e);
            ctxs.iter().for_each(|ctx| ctx.fail(why.clone()));
            None
        }
    }
}
