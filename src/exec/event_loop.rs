//! `async`: a tokio current-thread runtime, one thread like asyncio's event loop, every task
//! spawned at once like `asyncio.gather`. Each task is its own lane.
//!
//! A task is `run` while it is polled, `wait` while it is pending, and `ready` from the moment
//! its waker fires until it is polled again: [`Traced`] wraps the task's future and the waker it
//! hands down, so the wake is measured, not guessed. CPU work inside a task blocks the loop,
//! as in Python.
//!
//! Its hand-offs are recorded as wakes where they happen: the waker firing (a response or a
//! timer from the outside; a queue's put or get from the task being polled when it fired), and
//! the loop polling a woken task (from the task whose poll gave the loop back, or from no one
//! if the loop was idle since the wake).

use super::shared::End;
use super::{
    meta, Env, ExecSpec, Executor, Notes, PythonModel, RunCtx, Shared as RunShared, Stop, Variant,
};
use crate::instrument::{
    mark, mark_why, probe, reason_code, reason_of, wake, At, Mark, ANY_LANE, NO_TASK,
};
use crate::trace::{Cause, LaneKind, Reason, RunMeta, Strength};
use crate::workload::cpu::sum_of_squares;
use crate::workload::http::AsyncHttp;
use crate::workload::{Segment, Task};
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use tracing::Dispatch;

pub struct Async;

impl Executor for Async {
    fn name(&self) -> &'static str {
        "async"
    }

    fn default_workers(&self) -> u32 {
        1
    }

    fn variants(&self) -> &'static [Variant] {
        &[Variant::Blocking, Variant::Offload]
    }

    /// Every task is spawned at once (asyncio.gather).
    fn takes_arrivals(&self) -> bool {
        false
    }

    /// `async:N` is how many tasks at once.
    fn count_is_limit(&self) -> bool {
        true
    }

    fn python_model(&self, variant: Option<Variant>) -> Option<PythonModel> {
        match variant {
            Some(Variant::Offload) => Some(PythonModel::Offload),
            _ => Some(PythonModel::Loop),
        }
    }

    /// One thread; `async:N` is a limit on tasks at once, not workers.
    fn describe(&self, spec: &ExecSpec, env: &Env) -> RunMeta {
        let bound = limit(spec.workers, env).filter(|&n| Some(n) != spec.workers);
        let label = match (spec.variant, spec.workers, bound) {
            (Some(v), _, None) => format!("async ({})", v.name()),
            (Some(v), _, Some(b)) => format!("async ({}; {})", v.name(), bounded(b)),
            (None, _, Some(b)) => format!("async ({})", bounded(b)),
            (None, Some(n), None) => format!("async ({n} at a time)"),
            (None, None, None) => "async".to_string(),
        };
        RunMeta {
            workers: 1,
            lane_kind: LaneKind::Task,
            ready: Reason::Loop,
            strength: Strength::OneThreadOverlapsWaits,
            ..meta(spec, label)
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        let offload = spec.variant == Some(Variant::Offload);
        run(ctx, tasks, offload, limit(spec.workers, &ctx.env));
    }
}

/// The most tasks in progress at once: as the spec says (`async:N`), and no more than the
/// open-file limit lets make requests at once.
fn limit(asked: Option<u32>, env: &Env) -> Option<u32> {
    match (asked, env.in_flight) {
        (Some(n), Some(most)) => Some(n.min(most)),
        (n, most) => n.or(most),
    }
}

/// The title's words for a run held back by the open-file limit.
fn bounded(n: u32) -> String {
    format!(
        "at most {} at a time: the open-file limit",
        crate::trace::limits::grouped(n as u64)
    )
}

/// `limit`: at most this many tasks in progress at once (asyncio.Semaphore); a task waiting
/// for its turn is not started yet, as a task waiting in a thread pool's queue.
fn run(ctx: &RunCtx, tasks: Vec<Task>, offload: bool, limit: Option<u32>) {
    // The loop's thread runs every task: its CPU waits are whichever task's was polled.
    let loop_thread = At {
        run: ctx.run,
        lane: ANY_LANE,
        task: NO_TASK,
    };
    let _watch = probe::watch(&ctx.dispatch, loop_thread);
    let timers = Timers::start();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return ctx.fail(super::resources::could_not("start the event loop", &e)),
    };
    runtime.block_on(async {
        let client = AsyncHttp::new(ctx.env.http_timeout, ctx.env.loopback);
        let notes = (ctx.notes.clone(), ctx.run);
        let start = |lane: usize, task: Task| {
            let at = At {
                run: ctx.run,
                lane: lane as u32,
                task: task.id,
            };
            let (client, stop, timers) = (client.clone(), ctx.stop.clone(), timers.clone());
            let (shared, notes) = (ctx.shared.clone(), notes.clone());
            let why = Why::default();
            let awaits = why.clone();
            let body = async move {
                let how = (&client, &stop, &timers, &*shared, offload, &awaits);
                let mark = do_task(&task, how).await;
                note_failure(&notes, &mark);
                mark.0
            };
            Traced::with_why(at, ctx.dispatch.clone(), why, body)
        };
        let stopped = async {
            while !ctx.stopped() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        // A stop drops the gathering, and with it every task.
        tokio::select! {
            _ = gather(tasks, limit, start) => {}
            _ = stopped => {}
        }
    });
}

/// How many tasks are spawned before the spawner lets them run.
const SPAWN_BATCH: usize = 256;

/// `asyncio.gather`: every task spawned, each made by `start` when its turn comes (with a
/// `limit`, when one of the tasks in progress ends); returns when all have ended. Tasks are
/// spawned only as they may start, and forgotten as they end, so 100,000 of them cost
/// memory for those in progress only.
async fn gather<F: Future<Output = ()> + Send + 'static>(
    tasks: Vec<Task>,
    limit: Option<u32>,
    start: impl Fn(usize, Task) -> F,
) {
    let turns = limit.map(|n| Arc::new(tokio::sync::Semaphore::new(n as usize)));
    let mut set = tokio::task::JoinSet::new();
    for (lane, task) in tasks.into_iter().enumerate() {
        let turn = match &turns {
            Some(turns) => turns.clone().acquire_owned().await.ok(),
            None => None,
        };
        // Let the tasks spawned so far make their first moves (send their requests) while
        // the rest are spawned.
        if lane % SPAWN_BATCH == SPAWN_BATCH - 1 {
            tokio::task::yield_now().await;
        }
        while set.try_join_next().is_some() {}
        let traced = start(lane, task);
        set.spawn(async move {
            let _turn = turn;
            traced.await
        });
    }
    while set.join_next().await.is_some() {}
}

/// What a task awaits, said before each await, so its `wait` carries the reason.
#[derive(Clone, Default)]
pub struct Why(Arc<AtomicU8>);

impl Why {
    pub fn set(&self, reason: Reason) {
        self.0.store(reason_code(Some(reason)), Ordering::Relaxed);
    }

    fn get(&self) -> Option<Reason> {
        reason_of(self.0.load(Ordering::Relaxed))
    }
}

/// What a task needs from its loop: the HTTP client, the stop flag, the timers, the run's
/// shared memory, whether CPU work marked `offload` goes to a pool, where it says what it awaits.
type Loop<'a> = (
    &'a AsyncHttp,
    &'a Stop,
    &'a Timers,
    &'a RunShared,
    bool,
    &'a Why,
);

async fn do_task(task: &Task, how: Loop<'_>) -> (Mark, Option<String>) {
    let (client, stop, timers, shared, offload, why) = how;
    for segment in &task.segments {
        why.set(awaits(segment));
        match segment {
            Segment::Offload { n } if offload => {
                // run_in_executor: a pool thread computes; this task waits, the loop stays free.
                let (n, stop) = (*n, stop.clone());
                let done =
                    tokio::task::spawn_blocking(move || sum_of_squares(n, || !stop.requested()));
                if !matches!(done.await, Ok(Some(_))) {
                    return (Mark::Failed, None);
                }
            }
            Segment::Cpu { n } | Segment::Offload { n } => {
                if sum_of_squares(*n, || !stop.requested()).is_none() {
                    return (Mark::Failed, None);
                }
            }
            Segment::Http { url } => {
                if let Err(why) = client.get(url).await {
                    tracing::warn!(task = task.id, "task failed: {why}");
                    return (Mark::Failed, Some(why));
                }
            }
            Segment::Sleep { ms } | Segment::Load { ms } => {
                timers.sleep(Duration::from_millis(*ms)).await
            }
            Segment::Put { queue } | Segment::Get { queue } => {
                let end = if matches!(segment, Segment::Put { .. }) {
                    End::Put
                } else {
                    End::Get
                };
                let Some(q) = shared.queues.get(*queue as usize) else {
                    return (Mark::Failed, None);
                };
                if q.wait_async(end).await.is_none() {
                    return (Mark::Failed, None);
                }
            }
            Segment::Add { times } => {
                // No await between the read and the write: on one loop, no add is lost.
                for _ in 0..*times {
                    // The 7 bytecodes of `counter += 1`, the read 3rd, the write 6th.
                    (0..2).for_each(|_| crate::workload::cpu::bytecode());
                    let value = shared.counter.load(Ordering::SeqCst);
                    (0..3).for_each(|_| crate::workload::cpu::bytecode());
                    shared.counter.store(value + 1, Ordering::SeqCst);
                    crate::workload::cpu::bytecode();
                }
            }
        }
    }
    (Mark::Done, None)
}

/// A request that failed says why, for the summary after the runs.
fn note_failure((notes, run): &(Notes, u32), (_, why): &(Mark, Option<String>)) {
    if let Some(why) = why {
        notes.request_failed(*run, why);
    }
}

/// What a task waits for while it awaits `segment`.
fn awaits(segment: &Segment) -> Reason {
    match segment {
        Segment::Offload { .. } => Reason::Offload,
        Segment::Sleep { .. } => Reason::Timer,
        Segment::Load { .. } => Reason::ColdStart,
        Segment::Put { .. } => Reason::QueueFull,
        Segment::Get { .. } => Reason::QueueEmpty,
        _ => Reason::Io,
    }
}

/// Timers kept off the loop, like the kernel's: each fires (wakes its task) at its deadline
/// even while a task hogs the loop, so the woken task is measured `ready` from then on, as a
/// task whose sleep is over is in asyncio, instead of only once the loop looks again.
#[derive(Clone)]
struct Timers {
    tx: crossbeam_channel::Sender<(Instant, Waker)>,
}

impl Timers {
    fn start() -> Timers {
        let (tx, rx) = crossbeam_channel::unbounded::<(Instant, Waker)>();
        let _ = std::thread::Builder::new()
            .name("runwait-timers".into())
            .spawn(move || {
                let mut due: BinaryHeap<Reverse<Deadline>> = BinaryHeap::new();
                loop {
                    let next = due.peek().map(|Reverse(d)| d.at);
                    let got = match next {
                        Some(at) => rx.recv_deadline(at),
                        None => rx
                            .recv()
                            .map_err(|_| crossbeam_channel::RecvTimeoutError::Disconnected),
                    };
                    match got {
                        Ok((at, waker)) => due.push(Reverse(Deadline { at, waker })),
                        Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
                    }
                    let now = Instant::now();
                    while due.peek().is_some_and(|Reverse(d)| d.at <= now) {
                        if let Some(Reverse(d)) = due.pop() {
                            d.waker.wake();
                        }
                    }
                }
            });
        Timers { tx }
    }

    fn sleep(&self, length: Duration) -> TimerSleep {
        TimerSleep {
            at: Instant::now() + length,
            timers: self.clone(),
        }
    }
}

struct Deadline {
    at: Instant,
    waker: Waker,
}

impl PartialEq for Deadline {
    fn eq(&self, other: &Deadline) -> bool {
        self.at == other.at
    }
}

impl Eq for Deadline {}

impl PartialOrd for Deadline {
    fn partial_cmp(&self, other: &Deadline) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Deadline {
    fn cmp(&self, other: &Deadline) -> std::cmp::Ordering {
        self.at.cmp(&other.at)
    }
}

struct TimerSleep {
    at: Instant,
    timers: Timers,
}

impl Future for TimerSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.at {
            return Poll::Ready(());
        }
        // Registered at every poll that is too early: the timer thread wakes the latest waker.
        let _ = self.timers.tx.send((self.at, cx.waker().clone()));
        Poll::Pending
    }
}

const POLLING: u8 = 0;
const WAITING: u8 = 1;
const READY: u8 = 2;
/// Woken while being polled: `ready` as soon as the poll returns.
const WOKEN_IN_POLL: u8 = 3;

struct Shared {
    at: At,
    state: AtomicU8,
    dispatch: Dispatch,
    why: Why,
    /// The polls of the loop it runs on.
    polls: Arc<Polls>,
    /// [`Polls::count`] when it was last made ready.
    readied_at: AtomicU64,
}

/// What a loop's thread is polling, for the wakes: counted, so a task polled after being woken
/// can tell whether the loop polled anything since, and which task gave the loop back last.
#[derive(Default)]
struct Polls {
    /// Poll starts and ends: even between polls, odd during one.
    count: AtomicU64,
    /// The lane whose poll ended last, plus one (0: none yet).
    last: AtomicU32,
}

thread_local! {
    /// The polls of the loop on this thread (tasks are made and polled on it).
    static POLLS: Arc<Polls> = Arc::default();
    /// The lane being polled on this thread, if one is: whom a queue's put or get made there
    /// comes from.
    static POLLED_NOW: Cell<Option<u32>> = const { Cell::new(None) };
}

impl Polls {
    fn start(&self, lane: u32) {
        self.count.fetch_add(1, Ordering::SeqCst);
        POLLED_NOW.with(|p| p.set(Some(lane)));
    }

    fn end(&self, lane: u32) {
        POLLED_NOW.with(|p| p.set(None));
        self.last.store(lane + 1, Ordering::SeqCst);
        self.count.fetch_add(1, Ordering::SeqCst);
    }
}

impl Shared {
    /// It is ready from now on: note when, in polls.
    fn readied(&self) {
        let now = self.polls.count.load(Ordering::SeqCst);
        self.readied_at.store(now, Ordering::SeqCst);
    }

    /// The loop polls it, ready: a wake from the task whose poll gave the loop back, or from
    /// no one if the loop polled nothing since it was made ready (and was not polling then).
    /// Nothing when it gave the loop back to itself.
    fn note_polled(&self) {
        let now = self.polls.count.load(Ordering::SeqCst);
        let readied = self.readied_at.load(Ordering::SeqCst);
        let idle = readied == now && now % 2 == 0;
        let last = self.polls.last.load(Ordering::SeqCst).checked_sub(1);
        let from = if idle { None } else { last };
        if from != Some(self.at.lane) {
            wake(self.at.run, from, self.at.lane, Cause::LoopPoll);
        }
    }
}

/// What ends a task's wait for `why` when its waker fires, and from which lane: a response or
/// a timer from the outside; a queue's put or get from the task being polled on this thread
/// (none: not a hand-off this loop saw).
fn woken_by(why: Option<Reason>) -> Option<(Option<u32>, Cause)> {
    let polling = || POLLED_NOW.with(|p| p.get());
    match why? {
        Reason::QueueEmpty => Some((Some(polling()?), Cause::QueuePut)),
        Reason::QueueFull => Some((Some(polling()?), Cause::QueueGet)),
        why => Some((None, super::worker::from_outside(why)?)),
    }
}

/// A task's future, marking `run` around each poll, `wait` when it returns pending and
/// `ready` when its waker fires.
pub struct Traced<F> {
    shared: Arc<Shared>,
    inner: Pin<Box<F>>,
}

impl<F: Future<Output = Mark>> Traced<F> {
    /// The task exists and is scheduled: `ready` until its first poll. Its waits are for I/O.
    pub fn new(at: At, dispatch: Dispatch, inner: F) -> Traced<F> {
        let why = Why::default();
        why.set(Reason::Io);
        Traced::with_why(at, dispatch, why, inner)
    }

    /// The same, with its waits' reason said by the task through `why`.
    pub fn with_why(at: At, dispatch: Dispatch, why: Why, inner: F) -> Traced<F> {
        mark_why(at, Mark::Ready, Some(Reason::Loop));
        let shared = Shared {
            at,
            state: AtomicU8::new(READY),
            dispatch,
            why,
            polls: POLLS.with(|p| p.clone()),
            readied_at: AtomicU64::new(0),
        };
        shared.readied();
        Traced {
            shared: Arc::new(shared),
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future<Output = Mark>> Future for Traced<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let shared = &this.shared;
        let at = shared.at;
        if shared.state.swap(POLLING, Ordering::SeqCst) == READY {
            shared.note_polled();
        }
        shared.polls.start(at.lane);
        mark(at, Mark::Run);
        let waker = Waker::from(Arc::new(TracedWaker {
            shared: shared.clone(),
            inner: cx.waker().clone(),
        }));
        let polled = this.inner.as_mut().poll(&mut Context::from_waker(&waker));
        let polled = match polled {
            Poll::Ready(outcome) => {
                mark(at, outcome);
                Poll::Ready(())
            }
            Poll::Pending => {
                pending(shared);
                Poll::Pending
            }
        };
        shared.polls.end(at.lane);
        polled
    }
}

/// The task's poll returned pending: `wait`, or `ready` if it was woken while it was polled.
fn pending(shared: &Shared) {
    let at = shared.at;
    // Mark `wait` before the waker can see WAITING, so its `ready` comes after.
    let ready = || {
        shared.readied();
        mark_why(at, Mark::Ready, Some(Reason::Loop))
    };
    if shared.state.load(Ordering::SeqCst) == WOKEN_IN_POLL {
        shared.state.store(READY, Ordering::SeqCst);
        return ready();
    }
    mark_why(at, Mark::Wait, shared.why.get());
    if shared
        .state
        .compare_exchange(POLLING, WAITING, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        shared.state.store(READY, Ordering::SeqCst);
        ready();
    }
}

struct TracedWaker {
    shared: Arc<Shared>,
    inner: Waker,
}

impl TracedWaker {
    fn note_wake(&self) {
        let state = &self.shared.state;
        if state
            .compare_exchange(WAITING, READY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            let at = self.shared.at;
            self.shared.readied();
            let woken = woken_by(self.shared.why.get());
            let ready = || {
                if let Some((from, cause)) = woken {
                    wake(at.run, from, at.lane, cause);
                }
                mark_why(at, Mark::Ready, Some(Reason::Loop))
            };
            tracing::dispatcher::with_default(&self.shared.dispatch, ready);
        } else {
            let _ =
                state.compare_exchange(POLLING, WOKEN_IN_POLL, Ordering::SeqCst, Ordering::SeqCst);
        }
    }
}

impl Wake for TracedWaker {
    fn wake(self: Arc<Self>) {
        self.note_wake();
        self.inner.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.note_wake();
        self.inner.wake_by_ref();
    }
}
