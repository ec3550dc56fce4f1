//! `rayon`: a work-stealing pool (what free-threaded Python aims at for CPU work). Every task is
//! spawned into one rayon scope; idle workers steal queued tasks from busy ones. A lane is a
//! rayon worker thread.

use super::shared::Local;
use super::worker::Worker;
use super::{cores, meta, plain_label, Env, ExecSpec, Executor, RunCtx, Variant, GUARDS};
use crate::trace::{RunMeta, Strength};
use crate::workload::Task;

pub struct Rayon;

impl Executor for Rayon {
    fn name(&self) -> &'static str {
        "rayon"
    }

    fn default_workers(&self) -> u32 {
        cores()
    }

    fn variants(&self) -> &'static [Variant] {
        GUARDS
    }

    /// Every task is spawned at once into the scope.
    fn takes_arrivals(&self) -> bool {
        false
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            strength: Strength::NoGilUsesEveryCore,
            ..meta(spec, plain_label(spec))
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        run(ctx, tasks, spec.workers());
    }
}

fn run(ctx: &RunCtx, tasks: Vec<Task>, workers: u32) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|i| format!("runwait-rayon-{i}"))
        .build();
    let pool = match pool {
        Ok(pool) => pool,
        Err(e) => return ctx.fail(format!("could not start the rayon pool: {e}")),
    };
    let queues = Local::of(&ctx.shared, ctx.stop.flag());
    let queues = &queues;
    pool.scope(|scope| {
        for task in &tasks {
            scope.spawn(move |_| {
                if ctx.stopped() {
                    return;
                }
                let lane = rayon::current_thread_index().unwrap_or(0) as u32;
                let mut worker = Worker::new(ctx.run, lane, None, ctx.env.http_timeout);
                worker.stop = Some(ctx.stop.flag());
                worker.shared = Some((&ctx.shared, ctx.guard));
                worker.queues = Some(queues);
                worker.switching = ctx.env.switching;
                tracing::dispatcher::with_default(&ctx.dispatch, || worker.run_task(task));
                super::pool::note_failure(ctx, task, worker.failure.take());
            });
        }
    });
}
