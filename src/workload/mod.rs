//! Workloads: tasks made of CPU and I/O segments, and what they run against.
//!
//! An executor knows nothing of lessons: it gets a list of [`Task`]s and does their segments.

pub mod cpu;
pub mod http;
pub mod server;

use serde::{Deserialize, Serialize};

/// Each request of an I/O lesson costs a socket on each side, both in this process: lift the
/// soft limit on open files to the hard one, so a thousand concurrent requests fit.
pub fn raise_fd_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource};
        let limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            let raised = rustix::process::Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            };
            if let Err(e) = setrlimit(Resource::Nofile, raised) {
                tracing::debug!("cannot raise the open-file limit: {e}");
            }
        }
    }
}

/// What the open-file limit allows this process: requests in flight at once (each a socket at
/// both ends, both here when the loopback server answers it) and the loopback server's open
/// connections (those, and the blocking executors': up to 1,024 threads and 256 processes).
/// A quarter of the limit, at most 4,096, is kept for everything else (worker processes'
/// pipes, files, the blocking clients' own sockets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub in_flight: u32,
    pub connections: u32,
}

/// The budget under the open-file limit as it is now (raised first: [`raise_fd_limit`]).
pub fn fd_budget() -> Budget {
    budget_for(open_file_limit())
}

fn budget_for(limit: u64) -> Budget {
    let reserve = (limit / 4).min(4096);
    let in_flight = ((limit - reserve) / 2).clamp(16, crate::trace::limits::MAX_TASKS as u64);
    Budget {
        in_flight: in_flight as u32,
        connections: in_flight as u32 + 1280,
    }
}

/// The soft limit on open files (unknown: as good as none).
pub fn open_file_limit() -> u64 {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        limit.current.unwrap_or(u64::MAX)
    }
    #[cfg(not(unix))]
    u64::MAX
}

/// A well-mixed hash step (SplitMix64): seeded picks that don't depend on order.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One piece of a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Segment {
    /// CPU work: the sum of `i * i` for `i` below `n`, computed for real.
    Cpu { n: u64 },
    /// The same CPU work, which an event loop in its offload variant hands to a worker pool
    /// (asyncio's run_in_executor); everywhere else it is plain CPU work.
    Offload { n: u64 },
    /// A real HTTP GET of `url`, its whole body read.
    Http { url: String },
    /// Blocking on a timer.
    Sleep { ms: u64 },
    /// A cold start's runtime loading (the interpreter, the imports): modelled as a wait.
    Load { ms: u64 },
    /// Add 1 to the run's shared counter `times` times: read it, compute a little (the
    /// bytecodes between Python's load and store, where a thread switch can fall), write it
    /// back; guarded as the run's variant says.
    Add { times: u32 },
    /// Put an item in the run's queue number `queue`, waiting while it is full.
    Put { queue: u32 },
    /// Take an item from the run's queue number `queue`, waiting while it is empty.
    Get { queue: u32 },
}

/// A unit of work, numbered from 0 within a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: u32,
    pub segments: Vec<Segment>,
    /// When the task arrives, in ms after its run starts (a customer, a request); until then
    /// no worker can take it.
    #[serde(default, skip_serializing_if = "crate::trace::is_zero")]
    pub arrive_ms: u64,
}

/// How many adds to the shared counter `tasks` make in all (the race lesson's expected count).
pub fn adds(tasks: &[Task]) -> u64 {
    let adds = tasks.iter().flat_map(|t| &t.segments).map(|s| match s {
        Segment::Add { times } => *times as u64,
        _ => 0,
    });
    adds.sum()
}

/// The article's CPU-bound `cpu_bound(number)` for `count` numbers from `size` upward.
pub fn cpu_tasks(count: u32, size: u64) -> Vec<Task> {
    (0..count)
        .map(|id| Task {
            arrive_ms: 0,
            id,
            segments: vec![Segment::Cpu {
                n: size.saturating_add(id as u64),
            }],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_file_limit_bounds_requests_in_flight() {
        assert_eq!(
            budget_for(20_000),
            Budget {
                in_flight: 7_952,
                connections: 9_232
            }
        );
        assert_eq!(budget_for(1_024).in_flight, 384);
        assert_eq!(budget_for(1 << 20).in_flight, 100_000);
        assert_eq!(budget_for(u64::MAX).in_flight, 100_000);
    }
}
