//! One sampled Python process: a run of the trace. Each sample reads every Python thread's
//! stack (py-spy), says what each thread does ([`classify`](super::classify)) and sends what
//! changed to the recorder: a thread's state as a mark on its lane, where it is (its top frame),
//! and how long the OS kept it waiting for a CPU (its `schedstat`, as the CPU-wait probe reads
//! runwait's own threads).

use super::classify::{classify, Doing, GilFutexes, Seen, SYSCALLS_KNOWN};
use super::procfs;
use crate::instrument::probe::{read_waited, CpuWait};
use crate::instrument::{Clock, Mark, Msg, Record, Sink};
use crate::trace::{
    LaneId, LaneKind, Origin, ProcessId, Reason, RunMeta, Sampled, State, Strength,
};
use py_spy::{PythonSpy, StackTrace};
use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A Python thread of the process, a lane of its run.
struct Thread {
    lane: u32,
    /// Its number among the process's lanes, from 1.
    number: u32,
    name: Option<String>,
    tid: Option<u32>,
    schedstat: Option<File>,
    /// Its time waiting for a CPU as last read, and when.
    waited_ns: u64,
    read_at: Instant,
    doing: Option<Doing>,
    function: Option<String>,
    /// Samples in a row it ran without the GIL, off the GIL's futex.
    unheld: u32,
}

/// How a process is sampled.
#[derive(Clone, Debug)]
pub struct How {
    pub hz: u32,
    pub paused: bool,
    /// Its asyncio tasks are reported by the probe.
    pub tasks: bool,
}

/// The run processes are sampled into: its metadata and how many lanes it has. A run of the
/// process's own, or one run every process of a program shares (their lanes numbered across
/// them, the run's metadata its owner's but for how it was sampled).
#[derive(Debug)]
pub struct RunInto {
    pub run: u32,
    pub meta: RunMeta,
    pub lanes: u32,
    /// Shared by the program's processes: its `workers` are not one process's threads, and it
    /// ends when its owner says (at the latest `ended_ns` of its processes).
    pub shared: bool,
    pub ended_ns: Option<u64>,
}

impl RunInto {
    pub fn new(run: u32, meta: RunMeta, shared: bool) -> Arc<Mutex<RunInto>> {
        Arc::new(Mutex::new(RunInto {
            run,
            meta,
            lanes: 0,
            shared,
            ended_ns: None,
        }))
    }
}

/// A process being sampled, its run and its threads' lanes.
pub struct Process {
    pub pid: u32,
    pub run: u32,
    /// Its number among the processes of a shared run: 0 the program's first, then its worker
    /// processes from 1 (always 0 in a run of its own).
    number: u32,
    into: Arc<Mutex<RunInto>>,
    spy: PythonSpy,
    gil: Option<GilFutexes>,
    threads: HashMap<u64, Thread>,
    /// asyncio tasks' lanes, by the probe's task number.
    tasks: HashMap<u64, u32>,
    /// Its own lanes so far.
    lanes: u32,
    sink: Sink,
    clock: Clock,
    /// Samples that failed in a row (the process changing under the reader).
    failures: u32,
}

/// The run's metadata for a process, as far as it is known.
pub fn meta(pid: u32, spy: Option<&PythonSpy>, how: &How) -> RunMeta {
    let command = procfs::command_line(pid);
    let version = spy.map(|s| &s.version);
    let python = version.map_or(String::new(), |v| {
        format!("{}.{}.{}", v.major, v.minor, v.patch)
    });
    let gil_waits = version.is_some_and(|v| tells_gil_waits((v.major as u32, v.minor as u32)));
    RunMeta {
        executor: "python".into(),
        label: format!("{} (pid {pid})", short_command(&command)),
        workers: 0,
        // CPython's own GIL (a free-threaded build is not told apart).
        gil: true,
        tasks: 0,
        lane_kind: LaneKind::Thread,
        ready: Reason::Gil,
        strength: Strength::Overlaps,
        origin: Origin::Sampled,
        cpu_waits_hz: crate::instrument::probe::available().then_some(how.hz),
        cores: Some(crate::exec::cores()),
        sampled: Some(Sampled {
            pid,
            command,
            python,
            hz: how.hz,
            paused: how.paused,
            gil_waits,
            tasks: how.tasks,
            syscalls: SYSCALLS_KNOWN,
        }),
        ..RunMeta::default()
    }
}

/// Whether the sampler tells a wait for the GIL apart from a wait for another lock on CPython
/// `(major, minor)`: from 3.12 on, where system calls are known.
pub fn tells_gil_waits(version: (u32, u32)) -> bool {
    version >= (3, 12) && SYSCALLS_KNOWN
}

/// Whether the sampler tells what a thread waits for from its system call (Linux on x86-64 and
/// aarch64).
pub const TELLS_WAIT_REASONS: bool = SYSCALLS_KNOWN;

/// A command line shortened for a title: the program's and the script's file names.
fn short_command(command: &str) -> String {
    let mut words = command.split(' ').filter(|w| !w.is_empty());
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let program = words.next().map(base).unwrap_or_default();
    match words.find(|w| !w.starts_with('-')) {
        Some(script) if script.ends_with(".py") => format!("{program} {}", base(script)),
        _ => program,
    }
}

/// Open a process for sampling (py-spy finds its interpreter).
pub fn open(pid: u32, paused: bool) -> anyhow::Result<PythonSpy> {
    let config = py_spy::Config {
        blocking: if paused {
            py_spy::config::LockingStrategy::Lock
        } else {
            py_spy::config::LockingStrategy::NonBlocking
        },
        ..py_spy::Config::default()
    };
    PythonSpy::new(pid as py_spy::Pid, &config)
}

impl Process {
    /// Sample `spy`'s process (of metadata `own`) into `into` (already added to the trace), as
    /// its process `number`.
    pub fn new(
        spy: PythonSpy,
        own: &RunMeta,
        (into, number): (Arc<Mutex<RunInto>>, u32),
        sink: Sink,
        clock: Clock,
    ) -> Process {
        let v = &spy.version;
        let run = lock(&into).run;
        let gil = own
            .sampled
            .as_ref()
            .is_some_and(|s| s.gil_waits)
            .then(|| GilFutexes::at(spy.addresses.threadstate_address as u64))
            .filter(|_| (v.major, v.minor) >= (3, 12));
        Process {
            pid: spy.pid as u32,
            run,
            number,
            into,
            spy,
            gil,
            threads: HashMap::new(),
            tasks: HashMap::new(),
            lanes: 0,
            sink,
            clock,
            failures: 0,
        }
    }

    /// Take one sample; false once the process is gone.
    pub fn sample(&mut self) -> bool {
        let at_ns = self.clock.now_ns();
        let traces = match self.spy.get_stack_traces() {
            Ok(traces) => traces,
            Err(_) => return self.failed(at_ns),
        };
        self.failures = 0;
        let mut seen = Vec::with_capacity(traces.len());
        // py-spy lists the newest thread first: lanes go in the order threads started.
        // A thread state not yet bound to its thread (id 0) is a thread still starting.
        for trace in traces.iter().rev().filter(|t| t.thread_id != 0) {
            seen.push(trace.thread_id);
            self.sample_thread(trace, at_ns);
        }
        let gone: Vec<u64> = self
            .threads
            .keys()
            .filter(|id| !seen.contains(id))
            .copied()
            .collect();
        for id in gone {
            if let Some(thread) = self.threads.remove(&id) {
                self.mark(at_ns, thread.lane, Mark::Done, None);
            }
        }
        true
    }

    /// A sample failed: the process may be gone, or changing under the reader (a few failures
    /// in a row are normal without pausing it).
    fn failed(&mut self, at_ns: u64) -> bool {
        self.failures += 1;
        if procfs::alive(self.pid) && self.failures < 1_000 {
            return true;
        }
        self.end(at_ns);
        false
    }

    /// The process is gone: every lane's task ends, and so does the run (a shared one when its
    /// owner says).
    pub fn end(&mut self, at_ns: u64) {
        let lanes: Vec<u32> = self.threads.drain().map(|(_, t)| t.lane).collect();
        for lane in lanes {
            self.mark(at_ns, lane, Mark::Done, None);
        }
        let mut into = lock(&self.into);
        into.ended_ns = into.ended_ns.max(Some(at_ns));
        if !into.shared {
            drop(into);
            self.mark_run(at_ns, Mark::RunEnd);
        }
    }

    pub fn mark_run(&self, at_ns: u64, mark: Mark) {
        self.sink.send_record(Record {
            t_ns: at_ns,
            run: self.run,
            lane: 0,
            task: crate::instrument::NO_TASK,
            mark,
            reason: None,
        });
    }

    fn mark(&self, t_ns: u64, lane: u32, mark: Mark, reason: Option<Reason>) {
        self.sink.send_record(Record {
            t_ns,
            run: self.run,
            lane,
            task: lane,
            mark,
            reason,
        });
    }

    fn sample_thread(&mut self, trace: &StackTrace, at_ns: u64) {
        let pid = self.pid;
        let gil = self.gil;
        if !self.threads.contains_key(&trace.thread_id) {
            self.add_thread(trace);
        }
        let Some(thread) = self.threads.get_mut(&trace.thread_id) else {
            return;
        };
        let frames: Vec<(&str, &str)> = trace
            .frames
            .iter()
            .take(4)
            .map(|f| (f.name.as_str(), f.filename.as_str()))
            .collect();
        let needs_syscall = !trace.active || !trace.owns_gil;
        let syscall = thread
            .tid
            .filter(|_| needs_syscall)
            .and_then(|tid| procfs::syscall(pid, tid));
        let off_gil = syscall.is_none_or(|s| gil.is_none_or(|g| !g.holds_futex(s)));
        thread.unheld = match trace.active && !trace.owns_gil && off_gil {
            true => thread.unheld + 1,
            false => 0,
        };
        let seen = Seen {
            owns_gil: trace.owns_gil,
            active: trace.active,
            syscall,
            frames: &frames,
            unheld: thread.unheld,
        };
        let doing = classify(&seen, gil);
        let (lane, name) = (thread.lane, trace.thread_name.clone());
        let changed = thread.doing.replace(doing) != Some(doing);
        let wait = thread_cpu_wait(thread);
        let place = where_now(thread, trace, doing);
        if name.is_some() && name != thread.name {
            thread.name = name.clone();
            let id = thread_id(self.pid, thread.number, thread.tid, name);
            self.name_lane(lane, id);
        }
        if changed {
            let mark = match doing.state {
                State::Run => Mark::Run,
                State::Wait => Mark::Wait,
                State::Ready => Mark::Ready,
            };
            self.mark(at_ns, lane, mark, doing.reason);
        }
        if let Some(function) = place {
            self.sink.send(Msg::Where {
                run: self.run,
                lane,
                at_ns,
                function,
                gil_released: doing.gil_released,
            });
        }
        if let Some(wait) = wait {
            self.sink.send_record(Record {
                t_ns: at_ns,
                run: self.run,
                lane,
                task: wait.pack(),
                mark: Mark::CpuWait,
                reason: None,
            });
        }
    }

    fn add_thread(&mut self, trace: &StackTrace) {
        let (lane, own) = self.new_lane();
        let tid = trace.os_thread_id.map(|t| t as u32);
        let schedstat = tid.and_then(|tid| procfs::schedstat(self.pid, tid));
        let waited_ns = schedstat.as_ref().and_then(read_waited).unwrap_or(0);
        self.threads.insert(
            trace.thread_id,
            Thread {
                lane,
                number: own + 1,
                name: None,
                tid,
                schedstat,
                waited_ns,
                read_at: Instant::now(),
                doing: None,
                function: None,
                unheld: 0,
            },
        );
        // py-spy names threads from `threading`; without it, the main thread is still known.
        let name = (tid == Some(self.pid)).then(|| "MainThread".to_string());
        let id = thread_id(self.pid, own + 1, tid, name);
        self.name_lane(lane, id);
        let mut into = lock(&self.into);
        if !into.shared {
            into.meta.workers = self.threads.len() as u32;
        }
        self.send_meta(&into);
    }

    fn send_meta(&self, into: &RunInto) {
        self.sink.send_surely(Msg::Meta {
            run: self.run,
            meta: Box::new(into.meta.clone()),
        });
    }

    /// A new lane (and task) of the run, and its number among the process's own lanes.
    fn new_lane(&mut self) -> (u32, u32) {
        let own = self.lanes;
        self.lanes += 1;
        let mut into = lock(&self.into);
        let lane = into.lanes;
        into.lanes += 1;
        into.meta.tasks = into.lanes;
        (lane, own)
    }

    /// Name `lane`: in a shared run, a worker process's lanes are within it, the first of them
    /// standing for it (`process 1 (pid 4242)`, then `process 1 · Thread-2`).
    fn name_lane(&self, lane: u32, mut id: LaneId) {
        if self.number > 0 {
            id.process = Some(ProcessId {
                number: self.number,
                pid: self.pid,
            });
            if id.kind == LaneKind::Thread && id.number == 1 {
                id.kind = LaneKind::Process;
                id.number = self.number;
            }
        }
        self.sink.send_surely(Msg::LaneId {
            run: self.run,
            lane,
            id,
        });
    }

    /// An asyncio task's lane (the probe's task number), added the first time it is heard of.
    pub fn task_lane(&mut self, task: u64) -> u32 {
        if let Some(&lane) = self.tasks.get(&task) {
            return lane;
        }
        let (lane, _) = self.new_lane();
        self.tasks.insert(task, lane);
        let number = u32::try_from(task).unwrap_or(u32::MAX);
        self.name_lane(lane, LaneId::numbered(LaneKind::Task, number));
        self.send_meta(&lock(&self.into));
        lane
    }

    /// An asyncio task's name, as the probe says it (`Task-3 fetch`).
    pub fn name_task(&mut self, task: u64, name: &str) {
        let lane = self.task_lane(task);
        let number = u32::try_from(task).unwrap_or(u32::MAX);
        self.name_lane(lane, LaneId::named(LaneKind::Task, number, name));
    }

    /// A task's state change, reported by the probe at `t_ns`.
    pub fn task_mark(&self, lane: u32, t_ns: u64, mark: Mark, reason: Option<Reason>) {
        self.mark(t_ns, lane, mark, reason);
    }
}

/// The run's state, even if a thread panicked holding it.
fn lock(into: &Mutex<RunInto>) -> std::sync::MutexGuard<'_, RunInto> {
    into.lock().unwrap_or_else(|e| e.into_inner())
}

/// Thread `number` (from 1) of process `pid`: its OS thread id, and its Python name once known
/// (until then, `thread N`).
fn thread_id(pid: u32, number: u32, tid: Option<u32>, name: Option<String>) -> LaneId {
    LaneId {
        kind: LaneKind::Thread,
        number,
        process: Some(ProcessId { number: 0, pid }),
        name,
        tid: tid.map(u64::from),
    }
}

/// How long the thread waited for a CPU since its last read, if it did.
fn thread_cpu_wait(thread: &mut Thread) -> Option<CpuWait> {
    let waited = read_waited(thread.schedstat.as_ref()?)?;
    let now = Instant::now();
    let since = now.duration_since(std::mem::replace(&mut thread.read_at, now));
    let us = (waited.saturating_sub(thread.waited_ns) / 1_000).min(CpuWait::MAX_US as u64);
    if us == 0 {
        return None;
    }
    thread.waited_ns += us * 1_000;
    Some(CpuWait::new(us as u32, since))
}

/// The thread's top frame as `function (file)`, if it changed since the last sample.
fn where_now(thread: &mut Thread, trace: &StackTrace, doing: Doing) -> Option<String> {
    let top = trace.frames.first().map_or_else(
        || "(no Python frame)".to_string(),
        |f| {
            let file = f.filename.rsplit('/').next().unwrap_or(&f.filename);
            format!("{} ({file})", f.name)
        },
    );
    let key = format!("{top}{}", if doing.gil_released { "*" } else { "" });
    (thread.function.as_deref() != Some(key.as_str())).then(|| {
        thread.function = Some(key);
        top
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_names_the_program_and_its_script() {
        assert_eq!(
            short_command("/usr/bin/python3.12 -u /home/me/app.py --fast"),
            "python3.12 app.py"
        );
        assert_eq!(short_command("python3 -c print(1)"), "python3");
    }
}
