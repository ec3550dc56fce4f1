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
    #[error("{path}: {why}")]
    Input { path: String, why: String },
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

    /// Writing to a reader that went away (`runwait list | head -1`): not worth a word.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The innermost cause of an error, as people say it: `too many open files`, not `error
/// sending request for url (...)` nor `Too many open files (os error 24)`.
pub fn cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = error;
    while let Some(source) = inner.source() {
        inner = source;
    }
    let text = inner.to_string();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "an unknown error".into(),
    }
}

/// `text` safe to print to a terminal: every control character (escape sequences, carriage
/// returns, newlines, bells) from a file, a lesson, a program or the OS shown as `�`, so data
/// never moves the cursor, retitles the terminal or clears the screen.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cause_is_the_innermost_error_in_plain_words() {
        let io = std::io::Error::from_raw_os_error(24);
        assert_eq!(super::cause(&io), "too many open files");
    }
}
