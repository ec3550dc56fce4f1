//! The instrumentation: the only clock of the trace.
//!
//! Task code calls [`mark`] at every state change; that emits one `tracing` event on the
//! [`MARK_TARGET`] target. The [`RecordLayer`] stamps it (`Instant::now()` is the first thing
//! it does) and ships a compact [`Record`] through a bounded crossbeam channel to the
//! [`Recorder`](crate::instrument::Recorder), which builds the [`Trace`](crate::trace::Trace).
//! A record that cannot be sent is counted, never silently lost.
//!
//! The recorder is the one way into a trace: the Layer's records, a worker process's records
//! (relayed over its pipe), and traces read from files (`ingest`) all arrive as [`Msg`]s.

mod layer;
pub mod log;
pub mod probe;
mod recorder;
pub mod wire;

pub use layer::{dispatch, RecordLayer};
pub use recorder::Recorder;

use crate::trace::{Cause, EventKind, LaneEvent, Reason, Wake};
use crossbeam_channel::{Sender, TrySendError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The `tracing` target every state change is emitted on.
pub const MARK_TARGET: &str = "runwait::mark";

/// How many messages may wait in the channel to the recorder before state changes are dropped
/// (milestones never are). The channel grows as it fills, so this is what it may hold, not what
/// it takes: a burst of 100,000 async tasks (about 700,000 records) waits whole while the
/// recorder catches up, and only a recorder far behind for long drops records.
pub const CHANNEL_CAPACITY: usize = 1 << 22;

/// "No task": a lane's own work, such as a worker process starting up.
pub const NO_TASK: u32 = u32::MAX;

/// What a mark says happened on a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Mark {
    /// The lane starts running on a CPU.
    Run = 0,
    /// The lane blocks on I/O or a timer.
    Wait = 1,
    /// The lane could run but is not: waiting for the GIL, the event loop, a free worker.
    Ready = 2,
    /// The lane stops doing anything (between tasks, done starting up).
    Idle = 3,
    /// The task finished; the lane goes idle.
    Done = 4,
    /// The task finished with an error (a failed request); the lane goes idle.
    Failed = 5,
    /// The task was lost (its worker process died); the lane goes idle.
    Lost = 6,
    /// The run begins (lane and task unused).
    RunStart = 7,
    /// The run ends (lane and task unused).
    RunEnd = 8,
    /// A queue's length changed: `lane` is the queue, `task` its new length.
    Queue = 9,
    /// The task ran past its time limit and was thrown away (a cloud function's timeout); the
    /// lane goes idle.
    Timeout = 10,
    /// The CPU-wait probe saw the lane's thread wait for a CPU: `task` says how long, and when
    /// (a [`probe::CpuWait`]). `lane` [`ANY_LANE`]: whichever lane of the run was running then (an
    /// event loop's thread runs its tasks' lanes).
    CpuWait = 11,
    /// A write to the run's shared counter overwrote updates made since its read: `task` is how
    /// many were lost.
    LostUpdate = 12,
    /// The lane (a cloud instance) starts cold.
    ColdStart = 13,
    /// The lane (an idle cloud instance) is reclaimed.
    Reclaimed = 14,
    /// A hand-off made a lane runnable (see [`wake`]): `lane` is the waker ([`OUTSIDE`]: an
    /// I/O completion, a timer), `task` the woken lane with the cause above its bits.
    Wake = 15,
}

/// For [`Mark::Wake`]: the waker is the outside (the OS delivered a response, a timer fired).
pub const OUTSIDE: u32 = u32::MAX;

/// A wake's record carries the woken lane in the low 24 bits of `task` (a run has at most
/// [`MAX_TASKS`](crate::trace::limits::MAX_TASKS) lanes) and its cause's index above them.
const WAKE_LANE_BITS: u32 = 24;

/// For [`Mark::CpuWait`]: the lane of the run that was running.
pub const ANY_LANE: u32 = u32::MAX;

impl Mark {
    /// Marks whose loss would falsify the trace's figures (a run's wall time, a task's end):
    /// these are never dropped.
    pub fn is_milestone(self) -> bool {
        matches!(
            self,
            Mark::Done | Mark::Failed | Mark::Lost | Mark::Timeout | Mark::RunStart | Mark::RunEnd
        )
    }

    /// The lane event this mark records, if it records one.
    pub fn event(self) -> Option<EventKind> {
        match self {
            Mark::LostUpdate => Some(EventKind::LostUpdate),
            Mark::ColdStart => Some(EventKind::ColdStart),
            Mark::Reclaimed => Some(EventKind::Reclaimed),
            _ => None,
        }
    }

    /// The mark that records `event`, and its `task` field (how many), for a source that reads
    /// events back (a timeout is a task's end, not marked this way).
    pub fn of_event(event: &LaneEvent) -> Option<(Mark, u32)> {
        match event.kind {
            EventKind::LostUpdate => Some((Mark::LostUpdate, event.count)),
            EventKind::ColdStart => Some((Mark::ColdStart, NO_TASK)),
            EventKind::Reclaimed => Some((Mark::Reclaimed, NO_TASK)),
            EventKind::Timeout => None,
        }
    }

    pub fn from_u8(v: u8) -> Option<Mark> {
        use Mark::*;
        [
            Run, Wait, Ready, Idle, Done, Failed, Lost, RunStart, RunEnd, Queue, Timeout, CpuWait,
            LostUpdate, ColdStart, Reclaimed, Wake,
        ]
        .get(v as usize)
        .copied()
    }
}

/// One stamped state change: 24 bytes, copied through the channel and the worker pipes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub t_ns: u64,
    pub run: u32,
    pub lane: u32,
    pub task: u32,
    pub mark: Mark,
    /// Why, for a `Wait` or `Ready`.
    pub reason: Option<Reason>,
}

// A wake is a record like any mark: recording hand-offs made no record bigger.
const _: () = assert!(std::mem::size_of::<Record>() == 24);

/// A reason as a mark's field: 0 for none, else its index + 1.
pub fn reason_code(reason: Option<Reason>) -> u8 {
    reason.map_or(0, |r| r.index() as u8 + 1)
}

pub fn reason_of(code: u8) -> Option<Reason> {
    (code as usize).checked_sub(1).and_then(Reason::from_index)
}

/// What reaches the recorder: stamped records, and facts about lanes that are not timestamps.
#[derive(Clone, Debug)]
pub enum Msg {
    Record(Record),
    /// What a lane is, when it is more than its number (a worker process with its pid, a
    /// program's thread with its name).
    LaneId {
        run: u32,
        lane: u32,
        id: crate::trace::LaneId,
    },
    /// How far a worker process's clock may be from the parent's, measured at its handshake.
    ClockError {
        run: u32,
        lane: u32,
        error_ns: u64,
    },
    /// A figure of the lesson's own, measured when the run ended (the race's counter).
    Figure {
        run: u32,
        name: String,
        value: u64,
    },
    /// A run halted before its end: stopped, or failed for want of something it needed.
    Halt {
        run: u32,
        halt: crate::trace::Halt,
    },
    /// A real program's own report of its work (`--cpython`): the run's, from now on.
    Report {
        run: u32,
        report: crate::trace::cpython::Report,
    },
    /// Answered once everything sent before it has been handled (a worker process's records
    /// written out before it asks its parent for something).
    Barrier(crossbeam_channel::Sender<()>),
    /// A whole span, from a trace recorded before (a file): it goes on its lane after the
    /// lane's last one, as a mark would.
    Span {
        run: u32,
        lane: u32,
        span: crate::trace::Span,
    },
    /// A hand-off that made a lane runnable (see [`crate::trace::Wake`]), from a source that
    /// knows it whole (a file, a worker's relayed record); it goes on the run's `wakes`.
    Wake {
        run: u32,
        wake: crate::trace::Wake,
    },
    /// A task's end, from a trace recorded before.
    End {
        run: u32,
        end: crate::trace::TaskEnd,
    },
    /// What a trace recorded before says of how it was recorded: the marks it moved (see
    /// `Run::reordered`) and how far its CPU waits may be off (`Run::cpu_wait_error_ns`).
    Carried {
        run: u32,
        reordered: u32,
        max_reorder_ns: u64,
        cpu_wait_error_ns: u64,
    },

    /// A run a live source found (a process of a sampled program): it gets the next run id.
    NewRun(Box<crate::trace::RunMeta>),
    /// What a live source learned of its run since it began (its Python version, its threads).
    Meta {
        run: u32,
        meta: Box<crate::trace::RunMeta>,
    },
    /// Where a sampled thread is from `at_ns` on: its top Python frame's function.
    Where {
        run: u32,
        lane: u32,
        at_ns: u64,
        function: String,
        gil_released: bool,
    },

    /// A question the class answers before a run (predict, then run): it goes on the trace's
    /// `questions`, as asked when the runs were planned or as a file held it.
    Question(Box<crate::trace::Question>),
    /// Answers counted for question `question` (its place in the trace's `questions`):
    /// `delta` more for answer `answer` (a raised hand), or fewer (an undo); never below 0.
    Count {
        question: u32,
        answer: u32,
        delta: i32,
    },

    /// Records a trace recorded before had dropped.
    Dropped(u64),
    /// Events of an imported file of kinds runwait does not use.
    Skipped(u64),
}

/// The trace's clock: nanoseconds since one `Instant`, shared by the Layer and the recorder.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            epoch: Instant::now(),
        }
    }

    pub fn ns_at(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_nanos() as u64
    }

    pub fn now_ns(&self) -> u64 {
        self.ns_at(Instant::now())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// The sending side of the recorder's channel. Never blocks; counts what it could not send.
#[derive(Clone, Debug)]
pub struct Sink {
    tx: Sender<Msg>,
    dropped: Arc<AtomicU64>,
    /// The channel held [`CHANNEL_CAPACITY`] messages when a sender last looked.
    full: Arc<std::sync::atomic::AtomicBool>,
}

/// How many messages a thread sends between two looks at the channel's length.
const LEN_EVERY: u32 = 64;

impl Sink {
    pub fn new(tx: Sender<Msg>, dropped: Arc<AtomicU64>) -> Sink {
        let full = Arc::default();
        Sink { tx, dropped, full }
    }

    pub fn send(&self, msg: Msg) {
        // The channel's length costs a walk of its indices: looked at once in a while on each
        // thread (a thread sends at most `LEN_EVERY` past the capacity before it looks again).
        thread_local!(static SENT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
        let look = SENT.with(|n| {
            let v = n.get().wrapping_add(1);
            n.set(v);
            v % LEN_EVERY == 0
        });
        if look && self.tx.len() >= CHANNEL_CAPACITY {
            self.full.store(true, Ordering::Relaxed);
        } else if look {
            self.full.store(false, Ordering::Relaxed);
        }
        if self.full.load(Ordering::Relaxed) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.tx.try_send(msg) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Send what must not be lost (a new run, a run's metadata): waits for room instead.
    pub fn send_surely(&self, msg: Msg) {
        if self.tx.send(msg).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Wait until everything sent before has been handled; false if nobody handles it.
    pub fn barrier(&self) -> bool {
        let (done, handled) = crossbeam_channel::bounded(1);
        self.tx.send(Msg::Barrier(done)).is_ok() && handled.recv().is_ok()
    }

    /// Send a record: a state change may be dropped (and counted) when the channel is full; a
    /// milestone (a task's end, a run's start or end) waits for room instead, so the figures
    /// derived from them stay true even when the recorder falls behind.
    pub fn send_record(&self, record: Record) {
        if !record.mark.is_milestone() {
            return self.send(Msg::Record(record));
        }
        if self.tx.send(Msg::Record(record)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Count records lost elsewhere (in a worker process) as dropped here too.
    pub fn add_dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Where a mark happens: which run, which lane (worker or task), which task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    pub run: u32,
    pub lane: u32,
    pub task: u32,
}

/// Mark a state change. The Layer of the current `tracing` dispatcher stamps and records it.
#[inline]
pub fn mark(at: At, mark: Mark) {
    mark_why(at, mark, None);
}

/// Mark a state change with its reason (a `Wait` or `Ready`: what for).
#[inline]
pub fn mark_why(at: At, mark: Mark, reason: Option<Reason>) {
    tracing::event!(
        target: MARK_TARGET,
        tracing::Level::TRACE,
        run = at.run as u64,
        lane = at.lane as u64,
        task = at.task as u64,
        mark = mark as u64,
        why = reason_code(reason) as u64
    );
}

/// Record a hand-off: lane `from` (`None`: the outside) made lane `to` of `run` runnable, for
/// `cause`. One mark, stamped by the Layer like every other (the instant the hand-off was
/// seen), that the recorder puts on the run's `wakes`.
#[inline]
pub fn wake(run: u32, from: Option<u32>, to: u32, cause: Cause) {
    debug_assert!(to >> WAKE_LANE_BITS == 0, "lane {to} is past a wake's bits");
    let at = At {
        run,
        lane: from.unwrap_or(OUTSIDE),
        task: (cause.index() as u32) << WAKE_LANE_BITS | to & ((1 << WAKE_LANE_BITS) - 1),
    };
    mark(at, Mark::Wake);
}

/// The hand-off a [`Mark::Wake`] record says, at its stamp; `None` for any other record.
pub fn wake_of(rec: &Record) -> Option<Wake> {
    if rec.mark != Mark::Wake {
        return None;
    }
    let cause = Cause::from_index((rec.task >> WAKE_LANE_BITS) as usize)?;
    let from = (rec.lane != OUTSIDE).then_some(rec.lane);
    let to = rec.task & ((1 << WAKE_LANE_BITS) - 1);
    Some(Wake::instant(from, to, rec.t_ns, cause))
}

/// Mark a queue's new length.
pub fn mark_queue(run: u32, queue: u32, length: u32) {
    mark(
        At {
            run,
            lane: queue,
            task: length,
        },
        Mark::Queue,
    );
}

/// Mark the start or the end of a whole run.
pub fn mark_run(run: u32, mark_kind: Mark) {
    mark(
        At {
            run,
            lane: 0,
            task: NO_TASK,
        },
        mark_kind,
    );
}
