//! What went wrong in a run that its trace does not say: why tasks failed or were lost. The
//! trace counts the ends (`failed`, `lost`); the executors note each reason here as it
//! happens, and once the runs are over runwait says them on stderr, one line a run
//! (`async: 13 requests failed: too many open files`).

use crate::trace::{Outcome, Trace};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Reasons beyond these many in one line are counted, not listed.
const MOST_REASONS: usize = 3;

/// The reasons noted, shared by every run of a lab.
#[derive(Clone, Debug, Default)]
pub struct Notes(Arc<Mutex<Vec<Note>>>);

/// One task's end, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub run: u32,
    pub outcome: Outcome,
    /// A request (rather than some other work) failed.
    pub request: bool,
    pub why: String,
}

impl Notes {
    pub fn add(&self, note: Note) {
        self.lock().push(note);
    }

    /// A request of run `run` failed, for `why`.
    pub fn request_failed(&self, run: u32, why: &str) {
        self.add(Note {
            run,
            outcome: Outcome::Failed,
            request: true,
            why: why.to_string(),
        });
    }

    /// A task of run `run` was lost, for `why`.
    pub fn lost(&self, run: u32, why: String) {
        self.add(Note {
            run,
            outcome: Outcome::Lost,
            request: false,
            why,
        });
    }

    /// Forget every note (the runs start again).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Note>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A line for each run of `trace` with failed or lost tasks, in run order, saying why
    /// where a reason was noted.
    pub fn summary(&self, trace: &Trace) -> Vec<String> {
        let notes = self.lock();
        let mut lines = Vec::new();
        for (r, run) in trace.runs.iter().enumerate() {
            for outcome in [Outcome::Failed, Outcome::Lost] {
                let count = run.count(outcome);
                if count == 0 {
                    continue;
                }
                let noted: Vec<&Note> = notes
                    .iter()
                    .filter(|n| n.run as usize == r && n.outcome == outcome)
                    .collect();
                let line = line(count, outcome, &noted);
                lines.push(format!("{}: {line}", run.meta.label));
            }
        }
        lines
    }
}

/// `13 requests failed: too many open files`; several reasons with their counts, the most
/// common first; tasks with no reason noted say where to look.
fn line(count: u32, outcome: Outcome, noted: &[&Note]) -> String {
    let what = match noted.iter().all(|n| n.request) && !noted.is_empty() {
        true => "request",
        false => "task",
    };
    let plural = if count == 1 { "" } else { "s" };
    let head = format!("{count} {what}{plural} {}", outcome.name());
    let mut by_reason: BTreeMap<&str, u32> = BTreeMap::new();
    for n in noted {
        *by_reason.entry(n.why.as_str()).or_default() += 1;
    }
    let mut reasons: Vec<(&str, u32)> = by_reason.into_iter().collect();
    reasons.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let unexplained = count.saturating_sub(noted.len() as u32);
    let mut parts: Vec<String> = match reasons.as_slice() {
        [(why, _)] if unexplained == 0 => vec![why.to_string()],
        _ => reasons
            .iter()
            .take(MOST_REASONS)
            .map(|(why, n)| format!("{why} ({n})"))
            .collect(),
    };
    if reasons.len() > MOST_REASONS {
        parts.push(format!("{} other reasons", reasons.len() - MOST_REASONS));
    }
    if parts.is_empty() {
        return format!("{head}, for reasons not recorded here (--log FILE may say)");
    }
    if unexplained > 0 {
        parts.push(format!("{unexplained} for reasons not recorded here"));
    }
    format!("{head}: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(outcome: Outcome, request: bool, why: &str) -> Note {
        Note {
            run: 0,
            outcome,
            request,
            why: why.into(),
        }
    }

    #[test]
    fn one_line_says_how_many_and_why() {
        let full = note(Outcome::Failed, true, "too many open files");
        assert_eq!(
            line(13, Outcome::Failed, &[&full; 13]),
            "13 requests failed: too many open files"
        );
        let refused = note(Outcome::Failed, true, "connection refused");
        let mixed = [&full, &full, &refused];
        assert_eq!(
            line(4, Outcome::Failed, &mixed),
            "4 requests failed: too many open files (2), connection refused (1), 1 for reasons not recorded here"
        );
        assert_eq!(
            line(1, Outcome::Lost, &[]),
            "1 task lost, for reasons not recorded here (--log FILE may say)"
        );
    }
}
