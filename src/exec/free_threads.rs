//! `free-threads`: the `threads` pool with no GIL (free-threaded CPython 3.13t, or plain Rust
//! threads): CPU work spreads over the cores.

use super::pool::blocking_pool;
use super::{meta, plain_label, Env, ExecSpec, Executor, PythonModel, RunCtx, Variant, GUARDS};
use crate::trace::{RunMeta, Strength};
use crate::workload::Task;

/// The article's pool of 5 threads (and `threads`'s).
pub const DEFAULT_THREADS: u32 = 5;

pub struct FreeThreads;

impl Executor for FreeThreads {
    fn name(&self) -> &'static str {
        "free-threads"
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

    /// Under a free-threaded CPython (3.13t), the threads program runs without the GIL.
    fn python_model(&self, _variant: Option<Variant>) -> Option<PythonModel> {
        Some(PythonModel::Threads)
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            strength: Strength::NoGilUsesEveryCore,
            ..meta(spec, plain_label(spec))
        }
    }

    fn run(&self, ctx: &RunCtx, spec: &ExecSpec, tasks: Vec<Task>) {
        blocking_pool(ctx, tasks, spec.workers(), None);
    }
}
