//! The worker-pipe codec: frames between runwait and its worker processes, and the handshake
//! that puts a worker's clock on the parent's.
//!
//! A frame is a tag byte, a little-endian u32 length and that many bytes. The parent sends
//! `Ping` (handshake) and `Job` (a task, JSON); the worker answers `Pong` with its clock, and
//! streams the `Record`s its own Layer stamped, then `Dropped` when it exits. A worker whose
//! task puts or gets on one of the run's queues (which live in the parent) sends `QueueOp` and
//! waits for `QueueDone` (with, after a wait, the lane whose get or put let it go on: the
//! worker records that wake when the answer arrives).

use super::{Clock, Mark, Record};
use std::io::{self, Read, Write};

#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Ping,
    Pong {
        t_ns: u64,
    },
    Job(Vec<u8>),
    Record(Record),
    Dropped(u64),
    /// Put (`get: false`) or get on queue `queue`; with `wait`, waiting until it can.
    QueueOp {
        queue: u32,
        get: bool,
        wait: bool,
    },
    /// Whether the queue operation happened, and the lane that let a waiting one go on.
    QueueDone {
        done: bool,
        by: Option<u32>,
    },
}

const PING: u8 = 1;
const PONG: u8 = 2;
const JOB: u8 = 3;
const RECORD: u8 = 4;
const DROPPED: u8 = 5;
const QUEUE_OP: u8 = 6;
const QUEUE_DONE: u8 = 7;
const MAX_FRAME: u32 = 64 << 20;

pub fn write_frame(out: &mut impl Write, frame: &Frame) -> io::Result<()> {
    let (tag, payload): (u8, Vec<u8>) = match frame {
        Frame::Ping => (PING, Vec::new()),
        Frame::Pong { t_ns } => (PONG, t_ns.to_le_bytes().to_vec()),
        Frame::Job(json) => (JOB, json.clone()),
        Frame::Record(r) => (RECORD, encode_record(r).to_vec()),
        Frame::Dropped(n) => (DROPPED, n.to_le_bytes().to_vec()),
        Frame::QueueOp { queue, get, wait } => {
            let mut b = queue.to_le_bytes().to_vec();
            b.extend([*get as u8, *wait as u8]);
            (QUEUE_OP, b)
        }
        Frame::QueueDone { done, by } => {
            let mut b = vec![*done as u8];
            b.extend(by.iter().flat_map(|lane| lane.to_le_bytes()));
            (QUEUE_DONE, b)
        }
    };
    out.write_all(&[tag])?;
    out.write_all(&(payload.len() as u32).to_le_bytes())?;
    out.write_all(&payload)
}

/// The next frame, or `None` at a clean end of stream.
pub fn read_frame(input: &mut impl Read) -> io::Result<Option<Frame>> {
    let mut head = [0u8; 5];
    match input.read_exact(&mut head[..1]) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    input.read_exact(&mut head[1..])?;
    let len = u32::from_le_bytes(head[1..5].try_into().expect("4 bytes"));
    if len > MAX_FRAME {
        return Err(bad("frame too long"));
    }
    let mut payload = vec![0u8; len as usize];
    input.read_exact(&mut payload)?;
    let u64_of = |p: &[u8]| -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            p.try_into().map_err(|_| bad("bad u64"))?,
        ))
    };
    Ok(Some(match head[0] {
        PING => Frame::Ping,
        PONG => Frame::Pong {
            t_ns: u64_of(&payload)?,
        },
        JOB => Frame::Job(payload),
        RECORD => Frame::Record(decode_record(&payload)?),
        DROPPED => Frame::Dropped(u64_of(&payload)?),
        QUEUE_OP => match payload[..] {
            [a, b, c, d, get @ 0..=1, wait @ 0..=1] => Frame::QueueOp {
                queue: u32::from_le_bytes([a, b, c, d]),
                get: get == 1,
                wait: wait == 1,
            },
            _ => return Err(bad("bad queue op")),
        },
        QUEUE_DONE => match payload[..] {
            [done @ 0..=1] => Frame::QueueDone {
                done: done == 1,
                by: None,
            },
            [done @ 0..=1, a, b, c, d] => Frame::QueueDone {
                done: done == 1,
                by: Some(u32::from_le_bytes([a, b, c, d])),
            },
            _ => return Err(bad("bad queue reply")),
        },
        other => return Err(bad(&format!("unknown frame tag {other}"))),
    }))
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn encode_record(r: &Record) -> [u8; 22] {
    let mut b = [0u8; 22];
    b[0..8].copy_from_slice(&r.t_ns.to_le_bytes());
    b[8..12].copy_from_slice(&r.run.to_le_bytes());
    b[12..16].copy_from_slice(&r.lane.to_le_bytes());
    b[16..20].copy_from_slice(&r.task.to_le_bytes());
    b[20] = r.mark as u8;
    b[21] = super::reason_code(r.reason);
    b
}

fn decode_record(b: &[u8]) -> io::Result<Record> {
    if b.len() != 22 {
        return Err(bad("bad record length"));
    }
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    Ok(Record {
        t_ns: u64::from_le_bytes(b[0..8].try_into().expect("8 bytes")),
        run: u32_at(8),
        lane: u32_at(12),
        task: u32_at(16),
        mark: Mark::from_u8(b[20]).ok_or_else(|| bad("unknown mark"))?,
        reason: super::reason_of(b[21]),
    })
}

/// How a worker's clock maps onto the parent's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alignment {
    /// Add to a worker time to get the parent time.
    pub offset_ns: i64,
    /// The most the mapping can be off: half the best round trip.
    pub error_ns: u64,
}

impl Alignment {
    pub fn to_parent(&self, worker_ns: u64) -> u64 {
        (worker_ns as i64 + self.offset_ns).max(0) as u64
    }
}

/// The parent's side of the handshake: `rounds` pings, keeping the one with the shortest round
/// trip (NTP's rule: its midpoint is the best estimate of when the worker read its clock).
pub fn align(
    to_worker: &mut impl Write,
    from_worker: &mut impl Read,
    clock: &Clock,
    rounds: u32,
) -> io::Result<Alignment> {
    let mut best: Option<Alignment> = None;
    for _ in 0..rounds {
        let sent = clock.now_ns();
        write_frame(to_worker, &Frame::Ping)?;
        to_worker.flush()?;
        let worker_ns = match read_frame(from_worker)? {
            Some(Frame::Pong { t_ns }) => t_ns,
            other => return Err(bad(&format!("expected a pong, got {other:?}"))),
        };
        let received = clock.now_ns();
        let round_trip = received - sent;
        let midpoint = sent + round_trip / 2;
        let candidate = Alignment {
            offset_ns: midpoint as i64 - worker_ns as i64,
            error_ns: round_trip.div_ceil(2),
        };
        if best.is_none_or(|b| candidate.error_ns < b.error_ns) {
            best = Some(candidate);
        }
    }
    best.ok_or_else(|| bad("no handshake rounds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let frames = vec![
            Frame::Ping,
            Frame::Pong { t_ns: 123_456_789 },
            Frame::Job(b"{\"a\":1}".to_vec()),
            Frame::Record(Record {
                t_ns: u64::MAX - 3,
                run: 2,
                lane: 7,
                task: super::super::NO_TASK,
                mark: Mark::Lost,
                reason: None,
            }),
            Frame::Record(Record {
                t_ns: 7,
                run: 0,
                lane: 1,
                task: 3,
                mark: Mark::Wait,
                reason: Some(crate::trace::Reason::QueueFull),
            }),
            Frame::Dropped(42),
            Frame::Record(Record {
                t_ns: 9,
                run: 1,
                lane: super::super::OUTSIDE,
                task: 5 << 24 | 3,
                mark: Mark::Wake,
                reason: None,
            }),
            Frame::QueueOp {
                queue: 70_000,
                get: true,
                wait: false,
            },
            Frame::QueueDone {
                done: true,
                by: Some(7),
            },
            Frame::QueueDone {
                done: false,
                by: None,
            },
        ];
        let mut buf = Vec::new();
        for f in &frames {
            write_frame(&mut buf, f).unwrap();
        }
        let mut input = buf.as_slice();
        let mut back = Vec::new();
        while let Some(f) = read_frame(&mut input).unwrap() {
            back.push(f);
        }
        assert_eq!(back, frames);
    }

    #[test]
    fn a_cut_frame_is_an_error_not_a_clean_end() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &Frame::Pong { t_ns: 1 }).unwrap();
        buf.truncate(buf.len() - 2);
        assert!(read_frame(&mut buf.as_slice()).is_err());
    }
}
