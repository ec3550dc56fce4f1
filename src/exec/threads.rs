//! `threads`: a pool of N OS threads fed from one queue (ThreadPoolExecutor) sharing an
//! emulated CPython GIL ([`Emulated`]): one runs at a time, the others wait for it (`ready`).

use super::free_threads::FreeThreads;
use super::gil::Gil as Emulated;
use super::pool::blocking_pool;
use super::{meta, Env, ExecSpec, Executor, Gil, PythonModel, RunCtx, Variant, GUARDS};
use crate::trace::{Reason, RunMeta, Strength};
use crate::workload::Task;

pub use super::free_threads::DEFAULT_THREADS;

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

    fn runs_trials(&self) -> bool {
        true
    }

    fn gil(&self) -> Gil {
        Gil::On {
            without: &FreeThreads,
        }
    }

    fn python_model(&self, _variant: Option<Variant>) -> Option<PythonModel> {
        Some(PythonModel::Threads)
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        let label = match spec.variant {
            Some(v) => format!("threads (GIL, {})", v.name()),
            None => "threads (GIL)".to_string(),
        };
        RunMeta {
            ready: Reason::Gil,
            strength: Strength::ThreadsOverlapWaits,
            ..meta(spec, label)
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        let gil = Emulated::new(ctx.env.switch_interval);
        blocking_pool(ctx, tasks, spec.workers(), Some(gil));
    }
}
