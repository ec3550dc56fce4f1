//! Before a run: whether what it will need (threads, processes, open files) fits the limits
//! the OS puts on this process and its user. A plan that clearly cannot fit is refused at
//! once, naming the limit, rather than failing part way (`threads:1024` under `ulimit -u 60`).
//! The figures are lower bounds: a plan that passes may still run out (another program of the
//! user's takes processes), and then its run fails with the reason.

use super::{Order, Plan};
use crate::error::Error;
use crate::trace::LaneKind;
use crate::workload::Segment;

/// Open files runwait holds whatever it runs: the standard streams, the loopback server's
/// listener and runtime, the probe.
const BASE_FILES: u64 = 8;

/// Threads runwait runs whatever it runs: the main one, the recorder's, the runs', the
/// loopback server's, the probe's.
const BASE_THREADS: u64 = 5;

/// What one run will need at least: (threads and processes, open files).
fn need(plan: &Plan, spec: &crate::exec::ExecSpec) -> (u64, u64) {
    let meta = spec.describe(&plan.env);
    let tasks = plan.tasks.len() as u64;
    let requests =
        (plan.tasks.iter().flat_map(|t| &t.segments)).any(|s| matches!(s, Segment::Http { .. }));
    // A request in flight holds a socket, and another at the loopback server's end.
    let per_request = match (requests, plan.server.is_some()) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 2,
    };
    let at_once = u64::from(meta.workers).min(tasks).max(1);
    match meta.lane_kind {
        // A thread each (and a request each).
        LaneKind::Thread => (at_once, at_once * per_request),
        // A process each, with a thread here that serves it, one that reads its stderr and one
        // that watches it; three pipes to it.
        LaneKind::Process | LaneKind::Instance => (4 * at_once, at_once * (3 + per_request)),
        // The loop's runtime (its poller and waker, its timers' thread) and a request.
        LaneKind::Task => (2, 3 + per_request),
    }
}

/// Refuse `plan` at once if it clearly cannot fit the limits on threads and processes (`ulimit
/// -u`, not enforced for root) or on open files (`ulimit -n`), naming the run and the limit.
pub fn check(plan: &Plan, order: Order) -> Result<(), Error> {
    if std::env::var_os("RUNWAIT_NO_LIMIT_CHECK").is_some_and(|v| !v.is_empty()) {
        return Ok(());
    }
    let needs: Vec<(String, (u64, u64))> = (plan.runs.iter())
        .map(|spec| (spec.to_string(), need(plan, spec)))
        .collect();
    let total = |pick: fn(&(u64, u64)) -> u64| -> (String, u64) {
        match order {
            Order::OneByOne => (needs.iter())
                .max_by_key(|(_, n)| pick(n))
                .map_or((String::new(), 0), |(name, n)| (name.clone(), pick(n))),
            Order::Together => (
                "the runs together".into(),
                needs.iter().map(|(_, n)| pick(n)).sum(),
            ),
        }
    };
    let (who, threads) = total(|n| n.0);
    if let Some(limit) = crate::exec::resources::process_limit() {
        let threads = threads + BASE_THREADS;
        if threads > limit {
            return Err(Error::Usage(format!(
                "{who} needs at least {threads} threads and processes, over the user's process limit of {limit} (ulimit -u)"
            )));
        }
    }
    let (who, files) = total(|n| n.1);
    let limit = crate::workload::open_file_limit();
    let files = files + BASE_FILES;
    if files > limit {
        return Err(Error::Usage(format!(
            "{who} needs at least {files} open files, over the open-file limit of {limit} (ulimit -n)"
        )));
    }
    Ok(())
}
