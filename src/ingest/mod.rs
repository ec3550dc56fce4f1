//! Ingest: traces recorded before, read from files into a trace. Every source goes through the
//! recorder, as the live ones do: a runwait trace file ([`saved`]) is replayed into one message
//! by message, and a Chrome trace ([`chrome`]: runwait's own export, or viztracer's of a real
//! Python program) is mapped into the same messages. A real Python program sampled live
//! ([`python`]) is one more source of the same messages, through the recorder's channel.
//!
//! A file is read within a bound ([`read`]) and parsed as it streams in, in one pass that tells
//! the two formats apart as it goes: it is never held whole as text, and a Chrome trace's
//! events are taken one at a time.

pub mod chrome;
mod old_names;
pub mod python;
pub mod read;
pub mod saved;

use crate::error::Error;
use crate::trace::{file, limits, Trace};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::io::{BufReader, Read};
use std::path::Path;

/// The bound on trace files, for its errors.
pub const TRACE_FILES: read::Kind = read::Kind {
    what: "trace files",
    raise: Some("--max-file-size raises it"),
};

/// A trace file: runwait's own, or a Chrome trace (Perfetto's format, viztracer's output), of
/// at most [`limits::MAX_FILE_BYTES`].
pub fn load(path: &Path) -> Result<Trace, Error> {
    load_within(path, limits::MAX_FILE_BYTES)
}

/// A trace file of at most `cap` bytes.
pub fn load_within(path: &Path, cap: u64) -> Result<Trace, Error> {
    let mut input = read::Input::open(path, cap, TRACE_FILES)?;
    let origin = input.origin().to_string();
    match from_reader(&mut input.reader, &origin) {
        Err(_) if input.reader.past_cap() => Err(input.too_big()),
        got => got,
    }
}

/// A trace file as it streams in, either format (`origin` names it in errors).
pub fn from_reader(reader: impl Read, origin: &str) -> Result<Trace, Error> {
    let buffered = BufReader::with_capacity(1 << 16, reader);
    parse(&mut serde_json::Deserializer::from_reader(buffered), origin)
}

/// A trace file's text, either format (`origin` names it in errors).
pub fn from_json(text: &str, origin: &str) -> Result<Trace, Error> {
    parse(&mut serde_json::Deserializer::from_str(text), origin)
}

fn parse<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    origin: &str,
) -> Result<Trace, Error> {
    let bad = |why: String| Error::BadTrace {
        path: origin.to_string(),
        why,
    };
    let mut chrome = chrome::Reader::default();
    let doc = Document(&mut chrome)
        .deserialize(&mut *de)
        .and_then(|doc| de.end().map(|()| doc));
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) if e.is_io() => {
            return Err(Error::Io {
                what: format!("cannot read {origin}"),
                source: e.into(),
            })
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    if doc.events && doc.format.is_none() {
        return chrome.finish(&doc.other, origin);
    }
    let version = file::check_header(doc.format.as_deref(), doc.version).map_err(bad)?;
    let trace = doc.trace.ok_or_else(|| bad("no trace in it".into()))?;
    file::check(&trace).map_err(bad)?;
    Ok(saved::from_file(trace, version))
}

/// What the top of a file holds: a runwait trace file's header and trace, or a Chrome trace's
/// events (taken by the reader as they come) and `otherData`.
#[derive(Default)]
struct Parts {
    format: Option<String>,
    version: Option<u32>,
    trace: Option<Trace>,
    events: bool,
    other: Value,
}

/// Reads the top of a file, either format.
struct Document<'a>(&'a mut chrome::Reader);

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = Parts;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parts, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = Parts;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a runwait trace file or a Chrome trace")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Parts, A::Error> {
        chrome::Events(self.0).visit_seq(seq)?;
        Ok(Parts {
            events: true,
            ..Parts::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let mut parts = Parts::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => parts.format = map.next_value()?,
                "version" => parts.version = map.next_value()?,
                "trace" if parts.wants_trace() => parts.trace = Some(map.next_value()?),
                "traceEvents" if parts.format.is_none() => {
                    map.next_value_seed(chrome::Events(&mut *self.0))?;
                    parts.events = true;
                }
                "otherData" => parts.other = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(parts)
    }
}

impl Parts {
    /// Whether the trace is worth reading: not if the header, where it came first, refuses
    /// the file (its error is the one to give).
    fn wants_trace(&self) -> bool {
        let format_ok = self.format.as_deref().is_none_or(|f| f == file::FORMAT);
        let version_ok = self
            .version
            .is_none_or(|v| (file::OLDEST..=file::VERSION).contains(&v));
        format_ok && version_ok
    }
}

/// Two trace files of at most `cap` bytes each on one axis: `after`'s runs beside `before`'s
/// (`runwait compare`).
pub fn compare(before: &Path, after: &Path, cap: u64) -> Result<Trace, Error> {
    Ok(saved::beside(
        load_within(before, cap)?,
        load_within(after, cap)?,
    ))
}
