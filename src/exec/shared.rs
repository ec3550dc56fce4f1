//! Queues joining a run's tasks (the restaurants of "Making lunch faster"): a count of items,
//! bounded or not. Threads block on them (the GIL let go meanwhile); event-loop tasks await them.
//! A task that waits longer than [`PATIENCE`] gives up (fails) rather than hang the run, as it
//! would when a pool has fewer workers than tasks feeding each other.
//!
//! Worker processes share no memory: their queues live in runwait, and a worker puts and gets
//! over its pipe (see `exec::process`), as multiprocessing's queues go over pipes.

use crate::instrument::{wake, At};
use crate::trace::Cause;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The memory a run's tasks share: the counter of the race lesson, its lock, the queues.
#[derive(Debug, Default)]
pub struct Shared {
    pub counter: AtomicU64,
    pub lock: Mutex<()>,
    /// The lane that last let `lock` go, plus one (0: nobody yet): whom its next taker that
    /// waited for it was woken by.
    pub lock_let_go: AtomicU32,
    /// The race's trials so far, when it is run in trials.
    pub trials: Mutex<Tally>,
    /// The lesson's queues, in its order.
    pub queues: Vec<Queue>,
}

/// The race's trials: how many, how many lost any update, the counters summed against the
/// adds made, and the most one trial lost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub trials: u64,
    pub lossy: u64,
    pub expected: u64,
    pub actual: u64,
    pub most: u64,
}

/// The race's lock, held by a lane until dropped, which notes that lane let it go.
pub struct LockHeld<'s> {
    _guard: MutexGuard<'s, ()>,
    let_go: &'s AtomicU32,
    lane: u32,
}

impl Drop for LockHeld<'_> {
    /// Noted before the guard (a field, dropped after this) lets the lock go.
    fn drop(&mut self) {
        self.let_go.store(self.lane + 1, Ordering::Relaxed);
    }
}

impl Shared {
    /// The lock for lane `lane`, if no one holds it.
    pub fn try_lock(&self, lane: u32) -> Option<LockHeld<'_>> {
        let guard = match self.lock.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(self.held(guard, lane))
    }

    /// The lock for lane `at`, waiting for it: its taking is recorded as a wake from the lane
    /// that let it go.
    pub fn lock_waiting(&self, at: At) -> LockHeld<'_> {
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(from) = self.lock_let_go.load(Ordering::Relaxed).checked_sub(1) {
            wake(at.run, Some(from), at.lane, Cause::LockReleased);
        }
        self.held(guard, at.lane)
    }

    fn held<'s>(&'s self, guard: MutexGuard<'s, ()>, lane: u32) -> LockHeld<'s> {
        LockHeld {
            _guard: guard,
            let_go: &self.lock_let_go,
            lane,
        }
    }

    /// A trial of `adds` adds is over: count what the counter says.
    pub fn tally(&self, adds: u64) {
        let actual = self.counter.load(Ordering::SeqCst);
        let lost = adds.saturating_sub(actual);
        let mut t = self.trials.lock().unwrap_or_else(|e| e.into_inner());
        t.trials += 1;
        t.lossy += u64::from(lost > 0);
        t.expected += adds;
        t.actual += actual;
        t.most = t.most.max(lost);
    }

    /// The trials so far.
    pub fn tallied(&self) -> Tally {
        *self.trials.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The longest a task waits on a queue.
pub const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct Queue {
    /// 0: no bound.
    capacity: usize,
    items: Mutex<Items>,
    changed: Condvar,
    notify: tokio::sync::Notify,
    /// The run and the queue's number in it, to mark its length by: marked while the length
    /// is held, so the marks come in the order of the changes.
    marks: Option<(u32, u32)>,
}

/// A queue's length, and the lanes that last put and last got: whom a put or get that waited
/// was let go on by.
#[derive(Debug, Default)]
struct Items {
    len: usize,
    put_by: Option<u32>,
    got_by: Option<u32>,
}

/// Which end of a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Put,
    Get,
}

impl Queue {
    /// A queue holding at most `capacity` items (0: no bound), `start` of them at first.
    pub fn new(capacity: u32, start: u32) -> Queue {
        Queue {
            capacity: capacity as usize,
            items: Mutex::new(Items {
                len: start as usize,
                ..Items::default()
            }),
            ..Queue::default()
        }
    }

    /// Mark every change of length as queue `index` of `run`.
    pub fn marked(self, run: u32, index: u32) -> Queue {
        Queue {
            marks: Some((run, index)),
            ..self
        }
    }

    /// Mark the length it has now (a run's start).
    pub fn mark_length(&self) {
        let items = self.lock();
        self.mark(items.len as u32);
    }

    fn mark(&self, len: u32) {
        if let Some((run, index)) = self.marks {
            crate::instrument::mark_queue(run, index, len);
        }
    }

    pub fn len(&self) -> u32 {
        self.lock().len as u32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Items> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Put or get at once if the queue allows it; the new length.
    pub fn try_now(&self, end: End) -> Option<u32> {
        self.try_by(end, None).map(|(len, _)| len)
    }

    /// Put or get at once for `lane` if the queue allows it: the new length, and the lane that
    /// last did the other end.
    fn try_by(&self, end: End, lane: Option<u32>) -> Option<(u32, Option<u32>)> {
        let mut items = self.lock();
        let can = match end {
            End::Put => self.capacity == 0 || items.len < self.capacity,
            End::Get => items.len > 0,
        };
        if !can {
            return None;
        }
        let other = match end {
            End::Put => {
                items.len += 1;
                items.put_by = lane;
                items.got_by
            }
            End::Get => {
                items.len -= 1;
                items.got_by = lane;
                items.put_by
            }
        };
        let now = items.len as u32;
        self.mark(now);
        drop(items);
        self.changed.notify_all();
        self.notify.notify_waiters();
        Some((now, other))
    }

    /// Block until the put or get of lane `by` can happen (at most [`PATIENCE`], and not once
    /// `stopped` says so): the new length, and the lane whose get or put let it go on.
    pub fn wait(
        &self,
        end: End,
        by: Option<u32>,
        stopped: impl Fn() -> bool,
    ) -> Option<(u32, Option<u32>)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(done) = self.try_by(end, by) {
                return Some(done);
            }
            if stopped() {
                return None;
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let guard = self.lock();
            let _ = self
                .changed
                .wait_timeout(guard, left.min(Duration::from_millis(50)))
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Await the put or get (at most [`PATIENCE`]); the new length.
    pub async fn wait_async(&self, end: End) -> Option<u32> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(len) = self.try_now(end) {
                return Some(len);
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(deadline) => return self.try_now(end),
            }
        }
    }
}

/// How a blocking worker reaches its run's queues: in its own memory, or over a pipe.
pub trait Queues {
    /// Put or get at once for `lane` if the queue allows it: `Ok(false)` when it would have
    /// to wait.
    fn try_now(&self, queue: u32, end: End, lane: u32) -> Result<bool, String>;
    /// Wait until lane `at` can (at most [`PATIENCE`]), and record the wake that let it go on
    /// ([`queue_wake`]).
    fn wait(&self, queue: u32, end: End, at: At) -> Result<(), String>;
}

/// A wait of lane `at` at `end` of a queue is over, let go on by lane `by`'s get or put: a
/// wake, recorded by the lane that waited (on its own clock: a worker process's when runwait's
/// answer arrives).
pub fn queue_wake(at: At, end: End, by: Option<u32>) {
    let cause = match end {
        End::Get => Cause::QueuePut,
        End::Put => Cause::QueueGet,
    };
    if let Some(by) = by {
        wake(at.run, Some(by), at.lane, cause);
    }
}

/// The queues of a run whose tasks share memory (threads), or that runwait keeps for its
/// worker processes. A wait gives up when the run stops (or `cancel` is set).
pub struct Local<'a> {
    shared: &'a Shared,
    stop: &'a AtomicBool,
    cancel: Option<&'a AtomicBool>,
}

impl<'a> Local<'a> {
    /// A run's queues; a wait gives up once `stop` is set.
    pub fn of(shared: &'a Shared, stop: &'a AtomicBool) -> Local<'a> {
        Local {
            shared,
            stop,
            cancel: None,
        }
    }

    /// Also give up waiting once `cancel` is set (a request's time limit).
    pub fn or_cancelled(self, cancel: Option<&'a AtomicBool>) -> Local<'a> {
        Local { cancel, ..self }
    }

    /// Take back a put or get that happened (for a worker that died before it heard so).
    pub fn undo(&self, queue: u32, end: End) {
        if let Ok(q) = self.queue(queue) {
            q.try_now(match end {
                End::Put => End::Get,
                End::Get => End::Put,
            });
        }
    }

    /// Wait until lane `lane` can put or get (at most [`PATIENCE`]): the lane whose get or put
    /// let it go on.
    pub fn wait_for(&self, queue: u32, end: End, lane: u32) -> Result<Option<u32>, String> {
        let stopped = || {
            self.stop.load(Ordering::Relaxed)
                || self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
        };
        match self.queue(queue)?.wait(end, Some(lane), stopped) {
            Some((_, by)) => Ok(by),
            None => Err("waited too long on a queue".into()),
        }
    }

    fn queue(&self, queue: u32) -> Result<&Queue, String> {
        self.shared
            .queues
            .get(queue as usize)
            .ok_or_else(|| format!("no queue {queue}"))
    }
}

impl Queues for Local<'_> {
    fn try_now(&self, queue: u32, end: End, lane: u32) -> Result<bool, String> {
        Ok(self.queue(queue)?.try_by(end, Some(lane)).is_some())
    }

    fn wait(&self, queue: u32, end: End, at: At) -> Result<(), String> {
        let by = self.wait_for(queue, end, at.lane)?;
        queue_wake(at, end, by);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_queue_holds_at_most_its_capacity() {
        let q = Queue::new(2, 0);
        assert_eq!(q.try_now(End::Put), Some(1));
        assert_eq!(q.try_now(End::Put), Some(2));
        assert_eq!(q.try_now(End::Put), None);
        assert_eq!(q.try_now(End::Get), Some(1));
        assert_eq!(q.try_now(End::Get), Some(0));
        assert_eq!(q.try_now(End::Get), None);
        let unbounded = Queue::new(0, 3);
        assert_eq!(unbounded.len(), 3);
        for n in 4..=100 {
            assert_eq!(unbounded.try_now(End::Put), Some(n));
        }
    }

    #[test]
    fn a_waiting_get_takes_what_another_thread_puts() {
        let q = std::sync::Arc::new(Queue::new(1, 0));
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.wait(End::Get, None, || false));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(q.try_now(End::Put), Some(1));
        assert_eq!(t.join().unwrap(), Some((0, None)));
    }

    #[test]
    fn a_stop_ends_a_wait_under_way() {
        let q = Queue::new(1, 0);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let t = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                stop.store(true, Ordering::Relaxed);
            });
            assert_eq!(
                q.wait(End::Get, None, || stop.load(Ordering::Relaxed)),
                None
            );
        });
        let waited = t.elapsed();
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
    }
}
