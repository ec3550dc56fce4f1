//! `cloud`: cloud functions (Cloud Coffees). Each request is served by an instance of its own,
//! and an instance serves one request at a time. A request that finds no warm instance idle
//! starts a new one (a cold start); an instance left idle for the keep-warm period is reclaimed;
//! a request that runs past the time limit is thrown away ("Timeout") with its instance.
//!
//! An instance is a real worker process (this binary in its worker mode, as for `process`), so
//! its start-up, its work and its waits are measured. What is modelled, and said so on the
//! screen: the platform itself (a local process stands in for a cloud instance) and the runtime
//! loading of a cold start, a wait of [`Platform::init_ms`] inside the new instance.

use super::pool::{sleep_until, TaskQueue};
use super::process::{lose, start_worker, Killer, MAX_PROCESSES};
use super::resources::spawn_scoped;
use super::{meta, Env, ExecSpec, Executor, RunCtx};
use crate::instrument::{mark, At, Mark, Msg, NO_TASK};
use crate::trace::{LaneKind, Origin, RunMeta};
use crate::workload::{Segment, Task};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most instances at once unless the spec says (`cloud:N`): a provider's concurrency limit.
pub const DEFAULT_INSTANCES: u32 = 64;

pub struct Cloud;

impl Executor for Cloud {
    fn name(&self) -> &'static str {
        "cloud"
    }

    fn default_workers(&self) -> u32 {
        DEFAULT_INSTANCES
    }

    fn max_workers(&self) -> Option<u32> {
        Some(MAX_PROCESSES)
    }

    fn shares_memory(&self) -> bool {
        false
    }

    fn describe(&self, spec: &ExecSpec, env: &Env) -> RunMeta {
        RunMeta {
            lane_kind: LaneKind::Instance,
            model: Some(env.cloud.words()),
            origin: Origin::Modelled,
            ..meta(spec, "cloud functions".to_string())
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        run(ctx, tasks, spec.workers());
    }
}

/// The instances of one run.
#[derive(Default)]
struct Fleet {
    /// Warm instances waiting for a request, the most recently used last; each with the way to
    /// hand it one.
    idle: Mutex<Vec<(u32, Sender<Task>)>>,
    /// Every request has been handed out: an idle instance may go.
    closing: AtomicBool,
    live: AtomicU32,
    cold_starts: AtomicU64,
    warm_starts: AtomicU64,
    timeouts: AtomicU64,
    reclaimed: AtomicU64,
}

fn run(ctx: &RunCtx, tasks: Vec<Task>, max_instances: u32) {
    let fleet = Fleet::default();
    let requests = TaskQueue::new(ctx, tasks);
    std::thread::scope(|scope| {
        let mut lanes = 0u32;
        'requests: while let Some(mut task) = requests.next() {
            if ctx.stopped() {
                break;
            }
            loop {
                let warm = fleet.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
                if let Some((_, to)) = warm {
                    match to.send(task) {
                        Ok(()) => break,
                        Err(back) => task = back.0,
                    }
                    continue;
                }
                if fleet.live.load(Ordering::SeqCst) < max_instances {
                    fleet.live.fetch_add(1, Ordering::SeqCst);
                    let (lane, fleet) = (lanes, &fleet);
                    lanes += 1;
                    let name = format!("runwait-instance-{lane}");
                    let what = format!("instance {} of {max_instances}", lane + 1);
                    let started = spawn_scoped(scope, name, &what, move || {
                        let _default = tracing::dispatcher::set_default(&ctx.dispatch);
                        instance(ctx, fleet, lane, task);
                        fleet.live.fetch_sub(1, Ordering::SeqCst);
                    });
                    if let Err(why) = started {
                        fleet.live.fetch_sub(1, Ordering::SeqCst);
                        ctx.fail(why);
                        break 'requests;
                    }
                    break;
                }
                // At the limit: the request waits for an instance to come free.
                if !sleep_until(Instant::now() + Duration::from_millis(2), || ctx.stopped()) {
                    break 'requests;
                }
            }
        }
        fleet.closing.store(true, Ordering::SeqCst);
    });
    for (name, count) in [
        ("cold_starts", &fleet.cold_starts),
        ("warm_starts", &fleet.warm_starts),
        ("timeouts", &fleet.timeouts),
        ("reclaimed", &fleet.reclaimed),
    ] {
        ctx.sink.send(Msg::Figure {
            run: ctx.run,
            name: name.to_string(),
            value: count.load(Ordering::SeqCst),
        });
    }
}

/// How a request ended on its instance.
enum Served {
    Done,
    /// Done, but the time limit struck as it ended: the request counts as done (its end was
    /// recorded), and the instance, killed, is gone.
    DoneAsKilled,
    TimedOut,
    Broken(String),
}

/// One instance on `lane`: a cold start for `first`, then warm requests, until it is reclaimed,
/// times out or the run ends.
fn instance(ctx: &RunCtx, fleet: &Fleet, lane: u32, first: Task) {
    let platform = ctx.env.cloud;
    let own = At {
        run: ctx.run,
        lane,
        task: NO_TASK,
    };
    mark(own, Mark::ColdStart);
    mark(own, Mark::Run);
    let started = start_worker(ctx, lane, LaneKind::Instance).and_then(|mut link| {
        // The runtime loading, modelled as a wait inside the new instance, marked by it.
        let init = Task {
            id: NO_TASK,
            segments: vec![Segment::Load {
                ms: platform.init_ms,
            }],
            arrive_ms: 0,
        };
        link.serve(ctx, lane, &init, None)?;
        Ok(link)
    });
    mark(own, Mark::Idle);
    let mut link = match started {
        Ok(link) => link,
        Err(why) => {
            let at = At {
                task: first.id,
                ..own
            };
            lose(ctx, at, format!("its instance did not start: {why}"));
            return;
        }
    };
    fleet.cold_starts.fetch_add(1, Ordering::SeqCst);
    let (hand, inbox) = crossbeam_channel::bounded::<Task>(1);
    let mut task = first;
    loop {
        let at = At {
            task: task.id,
            ..own
        };
        let killer = link.killer();
        let served = with_time_limit(ctx, &killer, platform.timeout_ms, |timed_out| {
            link.serve(ctx, lane, &task, Some(timed_out))
        });
        match served {
            Served::Done => {}
            Served::DoneAsKilled => return,
            Served::TimedOut => {
                mark(at, Mark::Timeout);
                fleet.timeouts.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Served::Broken(why) => {
                lose(ctx, at, link.why_killed().unwrap_or(why));
                return;
            }
        }
        match next_request(ctx, fleet, lane, &hand, &inbox) {
            Some(next) if !ctx.stopped() => {
                fleet.warm_starts.fetch_add(1, Ordering::SeqCst);
                task = next;
            }
            _ => break,
        }
    }
    link.close(ctx, lane);
}

/// Run `serve` (relaying a request to its end); past `limit_ms` the instance is killed and the
/// flag `serve` is given is set (a queue operation under way gives up), which ends `serve`
/// early. A request whose end was relayed is done, whatever the time limit did after.
/// A time limit that cannot be kept (its thread cannot be started) fails the run.
fn with_time_limit(
    ctx: &RunCtx,
    kid: &Killer,
    limit_ms: u64,
    serve: impl FnOnce(&AtomicBool) -> Result<(), String>,
) -> Served {
    let timed_out = AtomicBool::new(false);
    let (finished, watch) = crossbeam_channel::bounded::<()>(0);
    let got = std::thread::scope(|scope| {
        let what = "the thread that keeps a request's time limit";
        let started = spawn_scoped(scope, "runwait-limit".into(), what, || {
            if let Err(RecvTimeoutError::Timeout) =
                watch.recv_timeout(Duration::from_millis(limit_ms))
            {
                timed_out.store(true, Ordering::SeqCst);
                kid.kill();
            }
        });
        if let Err(why) = started {
            ctx.fail(why.clone());
            return Err(why);
        }
        let got = serve(&timed_out);
        drop(finished);
        got
    });
    match (got, timed_out.load(Ordering::SeqCst)) {
        (Ok(()), false) => Served::Done,
        (Ok(()), true) => Served::DoneAsKilled,
        (Err(_), true) => Served::TimedOut,
        (Err(why), false) => Served::Broken(why),
    }
}

/// Wait warm for the next request: `None` once the instance is reclaimed (idle for the
/// keep-warm period), every request has been handed out, or the run stops.
fn next_request(
    ctx: &RunCtx,
    fleet: &Fleet,
    lane: u32,
    hand: &Sender<Task>,
    inbox: &Receiver<Task>,
) -> Option<Task> {
    let keep_warm = Duration::from_millis(ctx.env.cloud.keep_warm_ms);
    let idle_since = Instant::now();
    fleet
        .idle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((lane, hand.clone()));
    loop {
        match inbox.recv_timeout(Duration::from_millis(5)) {
            Ok(task) => return Some(task),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let expired = idle_since.elapsed() >= keep_warm;
        if !(expired || fleet.closing.load(Ordering::SeqCst) || ctx.stopped()) {
            continue;
        }
        let mut idle = fleet.idle.lock().unwrap_or_else(|e| e.into_inner());
        match idle.iter().position(|(l, _)| *l == lane) {
            Some(i) => {
                idle.remove(i);
                if expired && !fleet.closing.load(Ordering::SeqCst) {
                    fleet.reclaimed.fetch_add(1, Ordering::SeqCst);
                    let at = At {
                        run: ctx.run,
                        lane,
                        task: NO_TASK,
                    };
                    mark(at, Mark::Reclaimed);
                }
                return None;
            }
            // Taken off the idle list just now: its request is on the way.
            None => {
                drop(idle);
                return inbox.recv().ok();
            }
        }
    }
}
