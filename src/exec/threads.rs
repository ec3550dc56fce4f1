//! `sync`, `threads` and `free-threads`: N OS threads fed from one crossbeam-channel queue
//! (ThreadPoolExecutor), sharing an emulated GIL or not. `sync` is the pool of one.

use super::gil::Gil;
use super::worker::Worker;
use super::RunCtx;
use crate::workload::Task;

pub fn run(ctx: &RunCtx, tasks: Vec<Task>, workers: u32, with_gil: bool) {
    let gil = with_gil.then(|| Gil::new(ctx.env.switch_interval));
    let (tx, rx) = crossbeam_channel::unbounded();
    for task in tasks {
        let _ = tx.send(task);
    }
    drop(tx);
    std::thread::scope(|scope| {
        for lane in 0..workers {
            let (rx, gil) = (rx.clone(), gil.as_ref());
            let body = move || {
                let _default = tracing::dispatcher::set_default(&ctx.dispatch);
                let mut worker = Worker::new(ctx.run, lane, gil, ctx.env.http_timeout);
                worker.stop = Some(ctx.stop.flag());
                while let Ok(task) = rx.recv() {
                    if ctx.stopped() {
                        break;
                    }
                    worker.run_task(&task);
                }
            };
            std::thread::Builder::new()
                .name(format!("runwait-worker-{lane}"))
                .spawn_scoped(scope, body)
                .expect("cannot start a worker thread");
        }
    });
}
