//! A blocking worker doing tasks one after another on its lane: the body of `sync`, of each
//! `threads` / `free-threads` thread and of each worker process.
//!
//! It marks every state change; with a GIL it marks them while holding it, so the trace can
//! never show two threads of one run in `run` at once.

use super::gil::Gil;
use super::shared::{End, LockHeld, Queues, Shared};
use super::variant::Variant;
use crate::instrument::{mark, mark_why, probe, wake, At, Mark, NO_TASK};
use crate::trace::{Cause, Reason};
use crate::workload::cpu::sum_of_squares;
use crate::workload::http::Blocking;
use crate::workload::{Segment, Task};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::switching::{Does, Switching};
use crate::workload::cpu::bytecode;

pub struct Worker<'a> {
    pub run: u32,
    pub lane: u32,
    pub gil: Option<&'a Gil>,
    /// This worker's own session, made on first use.
    pub http: Option<Blocking>,
    pub http_timeout: Duration,
    /// Set when the run is being stopped: CPU work gives up at its next chunk.
    pub stop: Option<&'a AtomicBool>,
    /// The run's shared counter and how adds to it are guarded (a worker process has its own).
    pub shared: Option<(&'a Shared, Variant)>,
    /// The run's queues: in shared memory, or over a worker process's pipe.
    pub queues: Option<&'a dyn Queues>,
    /// This thread's CPU waits, watched for the lane it works on (from its first task).
    watch: Option<(probe::Watch, (u32, u32))>,
    /// Why the last task failed, if it did: a request's error, a queue waited on too long.
    pub failure: Option<String>,
    /// The CPython whose switch points the adds to the shared counter keep to.
    pub switching: Switching,
}

impl<'a> Worker<'a> {
    pub fn new(run: u32, lane: u32, gil: Option<&'a Gil>, http_timeout: Duration) -> Worker<'a> {
        Worker {
            run,
            lane,
            gil,
            http: None,
            http_timeout,
            stop: None,
            shared: None,
            queues: None,
            watch: None,
            failure: None,
            switching: Switching::default(),
        }
    }

    /// Do one task from start to end; returns how it ended.
    pub fn run_task(&mut self, task: &Task) -> Mark {
        let at = At {
            run: self.run,
            lane: self.lane,
            task: task.id,
        };
        self.watch_cpu_waits(at);
        self.take_gil(at);
        mark(at, Mark::Run);
        self.failure = None;
        let mut outcome = Mark::Done;
        for segment in &task.segments {
            if let Err(why) = self.segment(at, segment) {
                tracing::warn!(run = self.run, task = task.id, "task failed: {why}");
                outcome = Mark::Failed;
                self.failure = Some(why);
                break;
            }
        }
        mark(at, outcome);
        if let Some(gil) = self.gil {
            gil.release(at);
        }
        outcome
    }

    /// Have the probe watch this thread's CPU waits as the lane's (again, if the lane changed:
    /// a worker process serves jobs of its lane in one run after another).
    fn watch_cpu_waits(&mut self, at: At) {
        let lane = (at.run, at.lane);
        if self.watch.as_ref().is_some_and(|(_, l)| *l == lane) {
            return;
        }
        self.watch = None;
        let at = At {
            task: NO_TASK,
            ..at
        };
        let watch = tracing::dispatcher::get_default(|d| probe::watch(d, at));
        self.watch = watch.map(|w| (w, lane));
    }

    fn take_gil(&self, at: At) {
        if let Some(gil) = self.gil {
            gil.acquire(at, || mark_why(at, Mark::Ready, Some(Reason::Gil)));
        }
    }

    fn segment(&mut self, at: At, segment: &Segment) -> Result<(), String> {
        match segment {
            Segment::Cpu { n } | Segment::Offload { n } => {
                self.cpu(at, *n).map(|_| ()).ok_or_else(|| "stopped".into())
            }
            Segment::Http { url } => {
                let timeout = self.http_timeout;
                let http = self.http.get_or_insert_with(|| Blocking::new(timeout));
                let got = blocking_io(at, self.gil, Reason::Io, || http.get(url));
                got.map(|_| ())
            }
            Segment::Sleep { ms } | Segment::Load { ms } => {
                let why = match segment {
                    Segment::Load { .. } => Reason::ColdStart,
                    _ => Reason::Timer,
                };
                blocking_io(at, self.gil, why, || {
                    std::thread::sleep(Duration::from_millis(*ms))
                });
                Ok(())
            }
            Segment::Put { queue } | Segment::Get { queue } => {
                let (end, why) = match segment {
                    Segment::Put { .. } => (End::Put, Reason::QueueFull),
                    _ => (End::Get, Reason::QueueEmpty),
                };
                let queues = self.queues.ok_or("this run has no queues")?;
                match queues.try_now(*queue, end, at.lane)? {
                    true => Ok(()),
                    false => blocking_io(at, self.gil, why, || queues.wait(*queue, end, at)),
                }
            }
            Segment::Add { times } => {
                let own = Shared::default();
                let (shared, guard) = self.shared.unwrap_or((&own, Variant::Unprotected));
                for _ in 0..*times {
                    self.add(at, shared, guard)
                        .ok_or_else(|| "stopped".to_string())?;
                }
                Ok(())
            }
        }
    }

    /// One turn of the article's loop, `counter += 1` (or, in the `sleep0` variant, `tmp =
    /// counter; time.sleep(0); counter = tmp + 1`): its bytecodes as the modelled CPython runs
    /// them ([`Switching::turn`]), each taking about what CPython's takes, the GIL given up
    /// only after those where that CPython looks for a switch request. Unprotected, an add made
    /// by another thread between the read and the write is overwritten: a lost update, for
    /// real (a separate atomic load and store), marked with how many it lost. The `lock`
    /// variant holds the lock over the whole turn, switch points included (CPython's `with
    /// lock:` has them too: the calls of `__enter__` and `__exit__`), so a thread switched out
    /// holding it keeps the others waiting for it.
    fn add(&self, at: At, shared: &Shared, guard: Variant) -> Option<()> {
        let _held = (guard == Variant::Lock).then(|| self.take_lock(at, shared));
        let mut read = 0;
        for op in self.switching.turn(guard == Variant::Sleep0) {
            bytecode();
            match (op.does, guard) {
                (Does::Read, Variant::Atomic) | (Does::Nothing, _) => {}
                (Does::Read, _) => read = shared.counter.load(Ordering::SeqCst),
                (Does::Write, Variant::Atomic) => {
                    shared.counter.fetch_add(1, Ordering::SeqCst);
                }
                (Does::Write, _) => write_back(at, shared, read),
                (Does::Sleep, _) => {
                    let model = self.switching;
                    blocking_io(at, self.gil, Reason::Timer, || model.sleep0());
                }
            }
            if op.checks {
                self.switch_point(at);
            }
        }
        let stopped = self.stop.is_some_and(|s| s.load(Ordering::Relaxed));
        (!stopped).then_some(())
    }

    /// The lock of the `lock` variant, held from the read to the write. Waiting for it is
    /// blocking: the GIL is let go meanwhile, as in CPython.
    fn take_lock<'s>(&self, at: At, shared: &'s Shared) -> LockHeld<'s> {
        match shared.try_lock(at.lane) {
            Some(held) => held,
            None => blocking_io(at, self.gil, Reason::Lock, || shared.lock_waiting(at)),
        }
    }

    /// Where the eval loop looks for a switch request: if another thread asked for the GIL,
    /// hand it over (ready until it is back).
    fn switch_point(&self, at: At) {
        if let Some(gil) = self.gil {
            let ready = || mark_why(at, Mark::Ready, Some(Reason::Gil));
            gil.check(at, ready, || mark(at, Mark::Run));
        }
    }

    fn cpu(&self, at: At, n: u64) -> Option<u128> {
        let go_on = || !self.stop.is_some_and(|s| s.load(Ordering::Relaxed));
        match self.gil {
            Some(gil) => sum_of_squares(n, || {
                let ready = || mark_why(at, Mark::Ready, Some(Reason::Gil));
                gil.check(at, ready, || mark(at, Mark::Run));
                go_on()
            }),
            None => sum_of_squares(n, go_on),
        }
    }
}

/// `STORE_GLOBAL counter` of an unprotected add: the value read, plus one. Updates made since
/// the read are overwritten: lost, and marked so.
fn write_back(at: At, shared: &Shared, read: u64) {
    let lost = shared.counter.load(Ordering::SeqCst).saturating_sub(read);
    shared.counter.store(read + 1, Ordering::SeqCst);
    if lost > 0 {
        let at = At {
            task: lost as u32,
            ..at
        };
        mark(at, Mark::LostUpdate);
    }
}

/// Block (on I/O, a timer, a lock, a queue: `why`): `wait` while it lasts, with the GIL
/// released; then `ready` until the GIL is back (if another thread holds it), then `run`. The
/// end of a wait for I/O or a timer is a wake from the outside; a lock's or a queue's is
/// recorded by the lock or the queue, from the lane that let it go on.
fn blocking_io<T>(at: At, gil: Option<&Gil>, why: Reason, io: impl FnOnce() -> T) -> T {
    mark_why(at, Mark::Wait, Some(why));
    if let Some(gil) = gil {
        gil.release(at);
    }
    let out = io();
    if let Some(cause) = from_outside(why) {
        wake(at.run, None, at.lane, cause);
    }
    if let Some(gil) = gil {
        gil.acquire(at, || mark_why(at, Mark::Ready, Some(Reason::Gil)));
    }
    mark(at, Mark::Run);
    out
}

/// What ends a wait for `why` from the outside: a response, a timer (a cold start's load is
/// a sleep).
pub fn from_outside(why: Reason) -> Option<Cause> {
    match why {
        Reason::Io => Some(Cause::IoDone),
        Reason::Timer | Reason::ColdStart => Some(Cause::Timer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Task;

    /// Two threads under one GIL (switch interval 1 ms) each add `adds` times, unprotected,
    /// keeping to `model`'s switch points: the updates lost, and the GIL's hand-overs.
    fn race(model: Switching, adds: u32) -> (u64, u64) {
        let gil = Gil::new(Duration::from_millis(1));
        let shared = Shared::default();
        let task = |id| Task {
            id,
            segments: vec![Segment::Add { times: adds }],
            arrive_ms: 0,
        };
        std::thread::scope(|s| {
            for lane in 0..2 {
                let (gil, shared, task) = (&gil, &shared, task(lane));
                s.spawn(move || {
                    let mut worker = Worker::new(0, lane, Some(gil), Duration::from_secs(1));
                    worker.shared = Some((shared, Variant::Unprotected));
                    worker.switching = model;
                    assert_eq!(worker.run_task(&task), Mark::Done);
                });
            }
        });
        let counter = shared.counter.load(Ordering::SeqCst);
        (2 * adds as u64 - counter, gil.handovers())
    }

    #[test]
    fn under_3_12s_switching_no_switch_falls_between_an_adds_read_and_write() {
        let (lost, handovers) = race(Switching { minor: 12 }, 200_000);
        assert!(handovers >= 4, "the GIL changed hands {handovers} times");
        assert_eq!(lost, 0);
    }

    #[test]
    fn under_3_9s_switching_a_switch_can_fall_between_them_and_updates_are_lost() {
        let (lost, handovers) = race(Switching { minor: 9 }, 200_000);
        assert!(handovers >= 4, "the GIL changed hands {handovers} times");
        assert!(lost > 0, "{handovers} hand-overs lost nothing");
    }
}
