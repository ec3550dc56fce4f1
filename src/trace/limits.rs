//! runwait's bounds, in one place: the command line, lesson files and trace files are held to
//! the same ones.

/// The most tasks a lesson runs: enough for any lesson, few enough to stay in memory. Also the
/// most lanes a run may have.
pub const MAX_TASKS: u32 = 100_000;

/// The longest latency, jitter, timeout, sleep or arrival: an hour.
pub const HOUR_MS: u64 = 3_600_000;

/// The largest CPU task (`--size`, a lesson's `cpu`): about a minute a task here.
pub const MAX_SIZE: u64 = 100_000_000_000;
