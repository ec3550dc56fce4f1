//! What the UI shows, apart from how it shows it: where the trace comes from (live runs the Lab
//! records, or a file), the figures and the verdict computed once from it, the lanes by task
//! derived from it, and what the UI asks of the engine and the disk (run again, a what-if, save,
//! stop). The view (`super::app`) reads the trace through it and sends it commands; it never
//! holds the Lab itself.

use super::asking::{Asking, Then};
use super::rows::RowCache;
use super::wakes::WakeCache;
use crate::lab::{Lab, Options};
use crate::trace::question::Revealed;
use crate::trace::{file, Lane, LaneId, LaneKind, Question, Run, RunStats, Trace};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How often live lanes by task are derived again.
/// What a question's revealed is measured from: how many questions, runs, and records.
type RevealKey = (usize, usize, usize);

const TASK_LANES_EVERY: Duration = Duration::from_millis(100);

/// Where the trace comes from: runs under way (the lab records them), or a file.
pub enum Source {
    Live(Box<Lab>),
    Replay(Trace),
}

pub struct Session {
    source: Source,
    /// Where `s` saves (`--save`), else a name made from the lesson and the time.
    pub save_path: Option<PathBuf>,
    /// The trace clock at the last drain: how far open spans reach.
    pub now_ns: u64,
    /// The lanes by task, per run, while grouping by task (derived from the trace).
    task_lanes: Vec<Vec<Lane>>,
    /// When the lanes by task were last derived from a live trace, and whether records came
    /// since.
    task_lanes_at: Option<Instant>,
    task_lanes_stale: bool,
    /// Each finished run's figures, computed once (they cost a pass over all its spans). Per
    /// run: its size when its figures were computed, and the figures once it finished.
    stats: Vec<(usize, Option<RunStats>)>,
    /// The verdict, once every run has finished.
    verdict: Option<String>,
    /// Each question's measured figure and right answers (for "gil" a hand-off summary over
    /// every wake: not measured again each frame), and the trace's key when they were.
    reveals: (RevealKey, Vec<Revealed>),
    /// The rows of several lanes drawn, summarized.
    pub rows: RowCache,
    /// Each run's wakes in time order (for the arrows).
    pub wakes: WakeCache,
    /// The runs asked about, while the class answers (they start with [`Session::go`]).
    asking: Option<Asking>,
}

impl Session {
    fn new(source: Source) -> Session {
        Session {
            source,
            save_path: None,
            now_ns: 0,
            task_lanes: Vec::new(),
            task_lanes_at: None,
            task_lanes_stale: false,
            stats: Vec::new(),
            verdict: None,
            reveals: Default::default(),
            rows: RowCache::default(),
            wakes: WakeCache::default(),
            asking: None,
        }
    }

    /// The lab's runs, followed live.
    pub fn live(lab: Lab) -> Session {
        Session::new(Source::Live(Box::new(lab)))
    }

    /// A recorded trace, whole.
    pub fn replay(mut trace: Trace) -> Session {
        trace.reindex();
        let mut session = Session::new(Source::Replay(trace));
        session.now_ns = session
            .trace()
            .runs
            .iter()
            .filter_map(|r| r.end_ns)
            .max()
            .unwrap_or(0);
        session.refresh_stats();
        session
    }

    /// The trace shown: while the class answers, the runs asked about, named and empty.
    pub fn trace(&self) -> &Trace {
        if let Some(asking) = &self.asking {
            return &asking.preview;
        }
        match &self.source {
            Source::Live(lab) => lab.trace(),
            Source::Replay(trace) => trace,
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self.source, Source::Live(_))
    }

    /// The Lab, once the UI is done with it (a sampled program's exit code and output).
    pub fn into_lab(self) -> Option<Lab> {
        match self.source {
            Source::Live(lab) => Some(*lab),
            Source::Replay(_) => None,
        }
    }

    /// Every run has ended.
    pub fn finished(&self) -> bool {
        let runs = &self.trace().runs;
        !runs.is_empty() && runs.iter().all(Run::finished)
    }

    /// The lanes run `run`'s panel shows: its workers, or (`by_task`) its tasks.
    pub fn lanes(&self, run: usize, by_task: bool) -> &[Lane] {
        match (by_task, self.task_lanes.get(run)) {
            (true, Some(lanes)) => lanes,
            _ => &self.trace().runs[run].lanes,
        }
    }

    /// Group by task from now on (derived now), or by worker.
    pub fn group_by_task(&mut self, by_task: bool) {
        self.task_lanes = match by_task {
            true => derive_task_lanes(self.trace()),
            false => Vec::new(),
        };
    }

    /// A finished run's summary figures.
    pub fn run_stats(&self, run: usize) -> Option<&RunStats> {
        self.stats.get(run).and_then(|(_, s)| s.as_ref())
    }

    /// The lesson's point in a line, once every run has finished (computed as they finish).
    pub fn verdict(&self) -> String {
        self.verdict.clone().unwrap_or_default()
    }

    /// Take in what the runs recorded (live): the clock, the figures of runs that finished,
    /// and (a few times a second) the lanes by task.
    pub fn drain(&mut self, by_task: bool) {
        let Source::Live(lab) = &mut self.source else {
            return;
        };
        let drained = lab.drain();
        self.now_ns = lab.now_ns();
        let now = Instant::now();
        // Regrouping by task costs a pass over the trace: a few times a second is enough.
        let due = self
            .task_lanes_at
            .is_none_or(|at| now.duration_since(at) >= TASK_LANES_EVERY);
        self.task_lanes_stale |= drained > 0;
        if self.task_lanes_stale && by_task && due {
            self.task_lanes = derive_task_lanes(lab.trace());
            self.task_lanes_at = Some(now);
            self.task_lanes_stale = false;
        }
        if drained > 0 {
            self.refresh_stats();
        }
    }

    /// Figures of finished runs, computed again only for a run that took records since (a
    /// thread's last marks can come in after its run's end).
    fn refresh_stats(&mut self) {
        let runs = &self.trace().runs;
        let fresh: Vec<(usize, Option<RunStats>)> = runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let size = r.size();
                match self.stats.get(i) {
                    Some(&(was, Some(s))) if was == size => (size, Some(s)),
                    _ => (size, r.finished().then(|| r.stats())),
                }
            })
            .collect();
        self.stats = fresh;
        self.verdict = self.finished().then(|| {
            let stats = |i: usize| self.run_stats(i).copied();
            crate::present::verdict::verdict(self.trace(), stats).line
        });
        let key = self.reveal_key();
        if self.reveals.0 != key {
            let trace = self.trace();
            let fresh = self.questions().iter().map(|q| q.revealed(trace)).collect();
            self.reveals = (key, fresh);
        }
    }

    /// What the reveals kept were measured from: how many questions, runs, and records.
    fn reveal_key(&self) -> RevealKey {
        let runs = &self.trace().runs;
        let size = runs.iter().map(|r| r.size()).sum();
        (self.questions().len(), runs.len(), size)
    }

    /// Question `question`'s measured figure and right answers: as kept since the trace last
    /// changed (measured now, where it changed since and was not taken in yet).
    pub fn revealed(&self, question: usize) -> Revealed {
        let kept = (self.reveals.0 == self.reveal_key())
            .then(|| self.reveals.1.get(question))
            .flatten();
        match (kept, self.questions().get(question)) {
            (Some(o), _) => o.clone(),
            (None, Some(q)) => q.revealed(self.trace()),
            (None, None) => Revealed::default(),
        }
    }

    /// The lesson's settings and runs to start a what-if from, or why there are none.
    pub fn what_if_base(&self) -> Result<&crate::lab::Plan, &'static str> {
        let Source::Live(lab) = &self.source else {
            return Err("what-if reruns a lesson: not for a saved trace");
        };
        let Some(plan) = lab.latest() else {
            return Err("what-if reruns a lesson: not for a real program");
        };
        // Runs measured beside others still going would not compare fairly.
        match self.finished() {
            true => Ok(plan),
            false => Err("what-if waits for the runs to finish"),
        }
    }

    /// Run a second set beside the runs there (they stay, as ghosts).
    pub fn what_if(&mut self, options: Options) -> Result<(), crate::Error> {
        let Source::Live(lab) = &mut self.source else {
            return Ok(());
        };
        lab.what_if(options)?;
        self.stats.clear();
        self.rows.clear();
        self.wakes.clear();
        Ok(())
    }

    /// Live: stop what runs and run the lesson again (`Ok(true)`); a replay has nothing to run
    /// (`Ok(false)`); a sampled program is not run again (`Err`: why).
    pub fn rerun(&mut self) -> Result<bool, &'static str> {
        let Source::Live(lab) = &mut self.source else {
            return Ok(false);
        };
        if lab.latest().is_none() {
            return Err("r reruns a lesson: a real program is not run again");
        }
        lab.rerun();
        self.forget();
        Ok(true)
    }

    /// Save the trace (`s`): where `--save` said, else a name made from the lesson and the
    /// time; what happened, in words.
    pub fn save(&self) -> String {
        let trace = self.trace();
        let path = self.save_path.clone().unwrap_or_else(|| {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            PathBuf::from(format!("runwait-{}-{secs}.json", trace.scenario))
        });
        match file::save(trace, &path) {
            Ok(()) => format!("saved to {}", path.display()),
            Err(e) => format!("not saved: {e}"),
        }
    }

    /// Predict, then run: whether the runs' questions are asked before each run (`--predict`,
    /// `p`).
    pub fn predicts(&self) -> bool {
        matches!(&self.source, Source::Live(lab) if lab.predicts())
    }

    /// Whether the class is answering: the runs asked about have not started.
    pub fn asking(&self) -> bool {
        self.asking.is_some()
    }

    /// Whether what the class answers comes before the lesson's first runs.
    pub fn asking_first(&self) -> bool {
        self.asking.as_ref().is_some_and(|a| a.first)
    }

    /// The trace the runs record (live) or the file's: where the questions and counts are.
    fn recorded(&self) -> &Trace {
        match &self.source {
            Source::Live(lab) => lab.trace(),
            Source::Replay(trace) => trace,
        }
    }

    /// The questions asked, with their counts.
    pub fn questions(&self) -> &[Question] {
        &self.recorded().questions
    }

    /// The question run `run`'s panel asks, and its place among [`Session::questions`]: the
    /// run's own, or, on the first panel of a set, the question about the set as a whole.
    pub fn question_of(&self, run: usize) -> Option<(usize, &Question)> {
        let trace = self.trace();
        let set = trace.runs.get(run)?.meta.set;
        let first = trace.runs.iter().position(|r| r.meta.set == set) == Some(run);
        let mut questions = self.questions().iter().enumerate();
        let own = questions.clone().find(|(_, q)| q.run == Some(run as u32));
        own.or_else(|| questions.find(|(_, q)| first && q.run.is_none() && q.set == set))
    }

    /// Ask the class before `then` runs: the lab plans its runs and asks their questions; they
    /// are shown named and empty until [`Session::go`]. Live lessons only; why not, if not.
    pub fn ask(&mut self, then: Then) -> Result<(), String> {
        let Source::Live(lab) = &mut self.source else {
            return Err("predict asks before a run: a saved trace is not run again".into());
        };
        if lab.latest().is_none() {
            return Err(
                "predict asks before a lesson's runs: a real program is not run again".into(),
            );
        }
        // From now on the lab asks before every set of runs.
        if !lab.predicts() {
            lab.predict();
        }
        let first = matches!(then, Then::Start);
        let set = match then {
            Then::Start => 0,
            Then::Rerun => {
                lab.plan_rerun();
                0
            }
            Then::WhatIf(options) => lab.plan_what_if(*options).map_err(|e| e.to_string())?,
        };
        let Source::Live(lab) = &self.source else {
            return Ok(());
        };
        let plan = lab.latest().expect("a lesson's plan");
        self.asking = Some(Asking::new(lab.trace(), plan, set, first));
        match set {
            0 => self.forget(),
            _ => self.rows.clear(),
        }
        Ok(())
    }

    /// Count `delta` hands for an answer (while the class answers): into the trace, through
    /// the recorder. Whether the count changed.
    pub fn count(&mut self, question: usize, answer: usize, delta: i32) -> bool {
        let Source::Live(lab) = &mut self.source else {
            return false;
        };
        let count = |lab: &Lab| {
            let q = lab.trace().questions.get(question);
            q.and_then(|q| q.counts.get(answer).copied())
        };
        let was = count(lab);
        if self.asking.is_some() && was.is_some() {
            lab.count(question as u32, answer as u32, delta);
        }
        count(lab) != was
    }

    /// Run what the class answered about.
    pub fn go(&mut self) {
        if self.asking.take().is_none() {
            return;
        }
        if let Source::Live(lab) = &mut self.source {
            lab.start();
        }
        self.stats.clear();
    }

    /// Forget what was worked out of the runs shown (they give way to others).
    fn forget(&mut self) {
        self.task_lanes.clear();
        self.stats.clear();
        self.rows.clear();
        self.wakes.clear();
        self.verdict = None;
    }

    /// Stop every run (quit): worker processes are killed, threads joined.
    pub fn stop(&mut self) {
        if let Source::Live(lab) = &mut self.source {
            lab.stop();
        }
    }
}

/// Each task's spans as a lane of its own (a task runs on one worker, so they stay in order),
/// indexed for drawing as a recorded lane is.
pub fn derive_task_lanes(trace: &Trace) -> Vec<Vec<Lane>> {
    trace.runs.iter().map(task_lanes).collect()
}

fn task_lanes(run: &Run) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = (0..run.meta.tasks)
        .map(|t| Lane::new(LaneId::numbered(LaneKind::Task, t)))
        .collect();
    for (t, lane) in lanes.iter_mut().enumerate() {
        lane.note_role(run.meta.role_of(t as u32));
    }
    for lane in &run.lanes {
        for span in &lane.spans {
            if let Some(l) = span.task.and_then(|t| lanes.get_mut(t as usize)) {
                l.spans.push(*span);
            }
        }
        if let Some(open) = lane.open {
            if let Some(l) = open.task.and_then(|t| lanes.get_mut(t as usize)) {
                l.open = Some(open);
            }
        }
    }
    for l in &mut lanes {
        l.spans.sort_by_key(|s| s.start_ns);
        l.reindex();
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{RunMeta, Span, State};

    fn trace() -> Trace {
        let mut trace = Trace::new("t");
        let run = trace.add_run(RunMeta {
            tasks: 2,
            ..RunMeta::default()
        });
        let r = &mut trace.runs[run as usize];
        r.start_ns = Some(0);
        r.end_ns = Some(30);
        for (task, start) in [(1, 0), (0, 10)] {
            r.lane_mut(0).push(Span {
                task: Some(task),
                state: State::Run,
                reason: None,
                start_ns: start,
                end_ns: start + 10,
            });
        }
        trace
    }

    #[test]
    fn a_replay_is_whole_with_its_figures_and_lanes_by_task() {
        let mut s = Session::replay(trace());
        assert!(!s.is_live() && s.finished());
        assert_eq!(s.now_ns, 30);
        assert!(s.run_stats(0).is_some(), "a finished run's figures");
        assert_eq!(s.lanes(0, true).len(), 1, "no lanes by task until asked");
        s.group_by_task(true);
        let by_task = s.lanes(0, true);
        assert_eq!(by_task.len(), 2);
        assert_eq!(by_task[1].spans[0].start_ns, 0, "task 1 ran first");
        assert_eq!(s.rerun(), Ok(false), "a replay has nothing to run");
        assert!(s.what_if_base().is_err());
    }

    /// The reveal's figure and right answer are measured once, when the trace changes, not
    /// each frame: kept, and the same as measuring again.
    #[test]
    fn a_questions_reveal_is_kept_until_the_trace_changes() {
        use crate::trace::{Answer, Figure};
        let mut t = trace();
        let answers = vec![
            Answer::new("under 1 ms", 0.0, 1.0),
            Answer::new("1 ms or more", 1.0, f64::INFINITY),
        ];
        let q = Question::new(Some(0), "How late?", Figure::TickLateMs, answers);
        t.runs[0].meta.ready = crate::trace::Reason::Loop;
        t.questions = vec![q.clone()];
        let s = Session::replay(t.clone());
        assert_eq!(s.reveals.0, s.reveal_key(), "kept for this trace");
        assert_eq!(s.reveals.1, vec![q.revealed(&t)]);
        assert_eq!(s.revealed(0).right, vec![0]);
        assert_eq!(s.revealed(7), Revealed::default(), "no such question");
    }

    #[test]
    fn save_says_where_and_a_path_it_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Session::replay(trace());
        s.save_path = Some(dir.path().join("t.json"));
        assert!(s.save().starts_with("saved to "), "{}", s.save());
        s.save_path = Some(dir.path().join("no/such/dir/t.json"));
        assert!(s.save().starts_with("not saved: "));
    }
}
