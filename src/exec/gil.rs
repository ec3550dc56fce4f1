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
//!
//! Each hand-over is recorded as a wake (see [`crate::instrument::wake`]) by the thread that
//! takes the GIL after waiting for it, from the thread that let it go: `gil-interval` when its
//! holder was asked to drop it, `gil-released` when it let go to wait or because its task ended.

use crate::instrument::{wake, At};
use crate::trace::Cause;
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
    /// The lane that last let it go, and why: whom its next taker was woken by.
    let_go: Option<(u32, Cause)>,
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

    /// Take the GIL for lane `at`. `on_contended` runs once, before waiting, if another thread
    /// holds it.
    pub fn acquire(&self, at: At, on_contended: impl FnOnce()) {
        let guard = self.lock();
        let waited = guard.held;
        let guard = if waited {
            on_contended();
            self.wait_for_it(guard)
        } else {
            guard
        };
        self.take(guard, at, waited);
    }

    /// Hold it (it is free); a lane that `waited` for it records the hand-over as a wake from
    /// the lane that let it go.
    fn take(&self, mut guard: MutexGuard<'_, Held>, at: At, waited: bool) {
        guard.held = true;
        guard.switches += 1;
        let from = guard.let_go;
        self.drop_request.store(false, Ordering::Relaxed);
        self.switched.notify_all();
        drop(guard);
        if let (true, Some((lane, cause))) = (waited, from) {
            wake(at.run, Some(lane), at.lane, cause);
        }
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

    /// Lane `at` gives the GIL up (to block on I/O, or at the end of a task).
    pub fn release(&self, at: At) {
        let mut guard = self.lock();
        guard.held = false;
        guard.let_go = Some((at.lane, Cause::GilReleased));
        self.freed.notify_one();
    }

    /// The eval breaker: called by the holder (lane `at`) between chunks of work. If another
    /// thread asked for the GIL, run `on_drop` (still holding it), hand it over, wait until it
    /// was taken, queue for it again, and run `on_back` once it holds it again.
    pub fn check(&self, at: At, on_drop: impl FnOnce(), on_back: impl FnOnce()) {
        if !self.drop_request.load(Ordering::Relaxed) {
            return;
        }
        on_drop();
        let mut guard = self.lock();
        guard.held = false;
        guard.let_go = Some((at.lane, Cause::GilInterval));
        let dropped_at = guard.switches;
        self.freed.notify_one();
        while guard.switches == dropped_at {
            guard = self.switched.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        // Ready since it dropped it: whoever lets it go next hands it back.
        let guard = match guard.held {
            true => self.wait_for_it(guard),
            false => guard,
        };
        self.take(guard, at, true);
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
                    let at = At {
                        run: 0,
                        lane: 0,
                        task: 0,
                    };
                    gil.acquire(at, || {});
                    let until = Instant::now() + Duration::from_millis(100);
                    while Instant::now() < until {
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        inside.fetch_sub(1, Ordering::SeqCst);
                        gil.check(
                            at,
                            || {},
                            || {
                                handovers.fetch_add(1, Ordering::SeqCst);
                            },
                        );
                    }
                    gil.release(at);
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
