//! What a lane does during a span of time: its state (run, wait, ready), and why it waits or
//! what it is ready for. The trace's smallest parts, used by everything above them.

use serde::{Deserialize, Serialize};

/// What a lane is doing during a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// On a CPU.
    Run,
    /// Blocked on I/O or a timer.
    Wait,
    /// Could run but is not: waiting for the GIL, the event loop, a free worker.
    Ready,
}

impl State {
    pub const ALL: [State; 3] = [State::Run, State::Wait, State::Ready];

    pub fn name(self) -> &'static str {
        match self {
            State::Run => "run",
            State::Wait => "wait",
            State::Ready => "ready",
        }
    }
}

/// One stretch of one state on one lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The task the lane worked on, or `None` for the lane's own work (a process starting up).
    pub task: Option<u32>,
    pub state: State,
    /// Why it waits or is ready (none for `run`, and in traces from before reasons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub start_ns: u64,
    pub end_ns: u64,
}

impl Span {
    pub fn len_ns(&self) -> u64 {
        self.end_ns - self.start_ns
    }

    /// What the lane does in it: its state and why.
    pub fn doing(&self) -> Doing {
        Doing {
            state: self.state,
            reason: self.reason,
        }
    }
}

/// What a lane does: a state, and why (for wait and ready).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Doing {
    pub state: State,
    pub reason: Option<Reason>,
}

/// How many kinds of doing there are ([`Doing::kind`]): run, then wait and ready for no
/// reason and for each reason.
pub const KINDS: usize = 1 + 2 * (1 + Reason::ALL.len());

impl Doing {
    /// Its place among all [`KINDS`]: run 0; wait and ready for no reason 1 and 2; for reason
    /// `r`, 3 + 2r and 4 + 2r. Ready is always even.
    pub fn kind(self) -> usize {
        match self.state {
            State::Run => 0,
            state => {
                let reason = self.reason.map_or(0, |r| r.index() + 1);
                1 + 2 * reason + usize::from(state == State::Ready)
            }
        }
    }

    /// The doing of kind `k` (see [`Doing::kind`]); run past the last.
    pub fn of_kind(k: usize) -> Doing {
        if k == 0 || k >= KINDS {
            return Doing {
                state: State::Run,
                reason: None,
            };
        }
        let state = match k % 2 {
            0 => State::Ready,
            _ => State::Wait,
        };
        let reason = ((k - 1) / 2).checked_sub(1).and_then(Reason::from_index);
        Doing { state, reason }
    }
}

/// Why a lane waits, or what it is ready for but does not have: every wait and ready span
/// carries one.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Waiting for I/O: a socket, a file.
    Io,
    /// Waiting for a timer: a sleep.
    Timer,
    /// Waiting for a lock another thread holds.
    Lock,
    /// Waiting for an item in an empty queue.
    QueueEmpty,
    /// Waiting for room in a full queue.
    QueueFull,
    /// Waiting for a cold start's runtime load (modelled).
    ColdStart,
    /// Waiting for work handed to a worker pool (run_in_executor).
    Offload,
    /// Ready, waiting for the (emulated) GIL.
    Gil,
    /// Ready, waiting for the event loop, busy with another task.
    Loop,
    /// Ready, waiting for a CPU: the operating system runs other threads (measured).
    #[default]
    Cpu,
}

impl Reason {
    pub const ALL: [Reason; 10] = [
        Reason::Io,
        Reason::Timer,
        Reason::Lock,
        Reason::QueueEmpty,
        Reason::QueueFull,
        Reason::ColdStart,
        Reason::Offload,
        Reason::Gil,
        Reason::Loop,
        Reason::Cpu,
    ];

    /// Its name in the trace file and the JSON: `queue-empty`.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Io => "io",
            Reason::Timer => "timer",
            Reason::Lock => "lock",
            Reason::QueueEmpty => "queue-empty",
            Reason::QueueFull => "queue-full",
            Reason::ColdStart => "cold-start",
            Reason::Offload => "offload",
            Reason::Gil => "gil",
            Reason::Loop => "loop",
            Reason::Cpu => "cpu",
        }
    }

    /// Its place in [`Reason::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Reason> {
        Reason::ALL.get(i).copied()
    }

    /// The state a lane is in for this reason: ready for the GIL, the loop, a CPU; else wait.
    pub fn state(self) -> State {
        match self {
            Reason::Gil | Reason::Loop | Reason::Cpu => State::Ready,
            _ => State::Wait,
        }
    }
}
