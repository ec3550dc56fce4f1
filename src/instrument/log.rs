//! Logs go to a file (`--log FILE`, filtered by RUST_LOG), never onto the screen.
//!
//! Without `--log` nothing is logged. The log layer is both the global default (for threads
//! that are not instrumented) and part of every run's dispatcher, so executors' warnings land
//! in the same file.

use crate::error::Error;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tracing::Subscriber;
use tracing_subscriber::filter::EnvFilter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

static LOG_FILE: OnceLock<Arc<File>> = OnceLock::new();
/// The log file's name, and the first write to it that failed (a full disk): logging goes on
/// without failing the program, which says so once it is done ([`failure`]).
static LOG_PATH: OnceLock<String> = OnceLock::new();
static LOG_FAILED: OnceLock<(std::io::ErrorKind, String)> = OnceLock::new();

struct LogFile(Arc<File>);

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let wrote = (&*self.0).write(buf);
        if let Err(e) = &wrote {
            let _ = LOG_FAILED.set((e.kind(), e.to_string()));
        }
        wrote
    }

    fn flush(&mut self) -> std::io::Result<()> {
        (&*self.0).flush()
    }
}

/// Open the log file, write its first line (so a file that cannot be written to is an error
/// before anything runs) and install the global logger.
pub fn init(path: &Path) -> Result<(), Error> {
    let cannot = |e| Error::Io {
        what: format!("cannot write log file {}", path.display()),
        source: e,
    };
    let mut file = File::create(path).map_err(cannot)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    writeln!(
        file,
        "runwait {}: {}",
        env!("CARGO_PKG_VERSION"),
        args.join(" ")
    )
    .map_err(cannot)?;
    let _ = LOG_PATH.set(path.display().to_string());
    let _ = LOG_FILE.set(Arc::new(file));
    if let Some(layer) = layer() {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
    }
    Ok(())
}

/// The log layer, if logging is on.
pub fn layer<S>() -> Option<impl Layer<S>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let file = LOG_FILE.get()?.clone();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive(
            format!("{}=off", super::MARK_TARGET)
                .parse()
                .expect("a valid directive"),
        );
    Some(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_thread_names(true)
            .with_writer(move || LogFile(file.clone()))
            .with_filter(filter),
    )
}

/// The first write to the log file that failed, if one did.
pub fn failure() -> Option<Error> {
    let (kind, why) = LOG_FAILED.get()?;
    Some(Error::Io {
        what: format!(
            "cannot write log file {}",
            LOG_PATH.get().map_or("", String::as_str)
        ),
        source: std::io::Error::new(*kind, why.clone()),
    })
}
