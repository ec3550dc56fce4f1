//! The errors a user can cause: each prints as one line and exits with code 2.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("unknown scenario '{0}' (see `runwait list`)")]
    UnknownScenario(String),
    #[error("unknown executor '{name}' (known: {known})")]
    UnknownExecutor { name: String, known: String },
    #[error("bad executor '{spec}': {why}")]
    BadExecutor { spec: String, why: String },
    #[error("malformed --url '{url}': {why}")]
    BadUrl { url: String, why: String },
    #[error("server at {url} does not answer: {why}")]
    NoAnswer { url: String, why: String },
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{place}: {why}")]
    BadLesson { place: String, why: String },
    #[error("{path}: not a runwait trace: {why}")]
    BadTrace { path: String, why: String },
    #[error("{0}")]
    Usage(String),
    /// A Python program that cannot be sampled (not Python, not permitted, exited at once).
    #[error("{0}")]
    Python(String),
}

impl Error {
    /// A file that could not be written.
    pub fn cannot_write(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            what: format!("cannot write {}", path.display()),
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        2
    }
}
