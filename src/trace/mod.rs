//! The trace: every run's lanes and their spans, the single source of truth for every view.
//!
//! The recorder appends to it; views and exports only read it. Times are nanoseconds on the
//! trace clock; a run's own time axis starts at its `start_ns`.

pub mod busy;
pub mod cpython;
pub mod figures;
pub mod file;
pub mod handoff;
mod lane_id;
pub mod limits;
mod query;
pub mod question;
pub mod repeats;
mod rows;
mod span;
mod stats;
pub mod wake;

pub use busy::Busy;
pub use handoff::Handoffs;
pub use lane_id::{LaneId, ProcessId};
pub use query::{Cell, Sums};
pub use question::{Answer, Figure, Question};
pub use repeats::Repeats;
pub use rows::RowTotals;
pub use span::{Doing, Reason, Span, State, KINDS};
pub use stats::{speedup, RunStats};
pub use wake::{Cause, Wake};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of a diagram: a worker (thread, process) or, for the event loop, a task.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Lane {
    /// What the lane is; `present::words` names it.
    #[serde(default)]
    pub id: LaneId,
    /// Its name as trace files before version 3 held it, read once on load into `id`
    /// (`ingest::saved`); never written.
    #[serde(default, rename = "name", skip_serializing)]
    pub old_name: Option<String>,
    /// Sorted by start, never overlapping.
    pub spans: Vec<Span>,
    /// For a worker process: how far its clock may be from the parent's (half the best
    /// handshake round trip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_error_ns: Option<u64>,
    /// The state the lane is in now and since when, not yet ended (a run still going).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<Open>,
    /// Where a sampled program's thread was from each time on: its top Python frame, in time
    /// order (empty for runwait's own lanes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<Where>,
    /// The end of every [`INDEX_STRIDE`]-th span, so a search for a time first looks here (a
    /// few cache lines) and then in one block of spans, instead of across the whole lane.
    /// Derived from `spans`; covers a prefix of them (it is only ever appended to).
    #[serde(skip)]
    index: Vec<u64>,
    /// Running totals of its time by state and reason, span by span (derived, for cells).
    #[serde(skip)]
    shares: Shares,
    /// Which reasons its spans have had, a bit per [`Reason::index`] (derived, for the legend).
    #[serde(skip)]
    seen: u32,
    /// How many times its spans were appended to or cut, through its methods (derived): what a
    /// summary of it made earlier tells a changed lane by.
    #[serde(skip)]
    edits: u64,
    /// The role its tasks play (derived): `ROLE_NONE` before any, `ROLE_MIXED` when they play
    /// different ones (or none), else `ROLE_FIRST` + the role's place in its run's `roles`.
    #[serde(skip)]
    role: u32,
}

/// A lane's running totals: for each span, the time the lane ran and the time it spent on
/// each other thing it did (a wait or ready state and its reason), over the spans before it.
/// A cell's shares are then the difference of the totals at its two edges, each found by a
/// search, however many spans lie inside it.
///
/// Derived from the spans, like the lane's index, and kept as they are appended: a row of
/// `1 + kinds` totals of 8 bytes a span (and one row of zeros before the first), `kinds` being
/// the wait and ready (state, reason) pairs the lane has had, its end (8 bytes) and its column
/// (1 byte): 33 bytes a span for a lane that runs, waits for I/O and is ready for the GIL (a
/// span itself takes 32). Kept up by `query`, which reads cells from it.
#[derive(Clone, Debug, Default)]
struct Shares {
    /// The wait and ready doings seen, in order of first appearance: columns 1.. of a row.
    kinds: Vec<Doing>,
    /// Rows of `1 + kinds.len()` totals: the run time, then each kind's. Row `i` sums the
    /// spans before span `i` (row 0 is zeros; row `covered` sums them all).
    sums: Vec<u64>,
    /// Each summarized span's end, so a search reads eight to a cache line, not two spans.
    ends: Vec<u64>,
    /// Each summarized span's column.
    cols: Vec<u8>,
    /// How many spans (the first ones) are summarized.
    covered: usize,
    /// The next span overlaps the one before it or ends before it starts: no more spans are
    /// summarized (the lane's cells are found span by span) until it is taken off.
    stalled: bool,
}

const ROLE_NONE: u32 = 0;
const ROLE_MIXED: u32 = 1;
const ROLE_FIRST: u32 = 2;

/// The latest time a trace may hold, in nanoseconds (2^53, about 104 days): every sum and
/// scale of times stays exact and far from overflowing.
pub const MAX_NS: u64 = 1 << 53;

/// Spans per entry of a lane's search index.
pub const INDEX_STRIDE: usize = 32;

impl PartialEq for Lane {
    fn eq(&self, other: &Lane) -> bool {
        self.id == other.id
            && self.spans == other.spans
            && self.clock_error_ns == other.clock_error_ns
            && self.open == other.open
            && self.frames == other.frames
    }
}

impl Lane {
    /// A lane that is `id`.
    pub fn new(id: LaneId) -> Lane {
        Lane {
            id,
            ..Lane::default()
        }
    }

    /// How many times its spans were appended to or cut (see `edits`).
    pub fn edits(&self) -> u64 {
        self.edits
    }

    /// Append a span (later than every span before it), keeping the index up to date.
    pub fn push(&mut self, span: Span) {
        self.spans.push(span);
        self.edits += 1;
        if let Some(reason) = span.reason {
            self.seen |= 1 << reason.index();
        }
        if self.spans.len() % INDEX_STRIDE == 0
            && self.index.len() * INDEX_STRIDE + INDEX_STRIDE == self.spans.len()
        {
            self.index.push(span.end_ns);
        }
        self.shares.sync(&self.spans);
    }

    /// Build the index of spans set directly (a trace loaded from a file).
    pub fn reindex(&mut self) {
        self.edits += 1;
        self.index = self
            .spans
            .chunks_exact(INDEX_STRIDE)
            .map(|block| block[INDEX_STRIDE - 1].end_ns)
            .collect();
        self.seen = self
            .spans
            .iter()
            .filter_map(|s| s.reason)
            .fold(0, |bits, r| bits | 1 << r.index());
        self.shares = Shares::default();
        self.shares.sync(&self.spans);
    }

    /// The reasons its spans have had (the open one's too).
    pub fn reasons_seen(&self) -> impl Iterator<Item = Reason> + '_ {
        let open = self
            .open
            .and_then(|o| o.reason)
            .map_or(0, |r| 1 << r.index());
        let bits = self.seen | open;
        Reason::ALL
            .into_iter()
            .filter(move |r| bits & (1 << r.index()) != 0)
    }

    /// The role every task of the lane played, if they all played one (its place in its run's
    /// `roles`).
    pub fn role(&self) -> Option<usize> {
        (self.role >= ROLE_FIRST).then(|| (self.role - ROLE_FIRST) as usize)
    }

    /// A task playing `role` (none: no role) ran on the lane.
    pub fn note_role(&mut self, role: Option<usize>) {
        let role = role.map_or(ROLE_MIXED, |r| r as u32 + ROLE_FIRST);
        self.role = match self.role {
            ROLE_NONE => role,
            same if same == role => same,
            _ => ROLE_MIXED,
        };
    }

    /// Take off every span from the `n`-th on, keeping the index true.
    fn truncate(&mut self, n: usize) -> Vec<Span> {
        self.edits += 1;
        self.index.truncate(n / INDEX_STRIDE);
        self.shares.truncate(n);
        self.spans.split_off(n.min(self.spans.len()))
    }

    /// Mark `[from_ns, to_ns)` of the lane's `run` as ready for a CPU: the time its thread was
    /// measured waiting for one (the OS ran others). Closed spans are split; an open `run` is
    /// closed where the wait began and goes on after it.
    pub fn split_run(&mut self, from_ns: u64, to_ns: u64) {
        if from_ns >= to_ns {
            return;
        }
        let first = self.spans.partition_point(|s| s.end_ns <= from_ns);
        for span in self.truncate(first) {
            for piece in split_span(span, from_ns, to_ns) {
                self.push(piece);
            }
        }
        let Some(open) = self
            .open
            .filter(|o| o.state == State::Run && o.start_ns < to_ns)
        else {
            return;
        };
        for piece in split_span(open.until(to_ns), from_ns, to_ns) {
            self.push(piece);
        }
        self.open = Some(Open {
            start_ns: to_ns,
            ..open
        });
    }

    /// Forget what the lane recorded after `t_ns` (spans reaching past it are cut there): a
    /// CPU wait placed a little late is cut back when a mark from before its end arrives.
    pub fn cut_at(&mut self, t_ns: u64) {
        let first = self.spans.partition_point(|s| s.end_ns <= t_ns);
        for span in self.truncate(first) {
            if span.start_ns < t_ns {
                self.push(Span {
                    end_ns: t_ns,
                    ..span
                });
            }
        }
    }
}

/// A `run` span split around `[from_ns, to_ns)`, which becomes ready for a CPU; any other span
/// as it is.
fn split_span(span: Span, from_ns: u64, to_ns: u64) -> impl Iterator<Item = Span> {
    let pieces = if span.state != State::Run {
        [Some(span), None, None]
    } else {
        let (a, b) = (
            from_ns.clamp(span.start_ns, span.end_ns),
            to_ns.clamp(span.start_ns, span.end_ns),
        );
        let cpu = Span {
            state: State::Ready,
            reason: Some(Reason::Cpu),
            ..span
        };
        [
            Some(Span { end_ns: a, ..span }),
            Some(Span {
                start_ns: a,
                end_ns: b,
                ..cpu
            }),
            Some(Span {
                start_ns: b,
                ..span
            }),
        ]
    };
    pieces
        .into_iter()
        .flatten()
        .filter(|s| s.end_ns > s.start_ns)
}

/// Where a sampled thread was from `at_ns` on: the function of its top Python frame (an index
/// into its run's `functions`), and whether it ran native code with the GIL let go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Where {
    pub at_ns: u64,
    pub function: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gil_released: bool,
}

impl Lane {
    /// Where the lane was at `t_ns`, if it was sampled.
    pub fn where_at(&self, t_ns: u64) -> Option<Where> {
        let i = self.frames.partition_point(|w| w.at_ns <= t_ns);
        i.checked_sub(1).map(|i| self.frames[i])
    }
}

/// A span that has begun and not yet ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open {
    pub task: Option<u32>,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub start_ns: u64,
}

impl Open {
    /// The span as far as it has got by `now_ns`.
    pub fn until(&self, now_ns: u64) -> Span {
        Span {
            task: self.task,
            state: self.state,
            reason: self.reason,
            start_ns: self.start_ns,
            end_ns: now_ns.max(self.start_ns),
        }
    }
}

/// What a lane stands for in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LaneKind {
    #[default]
    Thread,
    Process,
    Task,
    /// A cloud function's instance.
    Instance,
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Done,
    Failed,
    Lost,
    /// Thrown away for running past its time limit (a cloud function's timeout): finished, by
    /// the platform's rule, without its result.
    Timeout,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Done,
        Outcome::Failed,
        Outcome::Lost,
        Outcome::Timeout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Lost => "lost",
            Outcome::Timeout => "timeout",
        }
    }
}

/// A task's end as recorded: when, on which lane, how, and how often (exactly once, or a bug).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEnd {
    pub task: u32,
    pub lane: u32,
    pub outcome: Outcome,
    pub at_ns: u64,
}

/// Why an executor wins a lesson when it wins it: what the verdict says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// One thread overlaps every wait (an event loop).
    OneThreadOverlapsWaits,
    /// Threads overlap the waiting; the GIL is let go while they wait.
    ThreadsOverlapWaits,
    /// Processes use every core.
    ProcessesUseEveryCore,
    /// Threads without a GIL use every core.
    NoGilUsesEveryCore,
    /// It overlaps the most (nothing more particular to say).
    #[default]
    Overlaps,
}

/// What a lesson's point is measured by, so its verdict can say it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Point {
    /// Which model is fastest against sync (or, without sync, which finished first).
    #[default]
    Speedup,
    /// Speedup by pool size: which size is best, and where more stop helping.
    PoolSize,
    /// Updates lost on a shared counter, by how it was guarded.
    LostUpdates,
    /// How long the I/O-bound thread waits for the GIL after each response.
    GilWait,
    /// How long the other tasks sit ready while one holds the event loop.
    LoopReady,
    /// Cold starts of a cloud function, against a pool that stays warm.
    ColdStarts,
}

/// Where a run's spans come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Measured from real execution.
    #[default]
    Measured,
    /// Measured, on a modelled platform (the cloud): `model` says what is a model.
    Modelled,
    /// Mapped from a trace made elsewhere (a Chrome trace): `model` says how.
    Imported,
    /// Sampled from a real program (a Python process): `sampled` says how, and what cannot be
    /// told apart.
    Sampled,
}

/// How a run sampled from a real Python process was sampled, and what its samples can tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sampled {
    /// The process sampled.
    pub pid: u32,
    /// Its command line, as the OS has it.
    pub command: String,
    /// The Python version it runs (`3.12.1`), once known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub python: String,
    /// Samples a second asked for.
    pub hz: u32,
    /// Whether the program was paused at each sample (py-spy's blocking mode).
    #[serde(default)]
    pub paused: bool,
    /// Whether a wait for the GIL is told apart from a wait for another lock (CPython 3.12+).
    #[serde(default)]
    pub gil_waits: bool,
    /// Whether its asyncio tasks are shown (a probe in the program reports them).
    #[serde(default)]
    pub tasks: bool,
    /// Whether a thread's wait reason comes from its blocking system call (Linux).
    #[serde(default)]
    pub syscalls: bool,
}

/// What describes a run before it starts. What views need to know of its executor travels
/// here as typed fields (set by the executor's `describe`), never as a test of its name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// The executor's name: `sync`, `threads`, `free-threads`, `async`, `process`, ...
    pub executor: String,
    /// For people: `threads (GIL)`.
    pub label: String,
    /// Which variant of its executor a run is, where a lesson compares variants
    /// (`async/blocking` and `async/offload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub workers: u32,
    pub gil: bool,
    pub tasks: u32,
    pub lane_kind: LaneKind,
    /// The queues joining the run's tasks (the restaurants), in their order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<QueueMeta>,
    /// What in the run is a model rather than the real thing, in words for the screen (the
    /// cloud platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The run others are compared with (speedup = its wall time / theirs): `sync`.
    #[serde(default)]
    pub baseline: bool,
    /// What its `ready` spans wait for.
    #[serde(default)]
    pub ready: Reason,
    /// Why it wins when it wins.
    #[serde(default)]
    pub strength: Strength,
    #[serde(default)]
    pub origin: Origin,
    /// How often its threads' CPU waits were sampled (Hz), or `None`: not measured (another
    /// OS, a trace from elsewhere), so its `run` may include time waiting for a CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_waits_hz: Option<u32>,
    /// The cores the machine that ran it let it use, where known: no more lanes than that run at
    /// once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// What its lesson's point is measured by (the same for every run of a lesson).
    #[serde(default, skip_serializing_if = "is_default")]
    pub point: Point,
    /// What its tasks are in the lesson's story, by task number (`grill` for tasks 1 to 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// What the run was run with, for the screen: the lesson's settings in force.
    #[serde(default, skip_serializing_if = "is_default")]
    pub settings: Settings,
    /// Which set of runs it belongs to: 0, or a later set run beside the first.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub set: u32,
    /// A what-if's run not run again: its settings were those of the run at its place in the
    /// set before, whose record it is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kept: bool,
    /// For a run sampled from a real program: how (see [`Origin::Sampled`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled: Option<Sampled>,
    /// For a real program's run (`--cpython`): the lesson's run of the same executor and
    /// variant it stands beside, whose figures its figures are compared with; its speedup is
    /// taken against the real baseline's (see [`cpython`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beside: Option<cpython::Beside>,
    /// Whether it was a real program's run, as trace files before version 4 said it, read once
    /// on load into `beside` (`ingest::saved`); never written.
    #[serde(default, rename = "real", skip_serializing)]
    pub old_real: bool,
    /// With the lesson run over and over (`--repeat N`): this run is the median repeat, and
    /// this is every repeat's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<Repeats>,
}

/// The settings a run was run with that are not in its executor's spec.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The loopback server's answer time, if the lesson asks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub jitter_ms: u64,
    /// The emulated GIL's switch interval, for a run with the GIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_ms: Option<u64>,
    /// The CPython whose thread switching the emulated GIL modelled (`3.12`), for a run with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switching: Option<String>,
    /// How many times the run did its race on the shared counter, when more than once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u32>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seed: u64,
}

/// A role in a lesson's story and the tasks that play it: `first..first + count`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub first: u32,
    pub count: u32,
}

impl RunMeta {
    /// The role task `task` plays (its place in `roles`), if any.
    pub fn role_of(&self, task: u32) -> Option<usize> {
        self.roles
            .iter()
            .position(|r| task >= r.first && task - r.first < r.count)
    }
}

/// A queue between tasks: its name, how many items it holds at most (0: no bound) and how
/// many it holds when the run starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMeta {
    pub name: String,
    pub capacity: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start: u32,
}

/// For serde: leave a number out of the file when it is zero.
pub(crate) fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// For serde: leave a field out of the file when it has its default.
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// One executor running one workload: one timing diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub meta: RunMeta,
    pub start_ns: Option<u64>,
    pub end_ns: Option<u64>,
    pub lanes: Vec<Lane>,
    /// Every task end recorded, in arrival order.
    pub ends: Vec<TaskEnd>,
    /// Marks that arrived stamped earlier than the lane's previous mark (a worker process's
    /// clock a little off, a wake stamped on another thread) and were moved up to it, so a
    /// lane's spans never overlap; and the largest such move.
    #[serde(default)]
    pub reordered: u32,
    #[serde(default)]
    pub max_reorder_ns: u64,
    /// How far a CPU wait may have been placed from where it was (up to half the longest time
    /// between two reads of the probe).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cpu_wait_error_ns: u64,
    /// The lesson's own figures (the race: `expected` and `actual` counter values).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lesson: BTreeMap<String, u64>,
    /// A real program's own report of its work (`--cpython`), as far as it has told it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<cpython::Report>,
    /// Per queue (as in `meta.queues`), its length from each time on: `(t_ns, length)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queue_lengths: Vec<Vec<(u64, u32)>>,
    /// What a lesson is about that happened at an instant on a lane (a lost update, a cold
    /// start), in the order recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<LaneEvent>,
    /// The functions its lanes' `frames` name (a sampled program's: `fetch (download.py:12)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
    /// How the run ended when it did not end by itself: stopped (a signal, the user), or failed
    /// for want of something it needed (a thread, a process, a file); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted: Option<Halt>,
    /// Who woke whom: every hand-off that made one of its lanes runnable, in the order
    /// recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wakes: Vec<Wake>,
}

/// How a run ended when it did not end by itself: its tasks not ended were never run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Halt {
    /// Stopped before its end, by a signal or the user.
    Stopped,
    /// Ended for want of something it needed, and why: `could not start thread 61 of 1024:
    /// ...`.
    Failed(String),
}

impl Halt {
    /// One word for titles and tables: `stopped`, `failed`.
    pub fn word(&self) -> &'static str {
        match self {
            Halt::Stopped => "stopped",
            Halt::Failed(_) => "failed",
        }
    }
}

/// Something a lesson is about, at an instant on a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneEvent {
    pub lane: u32,
    pub at_ns: u64,
    pub kind: EventKind,
    /// How many (updates lost); 1 otherwise.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A write to a shared counter that overwrote updates made since its read.
    LostUpdate,
    /// A cloud instance started cold.
    ColdStart,
    /// An idle cloud instance was reclaimed.
    Reclaimed,
    /// A request ran past its time limit (a task's end: shown with the events).
    Timeout,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::LostUpdate,
        EventKind::ColdStart,
        EventKind::Reclaimed,
        EventKind::Timeout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::LostUpdate => "lost update",
            EventKind::ColdStart => "cold start",
            EventKind::Reclaimed => "reclaimed",
            EventKind::Timeout => "timeout",
        }
    }
}

impl Run {
    pub fn new(meta: RunMeta) -> Run {
        Run {
            meta,
            start_ns: None,
            end_ns: None,
            lanes: Vec::new(),
            ends: Vec::new(),
            reordered: 0,
            max_reorder_ns: 0,
            cpu_wait_error_ns: 0,
            lesson: BTreeMap::new(),
            report: None,
            queue_lengths: Vec::new(),
            events: Vec::new(),
            functions: Vec::new(),
            halted: None,
            wakes: Vec::new(),
        }
    }

    /// Tasks that never ended because the run was halted before them ([`Halt`]): with the
    /// done, failed, lost and timed out, every task of the run.
    pub fn not_run(&self) -> u32 {
        if self.halted.is_none() || self.is_real() {
            return 0;
        }
        let ended = Outcome::ALL.iter().map(|&o| self.count(o)).sum::<u32>();
        self.meta.tasks.saturating_sub(ended)
    }

    /// Mark the run halted; a failure is not overwritten by a stop.
    pub fn halt(&mut self, halt: Halt) {
        if !matches!(self.halted, Some(Halt::Failed(_))) {
            self.halted = Some(halt);
        }
    }

    /// The run's wall time, once it has ended.
    pub fn wall_ns(&self) -> Option<u64> {
        Some(self.end_ns? - self.start_ns?)
    }

    pub fn finished(&self) -> bool {
        self.end_ns.is_some()
    }

    /// How many workers: the pool's size, or for cloud functions the instances started so far
    /// (`meta.workers` is their limit).
    pub fn worker_count(&self) -> u32 {
        match self.meta.lane_kind {
            LaneKind::Instance => self.lanes.len() as u32,
            _ => self.meta.workers,
        }
    }

    /// Ended, with every task done.
    pub fn all_done(&self) -> bool {
        self.finished() && self.count(Outcome::Done) == self.meta.tasks
    }

    /// How much it holds (spans, open spans, ends, events): it grows with every record taken.
    pub fn size(&self) -> usize {
        let lanes = self.lanes.iter();
        // A span closing leaves its lane open no more: counted so that the size still grows.
        let spans: usize = lanes
            .map(|l| 2 * l.spans.len() + usize::from(l.open.is_some()))
            .sum();
        spans + self.ends.len() + self.events.len() + usize::from(self.end_ns.is_some())
    }

    /// The race lesson's shared counter: (updates lost, updates made), if the run kept one.
    pub fn counter(&self) -> Option<(u64, u64)> {
        let (expected, actual) = (*self.lesson.get("expected")?, *self.lesson.get("actual")?);
        Some((expected.saturating_sub(actual), expected))
    }

    /// The race run in trials (more than one): (trials, trials that lost any update, the most
    /// one trial lost).
    pub fn trials(&self) -> Option<(u64, u64, u64)> {
        let trials = *self.lesson.get("trials").filter(|&&n| n > 1)?;
        let lossy = *self.lesson.get("trials_lost")?;
        Some((
            trials,
            lossy,
            self.lesson.get("lost_most").copied().unwrap_or(0),
        ))
    }

    /// The lesson's events on the run's lanes: those recorded, and the tasks that timed out.
    pub fn lane_events(&self) -> impl Iterator<Item = LaneEvent> + '_ {
        let timeouts = self
            .ends
            .iter()
            .filter(|e| e.outcome == Outcome::Timeout)
            .map(|e| LaneEvent {
                lane: e.lane,
                at_ns: e.at_ns,
                kind: EventKind::Timeout,
                count: 1,
            });
        self.events.iter().copied().chain(timeouts)
    }

    pub fn count(&self, outcome: Outcome) -> u32 {
        self.ends.iter().filter(|e| e.outcome == outcome).count() as u32
    }

    pub fn lane_mut(&mut self, lane: u32) -> &mut Lane {
        let i = lane as usize;
        if self.lanes.len() <= i {
            let kind = self.meta.lane_kind;
            let new = (self.lanes.len()..=i).map(|n| Lane::new(LaneId::numbered(kind, n as u32)));
            self.lanes.extend(new);
        }
        &mut self.lanes[i]
    }

    /// Every span of the run with its lane, in no particular order.
    pub fn spans(&self) -> impl Iterator<Item = (u32, &Span)> + '_ {
        self.lanes
            .iter()
            .enumerate()
            .flat_map(|(i, lane)| lane.spans.iter().map(move |s| (i as u32, s)))
    }

    pub fn stats(&self) -> RunStats {
        RunStats::of(self)
    }
}

/// Everything recorded for one scenario's runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub scenario: String,
    pub runs: Vec<Run>,
    /// Records the instrumentation could not deliver (the channel was full).
    pub dropped: u64,
    /// Events of an imported trace (Chrome's format) of kinds runwait does not use.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: u64,
    /// The questions the class answered before its runs (predict, then run), with their counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
}

impl Trace {
    pub fn new(scenario: &str) -> Trace {
        Trace {
            scenario: scenario.to_string(),
            ..Trace::default()
        }
    }

    /// Register a run before it starts; returns its id, which its marks carry.
    pub fn add_run(&mut self, meta: RunMeta) -> u32 {
        self.runs.push(Run::new(meta));
        (self.runs.len() - 1) as u32
    }

    /// The latest set of runs (a what-if's; 0 without one).
    pub fn latest_set(&self) -> u32 {
        self.runs.iter().map(|r| r.meta.set).max().unwrap_or(0)
    }

    /// Index every lane (after loading, or after building lanes by hand).
    pub fn reindex(&mut self) {
        for lane in self.runs.iter_mut().flat_map(|r| r.lanes.iter_mut()) {
            lane.reindex();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(state: State, reason: Option<Reason>, start_ns: u64, end_ns: u64) -> Span {
        Span {
            task: Some(0),
            state,
            reason,
            start_ns,
            end_ns,
        }
    }

    fn shape(lane: &Lane) -> Vec<(State, Option<Reason>, u64, u64)> {
        let s = lane.spans.iter();
        s.map(|s| (s.state, s.reason, s.start_ns, s.end_ns))
            .collect()
    }

    const CPU: Option<Reason> = Some(Reason::Cpu);

    #[test]
    fn a_cpu_wait_splits_the_runs_it_falls_in_and_nothing_else() {
        let mut lane = Lane::default();
        lane.push(span(State::Run, None, 0, 10));
        lane.push(span(State::Wait, Some(Reason::Io), 10, 20));
        lane.push(span(State::Run, None, 20, 30));
        lane.split_run(8, 24);
        assert_eq!(
            shape(&lane),
            [
                (State::Run, None, 0, 8),
                (State::Ready, CPU, 8, 10),
                (State::Wait, Some(Reason::Io), 10, 20),
                (State::Ready, CPU, 20, 24),
                (State::Run, None, 24, 30),
            ]
        );
        // Nothing to split: an empty stretch, or one past the spans.
        lane.split_run(5, 5);
        lane.split_run(40, 50);
        assert_eq!(lane.spans.len(), 5);
    }

    #[test]
    fn an_open_run_is_closed_where_the_wait_began_and_goes_on_after_it() {
        let mut lane = Lane {
            open: Some(Open {
                task: Some(0),
                state: State::Run,
                reason: None,
                start_ns: 100,
            }),
            ..Lane::default()
        };
        lane.split_run(120, 130);
        assert_eq!(
            shape(&lane),
            [(State::Run, None, 100, 120), (State::Ready, CPU, 120, 130)]
        );
        assert_eq!(
            lane.open.map(|o| (o.state, o.start_ns)),
            Some((State::Run, 130))
        );
    }

    #[test]
    fn cut_at_forgets_what_came_after_and_shortens_a_span_across_it() {
        let mut lane = Lane::default();
        lane.push(span(State::Run, None, 0, 10));
        lane.push(span(State::Ready, CPU, 10, 20));
        lane.push(span(State::Run, None, 20, 30));
        lane.cut_at(15);
        assert_eq!(
            shape(&lane),
            [(State::Run, None, 0, 10), (State::Ready, CPU, 10, 15)]
        );
        lane.cut_at(10);
        assert_eq!(shape(&lane), [(State::Run, None, 0, 10)]);
    }
}
