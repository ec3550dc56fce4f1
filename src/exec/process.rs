//! `process`: N real OS worker processes (multiprocessing.Pool), each the runwait binary
//! started in its hidden worker mode. Tasks go out over the worker's stdin; the records its own
//! Layer stamped come back over its stdout, put on the parent's clock by the handshake.
//!
//! A worker's start-up is `run` on its lane with no task (the article's "high overhead"). A
//! worker that dies mid-task loses that task (marked `lost`); the other workers finish the rest.
//!
//! Workers share no memory. The run's queues (Parallel Salads' bowls) live in runwait: a worker
//! asks over its pipe to put or get, and its lane's thread here does it and answers, the way
//! multiprocessing's queues pass items over pipes. Their lengths are stamped here, as they change.

use super::heartbeat::{self, Heard, Watch};
use super::pool::{on_pool_threads, TaskQueue};
use super::shared::{End, Local, Queues};
use super::worker::Worker;
use super::{cores, meta, plain_label, Env, ExecSpec, Executor, PythonModel, RunCtx, Variant};
use crate::instrument::wire::{self, Alignment, Frame};
use crate::instrument::{dispatch, mark, At, Clock, Mark, Msg, Sink, NO_TASK};
use crate::trace::{LaneId, LaneKind, RunMeta, Strength};
use crate::workload::Task;
use crossbeam_channel::Receiver;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The hidden subcommand that starts a worker.
pub const WORKER_ARG: &str = "__worker";
/// Test hook: a worker given the task with this id dies on it, as a crashing worker would.
pub const CRASH_ENV: &str = "RUNWAIT_WORKER_CRASH_TASK";
const HANDSHAKE_ROUNDS: u32 = 8;

/// One task sent to a worker.
#[derive(Serialize, Deserialize)]
struct Job {
    run: u32,
    lane: u32,
    http_timeout_ms: u64,
    task: Task,
}

/// The most worker processes a run may start.
pub const MAX_PROCESSES: u32 = crate::trace::limits::MAX_PROCESSES;

pub struct Processes;

impl Executor for Processes {
    fn name(&self) -> &'static str {
        "process"
    }

    fn default_workers(&self) -> u32 {
        cores()
    }

    fn max_workers(&self) -> Option<u32> {
        Some(MAX_PROCESSES)
    }

    fn shares_memory(&self) -> bool {
        false
    }

    fn python_model(&self, _variant: Option<Variant>) -> Option<PythonModel> {
        Some(PythonModel::Processes)
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            lane_kind: LaneKind::Process,
            strength: Strength::ProcessesUseEveryCore,
            ..meta(spec, plain_label(spec))
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        run(ctx, tasks, spec.workers());
    }
}

fn run(ctx: &RunCtx, tasks: Vec<Task>, workers: u32) {
    let queue = TaskQueue::new(ctx, tasks);
    on_pool_threads(ctx, workers, "runwait-pool", |lane| {
        serve_lane(ctx, lane, &queue)
    });
    // Every worker died: what is left was never started, and is lost (unless the run was
    // stopped on purpose).
    let _default = tracing::dispatcher::set_default(&ctx.dispatch);
    for task in queue.rest().into_iter().take_while(|_| !ctx.stopped()) {
        let at = At {
            run: ctx.run,
            lane: 0,
            task: task.id,
        };
        mark(at, Mark::Lost);
        ctx.notes
            .lost(ctx.run, "every worker process was gone before it".into());
    }
}

/// Kills the worker if the lane ends without it having exited: no worker outlives runwait.
/// Shared with the run's [`Stop`](super::Stop), which kills it on a stop.
struct Kid(Arc<Mutex<Child>>);

impl Kid {
    fn wait(&self) {
        let _ = self.0.lock().unwrap_or_else(|e| e.into_inner()).wait();
    }
}

/// A way to kill a worker process from another thread (a time limit's watchdog).
#[derive(Clone)]
pub(super) struct Killer(Arc<Mutex<Child>>);

impl Killer {
    pub(super) fn kill(&self) {
        let _ = self.0.lock().unwrap_or_else(|e| e.into_inner()).kill();
    }
}

/// A worker process, the pipes to it and its clock, aligned with the parent's; watched, so
/// that one that stops answering is killed (see [`heartbeat`]).
pub(super) struct Link {
    kid: Kid,
    to: BufWriter<ChildStdin>,
    from: BufReader<Heard<ChildStdout>>,
    alignment: Alignment,
    watch: Watch,
}

impl Link {
    /// Have the worker do `task` (with the id [`NO_TASK`], the lane's own work), relaying its
    /// records and answering its queue questions (a wait gives up once `cancel` is set) until
    /// the task ends.
    pub(super) fn serve(
        &mut self,
        ctx: &RunCtx,
        lane: u32,
        task: &Task,
        cancel: Option<&AtomicBool>,
    ) -> Result<(), String> {
        send_job(ctx, lane, task, &mut self.to)?;
        let expected = heartbeat::expected(task, &ctx.env, ctx.workers);
        self.watch.task(task.id, expected);
        let (from, to) = (&mut self.from, Some(&mut self.to));
        let job = Some((lane, task.id));
        let served = relay(ctx, from, to, &self.alignment, job, cancel);
        self.watch.task_over();
        served
    }

    /// Why the worker was taken for lost and killed, if it was (it stopped answering).
    pub(super) fn why_killed(&self) -> Option<String> {
        self.watch.why()
    }

    pub(super) fn killer(&self) -> Killer {
        Killer(self.kid.0.clone())
    }

    /// Close the worker's input, pass on what it still sends, and wait for it to exit.
    pub(super) fn close(self, ctx: &RunCtx, lane: u32) {
        let Link {
            kid,
            to,
            mut from,
            alignment,
            watch,
        } = self;
        drop(to);
        if let Err(why) = relay(ctx, &mut from, None::<&mut Vec<u8>>, &alignment, None, None) {
            let why = watch.why().unwrap_or(why);
            tracing::warn!(run = ctx.run, lane, "worker process ended badly: {why}");
        }
        drop(watch);
        kid.wait();
    }
}

impl Drop for Kid {
    fn drop(&mut self) {
        let mut child = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

fn serve_lane(ctx: &RunCtx, lane: u32, queue: &TaskQueue) {
    let start_up = At {
        run: ctx.run,
        lane,
        task: NO_TASK,
    };
    mark(start_up, Mark::Run);
    let started = start_worker(ctx, lane, LaneKind::Process);
    mark(start_up, Mark::Idle);
    let mut link = match started {
        Ok(link) => link,
        Err(why) => {
            tracing::error!(run = ctx.run, lane, "worker process did not start: {why}");
            return;
        }
    };
    while let Some(task) = queue.next() {
        if ctx.stopped() {
            break;
        }
        let at = At {
            run: ctx.run,
            lane,
            task: task.id,
        };
        if let Err(why) = link.serve(ctx, lane, &task, None) {
            lose(ctx, at, link.why_killed().unwrap_or(why));
            return;
        }
    }
    link.close(ctx, lane);
}

/// Mark the task `at` lost, and note why (unless the run is being stopped: a stop kills the
/// workers on purpose, and their tasks were not lost, just not finished).
pub(super) fn lose(ctx: &RunCtx, at: At, why: String) {
    if ctx.stopped() {
        return;
    }
    tracing::error!(
        run = ctx.run,
        lane = at.lane,
        task = at.task,
        "task lost: {why}"
    );
    mark(at, Mark::Lost);
    ctx.notes.lost(ctx.run, why);
}

/// Start a worker process for `lane`, a lane of `kind` (a process, a cloud instance), and align
/// its clock.
pub(super) fn start_worker(ctx: &RunCtx, lane: u32, kind: LaneKind) -> Result<Link, String> {
    // For what is said of it (a worker that stopped answering): `process 1 (pid 42)`.
    let word = match kind {
        LaneKind::Instance => "instance",
        _ => "process",
    };
    let mut child = Command::new(&ctx.env.worker_program)
        .arg(WORKER_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            // Out of processes or files: the run cannot go on (any other reason is the
            // lane's).
            let what = format!("start {word} {} of {}", lane + 1, ctx.workers);
            if is_exhausted(&e) {
                ctx.fail(super::resources::could_not(&what, &e));
            }
            format!("{}: {e}", ctx.env.worker_program.display())
        })?;
    let pid = child.id();
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let kid = Kid(Arc::new(Mutex::new(child)));
    ctx.stop.adopt(kid.0.clone());
    if let Some(stderr) = stderr {
        forward_stderr(pid, stderr);
    }
    let name = format!("{word} {} (pid {pid})", lane + 1);
    let killer = Killer(kid.0.clone());
    let (watch, heard) = Watch::start(name.clone(), stdout.ok_or("no stdout")?, move || {
        killer.kill()
    });
    let mut to = BufWriter::new(stdin.ok_or("no stdin")?);
    let mut from = BufReader::new(heard);
    let alignment = wire::align(&mut to, &mut from, &ctx.clock, HANDSHAKE_ROUNDS).map_err(|e| {
        let why = watch.why().unwrap_or(e.to_string());
        // Gone before it answered (its pipe closed): runwait could not start it, and the run
        // cannot go on as asked.
        if exited_soon(&kid) {
            let what = format!("start {word} {} of {}", lane + 1, ctx.workers);
            ctx.fail(super::resources::exited_at_start(&what));
        }
        format!("handshake with pid {pid}: {why}")
    })?;
    ctx.sink.send(Msg::LaneId {
        run: ctx.run,
        lane,
        id: LaneId::numbered(kind, lane).in_process(lane + 1, pid),
    });
    ctx.sink.send(Msg::ClockError {
        run: ctx.run,
        lane,
        error_ns: alignment.error_ns,
    });
    Ok(Link {
        kid,
        to,
        from,
        alignment,
        watch,
    })
}

/// Whether an error says the system or the user is out of processes, threads, files or
/// memory.
/// Whether the worker has exited, or does within a moment (its pipe closes as it exits).
fn exited_soon(kid: &Kid) -> bool {
    for _ in 0..20 {
        if kid
            .0
            .lock()
            .is_ok_and(|mut c| c.try_wait().is_ok_and(|s| s.is_some()))
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn is_exhausted(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::OutOfMemory)
        || e.raw_os_error() == Some(rustix::io::Errno::MFILE.raw_os_error())
        || e.raw_os_error() == Some(rustix::io::Errno::NFILE.raw_os_error())
}

/// A worker's stderr goes to the log, never onto the screen; read to its end whatever it
/// holds, so the pipe never fills and blocks the worker.
fn forward_stderr(pid: u32, stderr: impl Read + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name(format!("runwait-stderr-{pid}"))
        .spawn(move || {
            let mut input = BufReader::new(stderr);
            let mut line = Vec::new();
            while input.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                let text = String::from_utf8_lossy(&line);
                tracing::warn!(target: "runwait::worker", pid, "{}", text.trim_end());
                line.clear();
            }
        });
}

fn send_job(ctx: &RunCtx, lane: u32, task: &Task, to: &mut impl Write) -> Result<(), String> {
    let job = Job {
        run: ctx.run,
        lane,
        http_timeout_ms: ctx.env.http_timeout.as_millis() as u64,
        task: task.clone(),
    };
    let json = serde_json::to_vec(&job).map_err(|e| e.to_string())?;
    wire::write_frame(to, &Frame::Job(json))
        .and_then(|()| to.flush())
        .map_err(|e| e.to_string())
}

/// Pass the worker's records on, on the parent's clock, and do the queue operations it asks
/// for (giving up a wait once `cancel` is set), until the task of `job` (its lane and task)
/// ends (or, with `None`, until the worker closes its end).
fn relay(
    ctx: &RunCtx,
    from: &mut impl Read,
    mut to: Option<&mut impl Write>,
    alignment: &Alignment,
    job: Option<(u32, u32)>,
    cancel: Option<&AtomicBool>,
) -> Result<(), String> {
    let task = job.map(|(_, task)| task);
    loop {
        match wire::read_frame(from).map_err(|e| e.to_string())? {
            Some(Frame::Record(mut record)) => {
                record.t_ns = alignment.to_parent(record.t_ns);
                ctx.sink.send_record(record);
                let ended = matches!(record.mark, Mark::Done | Mark::Failed);
                if ended && Some(record.task) == task {
                    return Ok(());
                }
            }
            Some(Frame::Dropped(n)) => ctx.sink.add_dropped(n),
            Some(Frame::QueueOp { queue, get, wait }) => {
                let to = to
                    .as_deref_mut()
                    .ok_or("a queue operation after its last task")?;
                let queues = Local::of(&ctx.shared, ctx.stop.flag()).or_cancelled(cancel);
                let end = if get { End::Get } else { End::Put };
                let lane = job.map_or(NO_TASK, |(lane, _)| lane);
                let (done, by) = match wait {
                    true => {
                        (queues.wait_for(queue, end, lane)).map_or((false, None), |by| (true, by))
                    }
                    false => (queues.try_now(queue, end, lane).unwrap_or(false), None),
                };
                let answer = Frame::QueueDone { done, by };
                let told = wire::write_frame(to, &answer).and_then(|()| to.flush());
                if let Err(e) = told {
                    // The worker is gone: its put or get did not happen after all.
                    if done {
                        queues.undo(queue, end);
                    }
                    return Err(e.to_string());
                }
            }
            Some(other) => return Err(format!("unexpected frame {other:?}")),
            None if task.is_none() => return Ok(()),
            None => return Err("it exited mid-task".into()),
        }
    }
}

/// A worker process's way to the run's queues: ask runwait over the pipe and wait for its
/// answer (the only frames that come while a job is under way).
struct Pipe<'a> {
    input: &'a RefCell<BufReader<std::io::StdinLock<'static>>>,
    out: &'a Mutex<BufWriter<std::io::Stdout>>,
    /// The worker's own records: written out before each question, so runwait relays the
    /// task's `wait` before it waits on the queue.
    sink: &'a Sink,
}

impl Pipe<'_> {
    /// Whether it happened, and (after a wait) the lane that let it go on.
    fn ask(&self, queue: u32, end: End, wait: bool) -> Result<(bool, Option<u32>), String> {
        let op = Frame::QueueOp {
            queue,
            get: end == End::Get,
            wait,
        };
        if !self.sink.barrier() {
            return Err("the record writer has stopped".into());
        }
        {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            wire::write_frame(&mut *out, &op)
                .and_then(|()| out.flush())
                .map_err(|e| e.to_string())?;
        }
        match wire::read_frame(&mut *self.input.borrow_mut()) {
            Ok(Some(Frame::QueueDone { done, by })) => Ok((done, by)),
            Ok(other) => Err(format!("expected a queue answer, got {other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The lane is runwait's to know (it serves the worker's job); the wake that ends a wait is
/// recorded here, when runwait's answer arrives.
impl Queues for Pipe<'_> {
    fn try_now(&self, queue: u32, end: End, _lane: u32) -> Result<bool, String> {
        self.ask(queue, end, false).map(|(done, _)| done)
    }

    fn wait(&self, queue: u32, end: End, at: At) -> Result<(), String> {
        match self.ask(queue, end, true)? {
            (true, by) => {
                super::shared::queue_wake(at, end, by);
                Ok(())
            }
            (false, _) => Err("waited too long on a queue".into()),
        }
    }
}

/// The worker process: answer the handshake, then do each job with its own Layer, streaming
/// the records back, until the parent closes stdin.
pub fn worker_main() -> i32 {
    die_with_parent();
    let clock = Clock::new();
    let (tx, rx) = crossbeam_channel::unbounded();
    let dropped = Arc::new(AtomicU64::new(0));
    let sink = Sink::new(tx, dropped.clone());
    let out = Arc::new(Mutex::new(BufWriter::new(std::io::stdout())));
    let writer = {
        let out = out.clone();
        std::thread::spawn(move || write_records(&rx, &out))
    };
    let crash_on: Option<u32> = std::env::var(CRASH_ENV).ok().and_then(|v| v.parse().ok());
    // Beating starts with the first job: the handshake before it is question and answer.
    let reported = Arc::new(AtomicU64::new(0));
    let beat = {
        let (out, dropped, reported) = (out.clone(), dropped.clone(), reported.clone());
        move || heartbeat::start_beating(out, dropped, reported)
    };
    let code = {
        let dispatch = dispatch(clock, sink.clone());
        let _default = tracing::dispatcher::set_default(&dispatch);
        serve_jobs(&clock, &out, &sink, crash_on, beat)
    };
    drop(sink);
    let _ = writer.join();
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    let total = dropped.load(Ordering::Relaxed);
    let rest = total.saturating_sub(reported.swap(total, Ordering::Relaxed));
    let _ = wire::write_frame(&mut *out, &Frame::Dropped(rest)).and_then(|()| out.flush());
    code
}

/// A worker dies with runwait even in the middle of a job (Linux: the parent-death signal;
/// elsewhere it notices at its next job, when its stdin is closed).
fn die_with_parent() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{getppid, set_parent_process_death_signal, Signal};
        let parent = getppid();
        if set_parent_process_death_signal(Some(Signal::KILL)).is_ok() && getppid() != parent {
            std::process::exit(0);
        }
    }
}

fn serve_jobs(
    clock: &Clock,
    out: &Mutex<BufWriter<std::io::Stdout>>,
    sink: &Sink,
    crash_on: Option<u32>,
    beat: impl FnOnce(),
) -> i32 {
    let mut beat = Some(beat);
    let input = RefCell::new(BufReader::new(std::io::stdin().lock()));
    let pipe = Pipe {
        input: &input,
        out,
        sink,
    };
    let mut worker = Worker::new(0, 0, None, Duration::from_secs(10));
    worker.queues = Some(&pipe);
    loop {
        let frame = wire::read_frame(&mut *input.borrow_mut());
        match frame {
            Ok(None) => return 0,
            Ok(Some(Frame::Ping)) => {
                let t_ns = clock.now_ns();
                let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                if wire::write_frame(&mut *out, &Frame::Pong { t_ns })
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    return 1;
                }
            }
            Ok(Some(Frame::Job(json))) => {
                if let Some(start) = beat.take() {
                    start();
                }
                let Ok(job) = serde_json::from_slice::<Job>(&json) else {
                    eprintln!("runwait worker: a job it cannot read");
                    return 1;
                };
                worker.run = job.run;
                worker.lane = job.lane;
                worker.http_timeout = Duration::from_millis(job.http_timeout_ms);
                if crash_on == Some(job.task.id) {
                    mark(
                        At {
                            run: job.run,
                            lane: job.lane,
                            task: job.task.id,
                        },
                        Mark::Run,
                    );
                    std::thread::sleep(Duration::from_millis(20));
                    std::process::exit(70);
                }
                worker.run_task(&job.task);
            }
            Ok(Some(other)) => {
                eprintln!("runwait worker: unexpected frame {other:?}");
                return 1;
            }
            Err(e) => {
                eprintln!("runwait worker: {e}");
                return 1;
            }
        }
    }
}

/// The worker's record writer: everything the Layer sent, flushed whenever the channel is empty.
fn write_records(rx: &Receiver<Msg>, out: &Mutex<BufWriter<std::io::Stdout>>) {
    while let Ok(first) = rx.recv() {
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        for msg in std::iter::once(first).chain(rx.try_iter()) {
            match msg {
                Msg::Record(record) => {
                    let written = wire::write_frame(&mut *out, &Frame::Record(record));
                    if written.is_err() {
                        return;
                    }
                }
                // What came before is in `out`, ahead of anything written after this answer.
                Msg::Barrier(done) => {
                    let _ = done.send(());
                }
                _ => {}
            }
        }
        if out.flush().is_err() {
            return;
        }
    }
}
