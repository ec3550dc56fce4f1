//! Worker processes that stop answering are found out, killed and their task lost, so no run
//! waits forever on one (a worker stopped with SIGSTOP, swapped out for good, or stuck).
//!
//! - **Heartbeat**: once it has its first job, a worker process writes a frame every [`BEAT`]
//!   whatever it is doing (its count of records dropped since the last, usually 0). runwait
//!   times each read it makes of a worker's pipe ([`Heard`]): a read that has waited
//!   [`SILENCE`] means the worker is not running at all.
//! - **Deadline**: a worker that beats but never finishes its task (a livelock) is given the
//!   task's expected length ([`expected`]), twice over, plus [`GRACE`]. Only the time runwait
//!   spends waiting for the worker counts: a queue wait runwait does for it (the run's queues
//!   live here) does not.
//!
//! Either way the [`Watch`] kills the worker and keeps the reason, which the lane reports
//! with the lost task.

use super::Env;
use crate::instrument::wire::{self, Frame};
use crate::workload::cpu::{iterations_per_bytecode, sum_of_squares};
use crate::workload::{Segment, Task};
use std::io::{BufWriter, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How often a worker process says it is alive.
pub const BEAT: Duration = Duration::from_millis(250);

/// How long runwait waits on a worker that says nothing before it takes it for lost.
pub const SILENCE: Duration = Duration::from_secs(3);

/// What a task may take beyond twice its expected length before its worker is taken for lost.
pub const GRACE: Duration = Duration::from_secs(5);

/// How often the watch looks.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// The worker process's side: beat every [`BEAT`] on `out` from a thread of its own, saying
/// how many records were dropped since the last word (of the count `dropped`, `reported` have
/// been said; both change only with `out` held).
pub fn start_beating(
    out: Arc<Mutex<BufWriter<std::io::Stdout>>>,
    dropped: Arc<AtomicU64>,
    reported: Arc<AtomicU64>,
) {
    let _ = std::thread::Builder::new()
        .name("runwait-heartbeat".into())
        .spawn(move || loop {
            std::thread::sleep(BEAT);
            let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
            let total = dropped.load(Ordering::Relaxed);
            let since = total.saturating_sub(reported.swap(total, Ordering::Relaxed));
            let beat = wire::write_frame(&mut *out, &Frame::Dropped(since));
            if beat.and_then(|()| out.flush()).is_err() {
                return;
            }
        });
}

/// What a watch and the reader of its worker's pipe share.
#[derive(Default)]
struct Shared {
    /// When the read under way began, in ms since `t0` plus one (0: no read under way).
    reading_since: AtomicU64,
    /// Time spent waiting on reads since the task began, in ms.
    waited_ms: AtomicU64,
    /// The task's allowance of waiting, in ms (0: no task).
    allowed_ms: AtomicU64,
    /// The task under way, for the reason.
    task: AtomicU64,
    /// The watch is over (the worker has exited, or is being closed).
    over: AtomicBool,
    why: Mutex<Option<String>>,
}

/// A worker's pipe to runwait, timed: how long each read waits is what the watch judges.
pub struct Heard<R> {
    inner: R,
    shared: Arc<Shared>,
    t0: Instant,
}

impl<R: Read> Read for Heard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let began = self.t0.elapsed();
        self.shared
            .reading_since
            .store(began.as_millis() as u64 + 1, Ordering::SeqCst);
        let got = self.inner.read(buf);
        self.shared.reading_since.store(0, Ordering::SeqCst);
        let waited = (self.t0.elapsed() - began).as_millis() as u64;
        self.shared.waited_ms.fetch_add(waited, Ordering::SeqCst);
        got
    }
}

/// Watches one worker process: kills it (with `kill`) when it stops answering or overruns
/// its task, and keeps why. Dropping the watch ends it.
pub struct Watch {
    shared: Arc<Shared>,
}

impl Watch {
    /// Watch the worker named `name` whose pipe is `from`; returns the watch and the pipe to
    /// read from instead.
    pub fn start<R: Read>(
        name: String,
        from: R,
        kill: impl Fn() + Send + 'static,
    ) -> (Watch, Heard<R>) {
        let shared = Arc::new(Shared::default());
        let t0 = Instant::now();
        let watched = shared.clone();
        let _ = std::thread::Builder::new()
            .name("runwait-watch".into())
            .spawn(move || watch(&watched, t0, &name, kill));
        let heard = Heard {
            inner: from,
            shared: shared.clone(),
            t0,
        };
        (Watch { shared }, heard)
    }

    /// A task begins that should take `expected` of waiting on the worker.
    pub fn task(&self, id: u32, expected: Duration) {
        self.task_within(id, expected.saturating_mul(2).saturating_add(GRACE));
    }

    /// A task begins that may take `allowed` of waiting on the worker.
    fn task_within(&self, id: u32, allowed: Duration) {
        let s = &self.shared;
        s.task.store(id as u64, Ordering::SeqCst);
        s.waited_ms.store(0, Ordering::SeqCst);
        s.allowed_ms
            .store((allowed.as_millis() as u64).max(1), Ordering::SeqCst);
    }

    /// The task is over (done, or not).
    pub fn task_over(&self) {
        self.shared.allowed_ms.store(0, Ordering::SeqCst);
    }

    /// Why the watch killed the worker, if it did.
    pub fn why(&self) -> Option<String> {
        self.shared
            .why
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.shared.over.store(true, Ordering::SeqCst);
    }
}

fn watch(s: &Shared, t0: Instant, name: &str, kill: impl Fn()) {
    while !s.over.load(Ordering::SeqCst) {
        std::thread::sleep(LOOK_EVERY);
        let now = t0.elapsed().as_millis() as u64;
        let since = s.reading_since.load(Ordering::SeqCst);
        let reading = match since {
            0 => 0,
            since => now.saturating_sub(since - 1),
        };
        let waited = s.waited_ms.load(Ordering::SeqCst) + reading;
        let allowed = s.allowed_ms.load(Ordering::SeqCst);
        let why = if reading >= SILENCE.as_millis() as u64 {
            format!(
                "{name} said nothing for {:.1} s (stopped or hung); killed",
                reading as f64 / 1e3
            )
        } else if allowed > 0 && waited > allowed {
            let task = s.task.load(Ordering::SeqCst);
            format!(
                "{name} was still on task {task} after {:.1} s, past its allowance of {:.1} s (stuck?); killed",
                waited as f64 / 1e3,
                allowed as f64 / 1e3
            )
        } else {
            continue;
        };
        *s.why.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        kill();
        return;
    }
}

/// How long `task` should keep runwait waiting on a worker process, one of `workers` sharing
/// the machine: its sleeps, its requests (each at most the request timeout) and its CPU work
/// at the speed measured here, slowed by the workers' share of the cores. Queue waits are not
/// counted: runwait does them.
pub fn expected(task: &Task, env: &Env, workers: u32) -> Duration {
    let share = (workers as f64 / super::cores() as f64).max(1.0);
    let cpu = |n: u64| Duration::from_secs_f64(n as f64 * ns_per_iteration() * share / 1e9);
    task.segments
        .iter()
        .map(|segment| match segment {
            Segment::Cpu { n } | Segment::Offload { n } => cpu(*n),
            // At most 14 bytecodes a turn (the `sleep0` variant), and its sleep (up to 1 ms).
            Segment::Add { times } => cpu(iterations_per_bytecode() * 14 * *times as u64)
                .saturating_add(Duration::from_millis(*times as u64)),
            Segment::Http { .. } => env.http_timeout,
            Segment::Sleep { ms } | Segment::Load { ms } => Duration::from_millis(*ms),
            Segment::Put { .. } | Segment::Get { .. } => Duration::ZERO,
        })
        .fold(Duration::ZERO, Duration::saturating_add)
}

/// How long one iteration of the CPU work takes here, measured once (a worker process is
/// this same program).
fn ns_per_iteration() -> f64 {
    static MEASURED: OnceLock<f64> = OnceLock::new();
    *MEASURED.get_or_init(|| {
        const N: u64 = 1 << 20;
        let t = Instant::now();
        let _ = sum_of_squares(N, || true);
        (t.elapsed().as_nanos() as f64 / N as f64).max(0.1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_worker_is_killed_with_the_reason() {
        struct Silent;
        impl Read for Silent {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                std::thread::sleep(SILENCE + Duration::from_millis(500));
                Ok(0)
            }
        }
        let killed = Arc::new(AtomicBool::new(false));
        let k = killed.clone();
        let (watch, mut heard) = Watch::start("process 1".into(), Silent, move || {
            k.store(true, Ordering::SeqCst)
        });
        let _ = heard.read(&mut [0; 8]);
        assert!(killed.load(Ordering::SeqCst));
        let why = watch.why().unwrap();
        assert!(why.starts_with("process 1 said nothing for 3."), "{why}");
    }

    #[test]
    fn a_worker_that_beats_but_never_finishes_is_killed_past_its_allowance() {
        /// Always a little more to say, never the end.
        struct Busy;
        impl Read for Busy {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::thread::sleep(Duration::from_millis(50));
                buf[0] = 0;
                Ok(1)
            }
        }
        let killed = Arc::new(AtomicBool::new(false));
        let k = killed.clone();
        let (watch, mut heard) = Watch::start("process 2".into(), Busy, move || {
            k.store(true, Ordering::SeqCst)
        });
        watch.task_within(7, Duration::from_millis(300));
        let t = Instant::now();
        while !killed.load(Ordering::SeqCst) && t.elapsed() < Duration::from_secs(5) {
            let _ = heard.read(&mut [0; 8]);
        }
        assert!(killed.load(Ordering::SeqCst));
        let why = watch.why().unwrap();
        assert!(why.contains("was still on task 7"), "{why}");
    }

    #[test]
    fn a_task_is_expected_to_take_its_sleeps_and_requests() {
        let env = Env::default();
        let task = Task {
            id: 0,
            segments: vec![
                Segment::Sleep { ms: 300 },
                Segment::Http { url: "x".into() },
                Segment::Get { queue: 0 },
            ],
            arrive_ms: 0,
        };
        assert_eq!(
            expected(&task, &env, 1),
            Duration::from_millis(300) + env.http_timeout
        );
    }
}
