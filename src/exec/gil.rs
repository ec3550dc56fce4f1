//! An emulation of CPython's GIL (the "new GIL" of 3.2+), shared by the threads of one run.
//!
//! A thread must hold it to run CPU work. It releases it when it blocks on I/O and takes it
//! back after. A thread waiting for it waits one switch interval; if the GIL has not changed
//! hands by then, it sets the drop request. The holder checks that request between small chunks
//! of work (CPython's eval breaker), drops the GIL and waits until another thread has taken it
//! (FORCE_SWITCHING), then queues for it again.
//!
//! This is a model: real CPython threads take the GIL in the interpreter; here Rust threads
//! take this lock around the same kinds of work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// CPython's default `sys.getswitchinterval()`.
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

#[derive(Debug, Default)]
struct Held {
    held: bool,
    /// Counts hand-overs, so a waiter can tell whether the GIL changed hands while it waited.
    switches: u64,
}

#[derive(Debug)]
pub struct Gil {
    state: Mutex<Held>,
    /// Waiters for the GIL.
    freed: Condvar,
    /// A holder that dropped the GIL on request waits here until someone took it.
    switched: Condvar,
    drop_request: AtomicBool,
    interval: Duration,
}

impl Gil {
    pub fn new(interval: Duration) -> Gil {
        Gil {
            state: Mutex::new(Held::default()),
            freed: Condvar::new(),
            switched: Condvar::new(),
            drop_request: AtomicBool::new(false),
            interval,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take the GIL. `on_contended` runs once, before waiting, if another thread holds it.
    pub fn acquire(&self, on_contended: impl FnOnce()) {
        let guard = self.lock();
        let mut guard = if guard.held {
            on_contended();
            self.wait_for_it(guard)
        } else {
            guard
        };
        guard.held = true;
        guard.switches += 1;
        self.drop_request.store(false, Ordering::Relaxed);
        self.switched.notify_all();
    }

    fn wait_for_it<'a>(&'a self, mut guard: MutexGuard<'a, Held>) -> MutexGuard<'a, Held> {
        while guard.held {
            let before = guard.switches;
            let (g, timeout) = self
                .freed
                .wait_timeout(guard, self.interval)
                .unwrap_or_else(|e| e.into_inner());
            guard = g;
            if timeout.timed_out() && guard.held && guard.switches == before {
                self.drop_request.store(true, Ordering::Relaxed);
            }
        }
        guard
    }

    /// How many times it was taken (a measure of its hand-overs).
    pub fn handovers(&self) -> u64 {
        self.lock().switches
    }

    /// Give the GIL up (to block on I/O, or at the end of a task).
    pub fn release(&self) {
        let mut guard = self.lock();
        guard.held = false;
        self.freed.notify_one();
    }

    /// The eval breaker: called by the holder between chunks of work. If another thread asked
    /// for the GIL, run `on_drop` (still holding it), hand it over, wait until it was taken,
    /// queue for it again, and run `on_back` once it holds it again.
    pub fn check(&self, on_drop: impl FnOnce(), on_back: impl FnOnce()) {
        if !self.drop_request.load(Ordering::Relaxed) {
            return;
        }
        on_drop();
        let mut guard = self.lock();
        guard.held = false;
        let dropped_at = guard.switches;
        self.freed.notify_one();
        while guard.switches == dropped_at {
            guard = self.switched.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        drop(guard);
        self.acquire(|| {});
        on_back();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::time::Instant;

    #[test]
    fn two_busy_threads_take_turns_and_never_overlap() {
        let gil = Arc::new(Gil::new(Duration::from_millis(2)));
        let inside = Arc::new(AtomicUsize::new(0));
        let handovers = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (gil, inside, handovers) = (gil.clone(), inside.clone(), handovers.clone());
                std::thread::spawn(move || {
                    gil.acquire(|| {});
                    let until = Instant::now() + Duration::from_millis(100);
                    while Instant::now() < until {
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        inside.fetch_sub(1, Ordering::SeqCst);
                        gil.check(
                            || {},
                            || {
                                handovers.fetch_add(1, Ordering::SeqCst);
                            },
                        );
                    }
                    gil.release();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(
            handovers.load(Ordering::SeqCst) >= 5,
            "the GIL never changed hands"
        );
    }
}
