//! `sync`: one thread does the tasks one after another, the baseline every speedup is measured
//! against.

use super::pool::blocking_pool;
use super::{meta, plain_label, Env, ExecSpec, Executor, PythonModel, RunCtx, Variant, GUARDS};
use crate::trace::RunMeta;
use crate::workload::Task;

pub struct Sequential;

impl Executor for Sequential {
    fn name(&self) -> &'static str {
        "sync"
    }

    fn default_workers(&self) -> u32 {
        1
    }

    fn max_workers(&self) -> Option<u32> {
        None
    }

    fn variants(&self) -> &'static [Variant] {
        GUARDS
    }

    fn runs_trials(&self) -> bool {
        true
    }

    /// The default variant only: CPython's sync program has no lock.
    fn python_model(&self, variant: Option<Variant>) -> Option<PythonModel> {
        variant.is_none().then_some(PythonModel::Sync)
    }

    fn describe(&self, spec: &ExecSpec, _env: &Env) -> RunMeta {
        RunMeta {
            baseline: true,
            ..meta(spec, plain_label(spec))
        }
    }

    fn run(&self, ctx: &RunCtx, _spec: &ExecSpec, tasks: Vec<Task>) {
        blocking_pool(ctx, tasks, 1, None);
    }
}
