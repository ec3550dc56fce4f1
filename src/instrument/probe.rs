//! The CPU-wait probe: how long each worker thread waited for a CPU while it could run, from
//! the kernel's per-thread scheduler accounting (`/proc/thread-self/schedstat`: time on a CPU,
//! time runnable but waiting for one).
//!
//! A watched thread's file is opened once, by the thread itself; one probe thread per process
//! reads every watched file at [`PROBE_HZ`] (`pread`, a few µs each). When a thread's waiting
//! time has grown, the probe marks [`Mark::CpuWait`] through the thread's own dispatcher: the
//! Layer stamps it like any mark, and the recorder turns that much of the thread's `run` before
//! the stamp into `ready` for a CPU. The kernel adds a wait to the count when the thread gets
//! its CPU back, so a wait is placed up to one sample period late; the Layer stays the clock of
//! every state change. Where the accounting is missing (another OS), nothing is watched and the
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
    /// Its waiting time so far, as last read (ns).
    waited_ns: u64,
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

/// Read one thread; mark how long it waited for a CPU since the last read, if it did.
fn sample(w: &mut Watched) {
    let Some(waited) = read_waited(&w.file) else {
        return;
    };
    let us = waited.saturating_sub(w.waited_ns) / 1_000;
    if us == 0 {
        return;
    }
    w.waited_ns += us * 1_000;
    let at = At {
        task: us.min(u32::MAX as u64) as u32,
        ..w.at
    };
    tracing::dispatcher::with_default(&w.dispatch, || mark(at, Mark::CpuWait));
}

/// The thread's total time waiting for a CPU, in ns.
fn read_waited(file: &File) -> Option<u64> {
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
    fn schedstat_reads_as_its_second_number() {
        assert_eq!(parse_waited(b"538389400 199819 49\n"), Some(199_819));
        assert_eq!(parse_waited(b"12\n"), None);
        assert_eq!(parse_waited(b""), None);
    }
}
