//! The trace file: the whole trace as a versioned JSON document that loads back losslessly.
//!
//! ```json
//! {"format": "runwait-trace", "version": 1, "trace": {"scenario": "io", "dropped": 0, "runs": [...]}}
//! ```

use super::Trace;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "runwait-trace";
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct DocOut<'a> {
    format: &'a str,
    version: u32,
    trace: &'a Trace,
}

#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

#[derive(Deserialize)]
struct DocIn {
    trace: Trace,
}

pub fn to_json(trace: &Trace) -> String {
    serde_json::to_string(&DocOut {
        format: FORMAT,
        version: VERSION,
        trace,
    })
    .expect("a trace always serializes")
}

pub fn from_json(text: &str, origin: &str) -> Result<Trace, Error> {
    let bad = |why: String| Error::BadTrace {
        path: origin.to_string(),
        why,
    };
    let header: Header = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!("not a {FORMAT} file")));
    }
    match header.version {
        Some(VERSION) => {}
        Some(v) => {
            return Err(bad(format!(
                "version {v} is not supported (this runwait reads {VERSION})"
            )))
        }
        None => return Err(bad("no version".into())),
    }
    let mut doc: DocIn = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    doc.trace.reindex();
    Ok(doc.trace)
}

pub fn save(trace: &Trace, path: &Path) -> Result<(), Error> {
    std::fs::write(path, to_json(trace)).map_err(|e| Error::Io {
        what: format!("cannot write {}", path.display()),
        source: e,
    })
}

pub fn load(path: &Path) -> Result<Trace, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        what: format!("cannot read {}", path.display()),
        source: e,
    })?;
    from_json(&text, &path.display().to_string())
}
