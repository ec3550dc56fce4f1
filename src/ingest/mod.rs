//! Ingest: traces recorded before, read from files into a trace. Every source goes through the
//! recorder, as the live ones do: a runwait trace file ([`saved`]) is replayed into one message
//! by message, and a Chrome trace ([`chrome`]: runwait's own export, or viztracer's of a real
//! Python program) is mapped into the same messages. A real Python program sampled live
//! ([`python`]) is one more source of the same messages, through the recorder's channel.

pub mod chrome;
pub mod python;
pub mod saved;

use crate::error::Error;
use crate::trace::Trace;
use std::path::Path;

/// A trace file: runwait's own, or a Chrome trace (Perfetto's format, viztracer's output).
pub fn load(path: &Path) -> Result<Trace, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        what: format!("cannot read {}", path.display()),
        source: e,
    })?;
    let origin = path.display().to_string();
    if chrome::looks_like(&text) {
        let trace = chrome::import(&text, &origin)?;
        crate::trace::file::check(&trace).map_err(|why| Error::BadTrace { path: origin, why })?;
        return Ok(trace);
    }
    from_json(&text, &origin)
}

/// A runwait trace file's text (`origin` names it in errors).
pub fn from_json(text: &str, origin: &str) -> Result<Trace, Error> {
    saved::from_json(text, origin)
}
