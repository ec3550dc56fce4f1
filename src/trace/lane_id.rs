//! What a lane is, as the code that made it knows it: its kind, its number, the process it is or
//! belongs to, and a real program's own name for it. Producers fill it in (executors, worker
//! processes, the Python sampler, imports); only `present::words` turns it into text, at the
//! width it is given. Nothing downstream parses a lane's text back apart.

use super::LaneKind;
use serde::{Deserialize, Serialize};

/// A lane's identity within its run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LaneId {
    /// What the lane stands for: a worker thread, a worker process (or a real program's worker
    /// process's first thread), an event loop's task, a cloud instance.
    pub kind: LaneKind,
    /// Its number as shown: a worker's from 1, a task's id from 0.
    pub number: u32,
    /// The OS process it is, or runs in, when that is not runwait's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessId>,
    /// A real program's own name for it: a Python thread's (`MainThread`,
    /// `ThreadPoolExecutor-0_4`), an asyncio task's (`Task-3 fetch`), an imported trace's thread
    /// name. `None`: runwait's own lane, or a thread whose name is not (yet) known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A sampled thread's OS thread id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<u64>,
}

/// An OS process a lane is or runs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessId {
    /// A worker process's number within its run, from 1; 0: the program's own (main) process.
    pub number: u32,
    pub pid: u32,
}

impl LaneId {
    /// Runwait's own lane `n` (0-based) of a run whose lanes are `kind`: `thread 1`, `task 0`.
    pub fn numbered(kind: LaneKind, n: u32) -> LaneId {
        let number = match kind {
            LaneKind::Task => n,
            _ => n + 1,
        };
        LaneId {
            kind,
            number,
            ..LaneId::default()
        }
    }

    /// A lane a real program (or a file from elsewhere) names: `MainThread`.
    pub fn named(kind: LaneKind, number: u32, name: impl Into<String>) -> LaneId {
        LaneId {
            kind,
            number,
            name: Some(name.into()),
            ..LaneId::default()
        }
    }

    /// In OS process `pid`, worker process `number` of its run (0: the program's main process).
    pub fn in_process(mut self, number: u32, pid: u32) -> LaneId {
        self.process = Some(ProcessId { number, pid });
        self
    }

    /// A worker process of its own (runwait's `process` executor's worker or cloud instance, a
    /// real program's worker process's first thread), as opposed to a thread within one.
    pub fn is_process(&self) -> bool {
        matches!(self.kind, LaneKind::Process | LaneKind::Instance)
            && self.process.is_some_and(|p| p.number > 0)
    }

    /// Within a worker process of a real program (its first thread, or another of its threads).
    pub fn worker_number(&self) -> Option<u32> {
        self.process.map(|p| p.number).filter(|&n| n > 0)
    }
}
