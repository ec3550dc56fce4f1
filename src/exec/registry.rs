//! The registry: every executor runwait has ([`BUILTIN`]), those added at run time
//! ([`register`]), found by name, and a spec as written on the command line parsed against it.

use super::executor::{ExecSpec, Executor, Gil};
use super::variant::Variant;
use crate::error::Error;
use std::str::FromStr;
use std::sync::RwLock;

/// Every executor runwait has, in the order the help lists them.
pub static BUILTIN: &[&dyn Executor] = &[
    &super::sync::Sequential,
    &super::threads::Threads,
    &super::free_threads::FreeThreads,
    &super::event_loop::Async,
    &super::process::Processes,
    &super::rayon_pool::Rayon,
    &super::cloud::Cloud,
];

/// Executors added at run time (a test's own).
static REGISTERED: RwLock<Vec<&'static dyn Executor>> = RwLock::new(Vec::new());

/// Add an executor from outside this crate; its name must be new.
pub fn register(executor: &'static dyn Executor) -> Result<(), Error> {
    if find(executor.name()).is_some() {
        return Err(Error::Usage(format!(
            "an executor named '{}' exists",
            executor.name()
        )));
    }
    REGISTERED
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(executor);
    Ok(())
}

/// Every executor: the built-in ones, then those registered.
pub fn all() -> Vec<&'static dyn Executor> {
    let registered = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    BUILTIN
        .iter()
        .copied()
        .chain(registered.iter().copied())
        .collect()
}

pub fn find(name: &str) -> Option<&'static dyn Executor> {
    all().into_iter().find(|e| e.name() == name)
}

/// The executors' names, for help and errors: `sync, threads, ...`.
pub fn names() -> String {
    all()
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The executor that is `executor` with the GIL (`on`) or without: itself if it is so already;
/// else for off, its [`Gil::On`]'s `without`; for on, the first executor (in [`all`]'s order)
/// whose `without` it is. `None`: it has no such twin.
pub fn with_gil(executor: &'static dyn Executor, on: bool) -> Option<&'static dyn Executor> {
    match (executor.gil(), on) {
        (gil, on) if gil.is_on() == on => Some(executor),
        (Gil::On { without }, _) => Some(without),
        (Gil::Off, _) => all().into_iter().find(|e| match e.gil() {
            Gil::On { without } => without.name() == executor.name(),
            Gil::Off => false,
        }),
    }
}

/// `a, b, c or d`: the names of the executors `which` picks, for a message.
pub fn names_of(which: impl Fn(&dyn Executor) -> bool) -> String {
    let names: Vec<&str> = all()
        .into_iter()
        .filter(|e| which(*e))
        .map(|e| e.name())
        .collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl ExecSpec {
    fn parse_count(&self, spec: &str, count: &str) -> Result<u32, Error> {
        let bad = |why: String| Error::BadExecutor {
            spec: spec.to_string(),
            why,
        };
        let Some(max) = self.executor.max_workers() else {
            return Err(bad(
                "only pools take a worker count (and async a limit)".into()
            ));
        };
        match count.parse::<u32>() {
            Ok(0) => Err(bad("the worker count must be at least 1".into())),
            Ok(n) if n > max => Err(bad(format!("at most {max} workers"))),
            Ok(n) => Ok(n),
            Err(_) => Err(bad("the worker count must be a whole number".into())),
        }
    }

    fn parse_variant(&self, spec: &str, name: &str) -> Result<Variant, Error> {
        let offered = self.executor.variants();
        let names: Vec<&str> = offered.iter().map(|v| v.name()).collect();
        let exec = self.executor.name();
        offered
            .iter()
            .copied()
            .find(|v| v.name() == name)
            .ok_or_else(|| Error::BadExecutor {
                spec: spec.to_string(),
                why: match names.is_empty() {
                    true => format!("{exec} has no variants"),
                    false => format!("the variants of {exec} are {}", names.join(", ")),
                },
            })
    }
}

impl FromStr for ExecSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<ExecSpec, Error> {
        let (head, variant) = match text.split_once('/') {
            Some((head, variant)) => (head, Some(variant)),
            None => (text, None),
        };
        let (name, count) = match head.split_once(':') {
            Some((name, count)) => (name, Some(count)),
            None => (head, None),
        };
        let executor = find(name).ok_or_else(|| Error::UnknownExecutor {
            name: name.to_string(),
            known: names(),
        })?;
        let mut spec = ExecSpec {
            executor,
            workers: None,
            variant: None,
        };
        if let Some(count) = count {
            spec.workers = Some(spec.parse_count(text, count)?);
        }
        if let Some(variant) = variant {
            spec.variant = Some(spec.parse_variant(text, variant)?);
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s: ExecSpec = "threads:10".parse().unwrap();
        assert_eq!((s.executor.name(), s.workers()), ("threads", 10));
        assert_eq!("async".parse::<ExecSpec>().unwrap().workers(), 1);
        assert_eq!("free-threads".parse::<ExecSpec>().unwrap().workers(), 5);
        for bad in ["thread", "threads:0", "threads:x", "sync:2", ""] {
            assert!(bad.parse::<ExecSpec>().is_err(), "{bad}");
        }
        let e = "bogus".parse::<ExecSpec>().unwrap_err().to_string();
        assert!(
            e.contains("unknown executor 'bogus'") && e.contains("free-threads"),
            "{e}"
        );
    }

    #[test]
    fn the_gil_twins_and_the_lists_come_from_the_registry() {
        let name = |e: Option<&'static dyn Executor>| e.map(|e| e.name());
        let threads = find("threads").unwrap();
        let free = find("free-threads").unwrap();
        assert_eq!(name(with_gil(threads, false)), Some("free-threads"));
        assert_eq!(name(with_gil(threads, true)), Some("threads"));
        assert_eq!(
            name(with_gil(free, true)),
            Some("threads"),
            "the one naming it"
        );
        assert_eq!(name(with_gil(find("rayon").unwrap(), true)), None);
        assert_eq!(
            names_of(|e| e.takes_arrivals()),
            "sync, threads, free-threads, process or cloud"
        );
    }
}
