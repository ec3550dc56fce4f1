//! Who woke whom: a hand-off that made a lane runnable, recorded by the executor or queue that
//! made it (never inferred afterwards from the spans).
//!
//! A wake goes from a lane at a time (the thread that let the GIL go, the task that put an item
//! in a queue; or the outside: an I/O completion, a timer) to a lane at a time (the lane made
//! runnable). Recorded through the Layer, a wake is one record with one stamp, taken where the
//! hand-off is known whole: a GIL or lock hand-off when the waiting thread takes it (so its
//! `from_ns` is the take, a little after the holder let go on a busy machine), an I/O completion
//! when the blocked call returns, a queue's when the waiting side goes on, the loop's when it
//! polls the woken task. `from_ns` and `to_ns` may differ only for a wake read from a file.

use serde::{Deserialize, Serialize};

/// One hand-off that made lane `to` runnable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wake {
    /// The lane that made the hand-off; `None`: the outside (the OS delivered a response, a
    /// timer fired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    /// When the hand-off was made, on the trace clock.
    pub from_ns: u64,
    /// The lane made runnable.
    pub to: u32,
    /// When it became runnable (the same as `from_ns` unless the hand-off travelled: a pipe).
    pub to_ns: u64,
    pub cause: Cause,
}

impl Wake {
    /// A hand-off made and taken at one instant, `at_ns` (as the Layer records one).
    pub fn instant(from: Option<u32>, to: u32, at_ns: u64, cause: Cause) -> Wake {
        Wake {
            from,
            from_ns: at_ns,
            to,
            to_ns: at_ns,
            cause,
        }
    }
}

/// What handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The (emulated) GIL was handed over when its holder's switch interval ran out (forced).
    GilInterval,
    /// The GIL's holder let it go to wait (for I/O, a timer, a lock, a queue) or because it
    /// finished its work.
    GilReleased,
    /// A lock was released and the waiting lane took it.
    LockReleased,
    /// A put into a queue whose waiting get took the item.
    QueuePut,
    /// A get from a full queue that let a waiting put go on.
    QueueGet,
    /// An I/O completion: the response the lane waited for arrived.
    IoDone,
    /// A timer the lane waited for fired.
    Timer,
    /// The event loop polled a task that had been woken.
    LoopPoll,
    /// A worker process's message over its pipe (not recorded yet: a worker process's queue
    /// answers are recorded as the queue's wakes; kept for trace files that name it).
    Pipe,
}

impl Cause {
    pub const ALL: [Cause; 9] = [
        Cause::GilInterval,
        Cause::GilReleased,
        Cause::LockReleased,
        Cause::QueuePut,
        Cause::QueueGet,
        Cause::IoDone,
        Cause::Timer,
        Cause::LoopPoll,
        Cause::Pipe,
    ];

    /// Its place in [`Cause::ALL`] (a record's field).
    pub fn index(self) -> usize {
        Cause::ALL.iter().position(|&c| c == self).unwrap_or(0)
    }

    pub fn from_index(i: usize) -> Option<Cause> {
        Cause::ALL.get(i).copied()
    }

    /// Its name in trace files and the JSON: `gil-interval`, `queue-put`.
    pub fn name(self) -> &'static str {
        match self {
            Cause::GilInterval => "gil-interval",
            Cause::GilReleased => "gil-released",
            Cause::LockReleased => "lock-released",
            Cause::QueuePut => "queue-put",
            Cause::QueueGet => "queue-get",
            Cause::IoDone => "io-done",
            Cause::Timer => "timer",
            Cause::LoopPoll => "loop-poll",
            Cause::Pipe => "pipe",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_round_trip_through_their_index_and_name() {
        for cause in Cause::ALL {
            assert_eq!(Cause::from_index(cause.index()), Some(cause));
            let json = serde_json::to_string(&cause).unwrap();
            assert_eq!(json, format!("\"{}\"", cause.name()));
        }
    }
}
