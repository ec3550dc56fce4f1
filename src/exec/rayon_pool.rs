//! `rayon`: a work-stealing pool (what free-threaded Python aims at for CPU work). Every task is
//! spawned into one rayon scope; idle workers steal queued tasks from busy ones. A lane is a
//! rayon worker thread.

use super::queue::Local;
use super::worker::Worker;
use super::RunCtx;
use crate::workload::Task;

pub fn run(ctx: &RunCtx, tasks: Vec<Task>, workers: u32) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|i| format!("runwait-rayon-{i}"))
        .build()
        .expect("cannot start a rayon pool");
    let queues = Local::of(ctx);
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
                tracing::dispatcher::with_default(&ctx.dispatch, || worker.run_task(task));
            });
        }
    });
}
