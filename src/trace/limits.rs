//! runwait's bounds, in one place: the command line, lesson files, trace files and Chrome
//! imports are held to the same ones, and every refusal names the bound.
//!
//! | bound | value | where it holds |
//! |---|---|---|
//! | [`MAX_TASKS`] | 100,000 | `--tasks`; a lesson's tasks in all; a run's tasks and lanes in a trace file or an import |
//! | [`HOUR_MS`] | an hour | `--latency`, `--jitter`, `--timeout`; a lesson's `latency_ms`, `sleep_ms`, `arrive_ms`, cloud times |
//! | [`MAX_SIZE`] | 100,000,000,000 | `--size`; a lesson's `cpu`, and `cpu + step * k` for its last task |
//! | [`MAX_REPEAT`] | 10,000 | a lesson group's `repeat` |
//! | [`MAX_REPEATS`] | 100 | `--repeat`, a lesson's `repeats`; a run's repeats in a trace file |
//! | [`MAX_ADDS`] | 1,000,000 | a lesson's `add` |
//! | [`MAX_TRIALS`] | 10,000 | a lesson's `trials` (tasks x trials is held to [`MAX_TASKS`]) |
//! | [`MAX_QUEUE`] | 1,000,000 | a lesson queue's capacity and start |
//! | [`MAX_SEGMENTS`] | 2,000,000 | segments in all of a lesson's tasks (tasks x segments x repeat) |
//! | [`MAX_RUNS`] | 64 | executors compared at once (`--executors`, a lesson's `executors`) |
//! | [`MAX_THREADS`], [`MAX_PROCESSES`] | 1,024, 256 | a pool's workers (`threads:N`, `process:N`, `cloud:N`) |
//! | [`MAX_QUEUES`] | 1,000 | a lesson's queues; a run's queues in a trace file or an import |
//! | [`MAX_TRACE_RUNS`] | 10,000 | runs in a trace file, processes in an import |
//! | [`MAX_NS`](super::MAX_NS) | 2^53 ns (104 days) | every time in a trace file or an import |
//! | [`MAX_FILE_BYTES`] | 512 MiB | a trace file read by `replay` or `export` (`--max-file-size` raises it) |
//! | [`MAX_LESSON_BYTES`] | 1 MiB | a lesson file |

/// The most tasks a lesson runs: enough for any lesson, few enough to stay in memory. Also the
/// most lanes a run may have.
pub const MAX_TASKS: u32 = 100_000;

/// The longest latency, jitter, timeout, sleep or arrival: an hour.
pub const HOUR_MS: u64 = 3_600_000;

/// The largest CPU task (`--size`, a lesson's `cpu`): about a minute a task here.
pub const MAX_SIZE: u64 = 100_000_000_000;

/// The most times a lesson group's segments repeat.
pub const MAX_REPEAT: u32 = 10_000;

/// The most trials of a race a lesson asks for.
pub const MAX_TRIALS: u32 = 10_000;
/// The most times a lesson is run over (`--repeat`, a lesson's `repeats`).
pub const MAX_REPEATS: u32 = 100;

/// The most adds to the shared counter one segment makes.
pub const MAX_ADDS: u32 = 1_000_000;

/// The most items a lesson's queue holds (its capacity, and what it starts with).
pub const MAX_QUEUE: u32 = 1_000_000;

/// The most segments all of a lesson's tasks have together: what its tasks take in memory.
pub const MAX_SEGMENTS: u64 = 2_000_000;

/// The most runs compared at once.
pub const MAX_RUNS: usize = 64;

/// The most threads a pool may have.
pub const MAX_THREADS: u32 = 1024;

/// The most worker processes a run may start at once.
pub const MAX_PROCESSES: u32 = 256;

/// The most queues a lesson (or a run in a trace) may have.
pub const MAX_QUEUES: usize = 1_000;

/// The most runs a trace file (or processes a Chrome trace) may have.
pub const MAX_TRACE_RUNS: usize = 10_000;

/// The largest trace file read unless `--max-file-size` says more: loading one takes up to
/// about three times its size in memory.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// The largest lesson file.
pub const MAX_LESSON_BYTES: u64 = 1 << 20;

/// `what is at most MAX` (with the number grouped in thousands) if `value` is over `max`.
pub fn over(what: &str, value: u64, max: u64) -> Option<String> {
    (value > max).then(|| format!("{what} is at most {}", grouped(max)))
}

/// 100000 as `100,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count for people: `512 MiB`, `1.0 GiB`, `300 B`.
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    match n {
        n if n >= GIB => format!("{:.1} GiB", n as f64 / GIB as f64),
        n if n >= MIB && n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n >= MIB => format!("{:.1} MiB", n as f64 / MIB as f64),
        n if n >= KIB => format!("{:.1} KiB", n as f64 / KIB as f64),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_as_people_write_them() {
        assert_eq!(grouped(100_000_000_000), "100,000,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(over("cpu", 5, 4).unwrap(), "cpu is at most 4");
        assert!(over("cpu", 4, 4).is_none());
        assert_eq!(bytes(MAX_FILE_BYTES), "512 MiB");
        assert_eq!(bytes(1 << 30), "1.0 GiB");
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
