//! Lane names as runwait wrote them before trace version 3, read once on load into the typed
//! identity every view now names lanes from: `thread 2`, `task 0`, `process 1 (pid 42)`,
//! `instance 3 (pid 7)`, a real program's worker process's thread `process 1 · Thread-2 (pid
//! 42)`, or a program's own name (`MainThread`, `Task-3 fetch`).

use crate::trace::{LaneId, LaneKind};

/// Lane `lane` (0-based) of a run whose lanes are `kind`, once named `name`.
pub fn lane_id(name: &str, kind: LaneKind, lane: u32) -> LaneId {
    let (bare, pid) = match name.strip_suffix(')').and_then(|n| n.rsplit_once(" (pid ")) {
        Some((bare, pid)) => match pid.parse::<u32>() {
            Ok(pid) => (bare, Some(pid)),
            Err(_) => (name, None),
        },
        None => (name, None),
    };
    if let Some((process, thread)) = bare.split_once(" · ") {
        if let (Some(n), Some(pid)) = (numbered(process, "process"), pid) {
            let id = LaneId::named(LaneKind::Thread, lane + 1, thread);
            return id.in_process(n, pid);
        }
    }
    let words = [
        ("thread", LaneKind::Thread),
        ("process", LaneKind::Process),
        ("task", LaneKind::Task),
        ("instance", LaneKind::Instance),
    ];
    for (word, kind) in words {
        if let Some(n) = numbered(bare, word) {
            let id = LaneId {
                kind,
                number: n,
                ..LaneId::default()
            };
            return match pid {
                Some(pid) => id.in_process(n, pid),
                None => id,
            };
        }
    }
    LaneId {
        process: None,
        ..LaneId::named(kind, lane + 1, name)
    }
}

/// `N` of `WORD N`.
fn numbered(name: &str, word: &str) -> Option<u32> {
    name.strip_prefix(word)?.strip_prefix(' ')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::ProcessId;

    fn process(number: u32, pid: u32) -> Option<ProcessId> {
        Some(ProcessId { number, pid })
    }

    #[test]
    fn names_of_every_kind_runwait_wrote_are_read_back_apart() {
        let t = LaneKind::Thread;
        assert_eq!(lane_id("thread 2", t, 1), LaneId::numbered(t, 1));
        assert_eq!(
            lane_id("task 0", LaneKind::Task, 0),
            LaneId::numbered(LaneKind::Task, 0)
        );
        let worker = lane_id("process 1 (pid 42)", LaneKind::Process, 0);
        assert_eq!(worker.kind, LaneKind::Process);
        assert_eq!((worker.number, worker.process), (1, process(1, 42)));
        assert!(worker.is_process());
        let inst = lane_id("instance 3 (pid 7)", LaneKind::Instance, 2);
        assert_eq!((inst.kind, inst.number), (LaneKind::Instance, 3));
        let pooled = lane_id("process 1 · ThreadPoolExecutor-0_1 (pid 9)", t, 4);
        assert_eq!(pooled.name.as_deref(), Some("ThreadPoolExecutor-0_1"));
        assert_eq!((pooled.kind, pooled.process), (t, process(1, 9)));
        assert!(!pooled.is_process());
        let main = lane_id("MainThread", t, 0);
        assert_eq!(main, LaneId::named(t, 1, "MainThread"));
        let twin = lane_id("worker 2 (5)", t, 4);
        assert_eq!(twin.name.as_deref(), Some("worker 2 (5)"));
    }
}
