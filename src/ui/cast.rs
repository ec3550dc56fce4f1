//! `--record FILE.cast`: an asciicast v2 recording of exactly what the UI draws, as it draws
//! it. Every byte runwait writes to the terminal for a frame goes out as one `"o"` event when the
//! frame is flushed; a resize is an `"r"` event; every step the user takes (a pause, a frame or
//! an event forward or back, a jump) is an `"m"` marker, so `asciinema play -m` pauses where the
//! teacher paused. Times are seconds since the recording began and never go backwards.
//!
//! Entering and leaving the alternate screen are not recorded: played back, the recording
//! ends on the last frame, not on the shell it came from.

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub struct Cast {
    path: PathBuf,
    out: BufWriter<File>,
    t0: Instant,
    /// The last time written: times never go backwards.
    last: f64,
    /// Bytes of the frame being drawn, not yet flushed (or the start of a character split
    /// across writes).
    pending: Vec<u8>,
    /// The first write that failed: the recording stops there, and the error is reported.
    failed: Option<io::Error>,
}

impl Cast {
    /// Start a recording of a `width` x `height` terminal: the header line.
    pub fn create(path: &Path, width: u16, height: u16, title: &str) -> io::Result<Cast> {
        let mut out = BufWriter::new(File::create(path)?);
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let term = std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into());
        let header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": timestamp,
            "title": title,
            "env": {"TERM": term},
        });
        writeln!(out, "{header}")?;
        out.flush()?;
        Ok(Cast {
            path: path.to_path_buf(),
            out,
            t0: Instant::now(),
            last: 0.0,
            pending: Vec::new(),
            failed: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn event(&mut self, code: &str, data: &str) {
        if self.failed.is_some() {
            return;
        }
        let t = self.t0.elapsed().as_secs_f64().max(self.last);
        self.last = t;
        let line = serde_json::to_string(&(RoundedSecs(t), code, data))
            .expect("an event always serializes");
        if let Err(e) = writeln!(self.out, "{line}") {
            self.failed = Some(e);
        }
    }

    /// Bytes written to the terminal (sent as one event when the frame is flushed).
    pub fn output(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
    }

    /// The frame is on the terminal: record it.
    pub fn flush_output(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let text = match std::str::from_utf8(&self.pending) {
            Ok(_) => String::from_utf8(std::mem::take(&mut self.pending)).expect("valid"),
            // A character cut at the end of this write: the rest comes with the next.
            Err(e) if e.error_len().is_none() => {
                let rest = self.pending.split_off(e.valid_up_to());
                String::from_utf8(std::mem::replace(&mut self.pending, rest))
                    .expect("cut at a character boundary")
            }
            // Bytes that are no character at all (never written by runwait's UI).
            Err(_) => String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned(),
        };
        if text.is_empty() {
            return;
        }
        self.event("o", &text);
        if let Err(e) = self.out.flush() {
            self.failed.get_or_insert(e);
        }
    }

    /// A step the user took, named.
    pub fn marker(&mut self, label: &str) {
        self.event("m", label);
    }

    /// The terminal is now `width` x `height`.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.event("r", &format!("{width}x{height}"));
    }

    /// Finish the file; the first error writing it, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush_output();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.out.flush()
    }
}

/// Seconds, written with microsecond precision.
struct RoundedSecs(f64);

impl serde::Serialize for RoundedSecs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64((self.0 * 1e6).round() / 1e6)
    }
}

/// The recording, if there is one: shared by the terminal's writer and the UI loop (which
/// adds markers and resizes).
#[derive(Clone, Default)]
pub struct Recording(Arc<Mutex<Option<Cast>>>);

impl Recording {
    pub fn new(cast: Option<Cast>) -> Recording {
        Recording(Arc::new(Mutex::new(cast)))
    }

    pub fn lock(&self) -> MutexGuard<'_, Option<Cast>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the UI writes to: the terminal, and the recording.
pub struct Screen {
    out: Stdout,
    recording: Recording,
}

impl Screen {
    pub fn new(recording: Recording) -> Screen {
        Screen {
            out: io::stdout(),
            recording,
        }
    }
}

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        if let Some(cast) = self.recording.lock().as_mut() {
            cast.output(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        if let Some(cast) = self.recording.lock().as_mut() {
            cast.flush_output();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_across_writes_waits_for_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let mut cast = Cast::create(&path, 80, 24, "t").unwrap();
        let bytes = "a█b".as_bytes();
        cast.output(&bytes[..2]);
        cast.flush_output();
        cast.output(&bytes[2..]);
        cast.flush_output();
        // Half a character alone is no event; bytes that are no character are shown as such.
        cast.output(&[0xE2]);
        cast.flush_output();
        cast.output(&[0x96, 0x88]);
        cast.flush_output();
        cast.output(&[0xFF, b'z']);
        cast.flush_output();
        cast.marker("step");
        cast.resize(100, 30);
        cast.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["version"], 2);
        assert_eq!(
            (lines[0]["width"].as_u64(), lines[0]["height"].as_u64()),
            (Some(80), Some(24))
        );
        let events: Vec<(String, String)> = lines[1..]
            .iter()
            .map(|e| (e[1].as_str().unwrap().into(), e[2].as_str().unwrap().into()))
            .collect();
        assert_eq!(
            events,
            [
                ("o".into(), "a".into()),
                ("o".into(), "█b".into()),
                ("o".into(), "█".into()),
                ("o".into(), "\u{fffd}z".into()),
                ("m".into(), "step".into()),
                ("r".into(), "100x30".into())
            ]
        );
    }
}
