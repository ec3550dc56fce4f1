//! The asyncio probe's reports, read: each Python process it is loaded in connects to a Unix
//! socket in the probe's directory, says its pid, then a line per event of its tasks:
//!
//! ```text
//! H 4242                     hello: the process
//! T 3 Task-3 fetch           task 3's name
//! R 1234567890 3             task 3 steps (runs) from this CLOCK_MONOTONIC time (ns)
//! W 1234569999 3 t           ... and is suspended (waits), here for a timer (`i` I/O, `t` a
//!                            timer, `l` a lock, `e` an empty queue, `f` a full queue)
//! Y 1234599999 3             ... what it waits for is done: ready for the loop
//! D 1234600000 3             ... and is done
//! ```
//!
//! Read without blocking, a little each sample, on the sampler's thread.

use crate::instrument::Mark;
use crate::trace::Reason;
use std::io::Read;
use std::os::unix::net::{UnixListener, UnixStream};

/// One event of a task, in the trace's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Named {
        task: u64,
        name: String,
    },
    Mark {
        task: u64,
        t_ns: u64,
        mark: Mark,
        reason: Option<Reason>,
    },
}

struct Conn {
    stream: UnixStream,
    pid: Option<u32>,
    pending: Vec<u8>,
}

/// The probe's socket and its connections.
pub struct Listener {
    listener: UnixListener,
    conns: Vec<Conn>,
    /// CLOCK_MONOTONIC at the trace clock's 0 (ns): the probe's times less this are the trace's.
    epoch_ns: u64,
}

/// CLOCK_MONOTONIC now, in ns (what Python's `time.monotonic_ns()` reads).
pub fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

impl Listener {
    /// Read from `listener`; `epoch_ns`: CLOCK_MONOTONIC at the trace clock's 0.
    pub fn new(listener: UnixListener, epoch_ns: u64) -> Option<Listener> {
        listener.set_nonblocking(true).ok()?;
        Some(Listener {
            listener,
            conns: Vec::new(),
            epoch_ns,
        })
    }

    /// Everything reported since the last poll, by process.
    pub fn poll(&mut self) -> Vec<(u32, Event)> {
        while let Ok((stream, _)) = self.listener.accept() {
            if stream.set_nonblocking(true).is_ok() {
                self.conns.push(Conn {
                    stream,
                    pid: None,
                    pending: Vec::new(),
                });
            }
        }
        let mut events = Vec::new();
        let epoch = self.epoch_ns;
        self.conns.retain_mut(|c| read_conn(c, epoch, &mut events));
        events
    }
}

/// Read what a connection has; false once it is closed.
fn read_conn(conn: &mut Conn, epoch_ns: u64, events: &mut Vec<(u32, Event)>) -> bool {
    let mut buf = [0u8; 16 * 1024];
    let open = loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => break false,
            Ok(n) => conn.pending.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break true,
            Err(_) => break false,
        }
    };
    let end = conn
        .pending
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let lines: Vec<u8> = conn.pending.drain(..end).collect();
    for line in String::from_utf8_lossy(&lines).lines() {
        match (line.strip_prefix("H "), conn.pid) {
            (Some(pid), _) => conn.pid = pid.trim().parse().ok(),
            (None, Some(pid)) => events.extend(parse(line, epoch_ns).map(|e| (pid, e))),
            (None, None) => {}
        }
    }
    open
}

/// One line of the probe's, in the trace's time (`epoch_ns`: CLOCK_MONOTONIC at its 0).
pub fn parse(line: &str, epoch_ns: u64) -> Option<Event> {
    let (kind, rest) = line.split_once(' ')?;
    if kind == "T" {
        let (task, name) = rest.split_once(' ')?;
        return Some(Event::Named {
            task: task.parse().ok()?,
            name: name.to_string(),
        });
    }
    let mut words = rest.split(' ');
    let t_ns = words.next()?.parse::<u64>().ok()?.saturating_sub(epoch_ns);
    let task = words.next()?;
    let (mark, reason) = match kind {
        "R" => (Mark::Run, None),
        "W" => (Mark::Wait, Some(waits_for(words.next()))),
        "Y" => (Mark::Ready, Some(Reason::Loop)),
        "D" => (Mark::Done, None),
        _ => return None,
    };
    Some(Event::Mark {
        task: task.trim().parse().ok()?,
        t_ns,
        mark,
        reason,
    })
}

/// What a suspended task waits for, as the probe tells it from the innermost coroutine it awaits.
fn waits_for(letter: Option<&str>) -> Reason {
    match letter {
        Some("t") => Reason::Timer,
        Some("l") => Reason::Lock,
        Some("e") => Reason::QueueEmpty,
        Some("f") => Reason::QueueFull,
        _ => Reason::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probes_lines_read_as_task_events_in_trace_time() {
        assert_eq!(
            parse("T 3 Task-3 fetch", 0),
            Some(Event::Named {
                task: 3,
                name: "Task-3 fetch".into()
            })
        );
        assert_eq!(
            parse("W 1500 3 t", 1000),
            Some(Event::Mark {
                task: 3,
                t_ns: 500,
                mark: Mark::Wait,
                reason: Some(Reason::Timer)
            })
        );
        assert_eq!(parse("X 1 2", 0), None);
    }
}
