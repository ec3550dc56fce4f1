//! `sync`, `threads` and `free-threads`: N OS threads fed from one crossbeam-channel queue
//! (ThreadPoolExecutor), sharing an emulated GIL or not. `sync` is the pool of one.

use super::gil::Gil;
use super::queue::Local;
use super::worker::Worker;
use super::{on_pool_threads, RunCtx, TaskQueue};
use crate::workload::Task;

pub fn run(ctx: &RunCtx, tasks: Vec<Task>, workers: u32, with_gil: bool) {
    let gil = with_gil.then(|| Gil::new(ctx.env.switch_interval));
    let queue = TaskQueue::new(ctx, tasks);
    let queues = Local::of(ctx);
    on_pool_threads(ctx, workers, "runwait-worker", |lane| {
        let mut worker = Worker::new(ctx.run, lane, gil.as_ref(), ctx.env.http_timeout);
        worker.stop = Some(ctx.stop.flag());
        worker.shared = Some((&ctx.shared, ctx.guard));
        worker.queues = Some(&queues);
        while let Some(task) = queue.next() {
            if ctx.stopped() {
                break;
            }
            worker.run_task(&task);
        }
    });
}
