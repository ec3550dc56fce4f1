//! The sampling loop, on a thread of its own: every period, sample each process of the program
//! (the one started or attached to, and the Python processes it starts, found as they start);
//! read the asyncio probe's reports; stop when every process is gone or when asked.

use super::process::{self, How, Process, RunInto};
use super::procfs;
use super::program::Program;
use super::tasks::{Event, Listener};
use crate::instrument::{Clock, Mark, Msg, Sink};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the processes' children are looked for.
const SCAN_EVERY: Duration = Duration::from_millis(50);

/// How long a new child process is tried before it is taken as not Python.
const CHILD_PATIENCE: Duration = Duration::from_secs(3);

/// The loop's state.
pub struct Loop {
    pub processes: Vec<Process>,
    /// Processes seen, Python or not (their children are followed too), and since when.
    pub known: HashMap<u32, Instant>,
    /// Processes not (yet) opened as Python.
    pub pending: HashSet<u32>,
    /// Processes found not to be Python: only their children are followed.
    pub others: HashSet<u32>,
    pub program: Option<Program>,
    pub probe: Option<Listener>,
    pub how: How,
    pub sink: Sink,
    pub clock: Clock,
    /// The id the next run gets, and the start every run is drawn from (the first process's).
    pub next_run: u32,
    pub start_ns: u64,
    /// The one run every process goes in, if they share one; and how many were opened.
    pub one_run: Option<Arc<Mutex<RunInto>>>,
    pub opened: u32,
}

impl Loop {
    /// Sample until every process is gone or `stop` is set; returns the started program's exit
    /// code if it ended by itself.
    pub fn run(mut self, stop: &AtomicBool) -> Option<i32> {
        let period = Duration::from_secs(1) / self.how.hz.max(1);
        let mut next = Instant::now();
        let mut scanned = Instant::now();
        while !stop.load(Ordering::Relaxed) && !self.processes.is_empty() {
            self.processes.retain_mut(Process::sample);
            self.read_probe();
            if scanned.elapsed() >= SCAN_EVERY {
                scanned = Instant::now();
                self.scan_children();
            }
            next += period;
            match next.checked_duration_since(Instant::now()) {
                Some(left) => std::thread::sleep(left),
                None => next = Instant::now(),
            }
        }
        self.finish(stop.load(Ordering::Relaxed))
    }

    /// Every run still going ends now; the program is stopped if it was asked.
    fn finish(mut self, stopped: bool) -> Option<i32> {
        let now = self.clock.now_ns();
        for p in &mut self.processes {
            p.end(now);
        }
        let mut program = self.program.take()?;
        let code = if stopped { None } else { program.exited() };
        program.stop();
        code
    }

    /// Add what the probe reported to the task lanes of the processes it came from.
    fn read_probe(&mut self) {
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        for (pid, event) in probe.poll() {
            let Some(p) = self.processes.iter_mut().find(|p| p.pid == pid) else {
                continue;
            };
            match event {
                Event::Named { task, name } => {
                    p.name_task(task, &name);
                }
                Event::Mark {
                    task,
                    t_ns,
                    mark,
                    reason,
                } => {
                    let lane = p.task_lane(task);
                    p.task_mark(lane, t_ns, mark, reason);
                }
            }
        }
    }

    /// Look for processes started by those followed; open the Python ones as runs.
    fn scan_children(&mut self) {
        let parents: Vec<u32> = self
            .processes
            .iter()
            .map(|p| p.pid)
            .chain(self.others.iter().copied())
            .collect();
        for pid in parents.into_iter().flat_map(procfs::children) {
            if let std::collections::hash_map::Entry::Vacant(e) = self.known.entry(pid) {
                e.insert(Instant::now());
                self.pending.insert(pid);
            }
        }
        let pending: Vec<u32> = self.pending.iter().copied().collect();
        for pid in pending {
            self.try_open(pid);
        }
    }

    /// Open a new child process as a run, if it is Python (it may not be yet: it may still be
    /// starting); given up on after a while, or when it is gone.
    fn try_open(&mut self, pid: u32) {
        if !procfs::alive(pid) {
            self.pending.remove(&pid);
            return;
        }
        match process::open(pid, self.how.paused) {
            Ok(spy) => {
                self.pending.remove(&pid);
                let p = self.add(spy);
                self.processes.push(p);
            }
            Err(_) if self.known[&pid].elapsed() > CHILD_PATIENCE => {
                self.pending.remove(&pid);
                self.others.insert(pid);
            }
            Err(_) => {}
        }
    }

    /// A process's run, added to the trace, drawn from the first process's start; or, with
    /// one run for them all, the next process in it (the first tells the run how it is
    /// sampled and starts it).
    pub fn add(&mut self, spy: py_spy::PythonSpy) -> Process {
        let pid = spy.pid as u32;
        let meta = process::meta(pid, Some(&spy), &self.how);
        let number = self.opened;
        self.opened += 1;
        let into = match &self.one_run {
            Some(into) => {
                let mut run = into.lock().unwrap_or_else(|e| e.into_inner());
                if number == 0 {
                    run.meta.sampled = meta.sampled.clone();
                    run.meta.cpu_waits_hz = meta.cpu_waits_hz;
                    self.sink.send_surely(Msg::Meta {
                        run: run.run,
                        meta: Box::new(run.meta.clone()),
                    });
                }
                (into.clone(), number)
            }
            None => {
                self.sink.send_surely(Msg::NewRun(Box::new(meta.clone())));
                let run = self.next_run;
                self.next_run += 1;
                (RunInto::new(run, meta.clone(), false), 0)
            }
        };
        let p = Process::new(spy, &meta, into, self.sink.clone(), self.clock);
        if number == 0 || self.one_run.is_none() {
            p.mark_run(self.start_ns, Mark::RunStart);
        }
        p
    }
}
