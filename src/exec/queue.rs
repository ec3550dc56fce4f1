//! Queues joining a run's tasks (the restaurants of "Making lunch faster"): a count of items,
//! bounded or not. Threads block on them (the GIL let go meanwhile); event-loop tasks await them.
//! A task that waits longer than [`PATIENCE`] gives up (fails) rather than hang the run, as it
//! would when a pool has fewer workers than tasks feeding each other.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest a task waits on a queue.
pub const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct Queue {
    /// 0: no bound.
    capacity: usize,
    len: Mutex<usize>,
    changed: Condvar,
    notify: tokio::sync::Notify,
}

/// Which end of a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Put,
    Get,
}

impl Queue {
    pub fn new(capacity: u32) -> Queue {
        Queue {
            capacity: capacity as usize,
            ..Queue::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        self.len.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Put or get at once if the queue allows it; the new length.
    pub fn try_now(&self, end: End) -> Option<u32> {
        let mut len = self.lock();
        let can = match end {
            End::Put => self.capacity == 0 || *len < self.capacity,
            End::Get => *len > 0,
        };
        if !can {
            return None;
        }
        match end {
            End::Put => *len += 1,
            End::Get => *len -= 1,
        }
        let now = *len as u32;
        drop(len);
        self.changed.notify_all();
        self.notify.notify_waiters();
        Some(now)
    }

    /// Block until the put or get can happen (at most [`PATIENCE`]); the new length.
    pub fn wait(&self, end: End) -> Option<u32> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(len) = self.try_now(end) {
                return Some(len);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_queue_holds_at_most_its_capacity() {
        let q = Queue::new(2);
        assert_eq!(q.try_now(End::Put), Some(1));
        assert_eq!(q.try_now(End::Put), Some(2));
        assert_eq!(q.try_now(End::Put), None);
        assert_eq!(q.try_now(End::Get), Some(1));
        assert_eq!(q.try_now(End::Get), Some(0));
        assert_eq!(q.try_now(End::Get), None);
        let unbounded = Queue::new(0);
        for n in 1..=100 {
            assert_eq!(unbounded.try_now(End::Put), Some(n));
        }
    }

    #[test]
    fn a_waiting_get_takes_what_another_thread_puts() {
        let q = std::sync::Arc::new(Queue::new(1));
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.wait(End::Get));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(q.try_now(End::Put), Some(1));
        assert_eq!(t.join().unwrap(), Some(0));
    }
}
