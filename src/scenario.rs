//! Scenarios: the lessons. A lesson is data: a workload and the executors to compare.

use crate::error::Error;
use crate::exec::{ExecKind, ExecSpec};

/// What a lesson's tasks do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    /// One real HTTP GET per task.
    Io,
    /// The sum of squares of one number per task.
    Cpu,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: &'static str,
    /// The lesson in one line.
    pub point: &'static str,
    pub source: &'static str,
    pub workload: WorkloadKind,
    pub default_tasks: u32,
    pub executors: Vec<ExecKind>,
}

impl Scenario {
    pub fn default_executors(&self) -> Vec<ExecSpec> {
        self.executors.iter().map(|&k| ExecSpec::new(k)).collect()
    }
}

pub fn builtin() -> Vec<Scenario> {
    use ExecKind::*;
    vec![
        Scenario {
            name: "io",
            point: "I/O-bound downloads: threads overlap the waiting, async overlaps all of it, processes add little",
            source: "Speed Up Your Python Program With Concurrency (I/O-bound)",
            workload: WorkloadKind::Io,
            default_tasks: 40,
            executors: vec![Sync, Threads, Async, Process],
        },
        Scenario {
            name: "cpu",
            point: "CPU-bound sums: the GIL keeps threads from helping; processes (or no GIL) use every core",
            source: "Speed Up Your Python Program With Concurrency (CPU-bound)",
            workload: WorkloadKind::Cpu,
            default_tasks: 20,
            executors: vec![Sync, Threads, FreeThreads, Async, Process],
        },
    ]
}

pub fn find(name: &str) -> Result<Scenario, Error> {
    builtin()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| Error::UnknownScenario(name.to_string()))
}
