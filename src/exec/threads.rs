//! `threads`: a pool of N OS threads fed from one queue (ThreadPoolExecutor) sharing an
//! emulated CPython GIL ([`Gil`]): one runs at a time, the others wait for it (`ready`).

use super::gil::Gil;
use super::pool::blocking_pool;
use super::{meta, Env, ExecSpec, Executor, RunCtx, Variant, GUARDS};
use crate::trace::{Reason, RunMeta, Strength};
use crate::workload::Task;

/// The article's pool of 5 threads.
pub const DEFAULT_THREADS: u32 = 5;

pub struct Threads;

impl Executor for Threads {
    fn name(&self) -> &'static str {
        "threads"
    }

    fn default_workers(&self) -> u32 {
        DEFAULT_THREADS
    }

    fn variants(&self) -> &'static [Variant] {
        GUARDS
    }

    fn gil_twin(&self) -> Option<(bool, &'static str)> {
        Some((true, "free-threads"))
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        let label = match spec.variant {
            Some(v) => format!("threads (GIL, {})", v.name()),
            None => "threads (GIL)".to_string(),
        };
        RunMeta {
            gil: true,
            ready: Reason::Gil,
            strength: Strength::ThreadsOverlapWaits,
            ..meta(spec, label)
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        let gil = Gil::new(ctx.env.switch_interval);
        blocking_pool(ctx, tasks, spec.workers(), Some(gil));
    }
}
