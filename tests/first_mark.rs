//! tracing caches a callsite's interest from the dispatcher current on the thread that first
//! hits it while only one dispatcher is alive. Marks must be recorded even when the first mark
//! of the process happens on a thread that has no instrumentation (its own test binary, so the
//! callsite is fresh).

use runwait::exec::{execute, Env, ExecSpec, RunCtx};
use runwait::instrument::{mark, At, Mark, Recorder, NO_TASK};
use runwait::workload::cpu_tasks;
use std::sync::Arc;

#[test]
fn marks_are_recorded_when_the_callsite_is_first_hit_elsewhere() {
    let mut recorder = Recorder::new("first");
    let dispatch = recorder.dispatch();
    std::thread::spawn(|| {
        mark(
            At {
                run: 7,
                lane: 0,
                task: NO_TASK,
            },
            Mark::Run,
        );
    })
    .join()
    .unwrap();
    let spec: ExecSpec = "sync".parse().unwrap();
    let run = recorder.add_run(runwait::trace::RunMeta {
        tasks: 2,
        ..spec.describe(&Env::default())
    });
    let ctx = RunCtx::new(run, dispatch, &recorder, Arc::new(Env::default()));
    execute(&spec, &ctx, cpu_tasks(2, 1000));
    let trace = recorder.into_trace();
    assert_eq!(trace.runs[0].ends.len(), 2, "{:?}", trace.runs[0]);
    assert!(trace.runs[0].wall_ns().is_some());
}
