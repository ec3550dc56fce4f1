//! What pools share: the queue of tasks in order of arrival (ThreadPoolExecutor's work queue),
//! threads that install the run's dispatcher, and the blocking pool itself, the body of `sync`,
//! `threads` and `free-threads`: N OS threads taking tasks from one queue, sharing an emulated
//! GIL or not.

use super::gil::Gil;
use super::resources::{could_not, spawn_scoped};
use super::shared::Local;
use super::worker::Worker;
use super::RunCtx;
use crate::workload::Task;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Run `tasks` on `workers` threads taking them from one queue, each holding `gil` (if any) to
/// run; returns when every task has ended. A race (tasks that add to the shared counter) is run
/// in the trials the run asks for ([`trials`]), on the same threads.
pub fn blocking_pool(ctx: &RunCtx, tasks: Vec<Task>, workers: u32, gil: Option<Gil>) {
    let trials = trials(&ctx.env, &tasks);
    if trials > 1 {
        return in_trials(ctx, tasks, (workers, gil), trials);
    }
    let queue = TaskQueue::new(ctx, tasks);
    let queues = Local::of(&ctx.shared, ctx.stop.flag());
    on_pool_threads(ctx, workers, "runwait-worker", |lane| {
        let mut worker = pool_worker(ctx, lane, gil.as_ref(), &queues);
        while let Some(task) = queue.next() {
            if ctx.stopped() {
                break;
            }
            worker.run_task(&task);
            note_failure(ctx, &task, worker.failure.take());
        }
    });
}

/// A worker of run `ctx` on lane `lane`, with the run's shared memory and switching model.
fn pool_worker<'a>(
    ctx: &'a RunCtx,
    lane: u32,
    gil: Option<&'a Gil>,
    queues: &'a Local<'a>,
) -> Worker<'a> {
    let mut worker = Worker::new(ctx.run, lane, gil, ctx.env.http_timeout);
    worker.stop = Some(ctx.stop.flag());
    worker.shared = Some((&ctx.shared, ctx.guard));
    worker.queues = Some(queues);
    worker.switching = ctx.env.switching;
    worker
}

/// How many times a pool runs `tasks`: the run's trials if they race on the shared counter,
/// else once.
pub fn trials(env: &super::Env, tasks: &[Task]) -> u32 {
    match crate::workload::adds(tasks) {
        0 => 1,
        _ => env.trials.max(1),
    }
}

/// The race `trials` times over on one pool (as the real program does it on one
/// ThreadPoolExecutor): the counter set to 0, the tasks in (numbered on from the last trial's),
/// all of them ended, the counter tallied ([`Shared::tally`]); then the next trial.
fn in_trials(ctx: &RunCtx, tasks: Vec<Task>, (workers, gil): (u32, Option<Gil>), trials: u32) {
    let (tx, rx) = crossbeam_channel::unbounded::<Task>();
    let (ended_tx, ended) = crossbeam_channel::unbounded::<()>();
    let queues = Local::of(&ctx.shared, ctx.stop.flag());
    let adds = crate::workload::adds(&tasks);
    let body = |lane| {
        let mut worker = pool_worker(ctx, lane, gil.as_ref(), &queues);
        while let Ok(task) = rx.recv() {
            if !ctx.stopped() {
                worker.run_task(&task);
                note_failure(ctx, &task, worker.failure.take());
            }
            let _ = ended_tx.send(());
        }
    };
    let feed = || {
        let n = tasks.len() as u32;
        for trial in 0..trials {
            ctx.shared.counter.store(0, Ordering::SeqCst);
            for task in &tasks {
                let id = trial * n + task.id;
                let _ = tx.send(Task { id, ..task.clone() });
            }
            let all_ended = (0..n).all(|_| ended_or_stopped(ctx, &ended));
            if !all_ended || ctx.stopped() {
                break;
            }
            ctx.shared.tally(adds);
        }
        drop(tx);
    };
    on_pool_threads_then(ctx, workers, "runwait-worker", body, feed);
}

/// Note why a task failed (a request's error, a queue waited on too long), for the line said
/// once the runs are over; a run being stopped fails its tasks on purpose.
pub fn note_failure(ctx: &RunCtx, task: &Task, why: Option<String>) {
    let Some(why) = why.filter(|_| !ctx.stopped()) else {
        return;
    };
    let request =
        (task.segments.iter()).any(|s| matches!(s, crate::workload::Segment::Http { .. }));
    ctx.notes.add(super::notes::Note {
        run: ctx.run,
        outcome: crate::trace::Outcome::Failed,
        request,
        why,
    });
}

/// The pool's queue (ThreadPoolExecutor's work queue): every task in order of arrival, each put
/// in when it arrives (a feeder thread waits for those that arrive later). The queue closes
/// once every task is in it; a stop, or the queue being dropped, ends the feeder early.
pub struct TaskQueue {
    rx: crossbeam_channel::Receiver<Task>,
    /// Set when the queue is given up: the feeder stops and hands back what it still holds.
    closed: Arc<AtomicBool>,
    feeder: Option<std::thread::JoinHandle<Vec<Task>>>,
}

impl TaskQueue {
    pub fn new(ctx: &RunCtx, mut tasks: Vec<Task>) -> TaskQueue {
        let t0 = Instant::now();
        tasks.sort_by_key(|t| t.arrive_ms);
        let later = tasks.split_off(tasks.partition_point(|t| t.arrive_ms == 0));
        let (tx, rx) = crossbeam_channel::unbounded();
        for task in tasks {
            let _ = tx.send(task);
        }
        let closed = Arc::new(AtomicBool::new(false));
        let feeder = (!later.is_empty()).then(|| {
            let (stop, closed) = (ctx.stop.clone(), closed.clone());
            let failure = ctx.failure.clone();
            std::thread::Builder::new()
                .name("runwait-arrivals".into())
                .spawn(move || {
                    let given_up = || {
                        stop.requested()
                            || failure.get().is_some()
                            || closed.load(Ordering::Relaxed)
                    };
                    let mut later = later.into_iter();
                    while let Some(task) = later.next() {
                        let due = t0 + Duration::from_millis(task.arrive_ms);
                        if !sleep_until(due, given_up) {
                            return std::iter::once(task).chain(later).collect();
                        }
                        let _ = tx.send(task);
                    }
                    Vec::new()
                })
                .map_err(|e| ctx.fail(could_not("start the thread tasks arrive on", &e)))
                .ok()
        });
        TaskQueue {
            rx,
            closed,
            feeder: feeder.flatten(),
        }
    }

    /// The next task, waiting for it to arrive; `None` once every task has been taken.
    pub fn next(&self) -> Option<Task> {
        self.rx.recv().ok()
    }

    /// Give the queue up: every task not yet taken, arrived or not, in order of arrival.
    pub fn rest(mut self) -> Vec<Task> {
        self.closed.store(true, Ordering::Relaxed);
        let mut rest: Vec<Task> = self.rx.try_iter().collect();
        if let Some(feeder) = self.feeder.take() {
            rest.extend(feeder.join().unwrap_or_default());
        }
        rest
    }
}

impl Drop for TaskQueue {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

/// Sleep until `deadline`, unless `given_up` says so first: whether the deadline came.
pub fn sleep_until(deadline: Instant, given_up: impl Fn() -> bool) -> bool {
    loop {
        if given_up() {
            return false;
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return true;
        };
        std::thread::sleep(left.min(Duration::from_millis(10)));
    }
}

/// Whether a task ended (else the run was stopped or failed, its threads perhaps never started).
fn ended_or_stopped(ctx: &RunCtx, ended: &crossbeam_channel::Receiver<()>) -> bool {
    loop {
        match ended.recv_timeout(Duration::from_millis(50)) {
            Ok(()) => return true,
            Err(_) if ctx.stopped() => return false,
            Err(_) => {}
        }
    }
}

/// Run `body(lane)` on `workers` threads named `name-LANE`, each with the run's dispatcher
/// installed; returns when all have finished. A thread that cannot be started fails the run
/// (those started end after their task: see [`RunCtx::fail`]).
pub fn on_pool_threads(ctx: &RunCtx, workers: u32, name: &str, body: impl Fn(u32) + Sync) {
    on_pool_threads_then(ctx, workers, name, body, || {});
}

/// [`on_pool_threads`], doing `meanwhile` on this thread once they are started (feeding them).
fn on_pool_threads_then(
    ctx: &RunCtx,
    workers: u32,
    name: &str,
    body: impl Fn(u32) + Sync,
    meanwhile: impl FnOnce(),
) {
    std::thread::scope(|scope| {
        for lane in 0..workers {
            let body = &body;
            let what = format!("thread {} of {workers}", lane + 1);
            let started = spawn_scoped(scope, format!("{name}-{lane}"), &what, move || {
                let _default = tracing::dispatcher::set_default(&ctx.dispatch);
                body(lane);
            });
            if let Err(why) = started {
                ctx.fail(why);
                break;
            }
        }
        meanwhile();
    });
}
