//! The CPU-wait probe: how long each worker thread waited for a CPU while it could run, from
//! the kernel's per-thread scheduler accounting (`/proc/thread-self/schedstat`: time on a CPU,
//! time runnable but waiting for one).
//!
//! A watched thread's file is opened once, by the thread itself; one probe thread per process
//! reads every watched file at [`PROBE_HZ`] (`pread`, a few µs each). When a thread's waiting
//! time has grown, the probe marks [`Mark::CpuWait`] through the thread's own dispatcher: the
//! Layer stamps it like any mark, and the recorder turns that much of the thread's `run` before
//! the stamp into `ready` for a CPU. The kernel adds a wait to the count when the thread gets
//! its CPU back, some time since the last read: it is placed to end in the middle of that time
//! (the run keeps how far off that may be); the Layer stays the clock of every state change. Where the accounting is missing (another OS), nothing is watched and the
//! trace says CPU waits are not measured.

use super::{mark, At, Mark};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tracing::Dispatch;

/// How often the probe reads every watched thread's accounting.
pub const PROBE_HZ: u32 = 1000;

/// A watched thread.
struct Watched {
    id: u64,
    file: File,
    /// Its waiting time so far, as last read (ns), and when it was read.
    waited_ns: u64,
    read_at: Instant,
    dispatch: Dispatch,
    at: At,
}

#[derive(Default)]
struct Probe {
    watched: Mutex<Vec<Watched>>,
    next_id: AtomicU64,
}

static PROBE: OnceLock<Probe> = OnceLock::new();

/// Watches the calling thread while it lives; dropping it stops (after a last read).
pub struct Watch {
    id: u64,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let Some(probe) = PROBE.get() else { return };
        let mut watched = probe.watched.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = watched.iter().position(|w| w.id == self.id) {
            sample(&mut watched[i]);
            watched.swap_remove(i);
        }
    }
}

/// Whether this system accounts threads' CPU waits (Linux's schedstat).
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let mut text = String::new();
        File::open("/proc/thread-self/schedstat")
            .and_then(|mut f| std::io::Read::read_to_string(&mut f, &mut text))
            .is_ok_and(|_| parse_waited(text.as_bytes()).is_some())
    })
}

/// Watch the calling thread, as lane `at.lane` of run `at.run` (`ANY_LANE`: whichever of the
/// run's lanes runs on it), marking through `dispatch`. `None` where CPU waits are not measured.
pub fn watch(dispatch: &Dispatch, at: At) -> Option<Watch> {
    let file = File::open("/proc/thread-self/schedstat").ok()?;
    let mut watched = Watched {
        id: 0,
        waited_ns: 0,
        read_at: Instant::now(),
        file,
        dispatch: dispatch.clone(),
        at,
    };
    watched.waited_ns = read_waited(&watched.file)?;
    let probe = PROBE.get_or_init(|| {
        let _ = std::thread::Builder::new()
            .name("runwait-probe".into())
            .spawn(run_probe);
        Probe::default()
    });
    watched.id = probe.next_id.fetch_add(1, Ordering::Relaxed);
    let id = watched.id;
    probe
        .watched
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(watched);
    Some(Watch { id })
}

/// The probe thread: read every watched thread at [`PROBE_HZ`], for as long as the process
/// lives (it sleeps longer while nothing is watched).
fn run_probe() {
    raise_priority();
    let period = Duration::from_secs(1) / PROBE_HZ;
    let probe = loop {
        match PROBE.get() {
            Some(probe) => break probe,
            None => std::thread::sleep(period),
        }
    };
    let mut next = Instant::now();
    loop {
        let idle = {
            let mut watched = probe.watched.lock().unwrap_or_else(|e| e.into_inner());
            watched.iter_mut().for_each(sample);
            watched.is_empty()
        };
        next += if idle { period * 20 } else { period };
        let now = Instant::now();
        match next.checked_duration_since(now) {
            Some(left) => std::thread::sleep(left),
            // Late (the probe waited for a CPU too): go on from now.
            None => next = now,
        }
    }
}

/// Ask to run ahead of the threads the probe watches, so its reads stay on time on a busy
/// machine (allowed to root; anyone else reads at the normal priority, a little less on time).
fn raise_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux a thread has a nice value of its own: this is the probe thread's.
        let _ = rustix::process::setpriority_process(None, -10);
    }
}

/// Read one thread; mark how long it waited for a CPU since the last read, if it did (and how
/// long ago that read was: the wait ended in between).
fn sample(w: &mut Watched) {
    let Some(waited) = read_waited(&w.file) else {
        return;
    };
    let now = Instant::now();
    let since = now.duration_since(std::mem::replace(&mut w.read_at, now));
    let us = waited.saturating_sub(w.waited_ns) / 1_000;
    if us == 0 {
        return;
    }
    let us = us.min(CpuWait::MAX_US as u64);
    w.waited_ns += us * 1_000;
    let wait = CpuWait::new(us as u32, since);
    let at = At {
        task: wait.pack(),
        ..w.at
    };
    tracing::dispatcher::with_default(&w.dispatch, || mark(at, Mark::CpuWait));
}

/// What a [`Mark::CpuWait`] says, in its `task` field: how long the thread waited for a CPU, and
/// how long before the mark the probe had last read it (the wait was counted in between).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuWait {
    pub waited_us: u32,
    /// Since the last read, in µs (carried in steps of [`CpuWait::SINCE_STEP_US`]).
    pub since_us: u32,
}

/// Where a CPU wait goes, and how far off that placement may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub wait: (u64, u64),
    pub error_ns: u64,
}

impl CpuWait {
    /// The longest wait one mark carries (1.05 s; a longer one is marked over several reads).
    pub const MAX_US: u32 = (1 << 20) - 1;
    /// The step the time since the last read is carried in (up to 409.5 ms).
    pub const SINCE_STEP_US: u32 = 100;

    /// A wait of `waited_us` counted `since` the last read.
    pub fn new(waited_us: u32, since: Duration) -> CpuWait {
        let step = Self::SINCE_STEP_US;
        let steps = (since.as_micros() / step as u128).clamp(1, 4095) as u32;
        CpuWait {
            waited_us: waited_us.min(Self::MAX_US),
            since_us: steps * step,
        }
    }

    pub fn pack(self) -> u32 {
        (self.since_us / Self::SINCE_STEP_US).min(4095) << 20 | self.waited_us.min(Self::MAX_US)
    }

    pub fn unpack(task: u32) -> CpuWait {
        CpuWait {
            waited_us: task & Self::MAX_US,
            since_us: (task >> 20) * Self::SINCE_STEP_US,
        }
    }

    /// Placed before the mark's time `t_ns`. The kernel counts a wait when the thread gets a
    /// CPU back: it ended some time since the last read, and is placed to end in the middle
    /// of that time.
    pub fn placed(self, t_ns: u64) -> Placed {
        let (wait, since) = (self.waited_us as u64 * 1_000, self.since_us as u64 * 1_000);
        let end = t_ns.saturating_sub(since / 2);
        Placed {
            wait: (end.saturating_sub(wait), end),
            error_ns: since / 2,
        }
    }
}

/// The thread's total time waiting for a CPU, in ns.
pub fn read_waited(file: &File) -> Option<u64> {
    let mut buf = [0u8; 96];
    let n = file.read_at(&mut buf, 0).ok()?;
    parse_waited(&buf[..n])
}

/// `schedstat` is "time on a CPU, time waiting for one, timeslices": the second number.
fn parse_waited(text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    text.split_ascii_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cpu_wait_packs_into_a_mark_and_is_placed_mid_read() {
        const MS: u64 = 1_000_000;
        let w = CpuWait::new(400, Duration::from_micros(1_234));
        assert_eq!(w.since_us, 1_200, "carried in steps of 100 µs");
        assert_eq!(CpuWait::unpack(w.pack()), w);
        let p = w.placed(100 * MS);
        assert_eq!(
            p.wait,
            (100 * MS - 1_000_000, 100 * MS - 600_000),
            "ends mid-read"
        );
        assert_eq!(p.error_ns, 600_000);
        // The longest carried: 409.5 ms since the last read, 1.05 s waited.
        let w = CpuWait::new(u32::MAX, Duration::from_secs(5));
        assert_eq!(CpuWait::unpack(w.pack()), w);
        assert_eq!((w.since_us, w.waited_us), (409_500, CpuWait::MAX_US));
    }

    #[test]
    fn schedstat_reads_as_its_second_number() {
        assert_eq!(parse_waited(b"538389400 199819 49\n"), Some(199_819));
        assert_eq!(parse_waited(b"12\n"), None);
        assert_eq!(parse_waited(b""), None);
    }
}
